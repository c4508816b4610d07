//! Query-string parameters: decoded once, read by name, and turned into the engine's
//! requests the same way for the API and the pages.
//!
//! Query strings are read by hand rather than through serde so that every mistake is a
//! 400 naming the parameter, and invalid UTF-8 is decoded leniently. [`FILTERS`] is the
//! one list of the filters a search takes; the API, the pages and their pagination links
//! all read it.

use super::error::ApiError;
use crate::search::{SearchRequest, MAX_OFFSET};

/// The filters a search takes besides its query, by parameter name.
pub const FILTERS: [&str; 4] = ["product", "category", "from", "to"];

/// The parameters of a query string, decoded leniently (invalid UTF-8 becomes U+FFFD).
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Decodes a raw query string (`None`: no query string).
    pub fn parse(raw: Option<&str>) -> Params {
        Params(
            form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name` in any case (`EvtID`, `evtid`).
    pub fn get_ignore_case(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, owned.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    /// A whole number in `min..=max`, `default` when absent or empty.
    pub fn number(
        &self,
        name: &str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, ApiError> {
        match self.get(name).map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_parameter(
                        name,
                        format!(
                            "must be a whole number from {min} to {max}, not `{}`",
                            clip(v)
                        ),
                    )
                }),
        }
    }

    /// Whether any of the [`FILTERS`] is given with a value.
    pub fn filtered(&self) -> bool {
        FILTERS
            .iter()
            .any(|n| self.get(n).is_some_and(|v| !v.is_empty()))
    }

    /// The filters given, as `name: value` for people ("product: Exchange").
    pub fn filter_text(&self) -> String {
        FILTERS
            .iter()
            .filter_map(|n| {
                self.get(n)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{n}: {v}"))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The search these parameters ask for: `q`, `offset` and the [`FILTERS`], with
    /// `limit` hits (the API reads it from its `limit` parameter, a page has its own).
    pub fn search_request(&self, limit: usize) -> Result<SearchRequest, ApiError> {
        let mut req = SearchRequest::new(self.text("q").unwrap_or_default());
        req.limit = limit;
        req.offset = self.number("offset", 0, 0, MAX_OFFSET)?;
        let [product, category, from, to] = FILTERS.map(|n| self.text(n));
        req.product = product;
        req.category = category;
        req.from = from;
        req.to = to;
        Ok(req)
    }

    /// A link to `base` with the same query and filters, starting at hit `offset`.
    pub fn page_url(&self, base: &str, offset: usize) -> String {
        let mut url = form_urlencoded::Serializer::new(String::new());
        for name in std::iter::once("q").chain(FILTERS) {
            if let Some(v) = self.get(name) {
                url.append_pair(name, v);
            }
        }
        if offset > 0 {
            url.append_pair("offset", &offset.to_string());
        }
        format!("{base}?{}", url.finish())
    }
}

/// At most 40 characters of a caller's value, for error messages.
pub fn clip(v: &str) -> String {
    match v.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &v[..i]),
        None => v.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_request_reads_the_query_the_offset_and_every_filter() {
        let p = Params::parse(Some(
            "q=event+5058&offset=20&product=Exchange&category=kms&from=1999-01-01&to=2000-12-31",
        ));
        let r = p.search_request(7).unwrap();
        assert_eq!((r.q.as_str(), r.limit, r.offset), ("event 5058", 7, 20));
        assert_eq!(r.product.as_deref(), Some("Exchange"));
        assert_eq!(r.category.as_deref(), Some("kms"));
        assert_eq!(r.from.as_deref(), Some("1999-01-01"));
        assert_eq!(r.to.as_deref(), Some("2000-12-31"));
        assert!(p.filtered());
        assert_eq!(
            p.page_url("/search", 30),
            "/search?q=event+5058&product=Exchange&category=kms&from=1999-01-01&to=2000-12-31&offset=30"
        );
    }

    #[test]
    fn a_bad_offset_names_the_parameter() {
        let e = Params::parse(Some("offset=x"))
            .search_request(10)
            .unwrap_err();
        assert_eq!(e.code, "bad_parameter");
        assert!(e.detail.starts_with("offset:"), "{}", e.detail);
    }
}
