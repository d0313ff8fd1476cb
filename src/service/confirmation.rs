//! The desk's confirmation that a worker may do the approved work: a signed statement the
//! worker carries (on paper, as a QR code) and anyone at the worksite can check.
//!
//! The token is a JWS in compact serialization (RFC 7515) signed with Ed25519 (`alg`
//! `EdDSA`, RFC 8037), so that a CBP or ICE officer's tool verifies it offline with any JOSE
//! library and the key published at `/.well-known/kitdesk-keys.json`. The key is derived
//! from `KITDESK_SECRET_KEY` (`Secrets::confirmation_seed`); its id (`kid`) is a digest of the
//! public key, so a changed secret is a new key id, never a silent mismatch.
//!
//! The statement holds the minimum a worksite needs: the worker's romanized name and the
//! passport's last four characters (never the full number or the date of birth), the route
//! and its legal basis, the permitted activities, the employer, project and worksite, and
//! the valid dates. It is signed deterministically from the decided case, so issuing it again
//! gives the same token. Verification checks the signature *and* the case's current state:
//! a withdrawn or refused case shows as revoked.
//!
//! This module owns signing, verification and the statement; the PDF sheet is
//! `confirmation_pdf`, the routes `http::confirmations`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDate;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::accounts::AuthUser;
use super::{cases as case_service, ServiceError};
use super::{AppContext, Secrets};
use crate::db::cases::CaseRow;
use crate::db::{cases, projects, sponsors, DbConnection};
use crate::domain::facts::FactsV2;
use crate::domain::{text, CaseStatus, VisaRoute};

/// The `typ` of the token's header.
pub const TOKEN_TYPE: &str = "kitdesk-confirmation";
/// Tokens longer than this are refused before any decoding (a real one is under 1 kB).
pub const MAX_TOKEN_LEN: usize = 4096;
/// The longest verification address the desk prints as a QR code: longer ones were no longer
/// read back from the page (version 25 and up, the sheet's test); free text is shortened to fit.
pub const MAX_VERIFY_URL: usize = 760;

/// What the desk confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Identifies the case (the verification looks up its current state by it).
    pub receipt_number: String,
    /// `approved` (a visa route) or `esta_advised` (travel on ESTA).
    pub outcome: ConfirmedOutcome,
    /// The worker as in the passport: `FAMILY Given`.
    pub worker: String,
    /// The passport number's last four characters only.
    pub passport_last4: String,
    /// Route id (`B1-CIW`, `ESTA-CIW`…).
    pub route: String,
    pub basis: String,
    /// Permitted activities (the facts' vocabulary: `install`, `train_us_workers`…).
    pub activities: Vec<String>,
    pub employer: String,
    pub project: String,
    /// Worksite address and U.S. state.
    pub worksite: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// The decision's date (Seoul).
    pub issued_on: NaiveDate,
}

/// The statement as the token carries it: the same facts under short claim names, so that the
/// token, and the QR code that holds it, stay small enough to scan from paper.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Claims {
    rcpt: String,
    out: ConfirmedOutcome,
    name: String,
    pp4: String,
    route: String,
    basis: String,
    act: Vec<String>,
    emp: String,
    proj: String,
    site: String,
    from: NaiveDate,
    until: NaiveDate,
    issued: NaiveDate,
}

impl From<&Statement> for Claims {
    fn from(s: &Statement) -> Claims {
        Claims {
            rcpt: s.receipt_number.clone(),
            out: s.outcome,
            name: s.worker.clone(),
            pp4: s.passport_last4.clone(),
            route: s.route.clone(),
            basis: s.basis.clone(),
            act: s.activities.clone(),
            emp: s.employer.clone(),
            proj: s.project.clone(),
            site: s.worksite.clone(),
            from: s.valid_from,
            until: s.valid_until,
            issued: s.issued_on,
        }
    }
}

