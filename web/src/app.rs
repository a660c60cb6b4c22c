//! The page: a task-definition editor (samples, the JSON editor, problems inline with their
//! paths, the registered document beside it) and the lessons (the seeds' stories replayed on
//! the virtual fleet, instant by instant). Components render state and send actions; nothing
//! here knows an ECS rule.

use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::i18n::Lang;
use crate::samples::SAMPLES;
use crate::state::{Action, EditorState, ProblemView, Verdict};

/// Which part of the page is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Fleet,
    Editor,
}

/// The whole page: the header, the tabs, and the chosen part. Served by `berth serve`, it
/// opens on the live fleet; served as plain files, on the editor.
#[function_component(App)]
pub fn app() -> Html {
    let server = use_state(|| None::<bool>);
    let chosen = use_state(|| None::<Tab>);
    let lang = use_state(stored_lang);
    crate::i18n::set(*lang);
    let toggle_lang = {
        let lang = lang.clone();
        Callback::from(move |_| {
            let next = match *lang {
                Lang::En => Lang::Ja,
                Lang::Ja => Lang::En,
            };
            store_lang(next);
            lang.set(next);
        })
    };
    {
        let server = server.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                // A berth serve, or the control plane in the page: either way there is a fleet.
                server.set(Some(crate::api::start().await));
            });
        });
    }
    let tab = chosen.unwrap_or(if *server == Some(true) {
        Tab::Fleet
    } else {
        Tab::Editor
    });
    let select = |which: Tab| {
        let chosen = chosen.clone();
        Callback::from(move |_| chosen.set(Some(which)))
    };
    let pressed = |which: Tab| if tab == which { "true" } else { "false" };
    let connected = *server == Some(true);
    html! {
        <ContextProvider<Lang> context={*lang}>
        <main lang={if *lang == Lang::Ja { "ja" } else { "en" }}>
            <header>
                <button type="button" id="lang-toggle" class="small lang" onclick={toggle_lang}>
                    { if *lang == Lang::Ja { "English" } else { "日本語" } }
                </button>
                <h1>{ "Berth" }</h1>
                <p class="tagline">{ crate::i18n::t("Amazon ECS's control plane as a playground: watch a virtual fleet's services and tasks as you (or, behind berth serve, the AWS CLI) drive it, or paste a task definition: it is judged exactly as RegisterTaskDefinition would judge it.") }</p>
                <nav class="tabs" aria-label="Parts">
                    <button type="button" id="tab-fleet" aria-pressed={pressed(Tab::Fleet)} onclick={select(Tab::Fleet)}>{ crate::i18n::t("Fleet") }</button>
                    <button type="button" id="tab-editor" aria-pressed={pressed(Tab::Editor)} onclick={select(Tab::Editor)}>{ crate::i18n::t("Task definition") }</button>
                </nav>
            </header>
            {
                match tab {
                    Tab::Fleet => html! { <crate::fleet::Fleet /> },
                    Tab::Editor => html! { <Editor {connected} /> },
                }
            }
        </main>
        </ContextProvider<Lang>>
    }
}

/// Where the editor's text is kept between visits.
const EDITOR_KEY: &str = "berth.editor";

/// The page's localStorage, when the browser lets it have one.
fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The language kept from an earlier visit (localStorage), English by default.
fn stored_lang() -> Lang {
    let stored = storage().and_then(|s| s.get_item("berth.lang").ok().flatten());
    if stored.as_deref() == Some("ja") {
        Lang::Ja
    } else {
        Lang::En
    }
}

fn store_lang(lang: Lang) {
    if let Some(storage) = storage() {
        let _ = storage.set_item("berth.lang", if lang == Lang::Ja { "ja" } else { "en" });
    }
}

#[derive(Properties, PartialEq)]
struct EditorProps {
    /// Whether a control plane answers (a berth serve, or the page's own), so a valid
    /// document can be registered with it.
    connected: bool,
}

