//! The desk's interview calendar: a day or a week of slots in Seoul time, their use and who is
//! booked; forms to book a case into a slot and to book a whole filing; for supervisors, forms
//! to open and close windows.
//!
//! Authorization: officers and supervisors (opening and closing: supervisors, checked again by
//! `service::interviews`).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Duration, NaiveDate};

use super::form_errors;
use super::forms::FormData;
use super::post::Post;
use super::{page_id, Page, PageError};
use crate::domain::time::desk_today;
use crate::domain::Role;
use crate::http::AppState;
use crate::service::cases::{self, CaseAction, CaseSummary, QueueQuery};
use crate::service::interviews::{
    self, BatchBookingReport, BatchBookingRequest, CloseWindow, NewWindow, SlotView,
};
use crate::service::ServiceError;

const DESK: &[Role] = &[Role::Officer, Role::Supervisor];

#[derive(serde::Deserialize, Default)]
pub struct CalendarParams {
    /// First day shown (Seoul), default today.
    from: Option<String>,
    /// `week` (7 days) or `day` (the default).
    view: Option<String>,
}

/// One day of the calendar.
pub struct DayView {
    pub date: NaiveDate,
    pub slots: Vec<SlotView>,
}

impl DayView {
    pub fn booked(&self) -> i32 {
        self.slots.iter().map(|s| s.booked).sum()
    }

    /// The windows of the day's slots, in order, once each.
    pub fn windows(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for s in self.slots.iter().filter(|s| !s.closed) {
            if !ids.contains(&s.window_id) {
                ids.push(s.window_id.clone());
            }
        }
        ids
    }

    pub fn capacity(&self) -> i32 {
        self.slots
            .iter()
            .filter(|s| !s.closed)
            .map(|s| s.capacity)
            .sum()
    }
}

#[derive(Template)]
#[template(path = "pages/interviews.html")]
struct CalendarPage<'a> {
    p: &'a Page,
    from: NaiveDate,
    week: bool,
    prev: NaiveDate,
    next: NaiveDate,
    days: Vec<DayView>,
    /// Cases awaiting an interview, for the booking form.
    awaiting: Vec<CaseSummary>,
    /// (filing id, cases awaiting, first receipt).
    filings: Vec<(String, i64, Option<String>)>,
    report: Option<BatchBookingReport>,
    error: Option<String>,
}

impl CalendarPage<'_> {
    fn time(&self, slot: &SlotView) -> String {
        format!(
            "{}–{} KST",
            slot.starts_at.format("%H:%M"),
            slot.ends_at.format("%H:%M")
        )
    }
}

/// The words of a refusal the desk can correct on the form; the rest back as `Err`.
fn correctable(err: ServiceError, page: &Page) -> Result<String, ServiceError> {
    let (_, errors) = form_errors::for_form(err, "slot_id")?;
    Ok(errors
        .iter()
        .map(|e| page.error_text(e))
        .collect::<Vec<_>>()
        .join("; "))
}

async fn render(
    page: &Page,
    state: &AppState,
    params: CalendarParams,
    report: Option<BatchBookingReport>,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let user = page.require(DESK)?;
    let from = params
        .from
        .as_deref()
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .unwrap_or_else(desk_today);
    let week = params.view.as_deref() == Some("week");
    let span = if week { 7 } else { 1 };
    let to = from + Duration::days(span - 1);
    let (slots, awaiting, filings) = state
        .ctx
        .run(move |conn, _| {
            let slots = interviews::slots_between(conn, from, to)?;
            let mut awaiting = Vec::new();
            for status in ["in_review", "evidence_submitted"] {
                let page = cases::queue(
                    conn,
                    &user,
                    QueueQuery {
                        status: Some(status.into()),
                        limit: Some(cases::MAX_PAGE),
                        ..QueueQuery::default()
                    },
                )?;
                awaiting.extend(page.items);
            }
            let filings = crate::db::interviews::filings_awaiting_interview(conn)?;
            Ok((slots, awaiting, filings))
        })
        .await
        .map_err(|e| page.fail(e))?;
    let days = (0..span)
        .map(|i| {
            let date = from + Duration::days(i);
            DayView {
                date,
                slots: slots
                    .iter()
                    .filter(|s| s.starts_at.date_naive() == date)
                    .cloned()
                    .collect(),
            }
        })
        .collect();
    page.render(&CalendarPage {
        p: page,
        from,
        week,
        prev: from - Duration::days(span),
        next: from + Duration::days(span),
        days,
        awaiting,
        filings,
        report,
        error,
    })
}

