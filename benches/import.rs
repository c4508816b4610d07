//! Benchmark: `kbase import` of the whole legacy developer corpus.
//!
//! Run with `cargo bench --bench import`. It uses `KBASE_CORPUS` (a folder holding the
//! unpacked `txt/`) when set, else unpacks `../shared/corpus/kb-legacy-dev.tar.xz` into
//! a temporary folder with `tar`; without either it says so and exits. It imports into a
//! fresh temporary folder twice (the second run finds every article unchanged) and prints
//! wall time, files per second and the process's peak resident memory.

use std::time::Instant;

use kbase::legacy::{self, ImportOptions, Status};

mod support;
use support::peak_rss_mb;

fn main() {
    let Some((corpus, _unpacked)) = support::corpus() else {
        return;
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
            peak_rss_mb(),
        );
    }
}
