//! The site's pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Redirect,
    hooks::{use_location, use_query_map},
};

use crate::{
    api::{
        dashboard, starred, ChangePassword, DismissTip, EndOtherSessions, EndSession,
        SessionSummary, Star,
    },
    catalogue::{find, search, Template, CATEGORIES, TEMPLATES},
    forms::{Field, FormError},
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
                <a href="/templates" class="button">"Browse the templates"</a>
            </p>
        </section>
        <section class="highlights" aria-label="Categories">
            <h2>"From kickoff to close"</h2>
            <ul class="category-list">
                {CATEGORIES
                    .iter()
                    .map(|name| view! {
                        <li><a href=format!("/templates?category={name}")>{*name}</a></li>
                    })
                    .collect_view()}
            </ul>
            <p><a href="/templates">"See all templates"</a></p>
        </section>
    }
}

/// Reads the form error named in the page's URL (`?error=...`), if any.
fn url_form_error() -> Memo<Option<FormError>> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|query| {
            let error = query.get("error")?;
            FormError::from_query(&error, query.get("retry").as_deref())
        })
    })
}

/// Shows the message for `field` under its input, when the URL's error is
/// about it.
#[component]
fn FieldError(error: Memo<Option<FormError>>, field: Field, id: &'static str) -> impl IntoView {
    move || {
        error
            .get()
            .filter(|error| error.field() == field)
            .map(|error| view! { <p class="field-error" id=id role="alert">{error.message()}</p> })
    }
}

/// `/login`: email and password, or the Demo Login, each with "Remember me".
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let form_error = url_form_error();
    let action_error = move || {
        let failed = |result: Option<Result<(), ServerFnError>>| match result {
            Some(Err(err)) => Some(error_text(&err)),
            _ => None,
        };
        failed(auth.login.value().get()).or_else(|| failed(auth.demo_login.value().get()))
    };

    view! {
        <Title text="Log in - PMBlueprints"/>
        <section class="card narrow">
            <h1>"Log in"</h1>
            <FieldError error=form_error field=Field::Form id="login-error"/>
            {move || action_error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <ActionForm action=auth.login attr:class="stack" attr:aria-label="Log in with email">
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" name="email" autocomplete="username" required
                    aria-describedby="login-error"/>
                <label for="login-password">"Password"</label>
                <input id="login-password" type="password" name="password"
                    autocomplete="current-password" required aria-describedby="login-error"/>
                <label class="checkbox">
                    <input type="checkbox" name="remember" value="true"/>
                    " Remember me for 30 days"
                </label>
                <button type="submit" class="button">"Log in"</button>
            </ActionForm>
            <p>"New here? " <a href="/signup">"Create an account"</a></p>
        </section>
        <section class="card narrow">
            <h2>"Or try the demo"</h2>
            <p>"One click, no sign-up: the demo account is shared by every visitor."</p>
            <ActionForm action=auth.demo_login attr:class="stack" attr:aria-label="Demo Login">
                <label class="checkbox">
                    <input type="checkbox" name="remember" value="true"/>
                    " Remember the demo login for 30 days"
                </label>
                <button type="submit" class="button" data-testid="login-submit">"Demo Login"</button>
            </ActionForm>
        </section>
    }
}

/// `/signup`: a new account with name, email and password.
#[component]
pub fn SignupPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let form_error = url_form_error();
    let action_error = move || match auth.signup.value().get() {
        Some(Err(err)) => Some(error_text(&err)),
        _ => None,
    };
    let invalid = move |field: Field| {
        move || {
            if form_error.get().is_some_and(|error| error.field() == field) {
                "true"
            } else {
                "false"
            }
        }
    };

    view! {
        <Title text="Sign up - PMBlueprints"/>
        <section class="card narrow">
            <h1>"Create an account"</h1>
            <FieldError error=form_error field=Field::Form id="signup-error"/>
            {move || action_error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <ActionForm action=auth.signup attr:class="stack" attr:aria-label="Create an account">
                <label for="signup-name">"Name"</label>
                <input id="signup-name" type="text" name="name" autocomplete="name" required
                    maxlength="100" aria-invalid=invalid(Field::Name)
                    aria-describedby="signup-name-error"/>
                <FieldError error=form_error field=Field::Name id="signup-name-error"/>
                <label for="signup-email">"Email"</label>
                <input id="signup-email" type="email" name="email" autocomplete="email" required
                    maxlength="254" aria-invalid=invalid(Field::Email)
                    aria-describedby="signup-email-error"/>
                <FieldError error=form_error field=Field::Email id="signup-email-error"/>
                <label for="signup-password">"Password"</label>
                <input id="signup-password" type="password" name="password"
                    autocomplete="new-password" required minlength="8" maxlength="128"
                    aria-invalid=invalid(Field::Password)
                    aria-describedby="signup-password-hint signup-password-error"/>
                <p class="hint" id="signup-password-hint">"At least 8 characters."</p>
                <FieldError error=form_error field=Field::Password id="signup-password-error"/>
                <button type="submit" class="button">"Sign up"</button>
            </ActionForm>
            <p>"Already have an account? " <a href="/login">"Log in"</a></p>
        </section>
    }
}

