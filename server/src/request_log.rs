//! One log line per request: method, path, status, latency and a request id.
//!
//! The path is logged without its query string, and no header is logged, so
//! neither a cookie nor a session id reaches the log.

use std::time::Instant;

use axum::{
    extract::Request,
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use rand::Rng;
use tracing::Instrument;

/// The header that carries the request id, taken from the client when it is
/// a plausible id and echoed in the response.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Logs each request once its response is ready.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| is_plausible_id(id))
        .map(str::to_owned)
        .unwrap_or_else(new_request_id);

    let span = tracing::info_span!("request", %request_id);
    let mut response = next.run(request).instrument(span.clone()).await;

    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::info!(
            %method,
            %path,
            status = response.status().as_u16(),
            latency_ms = (latency_ms * 100.0).round() / 100.0,
            "request"
        );
    });

    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    response
}

/// Up to 64 characters of letters, digits, `-` and `_`: enough for the ids
/// proxies send, and nothing that could forge a log line.
fn is_plausible_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

fn new_request_id() -> String {
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_ids_pass() {
        assert!(is_plausible_id("3f2a9c1e-77aa-4c1b-9d0e-1234567890ab"));
        assert!(is_plausible_id(&new_request_id()));
    }

    #[test]
    fn hostile_ids_are_replaced() {
        for id in ["", "a b", "line\nbreak", "x\"}{", &"a".repeat(65)] {
            assert!(!is_plausible_id(id), "{id:?} passed");
        }
    }
}
