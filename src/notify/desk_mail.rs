//! Mails to the desk itself rather than to employers or applicants: the overstay alert to the
//! case's officer. Korean first, then English, like every mail; the templates are in
//! `templates/mail/<message>/` (not the applicants' layout: its footer speaks to them).

use askama::Template;
use chrono::NaiveDate;

use super::messages::{assemble, Rendered};

/// The outbox `kind` of [`OverstayAlertMail`].
pub const OVERSTAY_ALERT: &str = "overstay_alert";

/// A trip recorded past its admit-until date, to the assigned officer (or the supervisors).
#[derive(Debug, Clone)]
pub struct OverstayAlertMail {
    pub receipt_number: String,
    /// The worker's name as in the passport (`KIM Minjun`).
    pub worker: String,
    pub sponsor: String,
    pub admitted_until: NaiveDate,
    /// `exit_after` or `open_past`.
    pub kind: String,
    pub exit_date: Option<NaiveDate>,
    pub days_over: i64,
    pub detected_on: NaiveDate,
    /// The case page.
    pub url: String,
}

impl OverstayAlertMail {
    /// The exit date as the Korean part writes it (`2026년 12월 1일`), empty when none.
    pub fn exit_date_ko(&self) -> String {
        self.exit_date
            .as_ref()
            .map(crate::domain::time::date_ko)
            .unwrap_or_default()
    }

    /// The exit date as the English part writes it (`1 Dec 2026`), empty when none.
    pub fn exit_date_en(&self) -> String {
        self.exit_date
            .as_ref()
            .map(crate::domain::time::date_en)
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "mail/overstay_alert/subject.txt")]
struct OverstayAlertSubject<'a> {
    m: &'a OverstayAlertMail,
}

#[derive(Template)]
#[template(path = "mail/overstay_alert/body.txt")]
struct OverstayAlertText<'a> {
    m: &'a OverstayAlertMail,
}

#[derive(Template)]
#[template(path = "mail/overstay_alert/body.html")]
struct OverstayAlertHtml<'a> {
    m: &'a OverstayAlertMail,
}

pub fn overstay_alert_mail(m: &OverstayAlertMail) -> Result<Rendered, askama::Error> {
    Ok(assemble(
        OverstayAlertSubject { m }.render()?,
        OverstayAlertText { m }.render()?,
        OverstayAlertHtml { m }.render()?,
    ))
}
