//! The Korean of the services' validation messages and field names.
//!
//! The services write a [`FieldError`](crate::service::FieldError) in English: a field path
//! (`workers[3].passport_number`) and a message (`must be between 1 and 50`). The Korean pages
//! show them through [`message_ko`] and [`field_ko`]; the English pages name the field with
//! [`field_en`]. The tests read the crate's sources and fail on any message literal the table
//! does not translate.
//!
//! Messages with values in them (`format!` results) are table entries with `{}` holes: the
//! values carry over in order. The Korean side may name a hole by its place (`{1}`) and say
//! how to render it (`{0:status}`: a case status by the catalog's label; `action`, `holiday`,
//! `msg` (a nested message), `field`, `serde` (a type serde expected)).

use super::catalog::Lang;

/// (English as the services write it, with `{}` for each value; Korean)
static MESSAGES: &[(&str, &str)] = &[
    // required, lengths, numbers
    ("is required", "필수 항목입니다."),
    ("must be at most {} characters", "{}자 이하로 입력해 주세요."),
    ("must be at least {} characters", "{}자 이상으로 입력해 주세요."),
    ("must be {} to {} characters", "{}자 이상 {}자 이하로 입력해 주세요."),
    ("is longer than {} characters", "{}자를 넘을 수 없습니다."),
    ("must be between {} and {}", "{}에서 {} 사이여야 합니다."),
    ("must be a number between {} and {}", "{}에서 {} 사이의 숫자여야 합니다."),
    ("must be {} digits", "{}자리 숫자여야 합니다."),
    ("must be {} to {} letters and digits", "영문자와 숫자로 {}~{}자여야 합니다."),
    ("must not be negative", "0 이상이어야 합니다."),
    ("must be a whole number", "정수로 입력해 주세요."),
    ("must be a whole number of dollars", "달러 단위의 정수로 입력해 주세요."),
    ("must be a number", "숫자로 입력해 주세요."),
    ("must be true or false", "예 또는 아니오(true 또는 false)로 입력해 주세요."),
    ("must be 1 or 2", "1 또는 2여야 합니다."),
    ("must be one of {}", "다음 중 하나여야 합니다: {}"),
    ("must not contain NUL characters", "NUL 문자는 쓸 수 없습니다."),
    ("must be printable ASCII", "영문자, 숫자, 기호 등 인쇄 가능한 ASCII 문자만 쓸 수 있습니다."),
    ("is listed twice", "같은 값이 두 번 들어 있습니다."),
    (
        "must be a yearly wage in dollars between {} and {}",
        "연봉을 {}~{}달러 사이로 입력해 주세요.",
    ),
    // dates and times
    ("must be a date", "올바른 날짜를 입력해 주세요."),
    ("must be a date (YYYY-MM-DD)", "YYYY-MM-DD 형식의 날짜로 입력해 주세요."),
    ("must be a date as YYYY-MM-DD", "YYYY-MM-DD 형식의 날짜로 입력해 주세요."),
    ("`{}` is not a date as YYYY-MM-DD", "YYYY-MM-DD 형식의 날짜가 아닙니다: {}"),
    ("must be a time of day as HH:MM (Seoul time)", "HH:MM 형식의 시각(서울 시간)으로 입력해 주세요."),
    ("must be in the past", "지난 날짜여야 합니다."),
    ("must be a past date", "지난 날짜여야 합니다."),
    ("must be after today", "내일 또는 그 이후의 날짜여야 합니다."),
    ("must be today or later", "오늘 또는 그 이후의 날짜여야 합니다."),
    ("must be after start", "시작 시간보다 늦어야 합니다."),
    ("must be on or after from", "시작일과 같거나 그 이후여야 합니다."),
    ("is before from", "시작일보다 앞설 수 없습니다."),
    ("must be at most {} days after from", "시작일로부터 {}일 이내여야 합니다."),
    ("must be at most {} days away", "오늘부터 {}일 이내여야 합니다."),
    ("must be within {} years from today", "오늘부터 {}년 이내의 날짜여야 합니다."),
    ("must be on or after planned_entry", "입국 예정일과 같거나 그 이후여야 합니다."),
    (
        "must be on or after `from` and not in the future",
        "시작일과 같거나 그 이후이면서 오늘 이전의 날짜여야 합니다.",
    ),
    ("must be at most a year before filing", "신청일보다 1년 넘게 앞선 날짜는 입력할 수 없습니다."),
    ("must be within two years of filing", "신청일로부터 2년 이내여야 합니다."),
    ("the stay must be at most five years", "체류 기간은 5년을 넘을 수 없습니다."),
    (
        "the worker must be between {} and {} years old",
        "근로자의 나이가 {}세에서 {}세 사이여야 합니다.",
    ),
    ("name at most {} dates", "날짜는 {}개까지 지정할 수 있습니다."),
    (
        "the embassy is closed that day: {}",
        "그날은 대사관 휴무일({0:holiday})입니다. 다른 날짜를 선택해 주세요.",
    ),
    (
        "the embassy is closed on {}: {} ({}); choose a working day",
        "선택한 날짜({0})는 대사관 휴무일({2})입니다. 근무일을 선택해 주세요.",
    ),
    // identifiers, codes, formats
    ("must be an id (UUID)", "ID(UUID) 형식이어야 합니다."),
    ("must be a sponsor id (UUID)", "스폰서 ID(UUID) 형식이어야 합니다."),
    ("must be a project id (UUID)", "프로젝트 ID(UUID) 형식이어야 합니다."),
    ("must be a slot id (UUID)", "인터뷰 시간 ID(UUID) 형식이어야 합니다."),
    ("must be a user id or \"me\"", "사용자 ID 또는 \"me\"여야 합니다."),
    ("must be an e-mail address like name@example.com", "name@example.com 형식의 이메일 주소여야 합니다."),
    ("is not an e-mail address", "올바른 이메일 주소가 아닙니다."),
    ("must be a receipt number like KIT2700000017", "KIT2700000017 형식의 접수번호여야 합니다."),
    (
        "is not a valid receipt number (check digit does not match)",
        "올바른 접수번호가 아닙니다(검증 숫자가 맞지 않습니다).",
    ),
    ("receipt sequence out of range", "접수번호의 일련번호가 허용 범위를 벗어났습니다."),
    (
        "must be an ISO 3166-1 alpha-2 country code such as KR",
        "KR과 같은 ISO 3166-1 두 자리 국가 코드로 입력해 주세요.",
    ),
    (
        "must be an ISO 3166-1 alpha-2 country code",
        "ISO 3166-1 두 자리 국가 코드(예: KR)로 입력해 주세요.",
    ),
    (
        "must be a U.S. state or territory code such as GA",
        "미국 주 또는 준주의 코드(예: GA)로 입력해 주세요.",
    ),
    (
        "must be a Korean business registration number of 10 digits (e.g. 123-45-67890)",
        "10자리 사업자등록번호로 입력해 주세요(예: 123-45-67890).",
    ),
    ("must be the case's ETag, e.g. \"3\"", "신청 건의 현재 ETag여야 합니다(예: \"3\")."),
    (
        "must be the id of an evidence rule, such as B1CIW-CONTRACT",
        "B1CIW-CONTRACT와 같은 증빙 규칙 ID여야 합니다.",
    ),
    ("is not a cursor from a previous page of this order", "이 정렬 순서의 이전 페이지에서 받은 페이지 위치 값이 아닙니다."),
    ("must be xlsx or csv", "xlsx 또는 csv여야 합니다."),
    ("must be attachment or inline", "attachment 또는 inline이어야 합니다."),
    ("must be filed or overdue_first", "filed 또는 overdue_first여야 합니다."),
    ("must be awaiting_review", "awaiting_review여야 합니다."),
    ("must be internal or shared", "데스크 전용(internal) 또는 고용주와 공유(shared) 중 하나여야 합니다."),
    ("must be accept or decline", "수락(accept) 또는 거절(decline) 중 하나여야 합니다."),
    ("must be confirmed or rejected", "확인(confirmed) 또는 반려(rejected) 중 하나여야 합니다."),
    ("must be officer, supervisor or admin", "담당관, 감독관, 관리자 중 하나여야 합니다."),
    (
        "must be one of admin, supervisor, officer, employer",
        "관리자(admin), 감독관(supervisor), 담당관(officer), 고용주(employer) 중 하나여야 합니다.",
    ),
    ("must be UTF-8 TOML text", "UTF-8로 인코딩된 TOML 텍스트여야 합니다."),
    ("must be a facts object (v1 or v2)", "신청 정보 객체(v1 또는 v2)여야 합니다."),
    // passwords
    (
        "is too common; choose a longer phrase that others would not guess",
        "너무 흔한 비밀번호입니다. 다른 사람이 짐작하기 어려운 더 긴 문장으로 정해 주세요.",
    ),
    ("must not repeat one character", "한 글자만 반복한 비밀번호는 쓸 수 없습니다."),
    // accounts, sponsors, projects
    ("is required for an employer user", "고용주 계정은 소속 스폰서를 지정해야 합니다."),
    ("no such sponsor", "해당 스폰서가 없습니다."),
    ("only employer users belong to a sponsor", "스폰서에 소속될 수 있는 계정은 고용주 계정뿐입니다."),
    ("a user with this e-mail address already exists", "이 이메일 주소로 등록된 사용자가 이미 있습니다."),
    (
        "a sponsor with this business registration number is already registered",
        "이 사업자등록번호로 등록된 스폰서가 이미 있습니다.",
    ),
    ("a record with the same unique value already exists", "같은 값으로 등록된 기록이 이미 있습니다."),
    ("no such project", "해당 프로젝트가 없습니다."),
    // filing
    ("name at least one worker", "근로자를 한 명 이상 입력해 주세요."),
    ("name at least one activity", "업무 내용을 하나 이상 선택해 주세요."),
    ("the passport has expired", "여권이 만료되었습니다."),
    (
        "a batch holds at most {} workers; split it",
        "한 번에 신청할 수 있는 근로자는 최대 {}명입니다. 나누어 신청해 주세요.",
    ),
    (
        "the sponsor has not been verified by the desk yet; filings open once it is",
        "데스크가 아직 스폰서를 확인하지 않았습니다. 확인이 끝나면 신청할 수 있습니다.",
    ),
    (
        "was already used for a different request; use a new key for a new filing",
        "다른 요청에 이미 쓰인 키입니다. 새 신청에는 새 키를 사용해 주세요.",
    ),
    ("the file has no worker rows", "파일에 근로자 행이 없습니다."),
    ("missing column {}", "필요한 열이 없습니다: {}"),
    ("unknown column {}", "알 수 없는 열입니다: {}"),
    (
        "line {} has {} cells; the header row has {}",
        "{}번 줄의 칸 수({}개)가 머리글 행의 칸 수({}개)와 다릅니다.",
    ),
    (
        "`{}`: write each trip as COUNTRY:FROM[:TO][:official]",
        "방문 기록은 국가:시작일[:종료일][:official] 형식으로 적어 주세요: {}",
    ),
    ("at most {} nationalities", "다른 국적은 {}개까지 입력할 수 있습니다."),
    ("at most {} trips", "방문 기록은 {}건까지 입력할 수 있습니다."),
    ("attach the batch as a CSV file", "신청 파일을 CSV 파일로 첨부해 주세요."),
    (
        "is required as ?project_id= with CSV or a workbook",
        "CSV나 Excel 파일로 신청할 때는 ?project_id=로 프로젝트를 지정해야 합니다.",
    ),
    (
        "is not a field of a batch ({}, documents)",
        "일괄 신청에 쓸 수 있는 항목이 아닙니다(쓸 수 있는 항목: {}, documents).",
    ),
    (
        "the previewed batch came back damaged: upload the file again",
        "확인한 신청 내용이 손상되었습니다. 파일을 다시 올려 주세요.",
    ),
    ("is missing; reload the page", "값이 빠져 있습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요."),
    // spreadsheets
    ("unreadable header row: {}", "머리글 행을 읽을 수 없습니다: {}"),
    ("line {} cannot be read: {}", "{}번 줄을 읽을 수 없습니다: {}"),
    ("the workbook has no sheet", "통합 문서에 시트가 없습니다."),
    ("the first sheet cannot be read: {}", "첫 번째 시트를 읽을 수 없습니다: {}"),
    ("the first sheet is empty", "첫 번째 시트가 비어 있습니다."),
    // documents and ZIPs
    ("send one ZIP", "ZIP 파일은 하나만 보내 주세요."),
    (
        "send a ZIP as documents or name a staged one as bundle_id, not both",
        "서류 ZIP을 보내거나 미리 올린 ZIP을 bundle_id로 지정해 주세요. 둘 다 할 수는 없습니다.",
    ),
    ("is not a ZIP file that can be read: {}", "읽을 수 있는 ZIP 파일이 아닙니다: {}"),
    ("the ZIP holds {} files; at most {}", "ZIP에 파일이 {}개 있습니다. 최대 {}개까지 받습니다."),
    (
        "no such ZIP of documents (filed already, or older than a day): send it again",
        "해당 서류 ZIP이 없습니다(이미 신청에 쓰였거나 하루가 지났습니다). 다시 보내 주세요.",
    ),
    ("this ZIP was sent for another project", "이 ZIP은 다른 프로젝트용으로 보낸 것입니다."),
    ("{}; rename it or leave it out of the ZIP", "{0:msg} 파일 이름을 고치거나 ZIP에서 빼 주세요."),
    (
        "name it rowN_kind (N: the worker's line in the spreadsheet) or project_kind",
        "파일 이름을 rowN_서류종류(N: 스프레드시트에서 근로자의 줄 번호) 또는 project_서류종류로 지어 주세요.",
    ),
    (
        "the name has no document kind after rowN_ or project_",
        "파일 이름의 rowN_ 또는 project_ 뒤에 서류 종류가 없습니다.",
    ),
    ("the spreadsheet has no worker on that line", "스프레드시트의 해당 줄에 근로자가 없습니다."),
    ("not a PDF, JPEG or PNG (told by its content)", "파일 내용으로 보아 PDF, JPEG, PNG 파일이 아닙니다."),
    ("over the size allowed for one file or one worker", "파일 하나 또는 근로자 한 명에게 허용된 용량을 넘습니다."),
    ("encrypted or damaged: the file cannot be read", "암호가 걸려 있거나 손상되어 파일을 읽을 수 없습니다."),
    ("is not a document kind", "알 수 없는 서류 종류입니다."),
    ("send one file per upload", "한 번에 파일 하나만 올려 주세요."),
    (
        "is not a field of an upload (kind, file)",
        "파일 올리기에 쓸 수 있는 항목이 아닙니다(쓸 수 있는 항목: kind, file).",
    ),
    ("attach the file (PDF, JPEG or PNG)", "파일(PDF, JPEG, PNG)을 첨부해 주세요."),
    ("is required: which document is this", "어떤 서류인지 서류 종류를 선택해 주세요."),
    ("is required: record what you found", "검토 의견을 입력해 주세요."),
    // cases, notes, bulk actions
    ("is required: record why", "사유를 입력해 주세요."),
    ("employers write shared messages only", "고용주는 데스크와 공유하는 메시지만 쓸 수 있습니다."),
    ("must be an active officer or supervisor", "사용 중인 담당관 또는 감독관 계정이어야 합니다."),
    (
        "changes nothing: every fact already has that value",
        "바뀌는 내용이 없습니다. 모든 항목이 이미 그 값입니다.",
    ),
    (
        "{} is not possible while the case is {}",
        "신청 건이 '{1:status}' 상태일 때는 '{0:action}' 조치를 할 수 없습니다.",
    ),
    (
        "a bulk action is assign, start_review or request_evidence",
        "일괄 처리할 수 있는 조치는 배정, 심사 시작, 서류 요청뿐입니다.",
    ),
    (
        "name the cases, or a filing_id, or a project_id (one of them)",
        "신청 건 목록, filing_id, project_id 중 하나만 지정해 주세요.",
    ),
    ("at most {} cases at once", "한 번에 최대 {}건까지 처리할 수 있습니다."),
    (
        "the project has more than {} cases: select them, or act per filing",
        "이 프로젝트의 신청 건이 {}건을 넘습니다. 신청 건을 직접 선택하거나 일괄 신청 단위로 처리해 주세요.",
    ),
    // interviews
    ("names no interview slot", "해당하는 인터뷰 시간이 없습니다."),
    ("is the case's current slot: choose another", "현재 예약된 인터뷰 시간입니다. 다른 시간을 선택해 주세요."),
    ("the slot has already begun: choose a later one", "이미 시작된 시간입니다. 더 늦은 시간을 선택해 주세요."),
    ("the slot is fully booked", "이 시간은 예약이 모두 찼습니다."),
    (
        "the interview was rescheduled {} times (the limit is {}); a supervisor decides on another",
        "인터뷰 일정이 이미 {}번 변경되었습니다(한도 {}번). 추가 변경은 감독관이 결정합니다.",
    ),
    // facts
    ("must be an object with the facts to change", "수정할 항목과 값을 담은 객체여야 합니다."),
    ("cannot be amended", "수정할 수 없는 항목입니다."),
    ("name at least one fact to change", "수정할 항목을 하나 이상 지정해 주세요."),
    // rules and reports
    ("the draft is for {}, not {}", "이 초안은 {1} 경로가 아니라 {0} 경로의 규칙입니다."),
    ("the rule set was not published: {} problem(s)", "규칙 세트를 게시하지 않았습니다. 문제가 {}건 있습니다."),
    // request bodies
    ("could not read the upload: {}", "올린 파일을 읽을 수 없습니다: {}"),
    ("could not read the body: {}", "요청 본문을 읽을 수 없습니다: {}"),
    ("the body is not valid JSON: {}", "요청 본문이 올바른 JSON이 아닙니다: {}"),
    ("invalid query string: {}", "조회 조건(쿼리 문자열)이 올바르지 않습니다: {}"),
    // interview windows
    (
        "the window ({} minutes) must hold a whole number of {}-minute slots",
        "시간대 길이({}분)가 예약 단위 시간({}분)의 배수여야 합니다.",
    ),
    ("at most {} slots a window", "한 시간대에는 예약 단위를 최대 {}개까지 둘 수 있습니다."),
    ("the window is closed already", "이미 닫힌 시간대입니다."),
    ("the slot's window is closed", "이 인터뷰 시간이 속한 시간대는 닫혔습니다."),
    ("the interview has not begun yet: cancel it instead", "인터뷰 시간이 아직 되지 않았습니다. 불참 기록 대신 인터뷰를 취소해 주세요."),
    ("the case is {}", "신청 건이 '{0:status}' 상태입니다."),
    // the rules' evaluation of the facts
    ("facts have no filing_date", "신청 정보에 신청일(filing_date)이 없습니다."),
    ("filing_date `{}` is not a YYYY-MM-DD date", "신청일이 YYYY-MM-DD 형식의 날짜가 아닙니다: {}"),
    ("no version of {} is in force on {}", "{1}에 시행 중인 {0} 규칙 세트가 없습니다."),
    ("the case could not be evaluated on {}: no result", "{} 기준으로 신청 건을 평가하지 못했습니다(결과 없음)."),
    (
        "the rules find {} ineligible for this case on {} ({}); amend the facts if they are wrong",
        "{1} 기준 규칙에 따르면 이 신청 건은 {0} 경로에 부적격입니다({2}). 사실과 다르면 신청 정보를 수정해 주세요.",
    ),
    ("the FY{} cap of {} {} approvals is reached", "{0} 회계연도 {2} 승인 한도({1}건)에 도달했습니다."),
    ("the cap simulation is for supervisors", "쿼터 시뮬레이션은 감독관만 이용할 수 있습니다."),
    ("the cap must be a whole number of at least 1", "한도는 1 이상의 정수여야 합니다."),
    (
        "the rule set was not published: the cap must be a whole number of at least 1",
        "규칙 세트를 게시하지 않았습니다. 한도는 1 이상의 정수여야 합니다.",
    ),
    // uploads and request bodies
    ("the form's token is missing or stale: reload the page", "양식의 보안 토큰이 없거나 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요."),
    (
        "the ZIP is larger than the {} bytes allowed for one batch's documents",
        "ZIP 파일이 한 번의 신청 서류에 허용된 크기({}바이트)를 넘습니다.",
    ),
    ("the batch's fields are larger than {} bytes", "신청 항목의 크기가 {}바이트를 넘습니다."),
    (
        "send the batch as multipart/form-data: project_id, workers (CSV), documents (ZIP)",
        "신청은 multipart/form-data로 보내 주세요: project_id, workers(CSV), documents(ZIP)",
    ),
    (
        "send the batch as application/json, text/csv, an Excel workbook or multipart/form-data",
        "신청은 application/json, text/csv, Excel 통합 문서 또는 multipart/form-data로 보내 주세요.",
    ),
    ("send the body as JSON with Content-Type: application/json", "요청 본문은 JSON으로, Content-Type: application/json을 붙여 보내 주세요."),
    ("the body is larger than {} bytes", "요청 본문이 {}바이트를 넘습니다."),
    (
        "the file is not a PDF, JPEG or PNG (told by its content, not its name)",
        "파일 이름이 아닌 내용으로 보아 PDF, JPEG, PNG 파일이 아닙니다.",
    ),
    (
        "the file is larger than the {} bytes allowed here (at most {} per file, {} per case or project)",
        "파일이 이곳에 허용된 크기({}바이트)를 넘습니다(파일 하나에 최대 {}바이트, 신청 건 또는 프로젝트마다 최대 {}바이트).",
    ),
    ("the documents here already take the {} bytes allowed", "이곳의 서류가 이미 허용된 용량({}바이트)을 모두 차지하고 있습니다."),
    ("the project's documents would take more than the {} bytes allowed", "프로젝트 서류가 허용된 용량({}바이트)을 넘게 됩니다."),
    ("the case is {}: documents are added before a decision", "신청 건이 '{0:status}' 상태입니다. 서류는 결정 전에만 추가할 수 있습니다."),
    ("the document was {} already", "이 서류는 이미 '{0:docstatus}' 상태입니다."),
    ("the ZIP's line numbers do not match the batch", "ZIP 파일 이름의 줄 번호가 신청 파일과 맞지 않습니다."),
    ("the filing clashed with another; retry", "다른 신청과 동시에 처리되어 충돌했습니다. 다시 시도해 주세요."),
    (
        "the pre-check of a worker is for the sponsor's employer users",
        "근로자 자격 사전 확인은 해당 스폰서의 고용주 계정만 할 수 있습니다.",
    ),
    ("the sponsor is already verified", "이미 확인된 스폰서입니다."),
    ("is not an action", "알 수 없는 조치입니다."),
    ("the case changed since it was seen; reload and try again", "확인한 뒤에 신청 건이 변경되었습니다. 새로 고친 뒤 다시 시도해 주세요."),
    ("the action's fields are not valid for this case", "입력한 조치 내용이 이 신청 건에 맞지 않습니다."),
    ("the mail outbox is for administrators", "발송 메일함은 관리자만 볼 수 있습니다."),
    ("the message was already sent", "이미 발송된 메일입니다."),
    // forms of the pages
    ("choose an interview slot", "인터뷰 시간을 선택해 주세요."),
    ("write dates as YYYY-MM-DD, separated by commas", "날짜는 YYYY-MM-DD 형식으로, 쉼표로 구분해 적어 주세요."),
    ("choose the fact to change", "수정할 항목을 선택해 주세요."),
    ("must be yes or no", "예 또는 아니오로 입력해 주세요."),
    ("is not valid JSON", "JSON 형식이 올바르지 않습니다."),
    ("a form from another site", "다른 사이트에서 보낸 양식은 받을 수 없습니다."),
    ("a bad form token", "양식의 보안 토큰이 올바르지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요."),
    ("this PDF takes too long to show here; download it instead", "이 PDF는 여기에 표시하는 데 시간이 너무 오래 걸립니다. 원본을 내려받아 확인해 주세요."),
    (
        "this PDF cannot be shown here (it is encrypted or damaged); download it instead",
        "이 PDF는 암호가 걸려 있거나 손상되어 여기에 표시할 수 없습니다. 원본을 내려받아 확인해 주세요.",
    ),
    (
        "a cross-site request cannot use the session cookie; send Authorization: Bearer",
        "다른 사이트에서 보낸 요청에는 로그인 쿠키를 쓸 수 없습니다. Authorization: Bearer 헤더로 보내 주세요.",
    ),
    (
        "with the session cookie, send the body as application/json (text/csv or an Excel workbook for filings, application/toml for rule sets)",
        "로그인 쿠키로 보내는 요청 본문은 application/json이어야 합니다(신청은 text/csv 또는 Excel 통합 문서, 규칙 세트는 application/toml).",
    ),
    // who may do what
    ("this needs one of the roles: {}", "다음 역할의 계정만 할 수 있습니다: {}"),
    ("{} is for: {}", "'{0:action}' 조치는 다음 역할의 계정만 할 수 있습니다: {1}"),
    (
        "administrators manage accounts; case records are for the desk and the sponsor",
        "관리자는 계정만 관리합니다. 신청 건 기록은 데스크와 해당 스폰서만 볼 수 있습니다.",
    ),
    (
        "administrators manage accounts; documents are for the desk and the sponsor",
        "관리자는 계정만 관리합니다. 서류는 데스크와 해당 스폰서만 볼 수 있습니다.",
    ),
    ("this account belongs to no sponsor", "이 계정은 소속된 스폰서가 없습니다."),
    ("an administrator cannot disable their own account", "관리자는 자신의 계정을 사용 중지할 수 없습니다."),
    ("bulk actions are the desk's", "일괄 처리는 데스크만 할 수 있습니다."),
    ("batches are filed by the sponsor's employer users", "신청은 해당 스폰서의 고용주 계정만 할 수 있습니다."),
    (
        "batches and their documents are filed by the sponsor's employer users",
        "신청과 서류 제출은 해당 스폰서의 고용주 계정만 할 수 있습니다.",
    ),
    ("{} is already confirmed on this case", "이 신청 건에서 {} 증빙은 이미 확인되었습니다."),
    (
        "administrative processing follows the interview, which has not begun yet",
        "행정 처리는 인터뷰 뒤에 할 수 있는데, 인터뷰가 아직 시작되지 않았습니다.",
    ),
    (
        "a prime contractor can read its subcontractors' cases but not act on them",
        "원청 업체는 협력사의 신청 건을 볼 수만 있고 조치할 수는 없습니다.",
    ),
    (
        "officers may take cases themselves; assigning to others is for supervisors",
        "담당관은 신청 건을 자신에게만 배정할 수 있습니다. 다른 사람에게 배정하는 것은 감독관이 합니다.",
    ),
    ("only the case's own sponsor can write on it", "이 신청 건의 스폰서만 메시지를 쓸 수 있습니다."),
    ("documents are reviewed by the desk", "서류 검토는 데스크가 합니다."),
    ("publishing rule sets is for supervisors", "규칙 세트 게시는 감독관만 할 수 있습니다."),
    ("re-evaluation runs are for the desk", "재평가는 데스크만 실행할 수 있습니다."),
    ("interview slots are the desk's (officers and supervisors)", "인터뷰 시간은 데스크(담당관과 감독관)만 다룰 수 있습니다."),
    ("opening and closing interview windows is for supervisors", "인터뷰 시간대를 열고 닫는 것은 감독관만 할 수 있습니다."),
    ("reports are for supervisors", "보고서는 감독관만 볼 수 있습니다."),
    ("a worker is sending the message right now", "지금 이 메일을 발송하는 중입니다."),
    ("this e-mail address already has an account", "이 이메일 주소로 된 계정이 이미 있습니다."),
    ("only desk officers verify sponsors", "스폰서 확인은 데스크 담당관만 할 수 있습니다."),
    ("projects are added by the sponsor's employer users", "프로젝트는 해당 스폰서의 고용주 계정만 추가할 수 있습니다."),
    ("a sponsor's settings are changed by its own employer users", "스폰서 설정은 해당 스폰서의 고용주 계정만 바꿀 수 있습니다."),
    ("only the sponsor's own users change its settings", "스폰서 설정은 해당 스폰서의 사용자만 바꿀 수 있습니다."),
    (
        "a prime contractor's own users answer its subcontractors' requests",
        "협력사의 연결 요청에는 원청 업체의 사용자만 답할 수 있습니다.",
    ),
    // the service's own refusals (ServiceError)
    ("the request has invalid fields", "요청에 올바르지 않은 항목이 있습니다."),
    ("the request cannot be carried out", "요청을 처리할 수 없습니다."),
    ("sign in first", "먼저 로그인해 주세요."),
    ("wrong e-mail address or password", "이메일 주소 또는 비밀번호가 올바르지 않습니다."),
    ("{} not found", "찾을 수 없습니다: {}"),
    (
        "this action needs an If-Match header with the case's current ETag",
        "이 조치에는 신청 건의 현재 ETag를 담은 If-Match 헤더가 필요합니다.",
    ),
    ("the resource changed since you read it; reload and try again", "조회한 뒤에 내용이 변경되었습니다. 새로 고친 뒤 다시 시도해 주세요."),
    ("too many attempts; try again later", "시도 횟수가 너무 많습니다. 잠시 후 다시 시도해 주세요."),
    ("the service is temporarily unavailable", "서비스를 일시적으로 이용할 수 없습니다. 잠시 후 다시 시도해 주세요."),
    ("internal error: {}", "내부 오류가 발생했습니다."),
    // serde's messages (values already removed by the extractor)
    ("missing field `{}`", "필수 항목이 빠져 있습니다: {0:field}"),
    ("duplicate field `{}`", "같은 항목이 두 번 들어 있습니다: {0:field}"),
    ("unknown field `{}`, expected one of {}", "알 수 없는 항목입니다: {}. 쓸 수 있는 항목: {}"),
    ("unknown field `{}`, expected {}", "알 수 없는 항목입니다: {}. 쓸 수 있는 항목: {}"),
    ("unknown field `{}`, there are no fields", "알 수 없는 항목입니다: {}"),
    ("unknown variant `{}`, expected one of {}", "허용되지 않는 값입니다: {}. 다음 중 하나여야 합니다: {}"),
    ("unknown variant `{}`, expected {}", "허용되지 않는 값입니다: {}. 허용되는 값: {}"),
    ("unknown variant `{}`, there are no variants", "허용되지 않는 값입니다: {}"),
    ("invalid type: {}, expected {}", "값의 형식이 맞지 않습니다. {1:serde} 형식으로 입력해 주세요."),
    ("invalid value: {}, expected {}", "허용되지 않는 값입니다. {1:serde} 형식으로 입력해 주세요."),
    ("invalid length {}, expected {}", "개수가 맞지 않습니다({0}개, 필요한 개수: {1})."),
    ("input contains invalid characters", "날짜나 시각에 쓸 수 없는 문자가 들어 있습니다(YYYY-MM-DD 형식)."),
    ("premature end of input", "날짜나 시각이 끝까지 입력되지 않았습니다(YYYY-MM-DD 형식)."),
    ("input is out of range", "날짜나 시각이 허용 범위를 벗어났습니다."),
    ("trailing input", "날짜나 시각 뒤에 불필요한 문자가 있습니다."),
    ("no possible date and time matching input", "존재하지 않는 날짜 또는 시각입니다."),
    ("input is not enough for unique date and time", "날짜와 시각을 하나로 정할 수 있을 만큼 입력되지 않았습니다."),
    // accounts: colleagues, second factor, passkeys, password reset, sponsor review
    ("unknown right {}", "알 수 없는 권한입니다: {}"),
    ("name `disabled`, `rights` or both", "`disabled`, `rights` 중 하나 이상을 지정해 주세요."),
    (
        "this desk account must enrol a second factor first: POST /api/v1/me/mfa/totp, then /api/v1/me/mfa/totp/confirm",
        "이 데스크 계정은 먼저 2단계 인증을 등록해야 합니다(POST /api/v1/me/mfa/totp 후 /api/v1/me/mfa/totp/confirm).",
    ),
    ("must be reject or request_information", "거절(reject) 또는 추가 정보 요청(request_information)이어야 합니다."),
    (
        "this account reads its sponsor's cases but may not file; a manager of the sponsor can give it the file right",
        "이 계정은 회사의 신청 건을 볼 수는 있지만 신청할 수는 없습니다. 회사의 관리자가 신청 권한을 줄 수 있습니다.",
    ),
    (
        "a sponsor keeps at least one enabled manager: give another user the manage right first",
        "회사에는 사용 중인 관리자가 한 명 이상 있어야 합니다. 먼저 다른 사용자에게 관리 권한을 주세요.",
    ),
    ("this address already has an account", "이 이메일 주소로 이미 계정이 있습니다."),
    ("only the sponsor's managers manage its users", "회사의 사용자는 그 회사의 관리자만 관리할 수 있습니다."),
    ("a sponsor's users are managed by the sponsor's own managers", "회사의 사용자는 그 회사의 관리자가 관리합니다."),
    ("this account has an authenticator; an administrator can reset it", "이 계정에는 이미 인증 앱이 등록되어 있습니다. 관리자가 초기화할 수 있습니다."),
    ("start with POST /api/v1/me/mfa/totp, then confirm with a code", "먼저 POST /api/v1/me/mfa/totp로 시작한 뒤 코드로 확인해 주세요."),
    ("this account's authenticator is confirmed already", "이 계정의 인증 앱은 이미 확인되었습니다."),
    ("the code is wrong, already used or too old; use the current one", "코드가 틀렸거나 이미 사용되었거나 만료되었습니다. 지금 표시된 코드를 입력해 주세요."),
    ("this sign-in is unknown or older than 5 minutes; sign in again", "알 수 없는 로그인이거나 5분이 지났습니다. 다시 로그인해 주세요."),
    ("administrators reset second factors", "2단계 인증은 관리자가 초기화합니다."),
    ("this account has no passkey; use the authenticator app's code", "이 계정에는 패스키가 없습니다. 인증 앱의 코드를 입력해 주세요."),
    ("passkeys need the desk to be reached by a host name, not an IP address", "패스키는 IP 주소가 아닌 호스트 이름으로 접속할 때만 쓸 수 있습니다."),
    ("this passkey request is unknown, used or older than 5 minutes; start again", "알 수 없거나 이미 사용되었거나 5분이 지난 패스키 요청입니다. 처음부터 다시 해 주세요."),
    ("the authenticator's answer does not check out", "인증기의 응답을 확인할 수 없습니다."),
    ("passkeys are for desk accounts; employers use an authenticator app", "패스키는 데스크 계정용입니다. 고용주 계정은 인증 앱을 사용해 주세요."),
    ("this link is unknown, already used or expired; ask for a new one", "알 수 없거나 이미 사용되었거나 만료된 링크입니다. 새 링크를 요청해 주세요."),
    (
        "not_applicable fits only the treaty-investor item of a sponsor that does not claim to be one",
        "'해당 없음'은 조약 투자자라고 밝히지 않은 회사의 조약 투자자 항목에만 쓸 수 있습니다.",
    ),
    ("no document of this sponsor has this id", "이 회사의 서류 중 해당 ID가 없습니다."),
    ("is required: say what was checked and how", "필수 항목입니다. 무엇을 어떻게 확인했는지 적어 주세요."),
    ("the sponsor is verified; its checklist is closed", "이미 인증된 회사라 확인 목록을 고칠 수 없습니다."),
    ("must be a document id (UUID)", "서류 ID(UUID)여야 합니다."),
    ("every checklist item must be confirmed first; open: {}", "먼저 확인 목록의 모든 항목을 확인해야 합니다. 남은 항목: {}"),
    ("a prime contractor's managers answer its subcontractors' requests", "하도급 업체의 요청에는 원청 회사의 관리자가 답합니다."),
    // after the visa: trips, the I-94 import, confirmations
    ("a class of admission as on the I-94, such as B1, WB or E2", "I-94에 적힌 입국 자격(예: B1, WB, E2)으로 입력해 주세요."),
    ("the file is not UTF-8 text", "UTF-8 텍스트 파일이 아닙니다."),
    ("send the travel history as text/csv", "출입국 기록을 text/csv 형식으로 보내 주세요."),
    ("this case was withdrawn or refused: it has no confirmation", "철회되었거나 거절된 신청 건이라 확인서가 없습니다."),
    ("the desk issues a confirmation when it approves a case or advises ESTA travel", "확인서는 데스크가 신청 건을 승인하거나 ESTA 입국을 안내할 때 발급됩니다."),
    ("the case has no planned entry and exit: amend the facts first", "입국·출국 예정일이 없습니다. 먼저 사실 정보를 수정해 주세요."),
    ("not a CSV file", "CSV 파일이 아닙니다."),
    (
        "the header line must name the columns: date, document, class, port, type (arrival or departure)",
        "첫 줄에 열 이름이 있어야 합니다: date, document, class, port, type(arrival 또는 departure).",
    ),
    ("no crossings in the file", "파일에 출입국 기록이 없습니다."),
    ("a trip is recorded once it has begun (not in the future)", "방문은 시작된 뒤에 기록합니다(미래 날짜는 안 됩니다)."),
    ("must be on or after the entry date", "입국일과 같거나 그 뒤여야 합니다."),
    ("leave it empty until the worker has left", "근로자가 출국할 때까지 비워 두세요."),
    ("at most 60 characters", "60자 이하로 입력해 주세요."),
    ("not a CSV line", "CSV 형식의 줄이 아닙니다."),
    ("a date such as 2026-03-24 or 03/24/2026", "2026-03-24 또는 03/24/2026 같은 날짜로 입력해 주세요."),
    ("Arrival or Departure", "Arrival(입국) 또는 Departure(출국)여야 합니다."),
    ("this travel history is of another passport than the case's", "이 출입국 기록은 신청 건과 다른 여권의 기록입니다."),
    ("an arrival names its class of admission", "입국 기록에는 입국 자격이 있어야 합니다."),
    ("an arrival without a departure before the next arrival", "다음 입국 전에 출국 기록이 없는 입국이 있습니다."),
    ("a departure without an arrival before it", "앞선 입국 기록이 없는 출국이 있습니다."),
    ("trips are recorded by the case's sponsor or the desk", "방문 기록은 신청 건의 스폰서 또는 데스크가 입력합니다."),
    // after the visa: the exit of a trip, the overstay check
    ("this trip's exit is already recorded", "이 방문의 출국일은 이미 기록되어 있습니다."),
    ("a date such as 2026-03-24 or 03/24/2026, or D/S", "2026-03-24 또는 03/24/2026 같은 날짜나 D/S로 입력해 주세요."),
    ("overstay alerts are for the desk's officers and supervisors", "체류 기한 초과 알림은 데스크 심사관과 감독관만 볼 수 있습니다."),
    ("only a violation is declared on the worker's cases", "위반으로 판단한 경우에만 근로자의 신청 건에 위반 이력을 기록할 수 있습니다."),
    ("the desk already recorded a finding: {}", "데스크가 이미 판단을 기록했습니다: {}"),
    ("another officer recorded a finding first", "다른 심사관이 먼저 판단을 기록했습니다."),
    ("is for the desk", "데스크만 쓸 수 있는 조건입니다."),
    ("must be open", "open이어야 합니다."),
    // after the visa: the training ledger
    ("a session is recorded once it has taken place (not in the future)", "교육이 끝난 뒤에 기록합니다(미래 날짜는 안 됩니다)."),
    ("must be on or after {}, the day the desk decided the case", "데스크가 신청 건을 결정한 날({}) 이후여야 합니다."),
    ("must be a date such as 2026-11-03", "2026-11-03 같은 날짜로 입력해 주세요."),
    ("must be more than 0 and at most 24 hours", "0시간보다 많고 24시간 이하여야 합니다."),
    ("write hours with one decimal (7.5) or in quarters of an hour (1.25)", "시간은 소수 첫째 자리(7.5)나 15분 단위(1.25)로 입력해 주세요."),
    ("must be a number of hours such as 7.5", "7.5 같은 시간 수로 입력해 주세요."),
    ("training sessions are recorded by the case's sponsor or the desk", "교육 기록은 신청 건의 스폰서 또는 데스크가 입력합니다."),
    (
        "training is recorded once the case is approved, its visa issued or ESTA travel advised",
        "교육 기록은 신청 건이 승인되거나 비자가 발급되거나 ESTA 입국이 안내된 뒤에 입력할 수 있습니다.",
    ),
    (
        "the header line must name the columns: {} (equipment may be left out)",
        "첫 줄에 열 이름이 있어야 합니다: {} (장비 열은 없어도 됩니다)",
    ),
    ("no sessions in the file", "파일에 교육 기록이 없습니다."),
    ("at most {} sessions in one file", "한 파일에는 교육 기록을 {}건까지 넣을 수 있습니다."),
    ("send the training ledger as text/csv", "교육 대장을 text/csv 형식으로 보내 주세요."),
    ("choose a file", "파일을 선택해 주세요."),
];

