//! Demo data: believable sponsors (a prime contractor with two subcontractors, and a
//! shipbuilder), projects (a battery plant in Georgia, a shipyard in Pennsylvania), a user
//! for each role, and any number of cases filed through the real use cases — so demo data
//! obeys every rule real data does. Running it again reuses what exists and adds cases.

use rand::seq::IndexedRandom;
use rand::Rng;

use super::accounts::{self, AuthUser, NewAccount};
use super::cases::{self, CaseAction};
use super::filing::{self, AssignmentInput, FilingInput, WorkerInput};
use super::sponsors::{self, NewProject, RegisterSponsor};
use super::{AppContext, ServiceError};
use crate::db::{self as database, DbConnection};
use crate::domain::{EmailAddress, Password, Role};

/// Sign-in of a demo user, printed once by the CLI.
#[derive(Debug, Clone)]
pub struct Credential {
    pub role: Role,
    pub email: String,
    pub password: String,
    pub note: String,
}

pub struct Seeded {
    pub credentials: Vec<Credential>,
    pub cases_filed: usize,
}

const FAMILY: &[(&str, &str)] = &[
    ("Kim", "김"),
    ("Lee", "이"),
    ("Park", "박"),
    ("Choi", "최"),
    ("Jung", "정"),
    ("Kang", "강"),
    ("Cho", "조"),
    ("Yoon", "윤"),
    ("Jang", "장"),
    ("Lim", "임"),
    ("Han", "한"),
    ("Oh", "오"),
    ("Seo", "서"),
    ("Shin", "신"),
    ("Kwon", "권"),
];
const GIVEN: &[(&str, &str)] = &[
    ("Minjun", "민준"),
    ("Seoyeon", "서연"),
    ("Jihoon", "지훈"),
    ("Jiwoo", "지우"),
    ("Hyunwoo", "현우"),
    ("Sumin", "수민"),
    ("Dohyun", "도현"),
    ("Yejin", "예진"),
    ("Junho", "준호"),
    ("Hayoon", "하윤"),
    ("Sungmin", "성민"),
    ("Eunji", "은지"),
    ("Taeyang", "태양"),
    ("Minseo", "민서"),
    ("Woojin", "우진"),
    ("Jisoo", "지수"),
];

/// A demo password: long, random, never on the blocklist.
fn demo_password() -> String {
    let mut rng = rand::rng();
    let words = [
        "harbor", "lithium", "anode", "crane", "welder", "busan", "ulsan", "savannah", "hull",
        "turbine",
    ];
    let picked: Vec<&str> = (0..3)
        .filter_map(|_| words.choose(&mut rng).copied())
        .collect();
    format!("{}-{}", picked.join("-"), rng.random_range(100..1000))
}

fn ensure_user(
    conn: &mut DbConnection,
    email: &str,
    role: Role,
    sponsor_id: Option<String>,
    name: &str,
    credentials: &mut Vec<Credential>,
    note: &str,
) -> Result<AuthUser, ServiceError> {
    let row = match crate::db::users::find_by_email(conn, &email.to_lowercase())? {
        Some(row) => {
            credentials.push(Credential {
                role,
                email: email.into(),
                password: "(unchanged: created by an earlier seed)".into(),
                note: note.into(),
            });
            row
        }
        None => {
            let password = demo_password();
            let view = accounts::create_user(
                conn,
                NewAccount {
                    email: EmailAddress::parse(email)
                        .map_err(|e| ServiceError::Internal(e.to_string()))?,
                    display_name: Some(name.into()),
                    password: Password::parse(&password)
                        .map_err(|e| ServiceError::Internal(e.to_string()))?,
                    role,
                    sponsor_id,
                },
            )?;
            credentials.push(Credential {
                role,
                email: email.into(),
                password,
                note: note.into(),
            });
            crate::db::users::find(conn, &view.id)?.ok_or(ServiceError::NotFound("user"))?
        }
    };
    Ok(AuthUser {
        id: row.id,
        email: row.email,
        role,
        session_hash: String::new(),
        rights: super::accounts::parse_rights(&row.rights)?,
        must_enrol: false,
        sponsor_id: row.sponsor_id,
    })
}

