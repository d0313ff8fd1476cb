//! Sponsors (companies) and their projects: registration, verification, listing.

use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::access;
use super::accounts::{self, AuthUser, NewAccount, UserView};
use super::audit;
use super::{passwords, FieldErrors, ServiceError};
use crate::db::projects::{self, ProjectRow};
use crate::db::sponsors::{self, SponsorRow};
use crate::db::{self as database, DbConnection};
use crate::domain::worker::{one_of, RELATIONSHIPS, SECTORS, US_STATES};
use crate::domain::{time, EmailAddress, Password, Role};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterSponsor {
    pub legal_name: String,
    #[serde(default)]
    pub legal_name_ko: Option<String>,
    pub business_registration_no: String,
    pub korean_ownership_pct: f64,
    pub treaty_investor: bool,
    pub qualifying_relationship: String,
    pub labor_attestation_filed: bool,
    pub strike_or_lockout: bool,
    #[serde(default)]
    pub prime_sponsor_id: Option<String>,
    pub contact: Contact,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SponsorView {
    pub id: String,
    pub legal_name: String,
    pub legal_name_ko: Option<String>,
    pub business_registration_no: String,
    pub korean_ownership_pct: f64,
    pub treaty_investor: bool,
    pub qualifying_relationship: String,
    pub labor_attestation_filed: bool,
    pub strike_or_lockout: bool,
    pub prime_sponsor_id: Option<String>,
    pub status: String,
    pub notify_mode: String,
    pub verified_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<SponsorRow> for SponsorView {
    fn from(r: SponsorRow) -> Self {
        SponsorView {
            id: r.id,
            legal_name: r.legal_name,
            legal_name_ko: r.legal_name_ko,
            business_registration_no: r.business_registration_no,
            korean_ownership_pct: r.korean_ownership_pct,
            treaty_investor: r.treaty_investor,
            qualifying_relationship: r.qualifying_relationship,
            labor_attestation_filed: r.labor_attestation_filed,
            strike_or_lockout: r.strike_or_lockout,
            prime_sponsor_id: r.prime_sponsor_id,
            status: r.status,
            notify_mode: r.notify_mode,
            verified_at: r.verified_at.map(time::from_stored),
            created_at: time::from_stored(r.created_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Registration {
    pub sponsor: SponsorView,
    pub user: UserView,
}

fn trimmed(s: &str) -> String {
    s.trim().to_owned()
}

fn check_text(errors: &mut FieldErrors, field: &str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 {
        errors.add(field, "is required");
    } else if n > max {
        errors.add(field, format!("must be at most {max} characters"));
    }
}

/// A registration whose fields are valid, before the database is asked anything.
pub struct CheckedRegistration {
    input: RegisterSponsor,
    email: EmailAddress,
    password: Password,
    /// `123-45-67890`, as stored.
    registration_no: String,
    prime: Option<String>,
}

impl CheckedRegistration {
    pub fn password(&self) -> &Password {
        &self.password
    }
}

/// What became of a registration. The HTTP answer is the same for both: whether an address
/// has an account is not for anonymous callers to learn.
pub enum RegistrationOutcome {
    Created(Box<Registration>),
    /// The address has an account already: nothing was created, and that address was sent a
    /// mail saying so.
    AddressTaken,
}

/// Checks every field of a registration (no database).
pub fn check_registration(input: RegisterSponsor) -> Result<CheckedRegistration, ServiceError> {
    let mut errors = FieldErrors::new();
    check_text(&mut errors, "legal_name", &input.legal_name, 200);
    if let Some(ko) = &input.legal_name_ko {
        if ko.chars().count() > 200 {
            errors.add("legal_name_ko", "must be at most 200 characters");
        }
    }
    let brn: String = input
        .business_registration_no
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    if brn.len() != 10 {
        errors.add(
            "business_registration_no",
            "must be a Korean business registration number of 10 digits (e.g. 123-45-67890)",
        );
    }
    if !(0.0..=100.0).contains(&input.korean_ownership_pct) || input.korean_ownership_pct.is_nan() {
        errors.add("korean_ownership_pct", "must be between 0 and 100");
    }
    errors.check(
        "qualifying_relationship",
        one_of(&input.qualifying_relationship, RELATIONSHIPS),
    );
    check_text(&mut errors, "contact.name", &input.contact.name, 200);
    let email = errors.check("contact.email", EmailAddress::parse(&input.contact.email));
    let password = errors.check("contact.password", Password::parse(&input.contact.password));
    let prime = match &input.prime_sponsor_id {
        Some(raw) => errors.check(
            "prime_sponsor_id",
            Uuid::parse_str(raw.trim())
                .map(|u| u.to_string())
                .map_err(|_| "must be a sponsor id (UUID)"),
        ),
        None => None,
    };
    let (Some(email), Some(password)) = (email, password) else {
        return Err(ServiceError::Validation(errors.into_vec()));
    };
    errors.finish()?;
    // checked above: exactly ten ASCII digits
    let registration_no = match (brn.get(..3), brn.get(3..5), brn.get(5..)) {
        (Some(a), Some(b), Some(c)) => format!("{a}-{b}-{c}"),
        _ => {
            return Err(ServiceError::validation(
                "business_registration_no",
                "must be 10 digits",
            ))
        }
    };
    Ok(CheckedRegistration {
        input,
        email,
        password,
        registration_no,
        prime,
    })
}

/// Registers a sponsor (as [`register_checked`]) and answers a taken address with 409
/// `email_taken`: for the desk's own tools (demo data), never for anonymous callers.
pub fn register(
    conn: &mut DbConnection,
    input: RegisterSponsor,
) -> Result<Registration, ServiceError> {
    let checked = check_registration(input)?;
    let hash = passwords::hash(checked.password())?;
    match register_checked(conn, checked, &hash)? {
        RegistrationOutcome::Created(registration) => Ok(*registration),
        RegistrationOutcome::AddressTaken => Err(ServiceError::conflict(
            "email_taken",
            "this e-mail address already has an account",
        )),
    }
}

/// Registers a sponsor in `pending_verification` with its first employer user, in one
/// transaction; `hash` is the contact's password hash, computed by the caller with no
/// connection held. Open to anyone; nothing can be filed until an officer verifies it.
pub fn register_checked(
    conn: &mut DbConnection,
    checked: CheckedRegistration,
    hash: &str,
) -> Result<RegistrationOutcome, ServiceError> {
    let CheckedRegistration {
        input,
        email,
        password,
        registration_no,
        prime,
    } = checked;
    let brn = registration_no.clone();
    let result = database::write_tx(conn, |conn| {
        // A named prime becomes a request its users accept or decline. Whether the id names a
        // sponsor, or one that can be a prime, is never said: a request to none is simply
        // never accepted.
        let requested_prime = match &prime {
            Some(prime_id) => sponsors::find(conn, prime_id)?
                .filter(|p| p.prime_sponsor_id.is_none())
                .map(|p| p.id),
            None => None,
        };
        if sponsors::find_by_registration(conn, &registration_no)?.is_some() {
            return Err(ServiceError::Conflict {
                code: "sponsor_exists",
                message: "a sponsor with this business registration number is already registered"
                    .into(),
                details: Some(json!({"field": "business_registration_no"})),
            });
        }
        if let Some(existing) = crate::db::users::find_by_email(conn, &email.normalized())? {
            notify_address_taken(conn, &existing.email)?;
            database::audit::append(
                conn,
                &[audit::entry(
                    None,
                    "sponsor.registration_for_existing_address",
                    None,
                    Some(&existing.id),
                    json!({"legal_name": trimmed(&input.legal_name)}),
                )],
            )?;
            return Ok(RegistrationOutcome::AddressTaken);
        }
        let now = time::now();
        let row = SponsorRow {
            id: Uuid::now_v7().to_string(),
            legal_name: trimmed(&input.legal_name),
            legal_name_ko: input
                .legal_name_ko
                .as_deref()
                .map(trimmed)
                .filter(|s| !s.is_empty()),
            business_registration_no: registration_no.clone(),
            korean_ownership_pct: input.korean_ownership_pct,
            treaty_investor: input.treaty_investor,
            qualifying_relationship: input.qualifying_relationship.clone(),
            labor_attestation_filed: input.labor_attestation_filed,
            strike_or_lockout: input.strike_or_lockout,
            prime_sponsor_id: None,
            status: "pending_verification".into(),
            notify_mode: "per_event".into(),
            verified_by: None,
            verified_at: None,
            created_at: now,
            updated_at: now,
        };
        sponsors::insert(conn, &row)?;
        if let Some(prime_id) = &requested_prime {
            sponsors::insert_link_request(conn, &row.id, prime_id, now)?;
        }
        let user = accounts::insert_user(
            conn,
            &NewAccount {
                email: email.clone(),
                display_name: Some(trimmed(&input.contact.name)),
                password: password.clone(),
                role: Role::Employer,
                sponsor_id: Some(row.id.clone()),
            },
            hash,
        )?;
        database::audit::append(
            conn,
            &[audit::entry(
                None,
                "sponsor.registered",
                None,
                Some(&row.id),
                json!({"legal_name": row.legal_name, "prime_requested": prime.is_some(), "user_id": user.id}),
            )],
        )?;
        Ok(RegistrationOutcome::Created(Box::new(Registration {
            sponsor: row.into(),
            user,
        })))
    });
    match result {
        // Another registration took the address between the look-up and the insert.
        Err(ServiceError::Conflict {
            code: "email_taken",
            ..
        }) => Ok(RegistrationOutcome::AddressTaken),
        // A registration running beside this one took the business number or the address
        // first, and a unique index decided: say which, as the look-ups above would have.
        Err(ServiceError::Conflict {
            code: "duplicate", ..
        }) => {
            if sponsors::find_by_registration(conn, &brn)?.is_some() {
                Err(ServiceError::Conflict {
                    code: "sponsor_exists",
                    message:
                        "a sponsor with this business registration number is already registered"
                            .into(),
                    details: Some(json!({"field": "business_registration_no"})),
                })
            } else {
                Ok(RegistrationOutcome::AddressTaken)
            }
        }
        other => other,
    }
}

/// Queues the mail that tells an address with an account that someone tried to register
/// with it.
fn notify_address_taken(conn: &mut DbConnection, address: &str) -> Result<(), ServiceError> {
    use crate::notify::messages::{account_exists_mail, AccountExistsMail, ACCOUNT_EXISTS};
    let mail = account_exists_mail(&AccountExistsMail {
        address: address.to_owned(),
    })
    .map_err(|e| ServiceError::Internal(format!("account_exists mail: {e}")))?;
    let row = crate::notify::enqueue::outbox_row(
        ACCOUNT_EXISTS,
        "employer",
        address,
        None,
        None,
        &mail,
        time::now(),
    );
    crate::db::outbox::insert_many(conn, &[row])?;
    Ok(())
}

/// Registration as anonymous callers get it: the password is hashed on the hashing pool with
/// no database connection held (a burst of registrations must take neither the connections
/// nor more than the cores' share of CPU), and the outcome is not told apart.
pub async fn register_anonymously(
    ctx: &super::AppContext,
    input: RegisterSponsor,
) -> Result<(), ServiceError> {
    let checked = check_registration(input)?;
    let hash = passwords::hash_in_pool(checked.password().clone()).await?;
    let outcome = ctx
        .run(move |conn, _| register_checked(conn, checked, &hash))
        .await?;
    match outcome {
        RegistrationOutcome::Created(r) => {
            tracing::info!(sponsor_id = %r.sponsor.id, "sponsor registered")
        }
        RegistrationOutcome::AddressTaken => {
            tracing::info!("registration for an address with an account: mailed it instead")
        }
    }
    Ok(())
}

/// Sponsors the user may see: the desk and admins all, an employer its own and its
/// subcontractors.
pub fn list(conn: &mut DbConnection, user: &AuthUser) -> Result<Vec<SponsorView>, ServiceError> {
    let rows = match user.role {
        Role::Employer => {
            let own = access::own_sponsor(user)?;
            let mut ids = sponsors::subcontractor_ids(conn, &own)?;
            ids.push(own);
            sponsors::list(conn, Some(&ids))?
        }
        _ => sponsors::list(conn, None)?,
    };
    Ok(rows.into_iter().map(SponsorView::from).collect())
}

pub fn get(
    conn: &mut DbConnection,
    user: &AuthUser,
    id: &str,
) -> Result<SponsorView, ServiceError> {
    let visible = user.role != Role::Employer || access::may_read(conn, user, id)?;
    if !visible {
        // Same answer as a sponsor that does not exist: ids of others are not confirmed.
        return Err(ServiceError::NotFound("sponsor"));
    }
    let row = sponsors::find(conn, id)?.ok_or(ServiceError::NotFound("sponsor"))?;
    Ok(row.into())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    pub name: String,
    pub worksite_address: String,
    pub state: String,
    pub sector: String,
    pub investment_usd: i64,
    pub equipment_purchased_abroad: bool,
    pub contract_requires_seller_services: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    pub id: String,
    pub sponsor_id: String,
    pub name: String,
    pub worksite_address: String,
    pub state: String,
    pub sector: String,
    pub investment_usd: i64,
    pub equipment_purchased_abroad: bool,
    pub contract_requires_seller_services: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<ProjectRow> for ProjectView {
    fn from(r: ProjectRow) -> Self {
        ProjectView {
            id: r.id,
            sponsor_id: r.sponsor_id,
            name: r.name,
            worksite_address: r.worksite_address,
            state: r.state,
            sector: r.sector,
            investment_usd: r.investment_usd,
            equipment_purchased_abroad: r.equipment_purchased_abroad,
            contract_requires_seller_services: r.contract_requires_seller_services,
            created_at: time::from_stored(r.created_at),
        }
    }
}

/// Adds a project to a sponsor: its own employer users, or its prime's.
pub fn create_project(
    conn: &mut DbConnection,
    user: &AuthUser,
    sponsor_id: &str,
    input: NewProject,
) -> Result<ProjectView, ServiceError> {
    if user.role != Role::Employer {
        return Err(ServiceError::Forbidden(
            "projects are added by the sponsor's employer users".into(),
        ));
    }
    let mut errors = FieldErrors::new();
    check_text(&mut errors, "name", &input.name, 200);
    check_text(
        &mut errors,
        "worksite_address",
        &input.worksite_address,
        500,
    );
    let state = input.state.trim().to_ascii_uppercase();
    errors.check(
        "state",
        one_of(&state, US_STATES).map_err(|_| "must be a U.S. state or territory code such as GA"),
    );
    errors.check("sector", one_of(&input.sector, SECTORS));
    if input.investment_usd < 0 {
        errors.add("investment_usd", "must not be negative");
    }
    errors.finish()?;
    database::write_tx(conn, |conn| {
        if !access::may_file_for(conn, user, sponsor_id)? {
            return Err(ServiceError::NotFound("sponsor"));
        }
        let now = time::now();
        let row = ProjectRow {
            id: Uuid::now_v7().to_string(),
            sponsor_id: sponsor_id.to_owned(),
            name: trimmed(&input.name),
            worksite_address: trimmed(&input.worksite_address),
            state,
            sector: input.sector.clone(),
            investment_usd: input.investment_usd,
            equipment_purchased_abroad: input.equipment_purchased_abroad,
            contract_requires_seller_services: input.contract_requires_seller_services,
            created_by: user.id.clone(),
            created_at: now,
        };
        projects::insert(conn, &row)?;
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                "project.created",
                None,
                Some(&row.id),
                json!({"sponsor_id": sponsor_id, "name": row.name}),
            )],
        )?;
        Ok(row.into())
    })
}

pub fn list_projects(
    conn: &mut DbConnection,
    user: &AuthUser,
    sponsor_id: &str,
) -> Result<Vec<ProjectView>, ServiceError> {
    if !access::may_read(conn, user, sponsor_id)? {
        return Err(ServiceError::NotFound("sponsor"));
    }
    Ok(projects::list_for_sponsor(conn, sponsor_id)?
        .into_iter()
        .map(ProjectView::from)
        .collect())
}

pub fn get_project(
    conn: &mut DbConnection,
    user: &AuthUser,
    project_id: &str,
) -> Result<ProjectView, ServiceError> {
    let project = projects::find(conn, project_id)?.ok_or(ServiceError::NotFound("project"))?;
    if !access::may_read(conn, user, &project.sponsor_id)? {
        return Err(ServiceError::NotFound("project"));
    }
    Ok(project.into())
}

/// `PATCH /sponsors/{id}`: what a sponsor's own users may change about it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SponsorSettings {
    /// `per_event` (a mail for each event on a worker's case) or `daily_digest` (one mail a
    /// day per employer user, listing the day's events).
    pub notify_mode: String,
}

/// Changes how the sponsor's employer users hear about their workers' cases. Only the
/// sponsor's own employer users: a prime reads its subcontractors but does not set their
/// mail; the desk and administrators do not choose for a company.
pub fn update_settings(
    conn: &mut DbConnection,
    user: &AuthUser,
    id: &str,
    input: SponsorSettings,
) -> Result<SponsorView, ServiceError> {
    if user.role != Role::Employer {
        return Err(ServiceError::Forbidden(
            "a sponsor's settings are changed by its own employer users".into(),
        ));
    }
    if user.sponsor_id.as_deref() != Some(id) {
        return if access::may_read(conn, user, id)? {
            Err(ServiceError::Forbidden(
                "only the sponsor's own users change its settings".into(),
            ))
        } else {
            Err(ServiceError::NotFound("sponsor"))
        };
    }
    let mode = input.notify_mode.trim().to_owned();
    if !crate::notify::enqueue::NOTIFY_MODES.contains(&mode.as_str()) {
        return Err(ServiceError::validation(
            "notify_mode",
            format!(
                "must be one of {}",
                crate::notify::enqueue::NOTIFY_MODES.join(", ")
            ),
        ));
    }
    database::write_tx(conn, |conn| {
        let sponsor = sponsors::find(conn, id)?.ok_or(ServiceError::NotFound("sponsor"))?;
        if sponsor.notify_mode != mode {
            sponsors::set_notify_mode(conn, id, &mode, time::now())?;
            database::audit::append(
                conn,
                &[audit::entry(
                    Some(user),
                    "sponsor.notify_mode_changed",
                    None,
                    Some(id),
                    json!({"before": {"notify_mode": sponsor.notify_mode}, "after": {"notify_mode": mode}}),
                )],
            )?;
        }
        let row = sponsors::find(conn, id)?.ok_or(ServiceError::NotFound("sponsor"))?;
        Ok(row.into())
    })
}

/// A sponsor asking to file through its prime contractor, as the prime's users see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkRequestView {
    pub sponsor_id: String,
    pub legal_name: String,
    pub legal_name_ko: Option<String>,
    pub business_registration_no: String,
    pub status: String,
    pub requested_at: chrono::DateTime<chrono::Utc>,
}

/// Only the prime's own managers (employer users with the `manage` right) see and answer
/// its link requests.
fn require_own_prime(user: &AuthUser, prime_id: &str) -> Result<(), ServiceError> {
    match user.role {
        Role::Employer if user.sponsor_id.as_deref() == Some(prime_id) => {
            if user.rights.manage {
                Ok(())
            } else {
                Err(ServiceError::Forbidden(
                    "a prime contractor's managers answer its subcontractors' requests".into(),
                ))
            }
        }
        Role::Employer => Err(ServiceError::NotFound("sponsor")),
        _ => Err(ServiceError::Forbidden(
            "a prime contractor's own users answer its subcontractors' requests".into(),
        )),
    }
}

/// The sponsors asking to file through `prime_id` (its employer users only).
pub fn link_requests(
    conn: &mut DbConnection,
    user: &AuthUser,
    prime_id: &str,
) -> Result<Vec<LinkRequestView>, ServiceError> {
    require_own_prime(user, prime_id)?;
    Ok(sponsors::link_requests_to(conn, prime_id)?
        .into_iter()
        .map(|(s, at)| LinkRequestView {
            sponsor_id: s.id,
            legal_name: s.legal_name,
            legal_name_ko: s.legal_name_ko,
            business_registration_no: s.business_registration_no,
            status: s.status,
            requested_at: time::from_stored(at),
        })
        .collect())
}

/// The prime's answer to a request.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkDecision {
    /// `accept` (the subcontractor files through the prime, which then reads its cases) or
    /// `decline`.
    pub decision: String,
}

/// Accepts or declines a subcontractor's request (the prime's employer users), audited.
pub fn decide_link(
    conn: &mut DbConnection,
    user: &AuthUser,
    prime_id: &str,
    subcontractor_id: &str,
    input: LinkDecision,
) -> Result<SponsorView, ServiceError> {
    require_own_prime(user, prime_id)?;
    let accept = match input.decision.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            return Err(ServiceError::validation(
                "decision",
                "must be accept or decline",
            ))
        }
    };
    database::write_tx(conn, |conn| {
        if !sponsors::take_link_request(conn, subcontractor_id, prime_id)? {
            return Err(ServiceError::NotFound("request"));
        }
        let now = time::now();
        if accept {
            sponsors::set_prime(conn, subcontractor_id, prime_id, now)?;
        }
        database::audit::append(
            conn,
            &[audit::entry(
                Some(user),
                if accept {
                    "sponsor.subcontractor_accepted"
                } else {
                    "sponsor.subcontractor_declined"
                },
                None,
                Some(subcontractor_id),
                json!({"prime_sponsor_id": prime_id}),
            )],
        )?;
        let row =
            sponsors::find(conn, subcontractor_id)?.ok_or(ServiceError::NotFound("sponsor"))?;
        Ok(row.into())
    })
}