/// `/account`: change the password, which signs out every other session.
#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let form_error = url_form_error();
    let query = use_query_map();
    let changed = move || {
        query
            .read()
            .get("changed")
            .and_then(|count| count.parse::<usize>().ok())
    };
    let action_error = move || match change.value().get() {
        Some(Err(err)) => Some(error_text(&err)),
        _ => None,
    };

    view! {
        <Title text="Account - PMBlueprints"/>
        <section class="card narrow">
            <h1>"Change your password"</h1>
            {move || changed().map(|ended| view! {
                <p class="notice" role="status">
                    {match ended {
                        0 => "Password changed.".to_owned(),
                        1 => "Password changed. Your other session was signed out.".to_owned(),
                        n => format!("Password changed. Your {n} other sessions were signed out."),
                    }}
                </p>
            })}
            <FieldError error=form_error field=Field::Form id="account-error"/>
            {move || action_error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <p>"Changing your password signs out every other device where you are logged in."</p>
            <ActionForm action=change attr:class="stack" attr:aria-label="Change your password">
                <label for="current-password">"Current password"</label>
                <input id="current-password" type="password" name="current_password"
                    autocomplete="current-password" required
                    aria-describedby="current-password-error"/>
                <FieldError error=form_error field=Field::CurrentPassword id="current-password-error"/>
                <label for="new-password">"New password"</label>
                <input id="new-password" type="password" name="new_password"
                    autocomplete="new-password" required minlength="8" maxlength="128"
                    aria-describedby="new-password-hint new-password-error"/>
                <p class="hint" id="new-password-hint">"At least 8 characters."</p>
                <FieldError error=form_error field=Field::Password id="new-password-error"/>
                <button type="submit" class="button">"Change password"</button>
            </ActionForm>
            <p><a href="/dashboard">"Back to the dashboard"</a></p>
        </section>
    }
}

