//! The second factor: TOTP authenticators (RFC 6238: SHA-1, 6 digits, 30-second steps, one
//! step of clock skew either way) with ten single-use recovery codes, and the sign-in step
//! that asks for a code after the password.
//!
//! - Enrolment is two steps: [`start_totp`] gives the secret (and an `otpauth://` URI for
//!   the authenticator app); [`confirm_totp`] takes a first code and answers with the
//!   recovery codes, which are shown once.
//! - A code is taken once: the step it belongs to is recorded, and no code of that step or
//!   an earlier one is accepted again (no replay within the window).
//! - Secrets are encrypted at rest (XChaCha20-Poly1305, the user id as associated data);
//!   recovery codes are stored as HMAC-SHA256 under a server key.
//! - [`DeskMfa::Required`]: a staff account (officer, supervisor, administrator) without a
//!   factor can do nothing but enrol (the HTTP extractors enforce it).
//! - An administrator removes a user's factor with a reason ([`reset`]), audited.
//!
//! Codes are throttled by the HTTP layer (`throttle::AccountThrottle::check_code`).

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::Duration;
use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use totp_rs::{Algorithm, TOTP};
use uuid::Uuid;

use super::accounts::{self, new_token, token_hash, AuthUser, NewSession};
use super::secrets::hmac_sha256;
use super::{audit, AppContext, FieldError, ServiceError};
use crate::db::second_factor::{self as factors, ChallengeRow, RecoveryCodeRow, TotpRow};
use crate::db::{self as database, sessions, users, DbConnection};
use crate::domain::{time, Role};

/// How long the client has, after the password, to give the code.
pub const CHALLENGE_MINUTES: i64 = 5;
/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;
const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
const ISSUER: &str = "KIT Desk";

/// Whether staff accounts must have a second factor (`KITDESK_DESK_MFA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskMfa {
    /// A staff account without a factor can only enrol one.
    Required,
    Optional,
}

/// Does this policy hold `role`'s account to enrolment? Staff accounts handle visa records
/// (OMB M-22-09 asks for phishing-resistant MFA for federal staff); employers are free.
pub fn must_enrol(policy: DeskMfa, role: Role, has_factor: bool) -> bool {
    policy == DeskMfa::Required && role != Role::Employer && !has_factor
}

/// The answer to starting an enrolment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TotpEnrolment {
    /// The secret in base32 (RFC 4648, no padding), to type into an authenticator app.
    pub secret: String,
    /// The same as an `otpauth://totp/…` URI (for a QR code).
    pub otpauth_uri: String,
}

/// The recovery codes, shown once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Ten codes; each signs in once in place of an authenticator code.
    pub recovery_codes: Vec<String>,
}

fn authenticator(secret: Vec<u8>) -> Result<TOTP, ServiceError> {
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP_SECONDS, secret)
        .map_err(|e| ServiceError::Internal(format!("TOTP parameters: {e}")))
}

fn cipher(ctx: &AppContext) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new((&ctx.secrets.second_factor).into())
}

fn encrypt_secret(ctx: &AppContext, user_id: &str, secret: &[u8]) -> Result<String, ServiceError> {
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher(ctx)
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: secret,
                aad: user_id.as_bytes(),
            },
        )
        .map_err(|_| ServiceError::Internal("TOTP secret encryption failed".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(base64::engine::general_purpose::STANDARD.encode(out))
}

fn decrypt_secret(ctx: &AppContext, user_id: &str, stored: &str) -> Result<Vec<u8>, ServiceError> {
    let fail = || ServiceError::Internal("TOTP secret decryption failed (wrong key?)".into());
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(stored)
        .map_err(|_| fail())?;
    if bytes.len() < 24 {
        return Err(fail());
    }
    let (nonce, sealed) = bytes.split_at(24);
    cipher(ctx)
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: user_id.as_bytes(),
            },
        )
        .map_err(|_| fail())
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn seconds_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

