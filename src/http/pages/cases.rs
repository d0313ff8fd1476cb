//! One case, for the desk and for the case's employer: the worker, project and sponsor, the
//! eligibility of every route (desk only), history, notes or messages, and the actions the
//! viewer may take now, each carrying the case version it was shown with.
//!
//! Authorization: `service::cases` (officers and supervisors every case; an employer its
//! own sponsor's and, read-only, its subcontractors'; another sponsor's case is a 404).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::form_errors;
use super::forms::FormData;
use super::post::Post;
use super::view::outcome_badge;
use super::{page_id, Lang, Page, PageError};
use crate::domain::case::allowed_actions;
use crate::domain::fact_names;
use crate::domain::{ActionKind, CaseStatus, Role};
use crate::http::AppState;
use crate::rules::RuleStatus;
use crate::service::cases::{self, CaseAction, CaseView, HistoryEntry, NewNote, NoteView};
use crate::service::eligibility::{self, Explanation};
use crate::service::sponsors::{self, ProjectView, SponsorView};
use crate::service::{FieldError, ServiceError};

pub struct RuleView {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub title: String,
    pub message: String,
    pub citation: String,
    /// The document an evidence rule is confirmed with (its kind code).
    pub document: Option<String>,
}

impl RuleView {
    pub fn badge(&self) -> &'static str {
        outcome_badge(&self.status)
    }
}

pub struct RouteView {
    pub route: String,
    pub title: String,
    pub outcome: String,
    /// `in_force`, `sandbox` (a proposal: "would qualify if enacted") or `not_available`.
    pub status: &'static str,
    pub basis: String,
    pub caution: Option<String>,
    pub rules: Vec<RuleView>,
}

impl RouteView {
    pub fn badge(&self) -> &'static str {
        outcome_badge(&self.outcome)
    }

    pub fn is_sandbox(&self) -> bool {
        self.status == "sandbox"
    }

    /// The condition that decides the outcome: the first failed, erroneous, flagged or
    /// unconfirmed rule (rules are sorted so), or none when every condition is met.
    pub fn deciding(&self) -> Option<&RuleView> {
        let holding = self.rules.first().filter(|r| {
            matches!(
                r.status.as_str(),
                "failed" | "error" | "flagged" | "unconfirmed"
            )
        });
        // Under a rule set where a judgement rule asks for review even when it passes.
        holding.or_else(|| {
            (self.outcome == "needs_review")
                .then(|| self.rules.iter().find(|r| r.kind == "discretion"))
                .flatten()
        })
    }

    /// May be offered for approval: in force, and neither ineligible nor unavailable.
    pub fn approvable(&self) -> bool {
        self.status == "in_force" && matches!(self.outcome.as_str(), "eligible" | "needs_review")
    }
}

/// The routes of an evaluation in the page's language, each route's deciding rules first
/// (failed and error, then flagged and unconfirmed, then notices, then the rest).
pub fn routes_view(evaluation: &Explanation, lang: Lang) -> Vec<RouteView> {
    let ko = lang == Lang::Ko;
    let pick = |en: &str, ko_text: &str| -> String {
        if ko && !ko_text.is_empty() {
            ko_text.to_owned()
        } else {
            en.to_owned()
        }
    };
    let rank = |status: &RuleStatus| match status {
        RuleStatus::Failed | RuleStatus::Error => 0,
        RuleStatus::Flagged | RuleStatus::Unconfirmed => 1,
        RuleStatus::Noted => 2,
        _ => 3,
    };
    evaluation
        .routes
        .iter()
        .map(|r| {
            let mut rules: Vec<(u8, RuleView)> = r
                .rules
                .iter()
                .map(|rule| {
                    (
                        rank(&rule.status),
                        RuleView {
                            id: rule.id.clone(),
                            kind: rule.kind.as_str().to_owned(),
                            status: rule.status.as_str().to_owned(),
                            title: pick(&rule.title_en, &rule.title_ko),
                            message: pick(
                                rule.message_en.as_deref().unwrap_or(""),
                                rule.message_ko.as_deref().unwrap_or(""),
                            ),
                            citation: rule.citation.clone(),
                            document: rule.document.clone(),
                        },
                    )
                })
                .collect();
            rules.sort_by_key(|(rank, _)| *rank);
            RouteView {
                route: r.route.clone(),
                title: pick(&r.title_en, &r.title_ko),
                outcome: r.outcome.as_str().to_owned(),
                status: r.status(),
                basis: r.basis.clone().unwrap_or_default(),
                caution: match (&r.caution_en, &r.caution_ko) {
                    (Some(en), Some(k)) => Some(pick(en, k)),
                    _ => None,
                },
                rules: rules.into_iter().map(|(_, v)| v).collect(),
            }
        })
        .collect()
}

/// A group of the facts a decision rests on, as the officer reads them.
pub struct FactGroup {
    pub title_key: &'static str,
    /// (label, value in the reader's language)
    pub rows: Vec<(String, String)>,
}