/// `/templates`: the catalogue, with search and a category filter taken from
/// the URL (`?q=...&category=...`), so results can be linked and the form
/// works without JavaScript. Logged-in users can star templates.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let query = use_query_map();
    let search_text = move || {
        let text = query.read().get("q").unwrap_or_default();
        text.chars().take(MAX_SEARCH_CHARS).collect::<String>()
    };
    // An unknown category filters nothing, as the menu then shows "All".
    let category = move || {
        query.read().get("category").filter(|wanted| {
            CATEGORIES
                .iter()
                .any(|known| known.eq_ignore_ascii_case(wanted))
        })
    };
    let star = ServerAction::<Star>::new();
    let stars = Resource::new_blocking(move || star.version().get(), |_| starred());
    keep_focus_on_star_button(star, stars);
    let location = use_location();
    let scrolled_to = StoredValue::new(String::new());

    view! {
        <Title text="Templates - PMBlueprints"/>
        <h1>"Templates"</h1>
        <form method="get" action="/templates" role="search" class="search-form"
            aria-label="Search templates">
            <div class="search-field">
                <label for="search-text">"Search"</label>
                <input id="search-text" type="search" name="q" prop:value=search_text
                    value=search_text placeholder="risk, sprint, schedule..."
                    maxlength=MAX_SEARCH_CHARS.to_string()/>
            </div>
            <div class="search-field">
                <label for="search-category">"Category"</label>
                <select id="search-category" name="category">
                    <option value="" selected=move || category().is_none()>"All categories"</option>
                    {CATEGORIES
                        .iter()
                        .map(|name| {
                            let selected = move || category().is_some_and(|c| c.eq_ignore_ascii_case(name));
                            view! { <option value=*name selected=selected>{*name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class="button">"Search"</button>
        </form>
        // Transition keeps the cards on screen while the stars load again.
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let logged_in = matches!(auth.user.await, Ok(Some(_)));
                let starred_slugs = stars.await.unwrap_or_default();
                let results = search(&search_text(), category().as_deref());
                let summary = match results.len() {
                    0 => "No templates match your search.".to_owned(),
                    1 => "1 template".to_owned(),
                    n => format!("{n} templates"),
                };
                // Created with the cards, so its first run comes after they
                // are in the document.
                Effect::new(move |_| {
                    scroll_to_linked_template(&location.hash.get_untracked(), scrolled_to);
                });
                view! {
                    <p class="lead" role="status" data-testid="result-count">{summary}</p>
                    <ul class="template-grid">
                        {results
                            .into_iter()
                            .map(|template| {
                                let is_starred = starred_slugs.iter().any(|slug| slug == template.slug);
                                view! {
                                    <li class="template-card" id=template.slug>
                                        <h2>{template.name}</h2>
                                        <p class="category">{template.category}</p>
                                        <p>{template.summary}</p>
                                        {logged_in.then(|| view! { <StarButton action=star template is_starred/> })}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                    {(!logged_in).then(|| view! {
                        <p><a href="/login">"Log in"</a> " to star templates and keep them on your dashboard."</p>
                    })}
                }
            })}
        </Transition>
    }
}

/// Puts the focus back on the star button a keyboard user pressed, once the
/// list has been drawn again with the new stars.
fn keep_focus_on_star_button(
    star: ServerAction<Star>,
    stars: Resource<Result<Vec<String>, ServerFnError>>,
) {
    let pressed = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(input) = star.input().get() {
            pressed.set(Some(input.slug));
        }
    });
    Effect::new(move |_| {
        stars.track();
        if let Some(slug) = pressed.get_untracked() {
            request_animation_frame(move || {
                use leptos::wasm_bindgen::JsCast;
                let button = document()
                    .get_element_by_id(&format!("star-{slug}"))
                    .and_then(|element| element.dyn_into::<leptos::web_sys::HtmlElement>().ok());
                if let Some(button) = button {
                    let _ = button.focus();
                }
            });
        }
    });
}

/// Scrolls to the card named by the URL's fragment, such as
/// `/templates#risk-register`, once the cards are on screen.
///
/// The router scrolls to the fragment when a client-side navigation ends,
/// but the cards render only after the user and the stars load, so that
/// scroll finds no element. This runs each time the cards are drawn, and
/// scrolls once per fragment, so the list rendering again after a star keeps
/// the reader's place.
fn scroll_to_linked_template(fragment: &str, scrolled_to: StoredValue<String>) {
    let id = fragment.trim_start_matches('#').to_owned();
    if id.is_empty() || scrolled_to.get_value() == id {
        return;
    }
    // After this frame's layout, so the card is where it will stay.
    request_animation_frame(move || {
        if let Some(card) = document().get_element_by_id(&id) {
            card.scroll_into_view();
            scrolled_to.set_value(id);
        }
    });
}

/// Maximum search text used, in characters. The rest is ignored.
const MAX_SEARCH_CHARS: usize = 200;

/// Stars or unstars one template.
#[component]
fn StarButton(
    action: ServerAction<Star>,
    template: &'static Template,
    is_starred: bool,
) -> impl IntoView {
    let label = if is_starred {
        format!("Unstar {}", template.name)
    } else {
        format!("Star {}", template.name)
    };
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="slug" value=template.slug/>
            <input type="hidden" name="starred" value=if is_starred { "false" } else { "true" }/>
            <button type="submit" class="button button-quiet star" id=format!("star-{}", template.slug)
                aria-pressed=if is_starred { "true" } else { "false" } aria-label=label>
                {if is_starred { "★ Starred" } else { "☆ Star" }}
            </button>
        </ActionForm>
    }
}

/// `/dashboard`: the logged-in user's home. The server redirects anonymous
/// visitors before this renders; in the browser, the same happens here.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let dismiss = ServerAction::<DismissTip>::new();
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    // Awaited in the same Suspend as the user, so the page renders once, when
    // both are known.
    let state = Resource::new_blocking(
        move || {
            (
                dismiss.version().get(),
                end_one.version().get(),
                end_others.version().get(),
            )
        },
        |_| dashboard(),
    );

    view! {
        <Title text="Dashboard - PMBlueprints"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let user = auth.user.await;
                let (show_tip, sessions, stars) = match state.await {
                    Ok(state) => (!state.tip_dismissed, state.sessions, state.starred),
                    Err(err) => (false, Err(error_text(&err)), Vec::new()),
                };
                match user {
                    Ok(Some(user)) => view! {
                        <h1>"Dashboard"</h1>
                        <p class="lead" data-testid="welcome">{format!("Welcome back, {}.", user.name)}</p>
                        {show_tip.then(|| view! { <GettingStartedTip dismiss/> })}
                        <div class="dashboard-grid">
                            <StarredTemplates slugs=stars/>
                            <section class="card" aria-labelledby="start-heading">
                                <h2 id="start-heading">"Start with a template"</h2>
                                <ul class="link-list">
                                    {TEMPLATES
                                        .iter()
                                        .take(4)
                                        .map(|template| view! {
                                            <li>
                                                <a href=format!("/templates#{}", template.slug)>{template.name}</a>
                                                " - "
                                                {template.summary}
                                            </li>
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                        </div>
                        <YourSessions demo=user.is_demo() sessions end_one end_others/>
                    }
                    .into_any(),
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{error_text(&err)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Lists the user's starred templates on the dashboard.
#[component]
fn StarredTemplates(slugs: Vec<String>) -> impl IntoView {
    let templates: Vec<&'static Template> = slugs.iter().filter_map(|slug| find(slug)).collect();
    view! {
        <section class="card" aria-labelledby="starred-heading" data-testid="starred">
            <h2 id="starred-heading">"Your starred templates"</h2>
            {if templates.is_empty() {
                view! {
                    <p>"Nothing starred yet. Star templates on the " <a href="/templates">"Templates"</a> " page to keep them here."</p>
                }
                .into_any()
            } else {
                view! {
                    <ul class="link-list">
                        {templates
                            .into_iter()
                            .map(|template| view! {
                                <li><a href=format!("/templates#{}", template.slug)>{template.name}</a></li>
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

/// Lists the user's live sessions, each with a way to sign it out.
#[component]
fn YourSessions(
    demo: bool,
    sessions: Result<Vec<SessionSummary>, String>,
    end_one: ServerAction<EndSession>,
    end_others: ServerAction<EndOtherSessions>,
) -> impl IntoView {
    let body = match (demo, sessions) {
        (true, _) => view! {
            <p>
                "The demo account is shared by every visitor, so its sessions are not listed. "
                <a href="/signup">"Create an account"</a>
                " to see where you are logged in and sign out other devices."
            </p>
        }
        .into_any(),
        (false, Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        (false, Ok(sessions)) => {
            let others = sessions.iter().filter(|session| !session.current).count();
            view! {
                <table class="sessions" data-testid="sessions">
                    <thead>
                        <tr>
                            <th scope="col">"Device"</th>
                            <th scope="col">"Started"</th>
                            <th scope="col">"Last seen"</th>
                            <th scope="col"><span class="visually-hidden">"Action"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {sessions
                            .into_iter()
                            .map(|session| view! { <SessionRow session end_one/> })
                            .collect_view()}
                    </tbody>
                </table>
                {(others > 0).then(|| view! {
                    <ActionForm action=end_others attr:class="inline-form">
                        <button type="submit" class="button button-quiet">"Sign out everywhere else"</button>
                    </ActionForm>
                })}
                <p><a href="/account">"Change your password"</a></p>
            }
            .into_any()
        }
    };

    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Your sessions"</h2>
            {body}
        </section>
    }
}

#[component]
fn SessionRow(session: SessionSummary, end_one: ServerAction<EndSession>) -> impl IntoView {
    let label = format!("Sign out {}, started {}", session.device, session.started);
    view! {
        <tr data-current=session.current.to_string()>
            <td>
                {session.device}
                {session.current.then(|| view! { " " <span class="badge">"This session"</span> })}
            </td>
            <td>{session.started}</td>
            <td>{session.last_seen}</td>
            <td>
                {(!session.current).then(|| view! {
                    <ActionForm action=end_one attr:class="inline-form">
                        <input type="hidden" name="id" value=session.id/>
                        <button type="submit" class="button button-quiet" aria-label=label>"Sign out"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

/// A tip for new users, with the button that dismisses it.
#[component]
fn GettingStartedTip(dismiss: ServerAction<DismissTip>) -> impl IntoView {
    view! {
        <aside class="card tip" aria-label="Getting started">
            <p>
                "New here? Most projects start with a "
                <a href="/templates#project-charter">"Project Charter"</a>
                ", then a "
                <a href="/templates#risk-register">"Risk Register"</a>
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
        <p><a href="/">"Back to the home page"</a></p>
    }
}

/// The text of a server function error, without the framework's prefix.
fn error_text(err: &ServerFnError) -> String {
    match err {
        ServerFnError::ServerError(message) => message.clone(),
        _ => crate::api::SESSIONS_UNAVAILABLE.to_owned(),
    }
}