/// The step whose code `code` is, within one step of `now` either way; the latest if
/// several match.
pub fn matching_step(totp: &TOTP, code: &str, now: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let current = now / STEP_SECONDS;
    [current + 1, current, current.saturating_sub(1)]
        .into_iter()
        .find(|step| {
            let expected = totp.generate(step * STEP_SECONDS);
            constant_time_eq(expected.as_bytes(), code.as_bytes())
        })
        .and_then(|step| i64::try_from(step).ok())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn invalid_code() -> ServiceError {
    ServiceError::Unprocessable {
        code: "invalid_code",
        errors: vec![FieldError {
            field: "code".into(),
            message: "the code is wrong, already used or too old; use the current one".into(),
        }],
    }
}

fn invalid_challenge() -> ServiceError {
    ServiceError::Unprocessable {
        code: "invalid_token",
        errors: vec![FieldError {
            field: "mfa_token".into(),
            message: "this sign-in is unknown or older than 5 minutes; sign in again".into(),
        }],
    }
}

fn enrolment_of(totp: &TOTP, email: &str) -> TotpEnrolment {
    let secret = totp.get_secret_base32();
    let label = percent_encode(&format!("{ISSUER}:{email}"));
    TotpEnrolment {
        otpauth_uri: format!(
            "otpauth://totp/{label}?secret={secret}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            percent_encode(ISSUER)
        ),
        secret,
    }
}

/// The enrolment started and not yet confirmed, if any (to show its key again after a
/// mistyped first code).
pub fn pending_totp(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
) -> Result<Option<TotpEnrolment>, ServiceError> {
    match factors::find_totp(conn, &user.id)? {
        Some(row) if row.confirmed_at.is_none() => {
            let totp = authenticator(decrypt_secret(ctx, &user.id, &row.secret)?)?;
            Ok(Some(enrolment_of(&totp, &user.email)))
        }
        _ => Ok(None),
    }
}

/// Starts (or restarts) enrolling an authenticator: a fresh 160-bit secret. Refused once one
/// is confirmed (an administrator resets it).
pub fn start_totp(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
) -> Result<TotpEnrolment, ServiceError> {
    let mut secret = vec![0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    let stored = encrypt_secret(ctx, &user.id, &secret)?;
    let totp = authenticator(secret)?;
    database::write_tx(conn, |conn| {
        if factors::find_totp(conn, &user.id)?.is_some_and(|t| t.confirmed_at.is_some()) {
            return Err(ServiceError::conflict(
                "already_enrolled",
                "this account has an authenticator; an administrator can reset it",
            ));
        }
        factors::put_totp(
            conn,
            &TotpRow {
                user_id: user.id.clone(),
                secret: stored,
                created_at: time::now(),
                confirmed_at: None,
                last_step: None,
            },
        )?;
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "account.totp_enrolment_started",
                None,
                Some(&user.id),
                json!({}),
            )],
        )?;
        Ok(())
    })?;
    Ok(enrolment_of(&totp, &user.email))
}

/// Confirms the authenticator with its first code; answers with ten recovery codes (only
/// their HMACs are kept).
pub fn confirm_totp(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    code: &str,
) -> Result<RecoveryCodes, ServiceError> {
    database::write_tx(conn, |conn| {
        let row = factors::find_totp(conn, &user.id)?.ok_or_else(|| {
            ServiceError::conflict(
                "no_enrolment",
                "start with POST /api/v1/me/mfa/totp, then confirm with a code",
            )
        })?;
        if row.confirmed_at.is_some() {
            return Err(ServiceError::conflict(
                "already_enrolled",
                "this account's authenticator is confirmed already",
            ));
        }
        let totp = authenticator(decrypt_secret(ctx, &user.id, &row.secret)?)?;
        let step = matching_step(&totp, code, seconds_now()).ok_or_else(invalid_code)?;
        let now = time::now();
        if !factors::take_step(conn, &user.id, step, Some(now))? {
            return Err(invalid_code());
        }
        users::set_second_factor(conn, &user.id, true, now)?;
        let codes = new_recovery_codes();
        let rows: Vec<RecoveryCodeRow> = codes
            .iter()
            .map(|code| RecoveryCodeRow {
                id: Uuid::now_v7().to_string(),
                user_id: user.id.clone(),
                code_hash: recovery_hash(ctx, &user.id, code),
                created_at: now,
                used_at: None,
            })
            .collect();
        factors::replace_recovery_codes(conn, &user.id, &rows)?;
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "account.second_factor_enrolled",
                None,
                Some(&user.id),
                json!({"factor": "totp", "recovery_codes": RECOVERY_CODES}),
            )],
        )?;
        Ok(RecoveryCodes {
            recovery_codes: codes,
        })
    })
}

