//! The lessons panel and the time controls of the live view. The panel shows a lesson's
//! steps, does the current one on request (the calls of [`crate::guide`]) and ticks each
//! off when ECS reports it done; the time controls set `berth serve`'s clock. No ECS rule
//! here: the checks are in [`crate::guide`].

use std::cell::RefCell;
use std::rc::Rc;

use berth_model::views::ClockRequest;
use yew::prelude::*;

use crate::api;
use crate::fleet::{refresh, Live};
use crate::guide::{cluster_for, progress, LESSONS};
use crate::i18n::{t, Lang};
use crate::live::Action;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub live: Live,
    pub cluster: Rc<RefCell<String>>,
}

/// Shows `name` in the live view.
fn show_cluster(live: &Live, cluster: &Rc<RefCell<String>>, name: &str) {
    *cluster.borrow_mut() = name.to_owned();
    live.dispatch(Action::Cluster(name.to_owned()));
    refresh(live, cluster);
}

/// The lessons: pick one; its steps, each with "Do it for me" and a tick when ECS shows it
/// done.
#[function_component(Guide)]
pub fn guide(props: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    // (lesson, steps done, its cluster)
    let chosen = use_state(|| None::<(usize, usize, String)>);
    let busy = use_state(|| false);
    // The clock when progress was last judged: a rewind takes it back, and the steps with it.
    let judged_at = use_mut_ref(|| 0u64);
    {
        // Tick steps off as the looks at the cluster come in.
        let (chosen, judged_at) = (chosen.clone(), judged_at.clone());
        let live = props.live.clone();
        use_effect_with(
            (
                live.snapshot.clone(),
                live.outcome.clone(),
                live.clock.clone(),
            ),
            move |(snapshot, outcome, clock)| {
                let now_ms = clock.as_ref().map_or(0, |c| c.now);
                let rewound = now_ms < std::mem::replace(&mut *judged_at.borrow_mut(), now_ms);
                if let Some((index, done, name)) = (*chosen).clone() {
                    let lesson = &LESSONS[index];
                    if snapshot.cluster == name {
                        let from = if rewound { 0 } else { done };
                        let now = progress(lesson, from, snapshot, outcome);
                        if now != done {
                            chosen.set(Some((index, now, name)));
                        }
                    }
                }
            },
        );
    }
    let pick = |index: usize| {
        let (chosen, live, cluster) = (chosen.clone(), props.live.clone(), props.cluster.clone());
        Callback::from(move |_| {
            // A lesson played again builds a fresh cluster: what the last play left stays
            // in its own.
            let name = cluster_for(&LESSONS[index], &live.snapshot.clusters);
            chosen.set(Some((index, 0, name.clone())));
            show_cluster(&live, &cluster, &name);
        })
    };
    let list = LESSONS.iter().enumerate().map(|(index, lesson)| {
        let pressed = chosen.as_ref().is_some_and(|(i, _, _)| *i == index);
        html! {
            <button type="button" class="small" id={format!("lesson-{}", lesson.id)}
                    aria-pressed={if pressed { "true" } else { "false" }} onclick={pick(index)}>
                { lesson.title.get(lang) }
            </button>
        }
    });
    let body = match (*chosen).clone() {
        None => {
            html! { <p class="status empty">{ t("Pick a lesson: each builds its own cluster here, step by step, and checks each step on what ECS reports.") }</p> }
        }
        Some((index, done, name)) => {
            let lesson = &LESSONS[index];
            let run = {
                let (live, cluster, busy) =
                    (props.live.clone(), props.cluster.clone(), busy.clone());
                let name = name.clone();
                Callback::from(move |_| {
                    let Some(step) = lesson.steps.get(done) else {
                        return;
                    };
                    let calls = (step.calls)(&name, &live.snapshot);
                    let (live, cluster, busy) = (live.clone(), cluster.clone(), busy.clone());
                    busy.set(true);
                    wasm_bindgen_futures::spawn_local(async move {
                        for call in calls {
                            let outcome = api::perform(&call).await;
                            let failed = outcome.is_err();
                            live.dispatch(Action::Outcome(outcome));
                            if failed {
                                break;
                            }
                        }
                        busy.set(false);
                        refresh(&live, &cluster);
                    });
                })
            };
            let steps = lesson.steps.iter().enumerate().map(|(i, step)| {
                let (class, mark) = match i.cmp(&done) {
                    std::cmp::Ordering::Less => ("step done", "✓ "),
                    std::cmp::Ordering::Equal => ("step current", "→ "),
                    std::cmp::Ordering::Greater => ("step", ""),
                };
                // Numbered explicitly: Chromium miscounts an <ol> whose items Yew has moved
                // (seen as 2, 3 ... after playing lessons of other lengths).
                html! { <li class={class} value={(i + 1).to_string()}>{ mark }{ step.text.get(lang) }</li> }
            });
            let finished = done == lesson.steps.len();
            let has_calls = lesson
                .steps
                .get(done)
                .is_some_and(|s| !(s.calls)(&name, &props.live.snapshot).is_empty());
            html! {
                <>
                    <h3>{ lesson.title.get(lang) }</h3>
                    <ol class="steps" id="lesson-steps">{ for steps }</ol>
                    if finished {
                        <p class="status valid" id="lesson-complete">{ t("Lesson complete.") }</p>
                    } else if has_calls {
                        <button type="button" id="lesson-do" disabled={*busy} onclick={run}>{ t("Do it for me") }</button>
                    } else {
                        <p class="status empty" id="lesson-wait">{ t("Nothing to do but wait: ECS is at work (speed the clock up).") }</p>
                    }
                </>
            }
        }
    };
    html! {
        <section class="guide" aria-label="Lessons">
            <h2>{ t("Lessons") }</h2>
            <div class="lesson-list">{ for list }</div>
            { body }
        </section>
    }
}

