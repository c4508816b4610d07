//! Any bytes as an article file: parsed into an article or into located diagnostics,
//! and a parsed article renders to HTML and plain text; nothing panics.
#![no_main]

use kbase::article::{self, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = article::parse_bytes(data);
    for d in &parsed.diagnostics {
        let _ = d.clone().in_file("fuzz.md").to_string();
    }
    if let Some(a) = parsed.article {
        let _ = a.fix();
        for section in &a.sections {
            let _ = render::to_html(&section.markdown);
            let _ = render::to_text(&section.markdown);
        }
    }
});
