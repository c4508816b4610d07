//! What the corpus benchmarks share: finding the legacy corpus and reading peak memory.

use std::path::PathBuf;
use std::process::Command;

/// The unpacked legacy corpus (a folder holding `txt/`): `KBASE_CORPUS` when set, else
/// `../shared/corpus/kb-legacy-dev.tar.xz` unpacked with `tar` into a temporary folder
/// (returned too, so it lives as long as the caller needs it). `None`, with a message,
/// when neither is there.
pub fn corpus() -> Option<(PathBuf, Option<tempfile::TempDir>)> {
    if let Some(dir) = std::env::var_os("KBASE_CORPUS") {
        return Some((PathBuf::from(dir), None));
    }
    let tar =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/kb-legacy-dev.tar.xz");
    if !tar.is_file() {
        println!("skipped: set KBASE_CORPUS or provide {}", tar.display());
        return None;
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let ok = Command::new("tar")
        .arg("-xJf")
        .arg(&tar)
        .arg("-C")
        .arg(dir.path())
        .status();
    assert!(
        ok.is_ok_and(|s| s.success()),
        "tar could not unpack {}",
        tar.display()
    );
    Some((dir.path().to_path_buf(), Some(dir)))
}

/// The process's peak resident memory so far, in MB (Linux).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}
