//! What the index holds, per article file: the manifest stored in each commit.
//!
//! The manifest travels inside the tantivy commit (its payload), so the index and the
//! record of which file versions it holds can never disagree: a `kill -9` leaves either
//! the old commit with the old manifest or the new commit with the new one. Keys are
//! short because the manifest of 50,000 articles is read at every start.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The state of the index with respect to the articles folder.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// [`super::schema::SCHEMA_VERSION`] of the index that holds this manifest.
    #[serde(rename = "schema")]
    pub schema_version: u32,
    /// One entry per article file, by path relative to the articles folder (`/`-separated).
    pub files: BTreeMap<String, Entry>,
}

/// One article file as last seen.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// File size in bytes.
    #[serde(rename = "l")]
    pub len: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    #[serde(rename = "m")]
    pub mtime_ns: u64,
    /// xxh3 hash of the content last read.
    #[serde(rename = "h")]
    pub hash: u64,
    /// Lower-cased id of the version in the index (or last parsed), empty if none.
    #[serde(rename = "i", default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Whether a document for this file is in the index.
    #[serde(rename = "a", default)]
    pub active: bool,
    /// Why the current content is not indexed (`line:col: error: message`), if it is not.
    #[serde(rename = "e", default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl Manifest {
    /// Serialises for a commit payload.
    pub fn to_payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a commit payload; `None` when it is missing or not a manifest.
    pub fn from_payload(payload: Option<&str>) -> Option<Manifest> {
        serde_json::from_str(payload?).ok()
    }
}
