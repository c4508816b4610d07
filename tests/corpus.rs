//! The real legacy corpus, imported whole: run by CI with `KBASE_CORPUS` pointing at the
//! unpacked `kb-legacy-dev.tar.xz` (a folder holding `txt/`). The test profile is optimised:
//! `KBASE_CORPUS=DIR cargo test --test corpus -- --nocapture`.
//!
//! The checks here are written independently of the importer: the header, the title's
//! event IDs and the body's extent are read with their own simple rules, so the importer
//! is measured, not compared with itself.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use kbase::article::{self, load};
use kbase::legacy::{self, ImportOptions, Status};
use regex::Regex;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("KBASE_CORPUS")?);
    assert!(
        dir.join("txt").is_dir(),
        "KBASE_CORPUS={} holds no txt/ folder",
        dir.display()
    );
    Some(dir)
}

fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.replace('\r', ""),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .replace('\r', ""),
    }
}

/// (id, title, date as YYYY-MM-DD) from the header, read directly.
fn header(text: &str) -> (String, String, String) {
    static DOC: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)^DOCUMENT:(\S+)\s+(\d\d)-([A-Z]{3})-(\d{4})").unwrap());
    static TITLE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^TITLE\s*:(.*)$").unwrap());
    let d = DOC.captures(text).expect("DOCUMENT line");
    let months = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let m = months.iter().position(|m| *m == &d[3]).expect("month") + 1;
    // Control characters (a DEL in one title) become spaces in the importer, by design.
    let title: String = TITLE
        .captures(text)
        .map(|c| c[1].trim().to_owned())
        .unwrap_or_default();
    let title = title
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned();
    (
        d[1].to_owned(),
        title,
        format!("{}-{m:02}-{}", &d[4], &d[2]),
    )
}

/// Event IDs the title names, by the eval set's own description of title forms.
fn title_events(title: &str) -> Vec<u32> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bevents?\s*(?:id'?s?)?\s*[:#-]?\s*(\d+(?:\s*(?:,|and|&)\s*\d+)*)")
            .unwrap()
    });
    static NUM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+").unwrap());
    RE.captures_iter(title)
        .flat_map(|c| {
            NUM.find_iter(&c[1])
                .map(|m| m.as_str().parse::<u32>().unwrap_or(0))
                .collect::<Vec<_>>()
        })
        .filter(|n| (1..=99_999).contains(n))
        .collect()
}

/// The body as a reader sees it: after the applies-to box (else the first `=` rule),
/// up to the last 70-`=` rule before the disclaimer, without the "Additional query
/// words" paragraph and `KBCategory` lines, which are index terms.
fn body_words(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let rule = |l: &str, c: char, min: usize, max: usize| {
        (min..=max).contains(&l.len()) && l.chars().all(|x| x == c)
    };
    let end77 = lines
        .iter()
        .rposition(|l| rule(l, '=', 75, 90))
        .unwrap_or(lines.len());
    let frames: Vec<usize> = (0..end77)
        .filter(|&i| rule(lines[i], '=', 60, 74))
        .collect();
    let intro = (0..end77.min(60)).find(|&i| lines[i].contains("applies to:"));
    let box_close =
        intro.and_then(|a| (a + 1..end77).find(|&i| rule(lines[i].trim_start(), '-', 70, 90)));
    let start = box_close.or(frames.first().copied()).map_or(6, |i| i + 1);
    let end = frames
        .last()
        .copied()
        .filter(|&f| f > start)
        .unwrap_or(end77);
    let mut words = Vec::new();
    let mut skipping = false;
    for l in &lines[start..end] {
        let lower = l.to_ascii_lowercase();
        if lower.starts_with("additional query words:")
            || lower.starts_with("additional reference words:")
        {
            skipping = true;
        }
        if l.trim().is_empty() {
            skipping = false;
        }
        if skipping || lower.starts_with("kbcategory:") || lower.starts_with("kbsubcategory:") {
            continue;
        }
        words.extend(split_words(l));
    }
    words
}

fn split_words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Index of the first word of `want` missing from `have` in order, if any.
fn first_missing(want: &[String], have: &[String]) -> Option<usize> {
    let mut j = 0;
    for (i, w) in want.iter().enumerate() {
        while j < have.len() && &have[j] != w {
            j += 1;
        }
        if j == have.len() {
            return Some(i);
        }
        j += 1;
    }
    None
}