/// (path as the services write it, without indexes; English; Korean). Worker and facts leaves
/// are looked up as `worker.<leaf>` first, with the catalog's labels.
static FIELDS: &[(&str, &str, &str)] = &[
    // accounts
    ("email", "E-mail", "이메일"),
    ("password", "Password", "비밀번호"),
    ("display_name", "Name", "이름"),
    ("role", "Role", "역할"),
    ("sponsor_id", "Sponsor", "스폰서"),
    ("--email", "E-mail (--email)", "이메일 (--email)"),
    ("--role", "Role (--role)", "역할 (--role)"),
    (
        "password (stdin)",
        "Password (standard input)",
        "비밀번호 (표준 입력)",
    ),
    // sponsor registration and projects
    ("legal_name", "Legal name (English)", "법인명 (영문)"),
    ("legal_name_ko", "Legal name (Korean)", "법인명 (한글)"),
    (
        "business_registration_no",
        "Business registration number",
        "사업자등록번호",
    ),
    (
        "korean_ownership_pct",
        "Korean ownership (%)",
        "한국인 지분율 (%)",
    ),
    (
        "employer.korean_ownership_pct",
        "Korean ownership (%)",
        "한국인 지분율 (%)",
    ),
    (
        "treaty_investor",
        "Treaty investor (E-2)",
        "조약 투자자 (E-2)",
    ),
    (
        "qualifying_relationship",
        "Relationship to the U.S. company",
        "미국 회사와의 관계",
    ),
    (
        "labor_attestation_filed",
        "Labor condition attestation filed",
        "노동 조건 확인서 제출",
    ),
    (
        "strike_or_lockout",
        "Strike or lockout at the worksite",
        "근무지 파업 또는 직장 폐쇄",
    ),
    (
        "prime_sponsor_id",
        "Prime contractor's sponsor id",
        "원청 스폰서 ID",
    ),
    ("contact", "Contact person", "담당자"),
    ("contact.name", "Contact person's name", "담당자 이름"),
    ("contact.email", "Contact person's e-mail", "담당자 이메일"),
    ("contact.password", "Password", "비밀번호"),
    ("name", "Project name", "프로젝트 이름"),
    ("worksite_address", "Worksite address", "근무지 주소"),
    ("state", "State", "주"),
    ("sector", "Sector", "산업 분야"),
    ("investment_usd", "Investment (USD)", "투자액 (USD)"),
    (
        "equipment_purchased_abroad",
        "Equipment purchased from abroad",
        "해외에서 구매한 장비",
    ),
    (
        "contract_requires_seller_services",
        "Sales contract requires the seller's services",
        "판매 계약상 판매자의 설치·서비스 의무",
    ),
    ("decision", "Decision", "결정"),
    ("fact", "Fact to change", "수정할 항목"),
    ("value", "New value", "새 값"),
    // filing
    ("project", "Project", "프로젝트"),
    ("project_id", "Project", "프로젝트"),
    ("workers", "Workers", "근로자"),
    ("csv", "Batch file", "신청 파일"),
    ("documents", "Documents (ZIP)", "서류 묶음(ZIP)"),
    (
        "bundle_id",
        "Documents ZIP sent earlier",
        "미리 올린 서류 ZIP",
    ),
    ("filing_id", "Filing", "일괄 신청"),
    ("filing_date", "Filing date", "신청일"),
    (
        "Idempotency-Key",
        "Idempotency-Key header",
        "Idempotency-Key 헤더",
    ),
    ("If-Match", "If-Match header", "If-Match 헤더"),
    ("body", "Request body", "요청 본문"),
    ("form", "Form", "양식"),
    ("format", "File format", "파일 형식"),
    ("file", "File", "파일"),
    ("kind", "Document kind", "서류 종류"),
    ("disposition", "Download or view", "내려받기 방식"),
    // the worker, as the filing form and the catalog name it
    ("worker.given_name", "Given name", "이름 (영문)"),
    ("worker.family_name", "Family name", "성 (영문)"),
    ("worker.name_ko", "Name in Korean", "한글 이름"),
    ("worker.email", "E-mail", "이메일"),
    ("worker.date_of_birth", "Date of birth", "생년월일"),
    ("worker.nationality", "Nationality", "국적"),
    ("worker.passport_number", "Passport number", "여권 번호"),
    ("worker.passport_expiry", "Passport expiry", "여권 만료일"),
    ("worker.education", "Education", "학력"),
    (
        "worker.degree_in_specialty",
        "Degree in the specialty",
        "전공 학위",
    ),
    (
        "worker.years_experience",
        "Years of experience",
        "경력 (년)",
    ),
    (
        "worker.months_employed_by_sponsor_last_3y",
        "Months with the company (last 3 years)",
        "최근 3년간 재직 개월 수",
    ),
    ("worker.role", "Job role", "직무"),
    (
        "worker.specialized_knowledge",
        "Specialized knowledge",
        "전문 지식",
    ),
    (
        "worker.prior_us_violation",
        "Prior U.S. immigration violation",
        "미국 이민법 위반 이력",
    ),
    (
        "worker.previously_detained_2025",
        "Detained in 2025",
        "2025년 구금 이력",
    ),
    ("worker.activities", "Activities", "업무 내용"),
    ("worker.planned_entry", "Planned entry", "입국 예정일"),
    ("worker.planned_exit", "Planned exit", "출국 예정일"),
    ("worker.pay_source", "Pay source", "급여 지급처"),
    (
        "worker.specialty_occupation",
        "Specialty occupation",
        "전문 직종",
    ),
    (
        "worker.offered_wage_usd",
        "Offered yearly wage (USD)",
        "제시 연봉 (USD)",
    ),
    (
        "worker.prevailing_wage_usd",
        "Prevailing yearly wage (USD)",
        "현행 임금 (USD)",
    ),
    (
        "worker.actual_wage_usd",
        "Actual wage paid to others in the job (USD)",
        "동일 직무 실지급 임금 (USD)",
    ),
    (
        "worker.other_nationalities",
        "Other nationalities",
        "다른 국적",
    ),
    (
        "worker.degree_equivalent",
        "Credential evaluation shows an equivalent degree",
        "학력 평가상 동등 학위 인정",
    ),
    (
        "worker.tenure_continuous",
        "Those months were continuous",
        "해당 재직 기간이 연속됨",
    ),
    (
        "worker.prior_visa_refusal",
        "Prior U.S. visa refusal",
        "미국 비자 거절 이력",
    ),
    (
        "worker.prior_esta_denial",
        "Prior ESTA denial",
        "ESTA 거부 이력",
    ),
    (
        "worker.travel_since_2011",
        "Travel since 2011",
        "2011년 이후 방문 이력",
    ),
    (
        "worker.e4_initial",
        "First E-4 application (not a renewal)",
        "E-4 최초 신청 (연장 아님)",
    ),
    (
        "worker.worker_employed_by_seller",
        "Employed by the equipment's seller (or its subcontractor)",
        "장비 판매사(또는 그 협력사) 소속",
    ),
    (
        "worker.worksite_controlled_by_group",
        "Worksite under the group's control",
        "근무지가 그룹 관리하에 있음",
    ),
    (
        "worker.equipment_purchased_abroad",
        "Equipment purchased from abroad",
        "해외에서 구매한 장비",
    ),
    (
        "worker.contract_requires_seller_services",
        "Sales contract requires the seller's services",
        "판매 계약상 판매자의 설치·서비스 의무",
    ),
    ("trip.country", "Country", "방문 국가"),
    ("trip.from", "From", "방문 시작일"),
    ("trip.to", "To", "방문 종료일"),
    ("trip.official_duty", "Official duty", "공무 여부"),
    // the facts' groups, when a message names a whole group
    ("facts", "Facts", "신청 정보"),
    ("facts_version", "Facts version", "신청 정보 버전"),
    ("applicant", "The applicant", "신청자 정보"),
    ("assignment", "The assignment", "파견 업무"),
    ("employer", "The employer", "고용주 정보"),
    // cases and their actions
    ("case", "Case", "신청 건"),
    ("cases", "Cases", "신청 건"),
    ("action", "Action", "조치"),
    ("status", "Status", "상태"),
    ("reason", "Reason", "사유"),
    ("note", "Note", "의견"),
    ("due_date", "Due date", "기한"),
    ("ground", "Legal ground", "거절 근거 조항"),
    ("route", "Route", "경로"),
    ("rule_id", "Evidence rule", "증빙 규칙"),
    ("visibility", "Who sees it", "공개 범위"),
    ("preferred_dates", "Preferred dates", "희망 날짜"),
    ("assignee", "Assigned to", "담당자"),
    ("assignee_id", "Assigned to", "담당자"),
    ("location", "Location", "장소"),
    ("slot_id", "Interview time", "인터뷰 시간"),
    // queue, reports, lists
    ("q", "Search", "검색어"),
    ("order", "Order", "정렬 순서"),
    ("cursor", "Page position", "페이지 위치"),
    ("limit", "Number of results", "조회 건수"),
    ("filed_from", "Filed from", "접수일(부터)"),
    ("filed_to", "Filed to", "접수일(까지)"),
    ("from", "From", "시작일"),
    ("to", "To", "종료일"),
    ("version", "Version", "버전"),
    ("notify_mode", "Notification mode", "알림 방식"),
    // interviews
    ("date", "Day", "날짜"),
    ("start", "Start (KST)", "시작 (KST)"),
    ("end", "End (KST)", "종료 (KST)"),
    ("slot_minutes", "Minutes per slot", "예약 단위 시간(분)"),
    ("capacity", "Interviews per slot", "예약 단위당 인원"),
    // E-4 cap simulation
    ("cap", "Cap to simulate", "가정 한도"),
    ("approval_rate", "Expected approval rate", "예상 승인율"),
    ("code", "Code", "인증 코드"),
    ("mfa_token", "Sign-in step", "로그인 단계"),
    (
        "KITDESK_PUBLIC_URL",
        "The desk's public address",
        "데스크 공개 주소",
    ),
    ("ceremony", "Passkey request", "패스키 요청"),
    ("credential", "Passkey", "패스키"),
    ("token", "Link", "링크"),
    ("outcome", "Finding", "확인 결과"),
    ("document_id", "Document", "서류"),
    ("entry_date", "Entry date", "입국일"),
    ("exit_date", "Exit date", "출국일"),
    ("port", "Port of entry", "입국 항구·공항"),
    ("admission_class", "Class of admission", "입국 자격"),
    (
        "admitted_until",
        "Admitted until (I-94)",
        "체류 허가 기한(I-94)",
    ),
    (
        "admit_until",
        "Admitted until (I-94)",
        "체류 허가 기한(I-94)",
    ),
    (
        "amend_open_cases",
        "Declare on the worker's open cases",
        "근로자의 진행 중인 신청 건에 기록",
    ),
    ("finding", "Finding", "판단"),
    ("overstay", "Overstay alerts", "체류 기한 초과 알림"),
    // the training ledger
    ("hours", "Hours of training", "교육 시간"),
    (
        "us_workers_trained",
        "Number of U.S. workers trained",
        "교육받은 미국 근로자 수",
    ),
    ("skill", "Skill or task taught", "기술/직무"),
    ("equipment", "Equipment", "장비"),
];