impl From<Claims> for Statement {
    fn from(c: Claims) -> Statement {
        Statement {
            receipt_number: c.rcpt,
            outcome: c.out,
            worker: c.name,
            passport_last4: c.pp4,
            route: c.route,
            basis: c.basis,
            activities: c.act,
            employer: c.emp,
            project: c.proj,
            worksite: c.site,
            valid_from: c.from,
            valid_until: c.until,
            issued_on: c.issued,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmedOutcome {
    Approved,
    EstaAdvised,
}

/// `GET /api/v1/cases/{id}/confirmation`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Confirmation {
    pub token: String,
    /// `<public url>/verify/<token>`: what the QR code holds.
    pub verify_url: String,
    pub statement: Statement,
}

/// What a verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerifyStatus {
    /// Signed by the desk, the case stands, and the stay has not ended.
    Valid,
    /// Signed by the desk and not revoked, but the valid dates are over.
    Expired,
    /// Signed by the desk, but the case was withdrawn or refused since (or is gone).
    Revoked,
    /// Not signed by the desk's key (tampered, another key, or not a confirmation).
    Invalid,
}

/// `GET /api/v1/verify/{token}`: `{"valid","status",…the statement}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub valid: bool,
    pub status: VerifyStatus,
    /// Present unless the token is invalid: the fields of the `Statement` (its claims), shown
    /// only once the signature holds. Documented as an open object: a flattened optional
    /// statement has no exact schema in OpenAPI (the fuzzer caught the inlined one rejecting
    /// `{"valid":false,"status":"invalid"}`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub statement: Option<Statement>,
}

/// A JSON Web Key Set with the desk's public key (RFC 7517, OKP keys of RFC 8037).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeySet {
    pub keys: Vec<PublicJwk>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicJwk {
    /// `OKP`.
    pub kty: &'static str,
    /// `Ed25519`.
    pub crv: &'static str,
    /// The public key, base64url without padding.
    pub x: String,
    pub kid: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub use_: &'static str,
    /// `EdDSA`.
    pub alg: &'static str,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    kid: String,
    typ: String,
}

/// The desk's signing key and its id.
pub struct ConfirmationKey {
    signing: SigningKey,
    kid: String,
}

impl ConfirmationKey {
    pub fn from_secrets(secrets: &Secrets) -> ConfirmationKey {
        let signing = SigningKey::from_bytes(&secrets.confirmation_seed);
        let kid = key_id(&signing.verifying_key());
        ConfirmationKey { signing, kid }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    pub fn jwk(&self) -> PublicJwk {
        PublicJwk {
            kty: "OKP",
            crv: "Ed25519",
            x: URL_SAFE_NO_PAD.encode(self.verifying_key().as_bytes()),
            kid: self.kid.clone(),
            use_: "sig",
            alg: "EdDSA",
        }
    }

    /// The compact JWS of `statement`.
    pub fn sign(&self, statement: &Statement) -> Result<String, ServiceError> {
        let header = Header {
            alg: "EdDSA".into(),
            kid: self.kid.clone(),
            typ: TOKEN_TYPE.into(),
        };
        let signing_input = format!(
            "{}.{}",
            base64_json(&header)?,
            base64_json(&Claims::from(statement))?
        );
        let signature = self.signing.sign(signing_input.as_bytes());
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }

    /// The statement of `token` if this key signed it; `None` for anything else (another
    /// key, a changed byte, not a token at all).
    pub fn open(&self, token: &str) -> Option<Statement> {
        if token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let (signing_input, signature) = token.rsplit_once('.')?;
        let (header, payload) = signing_input.split_once('.')?;
        if payload.contains('.') {
            return None;
        }
        let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header.alg != "EdDSA" || header.kid != self.kid || header.typ != TOKEN_TYPE {
            return None;
        }
        let signature: [u8; 64] = URL_SAFE_NO_PAD.decode(signature).ok()?.try_into().ok()?;
        self.verifying_key()
            .verify_strict(signing_input.as_bytes(), &Signature::from_bytes(&signature))
            .ok()?;
        let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        Some(claims.into())
    }
}

fn base64_json<T: Serialize>(value: &T) -> Result<String, ServiceError> {
    serde_json::to_vec(value)
        .map(|bytes| URL_SAFE_NO_PAD.encode(bytes))
        .map_err(|e| ServiceError::Internal(format!("statement did not serialize: {e}")))
}

/// The key id: `kd-` and the first 8 bytes of the public key's SHA-256, in hex.
fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("kd-{}", hex::encode(digest.get(..8).unwrap_or_default()))
}

/// The public key set.
pub fn key_set(ctx: &AppContext) -> KeySet {
    KeySet {
        keys: vec![ConfirmationKey::from_secrets(&ctx.secrets).jwk()],
    }
}

fn outcome_of(status: CaseStatus) -> Result<ConfirmedOutcome, ServiceError> {
    match status {
        CaseStatus::Approved | CaseStatus::VisaIssued => Ok(ConfirmedOutcome::Approved),
        CaseStatus::EstaAdvised => Ok(ConfirmedOutcome::EstaAdvised),
        CaseStatus::Withdrawn | CaseStatus::Refused => Err(ServiceError::conflict(
            "confirmation_revoked",
            "this case was withdrawn or refused: it has no confirmation",
        )),
        _ => Err(ServiceError::conflict(
            "no_confirmation",
            "the desk issues a confirmation when it approves a case or advises ESTA travel",
        )),
    }
}

