//! The one way kbase makes and keeps a bearer secret (API tokens, session cookies).
//!
//! Both are 32 random bytes from the operating system, written as URL-safe base64, of
//! which only the SHA-256 is stored: a copy of the database then opens no door. Keeping
//! the making and the hashing here means a change to either (more bytes, another hash)
//! reaches every kind of secret at once.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A new secret: 32 random bytes as 43 characters of URL-safe base64 without padding.
pub(crate) fn make() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The hash kept of `secret`: SHA-256, lower-case hex.
pub(crate) fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_new_each_time_and_hash_to_sha256_hex() {
        let (a, b) = (make().unwrap(), make().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