/// Lists whose members a path names by their number as the reader sees it (no one added):
/// the lines of an imported file, numbered as the spreadsheet numbers them.
static NUMBERED: &[(&str, &str, &str)] = &[("lines", "line {n}", "{n}번째 줄")];

/// Lists whose members a path names by index: (name, English, Korean), `{n}` the number the
/// reader counts (the index plus one: the services count from 0).
static LISTS: &[(&str, &str, &str)] = &[
    ("workers", "worker {n}", "{n}번째 근로자"),
    ("preferred_dates", "preferred date {n}", "{n}번째 희망 날짜"),
    ("documents", "document {n}", "{n}번째 서류"),
    (
        "other_nationalities",
        "other nationality {n}",
        "{n}번째 다른 국적",
    ),
    ("travel_since_2011", "trip {n}", "{n}번째 방문 기록"),
    ("activities", "activity {n}", "{n}번째 업무 내용"),
    ("cases", "case {n}", "{n}번째 신청 건"),
];

/// Groups that only hold other fields: a path names its leaf, not them.
const GROUPS: &[&str] = &["facts", "applicant", "assignment", "employer"];

/// The Korean of a service's validation message (English, as the services write it), or None when the table has none.
pub fn message_ko(message: &str) -> Option<String> {
    if let Some(ko) = bilingual_ko(message) {
        return Some(ko.to_owned());
    }
    if let Some((_, ko)) = MESSAGES.iter().find(|(en, _)| *en == message) {
        return Some((*ko).to_owned());
    }
    // of the patterns that fit, the one with the most words of its own: `the case is {}: documents
    // are added before a decision` rather than `the case is {}`
    MESSAGES
        .iter()
        .filter(|(en, _)| en.contains("{}"))
        .filter_map(|(en, ko)| {
            Some((
                en.len() - 2 * en.matches("{}").count(),
                ko,
                match_holes(en, message)?,
            ))
        })
        .max_by_key(|(own, _, _)| *own)
        .map(|(_, ko, holes)| render(ko, &holes))
}

