//! The live view of a `berth serve` (or of the control plane in the page): its fleet (virtual instances, and Docker agents' real
//! ones), services, tasks and events as they happen, and forms for what a user does with the
//! AWS CLI (run a task, create or update a service, drain an instance, link a Docker agent).
//! Components render [`LiveState`] and call ECS's API; no ECS rule lives here.

use std::cell::RefCell;
use std::rc::Rc;

use berth_model::views::{ClockRequest, ExplainRequest};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api;
use crate::forms;
use crate::live::{
    Action, BalancerView, InstanceView, Invoked, Link, LiveState, ServiceView, ShiftView, TaskBlock,
};

pub(crate) type Live = UseReducerHandle<LiveState>;

/// Fetches a fresh look at the chosen cluster, and the clock.
pub(crate) fn refresh(live: &Live, cluster: &Rc<RefCell<String>>) {
    let live = live.clone();
    let cluster = cluster.borrow().clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(clock) = api::clock(ClockRequest::default()).await {
            live.dispatch(Action::Clock(clock));
        }
        match api::snapshot(&cluster).await {
            Ok(snapshot) => live.dispatch(Action::Loaded {
                snapshot,
                at: js_sys::Date::now().max(0.0) as u64,
            }),
            Err(error) => live.dispatch(Action::Unavailable(error)),
        }
    });
}

/// Asks why the next task would go where it would, and shows the answer.
fn explain(live: &Live, request: ExplainRequest) {
    let live = live.clone();
    wasm_bindgen_futures::spawn_local(async move {
        match api::explain(request).await {
            Ok(explanation) => live.dispatch(Action::Explained(Some(explanation))),
            Err(error) => live.dispatch(Action::Outcome(Err(error))),
        }
    });
}

