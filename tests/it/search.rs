//! The index and the search engine on small article folders written by each test.

use std::fs;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use kbase::index::{self, OpenOptions, UpdateReport};
use kbase::search::{Engine, SearchError, SearchRequest};

use crate::repo;

struct Folder {
    _tmp: tempfile::TempDir,
    articles: PathBuf,
    data: PathBuf,
}

impl Folder {
    fn new() -> Folder {
        let tmp = tempfile::tempdir().unwrap();
        let articles = tmp.path().join("articles");
        fs::create_dir_all(&articles).unwrap();
        let data = tmp.path().join("data");
        Folder {
            _tmp: tmp,
            articles,
            data,
        }
    }

    /// A folder holding the shipped seed article.
    fn with_seed() -> Folder {
        let f = Folder::new();
        fs::copy(
            repo().join("articles/Q190698.md"),
            f.articles.join("Q190698.md"),
        )
        .unwrap();
        f
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.articles.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn open(&self) -> (Engine, UpdateReport) {
        let (index, report) = crate::open_index(&self.articles, &self.data, OpenOptions::default());
        (Engine::new(index).unwrap(), report)
    }

    fn ids(&self, q: &str) -> Vec<String> {
        let (engine, _) = self.open();
        engine
            .search(&SearchRequest::new(q))
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.card.id)
            .collect()
    }
}

fn article(id: &str, title: &str, front: &str, body: &str) -> String {
    format!("---\nid: {id}\ntitle: {title}\n{front}---\n\n{body}\n")
}

/// Several articles about event 1000 from different angles.
fn ranking_folder() -> Folder {
    let f = Folder::new();
    f.write(
        "A.md",
        &article(
            "A",
            "Event ID 1000 when the store starts",
            "",
            "## Resolution\n\nRestart the store.",
        ),
    );
    f.write(
        "B.md",
        &article(
            "B",
            "Store problems",
            "events:\n  - id: 1000\n    source: MSExchangeIS\n",
            "## Symptoms\n\nThe store fails.\n\n## Resolution\n\nRepair the database.",
        ),
    );
    f.write(
        "C.md",
        &article(
            "C",
            "Miscellaneous notes",
            "",
            "## Summary\n\nIn passing, event ID 1000 may also appear in the log.",
        ),
    );
    f.write(
        "D.md",
        &article(
            "D",
            "Printer spooler crash",
            "",
            "## Symptoms\n\nThe spooler stops.\n\n## Resolution\n\nInstall the update.",
        ),
    );
    f.write(
        "Q1000.md",
        &article(
            "Q1000",
            "An article whose id is Q1000",
            "",
            "## Summary\n\nNothing about events.",
        ),
    );
    f
}

#[test]
fn an_exact_id_beats_everything_then_source_and_title_beat_mentions() {
    let f = ranking_folder();
    assert_eq!(f.ids("MSExchangeIS 1000")[0], "B", "source + id first");
    let ids = f.ids("event id 1000");
    assert_eq!(
        ids,
        ["A", "B", "C"],
        "title, then front matter, then a mention in passing"
    );
    assert_eq!(f.ids("Q1000"), ["Q1000"]);
    assert_eq!(f.ids("KB1000")[0], "Q1000");
}

#[test]
fn lookups_are_told_from_word_searches_and_answer_as_a_search_does() {
    let f = ranking_folder();
    let (engine, _) = f.open();
    for (q, lookup) in [
        ("Q1000", true),
        ("KB1000", true),
        ("1000", true),
        ("MSExchangeIS 1000", true),
        ("0x80070005", true),
        ("event id 1000", true),
        ("spooler 1000", false),
        ("spooler", false),
        ("", false),
    ] {
        let req = SearchRequest::new(q);
        let prepared = engine.prepare(&req).unwrap();
        assert_eq!(prepared.is_lookup(), lookup, "{q:?}");
        let ids = |r: kbase::search::SearchResponse| -> Vec<String> {
            r.hits.into_iter().map(|h| h.card.id).collect()
        };
        let two_steps = ids(engine.run_prepared(&req, prepared).unwrap());
        assert_eq!(two_steps, ids(engine.search(&req).unwrap()), "{q:?}");
    }
    let mut filtered = SearchRequest::new("");
    filtered.product = Some("Exchange".into());
    assert!(
        !engine.prepare(&filtered).unwrap().is_lookup(),
        "a filter alone is no lookup"
    );
}

#[test]
fn words_rank_and_partial_matches_follow() {
    let f = ranking_folder();
    assert_eq!(f.ids("spooler")[0], "D");
    assert_eq!(f.ids("store database")[0], "B", "all words match only B");
    let ids = f.ids("store printer");
    assert!(
        ids.contains(&"D".to_owned()) && ids.iter().any(|i| i == "A" || i == "B"),
        "no article has both: best partial matches {ids:?}"
    );
    assert_eq!(f.ids("spooler -printer"), Vec::<String>::new(), "exclusion");
    assert_eq!(f.ids("\"store fails\"")[0], "B");
    assert_eq!(f.ids("title:spooler")[0], "D");
    assert_eq!(f.ids("spoolr")[0], "D", "a typo in a long word");
    assert!(f.ids("1000000").is_empty());
}

