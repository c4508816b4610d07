//! The query log: what technicians searched for, and what it tells about the articles
//! nobody has written yet.
//!
//! Every search and suggest is one [`Logged`] record, written off the request path by
//! the server (in batches, from a bounded queue). A record becomes one row per event or
//! code it asked about, or one row for a search of words, so that demand per event, code
//! or normalised query is a single `GROUP BY`. [`gaps`] reads that demand against what
//! tickets recorded ([`OutcomeTable`]): events and codes searched for with no hit, with
//! hits but no recorded fix, or whose best article fails more than it fixes; and word
//! searches that found nothing. [`top`] lists the most searched events, codes and
//! articles.

use sqlx::Row;

use super::links::{OutcomeTable, Outcomes};
use super::{rfc3339, Db, DbError};

/// Longest query text kept (longer ones, pasted logs, are cut).
pub const MAX_QUERY_CHARS: usize = 500;
/// Hit ids kept per search.
pub const TOP_IDS: usize = 5;
const DAY_MS: i64 = 86_400_000;

/// Where a logged query came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `/api/v1/search` or the search page.
    Search,
    /// `/api/v1/suggest`.
    Suggest,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Search => "search",
            Via::Suggest => "suggest",
        }
    }
}

/// One search, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// When (milliseconds since 1970, UTC).
    pub at_ms: i64,
    /// From the search or the suggest endpoint.
    pub via: Via,
    /// The query as typed (cut to [`MAX_QUERY_CHARS`]).
    pub query: String,
    /// What it was read as (`event 5058 (MSExchangeKMS); words`).
    pub read_as: String,
    /// The words of the query, normalised ([`normalise`]); empty when it had none.
    pub words: String,
    /// The events it asked about: source (when named) and ID.
    pub events: Vec<(Option<String>, u32)>,
    /// The codes it asked about, normalised.
    pub codes: Vec<String>,
    /// Whether it asked for an article by id.
    pub article_lookup: bool,
    /// Matching articles in all.
    pub hits: u64,
    /// The first hits' ids, best first (at most [`TOP_IDS`]).
    pub top: Vec<String>,
    /// The client's address, only when the server logs them (`--log-clients`).
    pub client: Option<String>,
    /// The ticket the search was made for (`ticket` parameter), if any.
    pub ticket: Option<String>,
}

/// The words of a query as the log groups them: lower case, split at anything that is
/// not a letter or digit, each word once, in order, so that `Outlook  crashes!` and
/// `outlook crashes` count as one.
pub fn normalise(words: &str) -> String {
    let mut seen: Vec<String> = Vec::new();
    for w in words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let w = w.to_lowercase();
        if !seen.contains(&w) {
            seen.push(w);
        }
    }
    seen.join(" ")
}

/// Rows per `INSERT` statement: one statement per row costs a round trip each (to
/// SQLite's worker thread, or to PostgreSQL), which at thousands of searches a second
/// is most of the log's cost.
const ROWS_PER_INSERT: usize = 64;
const COLUMNS: usize = 15;

/// One row of `query_log`.
struct LogRow<'a> {
    log: &'a Logged,
    query: String,
    top_ids: String,
    words: &'a str,
    source: Option<String>,
    event: Option<i64>,
    code: Option<String>,
    lead: bool,
}

