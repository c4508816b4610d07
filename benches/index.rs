//! Benchmark: the index lifecycle on the whole legacy corpus.
//!
//! `cargo bench --bench index` imports the corpus (`KBASE_CORPUS`, else it unpacks
//! `../shared/corpus/kb-legacy-dev.tar.xz` with `tar`; without either it says so and
//! exits), then measures: the full index build and the process's peak memory, the
//! index's size on disk, opening an up-to-date index, and the time from rewriting one
//! article to finding its new word with a search. Query latency per query kind is
//! measured by `benches/relevance.rs`.

use std::path::Path;
use std::time::Instant;

use indicatif::ProgressBar;
use kbase::index::{self, OpenOptions};
use kbase::legacy::{self, ImportOptions};
use kbase::search::{Engine, SearchRequest};

fn size_mb(dir: &Path) -> f64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum::<u64>() as f64
        / 1e6
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

mod support;
use support::peak_rss_mb;

fn main() {
    let Some((corpus, _unpacked)) = support::corpus() else {
        return;
    };
    let work = tempfile::tempdir().expect("temporary folder");
    let articles = work.path().join("articles");
    let data = work.path().join("data");
    legacy::import(
        &[corpus.join("txt")],
        &articles,
        ImportOptions::default(),
        &|| {},
    )
    .expect("import");
    let before = peak_rss_mb();

    let started = Instant::now();
    let (idx, report) = index::open(
        &articles,
        &data,
        OpenOptions::default(),
        &ProgressBar::hidden(),
    )
    .expect("index");
    println!(
        "full build: {} articles in {:.2} s; peak RSS {:.0} MB (import before it: {before:.0} MB); index on disk {:.1} MB",
        report.indexed,
        started.elapsed().as_secs_f64(),
        peak_rss_mb(),
        size_mb(&data)
    );
    drop(idx);

    let opens: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let (idx, r) = index::open(
                &articles,
                &data,
                OpenOptions::default(),
                &ProgressBar::hidden(),
            )
            .expect("open");
            assert_eq!(r.added + r.changed + r.removed, 0);
            let engine = Engine::new(idx).expect("engine");
            assert!(engine.num_docs() > 0);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!(
        "open an up-to-date index (scan {} files, open, engine): median {:.0} ms",
        report.files,
        median(opens)
    );

    let target = articles.join("Q190698.md");
    let original = std::fs::read_to_string(&target).expect("Q190698 in the corpus");
    let updates: Vec<f64> = (0..5)
        .map(|i| {
            let word = format!("zqxupdate{i}");
            let t = Instant::now();
            std::fs::write(&target, format!("{original}\n{word}\n")).expect("write");
            let (idx, r) = index::open(
                &articles,
                &data,
                OpenOptions::default(),
                &ProgressBar::hidden(),
            )
            .expect("update");
            assert_eq!(r.changed, 1);
            let hits = Engine::new(idx)
                .expect("engine")
                .search(&SearchRequest::new(word))
                .expect("search")
                .hits;
            assert_eq!(hits[0].card.id, "Q190698");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!(
        "one changed article, from write to found: median {:.0} ms",
        median(updates)
    );
}