/// The Korean name of a field path as the services write it: `email`, `reason`, `due_date`,
/// `workers[3].passport_number`, `workers[3].assignment.activities`,
/// `facts.assignment.planned_entry`, `documents/row12_passport.pdf` … — the whole path read
/// naturally. The services count list members from 0 (`workers[i]`: the i-th data row of a
/// spreadsheet, the i-th worker of a JSON batch or form), people from 1: `workers[3].passport_number`
/// → "4번째 근로자의 여권 번호". Groups of the facts (`facts.`, `applicant.`, `assignment.`) are
/// not named: the leaf is. A name the table lacks stays as the services wrote it.
pub fn field_ko(field: &str) -> String {
    name_path(field, Lang::Ko).0
}

/// The English name of a field path for English pages: `workers[3].passport_number` →
/// "worker 4: passport number" (the same numbering rule: counted from 1).
pub fn field_en(field: &str) -> String {
    name_path(field, Lang::En).0
}

/// The Korean half of a message written in both languages (`English / 한국어`).
fn bilingual_ko(message: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(i) = message[from..].find(" / ") {
        let at = from + i;
        let (before, after) = (&message[..at], &message[at + 3..]);
        if !has_hangul(before) && has_hangul(after) {
            return Some(after.trim());
        }
        from = at + 3;
    }
    None
}