struct DemoSponsor {
    id: String,
    employer: AuthUser,
}

/// A demo company to register (or find, on a second run).
struct SponsorSpec<'a> {
    registration_no: &'a str,
    name: &'a str,
    name_ko: &'a str,
    prime: Option<&'a str>,
    contact: &'a str,
}

fn ensure_sponsor(
    conn: &mut DbConnection,
    public_url: &str,
    desk: &AuthUser,
    spec: SponsorSpec<'_>,
    credentials: &mut Vec<Credential>,
) -> Result<DemoSponsor, ServiceError> {
    let SponsorSpec {
        registration_no,
        name,
        name_ko,
        prime,
        contact,
    } = spec;
    let formatted = format!(
        "{}-{}-{}",
        &registration_no[..3],
        &registration_no[3..5],
        &registration_no[5..]
    );
    let id = match crate::db::sponsors::find_by_registration(conn, &formatted)? {
        Some(existing) => {
            credentials.push(Credential {
                role: Role::Employer,
                email: contact.into(),
                password: "(unchanged: created by an earlier seed)".into(),
                note: name.into(),
            });
            existing.id
        }
        None => {
            let password = demo_password();
            let registration = sponsors::register(
                conn,
                RegisterSponsor {
                    legal_name: name.into(),
                    legal_name_ko: Some(name_ko.into()),
                    business_registration_no: registration_no.into(),
                    korean_ownership_pct: if prime.is_some() { 100.0 } else { 51.0 },
                    treaty_investor: true,
                    qualifying_relationship: if prime.is_some() {
                        "affiliate".into()
                    } else {
                        "subsidiary".into()
                    },
                    labor_attestation_filed: prime.is_none(),
                    strike_or_lockout: false,
                    prime_sponsor_id: prime.map(str::to_owned),
                    contact: sponsors::Contact {
                        name: "Demo contact".into(),
                        email: contact.into(),
                        password: password.clone(),
                    },
                },
            )?;
            credentials.push(Credential {
                role: Role::Employer,
                email: contact.into(),
                password,
                note: name.into(),
            });
            let id = &registration.sponsor.id;
            super::sponsor_review::confirm_all_for_demo(conn, desk, id, "Demo data: not checked.")?;
            super::sponsor_review::decide(
                conn,
                public_url,
                desk,
                id,
                super::sponsor_review::SponsorDecision::Verify,
            )?;
            registration.sponsor.id
        }
    };
    let employer = ensure_user(
        conn,
        contact,
        Role::Employer,
        Some(id.clone()),
        "Demo contact",
        &mut Vec::new(),
        name,
    )?;
    Ok(DemoSponsor { id, employer })
}

fn ensure_project(
    conn: &mut DbConnection,
    sponsor: &DemoSponsor,
    project: NewProject,
) -> Result<String, ServiceError> {
    if let Some(p) = sponsors::list_projects(conn, &sponsor.employer, &sponsor.id)?
        .into_iter()
        .find(|p| p.name == project.name)
    {
        return Ok(p.id);
    }
    Ok(sponsors::create_project(conn, &sponsor.employer, &sponsor.id, project)?.id)
}

