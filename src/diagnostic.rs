//! Located problems found in input files, shared by every reader of files.
//!
//! `kbase check`, the importer and the indexer all report problems the same way,
//! `path:line:column: severity: message`, so that editors, CI logs and people read one
//! format. Parsers produce a [`Diagnostic`] (a position inside the text they were given,
//! without knowing where it came from); the caller that read the file attaches the path
//! with [`Diagnostic::in_file`]. Nothing here does I/O.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How bad a problem is: an error makes the file unusable, a warning does not.
///
/// The distinction drives exit codes (`kbase check` exits 1 only for errors) and
/// whether an article is served at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file cannot be used as an article.
    Error,
    /// The file is usable, but something in it is probably a mistake.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem at a position inside a text, before the text's path is known.
///
/// `code` is a stable machine-readable name (`yaml-syntax`, `duplicate-id`, ...) that
/// tools can match on while the `message` stays free to improve. Lines and columns are
/// 1-based and count characters, as editors do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable kind of the problem, kebab-case.
    pub code: &'static str,
    /// What is wrong, for a person.
    pub message: String,
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column (in characters) in that line.
    pub column: usize,
}

impl Diagnostic {
    /// A problem of the given severity at `line:column`.
    pub fn new(
        severity: Severity,
        code: &'static str,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            line,
            column,
        }
    }

    /// An error at `line:column`.
    pub fn error(
        code: &'static str,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Error, code, line, column, message)
    }

    /// A warning at `line:column`.
    pub fn warning(
        code: &'static str,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, code, line, column, message)
    }

    /// True for errors, which make the file unusable.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Attaches the path of the file the text came from.
    pub fn in_file(self, path: impl Into<PathBuf>) -> FileDiagnostic {
        FileDiagnostic {
            path: path.into(),
            diagnostic: self,
        }
    }
}

/// A [`Diagnostic`] with the file it belongs to: what commands print.
///
/// Displays as `path:line:column: severity: message`, the format compilers use, so
/// editors and CI annotations can jump to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiagnostic {
    /// The file, as the user named it (relative paths stay relative).
    pub path: PathBuf,
    /// The problem inside it.
    pub diagnostic: Diagnostic,
}

impl FileDiagnostic {
    /// One JSON object, for `--format json`: the diagnostic's fields plus `file`.
    pub fn to_json(&self) -> serde_json::Value {
        let d = &self.diagnostic;
        serde_json::json!({
            "file": self.path.display().to_string(),
            "line": d.line,
            "column": d.column,
            "severity": d.severity,
            "code": d.code,
            "message": d.message,
        })
    }

    /// Sort key that keeps output stable across runs: path, then position.
    pub fn sort_key(&self) -> (&Path, usize, usize, Severity, &str) {
        let d = &self.diagnostic;
        (&self.path, d.line, d.column, d.severity, d.message.as_str())
    }
}

impl fmt::Display for FileDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.diagnostic;
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.path.display(),
            d.line,
            d.column,
            d.severity,
            d.message
        )
    }
}

/// Converts a byte offset in `bytes` (which may not be valid UTF-8) to a 1-based
/// (line, column) pair, columns counting bytes; offsets past the end are clamped.
pub fn line_col_bytes(bytes: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, offset - line_start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_positions_count_from_one() {
        assert_eq!(line_col_bytes(b"ab\ncd\xff", 0), (1, 1));
        assert_eq!(line_col_bytes(b"ab\ncd\xff", 5), (2, 3));
        assert_eq!(line_col_bytes(b"ab", 100), (1, 3));
    }

    #[test]
    fn displays_like_a_compiler() {
        let d = Diagnostic::error("yaml-syntax", 3, 7, "bad").in_file("a/b.md");
        assert_eq!(d.to_string(), "a/b.md:3:7: error: bad");
        assert_eq!(d.to_json()["severity"], "error");
    }
}
