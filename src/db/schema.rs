//! The one diesel schema both backends share (see `migrations/postgres` and
//! `migrations/sqlite`, which must keep the same tables, columns and meanings).

diesel::table! {
    sponsors (id) {
        id -> Text,
        legal_name -> Text,
        legal_name_ko -> Nullable<Text>,
        business_registration_no -> Text,
        korean_ownership_pct -> Double,
        treaty_investor -> Bool,
        qualifying_relationship -> Text,
        labor_attestation_filed -> Bool,
        strike_or_lockout -> Bool,
        prime_sponsor_id -> Nullable<Text>,
        status -> Text,
        notify_mode -> Text,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_normalized -> Text,
        display_name -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        sponsor_id -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        rights -> Text,
        second_factor -> Bool,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        token_hash -> Text,
        sponsor_id -> Text,
        email -> Text,
        email_normalized -> Text,
        rights -> Text,
        invited_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        accepted_user_id -> Nullable<Text>,
    }
}

diesel::table! {
    totp_factors (user_id) {
        user_id -> Text,
        secret -> Text,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        last_step -> Nullable<BigInt>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mfa_challenges (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    sponsor_checks (sponsor_id, item) {
        sponsor_id -> Text,
        item -> Text,
        outcome -> Text,
        note -> Text,
        document_id -> Nullable<Text>,
        checked_by -> Text,
        checked_at -> Timestamp,
    }
}

diesel::table! {
    sponsor_decisions (id) {
        id -> Text,
        sponsor_id -> Text,
        decision -> Text,
        reason -> Nullable<Text>,
        decided_by -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Text,
        user_id -> Text,
        credential -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    passkey_ceremonies (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        purpose -> Text,
        state -> Text,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(users -> sponsors (sponsor_id));
diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    projects (id) {
        id -> Text,
        sponsor_id -> Text,
        name -> Text,
        worksite_address -> Text,
        state -> Text,
        sector -> Text,
        investment_usd -> BigInt,
        equipment_purchased_abroad -> Bool,
        contract_requires_seller_services -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    filings (id) {
        id -> Text,
        sponsor_id -> Text,
        project_id -> Text,
        filed_by -> Text,
        idempotency_key -> Nullable<Text>,
        request_hash -> Text,
        response_json -> Text,
        worker_count -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    receipt_counters (fiscal_year) {
        fiscal_year -> Integer,
        last_sequence -> BigInt,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        receipt_number -> Text,
        filing_id -> Text,
        sponsor_id -> Text,
        project_id -> Text,
        status -> Text,
        version -> BigInt,
        assignee_id -> Nullable<Text>,
        given_name -> Text,
        family_name -> Text,
        name_ko -> Nullable<Text>,
        email -> Text,
        date_of_birth -> Date,
        nationality -> Text,
        passport_ciphertext -> Text,
        passport_last4 -> Text,
        passport_index -> Text,
        duplicate_passport -> Bool,
        facts_json -> Text,
        filing_date -> Date,
        suggested_route -> Nullable<Text>,
        evidence_due -> Nullable<Date>,
        interview_at -> Nullable<Timestamp>,
        decision_route -> Nullable<Text>,
        decision_reason -> Nullable<Text>,
        annotation -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        overstay_open -> Bool,
    }
}

diesel::table! {
    /// The cases' distinct `search_names` (kept by triggers; migration 000064).
    case_names (search_names) {
        search_names -> Text,
    }
}

diesel::table! {
    case_notes (id) {
        id -> Text,
        case_id -> Text,
        author_id -> Text,
        visibility -> Text,
        body -> Text,
        created_at -> Timestamp,
        body_ko -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        action -> Text,
        case_id -> Nullable<Text>,
        subject_id -> Nullable<Text>,
        summary -> Text,
        prev_hash -> Text,
        hash -> Text,
        chain_version -> Integer,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        audience -> Text,
        recipient -> Text,
        case_id -> Nullable<Text>,
        sponsor_id -> Nullable<Text>,
        message_id -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        calendar -> Nullable<Text>,
    }
}

diesel::table! {
    digest_items (id) {
        id -> Text,
        sponsor_id -> Text,
        case_id -> Nullable<Text>,
        kind -> Text,
        line_ko -> Text,
        line_en -> Text,
        digest_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    digests (id) {
        id -> Text,
        sponsor_id -> Text,
        digest_date -> Date,
        item_count -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rulesets (id) {
        id -> Text,
        route -> Text,
        version -> Integer,
        hash -> Text,
        source -> Text,
        published_by -> Text,
        published_at -> Timestamp,
    }
}

diesel::table! {
    case_evaluations (id) {
        id -> Text,
        case_id -> Text,
        evaluated_at -> Timestamp,
        trigger -> Text,
        context_json -> Text,
        summary_json -> Text,
    }
}

diesel::table! {
    cap_counters (route, fiscal_year) {
        route -> Text,
        fiscal_year -> Integer,
        cap -> BigInt,
        used -> BigInt,
    }
}

diesel::table! {
    cap_reservations (case_id) {
        case_id -> Text,
        route -> Text,
        fiscal_year -> Integer,
        reserved_at -> Timestamp,
    }
}

diesel::table! {
    evidence_confirmations (case_id, rule_id) {
        case_id -> Text,
        rule_id -> Text,
        note -> Text,
        confirmed_by -> Text,
        confirmed_at -> Timestamp,
    }
}

diesel::table! {
    reevaluation_runs (id) {
        id -> Text,
        trigger -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        total -> BigInt,
        done -> BigInt,
        changed -> BigInt,
        failed -> BigInt,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        case_id -> Nullable<Text>,
        project_id -> Text,
        sponsor_id -> Text,
        kind -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        status -> Text,
        review_note -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    document_bundles (id) {
        id -> Text,
        project_id -> Text,
        uploaded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bundle_entries (bundle_id, position) {
        bundle_id -> Text,
        position -> Integer,
        name -> Text,
        line -> Nullable<Integer>,
        kind -> Nullable<Text>,
        document_id -> Nullable<Text>,
        filename -> Text,
        content_type -> Nullable<Text>,
        size_bytes -> BigInt,
        sha256 -> Nullable<Text>,
        problem -> Nullable<Text>,
    }
}

diesel::table! {
    prime_link_requests (subcontractor_id) {
        subcontractor_id -> Text,
        prime_id -> Text,
        requested_at -> Timestamp,
    }
}

diesel::table! {
    interview_windows (id) {
        id -> Text,
        window_date -> Date,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        slot_minutes -> Integer,
        capacity -> Integer,
        location -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        closed_by -> Nullable<Text>,
        closed_reason -> Nullable<Text>,
    }
}

diesel::table! {
    interview_slots (id) {
        id -> Text,
        window_id -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        capacity -> Integer,
        booked -> Integer,
        location -> Text,
        closed -> Bool,
    }
}

diesel::table! {
    interview_bookings (case_id) {
        case_id -> Text,
        slot_id -> Nullable<Text>,
        sequence -> Integer,
        reschedules -> Integer,
        booked_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    case_refusals (case_id) {
        case_id -> Text,
        ground -> Text,
        refused_at -> Timestamp,
    }
}

diesel::table! {
    administrative_processing (case_id) {
        case_id -> Text,
        started_at -> Timestamp,
        reason -> Text,
        documents -> Text,
        ended_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    trips (id) {
        id -> Text,
        case_id -> Text,
        passport_index -> Text,
        admission_class -> Text,
        entry_date -> Date,
        exit_date -> Nullable<Date>,
        port -> Nullable<Text>,
        source -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        admitted_until -> Nullable<Date>,
    }
}

diesel::table! {
    overstay_alerts (id) {
        id -> Text,
        case_id -> Text,
        trip_id -> Text,
        admitted_until -> Date,
        kind -> Text,
        detected_on -> Date,
        status -> Text,
        reason -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    training_sessions (id) {
        id -> Text,
        case_id -> Text,
        sponsor_id -> Text,
        project_id -> Text,
        passport_index -> Text,
        session_date -> Date,
        minutes -> Integer,
        us_workers_trained -> Integer,
        skill -> Text,
        equipment -> Nullable<Text>,
        source -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(projects -> sponsors (sponsor_id));
diesel::joinable!(cases -> projects (project_id));
diesel::joinable!(cases -> sponsors (sponsor_id));
diesel::joinable!(case_notes -> cases (case_id));
diesel::joinable!(interview_slots -> interview_windows (window_id));
diesel::joinable!(interview_bookings -> interview_slots (slot_id));
diesel::joinable!(interview_bookings -> cases (case_id));
diesel::joinable!(trips -> cases (case_id));
diesel::joinable!(overstay_alerts -> cases (case_id));
diesel::joinable!(overstay_alerts -> trips (trip_id));
diesel::joinable!(training_sessions -> cases (case_id));

diesel::allow_tables_to_appear_in_same_query!(
    rulesets,
    case_evaluations,
    cap_counters,
    cap_reservations,
    sponsors,
    users,
    sessions,
    password_resets,
    invitations,
    totp_factors,
    recovery_codes,
    mfa_challenges,
    sponsor_checks,
    sponsor_decisions,
    passkeys,
    passkey_ceremonies,
    projects,
    filings,
    receipt_counters,
    cases,
    case_notes,
    audit_log,
    outbox,
    digest_items,
    digests,
    evidence_confirmations,
    reevaluation_runs,
    documents,
    document_bundles,
    bundle_entries,
    prime_link_requests,
    interview_windows,
    interview_slots,
    interview_bookings,
    case_refusals,
    administrative_processing,
    trips,
    overstay_alerts,
    training_sessions
);
