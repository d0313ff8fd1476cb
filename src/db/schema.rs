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

diesel::joinable!(users -> sponsors (sponsor_id));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(sponsors, users, sessions);