/// The case's facts, grouped and in the reader's language: what the rules read, so that an
/// officer decides seeing them.
pub fn fact_groups(facts: &serde_json::Value, lang: Lang) -> Vec<FactGroup> {
    let Ok(facts) = crate::domain::FactsV2::from_value(facts.clone()) else {
        return Vec::new();
    };
    let missing = || lang.t("facts.missing").to_owned();
    let flag = |v: Option<bool>| v.map(|b| lang.yes_no(b).to_owned()).unwrap_or_else(missing);
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| lang.date(d)).unwrap_or_else(missing);
    let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_else(missing);
    let usd = |n: Option<f64>| {
        n.map(|n| format!("US$ {}", group_thousands(n)))
            .unwrap_or_else(missing)
    };
    let word = |prefix: &str, v: Option<String>| {
        v.map(|v| lang.label(prefix, &v).to_owned())
            .unwrap_or_else(missing)
    };
    let a = &facts.applicant;
    let w = &facts.assignment;
    let e = &facts.employer;
    let trips = match &a.travel_since_2011 {
        None => missing(),
        Some(trips) if trips.is_empty() => lang.t("facts.none").to_owned(),
        Some(trips) => trips
            .iter()
            .map(|t| {
                format!(
                    "{} {}–{}{}",
                    lang.country(&t.country),
                    lang.date(t.from),
                    t.to.map(|d| lang.date(d)).unwrap_or_default(),
                    if t.official_duty {
                        format!(" ({})", lang.t("facts.official"))
                    } else {
                        String::new()
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    };
    let activities = match &w.activities {
        None => missing(),
        Some(list) => list
            .iter()
            .map(|x| lang.label("activity.", &vocabulary_code(x)).to_owned())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let value = |path: &str| -> String {
        match path {
            "assignment.activities" => activities.clone(),
            "assignment.planned_entry" => date(w.planned_entry),
            "assignment.planned_exit" => date(w.planned_exit),
            "assignment.pay_source" => {
                word("pay_source.", w.pay_source.as_ref().map(vocabulary_code))
            }
            "assignment.equipment_purchased_abroad" => flag(w.equipment_purchased_abroad),
            "assignment.contract_requires_seller_services" => {
                flag(w.contract_requires_seller_services)
            }
            "assignment.worker_employed_by_seller" => flag(w.worker_employed_by_seller),
            "assignment.worksite_controlled_by_group" => flag(w.worksite_controlled_by_group),
            "assignment.specialty_occupation" => flag(w.specialty_occupation),
            "assignment.offered_wage_usd" => usd(w.offered_wage_usd),
            "assignment.prevailing_wage_usd" => usd(w.prevailing_wage_usd),
            "assignment.actual_wage_usd" => usd(w.actual_wage_usd),
            "applicant.role" => word("role.", a.role.as_ref().map(vocabulary_code)),
            "applicant.education" => word("education.", a.education.as_ref().map(vocabulary_code)),
            "applicant.degree_in_specialty" => flag(a.degree_in_specialty),
            "applicant.degree_equivalent" => flag(a.degree_equivalent),
            "applicant.years_experience" => number(a.years_experience),
            "applicant.months_employed_by_sponsor_last_3y" => {
                number(a.months_employed_by_sponsor_last_3y)
            }
            "applicant.tenure_continuous" => flag(a.tenure_continuous),
            "applicant.specialized_knowledge" => flag(a.specialized_knowledge),
            "applicant.e4_initial" => flag(a.e4_initial),
            "applicant.passport_expiry" => date(a.passport_expiry),
            "applicant.other_nationalities" => a
                .other_nationalities
                .as_ref()
                .map(|n| {
                    if n.is_empty() {
                        lang.t("facts.none").to_owned()
                    } else {
                        n.iter()
                            .map(|c| lang.country(c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                })
                .unwrap_or_else(missing),
            "applicant.prior_us_violation" => flag(a.prior_us_violation),
            "applicant.previously_detained_2025" => flag(a.previously_detained_2025),
            "applicant.prior_visa_refusal" => flag(a.prior_visa_refusal),
            "applicant.prior_esta_denial" => flag(a.prior_esta_denial),
            "applicant.travel_since_2011" => trips.clone(),
            "employer.korean_ownership_pct" => e
                .korean_ownership_pct
                .map(|n| format!("{n}%"))
                .unwrap_or_else(missing),
            "employer.treaty_investor" => flag(e.treaty_investor),
            "employer.qualifying_relationship" => word(
                "relationship.",
                e.qualifying_relationship.as_ref().map(vocabulary_code),
            ),
            "employer.labor_attestation_filed" => flag(e.labor_attestation_filed),
            "employer.strike_or_lockout" => flag(e.strike_or_lockout),
            _ => missing(),
        }
    };
    fact_names::FactGroup::ALL
        .iter()
        .map(|&group| {
            let mut rows = Vec::new();
            for fact in fact_names::AMENDABLE.iter().filter(|f| f.group == group) {
                rows.push((lang.pick(fact.en, fact.ko).to_owned(), value(fact.path)));
                // the stay's length, which the rules count, beside its dates
                if fact.path == "assignment.planned_exit" {
                    rows.push((
                        lang.t("facts.stay_days").to_owned(),
                        match (w.planned_entry, w.planned_exit) {
                            (Some(from), Some(to)) => ((to - from).num_days() + 1).to_string(),
                            _ => missing(),
                        },
                    ));
                }
            }
            FactGroup {
                title_key: group.title_key(),
                rows,
            }
        })
        .collect()
}

/// A vocabulary value's code, as the facts schema spells it (`high_school`).
fn vocabulary_code<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// 68000.5 as "68,000.5".
fn group_thousands(n: f64) -> String {
    let whole = n.trunc() as i64;
    let digits = whole.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    let fraction = n.fract().abs();
    let sign = if whole < 0 { "-" } else { "" };
    if fraction > 0.0 {
        format!("{sign}{out}{}", &format!("{fraction:.2}")[1..])
    } else {
        format!("{sign}{out}")
    }
}

/// A document as the case page lists it.
pub struct DocumentLine {
    pub view: crate::service::documents::DocumentView,
    pub size_kb: i64,
    /// Seoul time, with the zone.
    pub uploaded: String,
    pub is_image: bool,
    pub is_pdf: bool,
    /// Evidence rules of the current evaluation that name its kind.
    pub serves: Vec<String>,
}

/// An action the viewer may not take now, and why.
pub struct Unavailable {
    pub action: ActionKind,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "pages/case.html")]
struct CasePage<'a> {
    p: &'a Page,
    case: CaseView,
    sponsor: SponsorView,
    project: ProjectView,
    notes: Vec<NoteView>,
    history: Vec<HistoryEntry>,
    /// Previous and next in the queue the officer came from.
    nav: Option<QueueNav>,
    /// The facts the decision rests on, grouped and translated.
    facts: Vec<FactGroup>,
    routes: Vec<RouteView>,
    replayed_exactly: bool,
    /// Which evaluation is current: (evaluation date, trigger, when it was made in Seoul time).
    evaluation_meta: Option<(String, String, String)>,
    actions: Vec<&'static str>,
    unavailable: Vec<Unavailable>,
    approvable: Vec<String>,
    /// Free interview slots (id, "Tue 1 Dec 2026, 09:00 KST · 1 of 2 free · place").
    free_slots: Vec<(String, String)>,
    /// The booked interview in Seoul time.
    interview_label: Option<String>,
    /// Refusal grounds (id, "INA 214(b) (8 U.S.C. 1184(b)) — title").
    grounds: Vec<(&'static str, String)>,
    /// Evidence rules awaiting the desk's confirmation (for the confirm form).
    unconfirmed: Vec<String>,
    /// The facts the amend form offers, by group: (group title key, [(path, name)]).
    amendable: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
    /// Document kinds an evidence request can name.
    document_kinds: Vec<&'static str>,
    errors: Vec<FieldError>,
    can_write: bool,
    documents: Vec<DocumentLine>,
    /// The viewer may add documents (the case's employer users or the desk, before a
    /// decision).
    can_upload: bool,
    /// Trips, presence, overstay alerts, the confirmation.
    after_visa: super::after_visa::AfterVisaPanel,
    /// The training ledger's section (`pages/case_training.html`).
    training: Option<super::training::CaseTraining>,
}

impl CasePage<'_> {
    /// Does the romanised name fail to read as the Hangul name?
    fn name_mismatch(&self) -> bool {
        let w = &self.case.worker;
        w.name_ko.as_deref().is_some_and(|ko| {
            crate::domain::romanization::check(ko, &w.family_name, &w.given_name).is_some()
        })
    }

    fn status_badge(&self) -> &'static str {
        outcome_badge(&self.case.status)
    }
    fn history_line(&self, h: &HistoryEntry) -> String {
        let action = h.action.strip_prefix("case.").unwrap_or(&h.action);
        let label = self.p.lang.label("action.", action);
        let after = h.summary["after"]["status"].as_str().unwrap_or("");
        if after.is_empty() {
            label.to_owned()
        } else {
            format!("{label} → {}", self.p.lang.status(after))
        }
    }
    fn name_of(&self, id: &str) -> String {
        if self.p.user.as_ref().is_some_and(|u| u.id == id) {
            self.p.user_email().to_owned()
        } else {
            id.chars().take(8).collect()
        }
    }
}

/// Loads everything the case page shows, in one blocking call.
pub(super) async fn render_case(
    page: &Page,
    state: &AppState,
    id: String,
    errors: Vec<FieldError>,
    failure: StatusCode,
) -> Result<HttpResponse, PageError> {
    render_case_in(page, state, id, errors, failure, None).await
}

/// Previous and next within the queue the officer came from: (its filters, URL-encoded for a
/// `?queue=`, the previous case's id, the next case's id).
pub struct QueueNav {
    pub context: String,
    /// The filters as the queue page's own query string.
    pub filters: String,
    pub previous: Option<(String, String)>,
    pub next: Option<(String, String)>,
}

async fn render_case_in(
    page: &Page,
    state: &AppState,
    id: String,
    errors: Vec<FieldError>,
    failure: StatusCode,
    queue: Option<String>,
) -> Result<HttpResponse, PageError> {
    let user = page.require(&[Role::Employer, Role::Officer, Role::Supervisor])?;
    let lang = page.lang;
    let nav = match queue.filter(|_| page.is_desk()) {
        Some(context) => {
            let params = web::Query::<super::desk::QueueParams>::from_query(&context)
                .map(web::Query::into_inner)
                .unwrap_or_default();
            let query = params.to_query();
            let user = user.clone();
            let case_id = id.clone();
            let found = state
                .ctx
                .run(move |conn, _| cases::neighbours(conn, &user, &query, &case_id))
                .await;
            found.ok().map(|(previous, next)| QueueNav {
                context: super::url_encode(&params.context()),
                filters: params.context(),
                previous: previous.map(|c| (c.id, c.receipt_number)),
                next: next.map(|c| (c.id, c.receipt_number)),
            })
        }
        None => None,
    };
    let loaded = state
        .ctx
        .run(move |conn, ctx| {
            let case = cases::get(conn, &user, &id)?;
            let sponsor = sponsors::get(conn, &user, &case.sponsor_id)?;
            let project = sponsors::get_project(conn, &user, &case.project_id)?;
            let notes = cases::list_notes(conn, &user, &id)?;
            let history = cases::history(conn, &user, &id)?;
            let documents = crate::service::documents::list_for_case(conn, &user, &id)?;
            let after_visa = super::after_visa::load(conn, ctx, &user, &id, &case.status, lang)?;
            // The rule-by-rule explanation is the desk's working view.
            let eligibility = if user.role.is_desk() {
                match eligibility::case_eligibility(conn, ctx, &user, &id) {
                    Ok(v) => Some(v),
                    Err(ServiceError::NotFound(_)) => None,
                    Err(e) => return Err(e),
                }
            } else {
                None
            };
            Ok((
                user,
                case,
                (sponsor, project),
                notes,
                history,
                eligibility,
                (documents, after_visa),
            ))
        })
        .await
        .map_err(|e| page.fail(e))?;
    let (user, case, (sponsor, project), notes, history, eligibility, (documents, after_visa)) =
        loaded;
    let training = super::training::case_section(state, &user, &case)
        .await
        .map_err(|e| page.fail(e))?;
    let routes = eligibility
        .as_ref()
        .map(|e| routes_view(&e.evaluation, lang))
        .unwrap_or_default();
    let replayed_exactly = eligibility.as_ref().is_some_and(|e| e.replayed_exactly);
    let evaluation_meta = eligibility.as_ref().map(|e| {
        (
            lang.date(e.evaluation_date),
            e.trigger.clone(),
            lang.time(e.evaluated_at),
        )
    });
    let status: CaseStatus = case
        .status
        .parse()
        .map_err(|_| page.fail(ServiceError::Internal("unknown stored status".into())))?;
    let own_case =
        user.role != Role::Employer || user.sponsor_id.as_deref() == Some(case.sponsor_id.as_str());
    let unavailable = if own_case {
        ActionKind::ALL
            .into_iter()
            .filter(|a| a.roles().contains(&user.role) && !a.allowed_from(status))
            .filter(|a| !allowed_actions(status, user.role).contains(a))
            .map(|action| Unavailable {
                action,
                reason: page
                    .t("case.not_in_state")
                    .replace("{s}", lang.status(status.as_str())),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut approvable: Vec<String> = routes
        .iter()
        .filter(|r| r.approvable())
        .map(|r| r.route.clone())
        .collect();
    if let Some(s) = &case.suggested_route {
        if approvable.contains(s) {
            approvable.retain(|r| r != s);
            approvable.insert(0, s.clone());
        }
    }
    let documents: Vec<DocumentLine> = documents
        .into_iter()
        .map(|d| {
            // The evidence rules of the current evaluation this document can confirm.
            let mut serves: Vec<String> = routes
                .iter()
                .flat_map(|r| r.rules.iter())
                .filter(|r| r.document.as_deref() == Some(d.kind.as_str()))
                .map(|r| r.id.clone())
                .collect();
            serves.sort();
            serves.dedup();
            DocumentLine {
                size_kb: (d.size + 1023) / 1024,
                uploaded: crate::domain::time::desk_time(d.uploaded_at)
                    .format("%Y-%m-%d %H:%M KST")
                    .to_string(),
                is_image: d.content_type.starts_with("image/"),
                is_pdf: d.content_type == "application/pdf",
                serves,
                view: d,
            }
        })
        .collect();
    let can_upload = own_case && crate::service::eligibility::UNDECIDED.contains(&status.as_str());
    let mut unconfirmed: Vec<String> = routes
        .iter()
        .flat_map(|r| r.rules.iter())
        .filter(|r| r.status == "unconfirmed")
        .map(|r| r.id.clone())
        .collect();
    unconfirmed.dedup();
    let books = case
        .allowed_actions
        .iter()
        .any(|a| matches!(a, ActionKind::ScheduleInterview | ActionKind::Reschedule));
    let free_slots = if books {
        state
            .ctx
            .run(|conn, _| crate::service::interviews::free_slots(conn, 200))
            .await
            .map_err(|e| page.fail(e))?
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    format!(
                        "{} · {} · {}",
                        page.lang.appointment(s.starts_utc()),
                        page.t("interview.free")
                            .replace("{n}", &s.free().to_string())
                            .replace("{m}", &s.capacity.to_string()),
                        s.location
                    ),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let interview_label = case.interview_at.map(|at| page.lang.appointment(at));
    let actions = case.allowed_actions.iter().map(|a| a.as_str()).collect();
    let code = if errors.is_empty() {
        StatusCode::OK
    } else {
        failure
    };
    let facts = fact_groups(&case.facts, page.lang);
    page.render_status(
        code,
        &CasePage {
            p: page,
            nav,
            facts,
            case,
            sponsor,
            project,
            notes,
            history,
            routes,
            replayed_exactly,
            evaluation_meta,
            unconfirmed,
            amendable: fact_names::FactGroup::ALL
                .iter()
                .map(|&group| {
                    let facts = fact_names::AMENDABLE
                        .iter()
                        .filter(|f| f.group == group)
                        .map(|f| (f.path, page.lang.pick(f.en, f.ko)))
                        .collect();
                    (group.title_key(), facts)
                })
                .collect(),
            document_kinds: crate::domain::document::DocumentKind::ALL
                .map(|k| k.as_str())
                .to_vec(),
            documents,
            can_upload,
            after_visa,
            actions,
            unavailable,
            approvable,
            free_slots,
            interview_label,
            grounds: crate::domain::refusal::GROUNDS
                .iter()
                .map(|g| {
                    let title = if lang.is_ko() { g.title_ko } else { g.title_en };
                    (g.id, format!("{} — {title}", g.citation))
                })
                .collect(),
            errors,
            can_write: own_case,
            training,
        },
    )
}

/// `GET /cases/{id}`.
#[derive(serde::Deserialize)]
pub struct ShowParams {
    /// The queue's filters (from the queue page's links): previous/next follow it.
    queue: Option<String>,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    params: web::Query<ShowParams>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let id = page_id(&page, &path, "case")?;
    let queue = params.into_inner().queue;
    render_case_in(&page, &state, id, Vec::new(), StatusCode::OK, queue).await
}

/// The action named by the form, with its fields.
fn action_from(form: &FormData, user_id: &str) -> Result<CaseAction, FieldError> {
    let reason = || form.get("reason").to_owned();
    let bad = |field: &str, message: &str| FieldError {
        field: field.into(),
        message: message.into(),
    };
    Ok(match form.get("action") {
        "assign" => CaseAction::Assign {
            assignee_id: user_id.to_owned(),
        },
        "start_review" => CaseAction::StartReview {},
        "request_evidence" => CaseAction::RequestEvidence {
            reason: reason(),
            due_date: match form.opt("due_date") {
                Some(d) => Some(
                    chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                        .map_err(|_| bad("due_date", "must be a date as YYYY-MM-DD"))?,
                ),
                None => None,
            },
            documents: form.all("documents"),
        },
        "submit_evidence" => CaseAction::SubmitEvidence {
            note: form.get("note").to_owned(),
        },
        "schedule_interview" => CaseAction::ScheduleInterview {
            slot_id: form
                .opt("slot_id")
                .ok_or_else(|| bad("slot_id", "choose an interview slot"))?,
        },
        "reschedule" => CaseAction::Reschedule {
            slot_id: form
                .opt("slot_id")
                .ok_or_else(|| bad("slot_id", "choose an interview slot"))?,
        },
        "approve" => CaseAction::Approve {
            route: form.get("route").to_owned(),
            reason: reason(),
        },
        "refuse" => CaseAction::Refuse {
            ground: form.get("ground").to_owned(),
            reason: reason(),
        },
        "administrative_processing" => CaseAction::AdministrativeProcessing {
            reason: reason(),
            documents: form.all("documents"),
        },
        "request_reschedule" => CaseAction::RequestReschedule {
            reason: reason(),
            preferred_dates: form
                .get("preferred_dates")
                .split([',', ' '])
                .filter(|d| !d.trim().is_empty())
                .map(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d"))
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    bad(
                        "preferred_dates",
                        "write dates as YYYY-MM-DD, separated by commas",
                    )
                })?,
        },
        "cancel_interview" => CaseAction::CancelInterview { reason: reason() },
        "record_no_show" => CaseAction::RecordNoShow {
            note: form.get("note").to_owned(),
        },
        "withdraw" => CaseAction::Withdraw { reason: reason() },
        "issue_visa" => CaseAction::IssueVisa {},
        // One fact at a time: its dotted path and the new value as a person writes it (see
        // `amended_value`); an empty value removes the fact.
        "amend_facts" => {
            let Some(fact) = fact_names::find(form.get("fact").trim()) else {
                return Err(bad("fact", "choose the fact to change"));
            };
            let path = fact.path;
            let mut patch = amended_value(fact, form.get("value").trim())
                .map_err(|message| bad("value", &message))?;
            for key in path.rsplit('.') {
                let mut map = serde_json::Map::new();
                map.insert(key.to_owned(), patch);
                patch = serde_json::Value::Object(map);
            }
            CaseAction::AmendFacts {
                facts: patch,
                reason: reason(),
            }
        }
        "confirm_evidence" => CaseAction::ConfirmEvidence {
            rule_id: form.get("rule_id").to_owned(),
            note: form.get("note").to_owned(),
        },
        _ => return Err(bad("action", "is not an action")),
    })
}

/// The amend form's value, read by the kind of the fact: 예/아니오 (yes/no, true/false) for a
/// yes-or-no fact, a number with or without thousands separators, several values separated
/// by commas, trips as the batch file writes them; a vocabulary's value by its code or its
/// name in either language (`installer`, `Installer`, `설치 기사`); a date as typed. JSON
/// (`[…]`, `{…}`) is taken as it is. Empty removes the fact.
fn amended_value(fact: &fact_names::FactName, raw: &str) -> Result<serde_json::Value, String> {
    use fact_names::FactKind;
    use serde_json::Value;
    // the catalog's prefix of the fact's vocabulary, as the batch form names it ("" for none)
    let field = fact.path.rsplit('.').next().unwrap_or(fact.path);
    let vocabulary = super::forms::vocabulary_prefix(field);
    let code = |text: &str| -> String {
        Some(vocabulary)
            .filter(|prefix| !prefix.is_empty())
            .and_then(|prefix| Lang::code_of(prefix, text))
            .unwrap_or(text)
            .to_owned()
    };
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    if raw.starts_with('[') || raw.starts_with('{') {
        return serde_json::from_str(raw).map_err(|_| "is not valid JSON".to_owned());
    }
    Ok(match fact.kind {
        FactKind::YesNo => Value::Bool(
            crate::domain::text::yes_no(raw).ok_or_else(|| "must be yes or no".to_owned())?,
        ),
        FactKind::Number => {
            // "US$ 68,000", "68000 USD", "51%": the unit and the separators go
            let digits: String = raw
                .replace("USD", "")
                .replace("US", "")
                .chars()
                .filter(|c| !matches!(c, ',' | '%' | '$' | ' '))
                .collect();
            let number: f64 = digits.parse().map_err(|_| "must be a number".to_owned())?;
            if number.fract() == 0.0 && number.abs() < 1e15 {
                Value::from(number as i64)
            } else {
                serde_json::Number::from_f64(number)
                    .map(Value::Number)
                    .ok_or_else(|| "must be a number".to_owned())?
            }
        }
        FactKind::Codes => Value::from(
            raw.split([',', ';', '、'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(code)
                .collect::<Vec<_>>(),
        ),
        FactKind::Trips => {
            serde_json::to_value(crate::service::filing::parse_trips(raw)?).unwrap_or_default()
        }
        FactKind::Code => Value::String(code(raw)),
        FactKind::Date => Value::String(raw.to_owned()),
    })
}

/// `POST /cases/{id}/act`: one action at the version the page was shown with (the form's
/// `version` is the page's If-Match). A stale version goes back to the current case with a
/// polite message; refusals are shown on the case page.
pub async fn act(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let id = page_id(&page, &path, "case")?;
    let user = page.require(&[Role::Employer, Role::Officer, Role::Supervisor])?;
    let Ok(version) = form.get("version").trim().parse::<i64>() else {
        return render_case(
            &page,
            &state,
            id,
            vec![FieldError {
                field: "version".into(),
                message: "is missing; reload the page".into(),
            }],
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let action = match action_from(&form, &user.id) {
        Ok(a) => a,
        Err(e) => {
            return render_case(&page, &state, id, vec![e], StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let case_id = id.clone();
    let result = state
        .ctx
        .run(move |conn, ctx| cases::apply_action(conn, ctx, &user, &case_id, version, action))
        .await;
    match result {
        Ok(_) => Ok(page.redirect(&format!("/cases/{id}?msg=done"))),
        Err(ServiceError::PreconditionFailed { .. }) => {
            Ok(page.redirect(&format!("/cases/{id}?msg=stale")))
        }
        Err(e) => match form_errors::for_form(e, "action") {
            Ok((status, errors)) => render_case(&page, &state, id, errors, status).await,
            Err(e) => Err(page.fail(e)),
        },
    }
}

/// `POST /cases/{id}/notes`: a desk note (internal or shared) or an employer's message.
pub async fn add_note(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let id = page_id(&page, &path, "case")?;
    let user = page.require(&[Role::Employer, Role::Officer, Role::Supervisor])?;
    let visibility = if user.role == Role::Employer {
        "shared".to_owned()
    } else {
        match form.get("visibility") {
            "shared" => "shared".to_owned(),
            _ => "internal".to_owned(),
        }
    };
    let note = NewNote {
        body: form.get("body").to_owned(),
        visibility,
    };
    let case_id = id.clone();
    let result = state
        .ctx
        .run(move |conn, _| cases::add_note(conn, &user, &case_id, note))
        .await;
    match result {
        Ok(_) => Ok(page.redirect(&format!("/cases/{id}?msg=note_added"))),
        Err(e) => match form_errors::for_form(e, "body") {
            Ok((status, errors)) => render_case(&page, &state, id, errors, status).await,
            Err(e) => Err(page.fail(e)),
        },
    }
}

/// A document error shown on the case page: beside the file field.
fn document_error(e: ServiceError) -> Result<(StatusCode, Vec<FieldError>), ServiceError> {
    form_errors::for_form(e, "file")
}

/// An upload from a page form: same-site, and the form's token (sent first) checked before a
/// byte is stored; then streamed like the API's. The outer error is the page's refusal.
pub(super) async fn upload_from_page(
    page: &Page,
    req: &HttpRequest,
    state: &AppState,
    user: crate::service::accounts::AuthUser,
    target: crate::service::documents::UploadTarget,
    payload: actix_multipart::Multipart,
) -> Result<Result<crate::service::documents::DocumentView, ServiceError>, PageError> {
    if super::security::is_cross_site(req) {
        return Err(page.fail(ServiceError::Forbidden("a form from another site".into())));
    }
    let gate = |token: &str| page.form_token_matches(token);
    Ok(crate::http::documents::upload_multipart(state, user, target, payload, Some(&gate)).await)
}

/// `POST /cases/{id}/documents` (multipart: `csrf` first, then `kind` and `file`): an upload
/// from the case page, streamed like the API's.
pub async fn upload_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let id = page_id(&page, &path, "case")?;
    let user = page.require(&[Role::Employer, Role::Officer, Role::Supervisor])?;
    let target = crate::service::documents::UploadTarget::Case(id.clone());
    match upload_from_page(&page, &req, &state, user, target, payload).await? {
        Ok(_) => Ok(page.redirect(&format!("/cases/{id}?msg=document_added#h-documents"))),
        Err(e) => match document_error(e) {
            Ok((status, errors)) => render_case(&page, &state, id, errors, status).await,
            Err(e) => Err(page.fail(e)),
        },
    }
}

/// `POST /documents/{id}/review` (form: `csrf`, `decision`, `note`, `case` to return to).
pub async fn review_document(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let id = page_id(&page, &path, "document")?;
    let case_id = page_id(&page, &web::Path::from(form.get("case").to_owned()), "case")?;
    let user = page.require(&[Role::Officer, Role::Supervisor])?;
    let input = crate::service::documents::ReviewInput {
        decision: form.get("decision").to_owned(),
        note: form.get("note").to_owned(),
    };
    let result = state
        .ctx
        .run(move |conn, ctx| crate::service::documents::review(conn, ctx, &user, &id, input))
        .await;
    match result {
        Ok(_) => Ok(page.redirect(&format!(
            "/cases/{case_id}?msg=document_reviewed#h-documents"
        ))),
        Err(e) => match document_error(e) {
            Ok((status, errors)) => render_case(&page, &state, case_id, errors, status).await,
            Err(e) => Err(page.fail(e)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_of_the_table_is_shown_with_its_value() {
        let facts = serde_json::json!({
            "facts_version": 2, "filing_date": "2026-12-01",
            "applicant": {"nationality": "KR", "other_nationalities": [], "date_of_birth": "1988-04-12",
                "passport_expiry": "2033-01-01", "education": "bachelor", "degree_in_specialty": true,
                "degree_equivalent": false, "years_experience": 9, "months_employed_by_sponsor_last_3y": 24,
                "tenure_continuous": true, "role": "installer", "specialized_knowledge": true,
                "prior_us_violation": false, "previously_detained_2025": false, "prior_visa_refusal": false,
                "prior_esta_denial": false, "travel_since_2011": [], "e4_initial": true},
            "assignment": {"activities": ["install"], "planned_entry": "2027-01-04", "planned_exit": "2027-03-20",
                "pay_source": "foreign", "equipment_purchased_abroad": true,
                "contract_requires_seller_services": true, "worker_employed_by_seller": true,
                "worksite_controlled_by_group": true, "specialty_occupation": false, "offered_wage_usd": 68000,
                "prevailing_wage_usd": 60000, "actual_wage_usd": 65000},
            "employer": {"korean_ownership_pct": 100, "treaty_investor": true,
                "qualifying_relationship": "affiliate", "labor_attestation_filed": false,
                "strike_or_lockout": false}
        });
        let groups = fact_groups(&facts, Lang::Ko);
        let rows: Vec<_> = groups.iter().flat_map(|g| g.rows.iter()).collect();
        // every fact of the table, and the stay's length beside its dates
        assert_eq!(rows.len(), fact_names::AMENDABLE.len() + 1);
        for (label, value) in rows {
            assert_ne!(value, Lang::Ko.t("facts.missing"), "{label} shows no value");
        }
        let employer = &groups.last().unwrap().rows;
        assert!(
            employer.contains(&("미국 회사와의 관계".into(), "계열사".into())),
            "{employer:?}"
        );
        assert!(
            employer.contains(&("한국인 지분율".into(), "100%".into())),
            "{employer:?}"
        );
    }

    #[test]
    fn countries_are_named_in_the_readers_language() {
        let facts = serde_json::json!({
            "facts_version": 2, "filing_date": "2026-12-01",
            "applicant": {"nationality": "KR", "other_nationalities": ["JP", "ZZ"],
                "travel_since_2011": [{"country": "IR", "from": "2015-03-01", "to": "2015-03-20"}]},
            "assignment": {}, "employer": {}
        });
        let shown = |lang: Lang, path: &str| {
            let name = fact_names::find(path).unwrap();
            fact_groups(&facts, lang)
                .into_iter()
                .flat_map(|g| g.rows)
                .find(|(label, _)| label == lang.pick(name.en, name.ko))
                .map(|(_, value)| value)
                .unwrap()
        };
        assert_eq!(
            shown(Lang::Ko, "applicant.other_nationalities"),
            "일본 (JP), ZZ"
        );
        assert_eq!(
            shown(Lang::En, "applicant.other_nationalities"),
            "Japan (JP), ZZ"
        );
        assert!(
            shown(Lang::Ko, "applicant.travel_since_2011").starts_with("이란 (IR) 2015"),
            "{}",
            shown(Lang::Ko, "applicant.travel_since_2011")
        );
    }

    #[test]
    fn an_amended_value_is_read_as_people_write_it() {
        use serde_json::json;
        let value = |path: &str, raw: &str| amended_value(fact_names::find(path).unwrap(), raw);
        assert_eq!(value("employer.treaty_investor", "예"), Ok(json!(true)));
        assert_eq!(value("employer.treaty_investor", "no"), Ok(json!(false)));
        assert!(value("employer.treaty_investor", "maybe").is_err());
        assert_eq!(
            value("assignment.offered_wage_usd", "US$ 68,000"),
            Ok(json!(68000))
        );
        assert_eq!(
            value("employer.korean_ownership_pct", "51.5%"),
            Ok(json!(51.5))
        );
        assert!(value("assignment.offered_wage_usd", "7만").is_err());
        assert_eq!(
            value("applicant.other_nationalities", "JP, US"),
            Ok(json!(["JP", "US"]))
        );
        assert_eq!(
            value("applicant.other_nationalities", "[\"JP\"]"),
            Ok(json!(["JP"]))
        );
        assert_eq!(
            value("assignment.planned_exit", "2027-01-04"),
            Ok(json!("2027-01-04"))
        );
        assert_eq!(value("applicant.role", ""), Ok(serde_json::Value::Null));
        // a vocabulary's value by its code or its name in either language
        assert_eq!(value("applicant.role", "설치 기사"), Ok(json!("installer")));
        assert_eq!(value("applicant.role", "installer"), Ok(json!("installer")));
        assert_eq!(
            value("employer.qualifying_relationship", "Affiliate"),
            Ok(json!("affiliate"))
        );
        assert_eq!(
            value("assignment.activities", "장비 설치, train_us_workers"),
            Ok(json!(["install", "train_us_workers"]))
        );
        assert_eq!(
            value("applicant.travel_since_2011", "IR:2015-03-01:2015-03-20"),
            Ok(
                json!([{"country": "IR", "from": "2015-03-01", "to": "2015-03-20", "official_duty": false}])
            )
        );
        assert!(value("applicant.travel_since_2011", "IR").is_err());
    }

    #[test]
    fn deciding_rules_come_first_in_the_page_language() {
        let evaluation: Explanation = serde_json::from_value(serde_json::json!({
        "filing_date": "2027-01-11", "evaluation_date": "2027-01-11", "fiscal_year": 2027,
        "routes": [{
        "route": "ESTA-CIW", "outcome": "ineligible", "title_en": "ESTA", "title_ko": "전자여행허가",
        "basis": "INA 217", "ruleset": {"id": "ESTA-CIW@v2", "version": 2, "hash": "h", "status": "in_force"}, "common": null,
        "rules": [
            {"id": "ESTA-NAT", "kind": "hard", "status": "passed", "citation": "VWP", "title_en": "n", "title_ko": "국", "message_en": "ok", "message_ko": "충족", "facts": {}, "params": {}},
            {"id": "ESTA-CONTRACT", "kind": "evidence", "document": "sales_contract", "status": "unconfirmed", "citation": "FAM", "title_en": "c", "title_ko": "계", "message_en": "check", "message_ko": "확인", "facts": {}, "params": {}},
            {"id": "ESTA-STAY", "kind": "hard", "status": "failed", "citation": "VWP", "title_en": "s", "title_ko": "체", "message_en": "too long", "message_ko": "너무 김", "facts": {}, "params": {}}
        ]}]})).unwrap();
        let routes = routes_view(&evaluation, Lang::Ko);
        assert_eq!(routes[0].title, "전자여행허가");
        assert_eq!(routes[0].status, "in_force");
        assert_eq!(routes[0].rules[0].id, "ESTA-STAY");
        assert_eq!(routes[0].rules[0].message, "너무 김");
        assert_eq!(routes[0].rules[1].id, "ESTA-CONTRACT");
        assert!(!routes[0].approvable());
    }
}

#[derive(Template)]
#[template(path = "pages/document_view.html")]
struct DocumentViewPage<'a> {
    p: &'a Page,
    id: String,
    filename: String,
    kind: String,
    /// Where "back" goes: the case, or the project's filing page.
    back: String,
    page: usize,
    pages: usize,
    /// Why the PDF cannot be shown, when it cannot.
    problem: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct ViewQuery {
    page: Option<usize>,
}

/// `GET /documents/{id}/view?page=N`: a PDF page by page, as images the service renders (no
/// browser plugin, no script from the document), with the download beside it.
pub async fn view_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ViewQuery>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let id = page_id(&page, &path, "document")?;
    let user = page.require(&[Role::Employer, Role::Officer, Role::Supervisor])?;
    let (row, bytes) = crate::http::documents::load_pdf(&state, user, id.clone())
        .await
        .map_err(|e| page.fail(e))?;
    let wanted = query.page.unwrap_or(1).max(1);
    let counted = tokio::task::spawn_blocking(move || crate::service::pdf_view::page_count(bytes))
        .await
        .map_err(|e| page.fail(ServiceError::Internal(format!("renderer: {e}"))))?;
    let (pages, problem) = match counted {
        Ok(n) => (n, None),
        Err(ServiceError::Conflict { message, .. }) => (0, Some(message)),
        Err(e) => return Err(page.fail(e)),
    };
    let back = match &row.case_id {
        Some(case) => format!("/cases/{case}#h-documents"),
        None => format!("/employer/projects/{}/file", row.project_id),
    };
    let back = if row.case_id.is_none() && page.is_desk() {
        "/desk".to_owned()
    } else {
        back
    };
    page.render(&DocumentViewPage {
        p: &page,
        id,
        filename: row.filename,
        kind: row.kind,
        back,
        page: wanted.min(pages.max(1)),
        pages,
        problem,
    })
}
