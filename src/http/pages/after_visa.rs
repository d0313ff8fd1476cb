//! The case page's part "after the visa" (issue 16): the confirmation the worker carries, the
//! worker's trips and days present (with the presence plot against the 90- and 180-day lines),
//! the desk's overstay alerts, and the forms that record a trip, its exit, an I-94 history and
//! the desk's finding. The routes' authorization is the services' (`service::trips`,
//! `service::overstay`): recording is for the case's sponsor and the desk, alerts and findings
//! for the desk only.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDate};

use super::cases::render_case;
use super::catalog::Lang;
use super::charts::{self, PresenceLabels};
use super::forms::FormData;
use super::post::Post;
use super::{form_errors, page_id, Page, PageError};
use crate::db::DbConnection;
use crate::domain::presence::{self, AdmissionClass, Stay};
use crate::domain::Role;
use crate::http::AppState;
use crate::service::accounts::AuthUser;
use crate::service::overstay::{self, AlertView, Finding, NewFinding};
use crate::service::trips::{self, NewTrip, TripExit, TripView, WorkerCase};
use crate::service::{AppContext, FieldErrors, ServiceError};

/// What the case page shows after the visa.
pub struct AfterVisaPanel {
    /// The case has a confirmation (approved, visa issued, ESTA advised).
    pub confirmation: bool,
    pub days_in_us_last_365: i64,
    pub days_by_class: Vec<(String, i64)>,
    pub open_trip: bool,
    /// The desk: the worker's trips on every case; an employer: this case's.
    pub trips: Vec<TripView>,
    /// The presence plot (SVG).
    pub chart: String,
    /// The first day of the plot's window.
    pub window_from: NaiveDate,
    /// The desk only: the worker's other cases (same passport, any sponsor), each with the
    /// training sessions recorded on it.
    pub other_cases: Vec<(WorkerCase, TrainingSum)>,
    /// The desk only: the case's overstay alerts.
    pub alerts: Vec<AlertView>,
    /// The viewer may record trips (the case's sponsor or the desk).
    pub can_record: bool,
}

/// Training sessions added up: how many, hours, trainee places.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrainingSum {
    pub sessions: i64,
    pub minutes: i64,
    pub trained: i64,
}

impl TrainingSum {
    pub fn hours(&self) -> String {
        crate::domain::training::hours(self.minutes).to_string()
    }
}

impl AfterVisaPanel {
    pub fn has_open_alert(&self) -> bool {
        self.alerts.iter().any(|a| a.status == "open")
    }
}

/// Loads the panel inside the case page's blocking call.
pub fn load(
    conn: &mut DbConnection,
    ctx: &AppContext,
    user: &AuthUser,
    case_id: &str,
    status: &str,
    lang: Lang,
) -> Result<AfterVisaPanel, ServiceError> {
    let today = ctx.today();
    let presence = trips::presence(conn, ctx, user, case_id)?;
    let case = crate::service::cases::load_visible(conn, user, case_id)?;
    // The training sessions on the timeline: the desk sees the worker's on every case, an
    // employer this case's.
    let sessions = if user.role.is_desk() {
        crate::db::training::for_passport(conn, &case.passport_index)?
    } else {
        crate::db::training::for_case(conn, &case.id)?
    };
    let mut by_case: std::collections::HashMap<&str, TrainingSum> = Default::default();
    for s in &sessions {
        let sum = by_case.entry(s.case_id.as_str()).or_default();
        sum.sessions += 1;
        sum.minutes += i64::from(s.minutes);
        sum.trained += i64::from(s.us_workers_trained);
    }
    let alerts = if user.role.is_desk() {
        overstay::list(conn, ctx, user, case_id)?.items
    } else {
        Vec::new()
    };
    let stays: Vec<Stay> = presence
        .trips
        .iter()
        .filter_map(|t| {
            Some(Stay {
                class: AdmissionClass::parse(&t.admission_class).ok()?,
                entry: t.entry_date,
                exit: t.exit_date,
            })
        })
        .collect();
    let window_from = today - Duration::days(364);
    let title = lang
        .t("after.chart_title")
        .replace("{n}", &presence.days_in_us_last_365.to_string());
    let chart = charts::presence(
        "presence-chart",
        &PresenceLabels {
            title: &title,
            line_180: lang.t("after.line_180"),
            line_90: lang.t("after.line_90"),
            count: lang.t("after.chart_count"),
            days_present: lang.t("after.chart_days"),
            training: lang.t("after.chart_training"),
        },
        window_from,
        &presence::daily(&stays, window_from, today),
        &sessions.iter().map(|s| s.session_date).collect::<Vec<_>>(),
    );
    Ok(AfterVisaPanel {
        confirmation: matches!(status, "approved" | "visa_issued" | "esta_advised"),
        days_in_us_last_365: presence.days_in_us_last_365,
        days_by_class: presence.days_by_class.into_iter().collect(),
        open_trip: presence.open_trip,
        trips: presence.trips,
        chart,
        window_from,
        other_cases: presence
            .other_cases
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                let sum = by_case.get(c.id.as_str()).copied().unwrap_or_default();
                (c, sum)
            })
            .collect(),
        alerts,
        can_record: trips::may_record_on(conn, user, case_id)?,
    })
}

