//! Relevance on the eval set: recall@10 and MRR@10 per query kind, and latency.
//!
//! `cargo bench --bench relevance -- ARTICLES DATA [QUERIES.jsonl]` searches the index of
//! ARTICLES (kept in DATA, built or updated first) with every query of the eval file
//! (default `../shared/eval/public.jsonl`) through the library, exactly as the API does,
//! and scores it with the eval's definitions: recall@10 = |relevant ∩ top 10| /
//! min(|relevant|, 10), MRR@10 = 1 / rank of the first relevant hit. It also prints the
//! worst queries of each kind (`WORST=N`, default 5) and the slowest queries (`SLOWEST=N`),
//! to see why they fail or take long. `ROUNDS=N` runs each query N times and takes its
//! median time, which steadies the latency figures on a busy machine. `benches/relevance.sh` runs the
//! whole pipeline (unpack, import, index, score) from scratch.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use kbase::search::{Engine, SearchRequest};

#[derive(Default)]
struct Kind {
    n: usize,
    recall: f64,
    rr: f64,
    worst: Vec<(f64, String, Vec<String>, Vec<String>)>,
    ms: Vec<f64>,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.len() < 2 {
        println!("usage: cargo bench --bench relevance -- ARTICLES DATA [QUERIES.jsonl]");
        return;
    }
    let queries = args.get(2).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/public.jsonl")
    });
    let Ok(text) = std::fs::read_to_string(&queries) else {
        println!("skipped: {} not found", queries.display());
        return;
    };
    let started = Instant::now();
    let (index, report) = kbase::index::open(
        &PathBuf::from(&args[0]),
        &PathBuf::from(&args[1]),
        kbase::index::OpenOptions::default(),
        &indicatif::ProgressBar::hidden(),
    )
    .expect("index");
    println!(
        "{} ({:.2} s)",
        report.summary(),
        started.elapsed().as_secs_f64()
    );
    let engine = Engine::new(index).expect("engine");
    let mut kinds: BTreeMap<String, Kind> = BTreeMap::new();
    let mut latencies = Vec::new();
    let mut slowest: Vec<(f64, String)> = Vec::new();
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let (mut fixes, mut boilerplate) = (0usize, 0usize);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let q = v["query"].as_str().unwrap_or("").to_owned();
        let kind = v["kind"].as_str().unwrap_or("?").to_owned();
        let relevant: Vec<String> = v["relevant"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect();
        let mut req = SearchRequest::new(q.clone());
        req.facets = std::env::var("FACETS").map_or(true, |v| v != "0");
        let t = Instant::now();
        let hits = engine.search(&req).map(|r| r.hits).unwrap_or_default();
        let mut times = vec![t.elapsed().as_secs_f64() * 1000.0];
        for _ in 1..rounds {
            let t = Instant::now();
            let _ = engine.search(&req);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let ms = times[times.len() / 2];
        for h in &hits {
            let Some(fix) = &h.fix else { continue };
            fixes += 1;
            if opens_with_boilerplate(&fix.text) {
                boilerplate += 1;
                if boilerplate <= 5 {
                    println!(
                        "fix of {} opens with boilerplate: {:.80}",
                        h.card.id, fix.text
                    );
                }
            }
        }
        let ids: Vec<String> = hits.into_iter().map(|h| h.card.id).collect();
        latencies.push(ms);
        slowest.push((ms, q.clone()));
        let found = ids.iter().filter(|id| relevant.contains(id)).count();
        let recall = found as f64 / relevant.len().clamp(1, 10) as f64;
        let rr = ids
            .iter()
            .position(|id| relevant.contains(id))
            .map_or(0.0, |p| 1.0 / (p + 1) as f64);
        let k = kinds.entry(kind).or_default();
        k.n += 1;
        k.ms.push(ms);
        k.recall += recall;
        k.rr += rr;
        k.worst.push((recall + rr, q, relevant, ids));
    }
    latencies.sort_by(f64::total_cmp);
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    let slow: usize = std::env::var("SLOWEST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for (ms, q) in slowest.iter().take(slow) {
        println!("slow {ms:.2} ms: {q:?}");
    }
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    println!("\n| kind | queries | recall@10 | MRR@10 | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|");
    let (mut n, mut recall, mut rr) = (0, 0.0, 0.0);
    for (name, k) in &kinds {
        let mut ms = k.ms.clone();
        ms.sort_by(f64::total_cmp);
        let at = |p: f64| ms[((ms.len() as f64 - 1.0) * p) as usize];
        println!(
            "| {name} | {} | {:.3} | {:.3} | {:.2} | {:.2} |",
            k.n,
            k.recall / k.n as f64,
            k.rr / k.n as f64,
            at(0.5),
            at(0.99)
        );
        n += k.n;
        recall += k.recall / k.n as f64;
        rr += k.rr / k.n as f64;
    }
    let kinds_n = kinds.len() as f64;
    println!(
        "| all (macro) | {n} | {:.3} | {:.3} | {:.2} | {:.2} |",
        recall / kinds_n,
        rr / kinds_n,
        pct(0.5),
        pct(0.99)
    );
    println!(
        "\nlatency per query (library, no HTTP): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
        pct(0.5),
        pct(0.95),
        pct(0.99)
    );
    println!("inline fixes shown: {fixes}, opening with boilerplate: {boilerplate}");
    let show: usize = std::env::var("WORST")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    for (name, k) in &mut kinds {
        k.worst.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (score, q, rel, ids) in k.worst.iter().take(show).filter(|w| w.0 < 2.0) {
            println!(
                "worst {name} {score:.2}: {q:?} relevant {rel:?} got {:?}",
                &ids[..ids.len().min(5)]
            );
        }
    }
}

/// Whether a fix shown inline opens with what says nothing of the fix: a caution (the
/// registry warning and its kin), a status line, a disclaimer, or a lead-in that only
/// announces the steps ("To resolve this problem, follow these steps:").
fn opens_with_boilerplate(text: &str) -> bool {
    let t = text.trim_start_matches(['*', '_', ' ']).to_lowercase();
    let first_clause = t.split(['.', ':']).next().unwrap_or("");
    let lead_in = t[first_clause.len()..].starts_with(": ")
        && first_clause.starts_with("to ")
        && first_clause.len() < 100;
    ["warning", "important", "caution"]
        .iter()
        .any(|w| t.starts_with(w))
        || t.starts_with("microsoft has confirmed")
        || t.starts_with("microsoft provides programming examples")
        || lead_in
}
