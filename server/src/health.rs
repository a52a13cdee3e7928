//! `GET /health` and `GET /health/detailed`.

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use app::session::SessionStoreHandle;

/// What the detailed health check needs.
#[derive(Clone, Debug)]
pub struct HealthState {
    pub store: SessionStoreHandle,
    pub redis_configured: bool,
}

/// 200 `{"status":"ok"}` while the process serves requests.
pub async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The session store's state from one real round trip, bounded by the store
/// timeout. 503 with `"status": "degraded"` when the store fails or times out.
/// Names no URL, password or session id.
pub async fn detailed(State(state): State<HealthState>) -> impl IntoResponse {
    let store = state.store.health().await;

    let (status, code) = if store.reachable {
        ("ok", StatusCode::OK)
    } else {
        ("degraded", StatusCode::SERVICE_UNAVAILABLE)
    };

    let body = json!({
        "status": status,
        "environment": {
            "redis_configured": state.redis_configured,
        },
        "session_store": store,
    });

    (code, Json(body))
}
