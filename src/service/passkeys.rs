//! Passkeys (WebAuthn) for desk accounts: the phishing-resistant second factor OMB M-22-09
//! asks of federal staff. The relying party is the desk's public address
//! (`KITDESK_PUBLIC_URL`): its host is the RP id and the page's origin must match it.
//!
//! Each ceremony has two requests: `*_begin` answers the browser's options and a ceremony
//! token (the server's state is kept in `passkey_ceremonies` under the token's hash, five
//! minutes, used once); `*_finish` checks the authenticator's answer against it.
//! Registering a passkey turns the account's second factor on; signing in with one
//! completes the sign-in that the password started (`mfa_token`).

use chrono::Duration;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Webauthn,
    WebauthnBuilder,
};

use super::accounts::{self, new_token, token_hash, AuthUser, NewSession};
use super::{audit, mfa, AppContext, FieldError, ServiceError};
use crate::db::second_factor::{self as factors, CeremonyRow, PasskeyRow};
use crate::db::{self as database, users, DbConnection};
use crate::domain::{time, Role};

const CEREMONY_MINUTES: i64 = 5;
const REGISTER: &str = "register";
const SIGN_IN: &str = "sign_in";

/// The options for `navigator.credentials.create()` or `.get()`, and the ceremony's token.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CeremonyStart {
    /// Send back with the authenticator's answer.
    pub ceremony: String,
    /// `{"publicKey": …}` with binary fields in base64url.
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
}

/// The relying party of this desk.
fn relying_party(ctx: &AppContext) -> Result<Webauthn, ServiceError> {
    let origin = Url::parse(&ctx.settings.public_url)
        .map_err(|e| ServiceError::Internal(format!("KITDESK_PUBLIC_URL: {e}")))?;
    let rp_id = origin
        .domain()
        .ok_or_else(|| ServiceError::Unprocessable {
            code: "passkeys_unavailable",
            errors: vec![FieldError {
                field: "KITDESK_PUBLIC_URL".into(),
                message: "passkeys need the desk to be reached by a host name, not an IP address"
                    .into(),
            }],
        })?
        .to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("KIT Desk").build())
        .map_err(|e| ServiceError::Internal(format!("WebAuthn relying party: {e}")))
}

fn to_json<T: Serialize>(value: &T) -> Result<String, ServiceError> {
    serde_json::to_string(value).map_err(|e| ServiceError::Internal(format!("to JSON: {e}")))
}

fn invalid_ceremony() -> ServiceError {
    ServiceError::Unprocessable {
        code: "invalid_ceremony",
        errors: vec![FieldError {
            field: "ceremony".into(),
            message: "this passkey request is unknown, used or older than 5 minutes; start again"
                .into(),
        }],
    }
}

fn refused_credential(e: impl std::fmt::Display) -> ServiceError {
    tracing::info!(error = %e, "passkey answer refused");
    ServiceError::Unprocessable {
        code: "invalid_credential",
        errors: vec![FieldError {
            field: "credential".into(),
            message: "the authenticator's answer does not check out".into(),
        }],
    }
}

fn stored_passkeys(
    conn: &mut DbConnection,
    user_id: &str,
) -> Result<Vec<(PasskeyRow, Passkey)>, ServiceError> {
    factors::passkeys_of(conn, user_id)?
        .into_iter()
        .map(|row| {
            let key: Passkey = serde_json::from_str(&row.credential)
                .map_err(|e| ServiceError::Internal(format!("stored passkey: {e}")))?;
            Ok((row, key))
        })
        .collect()
}

fn new_ceremony(
    conn: &mut DbConnection,
    user_id: &str,
    purpose: &str,
    state: String,
) -> Result<String, ServiceError> {
    let token = new_token();
    factors::insert_ceremony(
        conn,
        &CeremonyRow {
            token_hash: token_hash(&token),
            user_id: user_id.to_owned(),
            purpose: purpose.to_owned(),
            state,
            expires_at: time::now() + Duration::minutes(CEREMONY_MINUTES),
        },
    )?;
    Ok(token)
}

fn take(
    conn: &mut DbConnection,
    token: &str,
    user_id: &str,
    purpose: &str,
) -> Result<String, ServiceError> {
    match factors::take_ceremony(conn, &token_hash(token), time::now())? {
        Some(row) if row.user_id == user_id && row.purpose == purpose => Ok(row.state),
        _ => Err(invalid_ceremony()),
    }
}

