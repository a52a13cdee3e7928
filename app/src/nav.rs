//! The site header: links, and the login state.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{api::User, Auth};

/// The navigation bar.
///
/// Logged in: Dashboard, the user's name, Templates and Log out. Anonymous:
/// Templates, Log in, Sign up and a Demo Login button. The state is rendered on the
/// server, so it is right in the first HTML a browser receives.
#[component]
pub fn Nav() -> impl IntoView {
    let auth = expect_context::<Auth>();

    view! {
        <header class="site-header">
            <nav class="site-nav" aria-label="Main">
                <A href="/" attr:class="brand">"PMBlueprints"</A>
                // Transition keeps the current links on screen while the user
                // is fetched again after a login or logout, so they never blink.
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) => view! { <LoggedInLinks user/> }.into_any(),
                            _ => view! { <AnonymousLinks/> }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

#[component]
fn LoggedInLinks(user: User) -> impl IntoView {
    let auth = expect_context::<Auth>();

    view! {
        <ul class="nav-links">
            <li><A href="/dashboard">"Dashboard"</A></li>
            <li><span class="nav-user" data-testid="nav-user">{user.name}</span></li>
            <li><A href="/templates">"Templates"</A></li>
            <li>
                <ActionForm action=auth.logout attr:class="inline-form">
                    <button type="submit" class="button button-quiet">"Log out"</button>
                </ActionForm>
            </li>
        </ul>
    }
}

#[component]
fn AnonymousLinks() -> impl IntoView {
    let auth = expect_context::<Auth>();

    view! {
        <ul class="nav-links">
            <li><A href="/templates">"Templates"</A></li>
            <li><A href="/login">"Log in"</A></li>
            <li><A href="/signup">"Sign up"</A></li>
            <li>
                <ActionForm action=auth.demo_login attr:class="inline-form">
                    <button type="submit" class="button">"Demo Login"</button>
                </ActionForm>
            </li>
        </ul>
    }
}
