//! Reports over the training ledger: how many U.S. workers the desk's workers trained, in how
//! many sessions and hours, by how many trainers; by project, month, sector and state. And the
//! public figures, which name no one.
//!
//! Counting (the same everywhere):
//! - `us_workers_trained` is the sum over sessions: trainee places. A U.S. worker trained in
//!   two sessions counts twice (the ledger does not know U.S. workers by name).
//! - `trainers` are distinct workers: distinct passports (blind index), so a worker with two
//!   cases, or two sponsors, is one trainer.
//! - A session is counted on its own date; the months are calendar months of those dates.
//!
//! Who sees what:
//! - The report: employers their own sponsor's sessions (a prime also its subcontractors');
//!   a `sponsor_id` or `project_id` they may not read is a 404, as if it did not exist. The
//!   desk (officers and supervisors) sees every sponsor, and also by sector and by state.
//!   Admins 403.
//! - The public figures: anyone. Totals, by state, by sector and by month only; a state or
//!   sector whose sessions come from fewer than [`MIN_SPONSORS`] sponsors is withheld, and so
//!   is the next smallest cell of its table when it is the only one withheld (else the total
//!   minus the others would give it away). With fewer than [`MIN_SPONSORS`] sponsors in all,
//!   nothing but that fact is shown.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::accounts::AuthUser;
use super::reports::{date_range, filter_id};
use super::{access, FieldErrors, ServiceError};
use crate::db::training::{self as queries, TrainingFilter};
use crate::db::{projects, sponsors, DbConnection};
use crate::domain::training::{hours, Month};

/// Sponsors a public figure must come from, at least.
pub const MIN_SPONSORS: usize = 2;
/// Months a report lists, at most (the latest).
pub const MAX_MONTHS: usize = 24;
/// Months of the public figures: this one and the eleven before.
pub const PUBLIC_MONTHS: usize = 12;

/// The report's filters, as given (query parameters).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TrainingQuery {
    /// One sponsor's sessions.
    pub sponsor_id: Option<String>,
    /// One project's sessions.
    pub project_id: Option<String>,
    /// Sessions on or after this day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Sessions on or before this day (YYYY-MM-DD).
    pub to: Option<String>,
}

/// The filters the report applied, as read.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct TrainingFilters {
    pub sponsor_id: Option<String>,
    pub project_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One project's sessions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectTraining {
    pub project_id: String,
    pub project_name: String,
    pub sponsor_id: String,
    pub sponsor_name: String,
    /// The project's sector and worksite state.
    pub sector: String,
    pub state: String,
    pub sessions: i64,
    pub hours: f64,
    /// Trainee places (the sum over sessions).
    pub us_workers_trained: i64,
    /// Distinct workers who trained.
    pub trainers: i64,
}

/// The sessions of one sector or one state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupTraining {
    /// The sector's code (`batteries`) or the state's (`GA`).
    pub key: String,
    pub sessions: i64,
    pub hours: f64,
    pub us_workers_trained: i64,
    pub trainers: i64,
}

/// The sessions of one calendar month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthTraining {
    /// `2026-11`.
    pub month: String,
    pub sessions: i64,
    pub hours: f64,
    pub us_workers_trained: i64,
}

/// `GET /api/v1/reports/training`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrainingReport {
    pub filters: TrainingFilters,
    pub sessions: i64,
    pub hours: f64,
    /// Trainee places: a U.S. worker trained in two sessions counts twice.
    pub us_workers_trained: i64,
    /// Distinct workers (passports) who trained, across cases and sponsors.
    pub trainers: i64,
    /// Most trainee places first.
    pub by_project: Vec<ProjectTraining>,
    /// From the range's first month (or the first session's) to its last (or this month),
    /// the latest [`MAX_MONTHS`] at most; months without sessions are listed with zeros.
    pub by_month: Vec<MonthTraining>,
    /// The desk only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_sector: Option<Vec<GroupTraining>>,
    /// The desk only: by the state of the project's worksite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_state: Option<Vec<GroupTraining>>,
}

/// Sums of a group of sessions, and who they come from.
#[derive(Debug, Default, Clone)]
struct Acc {
    sessions: i64,
    minutes: i64,
    trained: i64,
    trainers: BTreeSet<String>,
    sponsors: BTreeSet<String>,
}

impl Acc {
    fn add(&mut self, day: &queries::DayTotals) {
        self.sessions += day.sessions;
        self.minutes += day.minutes;
        self.trained += day.us_workers_trained;
        self.sponsors.insert(day.sponsor_id.clone());
    }

