//! The pages' message catalog: every visible string of the pages in English and Korean, in
//! one place. Templates call `p.t("key")`; a test checks that every key they use exists.
//!
//! Rule messages, rule titles and the public status messages come with their own ko/en text
//! from the rule sets and `domain::case`; they are not repeated here.

use actix_web::http::header;
use actix_web::HttpRequest;

use super::LANG_COOKIE;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "ko" => Some(Lang::Ko),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Ko,
            Lang::Ko => Lang::En,
        }
    }

    /// The name of the other language, written in that language (for the switch).
    pub fn other_name(self) -> &'static str {
        match self {
            Lang::En => "한국어",
            Lang::Ko => "English",
        }
    }

    pub fn is_ko(self) -> bool {
        self == Lang::Ko
    }

    /// Of a text written in both languages, the reader's.
    pub fn pick<'a>(self, en: &'a str, ko: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }

    /// The `lang` cookie if set, else the best of ko/en in Accept-Language, else English.
    pub fn from_request(req: &HttpRequest) -> Lang {
        if let Some(lang) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
            return lang;
        }
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or(Lang::En)
    }

    /// The text of `key`; the key itself when missing (and the catalog test fails).
    pub fn t(self, key: &str) -> &'static str {
        match all_messages().find(|(k, _, _)| *k == key) {
            Some((_, en, ko)) => match self {
                Lang::En => en,
                Lang::Ko => ko,
            },
            None => {
                tracing::warn!(key, "missing catalog key");
                "?"
            }
        }
    }

    /// `t(prefix + name)` without building the key: labels of stored values such as a
    /// status (`status.` + `in_review`). Unknown values show as themselves.
    pub fn label<'a>(self, prefix: &str, name: &'a str) -> &'a str {
        match all_messages().find(|(k, _, _)| k.strip_prefix(prefix) == Some(name)) {
            Some((_, en, ko)) => match self {
                Lang::En => en,
                Lang::Ko => ko,
            },
            None => name,
        }
    }

    /// The code of a vocabulary's value (`installer`) from its name in either language
    /// (`Installer`, `설치 기사`), as a person may type it; None when no name matches.
    pub fn code_of(prefix: &str, name: &str) -> Option<&'static str> {
        let name = name.trim();
        all_messages()
            .filter(|(_, en, ko)| en.eq_ignore_ascii_case(name) || *ko == name)
            .find_map(|(k, _, _)| k.strip_prefix(prefix))
    }

    pub fn status(self, status: &str) -> &str {
        self.label("status.", status)
    }

    /// A date as the reader writes it: `2026년 12월 14일`, `14 Dec 2026`.
    pub fn date(self, date: chrono::NaiveDate) -> String {
        match self {
            Lang::Ko => crate::domain::time::date_ko(&date),
            Lang::En => crate::domain::time::date_en(&date),
        }
    }

    /// An instant in Seoul time with the zone: `2026년 12월 14일 09:30 KST`,
    /// `14 Dec 2026 09:30 KST`.
    pub fn time(self, at: chrono::DateTime<chrono::Utc>) -> String {
        match self {
            Lang::Ko => crate::domain::time::seoul_ko(at),
            Lang::En => crate::domain::time::seoul_en(at),
        }
    }

    /// An appointment (an interview) in Seoul time, with its weekday and the zone:
    /// `2026년 12월 3일 (목) 09:30 KST`, `Thu 3 Dec 2026, 09:30 KST`.
    pub fn appointment(self, at: chrono::DateTime<chrono::Utc>) -> String {
        let seoul = crate::domain::time::desk_time(at);
        let text = match self {
            Lang::Ko => crate::domain::time::appointment_ko(&seoul),
            Lang::En => crate::domain::time::appointment_en(&seoul),
        };
        format!("{text} KST")
    }

    /// The Seoul date of an instant, as the reader writes dates.
    pub fn day_of(self, at: chrono::DateTime<chrono::Utc>) -> String {
        self.date(crate::domain::time::desk_time(at).date())
    }

    /// A country code as the reader reads it: "대한민국 (KR)", "Republic of Korea (KR)".
    pub fn country<S: AsRef<str>>(self, code: S) -> String {
        crate::domain::country::shown(code.as_ref(), self.is_ko())
    }

    pub fn yes_no<B: std::borrow::Borrow<bool>>(self, value: B) -> &'static str {
        self.t(if *value.borrow() {
            "common.yes"
        } else {
            "common.no"
        })
    }
}

fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for part in value.split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("ko") => Lang::Ko,
            Some("en") => Lang::En,
            _ => continue,
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

/// Flash messages that may be named in `?msg=` (anything else is ignored).
pub fn flash_key(value: &str) -> Option<&'static str> {
    all_messages()
        .map(|(k, _, _)| *k)
        .find(|k| k.strip_prefix("flash.") == Some(value))
}

/// This catalog, the accounts pages' own (`catalog_accounts`) and after the visa's
/// (`catalog_after_visa`).
fn all_messages() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    MESSAGES
        .iter()
        .chain(super::catalog_accounts::MESSAGES.iter())
        .chain(super::catalog_after_visa::MESSAGES.iter())
        .chain(super::catalog_training::MESSAGES.iter())
}

