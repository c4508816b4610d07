//! Lookups that are not ranked searches: one article by id (with its references and
//! back-references), and every article naming one event ID, grouped by source.
//!
//! Both read only the index: the article's text is the version that was indexed, so an
//! edit that broke the file on disk leaves the last good version readable, and an id from
//! a URL never becomes a file path. Nothing here knows HTTP.

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query};
use tantivy::schema::{Field, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::access::{Hidden, Reader};
use super::plan::term_match;
use super::{Card, Engine, Fix, SearchError};
use crate::article::{self, Article, FrontMatter, SectionKind};
use crate::index::document::references;

/// Most back-references listed for one article.
pub const MAX_BACK_REFERENCES: usize = 200;
/// Most articles listed for one event ID.
pub const MAX_EVENT_ARTICLES: usize = 500;

/// A link to another article, with its title when kbase has it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ArticleLink {
    /// Article id.
    pub id: String,
    /// Title, `None` for an id kbase does not hold.
    pub title: Option<String>,
    /// Permalink.
    pub url: String,
}

/// One section as the article API returns it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SectionView {
    /// Anchor, for `/kb/{id}#{anchor}` links.
    pub id: String,
    /// What the section is for.
    pub kind: SectionKind,
    /// Heading as written.
    pub heading: String,
    /// Markdown as written.
    pub markdown: String,
    /// Sanitised HTML.
    pub html: String,
}

/// A whole article: the `GET /api/v1/articles/{id}` response and what the article page
/// shows.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleView {
    /// Every front matter field.
    #[serde(flatten)]
    pub front: FrontMatter,
    /// Permalink.
    pub url: String,
    /// The section that fixes the problem, when there is one.
    pub fix: Option<Fix>,
    /// Sections in order.
    pub sections: Vec<SectionView>,
    /// Articles this one points to (`see_also`, then ids named in the text).
    pub references: Vec<ArticleLink>,
    /// Articles that point to this one.
    pub referenced_by: Vec<ArticleLink>,
}

/// An article listed under an event.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventArticle {
    /// Id, title, permalink, product, date, events.
    #[serde(flatten)]
    pub card: Card,
    /// Where it names the event ID, HTML with the ID marked (the start of the article
    /// when only its front matter names it).
    pub snippet: String,
    /// The fix, inline.
    pub fix: Option<Fix>,
}

/// The articles naming an event ID with one source (or with none named).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventGroup {
    /// The event source, `None` for articles that name the ID without a source.
    pub source: Option<String>,
    /// Articles, strongest first (ID in the title, then in the front matter, then text).
    pub articles: Vec<EventArticle>,
}

/// The `GET /api/v1/events/{event_id}` response.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventsResponse {
    /// The event ID asked for.
    pub event_id: u32,
    /// The source asked for, if any.
    pub source: Option<String>,
    /// Articles matching in all (the groups list at most [`MAX_EVENT_ARTICLES`]).
    pub total: usize,
    /// Groups by source: the largest first, articles without a source last.
    pub sources: Vec<EventGroup>,
}

fn stored(doc: &TantivyDocument, field: Field) -> &str {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("")
}

impl Engine {
    /// Articles naming event `id` from `source` in their front matter or text, under
    /// any spelling or alias of the source.
    fn any_source_event(&self, source: &str, id: u32) -> Box<dyn Query> {
        let f = &self.index.fields;
        let terms: Vec<(Occur, Box<dyn Query>)> = self
            .source_event_keys(source, id)
            .iter()
            .map(|k| (Occur::Should, term_match(f.source_event, k)))
            .collect();
        Box::new(BooleanQuery::new(terms))
    }

    /// Where the article with this id (any case) is, `None` when there is none or it is
    /// `hidden`.
    pub(crate) fn find_id(
        &self,
        searcher: &Searcher,
        id: &str,
        hidden: Option<&Hidden>,
    ) -> Result<Option<DocAddress>, SearchError> {
        let q = term_match(self.index.fields.id_key, &id.to_ascii_lowercase());
        let top = searcher.search(&q, &TopDocs::with_limit(1).order_by_score())?;
        Ok(top
            .first()
            .map(|(_, a)| *a)
            .filter(|a| hidden.is_none_or(|h| !h.contains(searcher, *a))))
    }

