//! The articles folder (and the templates folder) as it changes: a debounced watcher that
//! says when files were created, changed, renamed or deleted.
//!
//! The watcher only signals; it does not say what to re-read. The index update that
//! follows compares every file's size and modification time with its manifest, so an
//! event the operating system dropped or merged (a burst of saves, an editor's
//! write-to-temp-then-rename) still ends with the index equal to the folder. Debouncing
//! turns such a burst into one signal. Nothing here reads article contents.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
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
    /// Which folder that name meant when the watch began (device, inode, birth time).
    identity: Option<Identity>,
    /// Set when the operating system said the watched folder itself went away. A
    /// folder made anew can get the freed inode back, so the identity alone may not
    /// tell the new folder from the old.
    gone: Arc<AtomicBool>,
}

/// What tells one folder from another that later carries the same name: device and
/// inode, and the birth time where the file system keeps one (an inode number is
/// reused as soon as it is freed).
type Identity = (u64, u64, Option<std::time::SystemTime>);

impl Watcher {
    /// Whether the watched name now means another folder (or none): a folder deleted and
    /// made anew, or replaced by a rename, is not the one the operating system watches.
    pub fn is_stale(&self) -> bool {
        self.gone.load(Ordering::SeqCst) || identity(&self.root) != self.identity
    }
}

/// The device, inode and birth time of the folder `path` names now.
#[cfg(unix)]
fn identity(path: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino(), m.created().ok()))
}

/// Without inodes, a folder is taken to stay the same unless its removal was seen.
#[cfg(not(unix))]
fn identity(_: &Path) -> Option<Identity> {
    Some((0, 0, None))
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
    let gone = Arc::new(AtomicBool::new(false));
    let gone_seen = Arc::clone(&gone);
    let identity_at_start = identity(root);
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        match result {
            Ok(events) => {
                if events.iter().any(|e| {
                    matches!(e.kind, EventKind::Remove(_)) && e.paths.contains(&filter_root)
                }) {
                    gone_seen.store(true, Ordering::SeqCst);
                }
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
        identity: identity_at_start,
        gone,
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

    #[test]
    fn a_folder_deleted_and_made_anew_under_its_name_is_stale_even_with_its_inode_back() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("articles");
        std::fs::create_dir(&root).unwrap();
        let w = watch(&root, |_| {}).unwrap();
        assert!(!w.is_stale());
        std::fs::remove_dir(&root).unwrap();
        // Made anew at once: ext4 hands the freed inode straight back.
        std::fs::create_dir(&root).unwrap();
        let started = std::time::Instant::now();
        while !w.is_stale() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the replaced folder was never seen as replaced"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
