//! Keys derived from `KITDESK_SECRET_KEY`. Each purpose gets its own key (HMAC-SHA256 of the
//! master secret and a label) so that, say, the passport blind index can never be used to
//! decrypt a passport number.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

pub struct Secrets {
    /// Key of the AEAD that encrypts passport numbers at rest.
    pub passport_encryption: [u8; 32],
    /// Key of the HMAC blind index that spots the same passport filed twice.
    pub passport_index: [u8; 32],
    /// Key of signatures on forms (CSRF tokens) and other short-lived tokens.
    pub signing: [u8; 32],
    /// Key of the audit chain's HMAC links and of the anchors of its head.
    pub audit_chain: [u8; 32],
    /// Key from which each document's encryption key is derived (with its id).
    pub document_encryption: [u8; 32],
    /// Key of the AEAD that encrypts TOTP secrets at rest, and of the HMAC over recovery
    /// codes (a copy of the database alone cannot test guesses against them).
    pub second_factor: [u8; 32],
    /// Seed of the Ed25519 key that signs the desk's confirmations (`service::confirmation`).
    /// HKDF-SHA256 rather than the HMAC labels above: it becomes a public key that officers'
    /// tools hold, so it follows the standard extract-and-expand derivation.
    pub confirmation_seed: [u8; 32],
}

impl Secrets {
    pub fn derive(master: &[u8]) -> Self {
        Secrets {
            passport_encryption: subkey(master, b"kitdesk/passport-encryption/v1"),
            passport_index: subkey(master, b"kitdesk/passport-index/v1"),
            signing: subkey(master, b"kitdesk/signing/v1"),
            document_encryption: subkey(master, b"kitdesk/document-encryption/v1"),
            audit_chain: subkey(master, b"kitdesk/audit-chain/v1"),
            second_factor: subkey(master, b"kitdesk/second-factor/v1"),
            confirmation_seed: hkdf_sha256(master, b"kitdesk/confirmation-signing/ed25519/v1"),
        }
    }
}

fn subkey(master: &[u8], label: &[u8]) -> [u8; 32] {
    hmac_sha256(master, label)
}

/// HKDF-SHA256 (RFC 5869) of the master secret with a fixed salt and `info`.
fn hkdf_sha256(master: &[u8], info: &[u8]) -> [u8; 32] {
    let mut okm = [0u8; 32];
    // 32 bytes is far below HKDF-SHA256's limit of 255 × 32, so `expand` cannot fail.
    let _ = hkdf::Hkdf::<Sha256>::new(Some(b"kitdesk"), master).expand(info, &mut okm);
    okm
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0u8; 32],
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_get_distinct_keys() {
        let s = Secrets::derive(b"a master secret of enough length!!");
        assert_ne!(s.passport_encryption, s.passport_index);
        assert_ne!(s.passport_index, s.signing);
        assert_ne!(s.confirmation_seed, s.signing);
        assert_ne!(
            s.confirmation_seed,
            Secrets::derive(b"another master secret of enough length").confirmation_seed
        );
        let again = Secrets::derive(b"a master secret of enough length!!");
        assert_eq!(s.passport_index, again.passport_index);
    }
}