/// `GET /desk/interviews?from=&view=day|week`.
pub async fn calendar(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<CalendarParams>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    render(&page, &state, params.into_inner(), None, None).await
}

fn back_to(form: &FormData) -> CalendarParams {
    CalendarParams {
        from: form.opt("back_from"),
        view: form.opt("back_view"),
    }
}

fn location_of(form: &FormData) -> String {
    let mut to = format!(
        "/desk/interviews?from={}",
        form.opt("back_from").unwrap_or_default()
    );
    if let Some(view) = form.opt("back_view") {
        to.push_str(&format!("&view={}", super::url_encode(&view)));
    }
    to
}

/// `POST /desk/interviews/book`: `case_id`, `slot_id`.
pub async fn book(state: web::Data<AppState>, post: Post) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let user = page.require(DESK)?;
    let case_id = page_id(&page, form.get("case_id"), "case")?;
    let slot_id = form.get("slot_id").to_owned();
    let result = state
        .ctx
        .run(move |conn, ctx| {
            let case = cases::get(conn, &user, &case_id)?;
            cases::apply_action(
                conn,
                ctx,
                &user,
                &case_id,
                case.version,
                CaseAction::ScheduleInterview { slot_id },
            )
        })
        .await;
    match result {
        Ok(_) => Ok(page.redirect(&location_of(&form))),
        Err(e) => match correctable(e, &page) {
            Ok(message) => render(&page, &state, back_to(&form), None, Some(message)).await,
            Err(e) => Err(page.fail(e)),
        },
    }
}

/// `POST /desk/interviews/batch`: `filing_id`, `from`: the report is shown on the page.
pub async fn batch(state: web::Data<AppState>, post: Post) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let user = page.require(DESK)?;
    let filing_id = page_id(&page, form.get("filing_id"), "filing")?;
    let Ok(from) = form.get("from").parse::<NaiveDate>() else {
        let message = "from: must be a date as YYYY-MM-DD".to_owned();
        return render(&page, &state, back_to(&form), None, Some(message)).await;
    };
    let result = state
        .ctx
        .run(move |conn, ctx| {
            interviews::book_filing(conn, ctx, &user, &filing_id, BatchBookingRequest { from })
        })
        .await;
    match result {
        Ok(report) => render(&page, &state, back_to(&form), Some(report), None).await,
        Err(e) => match correctable(e, &page) {
            Ok(message) => render(&page, &state, back_to(&form), None, Some(message)).await,
            Err(e) => Err(page.fail(e)),
        },
    }
}

/// `POST /desk/interviews/windows` (supervisors): opens a window.
pub async fn open_window(
    state: web::Data<AppState>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let user = page.require(&[Role::Supervisor])?;
    let number = |key: &str| form.get(key).trim().parse::<i64>().unwrap_or(0);
    let Ok(date) = form.get("date").parse::<NaiveDate>() else {
        let message = "date: must be a date as YYYY-MM-DD".to_owned();
        return render(&page, &state, back_to(&form), None, Some(message)).await;
    };
    let input = NewWindow {
        date,
        start: form.get("start").to_owned(),
        end: form.get("end").to_owned(),
        slot_minutes: number("slot_minutes"),
        capacity: number("capacity"),
        location: form.opt("location"),
    };
    let result = state
        .ctx
        .run(move |conn, ctx| interviews::open_window(conn, ctx, &user, input))
        .await;
    match result {
        Ok(window) => Ok(page.redirect(&format!("/desk/interviews?from={}", window.date))),
        Err(e) => match correctable(e, &page) {
            Ok(message) => render(&page, &state, back_to(&form), None, Some(message)).await,
            Err(e) => Err(page.fail(e)),
        },
    }
}

/// `POST /desk/interviews/windows/{id}/close` (supervisors): `reason`.
pub async fn close_window(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let user = page.require(&[Role::Supervisor])?;
    let id = page_id(&page, &path, "interview window")?;
    let input = CloseWindow {
        reason: form.get("reason").to_owned(),
    };
    let result = state
        .ctx
        .run(move |conn, _| interviews::close_window(conn, &user, &id, input))
        .await;
    match result {
        Ok(_) => Ok(page.redirect(&location_of(&form))),
        Err(e) => match correctable(e, &page) {
            Ok(message) => render(&page, &state, back_to(&form), None, Some(message)).await,
            Err(e) => Err(page.fail(e)),
        },
    }
}