#[test]
fn hits_carry_the_fix_and_a_marked_snippet() {
    let f = Folder::with_seed();
    let (engine, _) = f.open();
    let r = engine.search(&SearchRequest::new("event id 5058")).unwrap();
    let hit = &r.hits[0];
    assert_eq!(hit.card.id, "Q190698");
    assert_eq!(hit.card.url, "/kb/Q190698");
    let fix = hit.fix.as_ref().unwrap();
    assert_eq!(
        (fix.section.as_str(), fix.url.as_str()),
        ("workaround", "/kb/Q190698#workaround")
    );
    assert_eq!(
        fix.text,
        "Restore the Kmsdata directory from an offline backup."
    );
    assert!(hit.snippet.contains("<mark>5058</mark>"), "{}", hit.snippet);
    assert_eq!(r.interpreted.event_ids, [5058]);
    assert_eq!(r.facets.product[0].value, "Microsoft Exchange Server");
    let json = serde_json::to_value(&r).unwrap();
    for key in ["query", "interpreted", "total", "took_ms", "hits", "facets"] {
        assert!(json.get(key).is_some(), "{key}");
    }
    for key in [
        "id",
        "title",
        "url",
        "product",
        "published",
        "events",
        "score",
        "snippet",
        "fix",
    ] {
        assert!(json["hits"][0].get(key).is_some(), "{key}");
    }
    let r = engine
        .search(&SearchRequest::new("<script>kmsdata</script>"))
        .unwrap();
    assert!(
        !r.hits[0].snippet.contains("<script>"),
        "snippets are escaped"
    );
}

#[test]
fn filters_and_bad_requests() {
    let f = Folder::new();
    f.write(
        "A.md",
        &article(
            "A",
            "Alpha widget",
            "category: one\npublished: 2001-05-01\nproducts: [Widget Server]\n",
            "widget text",
        ),
    );
    f.write(
        "B.md",
        &article(
            "B",
            "Beta widget",
            "category: two\npublished: 1999-01-01\n",
            "widget text",
        ),
    );
    let (engine, _) = f.open();
    let run = |req: SearchRequest| {
        engine
            .search(&req)
            .map(|r| r.hits.into_iter().map(|h| h.card.id).collect::<Vec<_>>())
    };
    let mut req = SearchRequest::new("widget");
    req.category = Some("ONE".into());
    assert_eq!(run(req).unwrap(), ["A"]);
    let mut req = SearchRequest::new("widget");
    req.product = Some("widget server".into());
    assert_eq!(run(req).unwrap(), ["A"]);
    let mut req = SearchRequest::new("widget");
    req.to = Some("2000-01-01".into());
    assert_eq!(run(req).unwrap(), ["B"]);
    let bad =
        |req: SearchRequest| matches!(engine.search(&req), Err(SearchError::BadRequest { .. }));
    let mut req = SearchRequest::new("widget");
    req.from = Some("notadate".into());
    assert!(bad(req));
    let mut req = SearchRequest::new("widget");
    req.limit = 101;
    assert!(bad(req));
    assert!(bad(SearchRequest::new("x".repeat(1001))));
    for q in [
        "title:(",
        "\"abc",
        "- *",
        "a:(^",
        "*^2",
        "foo:/bar/^2",
        "nofield:x",
        "[a TO",
        "((((((((((",
        "",
        "OR",
        "-",
    ] {
        assert!(engine.search(&SearchRequest::new(q)).is_ok(), "{q}");
    }
}

#[test]
fn incremental_updates_touch_only_what_changed() {
    let f = ranking_folder();
    let (_, first) = f.open();
    assert_eq!((first.added, first.indexed), (5, 5));
    assert!(first.rebuilt.is_some());
    let (_, same) = f.open();
    assert_eq!(
        (
            same.added,
            same.changed,
            same.removed,
            same.rebuilt.is_none()
        ),
        (0, 0, 0, true)
    );

    f.write(
        "D.md",
        &article(
            "D",
            "Printer spooler crash",
            "",
            "## Resolution\n\nReplace the driver.",
        ),
    );
    f.write(
        "E.md",
        &article("E", "New article about tapes", "", "tapes"),
    );
    fs::remove_file(f.articles.join("C.md")).unwrap();
    fs::rename(f.articles.join("A.md"), f.articles.join("renamed.md")).unwrap();
    let (engine, r) = f.open();
    assert_eq!(
        (r.added, r.changed, r.removed),
        (2, 1, 2),
        "E and renamed.md added, D changed, C and A.md removed"
    );
    assert_eq!(engine.num_docs(), 5);
    assert_eq!(f.ids("driver"), ["D"]);
    assert_eq!(f.ids("tapes"), ["E"]);
    assert!(!f.ids("event id 1000").contains(&"C".to_owned()));
    assert_eq!(f.ids("event id 1000")[0], "A", "renamed, still there");
}

