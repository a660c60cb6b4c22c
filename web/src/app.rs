//! The editor page: samples, the JSON editor, problems inline with their paths, and the
//! registered document beside it. Components render state and send actions; nothing here
//! knows an ECS rule.

use berth_model::SimTime;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::samples::SAMPLES;
use crate::state::{Action, EditorState, ProblemView, Verdict};

/// The wall clock, read here (the UI driver) and passed into the pure state as an input.
fn now() -> SimTime {
    SimTime(js_sys::Date::now().max(0.0) as u64)
}

/// The whole page.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(EditorState::default);

    let on_input = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let text = event.target_unchecked_into::<HtmlTextAreaElement>().value();
            state.dispatch(Action::Edit { text, now: now() });
        })
    };
    let on_family = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let family = event.target_unchecked_into::<HtmlInputElement>().value();
            state.dispatch(Action::SetFamily { family, now: now() });
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
        let onclick = Callback::from(move |_| state.dispatch(Action::Load { sample: *sample, now: now() }));
        html! {
            <button type="button" class="sample" data-sample={sample.id} {onclick}>{ sample.label }</button>
        }
    });

    html! {
        <main>
            <header>
                <h1>{ "Berth" }</h1>
                <p class="tagline">{ "Amazon ECS's control plane as a playground. Paste a task definition: it is judged exactly as RegisterTaskDefinition would judge it." }</p>
            </header>
            <section class="samples" aria-label="Samples">
                <span>{ "Samples:" }</span>
                { for samples }
            </section>
            <div class="panes">
                <section class="pane editor">
                    <label for="td-text">{ "Task definition JSON (register input, describe-task-definition output, or a containerDefinitions array)" }</label>
                    <textarea id="td-text" ref={textarea} spellcheck="false" value={state.text.clone()} oninput={on_input}
                        placeholder={"{\n  \"family\": \"web\",\n  \"containerDefinitions\": [ ... ]\n}"} />
                    <label for="td-family">{ "Family for a bare containerDefinitions array" }</label>
                    <input id="td-family" type="text" value={state.family.clone()} oninput={on_family} />
                </section>
                <section class="pane verdict" aria-live="polite">
                    { render_verdict(&state.verdict, on_select) }
                </section>
            </div>
        </main>
    }
}

fn render_verdict(verdict: &Verdict, on_select: Callback<u32>) -> Html {
    match verdict {
        Verdict::Empty => html! {
            <p id="status" class="status empty">{ "Paste or type a task definition, or pick a sample." }</p>
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
        Verdict::Invalid(problems) => html! {
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
