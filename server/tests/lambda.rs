//! The AWS Lambda entry point, without an AWS account.
//!
//! Events come from the fixture files in `tests/fixtures/lambda/`: API
//! Gateway REST and HTTP APIs, a Function URL and an Application Load
//! Balancer. Each goes through lambda_http's own conversions, from JSON event
//! to `LambdaRequest` to `http::Request`. The router from
//! [`build_app_with_store`], wrapped by [`lambda_service`] as
//! `pmblueprints-lambda` wraps it, handles the request. Its `http::Response`
//! becomes the JSON response of the event's source. That is the path
//! `lambda_http::run` takes, minus the runtime API's HTTP loop, which
//! `binary_answers_runtime_api_invocations` covers by running the binary
//! against a runtime API on loopback.
//!
//! Run with `cargo test -p server --features lambda --test lambda`.

mod common;

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    process::Child,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use app::session::{RedisSettings, StoreSettings};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use common::{
    flow::{check_session_flow, FlowRequest, FlowResponse, Transport},
    process::{collect_lines, command_for, store_env},
    redis_server::RedisServer,
    run, Backend, TestStore,
};
use fred::prelude::ClientLike;
use lambda_http::{
    request::LambdaRequest,
    tower::{Service, ServiceExt},
    Adapter, Context, LambdaEvent,
};
use leptos::prelude::LeptosOptions;
use serde_json::{json, Value};
use server::{
    config::Settings,
    function::{lambda_service, LambdaService},
    startup::build_app_with_store,
};
use tokio::sync::mpsc;

/// The sources that can invoke the function, each with its event format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// API Gateway REST API: payload format 1.0.
    ApiGatewayV1,
    /// API Gateway HTTP API: payload format 2.0.
    ApiGatewayV2,
    /// A Lambda Function URL: payload format 2.0 with its own request context.
    FunctionUrl,
    /// An Application Load Balancer target group with multi-value headers on.
    Alb,
}

impl Source {
    const ALL: [Source; 4] = [
        Source::ApiGatewayV1,
        Source::ApiGatewayV2,
        Source::FunctionUrl,
        Source::Alb,
    ];

