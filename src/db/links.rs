//! Ticket links: a helpdesk ticket's record that an article fixed it, did not, or was
//! related, with the event or code the ticket was about.
//!
//! One link per ticket and article: recording it again replaces it (the technician
//! changed their mind), so a ticket system can send the same call twice and nothing is
//! counted twice. The counts per article, and per event and code within an article, are
//! what the ranking and the pages use.

use std::collections::{BTreeMap, HashMap};

use sqlx::Row;

use super::{now_ms, rfc3339, Db, DbError};

/// What came of trying an article on a ticket.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The article's fix fixed the ticket.
    Fixed,
    /// It was tried and did not fix it.
    NotFixed,
    /// It was useful background, not the fix.
    Related,
}

impl Outcome {
    /// The name as stored and sent (`fixed`, `not_fixed`, `related`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Fixed => "fixed",
            Outcome::NotFixed => "not_fixed",
            Outcome::Related => "related",
        }
    }

    fn parse(s: &str) -> Outcome {
        match s {
            "fixed" => Outcome::Fixed,
            "not_fixed" => Outcome::NotFixed,
            _ => Outcome::Related,
        }
    }
}

/// The event a ticket was about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct LinkEvent {
    /// Its source, when the ticket named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Its ID.
    pub id: u32,
}

/// What a ticket system records with a link; everything but the outcome may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LinkInput {
    /// What came of it.
    pub outcome: Option<Outcome>,
    /// The section of the article that was used (`workaround`).
    pub section: Option<String>,
    /// The event the ticket was about.
    pub event: Option<LinkEvent>,
    /// The error or STOP code the ticket was about, normalised.
    pub code: Option<String>,
    /// The ticket's own address in the ticket system.
    pub ticket_url: Option<String>,
    /// What was searched for when the article was found.
    pub query: Option<String>,
}

/// A recorded link.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Link {
    /// The ticket's reference (`INC0012345`).
    pub ticket: String,
    /// The article's id.
    pub article: String,
    /// What came of it.
    pub outcome: Outcome,
    /// The section used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// The event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<LinkEvent>,
    /// The code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The ticket's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_url: Option<String>,
    /// What was searched for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// When it was first recorded (RFC 3339, UTC).
    pub created: String,
    /// When it was last recorded.
    pub updated: String,
}

/// Counts of links by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Outcomes {
    /// Tickets it fixed.
    pub fixed: u64,
    /// Tickets it was tried on and did not fix.
    pub not_fixed: u64,
    /// Tickets it was related to.
    pub related: u64,
}

impl Outcomes {
    fn add(&mut self, outcome: Outcome, n: u64) {
        match outcome {
            Outcome::Fixed => self.fixed += n,
            Outcome::NotFixed => self.not_fixed += n,
            Outcome::Related => self.related += n,
        }
    }
}

/// The counts of one event or code within an article's links.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyedOutcomes<K> {
    /// The event or code.
    #[serde(flatten)]
    pub key: K,
    /// Its counts.
    pub outcomes: Outcomes,
}

/// A code's key in [`ArticleTickets::codes`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct CodeKey {
    /// The code.
    pub code: String,
}

/// What tickets say of one article.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArticleTickets {
    /// The article's id.
    pub article: String,
    /// All its links' counts.
    pub outcomes: Outcomes,
    /// Counts per event the links named.
    pub events: Vec<KeyedOutcomes<LinkEvent>>,
    /// Counts per code the links named.
    pub codes: Vec<KeyedOutcomes<CodeKey>>,
    /// The links themselves, newest first.
    pub links: Vec<Link>,
}