    fn group(&self, key: &str) -> GroupTraining {
        GroupTraining {
            key: key.to_owned(),
            sessions: self.sessions,
            hours: hours(self.minutes),
            us_workers_trained: self.trained,
            trainers: self.trainers.len() as i64,
        }
    }
}

/// A project's name, sponsor and place.
struct ProjectFacts {
    name: String,
    sponsor_id: String,
    sector: String,
    state: String,
}

/// Everything a report or the public figures are made of, summed once.
struct Ledger {
    total: Acc,
    by_project: BTreeMap<String, Acc>,
    by_sector: BTreeMap<String, Acc>,
    by_state: BTreeMap<String, Acc>,
    by_month: BTreeMap<Month, Acc>,
    projects: BTreeMap<String, ProjectFacts>,
    first_day: Option<NaiveDate>,
}

fn load_ledger(conn: &mut DbConnection, filter: &TrainingFilter) -> Result<Ledger, ServiceError> {
    let days = queries::day_totals(conn, filter)?;
    let trainers = queries::trainers(conn, filter)?;
    let mut ids: Vec<String> = days.iter().map(|d| d.project_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let projects: BTreeMap<String, ProjectFacts> = queries::project_places(conn, &ids)?
        .into_iter()
        .map(|(id, name, sponsor_id, sector, state)| {
            let facts = ProjectFacts {
                name,
                sponsor_id,
                sector,
                state,
            };
            (id, facts)
        })
        .collect();
    let mut ledger = Ledger {
        total: Acc::default(),
        by_project: BTreeMap::new(),
        by_sector: BTreeMap::new(),
        by_state: BTreeMap::new(),
        by_month: BTreeMap::new(),
        first_day: days.iter().map(|d| d.date).min(),
        projects,
    };
    for day in &days {
        ledger.total.add(day);
        ledger
            .by_project
            .entry(day.project_id.clone())
            .or_default()
            .add(day);
        ledger
            .by_month
            .entry(Month::of(day.date))
            .or_default()
            .add(day);
        if let Some(p) = ledger.projects.get(&day.project_id) {
            ledger
                .by_sector
                .entry(p.sector.clone())
                .or_default()
                .add(day);
            ledger.by_state.entry(p.state.clone()).or_default().add(day);
        }
    }
    for (_, project_id, trainer) in trainers {
        ledger.total.trainers.insert(trainer.clone());
        if let Some(p) = ledger.projects.get(&project_id) {
            for acc in [
                ledger.by_sector.get_mut(&p.sector),
                ledger.by_state.get_mut(&p.state),
            ]
            .into_iter()
            .flatten()
            {
                acc.trainers.insert(trainer.clone());
            }
        }
        if let Some(acc) = ledger.by_project.get_mut(&project_id) {
            acc.trainers.insert(trainer);
        }
    }
    Ok(ledger)
}

/// Every month from `first` to `last` with its sums (zeros where nothing happened).
fn months(ledger: &Ledger, first: Month, last: Month, cap: usize) -> Vec<MonthTraining> {
    Month::range(first, last, cap)
        .into_iter()
        .map(|m| {
            let acc = ledger.by_month.get(&m).cloned().unwrap_or_default();
            MonthTraining {
                month: m.label(),
                sessions: acc.sessions,
                hours: hours(acc.minutes),
                us_workers_trained: acc.trained,
            }
        })
        .collect()
}

/// Groups with the most trainee places first, then by key.
fn ranked(groups: &BTreeMap<String, Acc>) -> Vec<GroupTraining> {
    let mut out: Vec<GroupTraining> = groups.iter().map(|(k, acc)| acc.group(k)).collect();
    out.sort_by(|a, b| {
        b.us_workers_trained
            .cmp(&a.us_workers_trained)
            .then_with(|| a.key.cmp(&b.key))
    });
    out
}

/// The filters, checked and narrowed to what `user` may read: 422 for a malformed one, 404 for
/// a sponsor or project the user may not read (or that does not exist).
fn scope(
    conn: &mut DbConnection,
    user: &AuthUser,
    query: &TrainingQuery,
) -> Result<(TrainingFilter, TrainingFilters), ServiceError> {
    let readable = access::readable_sponsors(conn, user)?;
    let mut errors = FieldErrors::new();
    let (from, to) = date_range(&query.from, &query.to, &mut errors);
    let sponsor_id = filter_id("sponsor_id", &query.sponsor_id, &mut errors);
    let project_id = filter_id("project_id", &query.project_id, &mut errors);
    errors.finish()?;
    let may_read = |id: &str| {
        readable
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|r| r == id))
    };
    if let Some(id) = &sponsor_id {
        if !may_read(id) || sponsors::find(conn, id)?.is_none() {
            return Err(ServiceError::NotFound("sponsor"));
        }
    }
    if let Some(id) = &project_id {
        match projects::find(conn, id)? {
            Some(p) if may_read(&p.sponsor_id) => {}
            _ => return Err(ServiceError::NotFound("project")),
        }
    }
    let sponsors = match &sponsor_id {
        Some(id) => Some(vec![id.clone()]),
        None => readable,
    };
    Ok((
        TrainingFilter {
            sponsors,
            project_id: project_id.clone(),
            from,
            to,
        },
        TrainingFilters {
            sponsor_id,
            project_id,
            from,
            to,
        },
    ))
}