#[test]
fn a_broken_file_is_reported_and_its_last_good_version_stays() {
    let f = ranking_folder();
    f.open();
    f.write("D.md", "---\nid: D\ntitle: [broken\n---\nbody\n");
    f.write("F.md", "no front matter");
    let (engine, r) = f.open();
    assert!(
        r.problems
            .iter()
            .any(|p| p.to_string().contains("D.md:4:1: error: YAML syntax")
                && p.to_string().contains("last good version")),
        "{:?}",
        r.problems
    );
    assert!(
        r.problems
            .iter()
            .any(|p| p.to_string().contains("F.md:1:1: error")),
        "{:?}",
        r.problems
    );
    assert_eq!(
        engine.search(&SearchRequest::new("spooler")).unwrap().hits[0]
            .card
            .id,
        "D"
    );
    let (_, again) = f.open();
    assert_eq!(again.problems.len(), 2, "still reported while still broken");
}

#[test]
fn duplicate_ids_keep_the_first_path() {
    let f = Folder::new();
    f.write("a.md", &article("X", "First", "", "alpha"));
    f.write("b.md", &article("x", "Second", "", "alpha"));
    let (engine, r) = f.open();
    assert_eq!(engine.num_docs(), 1);
    assert!(r.problems[0].to_string().contains("duplicate id"));
    assert_eq!(f.ids("alpha"), ["X"]);
    fs::remove_file(f.articles.join("a.md")).unwrap();
    assert_eq!(f.ids("alpha"), ["x"], "the other file takes over");
}

fn generation(data: &Path) -> PathBuf {
    let base = data.join("index");
    base.join(fs::read_to_string(base.join("CURRENT")).unwrap().trim())
}

