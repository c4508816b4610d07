//! The articles folder (and the templates folder) as it changes: a debounced watcher that
//! says when files were created, changed, renamed or deleted.
//!
//! The watcher only signals; it does not say what to re-read. The index update that
//! follows compares every file's size and modification time with its manifest, so an
//! event the operating system dropped or merged (a burst of saves, an editor's
//! write-to-temp-then-rename) still ends with the index equal to the folder. Debouncing
//! turns such a burst into one signal. Nothing here reads article contents.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};

use crate::error::{Error, Result};

/// Quiet time after the last event before the signal: long enough to merge an editor's
/// save, short enough that a new article is searchable well within two seconds.
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// A running watcher; dropping it stops watching.
pub struct Watcher {
    _debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    /// The folder as named.
    root: PathBuf,
    /// Which folder that name meant when the watch began (device and inode).
    identity: Option<(u64, u64)>,
}

impl Watcher {
    /// Whether the watched name now means another folder (or none): a folder deleted and
    /// made anew, or replaced by a rename, is not the one the operating system watches.
    pub fn is_stale(&self) -> bool {
        identity(&self.root) != self.identity
    }
}

/// The device and inode of the folder `path` names now.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Without inodes, a folder is taken to stay the same.
#[cfg(not(unix))]
fn identity(_: &Path) -> Option<(u64, u64)> {
    Some((0, 0))
}

/// Whether `path` may hold or be an article: Markdown files, and folders (a folder moved
/// in or out carries its files), but nothing under a hidden folder.
fn concerns_articles(root: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let hidden = rel
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
    if hidden {
        return false;
    }
    match path.extension() {
        Some(ext) => ext.eq_ignore_ascii_case("md"),
        None => true,
    }
}

/// Watches `root` recursively and calls `on_change` with the paths concerned, once per
/// burst of changes to article files. Errors of the watcher itself are logged.
pub fn watch(root: &Path, on_change: impl Fn(Vec<PathBuf>) + Send + 'static) -> Result<Watcher> {
    watch_filtered(root, concerns_articles, on_change)
}

/// [`watch`] for any folder: `concerns(root, path)` says which paths count.
pub fn watch_filtered(
    root: &Path,
    concerns: fn(&Path, &Path) -> bool,
    on_change: impl Fn(Vec<PathBuf>) + Send + 'static,
) -> Result<Watcher> {
    let base = root.canonicalize().map_err(|e| Error::io(root, e))?;
    let filter_root = base.clone();
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        match result {
            Ok(events) => {
                let paths: Vec<PathBuf> = events
                    .iter()
                    .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                    .flat_map(|e| e.paths.iter())
                    .filter(|p| concerns(&filter_root, p))
                    .cloned()
                    .collect();
                if !paths.is_empty() {
                    on_change(paths);
                }
            }
            Err(errors) => {
                for e in errors {
                    tracing::warn!("watching the articles folder: {e}");
                }
                // Events may have been lost: let the caller look at the folder.
                on_change(Vec::new());
            }
        }
    })
    .map_err(|source| Error::Watch {
        path: root.to_path_buf(),
        source,
    })?;
    debouncer
        .watch(&base, RecursiveMode::Recursive)
        .map_err(|source| Error::Watch {
            path: root.to_path_buf(),
            source,
        })?;
    Ok(Watcher {
        _debouncer: debouncer,
        root: root.to_path_buf(),
        identity: identity(root),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_folders_concern_articles_hidden_ones_do_not() {
        let root = Path::new("/a");
        assert!(concerns_articles(root, Path::new("/a/Q1.md")));
        assert!(concerns_articles(root, Path::new("/a/x/Q1.MD")));
        assert!(concerns_articles(root, Path::new("/a/sub")));
        assert!(!concerns_articles(root, Path::new("/a/Q1.md.swp")));
        assert!(!concerns_articles(root, Path::new("/a/.git/Q1.md")));
        assert!(!concerns_articles(root, Path::new("/a/.Q1.md.tmp")));
    }
}