/// The training report over the sessions `query` selects, as `user` may see it.
pub fn report(
    conn: &mut DbConnection,
    today: NaiveDate,
    user: &AuthUser,
    query: &TrainingQuery,
) -> Result<TrainingReport, ServiceError> {
    let (filter, filters) = scope(conn, user, query)?;
    let ledger = load_ledger(conn, &filter)?;
    let sponsor_ids: Vec<String> = ledger
        .projects
        .values()
        .map(|p| p.sponsor_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let sponsor_names: BTreeMap<String, String> = sponsors::list(conn, Some(&sponsor_ids))?
        .into_iter()
        .map(|s| (s.id, s.legal_name))
        .collect();
    let mut by_project = Vec::with_capacity(ledger.by_project.len());
    for (project_id, acc) in &ledger.by_project {
        let Some(p) = ledger.projects.get(project_id) else {
            continue;
        };
        by_project.push(ProjectTraining {
            project_id: project_id.clone(),
            project_name: p.name.clone(),
            sponsor_id: p.sponsor_id.clone(),
            sponsor_name: sponsor_names
                .get(&p.sponsor_id)
                .cloned()
                .unwrap_or_else(|| p.sponsor_id.clone()),
            sector: p.sector.clone(),
            state: p.state.clone(),
            sessions: acc.sessions,
            hours: hours(acc.minutes),
            us_workers_trained: acc.trained,
            trainers: acc.trainers.len() as i64,
        });
    }
    by_project.sort_by(|a, b| {
        b.us_workers_trained
            .cmp(&a.us_workers_trained)
            .then_with(|| a.project_name.cmp(&b.project_name))
    });
    let last = Month::of(filter.to.map_or(today, |t| t.min(today)));
    let first = filter
        .from
        .or(ledger.first_day)
        .map(Month::of)
        .unwrap_or(last);
    let desk = user.role.is_desk();
    Ok(TrainingReport {
        filters,
        sessions: ledger.total.sessions,
        hours: hours(ledger.total.minutes),
        us_workers_trained: ledger.total.trained,
        trainers: ledger.total.trainers.len() as i64,
        by_project,
        by_month: months(&ledger, first, last, MAX_MONTHS),
        by_sector: desk.then(|| ranked(&ledger.by_sector)),
        by_state: desk.then(|| ranked(&ledger.by_state)),
    })
}

/// The report as CSV, headers in Korean and English; every cell neutralised against formula
/// injection (project and sponsor names are employer text).
pub fn to_csv(report: &TrainingReport) -> Result<String, ServiceError> {
    let mut w = super::csv_export::CsvExport::default();
    let f = &report.filters;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let day = |v: Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
    w.record([
        "구분 / Section",
        "시작일 / From",
        "종료일 / To",
        "스폰서 ID / Sponsor id",
        "프로젝트 ID / Project id",
    ])?;
    w.record([
        "filters".to_owned(),
        day(f.from),
        day(f.to),
        opt(&f.sponsor_id),
        opt(&f.project_id),
    ])?;
    const SUMS: [&str; 4] = [
        "교육 횟수 / Sessions",
        "교육 시간 / Hours",
        "교육받은 미국 근로자 수(연인원) / U.S. workers trained (trainee places)",
        "교육 담당 근로자 수 / Trainers",
    ];
    let sums = |sessions: i64, h: f64, trained: i64, trainers: Option<i64>| {
        [
            sessions.to_string(),
            h.to_string(),
            trained.to_string(),
            trainers.map(|t| t.to_string()).unwrap_or_default(),
        ]
    };
    w.record(
        ["구분 / Section".to_owned()]
            .into_iter()
            .chain(SUMS.map(str::to_owned)),
    )?;
    w.record(["total".to_owned()].into_iter().chain(sums(
        report.sessions,
        report.hours,
        report.us_workers_trained,
        Some(report.trainers),
    )))?;
    w.record(
        [
            "구분 / Section",
            "프로젝트 / Project",
            "스폰서 / Sponsor",
            "산업 분야 / Sector",
            "주 / State",
        ]
        .map(str::to_owned)
        .into_iter()
        .chain(SUMS.map(str::to_owned)),
    )?;
    for p in &report.by_project {
        w.record(
            [
                "by_project".to_owned(),
                p.project_name.clone(),
                p.sponsor_name.clone(),
                p.sector.clone(),
                p.state.clone(),
            ]
            .into_iter()
            .chain(sums(
                p.sessions,
                p.hours,
                p.us_workers_trained,
                Some(p.trainers),
            )),
        )?;
    }
    w.record(
        ["구분 / Section", "월 / Month"]
            .map(str::to_owned)
            .into_iter()
            .chain(SUMS[..3].iter().map(|s| (*s).to_owned())),
    )?;
    for m in &report.by_month {
        w.record(
            ["by_month".to_owned(), m.month.clone()].into_iter().chain(
                sums(m.sessions, m.hours, m.us_workers_trained, None)
                    .into_iter()
                    .take(3),
            ),
        )?;
    }
    for (section, header, groups) in [
        ("by_sector", "산업 분야 / Sector", &report.by_sector),
        ("by_state", "주 / State", &report.by_state),
    ] {
        let Some(groups) = groups else { continue };
        w.record(
            ["구분 / Section", header]
                .map(str::to_owned)
                .into_iter()
                .chain(SUMS.map(str::to_owned)),
        )?;
        for g in groups {
            w.record([section.to_owned(), g.key.clone()].into_iter().chain(sums(
                g.sessions,
                g.hours,
                g.us_workers_trained,
                Some(g.trainers),
            )))?;
        }
    }
    w.finish()
}

/// A state's or sector's public figures; all `null` when withheld.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicCell {
    /// The state's code (`GA`) or the sector's (`batteries`).
    pub key: String,
    /// Too few sponsors behind the figures to show them without pointing at one company.
    pub withheld: bool,
    pub sessions: Option<i64>,
    pub hours: Option<f64>,
    pub us_workers_trained: Option<i64>,
    pub trainers: Option<i64>,
}

