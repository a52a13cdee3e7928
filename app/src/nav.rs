//! The site header: links, and the login state.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::{
    api::{DemoLogin, Logout, User},
    Auth,
};

/// The navigation bar.
///
/// Logged in: Dashboard, the user's name, Templates and Log out. Anonymous:
/// Templates, Log in, Sign up and a Demo Login button. The state is rendered on the
/// server, so it is right in the first HTML a browser receives.
#[component]
pub fn Nav() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let path = use_location().pathname;

    view! {
        <header class="site-header">
            <nav class="site-nav" aria-label="Main">
                <NavLink href="/" class="brand" path>"PMBlueprints"</NavLink>
                // Transition keeps the current links on screen while the user
                // is fetched again after a login or logout, so they never blink.
                // The links get the actions and the path as props, not from
                // context. On the server, Leptos 0.8 may run this closure
                // again in an effect after the request's reactive owner is
                // gone, and a context lookup there panics (about once in
                // 500,000 page views under wrk load).
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) => {
                                view! { <LoggedInLinks user logout=auth.logout path/> }.into_any()
                            }
                            _ => view! { <AnonymousLinks demo_login=auth.demo_login path/> }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

#[component]
fn LoggedInLinks(user: User, logout: ServerAction<Logout>, path: Memo<String>) -> impl IntoView {
    view! {
        <ul class="nav-links">
            <li><NavLink href="/dashboard" path>"Dashboard"</NavLink></li>
            <li><span class="nav-user" data-testid="nav-user">{user.name}</span></li>
            <li><NavLink href="/templates" path>"Templates"</NavLink></li>
            <li>
                <ActionForm action=logout attr:class="inline-form">
                    <button type="submit" class="button button-quiet">"Log out"</button>
                </ActionForm>
            </li>
        </ul>
    }
}

#[component]
fn AnonymousLinks(demo_login: ServerAction<DemoLogin>, path: Memo<String>) -> impl IntoView {
    view! {
        <ul class="nav-links">
            <li><NavLink href="/templates" path>"Templates"</NavLink></li>
            <li><NavLink href="/login" path>"Log in"</NavLink></li>
            <li><NavLink href="/signup" path>"Sign up"</NavLink></li>
            <li>
                <ActionForm action=demo_login attr:class="inline-form">
                    <button type="submit" class="button">"Demo Login"</button>
                </ActionForm>
            </li>
        </ul>
    }
}

/// Renders a link marked `aria-current="page"` while `path`, the current
/// path, is its page or below it, and for `/` only on the home page.
///
/// A plain `<a>` rather than the router's `<A>`, because the router
/// (leptos_router 0.8) handles clicks on every same-origin `<a>` anyway, and
/// `<A>` builds a memo and an effect per link on every server render.
#[component]
fn NavLink(
    href: &'static str,
    #[prop(optional)] class: Option<&'static str>,
    path: Memo<String>,
    children: Children,
) -> impl IntoView {
    // A disposed path (see Nav) counts as another page.
    let current = move || {
        path.try_with(|path| is_current(href, path))
            .unwrap_or(false)
            .then_some("page")
    };

    view! { <a href=href class=class aria-current=current>{children()}</a> }
}

/// Returns whether `path` is the page that `href` links to, or a page below it.
fn is_current(href: &str, path: &str) -> bool {
    if href == "/" {
        return path == "/";
    }
    let href = href.trim_end_matches('/');
    path.strip_prefix(href)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::is_current;

    #[test]
    fn link_is_current_on_its_page() {
        assert!(is_current("/dashboard", "/dashboard"));
        assert!(is_current("/dashboard", "/dashboard/"));
        assert!(is_current("/templates", "/templates/project-charter"));
    }

    #[test]
    fn link_is_not_current_elsewhere() {
        assert!(!is_current("/dashboard", "/"));
        assert!(!is_current("/templates", "/templates-archive"));
        assert!(!is_current("/login", "/signup"));
    }

    #[test]
    fn home_link_is_current_only_at_home() {
        assert!(is_current("/", "/"));
        assert!(!is_current("/", "/dashboard"));
    }
}
