//! Integration tests of kbase, one binary with a module per area.
//!
//! Fixtures live under `tests/fixtures/<case>/`; each test names the behaviour it checks.

mod access;
mod check_cli;
mod fixtures;
mod insights;
mod legacy;
mod live;
mod pages;
mod processes;
mod read_only;
mod readme;
mod render;
mod search;
mod server;
mod sessions;
mod shipped;
mod tickets;

use std::path::{Path, PathBuf};

/// Absolute path of a file or folder under `tests/fixtures`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// The repository root (for the shipped `articles/`).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// [`kbase::index::open`] for a test that reopens the index it just let go of.
///
/// The write lock is a file lock, and a process spawned by another test in this binary
/// holds a copy of every open descriptor between its fork and its exec; for that moment a
/// lock just released still looks held and the open fails with `IndexBusy`. Nothing else
/// holds the lock here, so a busy index is tried again for a few seconds.
pub fn open_index(
    articles: &Path,
    data: &Path,
    options: kbase::index::OpenOptions,
) -> (kbase::index::SearchIndex, kbase::index::UpdateReport) {
    let started = std::time::Instant::now();
    loop {
        match kbase::index::open(articles, data, options, &indicatif::ProgressBar::hidden()) {
            Err(kbase::Error::IndexBusy(_))
                if started.elapsed() < std::time::Duration::from_secs(5) =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            result => return result.unwrap(),
        }
    }
}