/// This page with a session in its fragment (`#session=<JSON, URI-encoded>`).
fn share_link(session: &Value) -> String {
    let location = web_sys::window().map(|w| w.location());
    let base = location
        .map(|l| {
            format!(
                "{}{}",
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let encoded: String = js_sys::encode_uri_component(&session.to_string()).into();
    format!("{base}#session={encoded}")
}

/// The session a share link opened the page with, if any.
fn shared_session() -> Option<Value> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let encoded = hash.strip_prefix("#session=")?;
    let text: String = js_sys::decode_uri_component(encoded).ok()?.into();
    serde_json::from_str(&text).ok()
}

/// The cluster shown, as commands for a real account and as a share link.
async fn export(snapshot: &crate::live::Snapshot) -> Result<String, String> {
    let definitions = api::latest_task_definitions().await?;
    let groups = crate::export::target_groups(&snapshot.services);
    let load_balancing = api::load_balancing(&groups).await?;
    let built = crate::export::Built {
        cluster: &snapshot.cluster,
        task_definitions: &definitions,
        instances: &snapshot.instances,
        services: &snapshot.services,
        load_balancing: &load_balancing["rebuild"],
        names: &load_balancing["names"],
    };
    let link = share_link(&built.session());
    Ok(format!(
        "# Share: this link rebuilds the cluster in any Berth playground that opens it (in the page, or on a berth serve)\n{link}\n\n{}",
        built.commands()
    ))
}

/// Offers to rebuild the cluster a share link carries: its calls, made here one by one.
#[function_component(SharedSession)]
fn shared_session_banner(props: &Props) -> Html {
    let session = use_state(shared_session);
    let Some(shared) = (*session).clone() else {
        return html! { <p class="hidden"></p> };
    };
    let calls = crate::export::session_calls(&shared);
    let cluster_name = shared["cluster"].as_str().unwrap_or("default").to_owned();
    let rebuild = {
        let (live, cluster, session) = (props.live.clone(), props.cluster.clone(), session.clone());
        let (calls, name) = (calls.clone(), cluster_name.clone());
        Callback::from(move |_| {
            let (live, cluster, session) = (live.clone(), cluster.clone(), session.clone());
            let (calls, name) = (calls.clone(), name.clone());
            session.set(None);
            if let Some(window) = web_sys::window() {
                let _ = window.location().set_hash("");
            }
            wasm_bindgen_futures::spawn_local(async move {
                let mut outcome = Ok(format!("Rebuilt cluster {name}: {} calls.", calls.len()));
                for call in calls {
                    if let Err(error) = api::perform(&call).await {
                        outcome = Err(format!("{}: {error}", call.name()));
                        break;
                    }
                }
                live.dispatch(Action::Outcome(outcome));
                *cluster.borrow_mut() = name.clone();
                live.dispatch(Action::Cluster(name));
                refresh(&live, &cluster);
            });
        })
    };
    html! {
        <p class="status valid" id="shared-session">
            { format!("{} {cluster_name} ({} {}). ", crate::i18n::t("This link carries the cluster"), calls.len(), crate::i18n::t("AWS calls")) }
            <button type="button" id="shared-rebuild" onclick={rebuild}>{ crate::i18n::t("Rebuild it here") }</button>
        </p>
    }
}

/// Calls an operation, shows its outcome, and refreshes.
fn act(live: &Live, cluster: &Rc<RefCell<String>>, operation: &'static str, body: Value) {
    let (live, cluster) = (live.clone(), cluster.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let outcome = api::call(operation, body)
            .await
            .and_then(|response| forms::outcome(operation, &response));
        live.dispatch(Action::Outcome(outcome));
        refresh(&live, &cluster);
    });
}

fn value(input: &NodeRef) -> String {
    input
        .cast::<HtmlInputElement>()
        .map(|i| i.value().trim().to_owned())
        .unwrap_or_default()
}

fn number(input: &NodeRef) -> Option<i64> {
    value(input).parse().ok()
}

/// A select's chosen value.
fn picked(select: &NodeRef) -> String {
    select
        .cast::<web_sys::HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

fn checked(input: &NodeRef) -> bool {
    input
        .cast::<HtmlInputElement>()
        .is_some_and(|i| i.checked())
}

fn text(area: &NodeRef) -> String {
    area.cast::<web_sys::HtmlTextAreaElement>()
        .map(|a| a.value())
        .unwrap_or_default()
}

/// The live view.
#[function_component(Fleet)]
pub fn fleet() -> Html {
    let _lang = use_context::<crate::i18n::Lang>();
    let live = use_reducer(LiveState::default);
    let cluster = use_mut_ref(|| "default".to_owned());
    {
        // Refresh every 2 s, and soon after anything the event stream reports.
        let (live, cluster) = (live.clone(), cluster.clone());
        use_effect_with((), move |_| {
            refresh(&live, &cluster);
            let pending = Rc::new(RefCell::new(false));
            let tick = {
                let (live, cluster) = (live.clone(), cluster.clone());
                Closure::<dyn Fn()>::new(move || refresh(&live, &cluster))
            };
            let window = web_sys::window().expect("a window");
            let interval = window
                .set_interval_with_callback_and_timeout_and_arguments_0(
                    tick.as_ref().unchecked_ref(),
                    2000,
                )
                .unwrap_or(0);
            let soon = {
                let (live, cluster, pending) = (live.clone(), cluster.clone(), pending.clone());
                Rc::new(Closure::<dyn Fn()>::new(move || {
                    *pending.borrow_mut() = false;
                    refresh(&live, &cluster);
                }))
            };
            let socket = {
                let live = live.clone();
                api::follow_events(
                    move |message| {
                        let is_log = message["detail-type"] == "Berth Container Log";
                        live.dispatch(Action::Streamed(message));
                        if !is_log && !pending.replace(true) {
                            if let Some(window) = web_sys::window() {
                                let _ = window
                                    .set_timeout_with_callback_and_timeout_and_arguments_0(
                                        (*soon).as_ref().unchecked_ref(),
                                        300,
                                    );
                            }
                        }
                    },
                    || {},
                )
                .ok()
                .flatten()
            };
            move || {
                window.clear_interval_with_handle(interval);
                drop(tick);
                if let Some(socket) = socket {
                    let _ = socket.close();
                }
            }
        });
    }

    let status = match &live.link {
        Link::Unknown => {
            html! { <p id="live-status" class="status empty">{ crate::i18n::t("Connecting to berth serve...") }</p> }
        }
        Link::Connected if api::is_local() => html! {
            <p id="live-status" class="status valid" data-engine="page">
                { format!("{} {} {} ({} {}, {} {}). {} ",
                    crate::i18n::t("Live: cluster"), live.snapshot.cluster, crate::i18n::t("in this page"),
                    live.snapshot.tiles.as_ref().map_or(live.snapshot.instances.len(), |t| t.len()), crate::i18n::t("instances"),
                    live.snapshot.services.len(), crate::i18n::t("services"),
                    crate::i18n::t("No server: ECS's control plane and the virtual fleet run in your browser, and this browser keeps the session.")) }
                if !api::session_kept() {
                    <strong id="session-unsaved">{ crate::i18n::t(" This browser's storage is full: the session is not being kept, and a reload would lose it. ") }</strong>
                }
                <button type="button" id="start-over" class="small" onclick={Callback::from(|_| {
                    api::reset_local();
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().reload();
                    }
                })}>{ crate::i18n::t("Start over") }</button>
            </p>
        },
        Link::Connected => html! {
            <p id="live-status" class="status valid" data-engine="server">
                { format!("{} {} {} ({} {}, {} {}). {}",
                    crate::i18n::t("Live: cluster"), live.snapshot.cluster, crate::i18n::t("on this berth serve"),
                    live.snapshot.tiles.as_ref().map_or(live.snapshot.instances.len(), |t| t.len()), crate::i18n::t("instances"),
                    live.snapshot.services.len(), crate::i18n::t("services"),
                    crate::i18n::t("Changes made with the AWS CLI show here as they happen.")) }
            </p>
        },
        Link::Unavailable(why) => html! {
            <p id="live-status" class="status invalid">
                { format!("No berth serve answers ({why}). The live view needs the page served by `berth serve` (scripts/serve does that).") }
            </p>
        },
    };
    let on_cluster = {
        let (live, cluster) = (live.clone(), cluster.clone());
        Callback::from(move |event: Event| {
            let name = event
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            *cluster.borrow_mut() = name.clone();
            live.dispatch(Action::Cluster(name));
            refresh(&live, &cluster);
        })
    };
    let clusters = live.snapshot.clusters.iter().map(|c| {
        html! { <option value={c.clone()} selected={*c == live.snapshot.cluster}>{ c }</option> }
    });
    // Always one element: Yew matches unkeyed children from the end, so a paragraph that came
    // and went would remount the forms before it and clear what the user typed.
    let outcome = match &live.outcome {
        Some(Ok(text)) => html! { <p id="live-outcome" class="status valid">{ text }</p> },
        Some(Err(text)) => html! { <p id="live-outcome" class="status invalid">{ text }</p> },
        None => html! { <p class="status empty"></p> },
    };
    let zones = live.zones();
    let fargate = live.unplaced_tasks(true);
    let waiting = live.unplaced_tasks(false);
    let select = {
        let live = live.clone();
        Callback::from(move |arn: String| live.dispatch(Action::Select(Some(arn))))
    };

    let export = {
        let live = live.clone();
        Callback::from(move |_| {
            let live = live.clone();
            wasm_bindgen_futures::spawn_local(async move {
                live.dispatch(match export(&live.snapshot).await {
                    Ok(text) => Action::Exported(Some(text)),
                    Err(error) => Action::Outcome(Err(error)),
                });
            });
        })
    };
    // The fleet switch: drain one kind of instance, activate the other (ECS's own way of
    // moving tasks), in one go.
    let mode = live.fleet_mode();
    let switch = |label: &'static str, docker: Option<bool>, id: &'static str| {
        let (live, cluster) = (live.clone(), cluster.clone());
        let onclick = Callback::from(move |_| {
            let (drain, activate) = live.switch_to(docker);
            let (live, cluster) = (live.clone(), cluster.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let name = cluster.borrow().clone();
                let mut outcome = Ok(format!(
                    "Fleet switched: {} instance(s) draining, {} activated.",
                    drain.len(),
                    activate.len()
                ));
                for (status, arns) in [("DRAINING", drain), ("ACTIVE", activate)] {
                    if arns.is_empty() {
                        continue;
                    }
                    let body =
                        json!({"cluster": name, "containerInstances": arns, "status": status});
                    if let Err(error) = api::call("UpdateContainerInstancesState", body).await {
                        outcome = Err(error);
                    }
                }
                live.dispatch(Action::Outcome(outcome));
                refresh(&live, &cluster);
            });
        });
        let pressed = if mode == docker { "true" } else { "false" };
        html! { <button type="button" {id} class="small" aria-pressed={pressed} {onclick}>{ crate::i18n::t(label) }</button> }
    };
    html! {
        <div class="live">
            { status }
            <div class="live-bar">
                <label>{ crate::i18n::t("Cluster ") }<select id="live-cluster" onchange={on_cluster}>{ for clusters }</select></label>
                { " " }<button type="button" id="export" class="small" onclick={export}>{ crate::i18n::t("Export as aws ecs commands") }</button>
                <span class="fleet-switch" role="group" aria-label="Run tasks on">
                    { crate::i18n::t(" Run tasks on: ") }
                    { switch("Virtual instances", Some(false), "fleet-virtual") }
                    { switch("Docker instances", Some(true), "fleet-docker") }
                    { switch("Both", None, "fleet-both") }
                </span>
                <crate::guide_panel::TimeBar live={live.clone()} cluster={cluster.clone()} />
            </div>
            <SharedSession live={live.clone()} cluster={cluster.clone()} />
            <crate::guide_panel::Guide live={live.clone()} cluster={cluster.clone()} />
            <Forms live={live.clone()} cluster={cluster.clone()} />
            { outcome }
            { render_explanation(&live) }
            { render_export(&live) }
            <section class="fleet" aria-label="Fleet">
                <h2>{ crate::i18n::t("Container instances") }</h2>
                if let Some(tiles) = &live.snapshot.tiles {
                    <crate::canvas_view::FleetCanvas tiles={tiles.clone()} />
                } else if zones.is_empty() {
                    <p class="status empty">{ crate::i18n::t("No container instances in this cluster.") }</p>
                }
                { for zones.iter().map(|(zone, instances)| html! {
                    <div class="zone">
                        <h3>{ if zone.is_empty() { "no zone" } else { zone } }</h3>
                        <div class="instances">
                            { for instances.iter().map(|i| render_instance(i, &live, &cluster, &select)) }
                        </div>
                    </div>
                }) }
                if !fargate.is_empty() {
                    <div class="zone"><h3>{ "Fargate" }</h3>
                        <div class="blocks">{ for fargate.iter().map(|t| render_block(t, &select)) }</div>
                    </div>
                }
                if !waiting.is_empty() {
                    <div class="zone" id="waiting-for-capacity">
                        <h3>{ crate::i18n::t("Waiting for capacity (PROVISIONING)") }</h3>
                        <div class="blocks">{ for waiting.iter().map(|t| render_block(t, &select)) }</div>
                    </div>
                }
            </section>
            { render_plot(&live) }
            if let Some(clock) = &live.clock {
                <crate::scaling::ScalingPlots cluster={live.snapshot.cluster.clone()} now={clock.now}
                    services={live.snapshot.services.clone()} load_balancers={live.snapshot.load_balancers.clone()} />
            }
            <section class="services" aria-label="Services">
                <h2>{ crate::i18n::t("Services") }</h2>
                if live.snapshot.services.is_empty() {
                    <p class="status empty">{ crate::i18n::t("No services yet.") }</p>
                }
                { for live.services().iter().map(|s| render_service(s, &live, &cluster)) }
            </section>
            if !live.snapshot.load_balancers.is_empty() {
                <section class="balancers" aria-label="Load balancers">
                    <h2>{ crate::i18n::t("Load balancers") }</h2>
                    { for live.load_balancers().iter().map(|b| render_balancer(b, &live, &cluster, &select)) }
                </section>
            }
            <Inspector live={live.clone()} cluster={cluster.clone()} />
            <section class="timeline" aria-label="Events">
                <h2>{ crate::i18n::t("Events") }</h2>
                <ol id="live-events" class="log">
                    { for live.events.iter().map(|(time, kind, what)| html! {
                        <li class="line change"><time>{ time }</time>{ " " }<span class="kind">{ kind }</span>{ " " }<span>{ what }</span></li>
                    }) }
                </ol>
            </section>
        </div>
    }
}

