//! The bytes of an article file to text, refusing what is not text.
//!
//! Article files are UTF-8. A UTF-8 byte-order mark and CRLF line endings are accepted
//! (editors on Windows write them); invalid UTF-8, NUL and other control bytes are
//! errors that name the byte offset, because such a file is almost always a mistake
//! (a binary file, a wrong encoding) and guessing would corrupt its text silently.

use crate::diagnostic::{line_col_bytes, Diagnostic};

/// Decodes an article file: strips a BOM, checks UTF-8 and control bytes, turns CRLF
/// into LF (line numbers do not change).
pub fn decode(bytes: &[u8]) -> Result<String, Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let (line, column) = line_col_bytes(bytes, at);
        Diagnostic::error(
            "not-utf8",
            line,
            column,
            format!("invalid UTF-8 at byte offset {at}: article files must be UTF-8"),
        )
    })?;
    if let Some(at) = text
        .bytes()
        .position(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
    {
        let (line, column) = line_col_bytes(bytes, at);
        let what = match bytes[at] {
            0 => "a NUL byte".to_owned(),
            b => format!("the control character U+{b:04X}"),
        };
        return Err(Diagnostic::error(
            "control-character",
            line,
            column,
            format!("{what} at byte offset {at}: article files must be text"),
        ));
    }
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_bom_and_crlf() {
        assert_eq!(
            decode(b"\xEF\xBB\xBF---\r\nid: a\r\n").unwrap(),
            "---\nid: a\n"
        );
    }

    #[test]
    fn refuses_bad_bytes_with_their_offset() {
        let e = decode(b"ab\ncd\xFFe").unwrap_err();
        assert_eq!((e.code, e.line, e.column), ("not-utf8", 2, 3));
        assert_eq!(
            e.message,
            "invalid UTF-8 at byte offset 5: article files must be UTF-8"
        );
        let e = decode(b"a\nb\0").unwrap_err();
        assert_eq!((e.code, e.line, e.column), ("control-character", 2, 2));
        assert!(e.message.starts_with("a NUL byte at byte offset 3"));
        assert_eq!(decode(b"\x1a").unwrap_err().code, "control-character");
    }
}
