//! Permalinks as the server hands them out.
//!
//! The engine's answers carry relative permalinks (`/kb/Q190698#workaround`, made by
//! [`crate::article::permalink`]); where the server knows its public address
//! (`KBASE_PUBLIC_URL`), the API makes them absolute, so that a ticket system can paste
//! them as they are. Without one they stay relative: a `Host` header is the caller's
//! word, not kbase's, and is not worth echoing into stored tickets.

use crate::search::lookup::{ArticleView, EventsResponse};
use crate::search::Hit;

/// Makes permalinks absolute under a public address, or leaves them as they are.
#[derive(Debug, Clone, Copy)]
pub struct Links<'a> {
    /// The public address without a trailing `/`, when configured.
    public: Option<&'a str>,
}

impl<'a> Links<'a> {
    /// Links under `public` (`https://kb.example.com`), or relative ones for `None`.
    pub fn new(public: Option<&'a str>) -> Self {
        Links {
            public: public
                .map(|u| u.trim_end_matches('/'))
                .filter(|u| !u.is_empty()),
        }
    }

    /// `url` made absolute, when it is a path and an address is known.
    pub fn absolute(&self, url: &mut String) {
        if let Some(base) = self.public {
            if url.starts_with('/') {
                url.insert_str(0, base);
            }
        }
    }

    /// Every permalink of these hits and their fixes.
    pub fn absolute_hits(&self, hits: &mut [Hit]) {
        for h in hits {
            self.absolute(&mut h.card.url);
            if let Some(f) = &mut h.fix {
                self.absolute(&mut f.url);
            }
        }
    }

    /// Every permalink of an event's articles.
    pub fn absolute_events(&self, r: &mut EventsResponse) {
        for a in r.sources.iter_mut().flat_map(|g| g.articles.iter_mut()) {
            self.absolute(&mut a.card.url);
            if let Some(f) = &mut a.fix {
                self.absolute(&mut f.url);
            }
        }
    }

    /// Every permalink of an article: its own, its fix's, its references'.
    pub fn absolute_article(&self, v: &mut ArticleView) {
        self.absolute(&mut v.url);
        if let Some(f) = &mut v.fix {
            self.absolute(&mut f.url);
        }
        for l in v.references.iter_mut().chain(v.referenced_by.iter_mut()) {
            self.absolute(&mut l.url);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_absolute_only_under_a_public_address() {
        let mut url = "/kb/Q1#fix".to_owned();
        Links::new(None).absolute(&mut url);
        assert_eq!(url, "/kb/Q1#fix");
        Links::new(Some("https://kb.example.com/")).absolute(&mut url);
        assert_eq!(url, "https://kb.example.com/kb/Q1#fix");
        Links::new(Some("https://kb.example.com")).absolute(&mut url);
        assert_eq!(url, "https://kb.example.com/kb/Q1#fix", "already absolute");
    }
}
