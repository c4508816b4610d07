//! How hit summaries are stored: each one compressed on its own, against a dictionary
//! trained on the index's own summaries.
//!
//! A search reads one summary per hit (the card, the fix, the ready-made snippets), so
//! they live in a bytes fast field rather than the document store, whose blocks of many
//! documents cost a decompression of 16 KB a hit. As plain JSON the summaries of the full
//! legacy archive take 34 MB, a quarter of the index. Compressed one by one they shrink
//! little (a summary is 700 bytes), but against a 64 KB zstd dictionary of what summaries
//! have in common (their keys, the boilerplate of fixes, product names) they shrink about
//! 3.5 times, and one decodes in a few microseconds.
//!
//! The dictionary belongs to the index: it is trained once, from the first large batch
//! of summaries an index generation is given, kept in the generation's manifest, and
//! used for every summary written after it. Every stored summary starts with a tag byte,
//! so summaries written before there was a dictionary (a small first build) stay
//! readable as they are.

use std::io;
use std::sync::Mutex;

use zstd::zstd_safe::{CCtx, CDict, DCtx, DDict};

/// Tag of a summary stored as it is.
const RAW: u8 = 0;
/// Tag of a summary compressed with the index's dictionary.
const PACKED: u8 = 1;
/// zstd level: summaries are written once per article change and read per hit, and
/// higher levels made them only 6% smaller here.
const LEVEL: i32 = 3;
/// Dictionary size: 16, 32, 64 and 110 KB dictionaries packed summaries of the full
/// archive 3.4, 3.6, 3.7 and 3.7 times.
pub const DICTIONARY_BYTES: usize = 64 * 1024;
/// Fewest summaries a dictionary is trained from; a smaller batch is stored as it is.
pub const MIN_SAMPLES: usize = 1000;
/// Largest summary a stored record may decode to: more means a damaged record.
const MAX_SUMMARY_BYTES: u64 = 1 << 20;

/// Encodes and decodes the hit summaries of one index generation.
pub struct HitCodec {
    dictionary: Option<Dictionary>,
    /// Decompression contexts, reused: making one allocates about 100 KB.
    decoders: Mutex<Vec<DCtx<'static>>>,
    /// Compression contexts, reused likewise.
    encoders: Mutex<Vec<CCtx<'static>>>,
}

struct Dictionary {
    bytes: Vec<u8>,
    encoder: CDict<'static>,
    decoder: DDict<'static>,
}

impl HitCodec {
    /// A codec without a dictionary: it stores summaries as they are and reads both kinds
    /// of record only if it has a dictionary, so it is for indexes that have none yet.
    pub fn plain() -> HitCodec {
        HitCodec {
            dictionary: None,
            decoders: Mutex::new(Vec::new()),
            encoders: Mutex::new(Vec::new()),
        }
    }