#[test]
fn a_damaged_or_outdated_index_is_rebuilt() {
    let f = ranking_folder();
    f.open();
    // Truncate the biggest file of the index.
    let dir = generation(&f.data);
    let biggest = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| p.metadata().unwrap().len())
        .unwrap();
    let len = biggest.metadata().unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&biggest)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let (engine, r) = f.open();
    assert!(
        r.rebuilt.is_some(),
        "truncated {} but not rebuilt",
        biggest.display()
    );
    assert_eq!(engine.num_docs(), 5);

    // an index written by another schema version
    let dir = generation(&f.data);
    let manifest = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("manifest-"))
        .unwrap();
    let text =
        String::from_utf8(zstd::decode_all(&fs::read(&manifest).unwrap()[..]).unwrap()).unwrap();
    let older = text.replacen(
        &format!("\"schema\":{}", kbase::index::SCHEMA_VERSION),
        "\"schema\":1",
        1,
    );
    assert_ne!(older, text);
    fs::write(
        &manifest,
        zstd::bulk::compress(older.as_bytes(), 3).unwrap(),
    )
    .unwrap();
    let (_, r) = f.open();
    assert!(
        r.rebuilt
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
            .contains("schema version 1 differs"),
        "{:?}",
        r.rebuilt
    );

    // meta.json missing
    fs::remove_file(generation(&f.data).join("meta.json")).unwrap();
    let (_, r) = f.open();
    assert!(r.rebuilt.is_some());

    // CURRENT names nothing
    fs::write(f.data.join("index/CURRENT"), "../../etc").unwrap();
    let (_, r) = f.open();
    assert!(r.rebuilt.is_some());

    // the whole folder deleted
    fs::remove_dir_all(f.data.join("index")).unwrap();
    let (engine, r) = f.open();
    assert!(r.rebuilt.is_some());
    assert_eq!(
        engine.search(&SearchRequest::new("spooler")).unwrap().hits[0]
            .card
            .id,
        "D"
    );
    let generations = fs::read_dir(f.data.join("index"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count();
    assert_eq!(generations, 1, "old generations are removed");
}

#[test]
fn a_second_writer_gets_a_clear_error_at_once() {
    let f = ranking_folder();
    f.open();
    let lock = fs::OpenOptions::new()
        .write(true)
        .open(f.data.join("index/lock"))
        .unwrap();
    lock.lock().unwrap();
    let started = std::time::Instant::now();
    let err = index::open(
        &f.articles,
        &f.data,
        OpenOptions::default(),
        &ProgressBar::hidden(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, kbase::Error::IndexBusy(_)), "{err}");
    assert!(err.to_string().contains("in use by another kbase process"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "no hang"
    );
    let index = index::open_read_only(&f.data).unwrap();
    assert_eq!(
        Engine::new(index).unwrap().num_docs(),
        5,
        "readers still work"
    );
}

#[test]
fn any_query_parses_and_runs() {
    use proptest::test_runner::{Config, TestRunner};
    let f = ranking_folder();
    let (engine, _) = f.open();
    let mut runner = TestRunner::new(Config {
        cases: 256,
        ..Config::default()
    });
    runner
        .run(&"\\PC{0,80}", |q| {
            let _ = kbase::search::query::parse(&q, &|_| false);
            proptest::prop_assert!(engine.search(&SearchRequest::new(q)).is_ok());
            Ok(())
        })
        .unwrap();
}

#[cfg(unix)]
#[test]
fn kill_9_during_a_rebuild_never_breaks_the_next_search() {
    use std::process::{Command, Stdio};
    let f = Folder::with_seed();
    for n in 0..1500 {
        f.write(
            &format!("gen/G{n}.md"),
            &article(
                &format!("G{n}"),
                &format!("Generated article {n}"),
                "",
                &"Some words about servers and printers. ".repeat(40),
            ),
        );
    }
    let kbase = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kbase"));
        c.args(args)
            .arg("--articles")
            .arg(&f.articles)
            .arg("--data")
            .arg(&f.data);
        c
    };
    assert!(kbase(&["index", "-q"]).status().unwrap().success());
    for round in 0..8u64 {
        let mut child = kbase(&["index", "--rebuild", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20 + round * 37 % 300));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let out = kbase(&["search", "5058"]).output().unwrap();
        assert!(
            out.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("Q190698"),
            "round {round}"
        );
    }
}

#[test]
fn the_indexer_words_and_locates_a_duplicate_id_as_check_does() {
    let articles = crate::fixture("duplicate");
    let data = tempfile::tempdir().unwrap();
    let (_, report) = index::open(
        &articles,
        data.path(),
        OpenOptions::default(),
        &ProgressBar::hidden(),
    )
    .unwrap();
    let of = |ds: &[kbase::diagnostic::FileDiagnostic]| -> Vec<String> {
        ds.iter()
            .filter(|d| d.diagnostic.code == "duplicate-id")
            .map(ToString::to_string)
            .collect()
    };
    let checked = kbase::article::load::load_dir(&articles).unwrap();
    let expected = of(&checked.diagnostics);
    assert_eq!(expected.len(), 1, "{expected:?}");
    assert!(
        expected[0].contains("b.md:3:1: error: duplicate id"),
        "{expected:?}"
    );
    assert_eq!(of(&report.problems), expected);
}

#[test]
fn every_field_of_the_query_language_runs_with_one_two_and_three_words() {
    let f = ranking_folder();
    let (engine, _) = f.open();
    let fields = [
        "title", "product", "source", "event", "code", "id", "nofield",
    ];
    let values = [
        "windows",
        "windows nt",
        "windows nt server",
        "windows-nt",
        "a:b",
        "5058",
    ];
    for field in fields {
        for v in values {
            for q in [
                format!("{field}:{v}"),
                format!("{field}:\"{v}\""),
                format!("-{field}:\"{v}\" spooler"),
                format!("spooler {field}:\"{v}\" OR printer"),
            ] {
                if let Err(e) = engine.search(&SearchRequest::new(q.as_str())) {
                    panic!("`{q}` failed: {e:?}");
                }
            }
        }
    }
}

/// Flips one byte in the middle of the index file whose name ends with `ext`.
fn flip_a_byte(data: &Path, ext: &str) -> PathBuf {
    let file = fs::read_dir(generation(data))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .max_by_key(|p| p.metadata().unwrap().len())
        .unwrap();
    let mut bytes = fs::read(&file).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x5a;
    fs::write(&file, bytes).unwrap();
    file
}

#[test]
fn flipped_bytes_are_caught_by_the_checksums_at_a_verified_open() {
    for ext in [".store", ".fast"] {
        let f = ranking_folder();
        f.open();
        let damaged = flip_a_byte(&f.data, ext);
        let (index, r) = crate::open_index(
            &f.articles,
            &f.data,
            OpenOptions {
                verify: true,
                ..OpenOptions::default()
            },
        );
        let why = r.rebuilt.as_ref().map(ToString::to_string);
        assert!(
            why.as_deref().is_some_and(|w| w.contains("checksum")),
            "{} damaged: {why:?}",
            damaged.display()
        );
        let engine = Engine::new(index).unwrap();
        assert_eq!(engine.num_docs(), 5);
        assert!(engine
            .article(kbase::search::Reader::Anonymous, "D")
            .unwrap()
            .is_some());
    }
}

#[test]
fn an_index_holding_fewer_articles_than_its_manifest_is_rebuilt() {
    let f = ranking_folder();
    f.open();
    // A valid meta.json that lists no segments: the index opens, empty.
    let meta = generation(&f.data).join("meta.json");
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&meta).unwrap()).unwrap();
    v["segments"] = serde_json::json!([]);
    fs::write(&meta, serde_json::to_vec(&v).unwrap()).unwrap();
    let (engine, r) = f.open();
    let why = r.rebuilt.as_ref().map(ToString::to_string);
    assert!(
        why.as_deref()
            .is_some_and(|w| w.contains("holds 0 articles where its manifest lists 5")),
        "{why:?}"
    );
    assert_eq!(engine.num_docs(), 5);
}

#[test]
fn hits_whose_scores_tie_come_in_article_id_order_whatever_the_files_order() {
    // Same text, so the same score; the file order (which a small build follows) is the
    // reverse of the id order, and one id is upper case where the others are not.
    let f = Folder::new();
    for (file, id) in [("a.md", "kb-30"), ("b.md", "KB-20"), ("c.md", "kb-10")] {
        f.write(
            file,
            &article(id, "Spooler stops", "", "The print spooler stops."),
        );
    }
    assert_eq!(f.ids("spooler"), ["kb-10", "KB-20", "kb-30"]);
    let (engine, _) = f.open();
    let mut second = SearchRequest::new("spooler");
    second.offset = 1;
    second.limit = 1;
    let page: Vec<String> = engine
        .search(&second)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.card.id)
        .collect();
    assert_eq!(page, ["KB-20"], "pages follow the same order");
    drop(engine);
    // An article added later goes to a segment of its own: the order is across segments.
    f.write(
        "d.md",
        &article("kb-15", "Spooler stops", "", "The print spooler stops."),
    );
    assert_eq!(f.ids("spooler"), ["kb-10", "kb-15", "KB-20", "kb-30"]);
}