/// A date field of a form: `None` when empty; an error named by the field when it does not
/// read as a date.
fn date_field(form: &FormData, name: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let raw = form.opt(name)?;
    errors.check(
        name,
        raw.trim()
            .parse::<NaiveDate>()
            .map_err(|_| "must be a date (YYYY-MM-DD)"),
    )
}

/// Back to the case page after a change (with the flash), or the page again with the errors.
async fn answer(
    page: Page,
    state: &AppState,
    case_id: String,
    result: Result<(), ServiceError>,
    flash: &str,
    field: &str,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(()) => Ok(page.redirect(&format!("/cases/{case_id}?msg={flash}#after-visa"))),
        Err(e) => match form_errors::for_form(e, field) {
            Ok((status, errors)) => render_case(&page, state, case_id, errors, status).await,
            Err(e) => Err(page.fail(e)),
        },
    }
}

/// `POST /cases/{id}/trips` (form: `admission_class`, `entry_date`, `exit_date`,
/// `admitted_until`, `port`).
pub async fn add_trip(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let id = page_id(&page, &path, "case")?;
    let user = page.require(&[Role::Employer, Role::Officer, Role::Supervisor])?;
    let mut errors = FieldErrors::new();
    let entry = date_field(&form, "entry_date", &mut errors);
    if entry.is_none() && form.opt("entry_date").is_none() {
        errors.add("entry_date", "is required");
    }
    let exit = date_field(&form, "exit_date", &mut errors);
    let until = date_field(&form, "admitted_until", &mut errors);
    let result = match (errors.finish(), entry) {
        (Ok(()), Some(entry_date)) => {
            let input = NewTrip {
                admission_class: form.get("admission_class").to_owned(),
                entry_date,
                exit_date: exit,
                port: form.opt("port"),
                admitted_until: until,
            };
            let case_id = id.clone();
            state
                .ctx
                .run(move |conn, ctx| trips::add(conn, ctx, &user, &case_id, input))
                .await
                .map(|_| ())
        }
        (Err(e), _) => Err(e),
        (Ok(()), None) => Err(ServiceError::validation("entry_date", "is required")),
    };
    answer(page, &state, id, result, "trip_added", "admission_class").await
}

