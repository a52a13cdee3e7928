//! `GET /health` and `GET /health/detailed`.

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use app::session::{BackendKind, SessionStoreHandle};

/// What the detailed health check needs.
#[derive(Clone, Debug)]
pub struct HealthState {
    pub store: SessionStoreHandle,
    pub redis_configured: bool,
    /// The serverless platform the process runs on, when one is detected.
    pub serverless_platform: Option<&'static str>,
}

/// 200 `{"status":"ok"}` while the process serves requests.
pub async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The session store's state from one real round trip, bounded by the store
/// timeout. 503 with `"status": "degraded"` when the store fails or times out,
/// or when a serverless function keeps its sessions in its own filesystem,
/// where they do not survive between invocations. Names no URL, password or
/// session id.
pub async fn detailed(State(state): State<HealthState>) -> impl IntoResponse {
    let store = state.store.health().await;

    let mut problems = Vec::new();
    if !store.reachable {
        problems.push("the session store is unreachable".to_owned());
    }
    if let (BackendKind::Filesystem, Some(platform)) = (store.backend, state.serverless_platform) {
        problems.push(format!(
            "sessions are kept in this {platform} instance's filesystem and do not survive \
             between invocations. Set REDIS_URL, or SESSION_TYPE=sql with DATABASE_URL"
        ));
    }

    let (status, code) = if problems.is_empty() {
        ("ok", StatusCode::OK)
    } else {
        ("degraded", StatusCode::SERVICE_UNAVAILABLE)
    };

    let body = json!({
        "status": status,
        "problems": problems,
        "environment": {
            "redis_configured": state.redis_configured,
            "serverless_platform": state.serverless_platform,
        },
        "session_store": store,
    });

    (code, Json(body))
}