/// Articles for the ways technicians type: an event source named like an everyday word,
/// an event ID beyond 65535, a fix that opens with boilerplate.
fn helpdesk_folder() -> Folder {
    let f = Folder::new();
    f.write(
        "exchange.md",
        &article(
            "EX1",
            "Exchange Server services do not start after a restore",
            "",
            "## Symptoms\n\nThe information store does not start.\n\n## Resolution\n\nWARNING: If you use Registry Editor incorrectly, you may cause serious problems that may require you to reinstall your operating system.\n\nTo resolve this problem, follow these steps:\n\n1. Run the repair tool on the database.\n2. Start the services again.",
        ),
    );
    f.write(
        "srv.md",
        &article(
            "SRV1",
            "Browsing list errors",
            "events:\n  - id: 2511\n    source: Server\n",
            "## Symptoms\n\nThe browse list is empty.\n\n## Resolution\n\nRestart the computer browser.",
        ),
    );
    f.write(
        "connector.md",
        &article(
            "CON1",
            "Connector logs Event ID 94086 when a message cannot be routed",
            "",
            "## Symptoms\n\nEvent 94086 is logged.\n\n## Resolution\n\nRecreate the routing group connector.",
        ),
    );
    f
}

#[test]
fn a_word_that_names_an_event_source_is_a_word_unless_an_event_id_is_next_to_it() {
    let f = helpdesk_folder();
    let (engine, _) = f.open();
    let r = engine
        .search(&SearchRequest::new("exchange server wont start"))
        .unwrap();
    assert!(
        r.interpreted.sources.is_empty(),
        "{:?}",
        r.interpreted.sources
    );
    let ids: Vec<&str> = r.hits.iter().map(|h| h.card.id.as_str()).collect();
    assert_eq!(
        ids,
        ["EX1"],
        "the article with source `Server` is not about this"
    );
    // Next to an event ID, or alone, the word is the source.
    assert_eq!(f.ids("server 2511"), ["SRV1"]);
    assert_eq!(f.ids("server event id 2511"), ["SRV1"]);
    let r = engine.search(&SearchRequest::new("server")).unwrap();
    assert_eq!(r.interpreted.sources, ["server"]);
    assert!(r.hits.iter().any(|h| h.card.id == "SRV1"), "{:?}", r.hits);
}

#[test]
fn a_number_that_is_no_event_id_or_article_finds_the_articles_naming_it() {
    let f = helpdesk_folder();
    assert_eq!(f.ids("94086"), ["CON1"]);
    assert_eq!(f.ids("event 94086"), ["CON1"]);
    // Named as an event ID, it is one, past 16 bits as Exchange logs it.
    let (engine, _) = f.open();
    let r = engine
        .search(&SearchRequest::new("event id 94086"))
        .unwrap();
    assert_eq!(r.interpreted.event_ids, [94086]);
    assert_eq!(r.hits[0].card.id, "CON1");
    assert!(
        r.hits[0].score >= 40_000.0,
        "in the event-in-title tier: {}",
        r.hits[0].score
    );
}

#[test]
fn the_inline_fix_skips_the_registry_warning_and_the_lead_in() {
    let f = helpdesk_folder();
    let (engine, _) = f.open();
    let r = engine
        .search(&SearchRequest::new("exchange restore"))
        .unwrap();
    let fix = r.hits[0].fix.as_ref().unwrap();
    assert!(
        fix.text
            .starts_with("1. Run the repair tool on the database."),
        "{}",
        fix.text
    );
    assert!(
        fix.text.contains("2. Start the services again."),
        "{}",
        fix.text
    );
    // The article keeps its text whole: only the inline fix leaves the opening out.
    let a = engine
        .article(kbase::search::Reader::Anonymous, "EX1")
        .unwrap()
        .unwrap();
    assert!(a
        .sections
        .iter()
        .any(|s| s.markdown.contains("WARNING: If you use Registry Editor")));
}

#[test]
fn a_code_named_in_the_title_ranks_above_one_listed_above_one_mentioned() {
    let f = Folder::new();
    f.write(
        "a.md",
        &article(
            "A1",
            "Setup stops copying files",
            "",
            "## Symptoms\n\nSetup logs 0x80070005 among other errors.\n\n## Resolution\n\nRun setup again.",
        ),
    );
    f.write(
        "b.md",
        &article(
            "B1",
            "Access is denied when you install updates",
            "codes: [\"0x80070005\"]\n",
            "## Symptoms\n\nThe update fails.\n\n## Resolution\n\nReset the permissions.",
        ),
    );
    f.write(
        "c.md",
        &article(
            "C1",
            "Error 0x80070005 when you start the service",
            "",
            "## Symptoms\n\nThe service does not start.\n\n## Resolution\n\nGrant the account the right.",
        ),
    );
    for q in ["0x80070005", "80070005", "error 0x80070005"] {
        assert_eq!(f.ids(q), ["C1", "B1", "A1"], "{q}");
    }
}