/// Writes `batch` in one transaction (one row per event or code asked about, or one row
/// for a search of neither), many rows to a statement.
pub async fn write(db: &Db, batch: &[Logged]) -> Result<(), DbError> {
    let mut rows = Vec::with_capacity(batch.len());
    for l in batch {
        let query: String = l.query.chars().take(MAX_QUERY_CHARS).collect();
        let top_ids = l.top.join(" ");
        let mut subjects: Vec<(Option<String>, Option<i64>, Option<String>)> = l
            .events
            .iter()
            .map(|(s, id)| (s.clone(), Some(i64::from(*id)), None))
            .chain(l.codes.iter().map(|c| (None, None, Some(c.clone()))))
            .collect();
        // A search of words groups by its words; one that asked for an event, a code or
        // an article is counted under those instead.
        let words = if subjects.is_empty() && !l.article_lookup {
            l.words.as_str()
        } else {
            ""
        };
        if subjects.is_empty() {
            subjects.push((None, None, None));
        }
        for (i, (source, event, code)) in subjects.into_iter().enumerate() {
            rows.push(LogRow {
                log: l,
                query: query.clone(),
                top_ids: top_ids.clone(),
                words,
                source,
                event,
                code,
                lead: i == 0,
            });
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        // SQLite gets bare `?` placeholders: binding a numbered one makes it look the
        // number up in a list of all of them, which for hundreds is most of the cost.
        let sqlite = db.backend() == super::Backend::Sqlite;
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                let cells: Vec<String> = (1..=COLUMNS)
                    .map(|c| {
                        if sqlite {
                            "?".to_owned()
                        } else {
                            format!("${}", r * COLUMNS + c)
                        }
                    })
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO query_log (at_ms, day, via, query, read_as, normalised, \
             event_source, event_id, code, hits, lead, top_ids, top_id, client, ticket) \
             VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            let l = r.log;
            q = q
                .bind(l.at_ms)
                .bind(l.at_ms.div_euclid(DAY_MS))
                .bind(l.via.as_str())
                .bind(r.query.clone())
                .bind(l.read_as.clone())
                .bind(r.words.to_owned())
                .bind(r.source.clone())
                .bind(r.event)
                .bind(r.code.clone())
                .bind(i64::try_from(l.hits).unwrap_or(i64::MAX))
                .bind(i64::from(r.lead))
                .bind(r.top_ids.clone())
                .bind(l.top.first().cloned())
                .bind(l.client.clone())
                .bind(l.ticket.clone());
        }
        q.execute(&mut **tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes what was logged before `before_ms`; the number of rows deleted.
pub async fn prune(db: &Db, before_ms: i64) -> Result<u64, DbError> {
    let sql = db.sql("DELETE FROM query_log WHERE at_ms < $1");
    let done = sqlx::query(&sql).bind(before_ms).execute(db.pool()).await?;
    Ok(done.rows_affected())
}

/// What a group of logged searches asked about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// An event: its source as the query named it (`None`: any source) and its ID.
    Event {
        /// The source, when named.
        #[serde(skip_serializing_if = "Option::is_none")]
        source: Option<String>,
        /// The event ID.
        event_id: u32,
    },
    /// An error or STOP code.
    Code {
        /// The code, normalised.
        code: String,
    },
    /// Words (no event, code or article id), normalised.
    Words {
        /// The normalised words.
        query: String,
    },
}

impl Subject {
    /// The query that searches for this again.
    pub fn search_query(&self) -> String {
        match self {
            Subject::Event {
                source: Some(s),
                event_id,
            } => format!("{s} {event_id}"),
            Subject::Event {
                source: None,
                event_id,
            } => format!("event id {event_id}"),
            Subject::Code { code } => code.clone(),
            Subject::Words { query } => query.clone(),
        }
    }

    fn events(&self) -> Vec<(Option<String>, u32)> {
        match self {
            Subject::Event { source, event_id } => vec![(source.clone(), *event_id)],
            _ => Vec::new(),
        }
    }

    fn codes(&self) -> Vec<String> {
        match self {
            Subject::Code { code } => vec![code.clone()],
            _ => Vec::new(),
        }
    }
}

/// How often one subject was searched for in a period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Demand {
    /// What was asked about.
    #[serde(flatten)]
    pub subject: Subject,
    /// Searches.
    pub searches: u64,
    /// Distinct days (UTC) with a search.
    pub days: u64,
    /// The last search (RFC 3339, UTC).
    pub last_seen: String,
    /// The most hits any of the searches had.
    #[serde(skip)]
    pub max_hits: u64,
}

/// Each event, code and word query searched for since `since_ms`, with its demand, most
/// searched first. Searches that asked for an article by id (and nothing else) are not
/// among them; [`top`] counts articles.
pub async fn demand(db: &Db, since_ms: i64) -> Result<Vec<Demand>, DbError> {
    let sql = db.sql(
        "SELECT MIN(event_source) AS event_source, event_id, code, normalised, \
         COUNT(*) AS n, COUNT(DISTINCT day) AS days, MAX(at_ms) AS last, MAX(hits) AS hits \
         FROM query_log WHERE at_ms >= $1 \
         GROUP BY LOWER(event_source), event_id, code, normalised",
    );
    let rows = sqlx::query(&sql)
        .bind(since_ms)
        .fetch_all(db.pool())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let event: Option<i64> = r.try_get("event_id")?;
        let code: Option<String> = r.try_get("code")?;
        let words: String = r.try_get("normalised")?;
        let subject = if let Some(id) = event.and_then(|e| u32::try_from(e).ok()) {
            Subject::Event {
                source: r.try_get("event_source")?,
                event_id: id,
            }
        } else if let Some(code) = code {
            Subject::Code { code }
        } else if !words.is_empty() {
            Subject::Words { query: words }
        } else {
            continue;
        };
        out.push(Demand {
            subject,
            searches: count(r, "n")?,
            days: count(r, "days")?,
            last_seen: rfc3339(r.try_get("last")?),
            max_hits: count(r, "hits")?,
        });
    }
    out.sort_by(|a, b| {
        b.searches
            .cmp(&a.searches)
            .then(b.days.cmp(&a.days))
            .then(a.subject.cmp(&b.subject))
    });
    Ok(out)
}

fn count(r: &sqlx::any::AnyRow, column: &str) -> Result<u64, sqlx::Error> {
    Ok(u64::try_from(r.try_get::<i64, _>(column)?).unwrap_or(0))
}

/// Why a subject is a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No search for it found any article.
    NoHit,
    /// Articles were found, but no ticket recorded one of them as the fix.
    NoFix,
    /// The article that did best for it has more `not_fixed` than `fixed`.
    NotFixed,
}