    fn fixture(self) -> Value {
        let name = match self {
            Source::ApiGatewayV1 => "apigw_v1.json",
            Source::ApiGatewayV2 => "apigw_v2.json",
            Source::FunctionUrl => "function_url.json",
            Source::Alb => "alb.json",
        };
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/lambda")
            .join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("parse {}: {err}", path.display()))
    }

    /// Builds the event that carries `request`, from this source's fixture.
    fn event(self, request: &FlowRequest) -> Value {
        let mut event = self.fixture();
        let cookie = request
            .session
            .as_ref()
            .map(|id| format!("pmb_session={id}"));
        let mut headers = Vec::new();
        if request.form.is_some() {
            headers.push((
                "content-type",
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }

        match self {
            Source::ApiGatewayV1 => {
                event["httpMethod"] = json!(request.method);
                event["path"] = json!(request.path);
                event["pathParameters"]["proxy"] = json!(request.path.trim_start_matches('/'));
                event["requestContext"]["httpMethod"] = json!(request.method);
                event["requestContext"]["path"] = json!(format!("/prod{}", request.path));
                headers.extend(cookie.map(|cookie| ("cookie", cookie)));
                for (name, value) in headers {
                    event["headers"][name] = json!(value);
                    event["multiValueHeaders"][name] = json!([value]);
                }
            }
            Source::ApiGatewayV2 | Source::FunctionUrl => {
                event["rawPath"] = json!(request.path);
                event["requestContext"]["http"]["method"] = json!(request.method);
                event["requestContext"]["http"]["path"] = json!(request.path);
                // Payload format 2.0 moves the request's cookies out of the
                // headers into their own array.
                if let Some(cookie) = cookie {
                    event["cookies"] = json!([cookie]);
                }
                for (name, value) in headers {
                    event["headers"][name] = json!(value);
                }
            }
            Source::Alb => {
                event["httpMethod"] = json!(request.method);
                event["path"] = json!(request.path);
                headers.extend(cookie.map(|cookie| ("cookie", cookie)));
                for (name, value) in headers {
                    event["multiValueHeaders"][name] = json!([value]);
                }
            }
        }

        if let Some(form) = request.form {
            event["body"] = json!(form);
            event["isBase64Encoded"] = json!(false);
        }
        event
    }

    fn matches(self, request: &LambdaRequest) -> bool {
        match self {
            Source::ApiGatewayV1 => matches!(request, LambdaRequest::ApiGatewayV1(_)),
            Source::ApiGatewayV2 | Source::FunctionUrl => {
                matches!(request, LambdaRequest::ApiGatewayV2(_))
            }
            Source::Alb => matches!(request, LambdaRequest::Alb(_)),
        }
    }

    /// Returns every `Set-Cookie` value where this source's response format
    /// keeps them.
    fn set_cookies(self, response: &Value) -> Vec<String> {
        match self {
            Source::ApiGatewayV1 | Source::Alb => {
                string_list(&response["multiValueHeaders"]["set-cookie"])
            }
            Source::ApiGatewayV2 | Source::FunctionUrl => string_list(&response["cookies"]),
        }
    }

    /// Returns the first value of header `name` in this source's response.
    fn header(self, response: &Value, name: &str) -> Option<String> {
        match self {
            Source::ApiGatewayV1 | Source::Alb => string_list(&response["multiValueHeaders"][name])
                .into_iter()
                .next(),
            Source::ApiGatewayV2 | Source::FunctionUrl => {
                response["headers"][name].as_str().map(str::to_owned)
            }
        }
    }

    /// Reads the JSON response the function returns to this source.
    fn flow_response(self, response: &Value) -> FlowResponse {
        assert_eq!(
            response["isBase64Encoded"], false,
            "{self:?}: a text page came back as base64: {response}"
        );
        let status = response["statusCode"]
            .as_u64()
            .and_then(|code| u16::try_from(code).ok())
            .and_then(|code| StatusCode::from_u16(code).ok())
            .unwrap_or_else(|| panic!("{self:?}: no statusCode in {response}"));

        FlowResponse {
            status,
            location: self.header(response, "location"),
            cache_control: self.header(response, "cache-control"),
            set_cookies: self.set_cookies(response),
            body: response["body"].as_str().unwrap_or_default().to_owned(),
        }
    }
}

fn string_list(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|values| {
            values
                .iter()
                .filter_map(|value| value.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The function's handler as `lambda_http::run` wraps the router, fed with
/// events of one source.
struct LambdaTransport {
    source: Source,
    handler: Adapter<'static, axum::response::Response, LambdaService>,
}

impl LambdaTransport {
    fn new(source: Source, router: Router) -> Self {
        Self {
            source,
            handler: Adapter::from(lambda_service(router)),
        }
    }

    /// Delivers `event` as the runtime would and returns the JSON response.
    async fn invoke(&self, event: Value) -> Value {
        let request: LambdaRequest = serde_json::from_value(event)
            .unwrap_or_else(|err| panic!("{:?}: the event does not parse: {err}", self.source));
        assert!(
            self.source.matches(&request),
            "{:?} event was read as another source: {request:?}",
            self.source
        );

        let mut handler = self.handler.clone();
        let response = handler
            .ready()
            .await
            .expect("the router is always ready")
            .call(LambdaEvent::new(request, Context::default()))
            .await
            .expect("the router never fails");
        serde_json::to_value(response).expect("serialize the Lambda response")
    }
}

impl Transport for LambdaTransport {
    async fn send(&self, request: FlowRequest) -> FlowResponse {
        let response = self.invoke(self.source.event(&request)).await;
        self.source.flow_response(&response)
    }
}

/// Settings as a Lambda function on `store` reads them: the platform
/// detected and the function's one-connection Redis pool.
fn lambda_settings(store: &TestStore) -> Settings {
    let mut session = store.session_settings();
    if let StoreSettings::Redis(redis) = &mut session.store {
        redis.pool_size = RedisSettings::DEFAULT_POOL_SIZE;
    }
    Settings {
        redis_configured: matches!(session.store, StoreSettings::Redis(_)),
        serverless_platform: Some("AWS Lambda"),
        database_url: store.accounts_url(),
        session,
    }
}

fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("pmblueprints")
        .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .build()
}

/// Builds the app as `pmblueprints-lambda` does, on `store`.
async fn lambda_router(store: &TestStore) -> Router {
    let settings = lambda_settings(store);
    let handle =
        app::session::connect_store(&settings.session.store, settings.session.store_timeout)
            .await
            .expect("connect the store");
    build_app_with_store(&settings, leptos_options(), handle)
        .await
        .expect("build the app")
        .router
}

async fn session_flow_on_every_source(store: TestStore) {
    let router = lambda_router(&store).await;

    for source in Source::ALL {
        let transport = LambdaTransport::new(source, router.clone());
        check_session_flow(&format!("{source:?}"), &transport, &store).await;
    }

    store.cleanup().await;
}

#[tokio::test]
async fn session_flow_on_redis() {
    run(Backend::Redis, session_flow_on_every_source).await;
}

#[tokio::test]
async fn session_flow_on_postgres() {
    run(Backend::Postgres, session_flow_on_every_source).await;
}

#[tokio::test]
async fn session_flow_on_sqlite() {
    run(Backend::Sqlite, session_flow_on_every_source).await;
}

#[tokio::test]
async fn several_set_cookie_headers_survive_every_format() {
    let store = TestStore::new(Backend::Sqlite)
        .await
        .expect("SQLite needs no server");
    let two_cookies = get(|| async {
        let mut headers = HeaderMap::new();
        headers.append(
            header::SET_COOKIE,
            HeaderValue::from_static("first=1; Path=/"),
        );
        headers.append(
            header::SET_COOKIE,
            HeaderValue::from_static("second=2; Path=/"),
        );
        (headers, "two cookies")
    });
    let router = lambda_router(&store)
        .await
        .merge(Router::new().route("/two-cookies", two_cookies));

    for source in Source::ALL {
        let transport = LambdaTransport::new(source, router.clone());
        let response = transport
            .invoke(source.event(&FlowRequest::get("/two-cookies", None)))
            .await;

        assert_eq!(response["statusCode"], 200, "{source:?}: {response}");
        assert_eq!(
            source.set_cookies(&response),
            ["first=1; Path=/", "second=2; Path=/"],
            "{source:?}: {response}"
        );
        if matches!(source, Source::ApiGatewayV2 | Source::FunctionUrl) {
            assert!(
                response["headers"].get("set-cookie").is_none(),
                "{source:?}: Set-Cookie left in the headers: {response}"
            );
        }
        // An ALB target group without multi-value headers reads only the
        // single-value map. It has one value per name, the first cookie.
        if source == Source::Alb {
            assert_eq!(
                response["headers"]["set-cookie"], "first=1; Path=/",
                "{response}"
            );
        }
    }
}

#[tokio::test]
async fn filesystem_sessions_on_lambda_report_degraded() {
    let store = TestStore::new(Backend::Filesystem)
        .await
        .expect("the filesystem needs no server");
    let router = lambda_router(&store).await;
    let transport = LambdaTransport::new(Source::ApiGatewayV2, router);

    let response = transport
        .send(FlowRequest::get("/health/detailed", None))
        .await;

    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let health: Value = serde_json::from_str(&response.body).expect("JSON health");
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["environment"]["serverless_platform"], "AWS Lambda");
    assert_eq!(health["session_store"]["reachable"], true, "{health}");
    let problems = health["problems"].to_string();
    assert!(
        problems.contains("do not survive between invocations"),
        "{health}"
    );
}

/// A Lambda runtime API on loopback: hands out the queued events one at a
/// time and forwards each response the function posts.
struct RuntimeApi {
    addr: SocketAddr,
    responses: mpsc::UnboundedReceiver<(String, Value)>,
}

#[derive(Clone)]
struct RuntimeState {
    events: Arc<Mutex<Vec<Value>>>,
    responses: mpsc::UnboundedSender<(String, Value)>,
}

impl RuntimeApi {
    async fn start(events: Vec<Value>) -> Self {
        let (sender, responses) = mpsc::unbounded_channel();
        let state = RuntimeState {
            events: Arc::new(Mutex::new(events.into_iter().rev().collect())),
            responses: sender,
        };
        let routes = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
            .route(
                "/2018-06-01/runtime/invocation/{id}/{outcome}",
                post(invocation_result),
            )
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(state);

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the runtime API");
        let addr = listener.local_addr().expect("read the runtime API address");
        tokio::spawn(async move { axum::serve(listener, routes).await });

        Self { addr, responses }
    }
}

async fn next_invocation(State(state): State<RuntimeState>) -> axum::response::Response {
    let next = state.events.lock().expect("the event queue").pop();
    let Some(event) = next else {
        // No more events: hold the poll open as an idle runtime API does.
        std::future::pending::<()>().await;
        unreachable!("a pending future never completes");
    };

    let id = event["requestContext"]["requestId"]
        .as_str()
        .unwrap_or("pmb-test-invocation")
        .to_owned();
    let deadline =
        (time::OffsetDateTime::now_utc() + time::Duration::seconds(30)).unix_timestamp() * 1000;
    (
        [
            ("lambda-runtime-aws-request-id", id),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:eu-west-1:123456789012:function:pmb-test".to_owned(),
            ),
        ],
        axum::Json(event),
    )
        .into_response()
}

async fn invocation_result(
    State(state): State<RuntimeState>,
    Path((id, outcome)): Path<(String, String)>,
    body: Bytes,
) -> StatusCode {
    let body = serde_json::from_slice(&body)
        .unwrap_or_else(|_| json!({ "unparsable": String::from_utf8_lossy(&body) }));
    let _ = state.responses.send((format!("{id}/{outcome}"), body));
    StatusCode::ACCEPTED
}

async fn init_error(State(state): State<RuntimeState>, body: Bytes) -> StatusCode {
    let body = json!({ "init_error": String::from_utf8_lossy(&body) });
    let _ = state.responses.send(("init/error".to_owned(), body));
    StatusCode::ACCEPTED
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_answers_runtime_api_invocations() {
    let Some(store) = TestStore::new(Backend::Redis).await else {
        return;
    };
    let login = Source::ApiGatewayV2.event(&FlowRequest::post_form(
        "/api/demo_login",
        "remember=false",
        None,
    ));
    let mut health = Source::ApiGatewayV1.event(&FlowRequest::get("/health/detailed", None));
    health["requestContext"]["requestId"] = json!("c0ffee00-0000-4000-8000-00000000000a");
    let mut runtime = RuntimeApi::start(vec![login, health]).await;

    let mut envs = store_env(&store.settings);
    envs.extend([
        ("AWS_LAMBDA_RUNTIME_API", runtime.addr.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", "pmb-test".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
    ]);
    let started = Instant::now();
    let mut child = KillOnDrop(
        command_for(env!("CARGO_BIN_EXE_pmblueprints-lambda"), &envs)
            .spawn()
            .expect("start pmblueprints-lambda"),
    );
    let lines = collect_lines(&mut child.0);

    let first = tokio::time::timeout(Duration::from_secs(30), runtime.responses.recv()).await;
    let cold_start = started.elapsed();
    let second = tokio::time::timeout(Duration::from_secs(30), runtime.responses.recv()).await;
    // Killing the process closes its stderr, which ends the line reader.
    drop(child);
    let log: Vec<String> = lines.iter().collect();
    let log = log.join("\n");

    let (first_path, first) = first
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no answer to the first invocation:\n{log}"));
    assert!(
        first_path.ends_with("/response"),
        "{first_path}: {first}\n{log}"
    );
    assert_eq!(first["statusCode"], 302, "{first}");
    let cookies = string_list(&first["cookies"]);
    assert!(
        cookies
            .iter()
            .any(|cookie| cookie.starts_with("pmb_session=")),
        "no session cookie in {first}"
    );
    let (second_path, second) = second
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no answer to the second invocation:\n{log}"));
    assert!(
        second_path.ends_with("/response"),
        "{second_path}: {second}"
    );
    assert_eq!(second["statusCode"], 200, "{second}");
    assert!(log.contains("function instance ready"), "{log}");
    eprintln!(
        "pmblueprints-lambda cold start to the first response: {} ms",
        cold_start.as_millis()
    );

    store.cleanup().await;
}

async fn read_command_calls(admin: &fred::prelude::Client) -> BTreeMap<String, u64> {
    let info: String = admin
        .custom(fred::cmd!("INFO"), vec!["commandstats"])
        .await
        .expect("INFO commandstats");
    common::redis_server::command_stats(&info)
}

/// Counts the commands that connecting the session store sends to a
/// password-protected Redis, as a hosted Redis such as Upstash is, and checks
/// that an idle pool sends none.
async fn count_handshake_commands(pool_size: usize) -> Option<BTreeMap<String, u64>> {
    const PASSWORD: &str = "pmb-handshake-test";
    let redis = RedisServer::start(&["--requirepass".to_owned(), PASSWORD.to_owned()])?;
    let url = format!("redis://default:{PASSWORD}@127.0.0.1:{}", redis.port);

    let admin = fred::prelude::Client::new(
        fred::prelude::Config::from_url(&url).expect("parse the admin URL"),
        None,
        None,
        None,
    );
    admin.init().await.expect("connect the admin client");
    // From here on, the statistics count the store's commands, plus this
    // CONFIG RESETSTAT itself. INFO never counts itself in its own reply.
    let _: String = admin
        .custom(fred::cmd!("CONFIG"), vec!["RESETSTAT"])
        .await
        .expect("CONFIG RESETSTAT");

    let settings = RedisSettings {
        url: app::session::Secret::new(url),
        key_prefix: "pmb-handshake:".to_owned(),
        ca_cert: None,
        pool_size,
    };
    let store =
        app::session::connect_store(&StoreSettings::Redis(settings), Duration::from_secs(5))
            .await
            .expect("connect the store");
    assert!(store.health().await.reachable, "the store did not connect");

    let mut connected = read_command_calls(&admin).await;
    assert_eq!(
        connected.remove("config|resetstat"),
        Some(1),
        "{connected:?}"
    );
    // The health check above is one PING of ours, not part of the handshake.
    let pings = connected.entry("ping".to_owned()).or_default();
    *pings -= 1;
    connected.retain(|_, calls| *calls > 0);

    // An idle pool sends nothing: no heartbeat, no health check on a timer.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut idle = read_command_calls(&admin).await;
    idle.remove("config|resetstat");
    let infos = idle.entry("info".to_owned()).or_default();
    *infos -= 1;
    *idle.entry("ping".to_owned()).or_default() -= 1;
    idle.retain(|_, calls| *calls > 0);
    assert_eq!(idle, connected, "commands sent while idle");

    let _ = admin.quit().await;
    Some(connected)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_handshake_commands_per_cold_start() {
    // The default pool, and a larger one set with REDIS_POOL_SIZE.
    const LARGER_POOL: usize = 4;
    let Some(default) = count_handshake_commands(RedisSettings::DEFAULT_POOL_SIZE).await else {
        return;
    };
    let Some(larger) = count_handshake_commands(LARGER_POOL).await else {
        return;
    };

    let total = |calls: &BTreeMap<String, u64>| calls.values().sum::<u64>();
    eprintln!(
        "handshake commands: {} with a pool of {} ({default:?}), {} with a pool of {} ({larger:?})",
        total(&default),
        RedisSettings::DEFAULT_POOL_SIZE,
        total(&larger),
        LARGER_POOL,
    );
    // Per connection, fred 10.1 sends AUTH (or PING without a password),
    // CLIENT ID and INFO server.
    let per_connection = BTreeMap::from([
        ("auth".to_owned(), 1),
        ("client|id".to_owned(), 1),
        ("info".to_owned(), 1),
    ]);
    let times = |count: u64| -> BTreeMap<String, u64> {
        per_connection
            .iter()
            .map(|(name, calls)| (name.clone(), calls * count))
            .collect()
    };
    assert_eq!(default, times(RedisSettings::DEFAULT_POOL_SIZE as u64));
    assert_eq!(larger, times(LARGER_POOL as u64));
}

#[tokio::test]
async fn function_serves_the_bundle_and_stylesheet() {
    use base64::Engine;

    let store = TestStore::new(Backend::Sqlite)
        .await
        .expect("SQLite needs no server");
    let site = tempfile::tempdir().expect("create a site folder");
    std::fs::create_dir(site.path().join("pkg")).expect("create pkg");
    let wasm = b"\0asm\x01\0\0\0 not really a module".to_vec();
    std::fs::write(site.path().join("pkg/pmblueprints_bg.wasm"), &wasm).expect("write wasm");
    std::fs::write(site.path().join("pkg/pmblueprints.css"), "body{}").expect("write css");

    let settings = lambda_settings(&store);
    let leptos = LeptosOptions::builder()
        .output_name("pmblueprints")
        .site_root(site.path().display().to_string())
        .hash_files(true)
        .build();
    let handle =
        app::session::connect_store(&settings.session.store, settings.session.store_timeout)
            .await
            .expect("connect the store");
    let router = build_app_with_store(&settings, leptos, handle)
        .await
        .expect("build the app")
        .router;

    for source in Source::ALL {
        let transport = LambdaTransport::new(source, router.clone());

        let response = transport
            .invoke(source.event(&FlowRequest::get("/pkg/pmblueprints_bg.wasm", None)))
            .await;

        assert_eq!(response["statusCode"], 200, "{source:?}: {response}");
        assert_eq!(
            source.header(&response, "cache-control").as_deref(),
            Some("public, max-age=31536000, immutable"),
            "{source:?}"
        );
        assert_eq!(
            source.header(&response, "content-type").as_deref(),
            Some("application/wasm"),
            "{source:?}"
        );
        assert_eq!(response["isBase64Encoded"], true, "{source:?}");
        let body = base64::engine::general_purpose::STANDARD
            .decode(response["body"].as_str().unwrap_or_default())
            .expect("a base64 body");
        assert_eq!(body, wasm, "{source:?}");

        let css = transport
            .send(FlowRequest::get("/pkg/pmblueprints.css", None))
            .await;

        assert_eq!(css.status, StatusCode::OK, "{source:?}");
        assert_eq!(css.body, "body{}", "{source:?}");
    }
}