fn has_hangul(text: &str) -> bool {
    text.chars()
        .any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3131}'..='\u{318E}').contains(&c))
}

/// The values in `message` at the `{}` holes of `pattern`, or None when it does not fit.
/// Each hole takes at least one character; the longest fit of the first hole wins.
fn match_holes<'m>(pattern: &str, message: &'m str) -> Option<Vec<&'m str>> {
    let pieces: Vec<&str> = pattern.split("{}").collect();
    let rest = message.strip_prefix(pieces[0])?;
    let mut holes = Vec::new();
    fit(&pieces[1..], rest, &mut holes).then_some(holes)
}

fn fit<'m>(pieces: &[&str], rest: &'m str, holes: &mut Vec<&'m str>) -> bool {
    let Some((piece, later)) = pieces.split_first() else {
        return rest.is_empty();
    };
    if piece.is_empty() && later.is_empty() {
        if rest.is_empty() {
            return false;
        }
        holes.push(rest);
        return true;
    }
    // the longest fit first: a value may hold the text that follows it (`Christmas Day (KR)`)
    let ends: Vec<usize> = rest
        .match_indices(piece)
        .map(|(at, _)| at)
        .filter(|at| *at > 0)
        .collect();
    for at in ends.into_iter().rev() {
        holes.push(&rest[..at]);
        if fit(later, &rest[at + piece.len()..], holes) {
            return true;
        }
        holes.pop();
    }
    false
}