    /// Whether any article names the event `event_id` (from `source`, when given: in its
    /// front matter) or, with `event_id` `None`, the code `code`: what tells a search
    /// that found only other articles (by its words) from one that found the answer.
    pub fn names(
        &self,
        reader: Reader,
        event_id: Option<u32>,
        source: Option<&str>,
        code: Option<&str>,
    ) -> Result<bool, SearchError> {
        self.check_fault()?;
        let f = &self.index.fields;
        let query: Box<dyn Query> = match (event_id, code) {
            (Some(id), _) => {
                let event = id;
                let id = id.to_string();
                match source.map(str::trim).filter(|s| !s.is_empty()) {
                    Some(s) => self.any_source_event(s, event),
                    None => term_match(f.event_any, &id),
                }
            }
            (None, Some(c)) => term_match(f.code_any, &c.to_lowercase()),
            (None, None) => return Ok(false),
        };
        let searcher = self.index.reader.searcher();
        let query = match self.hidden_for(reader, &searcher)? {
            Some(h) => h.restrict(query),
            None => query,
        };
        Ok(searcher.search(&query, &Count)? > 0)
    }

    /// The id as the article writes it, for an id in any case; `None` when no article has
    /// it. Cheaper than [`Engine::article`]: nothing is parsed or rendered.
    pub fn canonical_id(&self, reader: Reader, id: &str) -> Result<Option<String>, SearchError> {
        self.check_fault()?;
        if !article::is_valid_id(id) {
            return Ok(None);
        }
        let searcher = self.index.reader.searcher();
        let hidden = self.hidden_for(reader, &searcher)?;
        let Some(at) = self.find_id(&searcher, id, hidden.as_deref())? else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(at)?;
        Ok(Some(stored(&doc, self.index.fields.id).to_owned()))
    }

    /// The indexed text of the article with this id (any case) and the article parsed
    /// from it: what the `.md` and `.txt` renditions need, without the HTML and the
    /// references of [`Engine::article`].
    pub fn article_text(
        &self,
        reader: Reader,
        id: &str,
    ) -> Result<Option<(String, Article)>, SearchError> {
        self.check_fault()?;
        let searcher = self.index.reader.searcher();
        let hidden = self.hidden_for(reader, &searcher)?;
        Ok(self
            .indexed(&searcher, id, hidden.as_deref())?
            .map(|(_, source, article)| (source, article)))
    }

    /// Where the article with this id is, its indexed text, and the article parsed from
    /// it; `None` for an id that is not valid or not indexed.
    fn indexed(
        &self,
        searcher: &Searcher,
        id: &str,
        hidden: Option<&Hidden>,
    ) -> Result<Option<(DocAddress, String, Article)>, SearchError> {
        if !article::is_valid_id(id) {
            return Ok(None);
        }
        let Some(at) = self.find_id(searcher, id, hidden)? else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(at)?;
        let source = stored(&doc, self.index.fields.text).to_owned();
        let article = article::parse(&source)
            .article
            .ok_or(SearchError::Damaged {
                what: "article text",
                source: None,
            })?;
        Ok(Some((at, source, article)))
    }

