//! The site's pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};

use crate::{
    api::{tip_dismissed, DismissTip},
    catalogue::TEMPLATES,
    Auth,
};

/// `/`: what the site is, with the way into the catalogue.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="PMBlueprints - project-management templates"/>
        <section class="hero">
            <h1>"Project-management templates that get you started"</h1>
            <p class="lead">
                "PMBlueprints collects ready-to-use templates for every stage of a project: "
                "charters and business cases, schedules and RACI matrices, risk registers, "
                "sprint backlogs and status reports."
            </p>
            <p>
                <A href="/templates" attr:class="button">"Browse the templates"</A>
            </p>
        </section>
        <section class="highlights" aria-label="Categories">
            <h2>"From kickoff to close"</h2>
            <ul class="category-list">
                <li>"Initiation"</li>
                <li>"Planning"</li>
                <li>"Risk"</li>
                <li>"Execution"</li>
                <li>"Agile"</li>
                <li>"Monitoring"</li>
                <li>"Closing"</li>
            </ul>
            <p><A href="/templates">"See all templates"</A></p>
        </section>
    }
}

/// `/login`: the Demo Login, with "Remember me".
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let error = move || match auth.login.value().get() {
        Some(Err(err)) => Some(error_text(&err)),
        _ => None,
    };

    view! {
        <Title text="Log in - PMBlueprints"/>
        <section class="card narrow">
            <h1>"Log in"</h1>
            <p>"Try the site with the demo account: no sign-up needed."</p>
            <ActionForm action=auth.login attr:class="stack">
                <label class="checkbox">
                    <input type="checkbox" name="remember" value="true"/>
                    " Remember me for 30 days"
                </label>
                <button type="submit" class="button" data-testid="login-submit">"Demo Login"</button>
            </ActionForm>
            {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        </section>
    }
}

/// `/templates`: the catalogue.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    view! {
        <Title text="Templates - PMBlueprints"/>
        <h1>"Templates"</h1>
        <p class="lead">{format!("{} templates for every stage of a project.", TEMPLATES.len())}</p>
        <ul class="template-grid">
            {TEMPLATES
                .iter()
                .map(|template| {
                    view! {
                        <li class="template-card" id=template.slug>
                            <h2>{template.name}</h2>
                            <p class="category">{template.category}</p>
                            <p>{template.summary}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// `/dashboard`: the logged-in user's home. The server redirects anonymous
/// visitors before this renders; in the browser, the same happens here.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let dismiss = ServerAction::<DismissTip>::new();
    // Awaited in the same Suspend as the user, so the page renders once, when
    // both are known.
    let tip_dismissed =
        Resource::new_blocking(move || dismiss.version().get(), |_| tip_dismissed());

    view! {
        <Title text="Dashboard - PMBlueprints"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let user = auth.user.await;
                let show_tip = matches!(tip_dismissed.await, Ok(false));
                match user {
                    Ok(Some(user)) => view! {
                        <h1>"Dashboard"</h1>
                        <p class="lead" data-testid="welcome">{format!("Welcome back, {}.", user.name)}</p>
                        {show_tip.then(|| view! { <GettingStartedTip dismiss/> })}
                        <section class="card">
                            <h2>"Start with a template"</h2>
                            <ul class="link-list">
                                {TEMPLATES
                                    .iter()
                                    .take(4)
                                    .map(|template| view! {
                                        <li>
                                            <A href=format!("/templates#{}", template.slug)>{template.name}</A>
                                            " - "
                                            {template.summary}
                                        </li>
                                    })
                                    .collect_view()}
                            </ul>
                        </section>
                    }
                    .into_any(),
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{error_text(&err)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A tip for new users, with the button that dismisses it.
#[component]
fn GettingStartedTip(dismiss: ServerAction<DismissTip>) -> impl IntoView {
    view! {
        <aside class="card tip" aria-label="Getting started">
            <p>
                "New here? Most projects start with a "
                <A href="/templates#project-charter">"Project Charter"</A>
                ", then a "
                <A href="/templates#risk-register">"Risk Register"</A>
                "."
            </p>
            <ActionForm action=dismiss attr:class="inline-form">
                <button type="submit" class="button button-quiet">"Dismiss tip"</button>
            </ActionForm>
        </aside>
    }
}

/// Any other path.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }

    view! {
        <Title text="Not found - PMBlueprints"/>
        <h1>"Page not found"</h1>
        <p><A href="/">"Back to the home page"</A></p>
    }
}

/// The text of a server function error, without the framework's prefix.
fn error_text(err: &ServerFnError) -> String {
    match err {
        ServerFnError::ServerError(message) => message.clone(),
        _ => crate::api::SESSIONS_UNAVAILABLE.to_owned(),
    }
}
