//! Mails about accounts rather than cases: password reset links (and, with the colleagues
//! feature, invitations). Korean first, then English, like every mail; the templates are in
//! `templates/mail/<message>/`.

use askama::Template;
use chrono::{DateTime, Utc};

use crate::domain::time;

use super::messages::{assemble, Rendered};

/// The outbox `kind` of [`PasswordResetMail`].
pub const PASSWORD_RESET: &str = "password_reset";

/// A password reset link for `address`.
#[derive(Debug, Clone)]
pub struct PasswordResetMail {
    pub address: String,
    /// `<KITDESK_PUBLIC_URL>/password-reset?token=…`
    pub url: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

impl PasswordResetMail {
    /// `2026년 12월 1일 09:30 KST`.
    pub fn expires_ko(&self) -> String {
        time::seoul_ko(self.expires_at)
    }

    /// `1 Dec 2026 09:30 KST`.
    pub fn expires_en(&self) -> String {
        time::seoul_en(self.expires_at)
    }
}

#[derive(Template)]
#[template(path = "mail/password_reset/subject.txt")]
struct PasswordResetSubject<'a> {
    #[allow(dead_code)]
    m: &'a PasswordResetMail,
}

#[derive(Template)]
#[template(path = "mail/password_reset/body.txt")]
struct PasswordResetText<'a> {
    m: &'a PasswordResetMail,
}

#[derive(Template)]
#[template(path = "mail/password_reset/body.html")]
struct PasswordResetHtml<'a> {
    m: &'a PasswordResetMail,
}

pub fn password_reset_mail(m: &PasswordResetMail) -> Result<Rendered, askama::Error> {
    Ok(assemble(
        PasswordResetSubject { m }.render()?,
        PasswordResetText { m }.render()?,
        PasswordResetHtml { m }.render()?,
    ))
}

/// The outbox `kind` of [`InvitationMail`].
pub const INVITATION: &str = "invitation";

/// A manager's invitation of a colleague to the sponsor's account.
#[derive(Debug, Clone)]
pub struct InvitationMail {
    pub address: String,
    /// Who invited: their name, or their address when they gave no name.
    pub inviter: String,
    pub sponsor_en: String,
    pub sponsor_ko: Option<String>,
    pub rights_en: String,
    pub rights_ko: String,
    /// `<KITDESK_PUBLIC_URL>/invitations/accept?token=…`
    pub url: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

impl InvitationMail {
    /// `2026년 12월 1일 09:30 KST`.
    pub fn expires_ko(&self) -> String {
        time::seoul_ko(self.expires_at)
    }

    /// `1 Dec 2026 09:30 KST`.
    pub fn expires_en(&self) -> String {
        time::seoul_en(self.expires_at)
    }

    pub fn sponsor_for_ko(&self) -> &str {
        self.sponsor_ko.as_deref().unwrap_or(&self.sponsor_en)
    }
}

#[derive(Template)]
#[template(path = "mail/invitation/subject.txt")]
struct InvitationSubject<'a> {
    m: &'a InvitationMail,
}

#[derive(Template)]
#[template(path = "mail/invitation/body.txt")]
struct InvitationText<'a> {
    m: &'a InvitationMail,
}

#[derive(Template)]
#[template(path = "mail/invitation/body.html")]
struct InvitationHtml<'a> {
    m: &'a InvitationMail,
}

pub fn invitation_mail(m: &InvitationMail) -> Result<Rendered, askama::Error> {
    Ok(assemble(
        InvitationSubject { m }.render()?,
        InvitationText { m }.render()?,
        InvitationHtml { m }.render()?,
    ))
}

/// The outbox `kind` of [`SponsorDecisionMail`].
pub const SPONSOR_DECISION: &str = "sponsor_decision";

/// The desk's decision on a sponsor, to its managers.
#[derive(Debug, Clone)]
pub struct SponsorDecisionMail {
    /// `verified`, `rejected` or `information_requested`.
    pub decision: String,
    pub sponsor_en: String,
    pub sponsor_ko: Option<String>,
    pub reason: Option<String>,
    /// The employer's company page.
    pub url: String,
}

impl SponsorDecisionMail {
    pub fn sponsor_for_ko(&self) -> &str {
        self.sponsor_ko.as_deref().unwrap_or(&self.sponsor_en)
    }

    pub fn headline_ko(&self) -> &'static str {
        match self.decision.as_str() {
            "verified" => "회사 확인 완료",
            "rejected" => "회사 확인 거절",
            _ => "추가 자료 요청",
        }
    }

    pub fn headline_en(&self) -> &'static str {
        match self.decision.as_str() {
            "verified" => "verified",
            "rejected" => "verification declined",
            _ => "more information needed",
        }
    }
}

#[derive(Template)]
#[template(path = "mail/sponsor_decision/subject.txt")]
struct SponsorDecisionSubject<'a> {
    m: &'a SponsorDecisionMail,
}

#[derive(Template)]
#[template(path = "mail/sponsor_decision/body.txt")]
struct SponsorDecisionText<'a> {
    m: &'a SponsorDecisionMail,
}

#[derive(Template)]
#[template(path = "mail/sponsor_decision/body.html")]
struct SponsorDecisionHtml<'a> {
    m: &'a SponsorDecisionMail,
}

pub fn sponsor_decision_mail(m: &SponsorDecisionMail) -> Result<Rendered, askama::Error> {
    Ok(assemble(
        SponsorDecisionSubject { m }.render()?,
        SponsorDecisionText { m }.render()?,
        SponsorDecisionHtml { m }.render()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reset_mail_carries_the_link_in_korean_then_english() {
        let mail = password_reset_mail(&PasswordResetMail {
            address: "kim@example.kr".into(),
            url: "https://desk.example/password-reset?token=abc".into(),
            // 00:30 UTC is 09:30 in Seoul.
            expires_at: chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 1, 0, 30, 0).unwrap(),
        })
        .unwrap();
        assert!(mail
            .text
            .contains("2026년 12월 1일 09:30 KST(서울 시간)까지"));
        assert!(mail
            .text
            .contains("until 1 Dec 2026 09:30 KST (Seoul time)"));
        assert!(mail.subject.contains("비밀번호") && mail.subject.contains("password"));
        let ko = mail.text.find("비밀번호 재설정").unwrap();
        let en = mail.text.find("reset the password").unwrap();
        assert!(ko < en);
        assert_eq!(mail.text.matches("token=abc").count(), 2);
        assert!(mail
            .html
            .contains("href=\"https://desk.example/password-reset?token=abc\""));
    }
}