/// A believable worker, varied so that the routes come out differently.
/// `today` is the desk's date (a rehearsal desk's too), so that planned entries follow it.
fn demo_worker(rng: &mut impl Rng, n: usize, today: chrono::NaiveDate) -> WorkerInput {
    let (family, family_ko) = FAMILY.choose(rng).copied().unwrap_or(("Kim", "김"));
    let (given, given_ko) = GIVEN.choose(rng).copied().unwrap_or(("Minjun", "민준"));
    let entry = today + chrono::Duration::days(rng.random_range(14..120));
    let stay = *[30i64, 60, 89, 120, 170, 200].choose(rng).unwrap_or(&89);
    let role = *[
        "installer",
        "technician",
        "engineer",
        "trainer",
        "supervisor",
        "manager",
    ]
    .choose(rng)
    .unwrap_or(&"installer");
    let education = *[
        "high_school",
        "vocational",
        "associate",
        "bachelor",
        "master",
    ]
    .choose(rng)
    .unwrap_or(&"vocational");
    let activities: Vec<String> = match rng.random_range(0..10) {
        0 => vec!["install".into(), "construction_labor".into()],
        1..=3 => vec!["install".into(), "train_us_workers".into()],
        4..=5 => vec!["service".into(), "repair".into()],
        6 => vec!["supervise_construction".into(), "meetings".into()],
        _ => vec!["install".into()],
    };
    WorkerInput {
        given_name: given.into(),
        family_name: family.into(),
        name_ko: Some(format!("{family_ko}{given_ko}")),
        email: format!(
            "{}.{}.{n}@workers.demo.kr",
            given.to_lowercase(),
            family.to_lowercase()
        ),
        date_of_birth: format!(
            "{}-{:02}-{:02}",
            rng.random_range(1965..2003),
            rng.random_range(1..13),
            rng.random_range(1..29)
        ),
        nationality: "KR".into(),
        passport_number: format!("M{:08}", rng.random_range(0..100_000_000u32)),
        passport_expiry: format!(
            "{}-{:02}-15",
            rng.random_range(2027..2036),
            rng.random_range(1..13)
        ),
        education: education.into(),
        degree_in_specialty: matches!(education, "bachelor" | "master") && rng.random_bool(0.6),
        years_experience: rng.random_range(1..30),
        months_employed_by_sponsor_last_3y: rng.random_range(0..37),
        role: role.into(),
        specialized_knowledge: rng.random_bool(0.7),
        prior_us_violation: rng.random_bool(0.01),
        previously_detained_2025: rng.random_bool(0.03),
        other_nationalities: Some(Vec::new()),
        degree_equivalent: Some(false),
        tenure_continuous: Some(rng.random_bool(0.9)),
        prior_visa_refusal: Some(rng.random_bool(0.02)),
        prior_esta_denial: Some(false),
        travel_since_2011: Some(Vec::new()),
        e4_initial: Some(true),
        assignment: AssignmentInput {
            activities,
            planned_entry: entry.to_string(),
            planned_exit: (entry + chrono::Duration::days(stay - 1)).to_string(),
            pay_source: if rng.random_bool(0.9) {
                "foreign".into()
            } else {
                "mixed".into()
            },
            specialty_occupation: matches!(role, "engineer" | "manager") && rng.random_bool(0.5),
            offered_wage_usd: None,
            prevailing_wage_usd: None,
            actual_wage_usd: None,
            worker_employed_by_seller: Some(rng.random_bool(0.95)),
            worksite_controlled_by_group: Some(true),
        },
    }
}

