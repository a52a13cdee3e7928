//! PMBlueprints: pages, components and server functions, rendered on the
//! server and hydrated in the browser.

pub mod api;
pub mod catalogue;
mod nav;
mod pages;
#[cfg(feature = "ssr")]
pub mod session;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::{
    api::{current_user, DemoLogin, Logout, User},
    nav::Nav,
    pages::{DashboardPage, HomePage, LoginPage, NotFoundPage, TemplatesPage},
};

/// The HTML document around the app, rendered on the server.
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
                <AutoReload options=options.clone()/>
                // Links pmblueprints.<hash>.css when cargo-leptos hashes the
                // file names (hash-files), and pmblueprints.css otherwise.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Who is logged in, shared by the nav and the pages.
///
/// `user` refetches whenever a login or logout finishes, so every part of the
/// page agrees after either.
#[derive(Clone, Copy)]
pub struct Auth {
    pub login: ServerAction<DemoLogin>,
    pub logout: ServerAction<Logout>,
    pub user: Resource<Result<Option<User>, ServerFnError>>,
}

impl Auth {
    fn provide() -> Self {
        let login = ServerAction::<DemoLogin>::new();
        let logout = ServerAction::<Logout>::new();

        // Blocking, so the server sends the right nav in the first HTML chunk
        // rather than a placeholder that a logged-in user would see flash.
        let user = Resource::new_blocking(
            move || (login.version().get(), logout.version().get()),
            |_| current_user(),
        );

        let auth = Self {
            login,
            logout,
            user,
        };
        provide_context(auth);
        auth
    }
}

/// The root component: nav and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    Auth::provide();

    // Effects run only in the browser, so this marks the end of hydration
    // for anyone who needs to know, such as the end-to-end tests.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title text="PMBlueprints"/>
        <Router>
            <Nav/>
            <main class="page">
                // Async waits for the login state before it sends any HTML,
                // rather than streaming a placeholder and swapping it by
                // script, so the page is right before any script runs and
                // without one.
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/templates") view=TemplatesPage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
