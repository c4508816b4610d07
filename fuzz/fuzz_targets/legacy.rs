//! Any bytes as a legacy KB text file: converted, or refused with a message; and what
//! is converted is an article that parses with no error (what `kbase import` promises
//! of each file it writes).
#![no_main]

use kbase::article;
use kbase::diagnostic::Diagnostic;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(conversion) = kbase::legacy::convert(data, "fuzz.txt") {
        let parsed = article::parse(&conversion.file);
        let errors: Vec<String> = parsed
            .diagnostics
            .iter()
            .filter(|d| Diagnostic::is_error(d))
            .map(|d| d.clone().in_file("fuzz.md").to_string())
            .collect();
        assert!(
            parsed.article.is_some() && errors.is_empty(),
            "the converted file does not parse: {errors:?}\n{}",
            conversion.file
        );
    }
});