/// `ko` with its holes filled: `{}` the next value, `{N}` value N, `{N:how}` value N rendered.
fn render(ko: &str, holes: &[&str]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut rest = ko;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let token = &rest[open + 1..open + close];
        let (index, how) = match token.split_once(':') {
            Some((i, how)) => (i, how),
            None => (token, ""),
        };
        let index = if index.is_empty() {
            next += 1;
            next - 1
        } else {
            index.parse().unwrap_or(usize::MAX)
        };
        let value = holes.get(index).copied().unwrap_or("");
        out.push_str(&render_value(value, how));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn render_value(value: &str, how: &str) -> String {
    match how {
        "status" => Lang::Ko.status(value).to_owned(),
        "action" => Lang::Ko.label("action.", value).to_owned(),
        "docstatus" => Lang::Ko.label("docstatus.", value).to_owned(),
        "holiday" => holiday_ko(value),
        "msg" => message_ko(value).unwrap_or_else(|| value.to_owned()),
        "field" => field_ko(value),
        "serde" => serde_expected_ko(value),
        _ => value.to_owned(),
    }
}

/// The Korean names of the closure `describe()` wrote in English (`Chuseok (KR), …`).
fn holiday_ko(en: &str) -> String {
    use crate::domain::interview::{closed_days_coverage, closure_on};
    if en == "a weekend day" {
        return "주말".to_owned();
    }
    let (from, to) = closed_days_coverage();
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter_map(closure_on)
        .map(|c| c.describe())
        .find(|(e, _)| e == en)
        .map(|(_, ko)| ko)
        .unwrap_or_else(|| en.to_owned())
}

/// What serde expected (`a boolean`, `i64`, `struct Applicant` …), in Korean.
fn serde_expected_ko(expected: &str) -> String {
    let e = expected.trim();
    let ko = match e {
        "a boolean" => "true 또는 false",
        "a string" | "a borrowed string" => "문자열",
        "a sequence" => "목록",
        "a map" => "객체",
        "a formatted date string" | "a valid date" => "YYYY-MM-DD 날짜",
        "a formatted date and time string" => "날짜와 시각",
        "f32" | "f64" => "숫자",
        "unit" | "null" => "빈 값",
        _ if e.starts_with("struct ") || e.starts_with("a map ") => "객체",
        _ if e.starts_with("enum ") || e.starts_with("variant ") => "허용되는 값",
        _ if (e.starts_with('i') || e.starts_with('u'))
            && e.len() > 1
            && e[1..].chars().all(|c| c.is_ascii_digit()) =>
        {
            "정수"
        }
        _ if e.contains("integer") => "정수",
        _ => return e.to_owned(),
    };
    ko.to_owned()
}

/// One step of a field path: `workers[3]` is ("workers", Some(3)).
fn steps(path: &str) -> Vec<(&str, Option<usize>)> {
    path.split('.')
        .map(|part| match part.split_once('[') {
            Some((name, index)) => (name, index.trim_end_matches(']').parse().ok()),
            None => (part, None),
        })
        .collect()
}

fn lookup(key: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    FIELDS.iter().find(|(k, _, _)| *k == key)
}

fn pick(entry: &(&str, &'static str, &'static str), lang: Lang) -> String {
    match lang {
        Lang::En => entry.1.to_owned(),
        Lang::Ko => entry.2.to_owned(),
    }
}

/// The name of `path` in `lang`, and whether every part of it was known.
fn name_path(path: &str, lang: Lang) -> (String, bool) {
    let path = path.trim();
    if let Some(file) = path.strip_prefix("documents/") {
        let name = match lang {
            Lang::Ko => format!("ZIP 안의 파일 {file}"),
            Lang::En => format!("file {file} in the ZIP"),
        };
        return (name, !file.is_empty());
    }
    let steps = steps(path);
    let worker_context = steps
        .iter()
        .any(|(n, _)| matches!(*n, "workers" | "applicant" | "assignment"));
    let mut parts: Vec<String> = Vec::new();
    let mut known = true;
    let last = steps.len().saturating_sub(1);
    for (at, (name, index)) in steps.iter().enumerate() {
        if let Some(i) = index {
            if let Some((_, en, ko)) = NUMBERED.iter().find(|(n, _, _)| n == name) {
                let template = if lang.is_ko() { ko } else { en };
                parts.push(template.replace("{n}", &i.to_string()));
                continue;
            }
            match LISTS.iter().find(|(n, _, _)| n == name) {
                Some((_, en, ko)) => {
                    let template = if lang.is_ko() { ko } else { en };
                    parts.push(template.replace("{n}", &(i + 1).to_string()));
                }
                None => {
                    known = false;
                    parts.push(format!("{} {}", raw_name(name, lang), i + 1));
                }
            }
            continue;
        }
        if at != last {
            // a group (`facts.`, `assignment.`): the leaf says enough, except `contact.`
            if GROUPS.contains(name) {
                continue;
            }
            if *name == "contact" {
                continue;
            }
            known &= lookup(name).is_some();
            parts.push(label(name, lang));
            continue;
        }
        let parent = at.checked_sub(1).map(|p| steps[p].0);
        let (text, found) = leaf(name, parent, worker_context, lang);
        known &= found;
        parts.push(text);
    }
    if parts.is_empty() {
        return (path.to_owned(), false);
    }
    let joined = match lang {
        Lang::Ko => parts.join("의 "),
        Lang::En => {
            // "worker 3: passport number": the leaf's label in lower case after a list member
            let mut out = String::new();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(": ");
                    out.push_str(&lower_first(p));
                } else {
                    out.push_str(p);
                }
            }
            out
        }
    };
    (joined, known)
}