#[test]
fn any_hex_value_a_title_gives_is_a_code_and_a_code_nobody_lists_is_still_a_word() {
    let f = Folder::new();
    f.write(
        "a.md",
        &article(
            "X1",
            "Mail stays in the queue with error 0xFFFFFC0B after an upgrade",
            "",
            "## Symptoms\n\nMessages queue.\n\n## Resolution\n\nRemove the filter.",
        ),
    );
    f.write(
        "b.md",
        &article(
            "X2",
            "Mail stays in the queue",
            "",
            "## Symptoms\n\nThe error is logged in the queue viewer.\n\n## Resolution\n\nRestart the service.",
        ),
    );
    f.write(
        "c.md",
        &article(
            "X3",
            "Crash dump analysis",
            "",
            "## Symptoms\n\nThe dump shows 0x0000010e and 0xA1000AA7 among its values.\n\n## Resolution\n\nNone.",
        ),
    );
    f.write(
        "d.md",
        &article(
            "X4",
            "Browser returns error 270 (0x0000010e)",
            "",
            "## Symptoms\n\nThe page does not load.\n\n## Resolution\n\nClear the cache.",
        ),
    );
    // The code decides: an article that only has the filler word does not come.
    assert_eq!(f.ids("error 0xFFFFFC0B"), ["X1"]);
    assert_eq!(f.ids("fffffc0b"), ["X1"]);
    // Named in the title above named in the text, whatever the range.
    assert_eq!(f.ids("0x0000010e"), ["X4", "X3"]);
    assert_eq!(f.ids("A1000AA7"), ["X3"]);
}

#[test]
fn words_as_technicians_type_them_find_the_article_as_written() {
    let f = Folder::new();
    f.write(
        "folders.md",
        &article(
            "OL1",
            "Unable to Open Your Default E-Mail Folders",
            "",
            "## Symptoms\n\nWhen you start Outlook, you receive a message that the set of folders could not be opened.\n\n## Resolution\n\nRepair the personal folders file.",
        ),
    );
    f.write(
        "other.md",
        &article(
            "OL2",
            "Outlook opens slowly",
            "",
            "## Symptoms\n\nOutlook takes a minute to open the mail folders.\n\n## Resolution\n\nCompact the folders.",
        ),
    );
    for q in [
        "outlook cannot open default email folders",
        "outlook can't open default e-mail folders",
        "outlook cant open default email folders error",
        "unable to open default email folders",
    ] {
        assert_eq!(f.ids(q).first().map(String::as_str), Some("OL1"), "{q}");
    }
}

/// Articles about a few events, two of them sharing source and ID.
fn events_folder() -> Folder {
    let f = Folder::new();
    let event = |id: u32, source: &str| format!("events:\n  - id: {id}\n    source: {source}\n");
    f.write(
        "is.md",
        &article(
            "IS1",
            "Store logs a warning about mailbox quotas",
            &event(1037, "MSExchangeIS Private"),
            "## Symptoms\n\nThe private store warns every few minutes.\n\n## Resolution\n\nRaise the quota.",
        ),
    );
    f.write(
        "scm1.md",
        &article(
            "SCM1",
            "A service stops after an update of the agent",
            &event(7031, "Service Control Manager"),
            "## Symptoms\n\nThe update agent service terminated.\n\n## Resolution\n\nReinstall the agent.",
        ),
    );
    f.write(
        "scm2.md",
        &article(
            "SCM2",
            "The Print Spooler service terminates unexpectedly",
            &event(7031, "Service Control Manager"),
            "## Symptoms\n\nPrinting stops; the spooler terminated.\n\n## Resolution\n\nRemove the third-party print processor.",
        ),
    );
    f.write(
        "ue.md",
        &article(
            "UE1",
            "Group Policy objects cannot be read at logon",
            &event(1030, "Userenv"),
            "## Symptoms\n\nWindows cannot query for the list of Group Policy objects.\n\n## Resolution\n\nFix DNS.",
        ),
    );
    f
}

fn suggested(engine: &Engine, text: &str) -> kbase::search::suggest::SuggestResponse {
    engine
        .suggest(
            kbase::search::Reader::Anonymous,
            &kbase::search::suggest::SuggestInput::Text(text.into()),
            5,
        )
        .unwrap()
}

#[test]
fn a_ticket_sentence_naming_source_and_id_finds_the_article_and_says_where() {
    let f = events_folder();
    let (engine, _) = f.open();
    let r = suggested(
        &engine,
        "Hi,\nthe server logs error 1037 from MSExchangeIS Private every few minutes",
    );
    assert_eq!(r.events.len(), 1, "{:?}", r.events);
    assert_eq!(r.events[0].id, 1037);
    assert_eq!(r.events[0].source.as_deref(), Some("MSExchangeIS Private"));
    assert_eq!(r.hits[0].card.id, "IS1");
    assert_eq!(
        (r.found[0].kind, r.found[0].line, r.found[0].column),
        ("event", 2, 23)
    );
    for text in [
        "event 7031 on the print server",
        "eventid 7031",
        "7031 Service Control Manager",
    ] {
        let r = suggested(&engine, text);
        assert_eq!(
            r.events.iter().map(|e| e.id).collect::<Vec<_>>(),
            [7031],
            "{text}"
        );
        assert!(
            r.hits.iter().take(2).all(|h| h.card.id.starts_with("SCM")),
            "{text}"
        );
    }
}

