//! Builds the app: the session store, the router and the listening socket.
//!
//! [`build_app`] is the one app factory. The long-running server and every
//! serverless entry point build their router with it.

use std::{
    future::Future,
    net::SocketAddr,
    sync::{Arc, OnceLock},
};

use anyhow::Context;
use axum::{middleware, routing::get, serve::ListenerExt, Extension, Router};
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tokio::{net::TcpListener, task::JoinHandle};

use app::{
    accounts::{self, Accounts, SessionList},
    session::{self, BackendKind, SessionLifetimes, SessionStoreHandle},
    shell, App,
};

use crate::{
    assets,
    config::Settings,
    health::{self, HealthState},
    request_log,
};

/// The app as [`build_app`] returns it: the router, the session store it
/// uses, and the background tasks started with it.
pub struct BuiltApp {
    pub router: Router,
    pub store: SessionStoreHandle,
    /// Deletes expired sessions on the SQL and filesystem stores.
    pub purge_task: Option<JoinHandle<()>>,
}

impl BuiltApp {
    /// Stops the background tasks.
    pub fn stop_background_tasks(&self) {
        if let Some(task) = &self.purge_task {
            task.abort();
        }
    }
}

/// Connects the session store and builds the app around it.
///
/// # Errors
///
/// Fails when the session store cannot be set up, with an error that names
/// the step.
pub async fn build_app(settings: &Settings, leptos: LeptosOptions) -> anyhow::Result<BuiltApp> {
    let session_settings = &settings.session;
    let store = session::connect_store(&session_settings.store, session_settings.store_timeout)
        .await
        .context("failed to set up the session store")?;

    build_app_with_store(settings, leptos, store).await
}

/// Like [`build_app`], on a store the caller connected, such as one wrapped
/// to count its calls. Opens the accounts database too.
///
/// # Errors
///
/// Fails when the accounts database cannot be set up.
pub async fn build_app_with_store(
    settings: &Settings,
    leptos: LeptosOptions,
    store: SessionStoreHandle,
) -> anyhow::Result<BuiltApp> {
    log_backend(&store, settings);

    let (store, accounts) = connect_accounts(settings, store).await?;
    let purge_task = session::spawn_purge_task(store.clone(), settings.session.purge_interval);
    let router = router(store.clone(), accounts, settings, leptos);

    Ok(BuiltApp {
        router,
        store,
        purge_task,
    })
}

/// The server, bound to its port and ready to run.
pub struct Application {
    listener: TcpListener,
    app: BuiltApp,
}

impl Application {
    /// Connects the session store, builds the router and binds
    /// `leptos.site_addr` (port 0 picks a free port).
    ///
    /// # Errors
    ///
    /// Fails when the session store cannot be set up or the address cannot be
    /// bound, with an error that names the step.
    pub async fn build(settings: Settings, leptos: LeptosOptions) -> anyhow::Result<Self> {
        let addr = leptos.site_addr;
        let app = build_app(&settings, leptos).await?;

        Self::bind(app, addr).await
    }

    /// Like [`Application::build`], on a store the caller connected, such as
    /// one wrapped to count its calls.
    ///
    /// # Errors
    ///
    /// Fails when the address cannot be bound.
    pub async fn build_with_store(
        settings: Settings,
        leptos: LeptosOptions,
        store: SessionStoreHandle,
    ) -> anyhow::Result<Self> {
        let addr = leptos.site_addr;
        let app = build_app_with_store(&settings, leptos, store).await?;

        Self::bind(app, addr).await
    }

    async fn bind(app: BuiltApp, addr: SocketAddr) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("failed to listen on {addr}"))?;

        Ok(Self { listener, app })
    }

    /// Returns the address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves requests until ctrl-c or SIGTERM, then lets in-flight requests
    /// finish.
    ///
    /// # Errors
    ///
    /// Fails when the signal handlers cannot be registered or the listener
    /// fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let signal = shutdown_signal()?;
        self.run_until(signal).await
    }

    /// Serves requests until `signal` completes.
    ///
    /// # Errors
    ///
    /// Fails when the listener fails.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let addr = self.listener.local_addr()?;
        tracing::info!(%addr, "listening on http://{addr}");

        // The peer address counts failed logins per client.
        let service = self
            .app
            .router
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        let listener = self.listener.tap_io(disable_nagle);
        let served = axum::serve(listener, service)
            .with_graceful_shutdown(signal)
            .await;

        self.app.stop_background_tasks();
        tracing::info!("server stopped");
        served
    }
}

/// Opens the accounts database and has `store` keep its per-user session
/// list up to date. Returns the store with the list attached, and the
/// accounts service.
///
/// # Errors
///
/// Fails when `DATABASE_URL` is invalid, an SQLite file cannot be opened or
/// a migration fails.
pub async fn connect_accounts(
    settings: &Settings,
    store: SessionStoreHandle,
) -> anyhow::Result<(SessionStoreHandle, Accounts)> {
    let db = accounts::Db::connect(
        settings.database_url.expose(),
        settings.session.store_timeout,
    )
    .await
    .context("failed to set up the accounts database")?;
    let list = Arc::new(SessionList::new(db.clone()));
    let store = store.with_index(list.clone());
    let accounts = Accounts::new(db, store.clone(), list);
    Ok((store, accounts))
}

