//! Request metrics (count and latency by route pattern and status) and the Prometheus
//! scrape endpoint, which also reports the database pool.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use metrics::{Counter, Histogram};
use tracing_actix_web::RequestId;

use super::request_log::RoutePattern;
use super::AppState;

/// A request's series: method, route pattern, status.
type SeriesKey = (Method, Rc<str>, u16);

thread_local! {
    /// This worker thread's handles to the series it has recorded. Registering a series
    /// builds its key and looks it up in the recorder's shared map, which cost more than the
    /// recording itself; there are at most a few hundred series (routes × methods ×
    /// statuses), each looked up here once per thread.
    static SERIES: RefCell<HashMap<SeriesKey, (Counter, Histogram)>> = RefCell::new(HashMap::new());
}

/// Middleware: records each request, counts it as work (`crate::memory`: the service is not
/// quiet) and returns its id in `x-request-id`, the id under which its log lines are found.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    crate::memory::note_work();
    let method = req.method().clone();
    // The pattern (`/api/v1/cases/{id}`), never the raw path: raw paths would make one time
    // series per case.
    let route = RoutePattern::of(&req).0;
    let request_id = req.extensions().get::<RequestId>().copied();
    let mut response = next.call(req).await?;
    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    SERIES.with(|series| {
        let mut series = series.borrow_mut();
        let key = (method, route, status);
        let (requests, duration) = match series.get(&key) {
            Some(handles) => handles,
            None => {
                let labels = [
                    ("method", key.0.as_str().to_owned()),
                    ("route", key.1.to_string()),
                    ("status", status.to_string()),
                ];
                let handles = (
                    metrics::counter!("http_requests_total", &labels),
                    metrics::histogram!("http_request_duration_seconds", &labels),
                );
                series.entry(key).or_insert(handles)
            }
        };
        requests.increment(1);
        duration.record(elapsed);
    });
    if let Some(id) = request_id {
        let mut text = uuid::Uuid::encode_buffer();
        let text = uuid::Uuid::from(id).hyphenated().encode_lower(&mut text);
        if let Ok(id) = HeaderValue::from_str(text) {
            response
                .headers_mut()
                .insert(HeaderName::from_static("x-request-id"), id);
        }
    }
    Ok(response)
}

/// `GET /metrics`: Prometheus text format. Open like /healthz: bind the service to a private
/// address or filter /metrics at the proxy if its numbers are sensitive.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"), (status = 503, description = "No recorder", body = String, content_type = "text/plain")))]
pub async fn render(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.ctx.pool.state();
    metrics::gauge!("db_pool_connections").set(f64::from(pool.connections));
    metrics::gauge!("db_pool_idle_connections").set(f64::from(pool.idle_connections));
    metrics::gauge!("db_pool_max_connections").set(f64::from(state.ctx.pool.max_size()));
    match &state.metrics {
        Some(handle) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(handle.render()),
        None => HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("# metrics recorder not installed\n"),
    }
}