#[test]
fn get_winevent_output_gives_each_event_its_articles_ordered_by_its_message() {
    let f = events_folder();
    let (engine, _) = f.open();
    let table = "\n   ProviderName: Service Control Manager\n\nTimeCreated                     Id LevelDisplayName Message\n-----------                     -- ---------------- -------\n5/1/2024 10:00:00 AM          7031 Error            The Print Spooler service terminated unexpectedly.\n\n   ProviderName: Userenv\n\nTimeCreated                     Id LevelDisplayName Message\n-----------                     -- ---------------- -------\n5/1/2024 9:00:00 AM           1030 Error            Windows cannot query for the list of Group Policy...\n";
    let r = suggested(&engine, table);
    let events: Vec<(u32, Option<&str>)> = r
        .events
        .iter()
        .map(|e| (e.id, e.source.as_deref()))
        .collect();
    assert_eq!(
        events,
        [
            (7031, Some("Service Control Manager")),
            (1030, Some("Userenv"))
        ]
    );
    assert_eq!(r.groups.len(), 2);
    // Both 7031 articles tie on source + ID; the message's words put the spooler first
    // (by id alone SCM1 would come first).
    let first: Vec<&str> = r.groups[0]
        .hits
        .iter()
        .map(|h| h.card.id.as_str())
        .collect();
    assert_eq!(first, ["SCM2", "SCM1"]);
    assert_eq!(r.groups[1].hits[0].card.id, "UE1");
    let list = "TimeCreated  : 5/1/2024 10:00:00 AM\nProviderName : Service Control Manager\nId           : 7031\nMessage      : The update agent service terminated unexpectedly.\n";
    let r = suggested(&engine, list);
    assert_eq!(r.hits[0].card.id, "SCM1");
    // Event XML pasted as text is read as XML; its message orders the tie too.
    let xml = "<Event><System><Provider Name=\"Service Control Manager\"/><EventID>7031</EventID></System><RenderingInfo><Message>The Print Spooler service terminated unexpectedly.</Message></RenderingInfo></Event>";
    let r = suggested(&engine, xml);
    assert_eq!(r.hits[0].card.id, "SCM2");
    assert_eq!(
        r.events[0].source.as_deref(),
        Some("Service Control Manager")
    );
}

#[test]
fn a_typo_gets_did_you_mean_even_with_hits_and_partial_matches_say_so() {
    let f = Folder::new();
    // Twenty times as frequent as the typo, which one article has.
    for i in 0..20 {
        f.write(
            &format!("ex{i}.md"),
            &article(
                &format!("EX{i}"),
                "Exchange server does not start",
                "",
                "## Symptoms\n\nThe Exchange services stop.\n\n## Resolution\n\nStart them.",
            ),
        );
    }
    f.write(
        "typo.md",
        &article(
            "T1",
            "Notes on exchnage",
            "",
            "## Symptoms\n\nA page that has the typo exchnage in it.\n\n## Resolution\n\nNone.",
        ),
    );
    let (engine, _) = f.open();
    let r = engine.search(&SearchRequest::new("exchnage")).unwrap();
    assert_eq!(r.hits.len(), 1, "the typo itself is found");
    assert_eq!(r.did_you_mean.as_deref(), Some("exchange"));
    let r = engine
        .search(&SearchRequest::new("exchange start"))
        .unwrap();
    assert_eq!(r.did_you_mean, None, "words the index knows well stay");
    assert!(!r.partial);
    let r = engine
        .search(&SearchRequest::new("exchange services zebra"))
        .unwrap();
    assert!(r.partial, "no article has `zebra`");
    assert!(!r.hits.is_empty());
    assert!(
        !r.total_exact && r.total >= r.hits.len(),
        "partial matches of plain words are ranked without a full count"
    );
    let r = engine
        .search(&SearchRequest::new("exchnge services"))
        .unwrap();
    assert!(r.partial);
    assert!(
        r.hits
            .iter()
            .filter(|h| h.card.id.starts_with("EX"))
            .count()
            >= 5,
        "a word no article has matches its spellings one edit away: {:?}",
        r.hits.iter().map(|h| &h.card.id).collect::<Vec<_>>()
    );
}

