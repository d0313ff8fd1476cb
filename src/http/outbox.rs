//! The mail outbox, for administrators: `GET /api/v1/outbox?state=&limit=`.
//!
//! Authorization: admins only (they run the system). Recipients are masked and no mail
//! content is shown: administrators read no case records.

use actix_web::{web, HttpResponse};

use super::AppState;
use crate::error::ApiError;
use crate::service::accounts::AuthUser;
use crate::service::outbox::{self, OutboxQuery};

/// `GET /api/v1/outbox` → `{"items": [...], "counts": {"pending": n, ...}}`, newest first.
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = state
        .ctx
        .run(move |conn, _| outbox::list_for(conn, &user, q))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
