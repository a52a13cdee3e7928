//! The Vercel entry point, started locally: `pmblueprints-vercel` serves
//! HTTP on `127.0.0.1:$VERCEL_DEV_PORT` as `vercel dev` starts it, and runs
//! the same session flow as the long-running server binary.
//!
//! Run with `cargo test -p server --features vercel --test vercel`.

mod common;

use std::{
    process::Child,
    sync::mpsc,
    time::{Duration, Instant},
};

use common::{
    flow::{check_session_flow, FlowRequest, FlowResponse, Transport},
    process::{collect_lines, command_for, http_client, store_env},
    redis_server::free_port,
    run, Backend, TestStore,
};
use reqwest::{header, StatusCode};

/// A binary that listens on a loopback port, stopped when dropped.
struct RunningBinary {
    child: Child,
    base: String,
    lines: mpsc::Receiver<String>,
    /// From the spawn to the first 200 on `/health`.
    cold_start: Duration,
}

impl RunningBinary {
    /// Starts the executable at `path` with `envs` and waits until `/health`
    /// on `port` returns 200.
    async fn start(path: &str, port: u16, envs: &[(&str, String)]) -> Self {
        let client = http_client();
        let base = format!("http://127.0.0.1:{port}");

        let started = Instant::now();
        let mut child = command_for(path, envs).spawn().expect("start the binary");
        let lines = collect_lines(&mut child);

        loop {
            let answered = client
                .get(format!("{base}/health"))
                .send()
                .await
                .is_ok_and(|response| response.status() == StatusCode::OK);
            if answered {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let log: Vec<String> = lines.try_iter().collect();
                panic!("{path} exited with {status}:\n{}", log.join("\n"));
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{path} did not answer /health within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }

        Self {
            child,
            base,
            lines,
            cold_start: started.elapsed(),
        }
    }

    /// Stops the binary and returns everything it logged.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let log: Vec<String> = self.lines.iter().collect();
        log.join("\n")
    }
}

impl Drop for RunningBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Plain HTTP to a binary on loopback.
struct HttpTransport {
    client: reqwest::Client,
    base: String,
}

impl Transport for HttpTransport {
    async fn send(&self, request: FlowRequest) -> FlowResponse {
        let url = format!("{}{}", self.base, request.path);
        let mut builder = match request.method {
            "POST" => self.client.post(url),
            _ => self.client.get(url),
        }
        .header(header::ACCEPT, "text/html");
        if let Some(id) = &request.session {
            builder = builder.header(header::COOKIE, format!("pmb_session={id}"));
        }
        if let Some(form) = request.form {
            builder = builder
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form);
        }

        let response = builder.send().await.expect("send the request");
        let header_text = |name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let location = header_text(header::LOCATION);
        let cache_control = header_text(header::CACHE_CONTROL);
        let set_cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect();

        FlowResponse {
            status: response.status(),
            location,
            cache_control,
            set_cookies,
            body: response.text().await.expect("read the body"),
        }
    }
}

async fn start_vercel(store: &TestStore) -> RunningBinary {
    let port = free_port();
    let mut envs = store_env(&store.settings);
    envs.extend([
        ("VERCEL", "1".to_owned()),
        ("VERCEL_DEV_PORT", port.to_string()),
    ]);
    RunningBinary::start(env!("CARGO_BIN_EXE_pmblueprints-vercel"), port, &envs).await
}

async fn session_flow_on_vercel(store: TestStore) {
    let vercel = start_vercel(&store).await;
    let transport = HttpTransport {
        client: http_client(),
        base: vercel.base.clone(),
    };

    check_session_flow("Vercel", &transport, &store).await;

    eprintln!(
        "pmblueprints-vercel cold start to the first /health answer: {} ms",
        vercel.cold_start.as_millis()
    );
    let log = vercel.stop();
    assert!(log.contains("function instance ready"), "{log}");
    store.cleanup().await;
}

async fn session_flow_on_server(store: TestStore) {
    let port = free_port();
    let mut envs = store_env(&store.settings);
    envs.push(("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}")));
    let server = RunningBinary::start(env!("CARGO_BIN_EXE_pmblueprints"), port, &envs).await;
    let transport = HttpTransport {
        client: http_client(),
        base: server.base.clone(),
    };

    check_session_flow("server", &transport, &store).await;

    drop(server);
    store.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_flow_on_redis() {
    run(Backend::Redis, session_flow_on_vercel).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_flow_on_postgres() {
    run(Backend::Postgres, session_flow_on_vercel).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_flow_on_sqlite() {
    run(Backend::Sqlite, session_flow_on_vercel).await;
}

/// The same flow against the long-running server binary, so both entries
/// are held to one check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_binary_passes_the_same_flow() {
    run(Backend::Redis, session_flow_on_server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filesystem_sessions_log_an_error_and_report_degraded() {
    let store = TestStore::new(Backend::Filesystem)
        .await
        .expect("the filesystem needs no server");
    let vercel = start_vercel(&store).await;

    let response = http_client()
        .get(format!("{}/health/detailed", vercel.base))
        .send()
        .await
        .expect("send the request");
    let status = response.status();
    let body = response.text().await.expect("read the body");
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON health");
    let log = vercel.stop();

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["environment"]["serverless_platform"], "Vercel");
    let error_line = log
        .lines()
        .find(|line| line.contains("sessions will not survive between invocations"))
        .unwrap_or_else(|| panic!("no line about lost sessions:\n{log}"));
    assert!(
        error_line.contains("ERROR"),
        "not at error level: {error_line}"
    );
}
