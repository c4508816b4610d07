//! Any query text, run as a search (with facets, and as a second page): it is answered,
//! or refused as the caller's mistake; tantivy never rejects what the plan built, and
//! nothing panics.
#![no_main]

use kbase::search::{SearchError, SearchRequest};
use libfuzzer_sys::fuzz_target;

#[path = "engine.rs"]
mod engine;

fuzz_target!(|data: &[u8]| {
    let q = String::from_utf8_lossy(data);
    let mut request = SearchRequest::new(q.as_ref());
    request.facets = data.first().is_some_and(|b| b & 1 == 1);
    request.offset = usize::from(data.last().is_some_and(|b| b & 1 == 1));
    match engine::engine().search(&request) {
        Ok(_) | Err(SearchError::BadRequest { .. }) => {}
        Err(e) => panic!("{q:?} failed: {e:?}"),
    }
});