/// Records `input` as the link of `ticket` to `article`, replacing the ticket's earlier
/// link to it; the link as stored, and `true` when there was none. `token` names who
/// recorded it.
pub async fn put(
    db: &Db,
    ticket: &str,
    article: &str,
    outcome: Outcome,
    input: &LinkInput,
    token: &str,
) -> Result<(Link, bool), DbError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let exists = db.sql("SELECT 1 FROM ticket_links WHERE ticket = $1 AND article = $2");
    let existed = sqlx::query(&exists)
        .bind(ticket)
        .bind(article)
        .fetch_optional(&mut **tx)
        .await?
        .is_some();
    let upsert = db.sql(
        "INSERT INTO ticket_links (ticket, article, outcome, section, event_source, event_id, \
         code, ticket_url, query, token, created_ms, updated_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
         ON CONFLICT (ticket, article) DO UPDATE SET outcome = excluded.outcome, \
         section = excluded.section, event_source = excluded.event_source, \
         event_id = excluded.event_id, code = excluded.code, ticket_url = excluded.ticket_url, \
         query = excluded.query, token = excluded.token, updated_ms = excluded.updated_ms",
    );
    sqlx::query(&upsert)
        .bind(ticket)
        .bind(article)
        .bind(outcome.as_str())
        .bind(input.section.clone())
        .bind(input.event.as_ref().and_then(|e| e.source.clone()))
        .bind(input.event.as_ref().map(|e| i64::from(e.id)))
        .bind(input.code.clone())
        .bind(input.ticket_url.clone())
        .bind(input.query.clone())
        .bind(token)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let read = db
        .sql(&format!(
            "SELECT {COLUMNS} FROM ticket_links WHERE ticket = $1 AND article = $2"
        ))
        .into_owned();
    let stored = link(
        &sqlx::query(&read)
            .bind(ticket)
            .bind(article)
            .fetch_one(&mut **tx)
            .await?,
    )?;
    tx.commit().await?;
    Ok((stored, !existed))
}

/// Removes the link of `ticket` to `article`; `true` when there was one.
pub async fn delete(db: &Db, ticket: &str, article: &str) -> Result<bool, DbError> {
    let sql = db.sql("DELETE FROM ticket_links WHERE ticket = $1 AND article = $2");
    let done = sqlx::query(&sql)
        .bind(ticket)
        .bind(article)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}

const COLUMNS: &str = "ticket, article, outcome, section, event_source, event_id, code, \
                       ticket_url, query, created_ms, updated_ms";

fn link(row: &sqlx::any::AnyRow) -> Result<Link, sqlx::Error> {
    let event_id: Option<i64> = row.try_get("event_id")?;
    Ok(Link {
        ticket: row.try_get("ticket")?,
        article: row.try_get("article")?,
        outcome: Outcome::parse(&row.try_get::<String, _>("outcome")?),
        section: row.try_get("section")?,
        event: event_id
            .and_then(|id| u32::try_from(id).ok())
            .map(|id| LinkEvent {
                source: row.try_get("event_source").ok().flatten(),
                id,
            }),
        code: row.try_get("code")?,
        ticket_url: row.try_get("ticket_url")?,
        query: row.try_get("query")?,
        created: rfc3339(row.try_get("created_ms")?),
        updated: rfc3339(row.try_get("updated_ms")?),
    })
}

/// The links of `ticket`, by article id.
pub async fn for_ticket(db: &Db, ticket: &str) -> Result<Vec<Link>, DbError> {
    let sql = db
        .sql(&format!(
            "SELECT {COLUMNS} FROM ticket_links WHERE ticket = $1 ORDER BY article"
        ))
        .into_owned();
    let rows = sqlx::query(&sql).bind(ticket).fetch_all(db.pool()).await?;
    Ok(rows.iter().map(link).collect::<Result<_, _>>()?)
}

/// What tickets say of `article`: counts by outcome, per event and per code, and the
/// links, newest first.
pub async fn for_article(db: &Db, article: &str) -> Result<ArticleTickets, DbError> {
    let sql = db
        .sql(&format!(
        "SELECT {COLUMNS} FROM ticket_links WHERE article = $1 ORDER BY updated_ms DESC, ticket"
    ))
        .into_owned();
    let rows = sqlx::query(&sql).bind(article).fetch_all(db.pool()).await?;
    let links: Vec<Link> = rows.iter().map(link).collect::<Result<_, _>>()?;
    let mut outcomes = Outcomes::default();
    let mut events: BTreeMap<LinkEvent, Outcomes> = BTreeMap::new();
    let mut codes: BTreeMap<String, Outcomes> = BTreeMap::new();
    for l in &links {
        outcomes.add(l.outcome, 1);
        if let Some(e) = &l.event {
            events.entry(e.clone()).or_default().add(l.outcome, 1);
        }
        if let Some(c) = &l.code {
            codes.entry(c.clone()).or_default().add(l.outcome, 1);
        }
    }
    Ok(ArticleTickets {
        article: article.to_owned(),
        outcomes,
        events: events
            .into_iter()
            .map(|(key, outcomes)| KeyedOutcomes { key, outcomes })
            .collect(),
        codes: codes
            .into_iter()
            .map(|(code, outcomes)| KeyedOutcomes {
                key: CodeKey { code },
                outcomes,
            })
            .collect(),
        links,
    })
}

