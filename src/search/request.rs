//! What a search asks: the request, its limits, and why it can fail.
//!
//! [`validate`] checks a request once, naming the parameter at fault, and turns its
//! filters into the typed [`Filters`] the plan uses. Nothing here knows HTTP: the server
//! maps [`SearchError::BadRequest`] to a 400 and every other variant to a 500 whose
//! cause goes to the log.

use super::plan::Filters;
use crate::article::Date;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Most hits per page.
pub const MAX_LIMIT: usize = 100;
/// Deepest page start.
pub const MAX_OFFSET: usize = 10_000;

/// A search as the API and the command line ask for it.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The query text.
    pub q: String,
    /// Hits per page (1..=100).
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Product filter (exact name, any case).
    pub product: Option<String>,
    /// Category filter (any case).
    pub category: Option<String>,
    /// Earliest publication date, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Latest publication date, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Whether to count facets.
    pub facets: bool,
    /// Who asks: the articles they may not read are not searched, counted or
    /// suggested ([`super::access`]). Anonymous unless the caller says otherwise.
    pub reader: super::access::Reader,
}

impl SearchRequest {
    /// A request for `q` with the defaults: 10 hits, facets on.
    pub fn new(q: impl Into<String>) -> Self {
        SearchRequest {
            q: q.into(),
            limit: 10,
            offset: 0,
            product: None,
            category: None,
            from: None,
            to: None,
            facets: true,
            reader: super::access::Reader::Anonymous,
        }
    }
}

/// Why a search could not run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The caller's request is wrong: names the parameter.
    #[error("{param}: {message}")]
    BadRequest {
        /// The parameter at fault.
        param: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The index failed (a 500: the cause goes to the log, never to the caller).
    #[error("the index failed")]
    Index(#[from] tantivy::TantivyError),
    /// Reading the index's files failed.
    #[error("the index could not be read")]
    Read(#[from] std::io::Error),
    /// What kbase itself stored in the index cannot be read back.
    #[error("the index holds a damaged {what}")]
    Damaged {
        /// What was being read (`hit summary`, `article text`).
        what: &'static str,
        /// The parser's complaint, when there is one.
        #[source]
        source: Option<serde_json::Error>,
    },
    /// The highlighter for the query's words could not be built.
    #[error("the query's words cannot be highlighted")]
    Highlight(#[from] aho_corasick::BuildError),
}

impl From<SearchError> for crate::Error {
    fn from(e: SearchError) -> Self {
        crate::Error::Search(Box::new(e))
    }
}

impl SearchError {
    /// Whether the index's own data is damaged (a checksum, a compressed block, a stored
    /// summary that does not read back): the index must be rebuilt, and a retry after
    /// that will work.
    pub fn is_corruption(&self) -> bool {
        use std::io::ErrorKind::InvalidData;
        match self {
            SearchError::Damaged { .. } => true,
            SearchError::Index(tantivy::TantivyError::DataCorruption(_)) => true,
            SearchError::Index(tantivy::TantivyError::IoError(e)) => e.kind() == InvalidData,
            SearchError::Read(e) => e.kind() == InvalidData,
            _ => false,
        }
    }

    /// Whether the caller is at fault (a 4xx) rather than the server.
    pub fn is_bad_request(&self) -> bool {
        matches!(self, SearchError::BadRequest { .. })
    }
}

/// Checks the request's limits and parses its filters.
pub(crate) fn validate(req: &SearchRequest) -> Result<Filters, SearchError> {
    let bad = |param: &'static str, message: String| SearchError::BadRequest { param, message };
    let chars = req.q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(bad(
            "q",
            format!("the query is {chars} characters; the limit is {MAX_QUERY_CHARS}"),
        ));
    }
    if req.limit == 0 || req.limit > MAX_LIMIT {
        return Err(bad("limit", format!("must be from 1 to {MAX_LIMIT}")));
    }
    if req.offset > MAX_OFFSET {
        return Err(bad("offset", format!("must be at most {MAX_OFFSET}")));
    }
    let date = |param: &'static str, v: &Option<String>| -> Result<Option<i64>, SearchError> {
        v.as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| Date::parse(s).map(Date::number).map_err(|m| bad(param, m)))
            .transpose()
    };
    let lower = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
    };
    Ok(Filters {
        product: lower(&req.product),
        category: lower(&req.category),
        from: date("from", &req.from)?,
        to: date("to", &req.to)?,
    })
}