/// `GET /api/v1/public/training`: figures only, no names, no sponsors, projects or cases.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicTraining {
    /// The desk's date the figures run to.
    pub as_of: NaiveDate,
    /// Figures come from at least this many sponsors, or are withheld.
    pub min_sponsors: i64,
    /// Fewer sponsors than `min_sponsors` in all: only this is shown.
    pub withheld: bool,
    pub sessions: Option<i64>,
    pub hours: Option<f64>,
    /// Trainee places: U.S. workers trained, a worker trained twice counting twice.
    pub us_workers_trained: Option<i64>,
    /// Korean technicians (distinct workers) who trained them.
    pub trainers: Option<i64>,
    /// Most trainee places first; withheld cells last.
    pub by_state: Vec<PublicCell>,
    pub by_sector: Vec<PublicCell>,
    /// This month and the eleven before.
    pub by_month: Vec<MonthTraining>,
}

/// The cells of one table, with those from too few sponsors withheld, and the next smallest
/// with a lone withheld cell (so that no withheld figure is the total minus the others).
fn public_cells(groups: &BTreeMap<String, Acc>) -> Vec<PublicCell> {
    let mut withheld: BTreeSet<&str> = groups
        .iter()
        .filter(|(_, acc)| acc.sponsors.len() < MIN_SPONSORS)
        .map(|(k, _)| k.as_str())
        .collect();
    if withheld.len() == 1 {
        let smallest = groups
            .iter()
            .filter(|(k, _)| !withheld.contains(k.as_str()))
            .min_by_key(|&(k, acc)| (acc.trained, acc.sessions, k.as_str()))
            .map(|(k, _)| k.as_str());
        withheld.extend(smallest);
    }
    let mut cells: Vec<PublicCell> = groups
        .iter()
        .map(|(key, acc)| {
            let hide = withheld.contains(key.as_str());
            let show = |v| (!hide).then_some(v);
            PublicCell {
                key: key.clone(),
                withheld: hide,
                sessions: show(acc.sessions),
                hours: (!hide).then(|| hours(acc.minutes)),
                us_workers_trained: show(acc.trained),
                trainers: show(acc.trainers.len() as i64),
            }
        })
        .collect();
    cells.sort_by(|a, b| {
        (a.withheld, std::cmp::Reverse(a.us_workers_trained), &a.key).cmp(&(
            b.withheld,
            std::cmp::Reverse(b.us_workers_trained),
            &b.key,
        ))
    });
    cells
}