/// Ten codes of ten characters from an alphabet without look-alikes, written `xxxxx-xxxxx`
/// (about 49 bits each).
fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: Vec<char> = (0..10)
                .map(|_| {
                    let i = (rng.next_u32() as usize) % ALPHABET.len();
                    ALPHABET.get(i).copied().unwrap_or(b'a') as char
                })
                .collect();
            let (a, b) = chars.split_at(5);
            format!(
                "{}-{}",
                a.iter().collect::<String>(),
                b.iter().collect::<String>()
            )
        })
        .collect()
}

/// A recovery code as typed (any case, spaces or dashes) to its stored HMAC.
fn recovery_hash(ctx: &AppContext, user_id: &str, code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(hmac_sha256(
        &ctx.secrets.second_factor,
        format!("recovery:{user_id}:{normalized}").as_bytes(),
    ))
}

/// A sign-in waiting for its code (the token goes to the client once).
pub struct Challenge {
    pub mfa_token: String,
    pub expires_at: chrono::NaiveDateTime,
}

/// After a correct password for a user with a factor: a challenge instead of a session.
pub fn start_challenge(conn: &mut DbConnection, user_id: &str) -> Result<Challenge, ServiceError> {
    let token = new_token();
    let now = time::now();
    let expires_at = now + Duration::minutes(CHALLENGE_MINUTES);
    factors::delete_challenges(conn, user_id, now)?;
    factors::insert_challenge(
        conn,
        &ChallengeRow {
            token_hash: token_hash(&token),
            user_id: user_id.to_owned(),
            created_at: now,
            expires_at,
        },
    )?;
    Ok(Challenge {
        mfa_token: token,
        expires_at,
    })
}

/// The user a live challenge belongs to (to throttle codes per account before checking one).
pub fn challenge_owner(conn: &mut DbConnection, mfa_token: &str) -> Result<String, ServiceError> {
    if mfa_token.is_empty() || mfa_token.len() > 128 {
        return Err(invalid_challenge());
    }
    factors::challenge_user(conn, &token_hash(mfa_token), time::now())?
        .ok_or_else(invalid_challenge)
}

/// Completes a sign-in with an authenticator code or a recovery code: the session.
pub fn complete_challenge(
    conn: &mut DbConnection,
    ctx: &AppContext,
    mfa_token: &str,
    code: &str,
) -> Result<NewSession, ServiceError> {
    let hash = token_hash(mfa_token);
    let user_id = challenge_owner(conn, mfa_token)?;
    database::write_tx(conn, |conn| {
        let user = users::find(conn, &user_id)?.ok_or_else(invalid_challenge)?;
        if user.disabled {
            return Err(ServiceError::InvalidCredentials);
        }
        if !take_code(conn, ctx, &user_id, code)? {
            return Err(invalid_code());
        }
        if !factors::take_challenge(conn, &hash)? {
            return Err(invalid_challenge());
        }
        accounts::start_session(conn, ctx, user)
    })
}