/// Something technicians search for that the articles do not answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Gap {
    /// Why it is a gap.
    pub reason: Reason,
    /// What was searched for, and how often.
    #[serde(flatten)]
    pub demand: Demand,
    /// The article that did best for it by what tickets recorded, and its counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best: Option<Best>,
}

/// The article with the best record for a subject.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Best {
    /// Its id.
    pub article: String,
    /// What tickets recorded of it for the subject.
    pub outcomes: Outcomes,
}

/// The gaps in `demand`, in its order (most searched first): events and codes that no
/// article names (`named` tells; their searches may have found others by their words),
/// with no recorded fix, or whose best article fails more than it fixes; word queries
/// with no hit.
pub fn gaps(
    demand: Vec<Demand>,
    outcomes: &OutcomeTable,
    named: impl Fn(&Subject) -> bool,
) -> Vec<Gap> {
    demand
        .into_iter()
        .filter_map(|d| {
            let words = matches!(d.subject, Subject::Words { .. });
            if d.max_hits == 0 || !words && !named(&d.subject) {
                return Some(Gap {
                    reason: Reason::NoHit,
                    demand: d,
                    best: None,
                });
            }
            if words {
                return None;
            }
            let best = outcomes
                .best(&d.subject.events(), &d.subject.codes())
                .map(|(article, outcomes)| Best { article, outcomes });
            let reason = match &best {
                None => Reason::NoFix,
                Some(b) if b.outcomes.not_fixed > b.outcomes.fixed => Reason::NotFixed,
                Some(b) if b.outcomes.fixed == 0 => Reason::NoFix,
                Some(_) => return None,
            };
            Some(Gap {
                reason,
                demand: d,
                best,
            })
        })
        .collect()
}

/// One article and how often searches led to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TopArticle {
    /// The article's id.
    pub article: String,
    /// Searches whose first hit it was.
    pub searches: u64,
    /// Distinct days with such a search.
    pub days: u64,
    /// The last one (RFC 3339, UTC).
    pub last_seen: String,
}

/// The most searched events, codes and articles of a period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Top {
    /// Events, most searched first.
    pub events: Vec<Demand>,
    /// Codes.
    pub codes: Vec<Demand>,
    /// Articles, by the searches whose first hit they were.
    pub articles: Vec<TopArticle>,
}

/// The `limit` most searched events, codes and articles since `since_ms`.
pub async fn top(db: &Db, since_ms: i64, limit: usize) -> Result<Top, DbError> {
    let all = demand(db, since_ms).await?;
    let (mut events, mut codes) = (Vec::new(), Vec::new());
    for d in all {
        match d.subject {
            Subject::Event { .. } if events.len() < limit => events.push(d),
            Subject::Code { .. } if codes.len() < limit => codes.push(d),
            _ => {}
        }
    }
    let sql = db.sql(
        "SELECT top_id, COUNT(*) AS n, COUNT(DISTINCT day) AS days, MAX(at_ms) AS last \
         FROM query_log WHERE at_ms >= $1 AND lead = 1 AND top_id IS NOT NULL \
         GROUP BY top_id ORDER BY n DESC, top_id LIMIT $2",
    );
    let rows = sqlx::query(&sql)
        .bind(since_ms)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(db.pool())
        .await?;
    let articles = rows
        .iter()
        .map(|r| {
            Ok(TopArticle {
                article: r.try_get("top_id")?,
                searches: count(r, "n")?,
                days: count(r, "days")?,
                last_seen: rfc3339(r.try_get("last")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Top {
        events,
        codes,
        articles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_group_by_their_normal_form() {
        assert_eq!(normalise("Outlook  crashes!"), "outlook crashes");
        assert_eq!(normalise("outlook crashes outlook"), "outlook crashes");
        assert_eq!(normalise("--"), "");
    }

    fn demand_of(subject: Subject, max_hits: u64) -> Demand {
        Demand {
            subject,
            searches: 3,
            days: 2,
            last_seen: rfc3339(0),
            max_hits,
        }
    }

    #[test]
    fn a_subject_with_a_working_fix_is_no_gap() {
        let event = Subject::Event {
            source: None,
            event_id: 5058,
        };
        let words = Subject::Words {
            query: "printer offline".into(),
        };
        let found_words = Subject::Words {
            query: "printer".into(),
        };
        let g = gaps(
            vec![
                demand_of(event.clone(), 0),
                demand_of(event.clone(), 4),
                demand_of(words.clone(), 0),
                demand_of(found_words, 9),
                demand_of(Subject::Code { code: "0x1".into() }, 3),
            ],
            &OutcomeTable::default(),
            |s| matches!(s, Subject::Event { .. }),
        );
        let reasons: Vec<Reason> = g.iter().map(|g| g.reason).collect();
        assert_eq!(
            reasons,
            [Reason::NoHit, Reason::NoFix, Reason::NoHit, Reason::NoHit],
            "a code no article names is not answered by the hits its words found"
        );
        assert_eq!(g[2].demand.subject, words);
    }
}