    /// The codec of a dictionary kept with an index; an error when zstd cannot load it
    /// (a damaged manifest).
    pub fn with_dictionary(bytes: Vec<u8>) -> io::Result<HitCodec> {
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "hit summary dictionary");
        let encoder = CDict::try_create(&bytes, LEVEL).ok_or_else(bad)?;
        let decoder = DDict::try_create(&bytes).ok_or_else(bad)?;
        Ok(HitCodec {
            dictionary: Some(Dictionary {
                bytes,
                encoder,
                decoder,
            }),
            ..HitCodec::plain()
        })
    }

    /// Trains a dictionary from `samples` (encoded summaries); `None` when there are
    /// fewer than [`MIN_SAMPLES`] or zstd finds nothing worth a dictionary.
    pub fn train<S: AsRef<[u8]>>(samples: &[S]) -> Option<HitCodec> {
        if samples.len() < MIN_SAMPLES {
            return None;
        }
        let bytes = zstd::dict::from_samples(samples, DICTIONARY_BYTES).ok()?;
        HitCodec::with_dictionary(bytes).ok()
    }

    /// The dictionary, to keep with the index; `None` for a plain codec.
    pub fn dictionary(&self) -> Option<&[u8]> {
        self.dictionary.as_ref().map(|d| d.bytes.as_slice())
    }

    /// The record to store for the summary `json`.
    pub fn encode(&self, json: &[u8]) -> Vec<u8> {
        let raw = || {
            let mut out = Vec::with_capacity(json.len() + 1);
            out.push(RAW);
            out.extend_from_slice(json);
            out
        };
        let Some(d) = &self.dictionary else {
            return raw();
        };
        let mut cctx = pop(&self.encoders).unwrap_or_else(CCtx::create);
        // zstd writes from the start of the buffer it is given, so the tag comes after.
        let mut frame = Vec::with_capacity(zstd::zstd_safe::compress_bound(json.len()));
        let done = cctx
            .compress_using_cdict(&mut frame, json, &d.encoder)
            .is_ok();
        push(&self.encoders, cctx);
        if !done {
            return raw();
        }
        let mut out = Vec::with_capacity(frame.len() + 1);
        out.push(PACKED);
        out.extend_from_slice(&frame);
        out
    }

    /// The summary a stored `record` holds; an error for a record that is damaged or
    /// needs a dictionary this codec does not have.
    pub fn decode(&self, record: &[u8]) -> io::Result<Vec<u8>> {
        let damaged = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
        match record.split_first() {
            Some((&RAW, json)) => Ok(json.to_vec()),
            Some((&PACKED, frame)) => {
                let d = self
                    .dictionary
                    .as_ref()
                    .ok_or_else(|| damaged("hit summary packed without a dictionary"))?;
                let size = zstd::zstd_safe::get_frame_content_size(frame)
                    .ok()
                    .flatten()
                    .filter(|&n| n <= MAX_SUMMARY_BYTES)
                    .ok_or_else(|| damaged("hit summary frame"))?;
                let mut out = Vec::with_capacity(size as usize);
                let mut dctx = pop(&self.decoders).unwrap_or_else(DCtx::create);
                let result = dctx.decompress_using_ddict(&mut out, frame, &d.decoder);
                push(&self.decoders, dctx);
                match result {
                    Ok(n) if n as u64 == size => Ok(out),
                    _ => Err(damaged("hit summary frame")),
                }
            }
            _ => Err(damaged("hit summary tag")),
        }
    }
}

fn pop<T>(pool: &Mutex<Vec<T>>) -> Option<T> {
    pool.lock().ok()?.pop()
}

fn push<T>(pool: &Mutex<Vec<T>>, item: T) {
    if let Ok(mut p) = pool.lock() {
        p.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summaries(n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| {
                format!(
                    r#"{{"card":{{"id":"Q{i}","title":"Event {i} logged by the spooler service","url":"/kb/Q{i}"}},"fix":{{"section":"resolution","text":"Restart the service {} times, then apply fix number {i}."}},"lead":"When the server starts, event {i} is logged."}}"#,
                    i % 7
                )
                .into_bytes()
            })
            .collect()
    }

    #[test]
    fn packed_summaries_decode_to_what_was_encoded_and_are_smaller() {
        let samples = summaries(2000);
        let codec = HitCodec::train(&samples).expect("a dictionary");
        let dictionary = codec.dictionary().expect("kept").to_vec();
        // A codec made again from the kept dictionary reads what the first wrote.
        let again = HitCodec::with_dictionary(dictionary).expect("loads");
        let (mut raw, mut packed) = (0, 0);
        for s in &samples {
            let record = codec.encode(s);
            assert_eq!(record[0], PACKED);
            assert_eq!(&again.decode(&record).expect("decodes"), s);
            raw += s.len();
            packed += record.len();
        }
        assert!(packed * 3 < raw, "{packed} of {raw} bytes");
    }

    #[test]
    fn too_few_samples_give_no_dictionary_and_plain_records_stay_readable() {
        assert!(HitCodec::train(&summaries(MIN_SAMPLES - 1)).is_none());
        let plain = HitCodec::plain();
        let record = plain.encode(b"{\"a\":1}");
        assert_eq!(record[0], RAW);
        let trained = HitCodec::train(&summaries(MIN_SAMPLES)).expect("a dictionary");
        for codec in [&plain, &trained] {
            assert_eq!(codec.decode(&record).expect("decodes"), b"{\"a\":1}");
        }
    }

    #[test]
    fn damaged_records_are_errors_not_panics() {
        let codec = HitCodec::train(&summaries(MIN_SAMPLES)).expect("a dictionary");
        let good = codec.encode(&summaries(1)[0]);
        for bad in [
            &b""[..],
            &[9, 1, 2][..],
            &good[..good.len() / 2],
            &[PACKED][..],
        ] {
            assert!(codec.decode(bad).is_err(), "{bad:?}");
        }
        assert!(HitCodec::plain().decode(&good).is_err());
        assert!(HitCodec::with_dictionary(b"\x37\xa4\x30\xec garbage".to_vec()).is_err());
    }
}
