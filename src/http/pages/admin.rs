//! The administrator's pages: the user accounts (list, create a desk account, disable and
//! enable). Employer accounts are created by a sponsor's registration; the desk verifies it.
//!
//! Authorization: administrators only.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::form_errors;
use super::forms::FormData;
use super::post::Post;
use super::{page_id, Page, PageError};
use crate::domain::Role;
use crate::http::users::CreateUserRequest;
use crate::http::AppState;
use crate::service::accounts::{self, UserView};
use crate::service::{FieldError, ServiceError};

/// Roles an administrator creates here (employers come with their sponsor's registration).
const CREATABLE: [Role; 3] = [Role::Officer, Role::Supervisor, Role::Admin];

#[derive(Template)]
#[template(path = "pages/admin_users.html")]
struct UsersPage<'a> {
    p: &'a Page,
    users: Vec<UserView>,
    roles: Vec<&'static str>,
    form: FormData,
    errors: Vec<FieldError>,
}

async fn render(
    page: &Page,
    state: &AppState,
    form: FormData,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let users = state
        .ctx
        .run(|conn, _| accounts::list_users(conn))
        .await
        .map_err(|e| page.fail(e))?;
    page.render_status(
        status,
        &UsersPage {
            p: page,
            users,
            roles: CREATABLE.iter().map(|r| r.as_str()).collect(),
            form,
            errors,
        },
    )
}

/// `GET /admin/users`.
pub async fn users(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let page = Page::load(&req, &state).await?;
    page.require(&[Role::Admin])?;
    render(
        &page,
        &state,
        FormData(Vec::new()),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/users` (form: `csrf`, `email`, `display_name`, `role`, `password`).
pub async fn create(state: web::Data<AppState>, post: Post) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let admin = page.require(&[Role::Admin])?;
    let role = CREATABLE
        .into_iter()
        .find(|r| r.as_str() == form.get("role"))
        .ok_or_else(|| ServiceError::validation("role", "must be officer, supervisor or admin"));
    let parsed = role.and_then(|role| {
        CreateUserRequest {
            email: form.get("email").trim().to_owned(),
            password: form.get("password").to_owned(),
            role,
            sponsor_id: None,
            display_name: form.opt("display_name"),
        }
        .parse()
    });
    let created = match parsed {
        Ok(account) => {
            state
                .ctx
                .run(move |conn, _| accounts::create_user(conn, account))
                .await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(user) => {
            tracing::info!(actor = %admin.id, user_id = %user.id, role = %user.role, "user created (page)");
            Ok(page.redirect("/admin/users?msg=user_created"))
        }
        Err(ServiceError::Validation(errors)) => {
            // The password is never sent back.
            let kept = FormData(
                form.0
                    .into_iter()
                    .filter(|(k, _)| k != "password" && k != "csrf")
                    .collect(),
            );
            render(
                &page,
                &state,
                kept,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => match form_errors::for_form(e, "email") {
            Ok((status, errors)) => {
                render(&page, &state, FormData(Vec::new()), errors, status).await
            }
            Err(e) => Err(page.fail(e)),
        },
    }
}

/// `POST /admin/users/{id}/disabled` (form: `csrf`, `disabled` = `true` or `false`).
pub async fn set_disabled(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post,
) -> Result<HttpResponse, PageError> {
    let Post { page, form } = post;
    let admin = page.require(&[Role::Admin])?;
    let id = page_id(&page, &path, "user")?;
    let disabled = form.get("disabled") == "true";
    let actor = admin.clone();
    state
        .ctx
        .run(move |conn, _| accounts::set_disabled(conn, &actor, &id, disabled))
        .await
        .map_err(|e| page.fail(e))?;
    Ok(page.redirect(if disabled {
        "/admin/users?msg=user_disabled"
    } else {
        "/admin/users?msg=user_enabled"
    }))
}
