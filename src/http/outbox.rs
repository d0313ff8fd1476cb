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
#[utoipa::path(get, path = "/api/v1/outbox", tag = "operations", security(("bearer" = []), ("cookie" = [])), params(OutboxQuery),
    responses((status = 200, description = "Newest outbox messages and counts per state; recipients masked", body = crate::service::outbox::OutboxPage), (status = 400, description = "Invalid query", content_type = "application/problem+json", body = crate::error::Problem), (status = 401, description = "Not signed in", content_type = "application/problem+json", body = crate::error::Problem), (status = 403, description = "Admins only", content_type = "application/problem+json", body = crate::error::Problem), (status = 422, description = "Invalid filter", content_type = "application/problem+json", body = crate::error::Problem)))]
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
