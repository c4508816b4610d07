//! Legacy bytes to clean lines: encoding, line endings, tabs, control bytes.
//!
//! Legacy KB files are ASCII with a few Windows-1252 bytes (smart quotes, NBSP, `§`), CRLF
//! line endings and no final newline; a few hold TABs, Ctrl-Z or other C0 control bytes.
//! Everything downstream works on the lines this module returns: valid UTF-8, no control
//! characters (each becomes a space), tabs expanded to 8-column stops (so indentation-based layout detection
//! sees what a reader saw), trailing white space removed.

use std::borrow::Cow;

/// The decoded lines of a legacy file and what had to be repaired.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    /// The lines, without line endings.
    pub lines: Vec<String>,
    /// The bytes were not UTF-8 and were read as Windows-1252.
    pub windows_1252: bool,
    /// How many C0 control bytes (other than TAB, CR, LF) and DELs became spaces.
    pub controls_replaced: usize,
}

/// Decodes `bytes`: UTF-8 when valid, else Windows-1252 (every byte maps to a character;
/// the five bytes cp1252 leaves undefined map to the same code points as in Latin-1).
pub(crate) fn decode(bytes: &[u8]) -> Lines {
    let (text, windows_1252): (Cow<'_, str>, bool) = match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), false),
        Err(_) => (
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0,
            true,
        ),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut out = Lines {
        windows_1252,
        ..Lines::default()
    };
    for raw in text.split('\n') {
        if raw.bytes().all(|b| (0x20..0x7f).contains(&b) || b == b'\r') {
            // The common case: plain ASCII text, nothing to repair.
            out.lines.push(raw.trim_end().to_owned());
            continue;
        }
        let mut line = String::with_capacity(raw.len());
        let mut column = 0usize;
        for c in raw.chars() {
            match c {
                '\t' => {
                    let width = 8 - column % 8;
                    line.extend(std::iter::repeat_n(' ', width));
                    column += width;
                }
                '\r' => {}
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    // A space, not nothing: the byte may sit between two words.
                    line.push(' ');
                    column += 1;
                    out.controls_replaced += 1;
                }
                c => {
                    line.push(if c == '\u{a0}' { ' ' } else { c });
                    column += 1;
                }
            }
        }
        line.truncate(line.trim_end().len());
        out.lines.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_tabs_controls_and_cp1252() {
        let l = decode(b"a\tb\r\nx\x1a \r\n\x93quoted\x94 caf\xe9\xa0 \x81");
        assert_eq!(
            l.lines,
            ["a       b", "x", "\u{201c}quoted\u{201d} caf\u{e9}  \u{81}"]
        );
        assert!(l.windows_1252);
        assert_eq!(l.controls_replaced, 1);
        assert!(!decode("café".as_bytes()).windows_1252);
    }
}