    /// The article with this id (any case), `None` when there is none. An id that is not
    /// a valid article id is simply not found.
    pub fn article(&self, reader: Reader, id: &str) -> Result<Option<ArticleView>, SearchError> {
        self.check_fault()?;
        let searcher = self.index.reader.searcher();
        let hidden = self.hidden_for(reader, &searcher)?;
        let Some((at, _, article)) = self.indexed(&searcher, id, hidden.as_deref())? else {
            return Ok(None);
        };
        let summary = self.summary(at)?;
        let mut refs = Vec::new();
        for r in references(&article) {
            // An article the reader may not see is named as one kbase does not hold.
            let title = match self.find_id(&searcher, &r, hidden.as_deref())? {
                Some(at) => Some(self.summary(at)?.card.title),
                None => None,
            };
            refs.push(ArticleLink {
                url: article::permalink(&r, None),
                id: r,
                title,
            });
        }
        let back = term_match(self.index.fields.refs, &article.id().to_ascii_lowercase());
        let back = match &hidden {
            Some(h) => h.restrict(back),
            None => back,
        };
        let mut referenced_by = Vec::new();
        for (_, at) in searcher.search(&back, &self.order.ranked(MAX_BACK_REFERENCES, &None))? {
            let card = self.summary(at)?.card;
            referenced_by.push(ArticleLink {
                id: card.id,
                title: Some(card.title),
                url: card.url,
            });
        }
        referenced_by.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Some(ArticleView {
            front: article.front.clone(),
            url: article::permalink(article.id(), None),
            fix: Fix::of(&summary),
            sections: article
                .sections
                .iter()
                .map(|s| SectionView {
                    id: s.anchor.clone(),
                    kind: s.kind,
                    heading: s.heading.clone(),
                    markdown: s.markdown.clone(),
                    html: s.html(),
                })
                .collect(),
            references: refs,
            referenced_by,
        }))
    }

    /// The articles naming `event_id` (only with `source`, when given), grouped by source.
    pub fn events(
        &self,
        reader: Reader,
        event_id: u32,
        source: Option<&str>,
    ) -> Result<EventsResponse, SearchError> {
        self.check_fault()?;
        let f = &self.index.fields;
        let id = event_id.to_string();
        let tier = |field: Field, score: f32| -> (Occur, Box<dyn Query>) {
            (
                Occur::Should,
                Box::new(ConstScoreQuery::new(term_match(field, &id), score)),
            )
        };
        let any: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
            tier(f.event_title, 3.0),
            tier(f.event_meta, 2.0),
            tier(f.event_any, 1.0),
        ]));
        let source = source.map(str::trim).filter(|s| !s.is_empty());
        let query: Box<dyn Query> = match source {
            Some(s) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, any),
                (Occur::Must, self.any_source_event(s, event_id)),
            ])),
            None => any,
        };
        let searcher = self.index.reader.searcher();
        let query = match self.hidden_for(reader, &searcher)? {
            Some(h) => h.restrict(query),
            None => query,
        };
        let (top, total) = searcher.search(
            &query,
            &(self.order.ranked(MAX_EVENT_ARTICLES, &None), Count),
        )?;
        // Grouped by source whatever its spelling or alias; each group is shown under
        // the spelling most of its articles use.
        let mut groups: BTreeMap<Option<String>, Vec<EventArticle>> = BTreeMap::new();
        let mut spellings: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        let wanted = source.map(|s| self.source_group(s));
        for (_, at) in top {
            let summary = self.summary(at)?;
            let mut sources: Vec<Option<String>> = Vec::new();
            for e in &summary.card.events {
                let Some(written) = e.source.as_deref().filter(|_| e.id == event_id) else {
                    continue;
                };
                let group = self.source_group(written);
                if group.is_empty() || wanted.as_ref().is_some_and(|w| *w != group) {
                    continue;
                }
                *spellings
                    .entry(group.clone())
                    .or_default()
                    .entry(written.to_owned())
                    .or_default() += 1;
                if !sources.contains(&Some(group.clone())) {
                    sources.push(Some(group));
                }
            }
            if let (Some(s), Some(w)) = (source, &wanted) {
                if sources.is_empty() {
                    spellings
                        .entry(w.clone())
                        .or_default()
                        .entry(s.to_owned())
                        .or_default();
                    sources.push(Some(w.clone()));
                }
            }
            if sources.is_empty() {
                sources.push(None);
            }
            let snippet = summary
                .event_snippets
                .iter()
                .find(|s| s.id == event_id)
                .map_or_else(|| summary.lead.clone(), |s| s.html.clone());
            let entry = EventArticle {
                fix: Fix::of(&summary),
                snippet,
                card: summary.card,
            };
            for s in sources {
                groups.entry(s).or_default().push(entry.clone());
            }
        }
        let shown = |group: String| -> String {
            spellings
                .get(&group)
                .and_then(|names| {
                    names
                        .iter()
                        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                        .map(|(name, _)| name.clone())
                })
                .unwrap_or(group)
        };
        let mut sources: Vec<EventGroup> = groups
            .into_iter()
            .map(|(source, articles)| EventGroup {
                source: source.map(&shown),
                articles,
            })
            .collect();
        sources.sort_by(|a, b| {
            (a.source.is_none(), std::cmp::Reverse(a.articles.len()))
                .cmp(&(b.source.is_none(), std::cmp::Reverse(b.articles.len())))
        });
        Ok(EventsResponse {
            event_id,
            source: source.map(str::to_owned),
            total,
            sources,
        })
    }
}
