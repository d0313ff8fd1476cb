//! Who may see and change which sponsor's data. One place, so that every use case asks the
//! same question the same way.
//!
//! - Desk staff (officers, supervisors) see every sponsor's cases.
//! - An employer sees its own sponsor's, and, read-only, those of subcontractors that file
//!   through it as prime contractor. Never its prime's or a sibling's.
//! - A prime may also file and add projects for its subcontractors (subcontractors file
//!   through their prime), but case actions belong to the case's own sponsor.
//! - Admins manage accounts; they see sponsors (to create employer users) but no cases.

use super::accounts::AuthUser;
use super::ServiceError;
use crate::db::{sponsors, DbConnection};
use crate::domain::Role;

/// Sponsors whose cases `user` may read: `None` means all.
pub fn readable_sponsors(
    conn: &mut DbConnection,
    user: &AuthUser,
) -> Result<Option<Vec<String>>, ServiceError> {
    match user.role {
        Role::Officer | Role::Supervisor => Ok(None),
        Role::Employer => {
            let own = own_sponsor(user)?;
            let mut ids = sponsors::subcontractor_ids(conn, &own)?;
            ids.insert(0, own);
            Ok(Some(ids))
        }
        Role::Admin => Err(ServiceError::Forbidden(
            "administrators manage accounts; case records are for the desk and the sponsor".into(),
        )),
    }
}

/// The employer's own sponsor id.
pub fn own_sponsor(user: &AuthUser) -> Result<String, ServiceError> {
    user.sponsor_id
        .clone()
        .ok_or_else(|| ServiceError::Forbidden("this account belongs to no sponsor".into()))
}

/// May `user` file, add projects and upload documents for `sponsor_id`? Its own sponsor, or
/// a subcontractor whose prime is the user's sponsor, and only with the `file` right: a
/// related user without it is refused (403) rather than told the sponsor is unknown.
pub fn may_file_for(
    conn: &mut DbConnection,
    user: &AuthUser,
    sponsor_id: &str,
) -> Result<bool, ServiceError> {
    if !works_for(conn, user, sponsor_id)? {
        return Ok(false);
    }
    if !user.rights.file {
        return Err(ServiceError::Forbidden(
            "this account reads its sponsor's cases but may not file; a manager of the sponsor can give it the file right".into(),
        ));
    }
    Ok(true)
}

/// Is `sponsor_id` the employer's own sponsor, or a subcontractor filing through it?
fn works_for(
    conn: &mut DbConnection,
    user: &AuthUser,
    sponsor_id: &str,
) -> Result<bool, ServiceError> {
    if user.role != Role::Employer {
        return Ok(false);
    }
    let own = own_sponsor(user)?;
    if own == sponsor_id {
        return Ok(true);
    }
    let sponsor = sponsors::find(conn, sponsor_id)?;
    Ok(sponsor.and_then(|s| s.prime_sponsor_id).as_deref() == Some(own.as_str()))
}

/// May `user` read sponsor-level data (the sponsor, its projects) of `sponsor_id`? Cases
/// add their own rule (admins never read them).
pub fn may_read(
    conn: &mut DbConnection,
    user: &AuthUser,
    sponsor_id: &str,
) -> Result<bool, ServiceError> {
    match user.role {
        Role::Officer | Role::Supervisor | Role::Admin => Ok(true),
        Role::Employer => works_for(conn, user, sponsor_id),
    }
}

/// May `user` add records (documents, trips, training sessions) to the cases and projects of
/// `sponsor_id`? The desk; the sponsor's own employer users, or its prime's, with the `file`
/// right. Admins never.
pub fn may_record_for(
    conn: &mut DbConnection,
    user: &AuthUser,
    sponsor_id: &str,
) -> Result<bool, ServiceError> {
    match user.role {
        Role::Officer | Role::Supervisor => Ok(true),
        Role::Employer => may_file_for(conn, user, sponsor_id),
        Role::Admin => Ok(false),
    }
}