/// "Why here, why not there": the scheduler's verdict on every instance for the next task.
/// Always one element (see the outcome paragraph for why).
fn render_explanation(live: &Live) -> Html {
    let Some(explanation) = &live.explanation else {
        return html! { <section id="explain" class="explain hidden"></section> };
    };
    let close = {
        let live = live.clone();
        Callback::from(move |_| live.dispatch(Action::Explained(None)))
    };
    html! {
        <section id="explain" class="explain" aria-label="Placement explained">
            <h2>{ format!("{} {}", crate::i18n::t("Where the next task would go:"), explanation.group) }</h2>
            <p id="explain-summary">{ &explanation.summary }</p>
            if let Some(closest) = &explanation.closest_match {
                <p id="explain-closest" class="status invalid">{ closest }</p>
            }
            if explanation.tied > 1 {
                <p class="muted">{ format!("{} {}", explanation.tied, crate::i18n::t("instances tie on every strategy; the scheduler's seeded draw picks this one, as placing the task now would.")) }</p>
            }
            <table class="deployments">
                <thead><tr><th>{ crate::i18n::t("Instance") }</th><th>{ crate::i18n::t("Zone") }</th><th>{ crate::i18n::t("Verdict") }</th><th>{ crate::i18n::t("Why") }</th><th>{ crate::i18n::t("Strategy keys (lower wins)") }</th></tr></thead>
                <tbody>
                    { for explanation.instances.iter().map(|row| html! {
                        <tr class={classes!("verdict", row.verdict.as_str())}>
                            <td>{ crate::live::short(&row.container_instance_arn).get(..8).unwrap_or_default() }</td>
                            <td>{ row.availability_zone.as_deref().unwrap_or_default() }</td>
                            <td>{ row.verdict.as_str() }</td>
                            <td>{ &row.detail }</td>
                            <td>{ serde_json::to_string(&row.keys).unwrap_or_default() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <button type="button" class="small" onclick={close}>{ crate::i18n::t("Close") }</button>
        </section>
    }
}

/// The cluster as `aws ecs` commands for real ECS. Always one element.
fn render_export(live: &Live) -> Html {
    let Some(text) = &live.export else {
        return html! { <section class="explain hidden"></section> };
    };
    let close = {
        let live = live.clone();
        Callback::from(move |_| live.dispatch(Action::Exported(None)))
    };
    html! {
        <section class="explain" aria-label="Export">
            <h2>{ crate::i18n::t("This cluster as aws ecs commands") }</h2>
            <p class="muted">{ crate::i18n::t("Task definitions as RegisterTaskDefinition input (the latest revision of each family), the cluster, and each service as CreateService input, ready for a real account.") }</p>
            <pre id="export-commands" class="registered">{ text }</pre>
            <button type="button" class="small" onclick={close}>{ crate::i18n::t("Close") }</button>
        </section>
    }
}

/// The cluster's CPU and memory reservation over the last minutes, as percentages.
fn render_plot(live: &LiveState) -> Html {
    let (width, height) = (600, 80);
    let now = live.history.last().copied().unwrap_or_default();
    let percent = |(used, total): (i64, i64)| if total > 0 { used * 100 / total } else { 0 };
    html! {
        <section class="plot" aria-label="Reservation over time">
            <h2>{ crate::i18n::t("Reservation over time") }</h2>
            <svg id="reservation-plot" width={width.to_string()} height={height.to_string()}
                viewBox={format!("0 0 {width} {height}")} role="img"
                aria-label={format!("CPU {}% and memory {}% reserved now", percent(now.cpu), percent(now.memory))}>
                <rect x="0" y="0" width={width.to_string()} height={height.to_string()} class="plot-bg" />
                <polyline class="plot-cpu" points={live.plot(width, height, false)} />
                <polyline class="plot-memory" points={live.plot(width, height, true)} />
            </svg>
            <p class="muted">
                <span class="key-cpu">{ format!("CPU {}%", percent(now.cpu)) }</span>
                { " · " }
                <span class="key-memory">{ format!("memory {}%", percent(now.memory)) }</span>
                { crate::i18n::t(" reserved of the cluster's registered resources") }
                { " · " }{ crate::i18n::t("a sample every 2 s") }{ " · " }
                { format!("{} ", live.history.len()) }{ crate::i18n::t("shown") }
            </p>
        </section>
    }
}

fn bar(label: &str, (used, total): (i64, i64), unit: &str) -> Html {
    let percent = if total > 0 { used * 100 / total } else { 0 };
    html! {
        <div class="bar" title={format!("{label}: {used} of {total} {unit} reserved")}>
            <span class="bar-label">{ format!("{label} {used}/{total}") }</span>
            <span class="bar-fill" style={format!("width:{percent}%")}></span>
        </div>
    }
}

fn render_block(task: &TaskBlock, select: &Callback<String>) -> Html {
    let onclick = {
        let (select, arn) = (select.clone(), task.arn.clone());
        Callback::from(move |_| select.emit(arn.clone()))
    };
    // Blocks grow with the memory they reserve (at least a minimum to stay clickable).
    let width = (40 + task.memory / 8).clamp(60, 240);
    html! {
        <button type="button" class={classes!("block", format!("c{}", task.colour), task.last_status.to_ascii_lowercase())}
            data-task={task.id.clone()} style={format!("width:{width}px")} {onclick}
            title={format!("task {} {} ({}), {} CPU units, {} MiB{}", task.id, task.last_status, task.revision, task.cpu, task.memory,
                if task.desired_status == "STOPPED" { ", stopping" } else { "" })}>
            <span>{ &task.revision }</span><small>{ &task.last_status }</small>
        </button>
    }
}

fn render_instance(
    instance: &InstanceView,
    live: &Live,
    cluster: &Rc<RefCell<String>>,
    select: &Callback<String>,
) -> Html {
    let state_button = |label: &'static str, status: &'static str| {
        let (live, cluster, arn) = (live.clone(), cluster.clone(), instance.arn.clone());
        let onclick = Callback::from(move |_| {
            let name = cluster.borrow().clone();
            act(
                &live,
                &cluster,
                "UpdateContainerInstancesState",
                json!({"cluster": name, "containerInstances": [arn], "status": status}),
            );
        });
        html! { <button type="button" class="small" {onclick}>{ crate::i18n::t(label) }</button> }
    };
    // ECS refuses to deregister an instance that still runs tasks unless forced: drain first.
    let deregister = {
        let (live, cluster, arn) = (live.clone(), cluster.clone(), instance.arn.clone());
        Callback::from(move |_| {
            let name = cluster.borrow().clone();
            act(
                &live,
                &cluster,
                "DeregisterContainerInstance",
                json!({"cluster": name, "containerInstance": arn}),
            );
        })
    };
    let ports = instance.ports.iter().map(|p| {
        let class = classes!("port", if p.dynamic { "dynamic" } else { "static" });
        let title = format!("{} host port {}/{} used by task {}", if p.dynamic { "dynamic" } else { "static" }, p.port, p.protocol, p.task);
        match &p.url {
            Some(url) => html! { <a {class} {title} href={url.clone()} target="_blank" rel="noopener">{ p.port }</a> },
            None => html! { <span {class} {title}>{ p.port }</span> },
        }
    });
    html! {
        <article class={classes!("instance", instance.status.to_ascii_lowercase(), (!instance.connected).then_some("disconnected"))}
            data-instance={instance.id.clone()}>
            <header>
                <strong>{ &instance.id }</strong>
                <span class="muted">{ format!(" {} {}", instance.instance_type, instance.ec2_id) }</span>
                <span class="badge">{ &instance.status }</span>
                if !instance.connected { <span class="badge bad">{ crate::i18n::t("agent disconnected") }</span> }
            </header>
            { bar("CPU", instance.cpu, "units") }
            { bar("Memory", instance.memory, "MiB") }
            <div class="blocks">{ for instance.tasks.iter().map(|t| render_block(t, select)) }</div>
            <div class="ports">
                <span class="muted">{ crate::i18n::t("Host ports: ") }</span>
                if instance.ports.is_empty() { <span class="muted">{ crate::i18n::t("none in use") }</span> }
                { for ports }
            </div>
            <div class="instance-actions">
                if instance.status == "ACTIVE" { { state_button("Drain", "DRAINING") } } else { { state_button("Activate", "ACTIVE") } }
                <button type="button" class="small" onclick={deregister}>{ crate::i18n::t("Deregister") }</button>
                if !instance.docker {
                    { fleet_button(live, cluster, "Terminate", json!({"action": "terminate", "containerInstance": instance.arn})) }
                    if instance.connected {
                        { fleet_button(live, cluster, "Disconnect agent", json!({"action": "disconnect", "containerInstance": instance.arn})) }
                    } else {
                        { fleet_button(live, cluster, "Reconnect agent", json!({"action": "reconnect", "containerInstance": instance.arn})) }
                    }
                }
            </div>
        </article>
    }
}

/// A button that does something to the virtual world (`POST /berth/fleet`).
fn fleet_button(
    live: &Live,
    cluster: &Rc<RefCell<String>>,
    label: &'static str,
    action: Value,
) -> Html {
    let (live, cluster) = (live.clone(), cluster.clone());
    let onclick = Callback::from(move |_| fleet_act(&live, &cluster, action.clone()));
    html! { <button type="button" class="small fault" {onclick}>{ crate::i18n::t(label) }</button> }
}

/// Does something to the virtual world, shows the outcome, and refreshes.
fn fleet_act(live: &Live, cluster: &Rc<RefCell<String>>, action: Value) {
    let (live, cluster) = (live.clone(), cluster.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let what = action["action"].as_str().unwrap_or_default().to_owned();
        let outcome = api::fleet(action).await.map(|_| format!("{what}: done"));
        live.dispatch(Action::Outcome(outcome));
        refresh(&live, &cluster);
    });
}

fn render_service(service: &ServiceView, live: &Live, cluster: &Rc<RefCell<String>>) -> Html {
    let (desired, running, pending) = service.counts;
    let why = {
        let (live, cluster, name) = (live.clone(), cluster.clone(), service.name.clone());
        Callback::from(move |_| {
            let request = ExplainRequest {
                cluster: Some(cluster.borrow().clone()),
                service: Some(name.clone()),
                task_definition: None,
            };
            explain(&live, request);
        })
    };
    html! {
        <article class="service" data-service={service.name.clone()}>
            <header>
                <strong>{ &service.name }</strong>
                <span class="muted">{ format!(" {} · {} · desired {desired}, running {running}, pending {pending}", service.status, service.task_definition) }</span>
                { " " }<button type="button" class="small explain" onclick={why}>{ crate::i18n::t("Where would the next task go?") }</button>
            </header>
            if let Some(shift) = &service.shift {
                { render_shift(shift, live, cluster) }
            }
            <table class="deployments">
                <thead><tr><th>{ crate::i18n::t("Deployment") }</th><th>{ crate::i18n::t("Task definition") }</th><th>{ crate::i18n::t("Desired") }</th><th>{ crate::i18n::t("Running") }</th><th>{ crate::i18n::t("Pending") }</th><th>{ crate::i18n::t("Rollout") }</th></tr></thead>
                <tbody>
                    { for service.deployments.iter().map(|d| html! {
                        <tr><td>{ &d.status }</td><td>{ &d.task_definition }</td><td>{ d.counts.0 }</td><td>{ d.counts.1 }</td><td>{ d.counts.2 }</td><td>{ &d.rollout }</td></tr>
                    }) }
                </tbody>
            </table>
            <ol class="service-events">
                { for service.events.iter().map(|e| html! { <li>{ e }</li> }) }
            </ol>
        </article>
    }
}

/// A deployment as its stage machine: the stages with the current one lit, the new
/// revision's share of production traffic as a bar (a traffic shift's), the bake's time left,
/// and each hook awaiting action with Continue and Roll back.
fn render_shift(shift: &ShiftView, live: &Live, cluster: &Rc<RefCell<String>>) -> Html {
    let stages = crate::live::stages(&shift.strategy);
    let shifting = stages.len() == crate::live::STAGES.len();
    let at = stages.iter().position(|s| *s == shift.stage).unwrap_or(0);
    let finished = shift.status != "IN_PROGRESS";
    // RECONCILE_SERVICE happens only when a superseded deployment left tasks: never "done".
    let stage_class = |i: usize| {
        if i > 0 && (i < at || (i == at && finished)) {
            "done"
        } else if i == at && !finished {
            "current"
        } else {
            ""
        }
    };
    let mut about = format!("{} · {}", shift.strategy, shift.status);
    if shifting {
        about += &format!(
            " · {} {}% · {} {}%",
            crate::i18n::t("production"),
            shift.production,
            crate::i18n::t("test"),
            shift.test
        );
    }
    if let (Some(ends), Some(clock)) = (shift.bake_ends, live.clock.as_ref()) {
        let s = ends.saturating_sub(clock.now).div_ceil(1000);
        about += &format!(
            " · {} {}:{:02}",
            crate::i18n::t("bake time left"),
            s / 60,
            s % 60
        );
    }
    let answer = |hook: &str, action: &'static str| {
        let (live, cluster) = (live.clone(), cluster.clone());
        let body = json!({"serviceDeploymentArn": shift.arn, "hookId": hook, "action": action});
        Callback::from(move |_| act(&live, &cluster, "ContinueServiceDeployment", body.clone()))
    };
    html! {
        <div class="shift" data-stage={shift.stage.clone()} data-status={shift.status.clone()}>
            <ol class="stages">
                { for stages.iter().enumerate().map(|(i, s)| html! { <li class={stage_class(i)}>{ *s }</li> }) }
            </ol>
            if shifting {
                <div class="weights">
                    <span class="new" style={format!("width:{}%", shift.production)}></span>
                </div>
            }
            <p class="muted">{ about }</p>
            if let Some((status, names, triggered)) = &shift.alarms {
                <p class={if triggered.is_empty() { "alarms" } else { "alarms triggered" }} data-alarms={status.clone()}>
                    { crate::i18n::t("Deployment alarms:") }{ " " }<code>{ status }</code>
                    { for names.iter().map(|name| html! {
                        <>{ " " }<span class={if triggered.contains(name) { "alarm in-alarm" } else { "alarm" }}>
                            { name }{ if triggered.contains(name) { " (ALARM)" } else { "" } }
                        </span></>
                    }) }
                </p>
            }
            { for shift.awaiting.iter().map(|hook| html! {
                <p class="hook">
                    { crate::i18n::t("Paused at a lifecycle hook:") }{ " " }<code>{ hook }</code>{ " " }
                    <button type="button" class="small continue" onclick={answer(hook, "CONTINUE")}>{ crate::i18n::t("Continue") }</button>
                    { " " }
                    <button type="button" class="small rollback" onclick={answer(hook, "ROLLBACK")}>{ crate::i18n::t("Roll back") }</button>
                </p>
            }) }
            { for shift.invoked.iter().map(|hook| render_lambda_hook(hook, live, cluster)) }
        </div>
    }
}

/// An AWS_LAMBDA hook in progress. Berth has no Lambda: while an invocation waits and no
/// endpoint answers for the function, the person at the page answers as the function would
/// (a `hook-answer` fleet action); the event ECS sent is shown.
fn render_lambda_hook(hook: &Invoked, live: &Live, cluster: &Rc<RefCell<String>>) -> Html {
    let reply = |attempt: u64, returned: Value| {
        let (live, cluster) = (live.clone(), cluster.clone());
        let action = json!({"action": "hook-answer", "executionId": hook.hook_id,
                            "attempt": attempt, "reply": {"returned": returned}});
        Callback::from(move |_| fleet_act(&live, &cluster, action.clone()))
    };
    let t = crate::i18n::t;
    html! {
        <div class="hook lambda" data-hook={hook.hook_id.clone()}>
            <p>
                { t("Lambda hook in progress:") }{ " " }<code>{ &hook.function }</code>{ " · " }
                if let Some((attempt, endpoint, _)) = &hook.waiting {
                    { t("invocation {} waits for its answer.").replace("{}", &attempt.to_string()) }{ " " }
                    if let Some(endpoint) = endpoint {
                        { t("Its endpoint answers:") }{ " " }<code>{ endpoint }</code>
                    } else {
                        { t("Answer as the function would:") }{ " " }
                        <button type="button" class="small succeeded" onclick={reply(*attempt, json!({"hookStatus": "SUCCEEDED"}))}>{ "SUCCEEDED" }</button>
                        { " " }
                        <button type="button" class="small in-progress" onclick={reply(*attempt, json!({"hookStatus": "IN_PROGRESS", "callBackDelay": 30}))}>{ t("IN_PROGRESS (call back in 30 s)") }</button>
                        { " " }
                        <button type="button" class="small failed" onclick={reply(*attempt, json!({"hookStatus": "FAILED"}))}>{ "FAILED" }</button>
                    }
                } else {
                    { t("ECS invokes it again when its call-back delay ends.") }
                }
            </p>
            if let Some((_, _, payload)) = &hook.waiting {
                <details>
                    <summary>{ t("The event ECS sent") }</summary>
                    <pre>{ serde_json::to_string_pretty(payload).unwrap_or_default() }</pre>
                </details>
            }
        </div>
    }
}

/// A load balancer: its traffic and offered load, its listeners' rules, and each target
/// group's targets with their health, drains, traffic and tasks.
fn render_balancer(
    balancer: &BalancerView,
    live: &Live,
    cluster: &Rc<RefCell<String>>,
    select: &Callback<String>,
) -> Html {
    let offer = {
        let (live, cluster) = (live.clone(), cluster.clone());
        Callback::from(move |action: Value| fleet_act(&live, &cluster, action))
    };
    let (requests, errors) = balancer.counts;
    html! {
        <article class="balancer" data-load-balancer={balancer.name.clone()}>
            <header>
                <strong>{ &balancer.name }</strong>
                <span class="muted">{ format!(" {} · {}", balancer.kind, balancer.dns_name) }</span>
            </header>
            <p class="traffic">
                <span class={if errors > 0 { "count invalid" } else { "count" }}>
                    { format!("{requests} {} · {errors} 5xx", crate::i18n::t("requests")) }
                </span>
                { " " }
                <crate::offered_load::OfferedLoad name={balancer.name.clone()} rate={balancer.requests_per_second}
                    profile={balancer.profile.clone()} on_offer={offer} />
            </p>
            <ul class="listeners">
                { for balancer.listeners.iter().map(|l| html! { <li><code>{ l }</code></li> }) }
            </ul>
            { for balancer.groups.iter().map(|g| html! {
                <div class="target-group">
                    <h3>{ &g.name }<span class="muted">{ format!(" · {} · {}", g.health_check, crate::i18n::t("drains for {} s").replace("{}", &g.deregistration_delay.to_string())) }</span></h3>
                    <ul class="targets">
                        { for g.targets.iter().map(|t| {
                            let task = t.task.clone().map(|arn| {
                                let select = select.clone();
                                let shown = crate::live::short(&arn).chars().take(8).collect::<String>();
                                let onclick = Callback::from(move |_| select.emit(arn.clone()));
                                html! { <button type="button" class="link" {onclick}>{ shown }</button> }
                            });
                            html! {
                                <li class={format!("target {}", t.state)}>
                                    <code>{ &t.target }</code>{ " " }{ for task }{ " " }
                                    <span class="health">{ &t.state }</span>
                                    { format!(" {} · {} {} · {} 5xx", t.note, t.counts.0, crate::i18n::t("requests"), t.counts.1) }
                                </li>
                            }
                        }) }
                    </ul>
                </div>
            }) }
        </article>
    }
}

#[derive(Properties, PartialEq)]
struct Props {
    live: Live,
    cluster: Rc<RefCell<String>>,
}

/// The selected task: its document, its ports as links, its logs, and Stop.
#[function_component(Inspector)]
fn inspector(props: &Props) -> Html {
    let _lang = use_context::<crate::i18n::Lang>();
    let Some(task) = props.live.selected_task() else {
        return html! {
            <section class="inspector" aria-label="Task"><h2>{ crate::i18n::t("Task") }</h2>
                <p class="status empty">{ crate::i18n::t("Click a task to see its describe-tasks document, host ports and logs.") }</p>
                { stopped_list(&props.live) }
            </section>
        };
    };
    let arn = task["taskArn"].as_str().unwrap_or_default().to_owned();
    let close = {
        let live = props.live.clone();
        Callback::from(move |_| live.dispatch(Action::Select(None)))
    };
    let stop = {
        let (live, cluster, arn) = (props.live.clone(), props.cluster.clone(), arn.clone());
        Callback::from(move |_| {
            let name = cluster.borrow().clone();
            act(
                &live,
                &cluster,
                "StopTask",
                json!({"cluster": name, "task": arn, "reason": "Stopped from the Berth playground"}),
            );
        })
    };
    let bindings = task["containers"].as_array().into_iter().flatten().flat_map(|c| {
        let name = c["name"].as_str().unwrap_or_default().to_owned();
        c["networkBindings"].as_array().cloned().unwrap_or_default().into_iter().map(move |b| {
            let ip = b["bindIP"].as_str().unwrap_or_default().to_owned();
            let host = b["hostPort"].as_u64().unwrap_or(0);
            let text = format!("{name}: {ip}:{host} → {}/{}", b["containerPort"], b["protocol"].as_str().unwrap_or("tcp"));
            if ip.starts_with("127.") {
                html! { <li><a href={format!("http://{ip}:{host}/")} target="_blank" rel="noopener">{ text }</a></li> }
            } else {
                html! { <li>{ text }</li> }
            }
        })
    });
    let logs = props.live.logs.get(&arn).cloned().unwrap_or_default();
    html! {
        <section class="inspector" aria-label="Task">
            <h2>{ format!("Task {}", crate::live::short(&arn)) }</h2>
            <div class="controls">
                if task["desiredStatus"] != "STOPPED" { <button type="button" id="task-stop" onclick={stop}>{ crate::i18n::t("Stop task") }</button> }
                if task["lastStatus"] == "RUNNING" && task["launchType"] != "FARGATE" {
                    { fleet_button(&props.live, &props.cluster, "Kill its essential container", json!({"action": "kill", "task": arn})) }
                }
                <button type="button" onclick={close}>{ crate::i18n::t("Close") }</button>
            </div>
            if let Some(reason) = task["stoppedReason"].as_str() {
                <p id="task-stopped-reason" class="status invalid">{ format!("{}: {reason}", task["stopCode"].as_str().unwrap_or("Stopped")) }</p>
            }
            if let Some(restarts) = props.live.restarts(&arn) {
                <p id="task-restarts" class="status">{ format!("{} {restarts}", crate::i18n::t("Restarted in place by its restart policy:")) }</p>
            }
            <h3>{ crate::i18n::t("Network bindings (host → container)") }</h3>
            <ul id="task-bindings">{ for bindings }</ul>
            <h3>{ crate::i18n::t("Logs") }</h3>
            <crate::task_logs::TaskLogs task={task.clone()} streamed={logs} />
            <h3>{ "describe-tasks" }</h3>
            <pre id="task-document" class="registered">{ serde_json::to_string_pretty(task).unwrap_or_default() }</pre>
        </section>
    }
}

fn stopped_list(live: &Live) -> Html {
    let stopped = live.stopped_tasks();
    if stopped.is_empty() {
        return html! {};
    }
    let select = {
        let live = live.clone();
        Callback::from(move |arn: String| live.dispatch(Action::Select(Some(arn))))
    };
    html! {
        <>
            <h3>{ crate::i18n::t("Stopped in the last hour") }</h3>
            <div class="blocks">{ for stopped.iter().map(|t| render_block(t, &select)) }</div>
        </>
    }
}

/// A form's placement strategy, constraint and memberOf expression (ids `{prefix}-strategy`,
/// `{prefix}-constraint`, `{prefix}-expression`).
fn placement_fields(
    prefix: &str,
    strategy: &NodeRef,
    constraint: &NodeRef,
    expression: &NodeRef,
) -> Html {
    html! {
        <>
            <label>{ crate::i18n::t("Strategy ") }
                <select id={format!("{prefix}-strategy")} ref={strategy.clone()}>
                    { for forms::STRATEGIES.iter().map(|(id, label)| html! { <option value={*id} selected={id.is_empty()}>{ crate::i18n::t(label) }</option> }) }
                </select></label>
            <label>{ crate::i18n::t("Constraint ") }
                <select id={format!("{prefix}-constraint")} ref={constraint.clone()}>
                    { for forms::CONSTRAINTS.iter().map(|(id, label)| html! { <option value={*id} selected={id.is_empty()}>{ crate::i18n::t(label) }</option> }) }
                </select></label>
            <label>{ "memberOf " }<input id={format!("{prefix}-expression")} ref={expression.clone()} type="text"
                                          placeholder="attribute:ecs.instance-type =~ t3.*" /></label>
        </>
    }
}

/// What a user does with the AWS CLI, as forms.
#[function_component(Forms)]
fn forms(props: &Props) -> Html {
    let _lang = use_context::<crate::i18n::Lang>();
    let td = use_node_ref();
    let count = use_node_ref();
    let group = use_node_ref();
    let run_strategy = use_node_ref();
    let run_constraint = use_node_ref();
    let run_expression = use_node_ref();
    let overrides = use_node_ref();
    let start_on = use_node_ref();
    let breaker = use_node_ref();
    let daemon = use_node_ref();
    let svc_strategy = use_node_ref();
    let svc_constraint = use_node_ref();
    let svc_expression = use_node_ref();
    let service = use_node_ref();
    let service_td = use_node_ref();
    let desired = use_node_ref();
    let min = use_node_ref();
    let max = use_node_ref();
    let agent_url = use_node_ref();
    let agent_token = use_node_ref();
    let new_type = use_node_ref();
    let new_zone = use_node_ref();
    let broken_image = use_node_ref();
    // The world's region, as its clock says (the fleet actions go there).
    let region = props
        .live
        .clock
        .as_ref()
        .map(|c| c.region.as_str())
        .filter(|r| !r.is_empty())
        .unwrap_or("us-east-1")
        .to_owned();
    let launch = {
        let (live, cluster) = (props.live.clone(), props.cluster.clone());
        let (new_type, new_zone) = (new_type.clone(), new_zone.clone());
        Callback::from(move |_| {
            let pick = |node: &NodeRef| {
                node.cast::<web_sys::HtmlSelectElement>()
                    .map(|s| s.value())
                    .unwrap_or_default()
            };
            let name = cluster.borrow().clone();
            fleet_act(
                &live,
                &cluster,
                json!({"action": "launch", "cluster": name, "instanceType": pick(&new_type),
                       "zone": pick(&new_zone)}),
            );
        })
    };
    // Break an image, or push a new one under its tag (deployments under way keep the
    // digest they pinned).
    let image_action = |action: &'static str| {
        let (live, cluster, image) = (
            props.live.clone(),
            props.cluster.clone(),
            broken_image.clone(),
        );
        Callback::from(move |_| {
            fleet_act(
                &live,
                &cluster,
                json!({"action": action, "image": value(&image)}),
            );
        })
    };
    let (unpullable, push) = (image_action("unpullable"), image_action("push"));
    let run_form = {
        let (td, count, group, overrides) =
            (td.clone(), count.clone(), group.clone(), overrides.clone());
        let (strategy, constraint, expression) = (
            run_strategy.clone(),
            run_constraint.clone(),
            run_expression.clone(),
        );
        move || forms::RunForm {
            task_definition: value(&td),
            count: number(&count),
            group: value(&group),
            placement: forms::Placement {
                strategy: picked(&strategy),
                constraint: picked(&constraint),
                expression: value(&expression),
            },
            overrides: text(&overrides),
        }
    };
    let run = {
        let (live, cluster, form) = (props.live.clone(), props.cluster.clone(), run_form.clone());
        Callback::from(move |_| {
            let name = cluster.borrow().clone();
            match form().run_task(&name) {
                Ok(body) => act(&live, &cluster, "RunTask", body),
                Err(error) => live.dispatch(Action::Outcome(Err(error))),
            }
        })
    };
    let start = {
        let (live, cluster, form, start_on) = (
            props.live.clone(),
            props.cluster.clone(),
            run_form,
            start_on.clone(),
        );
        Callback::from(move |_| {
            let name = cluster.borrow().clone();
            match form().start_task(&name, &picked(&start_on)) {
                Ok(body) => act(&live, &cluster, "StartTask", body),
                Err(error) => live.dispatch(Action::Outcome(Err(error))),
            }
        })
    };
    let why_run = {
        let (live, cluster, td) = (props.live.clone(), props.cluster.clone(), td.clone());
        Callback::from(move |_| {
            let request = ExplainRequest {
                cluster: Some(cluster.borrow().clone()),
                service: None,
                task_definition: Some(value(&td)),
            };
            explain(&live, request);
        })
    };
    let service_call = |operation: &'static str| {
        let (live, cluster) = (props.live.clone(), props.cluster.clone());
        let (service, service_td, desired, min, max, breaker, daemon) = (
            service.clone(),
            service_td.clone(),
            desired.clone(),
            min.clone(),
            max.clone(),
            breaker.clone(),
            daemon.clone(),
        );
        let (strategy, constraint, expression) = (
            svc_strategy.clone(),
            svc_constraint.clone(),
            svc_expression.clone(),
        );
        Callback::from(move |_| {
            let form = forms::ServiceForm {
                name: value(&service),
                task_definition: value(&service_td),
                desired: number(&desired),
                min: number(&min),
                max: number(&max),
                circuit_breaker: checked(&breaker),
                daemon: checked(&daemon),
                placement: forms::Placement {
                    strategy: picked(&strategy),
                    constraint: picked(&constraint),
                    expression: value(&expression),
                },
            };
            let name = cluster.borrow().clone();
            let body = form.request(&name, operation == "UpdateService");
            act(&live, &cluster, operation, body);
        })
    };
    let link = {
        let (live, cluster, url, token) = (
            props.live.clone(),
            props.cluster.clone(),
            agent_url.clone(),
            agent_token.clone(),
        );
        Callback::from(move |_| {
            let (live, cluster, url, token) =
                (live.clone(), cluster.clone(), value(&url), value(&token));
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = api::link_agent(&url, &token).await;
                live.dispatch(Action::Outcome(outcome));
                refresh(&live, &cluster);
            });
        })
    };
    html! {
        <section class="forms" aria-label="Actions">
            <fieldset>
                <legend>{ crate::i18n::t("Run task") }</legend>
                <label>{ crate::i18n::t("Task definition ") }<input id="run-td" ref={td} type="text" placeholder="family or family:revision" /></label>
                <label>{ crate::i18n::t("Count ") }<input id="run-count" ref={count} type="number" min="1" max="10" placeholder="1" /></label>
                <label>{ crate::i18n::t("Group ") }<input id="run-group" ref={group} type="text" placeholder="family:..." /></label>
                <button type="button" id="run-task" onclick={run}>{ crate::i18n::t("Run task") }</button>
                <button type="button" id="run-explain" class="small" onclick={why_run}>{ crate::i18n::t("Where would it go?") }</button>
                <details class="more">
                    <summary>{ crate::i18n::t("Placement, overrides, Start task") }</summary>
                    { placement_fields("run", &run_strategy, &run_constraint, &run_expression) }
                    <label class="wide">{ crate::i18n::t("Overrides (JSON) ") }
                        <textarea id="run-overrides" ref={overrides} rows="2" spellcheck="false"
                                  placeholder={r#"{"containerOverrides": [{"name": "web", "command": ["sleep", "60"]}]}"#} /></label>
                    <label>{ crate::i18n::t("Start on ") }
                        <select id="start-on" ref={start_on}>
                            { for props.live.snapshot.instances.iter().map(|i| {
                                let arn = i["containerInstanceArn"].as_str().unwrap_or_default().to_owned();
                                let id = arn.rsplit('/').next().unwrap_or_default().get(..8).unwrap_or_default().to_owned();
                                html! { <option value={arn}>{ format!("{id} {}", i["ec2InstanceId"].as_str().unwrap_or_default()) }</option> }
                            }) }
                        </select></label>
                    <button type="button" id="start-task" class="small" onclick={start}>{ crate::i18n::t("Start task") }</button>
                </details>
            </fieldset>
            <fieldset>
                <legend>{ crate::i18n::t("Service") }</legend>
                <label>{ crate::i18n::t("Name ") }<input id="svc-name" ref={service.clone()} type="text" /></label>
                <label>{ crate::i18n::t("Task definition ") }<input id="svc-td" ref={service_td.clone()} type="text" placeholder="family:revision" /></label>
                <label>{ crate::i18n::t("Desired ") }<input id="svc-desired" ref={desired.clone()} type="number" min="0" /></label>
                <label>{ crate::i18n::t("Min % ") }<input id="svc-min" ref={min.clone()} type="number" min="0" placeholder="100" /></label>
                <label>{ crate::i18n::t("Max % ") }<input id="svc-max" ref={max.clone()} type="number" min="100" placeholder="200" /></label>
                <button type="button" id="svc-create" onclick={service_call("CreateService")}>{ crate::i18n::t("Create service") }</button>
                <button type="button" id="svc-update" onclick={service_call("UpdateService")}>{ crate::i18n::t("Update service") }</button>
                <details class="more">
                    <summary>{ crate::i18n::t("Circuit breaker, DAEMON, placement") }</summary>
                    <label><input id="svc-breaker" ref={breaker} type="checkbox" />{ crate::i18n::t(" Deployment circuit breaker (with rollback)") }</label>
                    <label><input id="svc-daemon" ref={daemon} type="checkbox" />{ crate::i18n::t(" DAEMON: one task on every instance (create only)") }</label>
                    { placement_fields("svc", &svc_strategy, &svc_constraint, &svc_expression) }
                </details>
            </fieldset>
            // Real containers come through a berth serve; the page alone runs the virtual fleet.
            if !api::is_local() {
                <fieldset>
                    <legend>{ crate::i18n::t("Docker agent") }</legend>
                    <label>{ "URL " }<input id="agent-url" ref={agent_url} type="text" placeholder="ws://127.0.0.1:51678" /></label>
                    <label>{ crate::i18n::t("Token ") }<input id="agent-token" ref={agent_token} type="password" /></label>
                    <button type="button" id="agent-connect" onclick={link}>{ crate::i18n::t("Connect") }</button>
                </fieldset>
            }
            <fieldset>
                <legend>{ crate::i18n::t("Add an instance") }</legend>
                <select id="new-instance-type" ref={new_type} aria-label="Instance type">
                    { for berth_model::instance_types::CATALOGUE.iter().map(|k| html! {
                        <option value={k.name} selected={k.name == "t3.medium"}>{ format!("{} ({} vCPU, {} MiB)", k.name, k.cpu_units() / 1024, k.registered_memory()) }</option>
                    }) }
                </select>
                <select id="new-instance-zone" ref={new_zone} aria-label="Availability Zone">
                    { for ["a", "b", "c"].iter().map(|z| html! { <option value={format!("{region}{z}")} selected={*z == "a"}>{ format!("{region}{z}") }</option> }) }
                </select>
                <button type="button" id="new-instance" onclick={launch}>{ crate::i18n::t("Launch") }</button>
            </fieldset>
            <fieldset>
                <legend>{ crate::i18n::t("An image in the registry") }</legend>
                <input id="broken-image" ref={broken_image} type="text" placeholder="nginx:1.27" aria-label="Image" />
                <button type="button" id="push-image" onclick={push}>{ crate::i18n::t("Push a new one") }</button>
                { " " }
                <button type="button" id="break-image" onclick={unpullable}>{ crate::i18n::t("Break") }</button>
            </fieldset>
        </section>
    }
}