/// The statement the desk signs for a decided case.
fn statement_for(conn: &mut DbConnection, row: &CaseRow) -> Result<Statement, ServiceError> {
    let status: CaseStatus = row.status.parse().map_err(|_| {
        ServiceError::Internal(format!("stored status {:?} is unknown", row.status))
    })?;
    let outcome = outcome_of(status)?;
    let route: VisaRoute = row
        .decision_route
        .as_deref()
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| ServiceError::Internal("a decided case without its route".into()))?;
    let facts_value: serde_json::Value = serde_json::from_str(&row.facts_json)
        .map_err(|e| ServiceError::Internal(format!("stored facts are not JSON: {e}")))?;
    let facts = FactsV2::from_value(facts_value)
        .map_err(|e| ServiceError::Internal(format!("stored facts: {}", e.message)))?;
    let (Some(valid_from), Some(valid_until)) = (
        facts.assignment.planned_entry,
        facts.assignment.planned_exit,
    ) else {
        return Err(ServiceError::conflict(
            "no_confirmation",
            "the case has no planned entry and exit: amend the facts first",
        ));
    };
    let activities = facts
        .assignment
        .activities
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.as_str().to_owned())
        .collect();
    let sponsor =
        sponsors::find(conn, &row.sponsor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
    let project =
        projects::find(conn, &row.project_id)?.ok_or(ServiceError::NotFound("project"))?;
    let issued_on = row
        .decided_at
        .map(|at| crate::domain::time::in_seoul(crate::domain::time::from_stored(at)).date_naive())
        .unwrap_or(row.filing_date);
    Ok(Statement {
        receipt_number: row.receipt_number.clone(),
        outcome,
        worker: format!(
            "{} {}",
            text::one_line(&row.family_name).to_uppercase(),
            text::one_line(&row.given_name)
        ),
        passport_last4: row.passport_last4.clone(),
        route: route.id().to_owned(),
        basis: route.basis().to_owned(),
        activities,
        employer: text::one_line(&sponsor.legal_name),
        project: text::one_line(&project.name),
        worksite: text::address_with_state(&project.worksite_address, &project.state),
        valid_from,
        valid_until,
        issued_on,
    })
}

/// The verification address of a token.
pub fn verify_url(ctx: &AppContext, token: &str) -> String {
    format!(
        "{}/verify/{token}",
        ctx.settings.public_url.trim_end_matches('/')
    )
}

/// The confirmation of a case the user may read (its sponsor, the prime, the desk).
/// Another sponsor's case is 404; an undecided one 409 `no_confirmation`; a withdrawn or
/// refused one 409 `confirmation_revoked`.
pub fn for_case(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
) -> Result<(Confirmation, CaseRow), ServiceError> {
    let row = case_service::load_visible(conn, user, case_id)?;
    let mut statement = statement_for(conn, &row)?;
    let key = ConfirmationKey::from_secrets(&ctx.secrets);
    let mut token = key.sign(&statement)?;
    // Long company, project or worksite names: shorten the longest until the code scans.
    while verify_url(ctx, &token).len() > MAX_VERIFY_URL {
        let longest = [
            &mut statement.employer,
            &mut statement.project,
            &mut statement.worksite,
        ]
        .into_iter()
        .max_by_key(|t| t.chars().count())
        .filter(|t| t.chars().count() > 24)
        .ok_or_else(|| ServiceError::Internal("the confirmation does not fit a QR code".into()))?;
        let keep = longest.chars().count() - 9;
        *longest = format!(
            "{}…",
            longest.chars().take(keep).collect::<String>().trim_end()
        );
        token = key.sign(&statement)?;
    }
    Ok((
        Confirmation {
            verify_url: verify_url(ctx, &token),
            token,
            statement,
        },
        row,
    ))
}