/// An event's counts under one source as recorded (lower-cased; `None`: no source).
type SourceOutcomes = (Option<String>, Outcomes);

/// Every article's counts, and per event and code, read at once: what the server shows
/// with each hit (and refreshes every few seconds, so a link written through any server
/// sharing the database shows on all of them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutcomeTable {
    /// By article id.
    articles: HashMap<String, Outcomes>,
    /// By article id, then event ID, the source as recorded (lower-cased), if any.
    events: HashMap<String, HashMap<u32, Vec<SourceOutcomes>>>,
    /// By article id, then code.
    codes: HashMap<String, HashMap<String, Outcomes>>,
    /// The articles linked for each event ID.
    by_event: HashMap<u32, Vec<String>>,
    /// The articles linked for each code.
    by_code: HashMap<String, Vec<String>>,
}

impl OutcomeTable {
    /// Whether no link is recorded at all.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// The counts of `article`, if any ticket links it.
    pub fn article(&self, article: &str) -> Option<Outcomes> {
        self.articles.get(article).copied()
    }

    /// The counts of `article` per event (source as recorded, lower-cased), by event ID.
    pub fn article_events(&self, article: &str) -> Vec<((Option<String>, u32), Outcomes)> {
        let mut out: Vec<((Option<String>, u32), Outcomes)> = self
            .events
            .get(article)
            .into_iter()
            .flatten()
            .flat_map(|(id, per)| per.iter().map(move |(s, o)| ((s.clone(), *id), *o)))
            .collect();
        out.sort_by(|a, b| b.1.fixed.cmp(&a.1.fixed).then(a.0.cmp(&b.0)));
        out
    }

    /// How much what tickets recorded for `events` and `codes` should lift each article
    /// linked for them, in (-1, 1): `(fixed - not_fixed) / (fixed + not_fixed + 3)`, so
    /// one link lifts a little (0.25), many consistent ones approach 1, and a record of
    /// `not_fixed` lowers. Articles with no link for them are not listed.
    pub fn lifts(&self, events: &[(Option<String>, u32)], codes: &[String]) -> Vec<(String, f32)> {
        self.linked(events, codes)
            .into_iter()
            .filter_map(|(a, o)| {
                let lift = lift(o);
                (lift != 0.0).then(|| (a.to_owned(), lift))
            })
            .collect()
    }

    /// The article with the best record for `events` and `codes` (the highest lift,
    /// then the most fixes), with its counts for them; `None` when no ticket linked any.
    pub fn best(
        &self,
        events: &[(Option<String>, u32)],
        codes: &[String],
    ) -> Option<(String, Outcomes)> {
        self.linked(events, codes)
            .into_iter()
            .max_by(|(a, x), (b, y)| {
                lift(*x)
                    .total_cmp(&lift(*y))
                    .then(x.fixed.cmp(&y.fixed))
                    .then(b.cmp(a))
            })
            .map(|(a, o)| (a.to_owned(), o))
    }

    /// Each article linked for `events` or `codes`, with its counts for them.
    fn linked(&self, events: &[(Option<String>, u32)], codes: &[String]) -> Vec<(&str, Outcomes)> {
        let mut articles: Vec<&String> = events
            .iter()
            .flat_map(|(_, id)| self.by_event.get(id).into_iter().flatten())
            .chain(
                codes
                    .iter()
                    .flat_map(|c| self.by_code.get(c).into_iter().flatten()),
            )
            .collect();
        articles.sort();
        articles.dedup();
        articles
            .into_iter()
            .filter_map(|a| Some((a.as_str(), self.for_query(a, events, codes)?)))
            .collect()
    }

