//! Password hashing: argon2id with m = 19456 KiB, t = 2, p = 1 (OWASP's first choice). Both
//! calls take tens of milliseconds of CPU: call them from blocking threads only.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use super::ServiceError;
use crate::domain::Password;

pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn hasher() -> Result<Argon2<'static>, ServiceError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .map_err(|e| ServiceError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt.
pub fn hash(password: &Password) -> Result<String, ServiceError> {
    hasher()?
        .hash_password(password.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("argon2 hash: {e}")))
}

/// True when `password` matches `phc`. A malformed stored hash counts as no match.
pub fn verify(password: &str, phc: &str) -> bool {
    match hasher() {
        Ok(h) => h.verify_password(password.as_bytes(), phc).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the e-mail address is unknown so that
/// "no such user" costs the same time as "wrong password".
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let random = format!("decoy-{}", uuid::Uuid::new_v4());
    Password::parse(&random)
        .ok()
        .and_then(|p| hash(&p).ok())
        .unwrap_or_default()
});

pub fn verify_decoy(password: &str) {
    let _ = verify(password, &DECOY_HASH);
}

/// Computes the decoy hash ahead of the first login, so that login's timing is even from
/// the first request.
pub fn warm_up() {
    LazyLock::force(&DECOY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_the_required_parameters_and_verifies() {
        let pw = Password::parse("correct horse battery").unwrap();
        let phc = hash(&pw).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("correct horse batterz", &phc));
        assert!(!verify("anything", "not a hash"));
    }
}