/// Seeds the demo on one connection; `progress(done, total)` is called after each batch.
pub fn seed(
    conn: &mut DbConnection,
    ctx: &AppContext,
    cases: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Seeded, ServiceError> {
    let setup = prepare(conn, &ctx.settings.public_url)?;
    let mut done = 0;
    file_cases(conn, ctx, &setup, cases, 0, &mut |batch| {
        done += batch;
        progress(done, cases);
    })?;
    Ok(Seeded {
        credentials: setup.credentials,
        cases_filed: done,
    })
}

/// Who files for whom: one of the demo's projects.
struct DemoProject {
    filer: AuthUser,
    project_id: String,
    owner: AuthUser,
}

/// The users, sponsors and projects the demo's cases are filed against (made by `prepare`).
pub struct DemoSetup {
    /// Sign-ins of the demo users; passwords only for users created by this run.
    pub credentials: Vec<Credential>,
    officer: AuthUser,
    supervisor: AuthUser,
    projects: Vec<DemoProject>,
}

/// Creates (or, on a later run, finds) the demo users, sponsors and projects.
pub fn prepare(conn: &mut DbConnection, public_url: &str) -> Result<DemoSetup, ServiceError> {
    let mut credentials = Vec::new();
    ensure_user(
        conn,
        "admin@demo.kitdesk",
        Role::Admin,
        None,
        "Demo admin",
        &mut credentials,
        "accounts",
    )?;
    let supervisor = ensure_user(
        conn,
        "supervisor@demo.kitdesk",
        Role::Supervisor,
        None,
        "Demo supervisor",
        &mut credentials,
        "desk",
    )?;
    let officer = ensure_user(
        conn,
        "officer@demo.kitdesk",
        Role::Officer,
        None,
        "Demo officer",
        &mut credentials,
        "desk",
    )?;
    let prime = ensure_sponsor(
        conn,
        public_url,
        &officer,
        SponsorSpec {
            registration_no: "1018100001",
            name: "Hanbit Energy Solutions Georgia (demo)",
            name_ko: "한빛에너지솔루션 조지아",
            prime: None,
            contact: "employer@hanbit.demo.kr",
        },
        &mut credentials,
    )?;
    let sub_a = ensure_sponsor(
        conn,
        public_url,
        &officer,
        SponsorSpec {
            registration_no: "1018100002",
            name: "Daehan Automation (demo)",
            name_ko: "대한오토메이션",
            prime: Some(&prime.id),
            contact: "employer@daehan.demo.kr",
        },
        &mut credentials,
    )?;
    let sub_b = ensure_sponsor(
        conn,
        public_url,
        &officer,
        SponsorSpec {
            registration_no: "1018100003",
            name: "Seoul Precision Install (demo)",
            name_ko: "서울정밀설치",
            prime: Some(&prime.id),
            contact: "employer@seoulprecision.demo.kr",
        },
        &mut credentials,
    )?;
    // The prime accepts its subcontractors (an earlier seed may have done so already).
    for sub in [&sub_a, &sub_b] {
        match sponsors::decide_link(
            conn,
            &prime.employer,
            &prime.id,
            &sub.id,
            sponsors::LinkDecision {
                decision: "accept".into(),
            },
        ) {
            Ok(_) | Err(ServiceError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let yard = ensure_sponsor(
        conn,
        public_url,
        &officer,
        SponsorSpec {
            registration_no: "1018100004",
            name: "Haeyang Shipbuilding Philadelphia (demo)",
            name_ko: "해양조선 필라델피아",
            prime: None,
            contact: "employer@haeyang.demo.kr",
        },
        &mut credentials,
    )?;
    let battery = NewProject {
        name: "Ellabell battery cell plant, line 2".into(),
        worksite_address: "1 Metaplant Way, Ellabell, GA 31308".into(),
        state: "GA".into(),
        sector: "batteries".into(),
        investment_usd: 4_300_000_000,
        equipment_purchased_abroad: true,
        contract_requires_seller_services: true,
    };
    let shipyard = NewProject {
        name: "Philadelphia shipyard dock modernisation".into(),
        worksite_address: "5195 S 16th St, Philadelphia, PA 19112".into(),
        state: "PA".into(),
        sector: "shipbuilding".into(),
        investment_usd: 5_000_000_000,
        equipment_purchased_abroad: true,
        contract_requires_seller_services: false,
    };
    // (who files, the project, whose workers): subcontractors file through their prime.
    let projects = vec![
        DemoProject {
            filer: prime.employer.clone(),
            project_id: ensure_project(conn, &prime, battery.clone())?,
            owner: prime.employer.clone(),
        },
        DemoProject {
            filer: prime.employer.clone(),
            project_id: ensure_project(conn, &sub_a, battery.clone())?,
            owner: sub_a.employer,
        },
        DemoProject {
            filer: prime.employer.clone(),
            project_id: ensure_project(conn, &sub_b, battery)?,
            owner: sub_b.employer,
        },
        DemoProject {
            filer: yard.employer.clone(),
            project_id: ensure_project(conn, &yard, shipyard)?,
            owner: yard.employer,
        },
    ];
    Ok(DemoSetup {
        credentials,
        officer,
        supervisor,
        projects,
    })
}

/// Files `cases` demo cases in batches through the real use cases, and moves about three in
/// ten along (review, evidence, approval) so the queue holds more than one state. Workers are
/// numbered from `first_worker` (their demo e-mail addresses stay distinct across parallel
/// callers). `progress(batch)` is called after each batch with its size. Several callers may
/// run at once, each on its own connection.
pub fn file_cases(
    conn: &mut DbConnection,
    ctx: &AppContext,
    setup: &DemoSetup,
    cases: usize,
    first_worker: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<(), ServiceError> {
    let mut rng = rand::rng();
    let mut done = 0usize;
    let mut n = first_worker;
    while done < cases {
        let size = (cases - done)
            .min(filing::MAX_BATCH)
            .min(rng.random_range(20..200));
        let Some(DemoProject {
            filer,
            project_id,
            owner,
        }) = setup.projects.choose(&mut rng)
        else {
            return Err(ServiceError::Internal("the demo has no projects".into()));
        };
        let workers: Vec<WorkerInput> = (0..size)
            .map(|_| {
                n += 1;
                demo_worker(&mut rng, n, ctx.today())
            })
            .collect();
        let outcome = filing::file_batch(
            conn,
            ctx,
            filer,
            FilingInput {
                project_id: project_id.clone(),
                workers,
            },
            None,
        )?;
        // Move some cases along so the queue has more than one state: the batch's moves in
        // one transaction, each through the one-case path, their audit rows appended together
        // at its end (so the chain's lock is held only for that append and the commit).
        let moves: Vec<(&str, Option<&str>, u32)> = outcome
            .result
            .cases
            .iter()
            .map(|filed| {
                (
                    filed.id.as_str(),
                    filed.suggested_route.as_deref(),
                    rng.random_range(0..10),
                )
            })
            .filter(|(_, _, roll)| *roll >= 7)
            .collect();
        database::write_tx(conn, |conn| {
            database::audit::deferred(conn, |conn| {
                for (case_id, suggested_route, roll) in moves {
                    move_along(conn, ctx, setup, owner, case_id, suggested_route, roll)?;
                }
                Ok::<_, ServiceError>(())
            })
        })?;
        done += size;
        progress(size);
    }
    Ok(())
}

/// Moves one newly filed case along: under review (a roll of 7), evidence requested (8), or
/// evidence submitted and approved on the suggested route (9).
fn move_along(
    conn: &mut DbConnection,
    ctx: &AppContext,
    setup: &DemoSetup,
    owner: &AuthUser,
    case_id: &str,
    suggested_route: Option<&str>,
    roll: u32,
) -> Result<(), ServiceError> {
    let mut version = 1;
    let mut step = |action: CaseAction, actor: &AuthUser| -> Result<(), ServiceError> {
        let case = cases::apply_action_in(conn, ctx, actor, case_id, version, action, true)?;
        version = case.version;
        Ok(())
    };
    step(CaseAction::StartReview {}, &setup.officer)?;
    if roll >= 8 {
        step(
            CaseAction::RequestEvidence {
                reason: "Please send the sales contract clause that obliges the seller to install the equipment.".into(),
                due_date: None,
                documents: vec!["sales_contract".into()],
            },
            &setup.officer,
        )?;
    }
    if let (9, Some(route)) = (roll, suggested_route) {
        step(
            CaseAction::SubmitEvidence {
                note: "Contract §7.2 attached.".into(),
            },
            owner,
        )?;
        step(CaseAction::StartReview {}, &setup.supervisor)?;
        step(
            CaseAction::Approve {
                route: route.to_owned(),
                reason: "Activities and pay fit the route; contract confirms seller services."
                    .into(),
            },
            &setup.supervisor,
        )?;
    }
    Ok(())
}
