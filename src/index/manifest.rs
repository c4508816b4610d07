//! What the index holds, per article file: the manifest stored in each commit.
//!
//! Each commit names its manifest: the manifest is written to `manifest-<opstamp>.json.zst`
//! beside the index *before* the commit, and the commit's payload is that file name, so
//! the index and the record of which file versions it holds can never disagree. A
//! `kill -9` leaves either the old commit naming the old manifest or the new commit
//! naming the new one (a manifest written for a commit that never happened is just an
//! unused file, removed later). Keys are short because the manifest of 50,000 articles
//! is read at every start.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// zstd level of the manifest: 3 and 9 differed by a tenth of its size.
const MANIFEST_LEVEL: i32 = 3;

/// The state of the index with respect to the articles folder.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// [`super::schema::SCHEMA_VERSION`] of the index that holds this manifest.
    #[serde(rename = "schema")]
    pub schema_version: u32,
    /// One entry per article file, by path relative to the articles folder (`/`-separated).
    pub files: BTreeMap<String, Entry>,
    /// The dictionary the index's hit summaries are packed with ([`super::hits`]), once
    /// one was trained: kept here so that it can never be out of step with the commit.
    #[serde(
        rename = "d",
        default,
        skip_serializing_if = "Option::is_none",
        with = "base64_bytes"
    )]
    pub hit_dictionary: Option<Vec<u8>>,
}

/// Bytes as one base64 string in the manifest's JSON (a third longer, where a list of
/// numbers would be nearly four times as long).
mod base64_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    const CODEC: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => s.serialize_str(&CODEC.encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| CODEC.decode(text).map_err(serde::de::Error::custom))
            .transpose()
    }
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
    /// Id of the version in the index (or last parsed) as written, empty if none.
    #[serde(rename = "i", default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Line of `id:` in that version, for the duplicate-id error.
    #[serde(rename = "n", default)]
    pub line: usize,
    /// Whether a document for this file is in the index.
    #[serde(rename = "a", default)]
    pub active: bool,
    /// Whether the current content is unusable (the file is read again, and its errors
    /// reported, on every update until it is mended).
    #[serde(rename = "b", default)]
    pub broken: bool,
}

impl Manifest {
    /// The file name of the manifest of the commit with `opstamp`.
    pub fn file_name(opstamp: u64) -> String {
        format!("manifest-{opstamp}.json.zst")
    }

    /// Writes the manifest for the commit with `opstamp` into `dir`, durably; returns the
    /// file name to put in the commit's payload. The JSON is zstd-compressed: the
    /// manifest of the full legacy archive is 5.8 MB as text and 1.3 MB compressed, and
    /// compressing or reading it back takes milliseconds.
    pub fn write(&self, dir: &Path, opstamp: u64) -> std::io::Result<String> {
        let name = Self::file_name(opstamp);
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        let packed = zstd::bulk::compress(&json, MANIFEST_LEVEL)?;
        let mut f = std::fs::File::create(dir.join(&name))?;
        f.write_all(&packed)?;
        f.sync_all()?;
        Ok(name)
    }

    /// Reads the manifest a commit payload names; `None` when it is missing or unreadable.
    /// A name without `.zst` is plain JSON.
    pub fn read(dir: &Path, payload: Option<&str>) -> Option<Manifest> {
        let name = payload?;
        if !name.starts_with("manifest-") || name.contains(['/', '\\']) {
            return None;
        }
        let bytes = std::fs::read(dir.join(name)).ok()?;
        let json = if name.ends_with(".zst") {
            zstd::stream::decode_all(bytes.as_slice()).ok()?
        } else {
            bytes
        };
        serde_json::from_slice(&json).ok()
    }

    /// Removes the manifests of other commits from `dir`.
    pub fn remove_others(dir: &Path, keep: &str) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("manifest-") && name != keep {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
