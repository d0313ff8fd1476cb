//! The colleagues pages: a sponsor's managers list, invite, disable and re-enable its users
//! (`/employer/users`); an invited colleague accepts on the link's page
//! (`/invitations/accept`).
//!
//! Authorization: `/employer/users…` for employer users, and the service refuses anyone
//! without the sponsor's `manage` right; accepting is open to whoever holds the link
//! (throttled like the API).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::post::Post;
use super::{page_id, Page, PageError};
use crate::domain::rights::{Rights, SponsorRight};
use crate::domain::{EmailAddress, Role};
use crate::http::colleagues::parse_acceptance;
use crate::http::extract::client_ip;
use crate::http::AppState;
use crate::service::accounts::UserView;
use crate::service::colleagues::{self, ColleagueChange, InvitationView};
use crate::service::{access, ServiceError};

#[derive(Template)]
#[template(path = "pages/colleagues.html")]
struct ColleaguesPage<'a> {
    p: &'a Page,
    users: Vec<UserView>,
    invitations: Vec<InvitationView>,
    email: String,
    error: Option<String>,
}

impl ColleaguesPage<'_> {
    fn rights_words(&self, user: &UserView) -> String {
        let rights = Rights::from_list(&user.rights);
        let mut words = Vec::new();
        if rights.file {
            words.push(self.p.t("colleagues.right.file"));
        }
        if rights.manage {
            words.push(self.p.t("colleagues.right.manage"));
        }
        if words.is_empty() {
            return self.p.t("colleagues.read_only").to_owned();
        }
        words.join(" · ")
    }

    fn until(&self, invitation: &InvitationView) -> String {
        format!(
            "{} {}",
            self.p.t("colleagues.valid_until"),
            self.p.lang.time(invitation.expires_at)
        )
    }
}

async fn render(
    page: &Page,
    state: &AppState,
    status: StatusCode,
    email: String,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let user = page.require(&[Role::Employer])?;
    let (users, invitations) = state
        .ctx
        .run(move |conn, _| {
            let own = access::own_sponsor(&user)?;
            Ok((
                colleagues::list_users(conn, &user, &own)?,
                colleagues::pending_invitations(conn, &user, &own)?,
            ))
        })
        .await
        .map_err(|e| page.fail(e))?;
    page.render_status(
        status,
        &ColleaguesPage {
            p: page,
            users,
            invitations,
            email,
            error,
        },
    )
}

/// `GET /employer/users`.
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    render(&page, &state, StatusCode::OK, String::new(), None).await
}

/// `POST /employer/users/invite` (form: `csrf`, `email`, `right` repeated).
pub async fn invite(state: web::Data<AppState>, post: Post) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let user = page.require(&[Role::Employer])?;
    let typed = form.get("email").trim().to_owned();
    let email = match EmailAddress::parse(&typed) {
        Ok(e) => e,
        Err(e) => {
            let message = format!("{}: {e}", page.t("reset.email"));
            return render(
                &page,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
                Some(message),
            )
            .await;
        }
    };
    let list: Vec<SponsorRight> = form
        .all("right")
        .iter()
        .filter_map(|r| match r.as_str() {
            "file" => Some(SponsorRight::File),
            "manage" => Some(SponsorRight::Manage),
            _ => None,
        })
        .collect();
    let rights = Rights::from_list(&list);
    let result = state
        .ctx
        .run(move |conn, ctx| {
            let own = access::own_sponsor(&user)?;
            colleagues::invite(conn, ctx, &user, &own, email, rights)
        })
        .await;
    match result {
        Ok(_) => Ok(page.redirect("/employer/users?msg=invitation_sent")),
        Err(ServiceError::Conflict {
            code: "email_taken",
            ..
        }) => {
            let message = page.t("colleagues.email_taken").to_owned();
            render(&page, &state, StatusCode::CONFLICT, typed, Some(message)).await
        }
        Err(e) => Err(page.fail(e)),
    }
}

/// `POST /employer/users/{id}` (form: `csrf`, `disabled` = `true` or `false`).
pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let user = page.require(&[Role::Employer])?;
    let target = page_id(&page, &path, "user")?;
    let change = ColleagueChange {
        disabled: Some(form.get("disabled") == "true"),
        rights: None,
    };
    let result = state
        .ctx
        .run(move |conn, _| {
            let own = access::own_sponsor(&user)?;
            colleagues::update_user(conn, &user, &own, &target, change)
        })
        .await;
    match result {
        Ok(_) => Ok(page.redirect("/employer/users?msg=colleague_changed")),
        Err(ServiceError::Conflict {
            code: "last_manager",
            ..
        }) => {
            let message = page.t("colleagues.last_manager").to_owned();
            render(
                &page,
                &state,
                StatusCode::CONFLICT,
                String::new(),
                Some(message),
            )
            .await
        }
        Err(e) => Err(page.fail(e)),
    }
}

#[derive(Template)]
#[template(path = "pages/invitation_accept.html")]
struct AcceptPage<'a> {
    p: &'a Page,
    token: Option<String>,
    name: String,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// `GET /invitations/accept?token=…`: the form (the token is checked when it is sent).
pub async fn accept_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    let token = query
        .into_inner()
        .token
        .filter(|t| !t.is_empty() && t.len() <= 128);
    page.render(&AcceptPage {
        p: &page,
        token,
        name: String::new(),
        error: None,
    })
}

/// `POST /invitations/accept` (form: `csrf`, `token`, `display_name`, `password`,
/// `password_again`).
pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let token = form.get("token").to_owned();
    let name = form.get("display_name").to_owned();
    let again = |status: StatusCode, token: Option<String>, error: String| {
        page.render_status(
            status,
            &AcceptPage {
                p: &page,
                token,
                name: name.clone(),
                error: Some(error),
            },
        )
    };
    let address = client_ip(&req, &state.client_ip);
    if let Err(wait) = state.account_throttle.check_token_use(address) {
        let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            Some(token),
            page.t("reset.throttled").replace("{n}", &secs.to_string()),
        );
    }
    if form.get("password") != form.get("password_again") {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(token),
            page.t("reset.mismatch").to_owned(),
        );
    }
    let (password, display_name) = match parse_acceptance(form.get("password"), &name) {
        Ok(parsed) => parsed,
        Err(ServiceError::Validation(errors)) => {
            let text = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            return again(StatusCode::UNPROCESSABLE_ENTITY, Some(token), text);
        }
        Err(e) => return Err(page.fail(e)),
    };
    match colleagues::accept(&state.ctx, token, password, display_name).await {
        Ok(_) => Ok(page.redirect("/login?msg=invitation_accepted")),
        Err(ServiceError::Unprocessable {
            code: "invalid_token",
            ..
        }) => again(
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            page.t("invitation.invalid_link").to_owned(),
        ),
        Err(ServiceError::Conflict { .. }) => again(
            StatusCode::CONFLICT,
            None,
            page.t("colleagues.email_taken").to_owned(),
        ),
        Err(e) => Err(page.fail(e)),
    }
}