fn leaf(name: &str, parent: Option<&str>, worker_context: bool, lang: Lang) -> (String, bool) {
    let mut keys = Vec::new();
    if let Some(parent) = parent {
        if parent == "travel_since_2011" {
            keys.push(format!("trip.{name}"));
        }
        keys.push(format!("{parent}.{name}"));
    }
    if worker_context || parent.is_some_and(|p| GROUPS.contains(&p)) {
        keys.push(format!("worker.{name}"));
    }
    keys.push(name.to_owned());
    if !worker_context {
        keys.push(format!("worker.{name}"));
    }
    for key in &keys {
        if let Some(entry) = lookup(key) {
            return (pick(entry, lang), true);
        }
    }
    (raw_name(name, lang), false)
}

fn label(name: &str, lang: Lang) -> String {
    lookup(name)
        .map(|e| pick(e, lang))
        .unwrap_or_else(|| raw_name(name, lang))
}

/// A name the table lacks: English with spaces, Korean as the code the services wrote.
fn raw_name(name: &str, lang: Lang) -> String {
    match lang {
        Lang::En => name.replace('_', " "),
        Lang::Ko => name.to_owned(),
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // keep acronyms and codes (`E-mail` → `e-mail`, but `ESTA …` stays)
        Some(c)
            if c.is_ascii_uppercase()
                && !chars.clone().next().is_some_and(|n| n.is_ascii_uppercase()) =>
        {
            c.to_ascii_lowercase().to_string() + chars.as_str()
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A string literal at `at` (after blanks), plain or as `format!("…"`: its text with
    /// escapes read, whether it was a format string, and where it ends.
    fn literal_at(src: &str, at: usize) -> Option<(String, bool, usize)> {
        let bytes = src.as_bytes();
        let mut i = at;
        let skip_blank = |mut i: usize| {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            i
        };
        i = skip_blank(i);
        let mut formatted = false;
        if src[i..].starts_with("format!(") {
            formatted = true;
            i = skip_blank(i + "format!(".len());
        }
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let mut out = String::new();
        let mut chars = src[i + 1..].char_indices();
        while let Some((k, c)) = chars.next() {
            match c {
                '"' => return Some((out, formatted, i + 1 + k + 1)),
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, '\n')) => {
                        // a continued line: its leading blanks are not part of the text
                        for (_, c) in chars.clone() {
                            if !c.is_whitespace() {
                                break;
                            }
                            chars.next();
                        }
                    }
                    Some((_, other)) => out.push(other),
                    None => return None,
                },
                c => out.push(c),
            }
        }
        None
    }

    /// The end of the argument starting at `at`: the `,` or closing bracket after it.
    fn argument_end(src: &str, at: usize) -> usize {
        let bytes = src.as_bytes();
        let mut depth = 0usize;
        let mut i = at;
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    if let Some((_, _, end)) = literal_at(src, i) {
                        i = end;
                        continue;
                    }
                }
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    if depth == 0 {
                        return i;
                    }
                    depth -= 1;
                }
                b',' if depth == 0 => return i,
                _ => {}
            }
            i += 1;
        }
        i
    }

    /// A format string with every `{…}` made `{}`.
    fn holes_as_braces(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            match rest[open..].find('}') {
                Some(close) => {
                    out.push_str("{}");
                    rest = &rest[open + close + 1..];
                }
                None => {
                    rest = &rest[open..];
                    break;
                }
            }
        }
        out.push_str(rest);
        out
    }

    struct Found {
        place: String,
        text: String,
        formatted: bool,
    }

    /// Calls that take a message: (call, what comes before the message). `Field`: the
    /// first argument names a field; `Code`: it is an error code; `Nothing`: the message is
    /// the first argument.
    const CALLS: &[(&str, Before)] = &[
        ("validation(", Before::Field),
        ("add(", Before::Field),
        ("Err((", Before::Field),
        ("bad(", Before::Field),
        ("conflict(", Before::Code),
        ("InvalidValue::new(", Before::Nothing),
        ("ok_or(", Before::Nothing),
        ("ok_or_else(|| ", Before::Nothing),
        ("map_err(|_| ", Before::Nothing),
        ("message: ", Before::Nothing),
        ("file_error(", Before::Nothing),
        ("Err(", Before::Nothing),
        ("Forbidden(", Before::Nothing),
        ("PayloadTooLarge(", Before::Nothing),
        ("UnsupportedMediaType(", Before::Nothing),
        ("#[error(", Before::Nothing),
    ];

    #[derive(PartialEq)]
    enum Before {
        Field,
        Code,
        Nothing,
    }

    /// Calls whose first argument is a field path, and what the path is under.
    /// (call, arguments before the field, prefix)
    const FIELD_CALLS: &[(&str, usize, &str)] = &[
        ("field: ", 0, ""),
        ("check(", 0, ""),
        ("check_text(", 1, ""),
        ("require_reason(", 1, ""),
        ("parse_date(", 1, ""),
        ("f(", 0, "workers[0]."),
    ];

    /// Sources that hold no validation messages of a request (health probes, proxy settings).
    const NOT_MESSAGES: &[&str] = &[
        "http/health.rs",
        "http/client_ip.rs",
        "http/pages/catalog.rs",
        "http/pages/validation_ko.rs",
    ];

    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Every message literal and field literal of the service, domain and HTTP sources.
    fn scan() -> (Vec<Found>, Vec<Found>) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        for dir in ["service", "domain", "http"] {
            sources(&root.join(dir), &mut files);
        }
        files.sort();
        let (mut messages, mut fields) = (Vec::new(), Vec::new());
        for file in files {
            let name = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if NOT_MESSAGES.contains(&name.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            // the unit tests' own literals are not messages the services send
            let src = match text.find("#[cfg(test)]\nmod tests") {
                Some(i) => &text[..i],
                None => &text[..],
            };
            for (call, leading) in CALLS {
                // `Err("…")` only where values are parsed: HTTP handlers' are not messages
                if *call == "Err(" && name.starts_with("http/") {
                    continue;
                }
                let mut from = 0;
                while let Some(i) = src[from..].find(call) {
                    let at = from + i;
                    from = at + call.len();
                    let before = src[..at].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue; // `do_add(`, `MyErr(` …
                    }
                    let line = src[..at].matches('\n').count() + 1;
                    let place = format!("src/{name}:{line}");
                    let mut start = at + call.len();
                    if *leading != Before::Nothing {
                        let field = literal_at(src, start).filter(|_| *leading == Before::Field);
                        if let Some((field, formatted, _)) = field {
                            fields.push(Found {
                                place: place.clone(),
                                text: field,
                                formatted,
                            });
                        }
                        let end = argument_end(src, start);
                        if src.as_bytes().get(end) != Some(&b',') {
                            continue; // one argument: not a (field, message) call
                        }
                        start = end + 1;
                    }
                    if let Some((text, formatted, _)) = literal_at(src, start) {
                        // an error attribute's string is a format string too
                        let formatted = formatted || *call == "#[error(";
                        if formatted && holes_as_braces(&text).replace("{}", "").trim().is_empty() {
                            continue; // `"{message}"`: the message is written elsewhere
                        }
                        messages.push(Found {
                            place,
                            text,
                            formatted,
                        });
                    }
                }
            }
            // field paths written into errors directly, or handed to a helper that checks
            // them (`f("email")` names a worker's field in filing.rs)
            for (call, skip, prefix) in FIELD_CALLS {
                let mut from = 0;
                while let Some(i) = src[from..].find(call) {
                    let at = from + i + call.len();
                    from = at;
                    let before = src[..from - call.len()].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let mut start = at;
                    for _ in 0..*skip {
                        start = argument_end(src, start) + 1;
                    }
                    if let Some((field, formatted, _)) = literal_at(src, start) {
                        let line = src[..at].matches('\n').count() + 1;
                        fields.push(Found {
                            place: format!("src/{name}:{line}"),
                            text: format!("{prefix}{field}"),
                            formatted,
                        });
                    }
                }
            }
        }
        (messages, fields)
    }

    /// Every message literal the sources pass to a validation call has a Korean translation.
    #[test]
    fn every_message_of_the_sources_is_translated() {
        let (messages, _) = scan();
        let mut missing = Vec::new();
        for m in &messages {
            // a format string is checked with a value at each hole
            let sample = if m.formatted {
                holes_as_braces(&m.text).replace("{}", "7")
            } else {
                m.text.clone()
            };
            if message_ko(&sample).is_none() {
                missing.push(format!("{}: {:?}", m.place, m.text));
            }
        }
        let distinct: std::collections::BTreeSet<&str> =
            messages.iter().map(|m| m.text.as_str()).collect();
        println!(
            "checked {} message literals ({} distinct) against {} table entries",
            messages.len(),
            distinct.len(),
            MESSAGES.len()
        );
        assert!(
            missing.is_empty(),
            "{} message(s) without Korean:\n{}",
            missing.len(),
            missing.join("\n")
        );
        assert!(
            messages.len() > 100,
            "the scanner found only {}",
            messages.len()
        );
    }

    /// Every field literal the sources name in an error has a name in both languages.
    #[test]
    fn every_field_of_the_sources_is_named() {
        let (_, fields) = scan();
        let mut missing = Vec::new();
        for f in &fields {
            let path = if f.formatted {
                // `workers[{i}]`, `{prefix}.{name}`: a sample index; unknown names skipped
                let p = f.text.replace("{i}", "0");
                if p.contains('{') {
                    continue;
                }
                p
            } else {
                f.text.clone()
            };
            if !name_path(&path, Lang::Ko).1 {
                missing.push(format!("{}: {:?}", f.place, f.text));
            }
        }
        println!("checked {} field literals", fields.len());
        assert!(
            missing.is_empty(),
            "fields without a name:\n{}",
            missing.join("\n")
        );
        assert!(fields.len() > 50, "the scanner found only {}", fields.len());
    }

    #[test]
    fn the_table_has_no_duplicates_and_no_english_left() {
        let mut seen = std::collections::HashSet::new();
        for (en, ko) in MESSAGES {
            assert!(seen.insert(*en), "duplicate entry {en:?}");
            assert!(has_hangul(ko), "{en:?} has no Korean");
            assert!(
                ko.matches('{').count() <= en.matches("{}").count(),
                "{en:?}: the Korean has more values than the English"
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (key, _, ko) in FIELDS {
            assert!(seen.insert(*key), "duplicate field {key:?}");
            assert!(
                has_hangul(ko) || key.starts_with(char::is_uppercase),
                "{key:?}"
            );
        }
    }

    #[test]
    fn formatted_messages_carry_their_values() {
        assert_eq!(
            message_ko("must be between 1 and 50").as_deref(),
            Some("1에서 50 사이여야 합니다.")
        );
        assert_eq!(
            message_ko("must be at most 4000 characters").as_deref(),
            Some("4000자 이하로 입력해 주세요.")
        );
        assert_eq!(
            message_ko("must be at most 14 days away").as_deref(),
            Some("오늘부터 14일 이내여야 합니다.")
        );
        assert_eq!(
            message_ko("must be one of filed, in_review, approved").as_deref(),
            Some("다음 중 하나여야 합니다: filed, in_review, approved")
        );
        assert_eq!(
            message_ko("line 7 has 3 cells; the header row has 5").as_deref(),
            Some("7번 줄의 칸 수(3개)가 머리글 행의 칸 수(5개)와 다릅니다.")
        );
        assert_eq!(
            message_ko("`2026-13-01` is not a date as YYYY-MM-DD").as_deref(),
            Some("YYYY-MM-DD 형식의 날짜가 아닙니다: 2026-13-01")
        );
        assert_eq!(
            message_ko("the embassy is closed that day: a weekend day").as_deref(),
            Some("그날은 대사관 휴무일(주말)입니다. 다른 날짜를 선택해 주세요.")
        );
        assert_eq!(
            message_ko("the embassy is closed on 2026-12-25: Christmas Day (US) (성탄절); choose a working day")
                .as_deref(),
            Some("선택한 날짜(2026-12-25)는 대사관 휴무일(성탄절)입니다. 근무일을 선택해 주세요.")
        );
        assert_eq!(
            message_ko("the embassy is closed that day: Christmas Day (KR), Christmas Day (US)")
                .as_deref(),
            Some("그날은 대사관 휴무일(성탄절, 미국 성탄절)입니다. 다른 날짜를 선택해 주세요.")
        );
        assert_eq!(
            message_ko("the embassy is closed on 2026-12-25: Christmas Day (KR), Christmas Day (US) (성탄절, 미국 성탄절); choose a working day")
                .as_deref(),
            Some("선택한 날짜(2026-12-25)는 대사관 휴무일(성탄절, 미국 성탄절)입니다. 근무일을 선택해 주세요.")
        );
        // values in another order, and rendered by the catalog
        assert_eq!(
            message_ko("approve is not possible while the case is filed").as_deref(),
            Some("신청 건이 '접수됨' 상태일 때는 '승인' 조치를 할 수 없습니다.")
        );
        // the most specific pattern wins
        assert_eq!(
            message_ko("the case is approved: documents are added before a decision").as_deref(),
            Some("신청 건이 '승인됨' 상태입니다. 서류는 결정 전에만 추가할 수 있습니다.")
        );
        assert_eq!(
            message_ko("unknown field `pasport`, expected one of `a`, `b`").as_deref(),
            Some("알 수 없는 항목입니다: pasport. 쓸 수 있는 항목: `a`, `b`")
        );
        // a nested message
        assert_eq!(
            message_ko("the spreadsheet has no worker on that line; rename it or leave it out of the ZIP")
                .as_deref(),
            Some("스프레드시트의 해당 줄에 근로자가 없습니다. 파일 이름을 고치거나 ZIP에서 빼 주세요.")
        );
        assert_eq!(
            message_ko("invalid type: string, expected a boolean").as_deref(),
            Some("값의 형식이 맞지 않습니다. true 또는 false 형식으로 입력해 주세요.")
        );
        assert_eq!(
            message_ko("missing field `passport_number`").as_deref(),
            Some("필수 항목이 빠져 있습니다: 여권 번호")
        );
    }

    #[test]
    fn literal_messages_and_bilingual_ones() {
        assert_eq!(
            message_ko("is required").as_deref(),
            Some("필수 항목입니다.")
        );
        assert_eq!(
            message_ko("the workbook cannot be read (bad zip): save it again as .xlsx / 통합 문서를 읽을 수 없습니다. .xlsx로 다시 저장해 주세요")
                .as_deref(),
            Some("통합 문서를 읽을 수 없습니다. .xlsx로 다시 저장해 주세요")
        );
        assert_eq!(message_ko("the moon is made of cheese"), None);
        assert_eq!(message_ko(""), None);
        assert_eq!(message_ko("must be between"), None);
    }

    #[test]
    fn fields_read_as_a_whole_path() {
        assert_eq!(field_ko("email"), "이메일");
        assert_eq!(field_ko("due_date"), "기한");
        assert_eq!(field_ko("reason"), "사유");
        // the services count workers from 0; people count from 1
        assert_eq!(
            field_ko("workers[3].passport_number"),
            "4번째 근로자의 여권 번호"
        );
        assert_eq!(
            field_en("workers[3].passport_number"),
            "worker 4: passport number"
        );
        assert_eq!(
            field_ko("workers[0].assignment.activities"),
            "1번째 근로자의 업무 내용"
        );
        assert_eq!(field_ko("workers[2].role"), "3번째 근로자의 직무");
        assert_eq!(field_ko("role"), "역할");
        assert_eq!(field_ko("facts.assignment.planned_entry"), "입국 예정일");
        assert_eq!(field_en("facts.assignment.planned_entry"), "Planned entry");
        assert_eq!(
            field_ko("applicant.travel_since_2011[1].from"),
            "2번째 방문 기록의 방문 시작일"
        );
        assert_eq!(
            field_en("applicant.travel_since_2011[1].from"),
            "trip 2: from"
        );
        assert_eq!(field_ko("preferred_dates[0]"), "1번째 희망 날짜");
        // an imported file's lines as the spreadsheet numbers them
        assert_eq!(field_ko("lines[3].hours"), "3번째 줄의 교육 시간");
        assert_eq!(
            field_en("lines[3].us_workers_trained"),
            "line 3: number of U.S. workers trained"
        );
        assert_eq!(field_ko("contact.email"), "담당자 이메일");
        assert_eq!(
            field_ko("employer.korean_ownership_pct"),
            "한국인 지분율 (%)"
        );
        assert_eq!(
            field_ko("documents/row12_passport.pdf"),
            "ZIP 안의 파일 row12_passport.pdf"
        );
        assert_eq!(
            field_en("documents/row12_passport.pdf"),
            "file row12_passport.pdf in the ZIP"
        );
        assert_eq!(field_ko("no_such_thing"), "no_such_thing");
        assert_eq!(field_en("no_such_thing"), "no such thing");
    }
}