/// Starts registering a passkey (desk staff: officers, supervisors, administrators).
pub fn register_begin(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
) -> Result<CeremonyStart, ServiceError> {
    if user.role == Role::Employer {
        return Err(ServiceError::Forbidden(
            "passkeys are for desk accounts; employers use an authenticator app".into(),
        ));
    }
    let rp = relying_party(ctx)?;
    let handle =
        Uuid::parse_str(&user.id).map_err(|e| ServiceError::Internal(format!("user id: {e}")))?;
    let exclude: Vec<_> = stored_passkeys(conn, &user.id)?
        .iter()
        .map(|(_, k)| k.cred_id().clone())
        .collect();
    let (options, state): (CreationChallengeResponse, PasskeyRegistration) = rp
        .start_passkey_registration(handle, &user.email, &user.email, Some(exclude))
        .map_err(|e| ServiceError::Internal(format!("passkey registration: {e}")))?;
    let ceremony = new_ceremony(conn, &user.id, REGISTER, to_json(&state)?)?;
    Ok(CeremonyStart {
        ceremony,
        options: serde_json::to_value(&options)
            .map_err(|e| ServiceError::Internal(format!("options: {e}")))?,
    })
}

/// Finishes registering: stores the passkey and turns the second factor on.
pub fn register_finish(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    ceremony: &str,
    credential: &RegisterPublicKeyCredential,
) -> Result<(), ServiceError> {
    let rp = relying_party(ctx)?;
    database::write_tx(conn, |conn| {
        let state: PasskeyRegistration =
            serde_json::from_str(&take(conn, ceremony, &user.id, REGISTER)?)
                .map_err(|e| ServiceError::Internal(format!("ceremony state: {e}")))?;
        let key = rp
            .finish_passkey_registration(credential, &state)
            .map_err(refused_credential)?;
        let now = time::now();
        let id = Uuid::now_v7().to_string();
        factors::insert_passkey(
            conn,
            &PasskeyRow {
                id: id.clone(),
                user_id: user.id.clone(),
                credential: to_json(&key)?,
                created_at: now,
                last_used_at: None,
            },
        )?;
        users::set_second_factor(conn, &user.id, true, now)?;
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "account.passkey_registered",
                None,
                Some(&user.id),
                json!({"passkey_id": id}),
            )],
        )?;
        Ok(())
    })
}

/// The second step of a sign-in with a passkey: the options for `navigator.credentials.get()`.
pub fn sign_in_begin(
    conn: &mut DbConnection,
    ctx: &AppContext,
    mfa_token: &str,
) -> Result<CeremonyStart, ServiceError> {
    let user_id = mfa::challenge_owner(conn, mfa_token)?;
    let keys: Vec<Passkey> = stored_passkeys(conn, &user_id)?
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    if keys.is_empty() {
        return Err(ServiceError::conflict(
            "no_passkey",
            "this account has no passkey; use the authenticator app's code",
        ));
    }
    let rp = relying_party(ctx)?;
    let (options, state): (RequestChallengeResponse, PasskeyAuthentication) = rp
        .start_passkey_authentication(&keys)
        .map_err(|e| ServiceError::Internal(format!("passkey sign-in: {e}")))?;
    let ceremony = new_ceremony(conn, &user_id, SIGN_IN, to_json(&state)?)?;
    Ok(CeremonyStart {
        ceremony,
        options: serde_json::to_value(&options)
            .map_err(|e| ServiceError::Internal(format!("options: {e}")))?,
    })
}

/// Completes the sign-in with the authenticator's answer: the session.
pub fn sign_in_finish(
    conn: &mut DbConnection,
    ctx: &AppContext,
    mfa_token: &str,
    ceremony: &str,
    credential: &PublicKeyCredential,
) -> Result<NewSession, ServiceError> {
    let user_id = mfa::challenge_owner(conn, mfa_token)?;
    let rp = relying_party(ctx)?;
    database::write_tx(conn, |conn| {
        let state: PasskeyAuthentication =
            serde_json::from_str(&take(conn, ceremony, &user_id, SIGN_IN)?)
                .map_err(|e| ServiceError::Internal(format!("ceremony state: {e}")))?;
        let result = rp
            .finish_passkey_authentication(credential, &state)
            .map_err(refused_credential)?;
        let now = time::now();
        for (row, mut key) in stored_passkeys(conn, &user_id)? {
            if key.update_credential(&result).is_some() {
                factors::update_passkey(conn, &row.id, &to_json(&key)?, now)?;
            }
        }
        if !factors::take_challenge(conn, &token_hash(mfa_token))? {
            return Err(ServiceError::Unprocessable {
                code: "invalid_token",
                errors: vec![FieldError {
                    field: "mfa_token".into(),
                    message: "this sign-in is unknown or older than 5 minutes; sign in again"
                        .into(),
                }],
            });
        }
        let user = users::find(conn, &user_id)?.ok_or(ServiceError::InvalidCredentials)?;
        if user.disabled {
            return Err(ServiceError::InvalidCredentials);
        }
        accounts::start_session(conn, ctx, user)
    })
}