/// (key, English, Korean)
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("app.name", "KIT Desk", "KIT 데스크"),
    ("app.tagline", "U.S. Embassy Seoul — Korean Investment & Travel Desk", "주한 미국대사관 — 한국 투자·출장 전담 데스크"),
    ("nav.skip", "Skip to content", "본문으로 건너뛰기"),
    ("nav.main", "Main", "주 메뉴"),
    ("nav.home", "Home", "홈"),
    ("nav.employer", "My company", "우리 회사"),
    ("nav.queue", "Case queue", "신청 건 목록"),
    ("nav.sponsors", "Sponsors", "스폰서"),
    ("nav.interviews", "Interviews", "인터뷰 일정"),
    ("interviews.title", "Interview calendar", "인터뷰 일정표"),
    ("interviews.seoul_time", "All times are Seoul time (KST, UTC+9).", "모든 시간은 서울 시간(KST, UTC+9)입니다."),
    ("interviews.day", "One day", "하루 보기"),
    ("interviews.week", "The week", "한 주 보기"),
    ("interviews.prev", "Earlier", "이전"),
    ("interviews.next", "Later", "다음"),
    ("interviews.time", "Time (KST)", "시간 (KST)"),
    ("interviews.place", "Place", "장소"),
    ("interviews.use", "Booked", "예약"),
    ("interviews.who", "Booked applicants", "예약된 신청자"),
    ("interviews.none", "No interview slots on this day.", "이날은 인터뷰 시간대가 없습니다."),
    ("interviews.closed", "Closed", "마감"),
    ("interviews.book", "Book", "예약"),
    ("interviews.case", "Case to book", "예약할 신청 건"),
    ("interviews.batch_title", "Book a whole filing", "일괄 신청 전체 예약"),
    ("interviews.batch_help", "Books every case of the filing that awaits an interview into the earliest free slots from the day chosen, earliest planned entry first.", "선택한 날부터 가장 이른 빈 시간에, 입국 예정일이 빠른 순서대로 인터뷰를 기다리는 신청 건을 모두 예약합니다."),
    ("interviews.filing", "Filing (first receipt, cases awaiting)", "일괄 신청 (첫 접수번호, 대기 건수)"),
    ("interviews.from", "From", "시작일"),
    ("interviews.report", "Booked", "예약 결과"),
    ("interviews.planned_entry", "Planned entry", "입국 예정일"),
    ("interviews.outcome", "Outcome", "결과"),
    ("interviews.outcome.booked", "Booked", "예약됨"),
    ("interviews.outcome.not_awaiting_interview", "Not awaiting an interview", "인터뷰 대상 아님"),
    ("interviews.outcome.no_free_slot", "No free slot", "빈 시간 없음"),
    ("interviews.open_title", "Open an interview window", "인터뷰 시간대 열기"),
    ("interviews.date", "Day", "날짜"),
    ("interviews.start", "Start (KST)", "시작 (KST)"),
    ("interviews.end", "End (KST)", "종료 (KST)"),
    ("interviews.slot_minutes", "Minutes per slot", "예약 단위 시간(분)"),
    ("interviews.capacity", "Interviews per slot", "예약 단위당 인원"),
    ("interviews.close", "Close the window", "시간대 닫기"),
    ("interviews.close_reason", "Why", "사유"),
    ("interviews.no_awaiting", "No case awaits an interview.", "인터뷰를 기다리는 신청 건이 없습니다."),
    ("case.interview_kst", "Interview (KST)", "인터뷰 (KST)"),
    ("interviews.capacity_total", "Places", "정원"),
    ("reports.interviews", "Interviews", "인터뷰"),
    ("reports.no_show_rate", "No-show rate", "불참률"),
    ("reports.filing_to_interview", "Median days from filing to interview", "접수부터 인터뷰까지 걸린 일수 (중앙값)"),
    ("reports.interview_to_decision", "Median days from interview to decision", "인터뷰부터 결정까지 걸린 일수 (중앙값)"),
    ("reports.use_per_day", "Slot use per day", "일별 인터뷰 시간 사용"),
    ("reports.use_per_week", "Slot use per week", "주별 인터뷰 시간 사용"),
    ("reports.period", "Day or week", "날짜 또는 주"),
    ("reports.share_used", "Used", "사용률"),
    ("nav.rules", "Rule sets", "규칙 세트"),
    ("nav.cap", "E-4 cap", "E-4 쿼터"),
    ("nav.reports", "Reports", "보고서"),
    ("nav.status", "Case status", "진행 상황 조회"),
    ("nav.login", "Sign in", "로그인"),
    ("nav.logout", "Sign out", "로그아웃"),
    ("nav.register", "Register a company", "회사 등록"),
    ("nav.signed_in_as", "Signed in as", "로그인 계정"),
    ("nav.language", "Language", "언어"),
    ("common.yes", "Yes", "예"),
    ("common.no", "No", "아니요"),
    ("common.none", "—", "—"),
    ("common.save", "Save", "저장"),
    ("common.submit", "Submit", "제출"),
    ("common.filter", "Filter", "필터"),
    ("common.all", "All", "전체"),
    ("common.open", "Open", "열기"),
    ("common.next_page", "Next page", "다음 페이지"),
    ("common.errors", "Please correct the following:", "다음 항목을 고쳐 주세요:"),
    ("common.optional", "(optional)", "(선택)"),
    ("common.row", "Row", "행"),
    ("common.field", "Field", "항목"),
    ("common.problem", "Problem", "문제"),
    ("common.count", "Count", "건수"),
    ("common.back", "Back", "돌아가기"),
    ("error.refused_title", "Form refused", "양식이 거부되었습니다"),
    ("error.csrf", "This form has expired or was not sent from this site. Reload the page and try again.", "양식이 만료되었거나 이 사이트에서 보낸 것이 아닙니다. 페이지를 새로 고친 뒤 다시 시도해 주세요."),
    ("employer.desk_message", "The desk's message", "데스크가 남긴 내용"),
    ("error.bad_form", "The form could not be read: it was too large or not sent as a form. Go back and try again.", "양식을 읽을 수 없습니다. 내용이 너무 크거나 양식 형식으로 보내지지 않았습니다. 이전 페이지로 돌아가 다시 시도해 주세요."),
    ("error.cross_site", "Forms may only be sent from this site's own pages.", "양식은 이 사이트의 페이지에서만 보낼 수 있습니다."),
    ("error.forbidden_title", "Not available for your account", "이 계정으로는 볼 수 없습니다"),
    ("error.forbidden", "This page is not available for your role.", "이 페이지는 귀하의 역할로는 이용할 수 없습니다."),
    ("error.not_found_title", "Not found", "찾을 수 없습니다"),
    ("error.not_found", "The page or record does not exist, or it is not yours to see.", "페이지나 기록이 없거나 볼 권한이 없습니다."),
    ("error.unavailable_title", "Temporarily unavailable", "일시적으로 이용할 수 없습니다"),
    ("error.unavailable", "The service is temporarily unavailable. Please try again shortly.", "서비스를 일시적으로 이용할 수 없습니다. 잠시 후 다시 시도해 주세요."),
    ("error.internal_title", "Something went wrong", "오류가 발생했습니다"),
    ("error.internal", "An internal error occurred. The desk has been notified in its logs.", "내부 오류가 발생했습니다. 기록에 남겨졌습니다."),
    ("error.request_title", "The request could not be completed", "요청을 처리할 수 없습니다"),
    ("flash.registered", "Registration received. Sign in with the address and password you gave; filing opens once the desk has verified the company. If the address already had an account, it was sent a mail instead.", "등록 신청을 받았습니다. 입력하신 주소와 비밀번호로 로그인하십시오. 데스크가 회사를 확인하면 신청할 수 있습니다. 이미 계정이 있는 주소라면 그 주소로 안내 메일을 보냈습니다."),
    ("flash.signed_out", "You have signed out.", "로그아웃되었습니다."),
    ("flash.user_created", "The account was created. Give its owner the password by a separate channel; they sign in at /login.", "계정을 만들었습니다. 비밀번호는 별도 경로로 전달해 주세요. 로그인 주소는 /login 입니다."),
    ("flash.user_disabled", "The account was disabled and its sessions ended.", "계정을 사용 중지하고 로그인 세션을 모두 종료했습니다."),
    ("flash.user_enabled", "The account was enabled again.", "계정을 다시 사용하도록 했습니다."),
    ("admin.title", "User accounts", "사용자 계정"),
    ("admin.new", "New desk account", "새 데스크 계정"),
    ("admin.new_help", "Officers, supervisors and administrators. Employer accounts come with their company's registration.", "담당관, 감독관, 관리자 계정을 만듭니다. 고용주 계정은 회사 등록 시 함께 만들어집니다."),
    ("admin.display_name", "Name", "이름"),
    ("admin.role", "Role", "역할"),
    ("admin.password", "Password", "비밀번호"),
    ("admin.password_help", "At least 12 characters; a passphrase is best.", "12자 이상. 문장형 비밀번호를 권장합니다."),
    ("admin.create", "Create the account", "계정 만들기"),
    ("admin.users", "Accounts", "계정 목록"),
    ("admin.active", "Active", "사용 중"),
    ("admin.disabled", "Disabled", "사용 중지"),
    ("admin.disable", "Disable", "사용 중지"),
    ("admin.enable", "Enable", "다시 사용"),
    ("admin.field.email", "E-mail", "이메일"),
    ("admin.field.password", "Password", "비밀번호"),
    ("admin.field.role", "Role", "역할"),
    ("admin.field.display_name", "Name", "이름"),
    ("account_role.employer", "Employer", "고용주"),
    ("account_role.officer", "Officer", "담당관"),
    ("account_role.supervisor", "Supervisor", "감독관"),
    ("account_role.admin", "Administrator", "관리자"),
    ("account_role.system", "System", "시스템"),
    ("nav.admin", "User accounts", "사용자 계정"),
    ("flash.done", "Done.", "처리되었습니다."),
    ("flash.stale", "Someone changed this case after you opened it, so your action was not applied. Here is the current case; check it and try again.", "이 신청 건을 연 뒤에 다른 사람이 내용을 변경하여 조치가 적용되지 않았습니다. 현재 내용을 확인하고 다시 시도해 주세요."),
    ("flash.project_added", "The project was added.", "프로젝트가 추가되었습니다."),
    ("flash.verified", "The sponsor is verified.", "스폰서가 확인되었습니다."),
    ("flash.note_added", "Your note was saved.", "메모가 저장되었습니다."),
    ("login.title", "Sign in", "로그인"),
    ("login.email", "E-mail address", "이메일 주소"),
    ("login.password", "Password", "비밀번호"),
    ("login.submit", "Sign in", "로그인"),
    ("login.invalid", "Wrong e-mail address or password.", "이메일 주소 또는 비밀번호가 올바르지 않습니다."),
    ("login.throttled", "Too many attempts. Try again in {n} seconds.", "시도 횟수가 너무 많습니다. {n}초 후에 다시 시도해 주세요."),
    ("login.no_account", "No account yet? Register your company.", "계정이 없으신가요? 회사를 등록하세요."),
    ("login.admin", "Administrators use the API; there are no administration pages.", "관리자는 API를 사용합니다. 관리자용 페이지는 없습니다."),
    ("register.title", "Register a sponsor company", "스폰서 회사 등록"),
    ("register.intro", "Register your company and its first user. The desk verifies the company before any workers can be filed.", "회사와 첫 사용자를 등록하세요. 데스크가 회사를 확인한 뒤에 근로자를 신청할 수 있습니다."),
    ("register.company", "Company", "회사"),
    ("register.contact", "Contact person and sign-in", "담당자 및 로그인 정보"),
    ("register.legal_name", "Legal name (English)", "법인명 (영문)"),
    ("register.legal_name_ko", "Legal name (Korean)", "법인명 (한글)"),
    ("register.brn", "Business registration number", "사업자등록번호"),
    ("register.ownership", "Korean ownership (%)", "한국인 지분율 (%)"),
    ("register.treaty_investor", "Treaty investor (E-2)", "조약 투자자 (E-2)"),
    ("register.relationship", "Relationship to the U.S. company", "미국 회사와의 관계"),
    ("register.lca", "Labor condition attestation filed", "노동 조건 확인서 제출"),
    ("register.strike", "Strike or lockout at the worksite", "근무지 파업 또는 직장 폐쇄"),
    ("register.prime", "Prime contractor's sponsor id, for subcontractors", "하도급 업체의 경우 원청 스폰서 ID"),
    ("register.contact_name", "Name", "이름"),
    ("register.password_hint", "At least 12 characters.", "12자 이상."),
    ("register.submit", "Register", "등록"),
    ("employer.title", "My company", "우리 회사"),
    ("employer.sponsor_status", "Verification", "확인 상태"),
    ("employer.pending", "The desk has not verified your company yet. You can add projects now; filing opens once it is verified.", "데스크가 아직 회사를 확인하지 않았습니다. 프로젝트는 지금 추가할 수 있으며, 확인 후 신청할 수 있습니다."),
    ("employer.projects", "Projects", "프로젝트"),
    ("employer.no_projects", "No projects yet.", "프로젝트가 없습니다."),
    ("employer.new_project", "Add a project", "프로젝트 추가"),
    ("employer.file_batch", "File workers", "근로자 신청"),
    ("employer.precheck", "Eligibility pre-check", "자격 사전 확인"),
    ("employer.cases", "Our cases", "우리 회사 신청 건"),
    ("employer.export", "Download the list", "목록 내려받기"),
    ("employer.no_cases", "No cases yet.", "아직 신청 건이 없습니다."),
    ("project.name", "Project name", "프로젝트 이름"),
    ("project.worksite", "Worksite address", "근무지 주소"),
    ("project.state", "State", "주"),
    ("project.sector", "Sector", "산업 분야"),
    ("project.investment", "Investment (USD)", "투자액 (USD)"),
    ("project.equipment", "Equipment purchased from abroad", "해외에서 구매한 장비"),
    ("project.contract", "Sales contract requires the seller's services", "판매 계약상 판매자의 설치·서비스 의무"),
    ("filing.title", "File workers for", "근로자 신청:"),
    ("filing.form", "Fill in a few workers", "근로자 직접 입력"),
    ("filing.form_help", "Up to three workers; leave a block empty to skip it. For larger batches, upload a CSV file.", "최대 3명까지 입력할 수 있으며, 빈 칸은 건너뜁니다. 더 많은 인원은 CSV 파일로 올려 주세요."),
    ("filing.worker", "Worker", "근로자"),
    ("filing.submit", "File these workers", "이 근로자들을 신청"),
    ("filing.csv", "Upload a spreadsheet (Excel or CSV)", "스프레드시트 올리기(Excel 또는 CSV)"),
    ("filing.csv_help", "One worker per row, with a header row naming the columns:", "한 행에 근로자 한 명, 첫 행에는 열 이름:"),
    ("filing.csv_file", "Batch file (.xlsx or .csv)", "신청 파일(.xlsx 또는 .csv)"),
    ("filing.csv_preview", "Check the file", "파일 확인"),
    ("filing.preview_title", "Check before filing", "신청 전 확인"),
    ("filing.preview_ok", "Every row is valid. Nothing has been filed yet.", "모든 행이 올바릅니다. 아직 신청되지 않았습니다."),
    ("filing.preview_bad", "Something needs fixing. Nothing has been filed. Fix the files and upload them again.", "고칠 부분이 있습니다. 아무것도 신청되지 않았습니다. 파일을 고쳐 다시 올려 주세요."),
    ("filing.row_ok", "OK", "정상"),
    ("facts.title", "The facts the rules read", "판단 근거가 되는 사실"),
    ("facts.assignment", "The assignment", "파견 업무"),
    ("facts.qualifications", "Role and qualifications", "직무와 자격"),
    ("facts.history", "Passport and history", "여권과 이력"),
    ("facts.employer", "The sponsor company", "스폰서 회사"),
    ("facts.missing", "not given", "미입력"),
    ("facts.none", "none", "없음"),
    ("facts.official", "official duty", "공무"),
    ("facts.stay_days", "Days in the U.S. (planned)", "미국 체류 일수(예정)"),
    ("case.route_summary", "Where each route stands", "경로별 판단 요약"),
    ("case.queue_nav", "Previous and next in the queue", "목록의 이전·다음 신청 건"),
    ("case.previous", "Previous", "이전"),
    ("case.next", "Next", "다음"),
    ("case.all_met", "every condition is met", "모든 요건 충족"),
    ("case.route_not_in_force", "no rule set of this route is in force on the evaluation date", "평가일 기준으로 시행 중인 규정이 없음"),
    ("filing.template", "Download the template, with the columns in Korean and English and the allowed values", "양식 내려받기(열 이름은 한국어·영어, 허용 값 안내 포함)"),
    ("filing.choose_file", "Choose the batch file (CSV or Excel)", "신청 파일(CSV 또는 Excel)을 선택해 주세요"),
    ("filing.rows_with_errors", "Rows with errors", "오류가 있는 행"),
    ("filing.rows", "Rows", "전체 행"),
    ("filing.name_check", "Check the passport: the romanised name does not read as the Hangul name —", "여권을 확인해 주세요. 영문 이름이 한글 이름과 맞지 않습니다:"),
    ("case.name_check", "The romanised name does not read as the Hangul name: check it against the passport.", "영문 이름이 한글 이름과 맞지 않습니다. 여권과 대조해 주세요."),
    ("filing.rows_without_route", "Rows no route can take", "가능한 경로가 없는 행"),
    ("filing.no_route", "No route fits", "맞는 경로 없음"),
    ("filing.no_route_help", "The rules find no visa route in force for some workers as described. You may still file them, but the desk will refuse them unless the facts change: check their activities, dates and qualifications.", "입력된 내용으로는 일부 근로자에게 맞는 비자 경로가 없습니다. 신청은 할 수 있지만 사실관계가 바뀌지 않으면 데스크에서 거절하게 됩니다. 업무 내용, 일정, 자격을 확인해 주세요."),
    ("filing.predicted", "Likely route", "예상 경로"),
    ("filing.errors_only", "Show only the rows that need attention", "확인이 필요한 행만 보기"),
    ("filing.files_unmatched", "Files that match no worker", "대상이 없는 파일"),
    ("filing.preview_caption", "Line: the row's line in the spreadsheet (the header is line 1), as the ZIP's file names use it.", "줄: 스프레드시트의 줄 번호(머리글이 1번 줄)이며, ZIP 파일 이름에 쓰는 번호입니다."),
    ("filing.line", "Line", "줄"),
    ("filing.row_documents", "Documents from the ZIP", "ZIP에서 가져온 서류"),
    ("filing.zip_input", "Documents (ZIP, optional)", "서류 묶음(ZIP, 선택)"),
    ("filing.zip_help", "Name each file in the ZIP after the worker's row in the spreadsheet (the header is row 1) and the document kind, for example row2_passport_bio_page.pdf; a file for the whole project, such as the sales contract, as project_sales_contract.pdf. PDF, JPEG or PNG. The kinds, as the names spell them:", "ZIP 안의 각 파일 이름은 스프레드시트에서 해당 근로자의 행 번호(머리글이 1행)와 서류 종류로 지어 주세요. 예: row2_passport_bio_page.pdf. 판매 계약서처럼 프로젝트 전체에 해당하는 서류는 project_sales_contract.pdf처럼 지어 주세요. PDF, JPEG, PNG 파일만 받습니다. 파일 이름에 쓰는 서류 종류:"),
    ("filing.zip_title", "Documents in the ZIP", "ZIP에 담긴 서류"),
    ("filing.zip_counts", "Files that go to a worker or to the project", "근로자 또는 프로젝트에 연결된 파일"),
    ("filing.zip_project", "For the whole project", "프로젝트 전체 서류"),
    ("filing.zip_unmatched", "Files that match no worker", "대상이 없는 파일"),
    ("filing.zip_unmatched_help", "Nothing is filed while a file matches no worker: rename it or leave it out of the ZIP, then check again.", "대상이 없는 파일이 있으면 신청할 수 없습니다. 파일 이름을 고치거나 ZIP에서 빼고 다시 확인해 주세요."),
    ("filing.zip_file", "File", "파일"),
    ("zipproblem.bad_name", "Name not understood: use rowN_kind or project_kind", "이름 형식 오류: rowN_서류종류 또는 project_서류종류로 지어 주세요"),
    ("zipproblem.unknown_kind", "No document kind in the name", "이름에 서류 종류가 없음"),
    ("zipproblem.no_such_row", "No worker on that line of the CSV", "CSV의 해당 줄에 근로자가 없음"),
    ("zipproblem.unsupported_type", "Not a PDF, JPEG or PNG", "PDF, JPEG, PNG 파일이 아님"),
    ("zipproblem.too_large", "Too large", "용량 초과"),
    ("zipproblem.unreadable", "Encrypted or damaged", "암호가 걸렸거나 손상된 파일"),
    ("filing.file_now", "File these workers now", "지금 신청"),
    ("filing.filed_title", "Filed", "신청 완료"),
    ("filing.filed", "The workers were filed. Keep the receipt numbers: workers can look up their status with them.", "신청되었습니다. 접수번호를 보관하세요. 근로자는 접수번호로 진행 상황을 조회할 수 있습니다."),
    ("filing.receipt", "Receipt number", "접수번호"),
    ("filing.suggested", "Suggested route", "추천 경로"),
    ("filing.duplicate", "Passport already filed", "이미 신청된 여권"),
    ("precheck.title", "Eligibility pre-check for", "자격 사전 확인:"),
    ("precheck.help", "Check one worker against every visa route before filing. Nothing is stored.", "신청 전에 근로자 한 명을 모든 비자 경로에 대해 확인합니다. 아무것도 저장되지 않습니다."),
    ("precheck.submit", "Check eligibility", "자격 확인"),
    ("education.none", "No formal education", "학력 없음"),
    ("education.high_school", "High school", "고등학교 졸업"),
    ("education.vocational", "Vocational training", "직업 교육(직업학교 등)"),
    ("education.associate", "Associate degree", "전문학사"),
    ("education.bachelor", "Bachelor's degree", "학사"),
    ("education.master", "Master's degree", "석사"),
    ("education.doctorate", "Doctorate", "박사"),
    ("role.installer", "Installer", "설치 기사"),
    ("role.technician", "Technician", "기술자"),
    ("role.engineer", "Engineer", "엔지니어"),
    ("role.trainer", "Trainer", "교육 강사"),
    ("role.supervisor", "Site supervisor", "현장 감독"),
    ("role.manager", "Manager", "관리자"),
    ("pay_source.foreign", "Paid from Korea (abroad)", "한국(해외)에서 지급"),
    ("pay_source.us", "Paid in the U.S.", "미국에서 지급"),
    ("pay_source.mixed", "Partly each", "한국·미국 분담"),
    ("activity.install", "Installing equipment", "장비 설치"),
    ("activity.service", "Servicing equipment", "장비 정비"),
    ("activity.repair", "Repairing equipment", "장비 수리"),
    ("activity.train_us_workers", "Training U.S. workers", "미국 근로자 교육"),
    ("activity.supervise_construction", "Supervising construction", "시공 감독"),
    ("activity.meetings", "Business meetings", "업무 회의"),
    ("activity.negotiate_contracts", "Negotiating contracts", "계약 협상"),
    ("activity.consult", "Consulting with business associates", "사업 관계자 협의"),
    ("activity.conference", "Attending a conference", "콘퍼런스 참석"),
    ("activity.site_visit", "Visiting the site", "현장 방문"),
    ("activity.construction_labor", "Construction labor", "건설 노무"),
    ("activity.productive_work", "Productive work (production)", "생산 업무"),
    ("relationship.parent", "Parent company", "모회사"),
    ("relationship.branch", "Branch", "지점"),
    ("relationship.subsidiary", "Subsidiary", "자회사"),
    ("relationship.affiliate", "Affiliate", "계열사"),
    ("sector.shipbuilding", "Shipbuilding", "조선"),
    ("sector.energy", "Energy", "에너지"),
    ("sector.batteries", "Batteries", "배터리"),
    ("sector.semiconductors", "Semiconductors", "반도체"),
    ("sector.pharmaceuticals", "Pharmaceuticals", "제약"),
    ("sector.critical_minerals", "Critical minerals", "핵심 광물"),
    ("sector.ai_quantum", "AI and quantum", "AI·양자"),
    ("sector.automotive", "Automotive", "자동차"),
    ("sector.other", "Other", "기타"),
    ("relationship.none", "No relationship", "관계 없음"),
    ("worker.given_name", "Given name", "이름 (영문)"),
    ("worker.family_name", "Family name", "성 (영문)"),
    ("worker.name_ko", "Name in Korean", "한글 이름"),
    ("worker.email", "E-mail", "이메일"),
    ("worker.date_of_birth", "Date of birth", "생년월일"),
    ("worker.nationality", "Nationality (e.g. KR)", "국적 (예: KR)"),
    ("worker.passport_number", "Passport number", "여권 번호"),
    ("worker.passport_expiry", "Passport expiry", "여권 만료일"),
    ("worker.education", "Education", "학력"),
    ("worker.degree_in_specialty", "Degree in the specialty", "전공 학위"),
    ("worker.years_experience", "Years of experience", "경력 (년)"),
    ("worker.months_employed_by_sponsor_last_3y", "Months with the company (last 3 years)", "최근 3년간 재직 개월 수"),
    ("worker.role", "Job role", "직무"),
    ("worker.specialized_knowledge", "Specialized knowledge", "전문 지식"),
    ("worker.prior_us_violation", "Prior U.S. immigration violation", "미국 이민법 위반 이력"),
    ("worker.previously_detained_2025", "Detained in 2025", "2025년 구금 이력"),
    ("worker.activities", "Activities", "업무 내용"),
    ("worker.planned_entry", "Planned entry", "입국 예정일"),
    ("worker.planned_exit", "Planned exit", "출국 예정일"),
    ("worker.pay_source", "Pay source", "급여 지급처"),
    ("worker.specialty_occupation", "Specialty occupation", "전문 직종"),
    ("worker.offered_wage_usd", "Offered yearly wage (USD)", "제시 연봉 (USD)"),
    ("worker.prevailing_wage_usd", "Prevailing yearly wage (USD)", "현행 임금 (USD)"),
    ("worker.actual_wage_usd", "Actual wage paid to others in the job (USD)", "동일 직무 실지급 임금 (USD)"),
    ("worker.other_nationalities", "Other nationalities (e.g. JP, US)", "다른 국적 (예: JP, US)"),
    ("worker.degree_equivalent", "Credential evaluation shows an equivalent degree", "학력 평가상 동등 학위 인정"),
    ("worker.tenure_continuous", "Those months were continuous", "해당 재직 기간이 연속됨"),
    ("worker.prior_visa_refusal", "Prior U.S. visa refusal", "미국 비자 거절 이력"),
    ("worker.prior_esta_denial", "Prior ESTA denial", "ESTA 거부 이력"),
    ("worker.travel_since_2011", "Travel since 2011 to Iran, Iraq, Libya, Somalia, Sudan, Syria, Yemen, North Korea or Cuba (COUNTRY:FROM:TO[:official]; …)", "2011년 이후 이란·이라크·리비아·소말리아·수단·시리아·예멘·북한·쿠바 방문 (국가:시작일:종료일[:official]; …)"),
    ("worker.e4_initial", "First E-4 application (not a renewal)", "E-4 최초 신청 (연장 아님)"),
    ("worker.worker_employed_by_seller", "Employed by the equipment's seller (or its subcontractor)", "장비 판매사(또는 그 협력사) 소속"),
    ("worker.worksite_controlled_by_group", "Worksite under the group's control", "근무지가 그룹 관리하에 있음"),
    ("worker.passport_last4", "Passport (last 4)", "여권 (끝 4자리)"),
    ("worker.name", "Worker", "근로자"),
    ("case.title", "Case", "신청 건"),
    ("case.status", "Status", "상태"),
    ("case.nationality", "Nationality", "국적"),
    ("case.filed_on", "Filed on", "신청일"),
    ("case.evidence_due", "Evidence due", "서류 제출 기한"),
    ("case.overdue", "Overdue", "기한 초과"),
    ("case.interview", "Interview", "인터뷰"),
    ("case.assignee", "Assigned to", "담당자"),
    ("case.unassigned", "Unassigned", "미배정"),
    ("case.decision", "Decision", "결정"),
    ("case.annotation", "Visa annotation", "비자 주석"),
    ("case.duplicate", "This passport number was filed in another case too.", "이 여권 번호는 다른 신청 건에도 접수되어 있습니다."),
    ("case.worker", "Worker", "근로자"),
    ("case.project", "Project", "프로젝트"),
    ("case.sponsor", "Sponsor", "스폰서"),
    ("case.eligibility", "Eligibility by route", "경로별 자격"),
    ("case.replayed", "Replayed with the rule-set versions used at evaluation.", "평가 당시의 규칙 세트 버전으로 재현했습니다."),
    ("case.rule", "Rule", "규칙"),
    ("case.result", "Result", "결과"),
    ("case.message", "Message", "설명"),
    ("case.citation", "Citation", "근거"),
    ("case.actions", "Actions", "조치"),
    ("case.no_actions", "No action is possible for you in this state.", "현재 상태에서 가능한 조치가 없습니다."),
    ("case.unavailable_actions", "Other actions and why they are not available now", "다른 조치와 지금 할 수 없는 이유"),
    ("case.not_in_state", "Not possible while the case is: {s}", "신청 건이 다음 상태일 때는 할 수 없습니다: {s}"),
    ("case.messages", "Messages with the desk", "데스크와의 메시지"),
    ("case.notes", "Notes and messages", "메모와 메시지"),
    ("case.no_notes", "Nothing written yet.", "작성된 내용이 없습니다."),
    ("case.history", "History", "이력"),
    ("case.add_note", "Write", "작성"),
    ("case.note_body", "Text", "내용"),
    ("case.visibility", "Who sees it", "공개 범위"),
    ("case.internal", "Desk only (internal note)", "데스크 전용 (내부 메모)"),
    ("case.shared", "Shared with the employer", "고용주와 공유"),
    ("case.send_message", "Send a message to the desk", "데스크에 메시지 보내기"),
    ("case.reason", "Reason", "사유"),
    ("case.due_date", "Due date", "기한"),
    ("case.interview_slot", "Interview time (Seoul, KST)", "인터뷰 시간 (서울, KST)"),
    ("interview.free", "{n} of {m} places free", "{m}자리 중 {n}자리 남음"),
    ("interview.no_slots", "No interview time is free: a supervisor opens an interview window first.", "예약할 수 있는 인터뷰 시간이 없습니다. 감독관이 먼저 인터뷰 시간대를 열어야 합니다."),
    ("case.location", "Location", "장소"),
    ("case.route", "Route", "경로"),
    ("case.evidence_note", "What you are submitting", "제출 내용"),
    ("case.take", "Assign to me", "나에게 배정"),
    ("case.action_failed", "The action was not applied:", "조치가 적용되지 않았습니다:"),
    ("action.filed", "Filed", "신청 접수"),
    ("action.note_added", "Note added", "메모 추가"),
    ("action.document.uploaded", "Document uploaded", "서류 업로드"),
    ("action.document.downloaded", "Document opened", "서류 열람"),
    ("action.document.purged", "Document deleted after its retention period", "보존 기간 경과로 서류 삭제"),
    ("action.assign", "Assign", "배정"),
    ("action.start_review", "Start review", "심사 시작"),
    ("action.request_evidence", "Request evidence", "서류 요청"),
    ("action.submit_evidence", "Answer the evidence request", "서류 요청에 답변"),
    ("action.schedule_interview", "Schedule interview", "인터뷰 일정 잡기"),
    ("action.approve", "Approve", "승인"),
    ("action.refuse", "Refuse", "거절"),
    ("action.withdraw", "Withdraw", "철회"),
    ("action.issue_visa", "Issue visa", "비자 발급"),
    ("action.amend_facts", "Amend the facts", "신청 정보 수정"),
    ("action.confirm_evidence", "Confirm evidence", "증빙 확인"),
    ("action.reschedule", "Move the interview", "인터뷰 일정 변경"),
    ("action.request_reschedule", "Ask for another interview time", "인터뷰 일정 변경 요청"),
    ("action.cancel_interview", "Cancel the interview", "인터뷰 취소"),
    ("action.administrative_processing", "Administrative processing (INA 221(g))", "행정 처리 (이민국적법 제221조(g))"),
    ("case.refusal_ground", "Legal ground", "거절 근거 조항"),
    ("action.record_no_show", "Record that the applicant did not come", "불참 기록"),
    ("case.no_show_note", "What happened (shown to the employer)", "경위 (고용주에게도 보입니다)"),
    ("case.preferred_dates", "Preferred dates (YYYY-MM-DD, separated by commas)", "희망 날짜 (YYYY-MM-DD, 쉼표로 구분)"),
    ("case.fact", "Fact to change", "수정할 항목"),
    ("case.documents_needed", "Documents needed", "필요한 서류"),
    ("case.documents", "Documents", "서류"),
    ("filing.project_documents", "Project documents", "프로젝트 서류"),
    ("filing.project_documents_help", "A document of the project, such as the sales contract, serves every worker filed under it.", "판매 계약서처럼 프로젝트 공통 서류는 이 프로젝트로 신청한 모든 근로자에게 적용됩니다."),
    ("case.no_documents", "No documents yet.", "아직 제출된 서류가 없습니다."),
    ("case.document_kind", "Kind", "서류 종류"),
    ("case.document_file", "File", "파일"),
    ("case.document_types", "(PDF, JPEG or PNG, up to 20 MB)", "(PDF, JPEG, PNG, 최대 20MB)"),
    ("case.document_uploaded", "Uploaded", "제출 시각"),
    ("case.document_serves", "Evidence rules", "관련 증빙 규칙"),
    ("case.document_review", "Review", "검토"),
    ("case.document_note", "What you found", "검토 의견"),
    ("case.document_confirm", "Confirm", "확인"),
    ("case.document_reject", "Return", "반려"),
    ("case.document_view", "view", "보기"),
    ("viewer.page", "Page", "쪽"),
    ("viewer.of", "of", "/"),
    ("viewer.previous", "Previous page", "이전 쪽"),
    ("viewer.next", "Next page", "다음 쪽"),
    ("viewer.download", "Download the original", "원본 내려받기"),
    ("viewer.back", "Back", "돌아가기"),
    ("viewer.image_alt", "Page as an image", "쪽 이미지"),
    ("case.document_of_project", "the project's (all its workers)", "프로젝트 공통 (소속 근로자 전체)"),
    ("case.document_upload", "Upload", "올리기"),
    ("docstatus.submitted", "Awaiting review", "검토 대기"),
    ("docstatus.confirmed", "Confirmed", "확인됨"),
    ("docstatus.rejected", "Returned", "반려됨"),
    ("case.fact_value", "New value (yes or no, a number, a date as YYYY-MM-DD, a role or activity by its name; several separated by commas; empty removes the fact)", "새 값 (예/아니오, 숫자, 날짜는 YYYY-MM-DD, 직무·업무 내용은 이름으로; 여러 값은 쉼표로 구분; 비우면 삭제)"),
    ("case.evidence_rule", "Evidence rule", "증빙 규칙"),
    ("case.current_evaluation", "Current evaluation (evaluation date · why · when)", "현재 평가 (평가 기준일 · 사유 · 시각)"),
    ("trigger.filing", "at filing", "접수 시"),
    ("trigger.amend_facts", "after a facts amendment", "신청 정보 수정 후"),
    ("trigger.confirm_evidence", "after an evidence confirmation", "증빙 확인 후"),
    ("trigger.publish", "after a rule-set publication", "규칙 세트 게시 후"),
    ("trigger.approval", "at approval", "승인 시"),
    ("trigger.reevaluate", "re-evaluation", "재평가"),
    ("trigger.effective_date", "a rule-set version took effect", "새 규칙 세트 시행"),
    ("route.sandbox", "Proposal, not law: would qualify if enacted", "발의안(법률 아님): 제정 시 해당 예상"),
    ("route.basis", "Legal basis", "법적 근거"),
    ("route.caution", "Caution:", "주의:"),
    ("rule.document", "Document", "서류"),
    ("kind.hard", "Requirement", "필수 요건"),
    ("kind.evidence", "Evidence", "증빙 확인"),
    ("kind.discretion", "Officer's judgement", "재량 판단"),
    ("kind.notice", "Notice", "참고 사항"),
    ("document.sales_contract", "Sales contract", "판매 계약서"),
    ("document.employment_letter", "Employment letter", "재직 증명서"),
    ("document.training_plan", "Training plan", "교육 계획서"),
    ("document.specialized_knowledge_statement", "Specialized knowledge statement", "전문 지식 소명서"),
    ("document.degree_or_equivalency", "Degree or credential evaluation", "학위증 또는 학력 평가서"),
    ("document.treaty_investor_registration", "Treaty investor registration", "조약 투자자 등록 서류"),
    ("document.labor_condition_application", "Labor condition application", "노동 조건 신청서(LCA)"),
    ("document.passport_bio_page", "Passport bio page", "여권 인적 사항 면"),
    ("document.other", "Other document", "기타 서류"),
    ("status.filed", "Filed", "접수됨"),
    ("status.in_review", "In review", "심사 중"),
    ("status.evidence_requested", "Evidence requested", "서류 요청됨"),
    ("status.evidence_submitted", "Evidence submitted", "서류 제출됨"),
    ("status.interview_scheduled", "Interview scheduled", "인터뷰 예정"),
    ("status.administrative_processing", "Administrative processing (INA 221(g))", "행정 처리 중 (이민국적법 제221조(g))"),
    ("status.approved", "Approved", "승인됨"),
    ("status.esta_advised", "ESTA advised (no visa needed)", "ESTA 입국 안내(비자 불필요)"),
    ("status.not_available", "Not available", "적용 불가"),
    ("status.unconfirmed", "Awaiting confirmation", "확인 대기"),
    ("status.confirmed", "Confirmed", "확인됨"),
    ("status.flagged", "To judge", "판단 필요"),
    ("status.noted", "Noted", "참고"),
    ("status.refused", "Refused", "거절됨"),
    ("status.withdrawn", "Withdrawn", "철회됨"),
    ("status.visa_issued", "Visa issued", "비자 발급됨"),
    ("status.pending_verification", "Awaiting verification", "확인 대기"),
    ("status.verified", "Verified", "확인됨"),
    ("status.eligible", "Eligible", "적격"),
    ("status.needs_review", "Needs review", "검토 필요"),
    ("status.ineligible", "Ineligible", "부적격"),
    ("status.passed", "Passed", "통과"),
    ("status.failed", "Failed", "불충족"),
    ("status.not_applicable", "Not applicable", "해당 없음"),
    ("status.error", "Error", "오류"),
    ("queue.title", "Case queue", "신청 건 목록"),
    ("queue.search", "Search", "검색"),
    ("bulk.title", "Act on the selected cases", "선택한 신청 건 일괄 처리"),
    ("bulk.action", "Action", "조치"),
    ("bulk.assign_me", "Assign to me", "나에게 배정"),
    ("bulk.assign_to", "Assign to an officer", "담당관에게 배정"),
    ("bulk.assignee", "Officer (for an assignment)", "배정할 담당관(배정 시)"),
    ("bulk.scope", "Cases to act on", "처리할 신청 건"),
    ("bulk.scope_selected", "The cases selected below", "아래에서 선택한 신청 건"),
    ("bulk.scope_filing", "Every case of this filing", "이 접수 묶음의 모든 신청 건"),
    ("bulk.scope_project", "Every case of this project", "이 프로젝트의 모든 신청 건"),
    ("bulk.reason", "Evidence needed (for an evidence request)", "요청할 서류 내용(추가 서류 요청 시)"),
    ("bulk.reason_help", "The same request goes to every selected case; each case records it on its own.", "선택한 모든 신청 건에 같은 요청이 가며, 기록은 신청 건마다 따로 남습니다."),
    ("bulk.submit", "Apply to the selected cases", "선택한 신청 건에 적용"),
    ("bulk.select", "Select", "선택"),
    ("bulk.result_title", "Bulk action", "일괄 처리 결과"),
    ("bulk.applied", "Applied", "처리됨"),
    ("bulk.skipped", "Skipped (not possible in its state)", "건너뜀(현재 상태에서 불가)"),
    ("bulk.failed", "Not applied", "처리 안 됨"),
    ("bulk.none_selected", "Select at least one case.", "신청 건을 하나 이상 선택해 주세요."),
    ("queue.search_help", "A receipt number, a name (romanised or Hangul), the passport's last four, a sponsor, a project or a filing id", "접수번호, 이름(영문 또는 한글), 여권 번호 끝 4자리, 회사명, 프로젝트명 또는 신청 묶음 ID"),
    ("queue.help", "Oldest first; overdue evidence requests are listed first on each page.", "오래된 순이며, 기한이 지난 서류 요청은 각 페이지 맨 위에 표시됩니다."),
    ("queue.counts", "Cases by state", "상태별 신청 건"),
    ("queue.overdue_only", "Overdue evidence requests only", "기한 초과 서류 요청만"),
    ("queue.mine", "Assigned to me", "나에게 배정됨"),
    ("queue.documents", "Documents awaiting review", "검토 대기 서류 있음"),
    ("employer.requests", "Subcontractors asking to file through you", "협력사 연결 요청"),
    ("employer.requests_help", "Once you accept, the subcontractor files through you and you read its cases. Accept only companies you work with.", "수락하면 해당 협력사는 귀사를 통해 신청하고, 귀사는 그 신청 건을 볼 수 있습니다. 실제 거래 관계가 있는 회사만 수락하십시오."),
    ("employer.accept", "Accept", "수락"),
    ("employer.decline", "Decline", "거절"),
    ("queue.empty", "No cases match.", "조건에 맞는 신청 건이 없습니다."),
    ("sponsors.title", "Sponsors", "스폰서"),
    ("sponsors.verify", "Verify", "확인"),
    ("sponsors.brn", "Business reg. no.", "사업자등록번호"),
    ("sponsors.ownership", "Korean ownership", "한국인 지분율"),
    ("sponsors.registered", "Registered", "등록일"),
    ("rules.title", "Rule sets", "규칙 세트"),
    ("rules.route", "Route", "경로"),
    ("rules.impact_partial", "Only the first 10,000 changes are listed; the counts above cover every case.", "변경 사항은 처음 10,000건만 표시합니다. 위의 건수는 모든 신청 건을 포함합니다."),
    ("rules.version", "Version", "버전"),
    ("rules.status", "Status", "상태"),
    ("rules.effective", "In force", "시행 기간"),
    ("rules.kind", "Kind", "종류"),
    ("rules.source", "Source", "원문"),
    ("rules.impact", "Impact preview of a draft", "초안 영향 미리보기"),
    ("rules.impact_help", "Paste a draft version of this rule set. The stored cases are re-evaluated with it; nothing is published.", "이 규칙 세트의 초안을 붙여 넣으세요. 저장된 신청 건을 다시 평가하며, 게시되지 않습니다."),
    ("rules.draft", "Draft (TOML)", "초안 (TOML)"),
    ("rules.preview", "Preview the impact", "영향 미리보기"),
    ("rules.evaluated", "Cases evaluated", "평가한 신청 건"),
    ("rules.changed", "Cases whose outcome changes", "결과가 바뀌는 신청 건"),
    ("rules.change", "Change", "변경"),
    ("rules.before", "Before", "이전"),
    ("rules.after", "After", "이후"),
    ("cap.title", "E-4 cap by fiscal year", "회계연도별 E-4 쿼터"),
    ("cap.fy", "Fiscal year", "회계연도"),
    ("cap.cap", "Cap", "한도"),
    ("cap.used", "Approved (slots used)", "승인 (사용)"),
    ("cap.remaining", "Remaining", "잔여"),
    ("cap.show", "Show", "보기"),
    ("cap.what_if_cap", "Cap to simulate", "가정 한도"),
    ("cap.approval_rate", "Expected approval rate (0 to 1)", "예상 승인율 (0~1)"),
    ("cap.status.sandbox", "Proposal (not law): nothing is reserved", "발의안(법률 아님): 쿼터를 차감하지 않음"),
    ("cap.status.in_force", "In force: approvals reserve slots", "시행 중: 승인 시 쿼터 차감"),
    ("cap.status.not_available", "No E-4 rules for this year", "해당 연도 E-4 규칙 없음"),
    ("cap.simulation", "Simulation: open cases by planned entry", "시뮬레이션: 입국 예정 연도별 진행 중 신청 건"),
    ("cap.simulation_help", "Open cases whose planned entry falls in this fiscal year, by their latest E-4 evaluation. Only initial applications count against the cap.", "입국 예정일이 이 회계연도에 속하는 진행 중 신청 건을 최신 E-4 평가 기준으로 집계합니다. 최초 신청만 한도에 포함됩니다."),
    ("cap.would_qualify", "Would qualify if enacted", "제정 시 해당 예상"),
    ("cap.needs_review", "Would need review", "검토 필요 예상"),
    ("cap.initial", "Initial applications", "최초 신청"),
    ("cap.projected_use", "Projected use of the cap", "예상 한도 사용량"),
    ("cap.sponsor", "Sponsor", "후원 기업"),
    ("cap.cases", "Cases", "신청 건"),
    ("cap.share", "Share of initial applications", "최초 신청 비중"),
    ("reports.title", "Reports", "보고서"),
    ("reports.weekly_title", "Cases filed and decided per week", "주별 접수·결정 건수"),
    ("reports.weekly_caption", "Weeks from Monday to Sunday, Seoul dates: the last 12 weeks, or the weeks of the chosen period (at most 26). The table below gives the same numbers.", "월요일~일요일 단위, 서울 날짜 기준: 최근 12주 또는 선택한 기간의 주(최대 26주). 아래 표에 같은 수치가 있습니다."),
    ("reports.filters", "Report filters", "보고서 조건"),
    ("reports.from", "Filed from", "접수일(부터)"),
    ("reports.to", "Filed to", "접수일(까지)"),
    ("reports.officer", "Officer", "담당관"),
    ("reports.apply", "Show", "조회"),
    ("reports.clear", "Clear filters", "조건 지우기"),
    ("reports.cases_in_report", "Cases in this report", "이 보고서의 신청 건"),
    ("reports.download", "Download", "내려받기"),
    ("reports.case_list", "Case list", "신청 건 목록"),
    ("reports.by_sponsor", "By sponsor", "스폰서별"),
    ("reports.by_officer", "By officer", "담당관별"),
    ("reports.cases", "Cases", "신청 건"),
    ("reports.open", "Open", "진행 중"),
    ("reports.approved", "Approved", "승인"),
    ("reports.refused", "Refused", "거절"),
    ("reports.withdrawn", "Withdrawn", "철회"),
    ("reports.overdue_short", "Overdue evidence", "서류 기한 초과"),
    ("reports.median_short", "Median days to decision", "결정까지 일수(중앙값)"),
    ("reports.unassigned", "Not assigned", "미배정"),
    ("reports.days_to_decision_title", "Days from filing to decision", "신청부터 결정까지 걸린 일수"),
    ("reports.days_to_decision_caption", "Decided cases by the days from filing to decision (Seoul dates); the table below gives the same numbers.", "결정된 신청 건을 신청일부터 결정일까지의 일수(서울 날짜 기준)로 나눈 분포입니다. 아래 표에 같은 수치가 있습니다."),
    ("reports.days", "Days", "일수"),
    ("reports.overdue_chart_title", "Overdue evidence requests by days past the due date", "기한을 넘긴 일수별 서류 요청"),
    ("reports.overdue_caption", "Evidence requests still unanswered after their due date, by how long ago it was; the table below lists them.", "제출 기한이 지나도록 답이 없는 서류 요청을 기한이 지난 일수별로 나누었습니다. 아래 표에 각 건이 있습니다."),
    ("reports.week_of", "Week of", "주 시작일"),
    ("reports.filed", "Filed", "접수"),
    ("reports.decided_short", "Decided", "결정"),
    ("reports.by_state_route", "Cases by state and route", "상태·경로별 신청 건"),
    ("reports.median", "Median days from filing to decision", "신청부터 결정까지 일수 (중앙값)"),
    ("reports.decided", "Decided cases", "결정된 신청 건"),
    ("reports.overdue", "Overdue evidence requests", "기한 초과 서류 요청"),
    ("reports.days_overdue", "Days overdue", "초과 일수"),
    ("reports.csv", "Download as CSV", "CSV로 내려받기"),
    ("reports.no_route", "(no route)", "(경로 없음)"),
    ("status_page.title", "Check a case's status", "진행 상황 조회"),
    ("status_page.help", "Enter the receipt number from your employer and your date of birth.", "고용주에게 받은 접수번호와 생년월일을 입력하세요."),
    ("status_page.receipt", "Receipt number", "접수번호"),
    ("status_page.dob", "Date of birth", "생년월일"),
    ("status_page.submit", "Check status", "조회"),
    ("status_page.result", "Status of", "진행 상황:"),
    ("status_page.updated", "Last change", "최근 변경"),
    ("status_page.not_found", "No case matches this receipt number and date of birth.", "이 접수번호와 생년월일에 해당하는 신청 건이 없습니다."),
    ("status_page.throttled", "Too many look-ups from your connection. Try again in {n} seconds.", "조회 횟수가 너무 많습니다. {n}초 후에 다시 시도해 주세요."),
    ("home.title", "KIT Desk", "KIT 데스크"),
    ("home.intro", "The U.S. Embassy Seoul's desk for Korean companies sending skilled workers to U.S. projects.", "미국 프로젝트에 숙련 인력을 파견하는 한국 기업을 위한 주한 미국대사관 전담 데스크입니다."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        let mut seen = std::collections::HashSet::new();
        for (key, en, ko) in all_messages() {
            assert!(seen.insert(*key), "duplicate key {key}");
            assert!(
                !en.is_empty() && !ko.is_empty(),
                "{key} lacks a translation"
            );
        }
    }

    /// Every `t("…")` in the page templates names a key of the catalog.
    #[test]
    fn every_key_used_by_a_template_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/pages");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for piece in text.split(".t(\"").skip(1) {
                let key = piece.split('"').next().unwrap();
                assert!(
                    all_messages().any(|(k, _, _)| *k == key),
                    "missing catalog key {key}"
                );
                checked += 1;
            }
        }
        assert!(checked > 50);
    }

    #[test]
    fn accept_language_picks_the_preferred_of_ko_and_en() {
        assert_eq!(
            from_accept_language("ko-KR,ko;q=0.9,en;q=0.8"),
            Some(Lang::Ko)
        );
        assert_eq!(
            from_accept_language("en-US,en;q=0.9,ko;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(from_accept_language("fr-FR, ko;q=0.3"), Some(Lang::Ko));
        assert_eq!(from_accept_language("fr-FR"), None);
    }

    #[test]
    fn labels_fall_back_to_the_value() {
        assert_eq!(Lang::Ko.status("approved"), "승인됨");
        assert_eq!(Lang::En.status("unheard_of"), "unheard_of");
    }

    #[test]
    fn every_entry_of_a_case_history_has_a_label() {
        // the audit actions recorded with a case id (`service::audit::entry` callers), as
        // the case page names them: `case.` dropped, other prefixes kept
        for action in [
            "filed",
            "note_added",
            "document.uploaded",
            "document.downloaded",
            "document.purged",
            "overstay_detected",
            "overstay_finding",
            "trip_recorded",
            "trip_exit_recorded",
            "training_recorded",
        ] {
            for lang in [Lang::Ko, Lang::En] {
                assert_ne!(lang.label("action.", action), action, "{action}");
            }
        }
    }
}