/// The task-definition editor.
#[function_component(Editor)]
fn editor(props: &EditorProps) -> Html {
    let _lang = use_context::<Lang>();
    let state = use_reducer(EditorState::default);
    let registered = use_state(|| None::<Result<String, String>>);
    let on_register = {
        let (state, registered) = (state.clone(), registered.clone());
        Callback::from(move |_| {
            let body = state.register_body();
            let registered = registered.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = crate::api::call("RegisterTaskDefinition", body)
                    .await
                    .map(|r| {
                        let td = &r["taskDefinition"];
                        format!(
                            "Registered as {}:{}.",
                            td["family"].as_str().unwrap_or_default(),
                            td["revision"]
                        )
                    });
                registered.set(Some(outcome));
            });
        })
    };

    {
        // What was in the editor before a reload comes back.
        let state = state.clone();
        use_effect_with((), move |_| {
            if let Some(text) = storage().and_then(|s| s.get_item(EDITOR_KEY).ok().flatten()) {
                if !text.is_empty() {
                    state.dispatch(Action::Edit { text });
                }
            }
        });
    }
    {
        // Each text is judged where the control plane is (berth serve, or the page's own
        // world); the verdict comes back for the text it judged.
        let state = state.clone();
        use_effect_with(
            (state.text.clone(), state.family.clone()),
            move |(text, family)| {
                if state.needs_judging() {
                    let (text, family) = (text.clone(), family.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Ok(verdict) = crate::api::check(&text, &family).await {
                            state.dispatch(Action::Judged {
                                text,
                                family,
                                verdict,
                            });
                        }
                    });
                }
            },
        );
    }
    let on_input = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let text = event.target_unchecked_into::<HtmlTextAreaElement>().value();
            if let Some(storage) = storage() {
                let _ = storage.set_item(EDITOR_KEY, &text);
            }
            state.dispatch(Action::Edit { text });
        })
    };
    let on_family = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let family = event.target_unchecked_into::<HtmlInputElement>().value();
            state.dispatch(Action::SetFamily { family });
        })
    };
    // Clicking a problem selects its place in the editor (DOM work, so it lives here).
    let textarea = use_node_ref();
    let on_select = {
        let textarea = textarea.clone();
        Callback::from(move |offset: u32| {
            if let Some(area) = textarea.cast::<HtmlTextAreaElement>() {
                let _ = area.focus();
                let _ = area.set_selection_range(offset, offset);
            }
        })
    };
    let samples = SAMPLES.iter().map(|sample| {
        let state = state.clone();
        let onclick = Callback::from(move |_| {
            if let Some(storage) = storage() {
                let _ = storage.set_item(EDITOR_KEY, sample.text);
            }
            state.dispatch(Action::Load { sample: *sample })
        });
        html! {
            <button type="button" class="sample" data-sample={sample.id} {onclick}>{ sample.label }</button>
        }
    });

    html! {
        <>
            <section class="samples" aria-label="Samples">
                <span>{ crate::i18n::t("Samples:") }</span>
                { for samples }
            </section>
            <div class="panes">
                <section class="pane editor">
                    <label for="td-text">{ crate::i18n::t("Task definition JSON (register input, describe-task-definition output, or a containerDefinitions array)") }</label>
                    <textarea id="td-text" ref={textarea} spellcheck="false" value={state.text.clone()} oninput={on_input}
                        placeholder={"{\n  \"family\": \"web\",\n  \"containerDefinitions\": [ ... ]\n}"} />
                    <label for="td-family">{ crate::i18n::t("Family for a bare containerDefinitions array") }</label>
                    <input id="td-family" type="text" value={state.family.clone()} oninput={on_family} />
                </section>
                <section class="pane verdict" aria-live="polite">
                    if props.connected && matches!(state.verdict, Verdict::Registered { .. }) {
                        <div class="controls">
                            <button type="button" id="td-register" onclick={on_register}>{ crate::i18n::t("Register") }</button>
                            { for registered.as_ref().map(|outcome| match outcome {
                                Ok(text) => html! { <span id="td-registered" class="status valid">{ text }</span> },
                                Err(text) => html! { <span id="td-registered" class="status invalid">{ text }</span> },
                            }) }
                        </div>
                    }
                    { render_verdict(&state.verdict, on_select) }
                </section>
            </div>
        </>
    }
}

fn render_verdict(verdict: &Verdict, on_select: Callback<u32>) -> Html {
    match verdict {
        Verdict::Empty => html! {
            <p id="status" class="status empty">{ crate::i18n::t("Paste or type a task definition, or pick a sample.") }</p>
        },
        Verdict::Malformed {
            line,
            column,
            message,
        } => html! {
            <p id="status" class="status malformed">
                { format!("Malformed JSON at line {line}, column {column}: {message}") }
            </p>
        },
        Verdict::Invalid { problems } => html! {
            <>
                <p id="status" class="status invalid">
                    { format!("ECS would refuse this task definition: {} problem{}. The first is what RegisterTaskDefinition returns.",
                        problems.len(), if problems.len() == 1 { "" } else { "s" }) }
                </p>
                <ol id="problems" class="problems">
                    { for problems.iter().map(|p| render_problem(p, on_select.clone())) }
                </ol>
            </>
        },
        Verdict::Registered {
            family_revision,
            document,
        } => html! {
            <>
                <p id="status" class="status valid">
                    { format!("Valid: ECS would register it as {family_revision}. This is what describe-task-definition would show:") }
                </p>
                <pre id="registered" class="registered">{ document }</pre>
            </>
        },
    }
}

fn render_problem(problem: &ProblemView, on_select: Callback<u32>) -> Html {
    let line = problem.location.map(|(line, offset)| {
        let onclick = Callback::from(move |_| on_select.emit(offset));
        html! { <button type="button" class="line" {onclick}>{ format!("line {line}") }</button> }
    });
    html! {
        <li class="problem">
            { for line }
            <code class="path">{ &problem.path }</code>
            <span class="exception">{ &problem.exception }</span>
            <span class="message">{ &problem.message }</span>
        </li>
    }
}
