//! The request's span: every log line a request causes carries its method, route pattern and
//! id (the `x-request-id` the answer returns), and nothing a person typed.
//!
//! Lean on purpose. The crate's default span formats twelve fields per request (host, user
//! agent, client address, the path with its query…), which was an eighth of the status
//! look-up's CPU (docs/benchmarks.md, P3), and wrote the raw path: a name searched for or a
//! token in a query string would reach the logs. Its default also logged every 4xx at WARN,
//! so anyone could make a public endpoint write a log line per request. Here a client error
//! is a DEBUG line and a server error an ERROR line.

use std::rc::Rc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder, TracingLogger};

/// Builds [`RequestSpan`]s; wrap the app in it.
pub fn logger() -> TracingLogger<RequestSpan> {
    TracingLogger::new()
}

/// The request's route pattern (`/api/v1/cases/{id}`, never the raw path), found once when
/// the request starts and kept in its extensions for the metrics (`http::metrics`): finding
/// it walks the route table.
#[derive(Clone)]
pub struct RoutePattern(pub Rc<str>);

impl RoutePattern {
    /// The pattern of `request`, found on first use.
    pub fn of(request: &ServiceRequest) -> RoutePattern {
        if let Some(known) = request.extensions().get::<RoutePattern>() {
            return known.clone();
        }
        let pattern = RoutePattern(
            request
                .match_pattern()
                .map_or_else(|| Rc::from("unmatched"), Rc::from),
        );
        request.extensions_mut().insert(pattern.clone());
        pattern
    }
}

/// The span of one request (see the module's text).
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = request.extensions().get::<RequestId>().copied();
        let route = RoutePattern::of(request);
        tracing::info_span!(
            "request",
            method = request.method().as_str(),
            route = &*route.0,
            id = tracing::field::display(id.map(uuid::Uuid::from).unwrap_or_default()),
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error()),
            Err(error) => (error.as_response_error().status_code(), Some(error)),
        };
        // The status goes on the one line that tells of a failure, not on the span: recorded
        // there, every request paid to format it again, and only this line ever showed it.
        let Some(error) = error else { return };
        let status = status.as_u16();
        if (500..600).contains(&status) {
            tracing::error!(parent: &span, status, error = %error, "request failed");
        } else {
            tracing::debug!(parent: &span, status, error = %error, "request refused");
        }
    }
}