/// Checks a token: the signature with the desk's key, then the case's current state and
/// the valid dates on the desk's date.
pub fn verify(
    conn: &mut DbConnection,
    ctx: &AppContext,
    token: &str,
) -> Result<Verification, ServiceError> {
    let Some(statement) = ConfirmationKey::from_secrets(&ctx.secrets).open(token) else {
        return Ok(Verification {
            valid: false,
            status: VerifyStatus::Invalid,
            statement: None,
        });
    };
    let current = cases::find_status_by_receipt(conn, &statement.receipt_number)?;
    let stands = current.as_ref().is_some_and(|row| {
        matches!(
            row.status.parse::<CaseStatus>(),
            Ok(CaseStatus::Approved | CaseStatus::VisaIssued | CaseStatus::EstaAdvised)
        )
    });
    let status = if !stands {
        VerifyStatus::Revoked
    } else if ctx.today() > statement.valid_until {
        VerifyStatus::Expired
    } else {
        VerifyStatus::Valid
    };
    Ok(Verification {
        valid: status == VerifyStatus::Valid,
        status,
        statement: Some(statement),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> Statement {
        Statement {
            receipt_number: "KIT2700000017".into(),
            outcome: ConfirmedOutcome::Approved,
            worker: "KIM Minjun".into(),
            passport_last4: "1234".into(),
            route: "B1-CIW".into(),
            basis: "9 FAM 402.2-5(E)(1)".into(),
            activities: vec!["install".into()],
            employer: "Hanbit Battery Systems".into(),
            project: "Ellabell battery plant".into(),
            worksite: "1 Metaplant Way, GA".into(),
            valid_from: NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(),
            valid_until: NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
            issued_on: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        }
    }

    fn key(secret: &[u8]) -> ConfirmationKey {
        ConfirmationKey::from_secrets(&Secrets::derive(secret))
    }

    #[test]
    fn a_signed_statement_opens_with_the_same_key_only() {
        let desk = key(b"the desk's master secret, long enough");
        let token = desk.sign(&statement()).unwrap();
        assert_eq!(desk.open(&token), Some(statement()));
        // deterministic: issuing again gives the same token
        assert_eq!(desk.sign(&statement()).unwrap(), token);
        let other = key(b"somebody else's master secret, long too");
        assert_ne!(other.kid(), desk.kid());
        assert_eq!(other.open(&token), None);
    }

    #[test]
    fn approval_and_esta_advice_confirm_withdrawal_and_refusal_revoke() {
        use CaseStatus as S;
        for (status, outcome) in [
            (S::Approved, ConfirmedOutcome::Approved),
            (S::VisaIssued, ConfirmedOutcome::Approved),
            (S::EstaAdvised, ConfirmedOutcome::EstaAdvised),
        ] {
            assert_eq!(outcome_of(status).unwrap(), outcome, "{status}");
        }
        for status in S::ALL {
            let code = match outcome_of(status) {
                Ok(_) => continue,
                Err(ServiceError::Conflict { code, .. }) => code,
                Err(other) => panic!("{other}"),
            };
            let expected = if matches!(status, S::Withdrawn | S::Refused) {
                "confirmation_revoked"
            } else {
                "no_confirmation"
            };
            assert_eq!(code, expected, "{status}");
        }
    }

    #[test]
    fn every_changed_byte_fails() {
        let desk = key(b"the desk's master secret, long enough");
        let token = desk.sign(&statement()).unwrap();
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            if changed != token {
                assert_eq!(desk.open(&changed), None, "byte {i} changed");
            }
        }
        assert_eq!(desk.open(&format!("{token}.x")), None);
        assert_eq!(desk.open(""), None);
    }

    #[test]
    fn a_forged_statement_under_the_desk_key_id_fails() {
        let desk = key(b"the desk's master secret, long enough");
        let forger = key(b"somebody else's master secret, long too");
        let mut forged = statement();
        forged.route = "E2-ESS".into();
        let token = forger.sign(&forged).unwrap();
        // put the desk's key id in the forger's header: the signature still fails
        let header = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Header {
                alg: "EdDSA".into(),
                kid: desk.kid().into(),
                typ: TOKEN_TYPE.into(),
            })
            .unwrap(),
        );
        let rest = token.split_once('.').unwrap().1;
        assert_eq!(desk.open(&format!("{header}.{rest}")), None);
    }

    #[test]
    fn the_published_key_verifies_the_signature_as_a_jose_library_would() {
        let desk = key(b"the desk's master secret, long enough");
        let token = desk.sign(&statement()).unwrap();
        let jwk = desk.jwk();
        assert_eq!((jwk.kty, jwk.crv, jwk.alg), ("OKP", "Ed25519", "EdDSA"));
        let x: [u8; 32] = URL_SAFE_NO_PAD.decode(&jwk.x).unwrap().try_into().unwrap();
        let public = VerifyingKey::from_bytes(&x).unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        let sig: [u8; 64] = URL_SAFE_NO_PAD.decode(sig).unwrap().try_into().unwrap();
        public
            .verify_strict(input.as_bytes(), &Signature::from_bytes(&sig))
            .unwrap();
    }
}