#[test]
fn synonyms_shipped_and_from_the_folder_match_what_articles_write() {
    let f = Folder::new();
    f.write(
        "hang.md",
        &article(
            "H1",
            "Outlook stops responding when you open a shared calendar",
            "",
            "## Symptoms\n\nOutlook stops responding.\n\n## Resolution\n\nRemove the calendar.",
        ),
    );
    f.write(
        "vpn.md",
        &article(
            "V1",
            "Remote access connections drop after an hour",
            "",
            "## Symptoms\n\nThe connection drops.\n\n## Resolution\n\nRaise the idle timeout.",
        ),
    );
    // Hidden folders are not articles: the list is read only as synonyms.
    f.write(".kbase/synonyms.yml", "- [vpn, remote access]\n");
    let (engine, report) = f.open();
    assert!(
        report.summary().contains("2 articles"),
        "{}",
        report.summary()
    );
    let (synonyms, problems) = kbase::search::synonyms::Synonyms::load(&f.articles, None);
    assert!(problems.is_empty(), "{problems:?}");
    let engine = engine.with_synonyms(synonyms);
    let first = |q: &str| {
        engine
            .search(&SearchRequest::new(q))
            .unwrap()
            .hits
            .first()
            .map(|h| h.card.id.clone())
    };
    assert_eq!(
        first("outlook hangs shared calendar").as_deref(),
        Some("H1")
    );
    assert_eq!(first("outlook freezes").as_deref(), Some("H1"));
    assert_eq!(first("vpn drops").as_deref(), Some("V1"));
    // Without the folder's list, `vpn` is only itself.
    let (plain, _) = f.open();
    assert!(
        plain
            .search(&SearchRequest::new("vpn drops"))
            .unwrap()
            .partial
    );
}

/// `n` spelt in letters (`120` → `bca`): a word of its own for each generated article.
fn spelt(n: usize) -> String {
    n.to_string()
        .bytes()
        .map(|d| char::from(b'a' + (d - b'0')))
        .collect()
}

/// Article `n` of a generated folder: its own word (`zq` and [`spelt`]), an event and a
/// fix, so that every hit card differs.
fn numbered_article(n: usize) -> String {
    let word = spelt(n);
    article(
        &format!("GEN-{n}"),
        &format!("Spooler fails with code {n} on server zq{word}"),
        &format!("events:\n- id: {}\n  source: Print\n", 1000 + n % 50),
        &format!(
            "## Symptoms\n\nThe spooler on zq{word} stops.\n\n## Resolution\n\nRestart zq{word} and apply patch {n}."
        ),
    )
}

#[test]
fn hit_summaries_are_packed_once_there_are_enough_and_stay_readable_as_the_index_changes() {
    let f = Folder::new();
    for n in 0..10 {
        f.write(&format!("a{n}.md"), &numbered_article(n));
    }
    let card = |engine: &Engine, n: usize| {
        let word = spelt(n);
        let r = engine
            .search(&SearchRequest::new(format!("zq{word}")))
            .unwrap();
        let hit = r.hits.first().unwrap_or_else(|| panic!("no hit for {n}"));
        assert_eq!(hit.card.id, format!("GEN-{n}"));
        assert_eq!(hit.card.events[0].id, 1000 + (n % 50) as u32);
        let fix = hit.fix.as_ref().expect("a fix");
        assert!(fix.text.contains(&format!("patch {n}.")), "{}", fix.text);
    };
    // Ten articles are too few to learn from: stored as they are.
    let (index, _) = crate::open_index(&f.articles, &f.data, OpenOptions::default());
    assert!(index.hits.dictionary().is_none());
    drop(index);
    // A large update learns a dictionary; the earlier summaries stay readable beside the
    // packed ones.
    for n in 10..1200 {
        f.write(&format!("b{n}.md"), &numbered_article(n));
    }
    let (index, _) = crate::open_index(&f.articles, &f.data, OpenOptions::default());
    let dictionary = index.hits.dictionary().expect("learned").to_vec();
    let engine = Engine::new(index).unwrap();
    for n in [0, 9, 10, 700, 1199] {
        card(&engine, n);
    }
    drop(engine);
    // Later updates and reopenings keep the same dictionary.
    f.write("c.md", &numbered_article(1200));
    let (index, report) = crate::open_index(&f.articles, &f.data, OpenOptions::default());
    assert_eq!(report.added, 1);
    assert_eq!(index.hits.dictionary(), Some(dictionary.as_slice()));
    let engine = Engine::new(index).unwrap();
    for n in [5, 1200] {
        card(&engine, n);
    }
    // A lookup by id reads the same cards.
    let article = engine
        .article(kbase::search::Reader::Anonymous, "GEN-700")
        .unwrap()
        .expect("found");
    assert!(article.fix.expect("a fix").text.contains("patch 700."));
}

#[test]
fn an_article_found_by_its_id_alone_shows_its_lead_and_with_words_marks_them() {
    let f = Folder::new();
    f.write(
        "Q123456.md",
        &article(
            "Q123456",
            "Printer stops",
            "",
            "## Symptoms\n\nThe spooler stops when a job is sent.\n\n## Cause\n\nA damaged spooler file.\n\n## Resolution\n\nDelete the file and restart.",
        ),
    );
    let (engine, _) = f.open();
    let snippet = |q: &str| {
        let r = engine.search(&SearchRequest::new(q)).unwrap();
        assert_eq!(r.hits[0].card.id, "Q123456", "{q}");
        r.hits[0].snippet.clone()
    };
    for q in ["Q123456", "q123456", "123456"] {
        assert_eq!(snippet(q), "The spooler stops when a job is sent.", "{q}");
    }
    assert!(snippet("Q123456 damaged").contains("<mark>damaged</mark>"));
}
