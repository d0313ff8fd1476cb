//! The request's span: every log line a request causes carries its method, route pattern and
//! id (the `x-request-id` the answer returns), and nothing a person typed.
//!
//! Lean on purpose. The crate's default span formats twelve fields per request (host, user
//! agent, client address, the path with its query…), which was an eighth of the status
//! look-up's CPU (docs/benchmarks.md, P3), and wrote the raw path: a name searched for or a
//! token in a query string would reach the logs. Its default also logged every 4xx at WARN,
//! so anyone could make a public endpoint write a log line per request. Here a client error
//! is a DEBUG line and a server error an ERROR line.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder, TracingLogger};

/// Builds [`RequestSpan`]s; wrap the app in it.
pub fn logger() -> TracingLogger<RequestSpan> {
    TracingLogger::new()
}

/// The span of one request (see the module's text).
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = request.extensions().get::<RequestId>().copied();
        // The pattern (`/api/v1/cases/{id}`), never the raw path.
        let route = request.match_pattern();
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = route.as_deref().unwrap_or("unmatched"),
            id = tracing::field::display(id.map(uuid::Uuid::from).unwrap_or_default()),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error()),
            Err(error) => (error.as_response_error().status_code(), Some(error)),
        };
        span.record("status", status.as_u16());
        let Some(error) = error else { return };
        if status.is_server_error() {
            tracing::error!(parent: &span, error = %error, "request failed");
        } else {
            tracing::debug!(parent: &span, error = %error, "request refused");
        }
    }
}