/// The clock's controls: pause, 1×, 10×, 100×, and a step to the next thing that happens.
#[function_component(TimeBar)]
pub fn time_bar(props: &Props) -> Html {
    let _lang = use_context::<Lang>();
    let clock = props.live.clock.clone().unwrap_or_default();
    let speed = props.live.clock.as_ref().map(|c| c.speed);
    let adjustable = clock.adjustable;
    let set = |request: ClockRequest| {
        let live = props.live.clone();
        Callback::from(move |_| {
            let (live, request) = (live.clone(), request.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::clock(request).await {
                    Ok(clock) => live.dispatch(Action::Clock(clock)),
                    Err(error) => live.dispatch(Action::Outcome(Err(error))),
                }
            });
        })
    };
    let button = |label: &'static str, id: &'static str, value: u32| {
        let pressed = if speed == Some(value) {
            "true"
        } else {
            "false"
        };
        html! {
            <button type="button" class="small" {id} aria-pressed={pressed}
                    disabled={!adjustable} onclick={set(ClockRequest { speed: Some(value.into()), ..ClockRequest::default() })}>{ label }</button>
        }
    };
    // Scrubbing covers the last hour, or back to the earliest time the journal still holds.
    let now = clock.now;
    let earliest = clock.earliest.max(now.saturating_sub(3_600_000));
    let rewind = {
        let live = props.live.clone();
        Callback::from(move |event: Event| {
            let to: u64 = event
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .value()
                .parse()
                .unwrap_or(0);
            let live = live.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let request = ClockRequest {
                    rewind_to: Some(to.into()),
                    ..ClockRequest::default()
                };
                match api::clock(request).await {
                    Ok(clock) => live.dispatch(Action::Clock(clock)),
                    Err(error) => live.dispatch(Action::Outcome(Err(error))),
                }
            });
        })
    };
    let time = props
        .live
        .clock
        .as_ref()
        .map(|c| {
            js_sys::Date::new(&(c.now as f64).into())
                .to_iso_string()
                .as_string()
                .unwrap_or_default()
        })
        .unwrap_or_default();
    html! {
        <span class="time-bar" role="group" aria-label="Time">
            { t(" Time: ") }<time id="clock-now">{ time.replace('T', " ").trim_end_matches('Z').get(..19).unwrap_or_default().to_owned() }</time>{ " " }
            { button(t("Pause"), "clock-pause", 0) }
            { button("1×", "clock-1", 1) }
            { button("10×", "clock-10", 10) }
            { button("100×", "clock-100", 100) }
            <button type="button" class="small" id="clock-step" disabled={!adjustable}
                    onclick={set(ClockRequest { step: true, ..ClockRequest::default() })} title={t("Jump to the next thing that happens")}>{ t("Next") }</button>
            if adjustable && now > earliest {
                <label class="rewind" title={t("Drag back and let go: everything after that time is forgotten and the fleet is replayed up to it")}>
                    { t(" Rewind ") }
                    <input type="range" id="clock-rewind" min={earliest.to_string()} max={now.to_string()}
                           step="1000" value={now.to_string()} onchange={rewind} />
                </label>
            }
        </span>
    }
}