/// Takes an authenticator code (6 digits) or an unused recovery code of the user.
fn take_code(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user_id: &str,
    code: &str,
) -> Result<bool, ServiceError> {
    let digits = code.trim().len() == DIGITS && code.trim().chars().all(|c| c.is_ascii_digit());
    if digits {
        let Some(row) = factors::find_totp(conn, user_id)?.filter(|t| t.confirmed_at.is_some())
        else {
            return Ok(false);
        };
        let totp = authenticator(decrypt_secret(ctx, user_id, &row.secret)?)?;
        return match matching_step(&totp, code, seconds_now()) {
            Some(step) => Ok(factors::take_step(conn, user_id, step, None)?),
            None => Ok(false),
        };
    }
    let used = factors::take_recovery_code(
        conn,
        user_id,
        &recovery_hash(ctx, user_id, code),
        time::now(),
    )?;
    if used {
        let left = factors::unused_recovery_codes(conn, user_id)?;
        database::audit::append(
            conn,
            &[audit::entry(
                None,
                "account.recovery_code_used",
                None,
                Some(user_id),
                json!({"left": left}),
            )],
        )?;
    }
    Ok(used)
}

/// An administrator removes a user's second factor (a lost phone), with a reason: the
/// authenticator, the recovery codes, pending sign-ins and every session go; the user
/// enrols again at the next sign-in.
pub fn reset(
    conn: &mut DbConnection,
    actor: &AuthUser,
    user_id: &str,
    reason: &str,
) -> Result<accounts::UserView, ServiceError> {
    if actor.role != Role::Admin {
        return Err(ServiceError::Forbidden(
            "administrators reset second factors".into(),
        ));
    }
    let reason = crate::domain::text::check_line(reason, 4000)
        .map_err(|e| ServiceError::validation("reason", e.to_string()))?;
    database::write_tx(conn, |conn| {
        let user = users::find(conn, user_id)?.ok_or(ServiceError::NotFound("user"))?;
        let now = time::now();
        factors::delete_totp(conn, user_id)?;
        factors::delete_passkeys(conn, user_id)?;
        factors::delete_recovery_codes(conn, user_id)?;
        factors::delete_challenges(conn, user_id, now)?;
        users::set_second_factor(conn, user_id, false, now)?;
        let ended = sessions::delete_for_user(conn, user_id)?;
        database::audit::append(
            conn,
            &[audit::entry(
                Some(actor),
                "account.second_factor_reset",
                None,
                Some(user_id),
                json!({"reason": reason, "had_factor": user.second_factor, "sessions_ended": ended}),
            )],
        )?;
        let row = users::find(conn, user_id)?.ok_or(ServiceError::NotFound("user"))?;
        accounts::UserView::try_from(row)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_within_one_step_either_way_and_not_beyond() {
        let totp = authenticator(b"12345678901234567890".to_vec()).unwrap();
        let now = 1_764_500_000u64;
        let step = (now / 30) as i64;
        assert_eq!(matching_step(&totp, &totp.generate(now), now), Some(step));
        assert_eq!(
            matching_step(&totp, &totp.generate(now - 30), now),
            Some(step - 1)
        );
        assert_eq!(
            matching_step(&totp, &totp.generate(now + 30), now),
            Some(step + 1)
        );
        assert_eq!(matching_step(&totp, &totp.generate(now - 60), now), None);
        assert_eq!(matching_step(&totp, &totp.generate(now + 60), now), None);
        assert_eq!(matching_step(&totp, "12345", now), None);
        assert_eq!(matching_step(&totp, "abcdef", now), None);
    }

    #[test]
    fn rfc_6238_sha1_test_vector() {
        // RFC 6238 appendix B: T = 59 s, SHA-1, 8 digits → 94287082; 6 digits → 287082
        let totp = authenticator(b"12345678901234567890".to_vec()).unwrap();
        assert_eq!(totp.generate(59), "287082");
    }

    #[test]
    fn recovery_codes_are_ten_distinct_readable_codes() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 11);
            assert_eq!(&c[5..6], "-");
        }
    }

    #[test]
    fn policy_holds_staff_only() {
        assert!(must_enrol(DeskMfa::Required, Role::Officer, false));
        assert!(must_enrol(DeskMfa::Required, Role::Admin, false));
        assert!(!must_enrol(DeskMfa::Required, Role::Officer, true));
        assert!(!must_enrol(DeskMfa::Required, Role::Employer, false));
        assert!(!must_enrol(DeskMfa::Optional, Role::Supervisor, false));
    }
}