    /// The counts of `article` for tickets about any of `events` (ID and, when known,
    /// source: a link recorded without a source counts for every source) or any of
    /// `codes`; `None` when none of them has a link.
    pub fn for_query(
        &self,
        article: &str,
        events: &[(Option<String>, u32)],
        codes: &[String],
    ) -> Option<Outcomes> {
        let mut sum = Outcomes::default();
        let mut any = false;
        let by_event = self.events.get(article);
        for (source, id) in events {
            for (recorded, o) in by_event
                .and_then(|m| m.get(id))
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let wanted = source.as_deref().map(str::to_lowercase);
                if wanted.is_none() || recorded.is_none() || *recorded == wanted {
                    sum.fixed += o.fixed;
                    sum.not_fixed += o.not_fixed;
                    sum.related += o.related;
                    any = true;
                }
            }
        }
        let by_code = self.codes.get(article);
        for code in codes {
            if let Some(o) = by_code.and_then(|m| m.get(code)) {
                sum.fixed += o.fixed;
                sum.not_fixed += o.not_fixed;
                sum.related += o.related;
                any = true;
            }
        }
        any.then_some(sum)
    }
}

/// How much `o` lifts an article: `(fixed - not_fixed) / (fixed + not_fixed + 3)`.
fn lift(o: Outcomes) -> f32 {
    let (fixed, not_fixed) = (o.fixed as f32, o.not_fixed as f32);
    (fixed - not_fixed) / (fixed + not_fixed + 3.0)
}

/// The events a query asks about, as [`OutcomeTable`] takes them: each event ID with
/// each source named (a query naming no source asks about the ID under any source).
pub fn asked_events(event_ids: &[u32], sources: &[String]) -> Vec<(Option<String>, u32)> {
    if sources.is_empty() {
        return event_ids.iter().map(|&id| (None, id)).collect();
    }
    event_ids
        .iter()
        .flat_map(|&id| sources.iter().map(move |s| (Some(s.clone()), id)))
        .collect()
}

/// Reads the [`OutcomeTable`]: one grouped query.
pub async fn table(db: &Db) -> Result<OutcomeTable, DbError> {
    let rows = sqlx::query(
        "SELECT article, outcome, LOWER(event_source) AS source, event_id, code, COUNT(*) AS n \
         FROM ticket_links GROUP BY article, outcome, LOWER(event_source), event_id, code",
    )
    .fetch_all(db.pool())
    .await?;
    let mut t = OutcomeTable::default();
    for r in &rows {
        let article: String = r.try_get("article")?;
        let outcome = Outcome::parse(&r.try_get::<String, _>("outcome")?);
        let n = u64::try_from(r.try_get::<i64, _>("n")?).unwrap_or(0);
        t.articles
            .entry(article.clone())
            .or_default()
            .add(outcome, n);
        if let Some(id) = r
            .try_get::<Option<i64>, _>("event_id")?
            .and_then(|id| u32::try_from(id).ok())
        {
            let source: Option<String> = r.try_get("source")?;
            let linked = t.by_event.entry(id).or_default();
            if !linked.contains(&article) {
                linked.push(article.clone());
            }
            let per = t
                .events
                .entry(article.clone())
                .or_default()
                .entry(id)
                .or_default();
            match per.iter_mut().find(|(s, _)| *s == source) {
                Some((_, o)) => o.add(outcome, n),
                None => {
                    let mut o = Outcomes::default();
                    o.add(outcome, n);
                    per.push((source, o));
                }
            }
        }
        if let Some(code) = r.try_get::<Option<String>, _>("code")? {
            let linked = t.by_code.entry(code.clone()).or_default();
            if !linked.contains(&article) {
                linked.push(article.clone());
            }
            t.codes
                .entry(article)
                .or_default()
                .entry(code)
                .or_default()
                .add(outcome, n);
        }
    }
    Ok(t)
}