#[test]
fn the_whole_corpus_imports_faithfully() {
    let Some(dir) = corpus() else {
        eprintln!(
            "skipped: set KBASE_CORPUS to an unpacked kb-legacy-dev.tar.xz to run the corpus test"
        );
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let report = legacy::import(
        &[dir.join("txt")],
        out.path(),
        ImportOptions::default(),
        &|| {},
    )
    .unwrap();
    let total = report.files.len();
    let written = report.count(Status::Written);
    println!("{}", report.summary());
    for f in report.files.iter().filter(|f| f.status == Status::Failed) {
        println!(
            "failed: {}: {}",
            f.file.display(),
            f.message.as_deref().unwrap_or("")
        );
    }
    assert!(
        total >= 50_000,
        "the corpus has 51,309 files, found {total}"
    );
    assert!(
        written as f64 >= 0.999 * total as f64,
        "{written} of {total} imported"
    );

    // Every output passes `kbase check`.
    let collection = load::load_dir(out.path()).unwrap();
    let errors: Vec<_> = collection
        .diagnostics
        .iter()
        .filter(|d| d.diagnostic.is_error())
        .collect();
    assert!(
        errors.is_empty(),
        "{} check errors, first: {}",
        errors.len(),
        errors[0]
    );
    let by_id: HashMap<&str, &article::Article> = collection
        .articles
        .iter()
        .map(|a| (a.article.id(), &a.article))
        .collect();

    let (mut events, mut codes, mut faithful, mut compared) = (0usize, 0usize, 0usize, 0usize);
    let mut unfaithful: Vec<String> = Vec::new();
    let mut missing_events: Vec<String> = Vec::new();
    for f in report.files.iter().filter(|f| f.status == Status::Written) {
        let text = decode(&std::fs::read(&f.file).unwrap());
        let (id, title, date) = header(&text);
        let a = by_id
            .get(id.as_str())
            .unwrap_or_else(|| panic!("{id} missing from the output"));
        assert_eq!(a.title(), title, "{}", f.file.display());
        assert_eq!(
            a.front.published.map(|d| d.to_string()),
            Some(date),
            "{}",
            f.file.display()
        );
        let ids: Vec<u32> = a.front.events.iter().map(|e| e.id.0).collect();
        for e in title_events(&title) {
            if !ids.contains(&e) {
                missing_events.push(format!(
                    "{}: title names event {e}, front matter has {ids:?}",
                    f.file.display()
                ));
            }
        }
        events += a.front.events.len();
        codes += a.front.codes.len();

        let want = body_words(&text);
        let have: Vec<String> = a
            .sections
            .iter()
            .flat_map(|s| {
                let mut w: Vec<String> = split_words(&s.heading).collect();
                w.extend(split_words(&s.text()));
                w
            })
            .collect();
        compared += 1;
        match first_missing(&want, &have) {
            None => faithful += 1,
            Some(i) => {
                let around = want[i.saturating_sub(3)..(i + 3).min(want.len())].join(" ");
                unfaithful.push(format!(
                    "{}: word {i} `{}` missing (…{around}…)",
                    f.file.display(),
                    want[i]
                ));
            }
        }
    }
    let fidelity = faithful as f64 / compared as f64;
    println!(
        "imported {written} of {total} ({} failed); fidelity {faithful}/{compared} = {:.4}; \
         events {events}, codes {codes}",
        report.count(Status::Failed),
        fidelity
    );
    for u in &unfaithful {
        println!("not faithful: {u}");
    }
    for m in &missing_events {
        println!("missing event: {m}");
    }
    assert!(
        missing_events.is_empty(),
        "{} titles name events the front matter lacks",
        missing_events.len()
    );
    assert!(fidelity >= 0.995, "fidelity {fidelity:.4} below 0.995");

    search_meets_the_event_and_article_id_targets(out.path());

    // A second import finds every article byte-identical.
    let again = legacy::import(
        &[dir.join("txt")],
        out.path(),
        ImportOptions::default(),
        &|| {},
    )
    .unwrap();
    println!(
        "second import: {}",
        again.summary().lines().next().unwrap_or("")
    );
    assert_eq!(again.count(Status::Unchanged), written);
}

/// Indexes the imported corpus and scores the eval queries whose answers are structured
/// (event IDs, article ids) against their recall targets; prints every kind's figures.
fn search_meets_the_event_and_article_id_targets(articles: &std::path::Path) {
    let queries = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/public.jsonl");
    let Ok(text) = std::fs::read_to_string(&queries) else {
        println!(
            "skipped the relevance check: {} not found",
            queries.display()
        );
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let (index, report) = kbase::index::open(
        articles,
        data.path(),
        kbase::index::OpenOptions::default(),
        &indicatif::ProgressBar::hidden(),
    )
    .unwrap();
    println!(
        "{} (full build {:.2} s)",
        report.summary(),
        started.elapsed().as_secs_f64()
    );
    let engine = kbase::search::Engine::new(index).unwrap();
    let mut by_kind: std::collections::BTreeMap<String, (usize, f64, f64)> = Default::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let relevant: Vec<&str> = v["relevant"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r.as_str())
            .collect();
        let mut req = kbase::search::SearchRequest::new(v["query"].as_str().unwrap());
        req.facets = false;
        let ids: Vec<String> = engine
            .search(&req)
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.card.id)
            .collect();
        let found = ids
            .iter()
            .filter(|id| relevant.contains(&id.as_str()))
            .count();
        let rr = ids
            .iter()
            .position(|id| relevant.contains(&id.as_str()))
            .map_or(0.0, |p| 1.0 / (p + 1) as f64);
        let e = by_kind
            .entry(v["kind"].as_str().unwrap().to_owned())
            .or_default();
        e.0 += 1;
        e.1 += found as f64 / relevant.len().clamp(1, 10) as f64;
        e.2 += rr;
    }
    for (kind, (n, recall, rr)) in &by_kind {
        println!(
            "eval {kind}: {n} queries, recall@10 {:.3}, MRR@10 {:.3}",
            recall / *n as f64,
            rr / *n as f64
        );
    }
    let recall = |kind: &str| by_kind.get(kind).map_or(0.0, |(n, r, _)| r / *n as f64);
    assert!(
        recall("event_id") >= 0.98,
        "event_id recall@10 {:.3} below 0.98",
        recall("event_id")
    );
    assert!(
        recall("article_id") >= 1.0,
        "article_id recall@10 {:.3} below 1.00",
        recall("article_id")
    );
}