/// Builds the router: health checks, server functions and pages, all inside
/// the one session layer.
pub fn router(
    store: SessionStoreHandle,
    accounts: Accounts,
    settings: &Settings,
    leptos: LeptosOptions,
) -> Router {
    let health_routes = Router::new()
        .route("/health", get(health::health))
        .route("/health/detailed", get(health::detailed))
        .with_state(HealthState {
            store: store.clone(),
            redis_configured: settings.redis_configured,
            serverless_platform: settings.serverless_platform,
        });

    let routes = route_list();
    let pages = Router::new()
        .leptos_routes(&leptos, routes, {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(leptos.clone());

    let site = pages
        .merge(health_routes)
        .merge(assets::bundle_routes(&leptos));
    #[cfg(feature = "bench-probe")]
    let site = site.merge(crate::probe::routes());

    site.layer(Extension(accounts))
        .layer(middleware::from_fn_with_state(
            SessionLifetimes::from(&settings.session),
            session::apply_remember_me,
        ))
        .layer(middleware::from_fn(session::protect_pages))
        .layer(session::session_layer(store, &settings.session))
        .layer(middleware::from_fn_with_state(
            settings.session.cookie_secure,
            session::harden_removal_cookie,
        ))
        .layer(middleware::from_fn(session::explain_store_failures))
        .layer(middleware::from_fn(request_log::log_requests))
}

/// Returns the app's routes, generated once per process.
///
/// Generating them renders the app with resource loading suppressed through
/// a process-global flag, and a resource that another render polls for the
/// first time in that window never resolves
/// (<https://github.com/leptos-rs/leptos/issues/4773>). Generating once,
/// before any router serves, keeps that window away from every render, also
/// where one process runs several apps, as the tests do.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn log_backend(store: &SessionStoreHandle, settings: &Settings) {
    let name = match store.kind() {
        BackendKind::Redis => "Redis",
        BackendKind::Sql => "SQL",
        BackendKind::Filesystem => "filesystem",
        BackendKind::Memory => "in-memory",
    };
    tracing::info!(backend = %store.kind(), "session layer initialized with {name} backend");

    if let (BackendKind::Filesystem, Some(platform)) = (store.kind(), settings.serverless_platform)
    {
        tracing::error!(
            platform,
            "{platform} detected with filesystem sessions: sessions will not survive between \
             invocations, and users will be logged out, because each function instance has its \
             own temporary folder. Set REDIS_URL, or SESSION_TYPE=sql with DATABASE_URL"
        );
    } else if store.kind() == BackendKind::Memory {
        tracing::warn!(
            "SESSION_TYPE=memory keeps sessions in this process only: every restart logs \
             everyone out and no other instance sees them. It exists for benchmarks; never \
             run a site on it"
        );
    } else if store.kind() == BackendKind::Filesystem {
        tracing::warn!(
            "filesystem sessions are NOT shared across instances: only processes on this host \
             that use the same SESSION_FILE_DIR see them, never other machines, containers or \
             serverless invocations. Set REDIS_URL, or SESSION_TYPE=sql with DATABASE_URL, to \
             run more than one instance"
        );
    }
    if !settings.session.cookie_secure {
        tracing::warn!(
            "SESSION_COOKIE_SECURE=false: the session cookie is sent over plain http, where \
             anyone on the network path can read it. Use this only for local work"
        );
    }
}

/// Sets TCP_NODELAY on an accepted connection. Without it, a response that
/// goes out in two writes (the headers, then a file body read on another
/// thread) waits for the client's delayed ACK: about 40 ms per stylesheet on
/// Linux.
fn disable_nagle(stream: &mut tokio::net::TcpStream) {
    if let Err(err) = stream.set_nodelay(true) {
        tracing::warn!(error = %err, "failed to set TCP_NODELAY on a connection");
    }
}

/// Registers for SIGTERM and SIGINT (ctrl-c) now, and returns a future that
/// completes on the first of them.
///
/// Registering before the server starts matters: a signal that arrived
/// between "listening on" and the first poll of a lazily registered handler
/// would kill the process without a graceful shutdown.
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{signal, SignalKind};

    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;

    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::info!("shutdown signal received; finishing in-flight requests");
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_connection_has_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("the listener's address");
        let client = tokio::net::TcpStream::connect(addr);
        let (accepted, client) = tokio::join!(listener.accept(), client);
        let _client = client.expect("connect to the listener");
        let (mut stream, _) = accepted.expect("accept the connection");
        assert!(!stream.nodelay().expect("read TCP_NODELAY"));

        disable_nagle(&mut stream);

        assert!(stream.nodelay().expect("read TCP_NODELAY"));
    }
}