/// `POST /cases/{id}/trips/{trip_id}/exit` (form: `exit_date`): the worker has left.
pub async fn record_exit(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let (case, trip) = path.into_inner();
    let id = page_id(&page, &case, "case")?;
    let trip = page_id(&page, &trip, "trip")?;
    let user = page.require(&[Role::Employer, Role::Officer, Role::Supervisor])?;
    let mut errors = FieldErrors::new();
    let exit = date_field(&form, "exit_date", &mut errors);
    let result = match (errors.finish(), exit) {
        (Ok(()), Some(exit_date)) => {
            let case_id = id.clone();
            state
                .ctx
                .run(move |conn, ctx| {
                    trips::record_exit(conn, ctx, &user, &case_id, &trip, TripExit { exit_date })
                })
                .await
                .map(|_| ())
        }
        (Err(e), _) => Err(e),
        (Ok(()), None) => Err(ServiceError::validation("exit_date", "is required")),
    };
    answer(page, &state, id, result, "trip_exit_recorded", "exit_date").await
}

/// `POST /cases/{id}/trips/import` (multipart: `csrf` first, then the I-94 history as
/// `file`, in UTF-8 or the encodings Excel writes).
pub async fn import_trips(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let id = page_id(&page, &path, "case")?;
    let user = page.require(&[Role::Employer, Role::Officer, Role::Supervisor])?;
    if super::security::is_cross_site(&req) {
        return Err(page.fail(ServiceError::Forbidden("a form from another site".into())));
    }
    let gate = |token: &str| page.form_token_matches(token);
    let read = crate::http::filings::read_batch_form(&state, payload, &["file"], Some(&gate)).await;
    let result = match read {
        Ok(form) => match form.bytes("file").filter(|b| !b.is_empty()) {
            Some(bytes) => match crate::service::spreadsheet::decode_text(bytes) {
                Ok(text) => {
                    let case_id = id.clone();
                    state
                        .ctx
                        .run(move |conn, ctx| trips::import_i94(conn, ctx, &user, &case_id, &text))
                        .await
                        .map(|_| ())
                }
                Err(e) => Err(e),
            },
            None => Err(ServiceError::validation("csv", "no crossings in the file")),
        },
        Err(ServiceError::Forbidden(m)) => return Err(page.fail(ServiceError::Forbidden(m))),
        Err(e) => Err(e),
    };
    answer(page, &state, id, result, "trips_imported", "csv").await
}

/// `POST /overstay-alerts/{id}/finding` (form: `case` to return to, `finding`, `reason`,
/// `amend_open_cases`).
pub async fn finding(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let alert = page_id(&page, &path, "overstay alert")?;
    let case_id = page_id(&page, form.get("case"), "case")?;
    let user = page.require(&[Role::Officer, Role::Supervisor])?;
    let finding = match form.get("finding") {
        "violation" => Some(Finding::Violation),
        "no_violation" => Some(Finding::NoViolation),
        _ => None,
    };
    let result = match finding {
        Some(finding) => {
            let input = NewFinding {
                finding,
                reason: form.get("reason").to_owned(),
                amend_open_cases: form.checked("amend_open_cases"),
            };
            state
                .ctx
                .run(move |conn, ctx| overstay::decide(conn, ctx, &user, &alert, input))
                .await
                .map(|_| ())
        }
        None => Err(ServiceError::validation(
            "finding",
            "must be one of violation, no_violation",
        )),
    };
    answer(page, &state, case_id, result, "finding_recorded", "reason").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_field_is_empty_a_date_or_an_error_naming_it() {
        let form = FormData(vec![
            ("entry_date".into(), "2026-03-02".into()),
            ("exit_date".into(), "".into()),
            ("admitted_until".into(), "31/03/2026".into()),
        ]);
        let mut errors = FieldErrors::new();
        assert_eq!(
            date_field(&form, "entry_date", &mut errors),
            Some("2026-03-02".parse().unwrap())
        );
        assert_eq!(date_field(&form, "exit_date", &mut errors), None);
        assert_eq!(date_field(&form, "admitted_until", &mut errors), None);
        let Err(ServiceError::Validation(errors)) = errors.finish() else {
            panic!("refused");
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "admitted_until");
    }
}
