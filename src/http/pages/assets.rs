//! The pages' one stylesheet and one small script, compiled into the binary (no build step,
//! no CDN). Authorization: open to anyone.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

const CSS: &str = include_str!("assets/kitdesk.css");
const JS: &str = include_str!("assets/kitdesk.js");
const PASSKEYS_JS: &str = include_str!("assets/passkeys.js");

/// `GET /assets/{file}`.
pub async fn serve(path: web::Path<String>) -> HttpResponse {
    let (body, kind) = match path.as_str() {
        "kitdesk.css" => (CSS, "text/css; charset=utf-8"),
        "kitdesk.js" => (JS, "text/javascript; charset=utf-8"),
        "passkeys.js" => (PASSKEYS_JS, "text/javascript; charset=utf-8"),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, kind))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}