/// The public figures: every session on record, to `today`.
pub fn public_figures(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> Result<PublicTraining, ServiceError> {
    let ledger = load_ledger(
        conn,
        &TrainingFilter {
            to: Some(today),
            ..TrainingFilter::default()
        },
    )?;
    let withheld = ledger.total.sponsors.len() < MIN_SPONSORS;
    let shown = |v| (!withheld).then_some(v);
    let last = Month::of(today);
    let mut first = last;
    for _ in 1..PUBLIC_MONTHS {
        first = first.before();
    }
    Ok(PublicTraining {
        as_of: today,
        min_sponsors: MIN_SPONSORS as i64,
        withheld,
        sessions: shown(ledger.total.sessions),
        hours: (!withheld).then(|| hours(ledger.total.minutes)),
        us_workers_trained: shown(ledger.total.trained),
        trainers: shown(ledger.total.trainers.len() as i64),
        by_state: if withheld {
            Vec::new()
        } else {
            public_cells(&ledger.by_state)
        },
        by_sector: if withheld {
            Vec::new()
        } else {
            public_cells(&ledger.by_sector)
        },
        by_month: if withheld {
            Vec::new()
        } else {
            months(&ledger, first, last, PUBLIC_MONTHS)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(sponsors: &[&str], trained: i64) -> Acc {
        Acc {
            sessions: 1,
            minutes: 60,
            trained,
            trainers: BTreeSet::from(["p1".to_owned()]),
            sponsors: sponsors.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn a_cell_from_one_sponsor_is_withheld_with_the_next_smallest() {
        let groups = BTreeMap::from([
            ("GA".to_owned(), acc(&["a", "b"], 40)),
            ("TN".to_owned(), acc(&["a", "c"], 10)),
            ("TX".to_owned(), acc(&["d"], 5)),
        ]);
        let cells = public_cells(&groups);
        let shown: Vec<(&str, bool, Option<i64>)> = cells
            .iter()
            .map(|c| (c.key.as_str(), c.withheld, c.us_workers_trained))
            .collect();
        assert_eq!(
            shown,
            [
                ("GA", false, Some(40)),
                ("TN", true, None),
                ("TX", true, None)
            ]
        );
        assert!(cells[2].hours.is_none() && cells[2].trainers.is_none());
        // two cells withheld on their own: nothing more to hide
        let groups = BTreeMap::from([
            ("GA".to_owned(), acc(&["a", "b"], 40)),
            ("TN".to_owned(), acc(&["c"], 10)),
            ("TX".to_owned(), acc(&["d"], 5)),
        ]);
        let withheld: Vec<bool> = public_cells(&groups).iter().map(|c| c.withheld).collect();
        assert_eq!(withheld, [false, true, true]);
        // every cell from two sponsors: all shown
        let groups = BTreeMap::from([("GA".to_owned(), acc(&["a", "b"], 40))]);
        assert!(!public_cells(&groups)[0].withheld);
    }

    #[test]
    fn the_csv_neutralises_employer_text() {
        let report = TrainingReport {
            filters: TrainingFilters::default(),
            sessions: 1,
            hours: 7.5,
            us_workers_trained: 12,
            trainers: 1,
            by_project: vec![ProjectTraining {
                project_id: "p".into(),
                project_name: "=HYPERLINK(\"x\")".into(),
                sponsor_id: "s".into(),
                sponsor_name: "Hanbit".into(),
                sector: "batteries".into(),
                state: "GA".into(),
                sessions: 1,
                hours: 7.5,
                us_workers_trained: 12,
                trainers: 1,
            }],
            by_month: Vec::new(),
            by_sector: None,
            by_state: None,
        };
        let csv = to_csv(&report).unwrap();
        assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{csv}");
        assert!(csv.contains("total,1,7.5,12,1"), "{csv}");
        assert!(csv.contains("교육 시간 / Hours"));
        assert!(!csv.contains("by_sector"));
    }
}
