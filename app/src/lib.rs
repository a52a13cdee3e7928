//! PMBlueprints: pages, components and server functions, rendered on the
//! server and hydrated in the browser.

#[cfg(feature = "ssr")]
pub mod accounts;
pub mod api;
#[cfg(feature = "ssr")]
pub mod bundle;
pub mod catalogue;
pub mod forms;
mod nav;
mod pages;
#[cfg(feature = "ssr")]
pub mod session;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    hooks::use_location,
    path, SsrMode,
};

use crate::{
    api::{current_user, DemoLogin, Login, Logout, Signup, User},
    nav::Nav,
    pages::{
        AccountPage, DashboardPage, HomePage, LoginPage, NotFoundPage, SignupPage, TemplatesPage,
    },
};

/// The HTML document around the app, rendered on the server.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="description" content="Project-management templates, ready to use."/>
                // No favicon yet: an empty one saves every page a request that would 404.
                <link rel="icon" href="data:,"/>
                // Only `cargo leptos watch` sets LEPTOS_WATCH, and it cannot
                // change while the process runs.
                {live_reload().then(|| view! { <AutoReload options=options.clone()/> })}
                // Links pmblueprints.<hash>.css and the hashed bundle when
                // cargo-leptos hashes the file names (hash-files), and the
                // plain names otherwise.
                <bundle::BundleTags options/>
                <leptos_meta::MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Whether the page should carry cargo-leptos's live-reload script.
#[cfg(feature = "ssr")]
fn live_reload() -> bool {
    static WATCHING: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WATCHING.get_or_init(|| std::env::var_os("LEPTOS_WATCH").is_some())
}

/// Who is logged in, shared by the nav and the pages.
///
/// `user` refetches whenever a login, sign-up or logout finishes, so every
/// part of the page agrees after any of them.
#[derive(Clone, Copy)]
pub struct Auth {
    pub demo_login: ServerAction<DemoLogin>,
    pub login: ServerAction<Login>,
    pub signup: ServerAction<Signup>,
    pub logout: ServerAction<Logout>,
    pub user: Resource<Result<Option<User>, ServerFnError>>,
}

impl Auth {
    fn provide() -> Self {
        let demo_login = ServerAction::<DemoLogin>::new();
        let login = ServerAction::<Login>::new();
        let signup = ServerAction::<Signup>::new();
        let logout = ServerAction::<Logout>::new();

        // Blocking, so the server sends the right nav in the first HTML chunk
        // rather than a placeholder that a logged-in user would see flash.
        // The path is part of the key, so each navigation queries the server
        // again: a session signed out elsewhere shows as anonymous on the
        // next page, not only after a reload.
        let location = use_location();
        let user = Resource::new_blocking(
            move || {
                (
                    location.pathname.get(),
                    demo_login.version().get(),
                    login.version().get(),
                    signup.version().get(),
                    logout.version().get(),
                )
            },
            |_| current_user(),
        );

        let auth = Self {
            demo_login,
            login,
            signup,
            logout,
            user,
        };
        provide_context(auth);
        auth
    }
}

/// The root component: the router, around the nav and the routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title text="PMBlueprints"/>
        <Router>
            <Site/>
        </Router>
    }
}

/// Renders the nav and the routes, inside the router so the login state can
/// follow navigation.
#[component]
fn Site() -> impl IntoView {
    Auth::provide();

    // Effects run only in the browser, so this marks the end of hydration
    // for anyone who needs to know, such as the end-to-end tests.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Nav/>
        <main class="page">
            // Async waits for the login state before it sends any HTML,
            // rather than streaming a placeholder and swapping it by
            // script, so the page is right before any script runs and
            // without one.
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async/>
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                <Route path=path!("/templates") view=TemplatesPage ssr=SsrMode::Async/>
                <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async/>
            </Routes>
        </main>
    }
}
