//! Passport numbers at rest: encrypted with XChaCha20-Poly1305 (random 192-bit nonce, the
//! case id as associated data so a ciphertext cannot be moved to another case), plus an
//! HMAC-SHA256 blind index that lets the desk spot one passport filed twice without
//! decrypting anything.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::secrets::{hmac_sha256, Secrets};
use super::ServiceError;
use crate::domain::worker::normalize_passport;

pub fn encrypt(secrets: &Secrets, case_id: &str, passport: &str) -> Result<String, ServiceError> {
    let cipher = XChaCha20Poly1305::new((&secrets.passport_encryption).into());
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: normalize_passport(passport).as_bytes(),
                aad: case_id.as_bytes(),
            },
        )
        .map_err(|_| ServiceError::Internal("passport encryption failed".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ciphertext);
    Ok(base64::engine::general_purpose::STANDARD.encode(out))
}

pub fn decrypt(secrets: &Secrets, case_id: &str, stored: &str) -> Result<String, ServiceError> {
    let fail = || ServiceError::Internal("passport decryption failed (wrong key?)".into());
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(stored)
        .map_err(|_| fail())?;
    if bytes.len() < 24 {
        return Err(fail());
    }
    let (nonce, ciphertext) = bytes.split_at(24);
    let cipher = XChaCha20Poly1305::new((&secrets.passport_encryption).into());
    let plain = cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: case_id.as_bytes(),
            },
        )
        .map_err(|_| fail())?;
    String::from_utf8(plain).map_err(|_| fail())
}

pub fn blind_index(secrets: &Secrets, passport: &str) -> String {
    hex::encode(hmac_sha256(
        &secrets.passport_index,
        normalize_passport(passport).as_bytes(),
    ))
}

/// The last four characters, all that lists show.
pub fn last4(passport: &str) -> String {
    let n = normalize_passport(passport);
    let skip = n.chars().count().saturating_sub(4);
    n.chars().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_bound_to_the_case() {
        let s = Secrets::derive(b"0123456789abcdef0123456789abcdef");
        let c = encrypt(&s, "case-1", "m 1234 5678").unwrap();
        assert!(!c.contains("M12345678"));
        assert_eq!(decrypt(&s, "case-1", &c).unwrap(), "M12345678");
        assert!(decrypt(&s, "case-2", &c).is_err());
        let other = Secrets::derive(b"another key that is long enough!!");
        assert!(decrypt(&other, "case-1", &c).is_err());
    }

    #[test]
    fn index_ignores_formatting_and_last4() {
        let s = Secrets::derive(b"0123456789abcdef0123456789abcdef");
        assert_eq!(blind_index(&s, "m1234-5678"), blind_index(&s, "M12345678"));
        assert_ne!(blind_index(&s, "M12345678"), blind_index(&s, "M12345679"));
        assert_eq!(last4("M1234-5678"), "5678");
    }
}
