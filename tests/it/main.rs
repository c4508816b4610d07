//! Integration tests of kbase, one binary with a module per area.
//!
//! Fixtures live under `tests/fixtures/<case>/`; each test names the behaviour it checks.

mod check_cli;
mod fixtures;
mod legacy;
mod live;
mod pages;
mod read_only;
mod render;
mod search;
mod server;

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
