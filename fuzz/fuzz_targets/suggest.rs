//! Any suggest body, as each of the three kinds the API takes (the first byte picks
//! plain text, `{"text": ...}` JSON, or Event Viewer XML): the answer is hits, or a 400
//! for a body that is not what its type says; nothing panics.
#![no_main]

use kbase::search::suggest::SuggestInput;
use kbase::search::SearchError;
use libfuzzer_sys::fuzz_target;

#[path = "engine.rs"]
mod engine;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let input = match kind % 3 {
        0 => SuggestInput::Text(String::from_utf8_lossy(body).into_owned()),
        1 => match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) => match v.get("text").and_then(|t| t.as_str()) {
                Some(text) => SuggestInput::Text(text.to_owned()),
                None => return,
            },
            Err(_) => return,
        },
        _ => match std::str::from_utf8(body) {
            Ok(xml) => SuggestInput::EventXml(xml.to_owned()),
            Err(_) => return,
        },
    };
    match engine::engine().suggest(kbase::search::Reader::Anonymous, &input, 10) {
        Ok(_) | Err(SearchError::BadRequest { .. }) => {}
        Err(e) => panic!("suggest failed: {e:?}"),
    }
});
