//! Benchmark: `kbase import` of the whole legacy developer corpus.
//!
//! Run with `cargo bench --bench import`. It uses `KBASE_CORPUS` (a folder holding the
//! unpacked `txt/`) when set, else unpacks `../shared/corpus/kb-legacy-dev.tar.xz` into
//! a temporary folder with `tar`; without either it says so and exits. It imports into a
//! fresh temporary folder twice (the second run finds every article unchanged) and prints
//! wall time, files per second and the process's peak resident memory.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use kbase::legacy::{self, ImportOptions, Status};

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let unpacked;
    let corpus = match std::env::var_os("KBASE_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let tar = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/corpus/kb-legacy-dev.tar.xz");
            if !tar.is_file() {
                println!("skipped: set KBASE_CORPUS or provide {}", tar.display());
                return;
            }
            unpacked = tempfile::tempdir().expect("temporary folder");
            let ok = Command::new("tar")
                .arg("-xJf")
                .arg(&tar)
                .arg("-C")
                .arg(unpacked.path())
                .status();
            assert!(
                ok.is_ok_and(|s| s.success()),
                "tar could not unpack {}",
                tar.display()
            );
            unpacked.path().to_path_buf()
        }
    };
    let out = tempfile::tempdir().expect("temporary folder");
    for run in ["fresh", "again"] {
        let started = Instant::now();
        let report = legacy::import(
            &[corpus.join("txt")],
            out.path(),
            ImportOptions::default(),
            &|| {},
        )
        .expect("import");
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{run}: {} files in {secs:.2} s ({:.0} files/s): {} written, {} unchanged, {} failed; peak RSS {:.0} MB",
            report.files.len(),
            report.files.len() as f64 / secs,
            report.count(Status::Written),
            report.count(Status::Unchanged),
            report.count(Status::Failed),
            peak_rss_mb().unwrap_or(f64::NAN),
        );
    }
}
