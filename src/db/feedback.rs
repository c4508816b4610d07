//! Readers' answers to "Did this fix it?" on an article page.
//!
//! Anyone may answer, so these are counted apart from the ticket links agents record
//! and never enter the ranking: a page anyone can post to must not be a lever on what
//! technicians see first. No client address is stored (the per-address limit lives in
//! the server's memory).

use sqlx::Row;

use super::{now_ms, Db, DbError};

/// How readers answered for one article.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Answers {
    /// "Yes, it fixed it."
    pub yes: u64,
    /// "No."
    pub no: u64,
}

/// Records one answer for `article`, with the ticket reference the reader gave, if any.
pub async fn record(
    db: &Db,
    article: &str,
    helped: bool,
    ticket: Option<&str>,
) -> Result<(), DbError> {
    let sql =
        db.sql("INSERT INTO feedback (at_ms, article, helped, ticket) VALUES ($1, $2, $3, $4)");
    sqlx::query(&sql)
        .bind(now_ms())
        .bind(article)
        .bind(i64::from(helped))
        .bind(ticket.map(str::to_owned))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The answers recorded for `article`.
pub async fn answers(db: &Db, article: &str) -> Result<Answers, DbError> {
    let sql =
        db.sql("SELECT helped, COUNT(*) AS n FROM feedback WHERE article = $1 GROUP BY helped");
    let rows = sqlx::query(&sql).bind(article).fetch_all(db.pool()).await?;
    let mut a = Answers::default();
    for r in &rows {
        let n = u64::try_from(r.try_get::<i64, _>("n")?).unwrap_or(0);
        if r.try_get::<i64, _>("helped")? == 1 {
            a.yes += n;
        } else {
            a.no += n;
        }
    }
    Ok(a)
}
