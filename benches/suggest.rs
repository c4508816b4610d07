//! Suggestions from pasted text: how often a relevant article is in the top 5, per shape
//! of paste, and how long a suggestion takes.
//!
//! `cargo bench --bench suggest -- ARTICLES DATA [PAIRS]` takes up to PAIRS (default
//! 300) event source + ID pairs that articles of ARTICLES list in their front matter,
//! spread evenly over all of them, and pastes each one the ways a technician does: Event
//! XML, Event Viewer's copied details, `wevtutil qe /f:text`, `Get-WinEvent` as its
//! default table, as a list and as `Export-Csv` rows, and a ticket sentence naming the
//! source and the ID (four wordings in turn). The message of each event is the first
//! sentence of the symptoms of one article listing the pair. Relevant: every article
//! whose front matter lists that source (case ignored) with that ID. The cases it misses
//! are printed, to see why.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use kbase::search::suggest::{SuggestInput, SuggestResponse};
use kbase::search::Engine;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.len() < 2 {
        println!("usage: cargo bench --bench suggest -- ARTICLES DATA [PAIRS]");
        return;
    }
    let (articles, data) = (PathBuf::from(&args[0]), PathBuf::from(&args[1]));
    let want: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(300);
    let collection = kbase::article::load::load_dir(&articles).expect("articles");
    let mut pairs: BTreeMap<(String, u32), (String, Vec<String>, String)> = BTreeMap::new();
    for a in &collection.articles {
        let symptom = a
            .article
            .sections
            .iter()
            .find(|s| s.kind == kbase::article::SectionKind::Symptoms)
            .map(|s| first_sentence(&s.markdown))
            .unwrap_or_default();
        for e in &a.article.front.events {
            let Some(source) = &e.source else { continue };
            let entry = pairs
                .entry((source.to_lowercase(), e.id.0))
                .or_insert_with(|| (source.clone(), Vec::new(), symptom.clone()));
            entry.1.push(a.article.id().to_owned());
        }
    }
    let step = (pairs.len() / want.max(1)).max(1);
    let cases: Vec<_> = pairs.into_iter().step_by(step).take(want).collect();
    println!(
        "{} cases from {} articles",
        cases.len(),
        collection.articles.len()
    );

    let (index, _) = kbase::index::open(
        &articles,
        &data,
        kbase::index::OpenOptions::default(),
        &indicatif::ProgressBar::hidden(),
    )
    .expect("index");
    let engine = Engine::new(index).expect("engine");
    let shapes: [(&str, Paste); 7] = [
        ("event_xml", |s, id, m, _| {
            SuggestInput::EventXml(format!(
                "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider Name=\"{}\"/><EventID Qualifiers=\"0\">{id}</EventID><Level>2</Level></System><RenderingInfo Culture=\"en-US\"><Message>{}</Message></RenderingInfo></Event>",
                xml_escape(s),
                xml_escape(m)
            ))
        }),
        ("event_viewer_text", |s, id, m, _| {
            SuggestInput::Text(format!(
                "Log Name:      Application\nSource:        {s}\nDate:          3/14/2024 9:26:53 AM\nEvent ID:      {id}\nTask Category: None\nLevel:         Error\nKeywords:      Classic\nUser:          N/A\nComputer:      SRV01.contoso.local\nDescription:\n{m}"
            ))
        }),
        ("wevtutil_text", |s, id, m, _| {
            SuggestInput::Text(format!(
                "Event[0]:\n  Log Name: Application\n  Source: {s}\n  Date: 2024-03-14T09:26:53.000\n  Event ID: {id}\n  Task: N/A\n  Level: Error\n  Opcode: N/A\n  Keyword: Classic\n  User: N/A\n  User Name: N/A\n  Computer: SRV01\n  Description: \n{m}\n"
            ))
        }),
        ("get_winevent_table", |s, id, m, _| {
            SuggestInput::Text(format!(
                "\n\n   ProviderName: {s}\n\nTimeCreated                     Id LevelDisplayName Message\n-----------                     -- ---------------- -------\n3/14/2024 9:26:53 AM {id:>13} Error            {}\n",
                m.chars().take(60).collect::<String>()
            ))
        }),
        ("get_winevent_list", |s, id, m, _| {
            SuggestInput::Text(format!(
                "TimeCreated  : 3/14/2024 9:26:53 AM\nProviderName : {s}\nId           : {id}\nMessage      : {m}\n"
            ))
        }),
        ("get_winevent_csv", |s, id, m, _| {
            SuggestInput::Text(format!(
                "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n\"Message\",\"Id\",\"Version\",\"Qualifiers\",\"Level\",\"ProviderName\",\"LogName\",\"TimeCreated\"\n\"{}\",\"{id}\",,\"0\",\"2\",\"{s}\",\"Application\",\"3/14/2024 9:26:53 AM\"\n",
                m.replace('"', "\"\"")
            ))
        }),
        ("ticket_sentence", |s, id, _, n| {
            SuggestInput::Text(match n % 4 {
                0 => format!("Hi team, the server logs error {id} from {s} every few minutes since Monday. Please advise."),
                1 => format!("User reports {s} {id} in the application log after the last patch"),
                2 => format!("getting event id {id} ({s}) on two DCs, can someone look"),
                _ => format!("{s} event {id} keeps coming back after reboot"),
            })
        }),
    ];
    for (shape, make) in shapes {
        let (mut hit, mut recognised, mut ms) = (0, 0, Vec::new());
        let mut misses = Vec::new();
        for (n, ((_, id), (source, relevant, message))) in cases.iter().enumerate() {
            let input = make(source, *id, message, n);
            let started = Instant::now();
            let r: SuggestResponse = engine
                .suggest(kbase::search::Reader::Anonymous, &input, 5)
                .expect("suggest");
            ms.push(started.elapsed().as_secs_f64() * 1000.0);
            if r.events.iter().any(|e| {
                e.id == *id
                    && e.source
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(source))
            }) {
                recognised += 1;
            }
            if r.hits.iter().take(5).any(|h| relevant.contains(&h.card.id)) {
                hit += 1;
            } else if misses.len() < 5 {
                misses.push(format!("{source} {id}: found {:?}", r.events));
            }
        }
        ms.sort_by(f64::total_cmp);
        let p = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
        println!(
            "| {shape} | {} | relevant in top 5 {:.1}% | source + ID recognised {:.1}% | p50 {:.2} ms | p99 {:.2} ms |",
            cases.len(),
            100.0 * hit as f64 / cases.len() as f64,
            100.0 * recognised as f64 / cases.len() as f64,
            p(0.5),
            p(0.99)
        );
        for m in misses {
            println!("  missed {m}");
        }
    }
}

/// Writes one paste of a shape: source, event ID, message, case number.
type Paste = fn(&str, u32, &str, usize) -> SuggestInput;

/// The first sentence of a section's Markdown, as a message would read.
fn first_sentence(markdown: &str) -> String {
    let text: String = markdown
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !matches!(c, '*' | '`' | '#' | '>'))
        .collect();
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    text[..end].chars().take(300).collect()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
