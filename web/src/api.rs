//! The browser's side of `berth serve`: ECS API calls (JSON 1.1 over `fetch`, as the AWS CLI
//! sends them), ELB's (Query-protocol forms), the live event stream (`/events`, a WebSocket)
//! and Berth's own endpoint for linking a Docker agent. Only glue: every document is ECS's, rendered by [`crate::live`].

use berth_model::views::{
    ClockDocument, ClockRequest, ExplainRequest, Explanation, FleetSummary, SummaryRequest,
};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::calls::Call;
use crate::live::Snapshot;

/// The `X-Amz-Target` prefix of ECS's operations.
const TARGET: &str = "AmazonEC2ContainerServiceV20141113";

#[cfg(feature = "local")]
thread_local! {
    /// The control plane in the page, when there is no `berth serve` to call.
    static LOCAL: std::cell::RefCell<Option<crate::local::Local>> = const { std::cell::RefCell::new(None) };
    /// Who hears the in-page control plane's events (as `/events` would deliver them).
    static LISTENERS: std::cell::RefCell<Vec<Listener>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Whether the last save failed (storage full or refused).
    static UNSAVED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The world this tab last read from or wrote to storage ([`crate::local::Local::world`]).
    static WORLD_SEEN: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Whether this browser keeps the in-page session: false once saving it failed (storage
/// full), until a save succeeds again.
pub fn session_kept() -> bool {
    #[cfg(feature = "local")]
    return !UNSAVED.with(std::cell::Cell::get);
    #[cfg(not(feature = "local"))]
    true
}

/// Who hears the in-page control plane's events.
#[cfg(feature = "local")]
type Listener = std::rc::Rc<dyn Fn(Value)>;

/// Where the in-page world is kept between visits.
#[cfg(feature = "local")]
const SAVED: &str = "berth.local";
/// The name of the world kept under [`SAVED`]: tabs of the page share one storage, and each
/// reads this before it saves, so none writes over what another tab changed.
#[cfg(feature = "local")]
const SAVED_WORLD: &str = "berth.local.world";

/// Whether the page runs its own control plane (no `berth serve` behind it).
pub fn is_local() -> bool {
    #[cfg(feature = "local")]
    return LOCAL.with(|local| local.borrow().is_some());
    #[cfg(not(feature = "local"))]
    false
}

#[cfg(feature = "local")]
fn wall() -> f64 {
    js_sys::Date::now()
}

#[cfg(feature = "local")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

#[cfg(feature = "local")]
fn random_seed() -> u64 {
    (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64
}

/// Decides, once at start, who answers: a `berth serve` that serves this page, or (when none
/// answers, or the address says `?engine=page`) the control plane in the page, rebuilt from
/// the session this browser kept. A page built without it goes to the one built with it
/// (`page/`, beside it), if there is one. Returns whether a fleet answers.
pub async fn start() -> bool {
    let location = web_sys::window().map(|w| w.location());
    let search = location
        .as_ref()
        .and_then(|l| l.search().ok())
        .unwrap_or_default();
    if !search.contains("engine=page") {
        let answered = post_http(
            "/berth/clock",
            &[("Content-Type", "application/json")],
            "{}",
        )
        .await
        .is_ok_and(|(status, text)| {
            status == 200 && read(&text, ClockDocument::from_value).is_some()
        });
        if answered {
            return true;
        }
    }
    #[cfg(feature = "local")]
    {
        let saved = storage().and_then(|s| s.get_item(SAVED).ok().flatten());
        let seen = storage().and_then(|s| s.get_item(SAVED_WORLD).ok().flatten());
        let local = saved
            .and_then(|saved| crate::local::Local::load(&saved, wall()))
            .unwrap_or_else(|| crate::local::Local::new(random_seed(), wall()));
        LOCAL.with(|cell| *cell.borrow_mut() = Some(local));
        WORLD_SEEN.with(|cell| *cell.borrow_mut() = seen);
        follow_other_tabs();
        save();
        true
    }
    #[cfg(not(feature = "local"))]
    {
        let built = get("page/index.html")
            .await
            .is_ok_and(|status| status == 200);
        if let (true, Some(location)) = (built, location) {
            let hash = location.hash().unwrap_or_default();
            let _ = location.replace(&format!("page/{search}{hash}"));
        }
        false
    }
}

/// The status of `GET path`.
#[cfg(not(feature = "local"))]
async fn get(path: &str) -> Result<u16, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(|_| "no answer".to_owned())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not a response")?;
    Ok(response.status())
}

/// Keeps the in-page world in this browser's storage (its seed and journal) — unless another
/// tab has changed the world there since this tab last looked: then this tab takes that one
/// up instead of writing over it.
#[cfg(feature = "local")]
fn save() {
    let Some((saved, world)) = LOCAL.with(|local| {
        let local = local.borrow();
        let local = local.as_ref()?;
        Some((local.save(wall()), local.world()))
    }) else {
        return;
    };
    let storage = storage();
    let stored = storage
        .as_ref()
        .and_then(|s| s.get_item(SAVED_WORLD).ok().flatten());
    if written_by_another_tab(stored.as_deref(), &world) {
        return take_up_the_other_tabs_world();
    }
    let kept = storage.is_some_and(|storage| {
        storage.set_item(SAVED, &saved).is_ok() && storage.set_item(SAVED_WORLD, &world).is_ok()
    });
    UNSAVED.with(|unsaved| unsaved.set(!kept));
    if kept {
        WORLD_SEEN.with(|seen| *seen.borrow_mut() = Some(world));
    }
}

/// Whether the world named in storage (`stored`) was written by another tab: it is neither the
/// one this tab last saw there nor the one it shows (`ours`).
#[cfg(feature = "local")]
fn written_by_another_tab(stored: Option<&str>, ours: &str) -> bool {
    let seen = WORLD_SEEN.with(|seen| seen.borrow().clone());
    stored.is_some_and(|stored| Some(stored) != seen.as_deref() && stored != ours)
}

/// Another tab of this page changed the world: reload, which replays what it saved. (This
/// tab's own change, if it made one at the same moment, is the one given up.)
#[cfg(feature = "local")]
fn take_up_the_other_tabs_world() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// Watches for other tabs saving another world, so an idle tab follows at once.
#[cfg(feature = "local")]
fn follow_other_tabs() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_storage =
        Closure::<dyn Fn(web_sys::StorageEvent)>::new(|event: web_sys::StorageEvent| {
            if event.key().as_deref() != Some(SAVED_WORLD) {
                return;
            }
            let ours = LOCAL.with(|local| local.borrow().as_ref().map(|l| l.world()));
            if written_by_another_tab(event.new_value().as_deref(), &ours.unwrap_or_default()) {
                take_up_the_other_tabs_world();
            }
        });
    let _ = window.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
    on_storage.forget();
}

/// Forgets the in-page world and starts a fresh one (the page's "Start over").
pub fn reset_local() {
    #[cfg(feature = "local")]
    {
        LOCAL.with(|local| {
            if let Some(local) = local.borrow_mut().as_mut() {
                *local = crate::local::Local::new(random_seed(), wall());
            }
        });
        save();
    }
}

async fn post(path: &str, headers: &[(&str, &str)], body: &str) -> Result<(u16, String), String> {
    #[cfg(feature = "local")]
    if is_local() {
        return Ok(post_local(path, headers, body));
    }
    post_http(path, headers, body).await
}

/// A request answered by the control plane in the page; its events go to the live view.
#[cfg(feature = "local")]
fn post_local(path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let target = headers
        .iter()
        .find(|(name, _)| *name == "X-Amz-Target")
        .map(|(_, value)| *value);
    let (reply, events, changed) = LOCAL.with(|local| {
        let mut local = local.borrow_mut();
        let local = local.as_mut().expect("is_local");
        let before = local.journal_len();
        let form = headers.iter().any(|(name, value)| {
            *name == "Content-Type" && value.starts_with("application/x-www-form-urlencoded")
        });
        let reply = if form && path == "/" {
            local.post_query(wall(), body)
        } else {
            local.post(wall(), path, target, body)
        };
        let changed = local.journal_len() != before || path == "/berth/clock";
        (reply, local.take_events(), changed)
    });
    if changed {
        save();
    }
    let listeners = LISTENERS.with(|l| l.borrow().clone());
    for event in events {
        for listener in &listeners {
            listener(event.clone());
        }
    }
    reply
}

async fn post_http(
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String), String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    let request =
        web_sys::Request::new_with_str_and_init(path, &init).map_err(|e| format!("{e:?}"))?;
    for (name, value) in headers {
        request
            .headers()
            .set(name, value)
            .map_err(|e| format!("{e:?}"))?;
    }
    let response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| "the server does not answer".to_owned())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not a response")?;
    let text = JsFuture::from(response.text().map_err(|e| format!("{e:?}"))?)
        .await
        .map_err(|e| format!("{e:?}"))?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text))
}

/// Calls an ECS operation; an ECS error comes back as `Exception: message`.
pub async fn call(operation: &str, body: Value) -> Result<Value, String> {
    let target = format!("{TARGET}.{operation}");
    let (status, text) = post(
        "/",
        &[
            ("X-Amz-Target", &target),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        &body.to_string(),
    )
    .await?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|_| format!("{operation}: the server answered {status} without JSON"))?;
    if status == 200 {
        Ok(value)
    } else {
        let kind = value["__type"].as_str().unwrap_or("Error");
        let kind = kind.rsplit('#').next().unwrap_or(kind);
        Err(format!(
            "{kind}: {}",
            value["message"].as_str().unwrap_or_default()
        ))
    }
}

/// The editor's verdict on `text` (`/berth/check`), judged where the control plane is.
pub async fn check(text: &str, family: &str) -> Result<berth_model::views::Verdict, String> {
    let request = berth_model::views::CheckRequest {
        text: text.to_owned(),
        family: family.to_owned(),
    };
    let body = serde_json::to_string(&request).unwrap_or_default();
    let (status, answer) = post(
        "/berth/check",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await?;
    match status {
        200 => read(&answer, berth_model::views::Verdict::from_value).ok_or(answer),
        _ => Err(answer),
    }
}

/// Calls a CloudWatch operation with its JSON `input` (CloudWatch's JSON 1.0 protocol): its
/// answer, or its error as `Code: message`.
pub async fn cloudwatch(operation: &str, input: &Value) -> Result<Value, String> {
    json_call(
        &format!("GraniteServiceVersion20100801.{operation}"),
        "application/x-amz-json-1.0",
        input,
    )
    .await
}

/// Calls an Application Auto Scaling operation with its JSON `input` (JSON 1.1, as botocore
/// sends it): its answer, or its error as `Code: message`.
pub async fn autoscaling(operation: &str, input: &Value) -> Result<Value, String> {
    json_call(
        &format!("AnyScaleFrontendService.{operation}"),
        "application/x-amz-json-1.1",
        input,
    )
    .await
}

/// Calls a CloudWatch Logs operation with its JSON `input` (JSON 1.1): its answer, or its
/// error as `Code: message`.
pub async fn logs(operation: &str, input: &Value) -> Result<Value, String> {
    json_call(
        &format!("Logs_20140328.{operation}"),
        "application/x-amz-json-1.1",
        input,
    )
    .await
}

/// `POST /` of `input` to an AWS JSON service's `target`: its answer, or `Err("Code:
/// message")` as the service answered it (the code without its namespace, `message` in either
/// case).
async fn json_call(target: &str, content_type: &str, input: &Value) -> Result<Value, String> {
    let (status, text) = post(
        "/",
        &[("X-Amz-Target", target), ("Content-Type", content_type)],
        &input.to_string(),
    )
    .await?;
    if status == 200 {
        return serde_json::from_str(&text).map_err(|e| e.to_string());
    }
    let value: Value = serde_json::from_str(&text).unwrap_or_default();
    let kind = value["__type"].as_str().unwrap_or("Error");
    let message = value["message"]
        .as_str()
        .or(value["Message"].as_str())
        .unwrap_or_default();
    Err(format!(
        "{}: {message}",
        kind.rsplit('#').next().unwrap_or(kind)
    ))
}

/// Calls an Elastic Load Balancing action with the AWS CLI's JSON `input`, sent as the AWS
/// CLI sends it (a Query-protocol form); ELB's error comes back as `Code: message`, read from
/// its XML by the browser's own parser.
pub async fn elb(action: &str, input: &Value) -> Result<(), String> {
    let form = crate::calls::query_form(action, input);
    let (status, text) = post(
        "/",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &form,
    )
    .await?;
    if status == 200 {
        return Ok(());
    }
    let read = |tag: &str| -> Option<String> {
        let parser = web_sys::DomParser::new().ok()?;
        let document = parser
            .parse_from_string(&text, web_sys::SupportedType::TextXml)
            .ok()?;
        document
            .get_elements_by_tag_name(tag)
            .item(0)?
            .text_content()
    };
    match (read("Code"), read("Message")) {
        (Some(code), Some(message)) => Err(format!("{code}: {message}")),
        _ => Err(format!("{action}: the server answered {status}")),
    }
}

/// The region's ARNs by the names `$tg:NAME`, `$lb:NAME` and `$listener:LB:PORT` give them
/// (the load-balancing view's `names`); with `rebuild`, also the calls that build those target
/// groups again (`rebuild`).
pub async fn load_balancing(rebuild: &[String]) -> Result<Value, String> {
    let body = json!({"rebuild": rebuild}).to_string();
    match post(
        "/berth/load-balancers",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await?
    {
        (200, text) => serde_json::from_str(&text).map_err(|e| e.to_string()),
        (status, text) => Err(format!("/berth/load-balancers answered {status}: {text}")),
    }
}

/// Makes `call`, first giving each `$kind:NAME` its ARN: `Ok("Operation: done")`.
pub async fn perform(call: &Call) -> Result<String, String> {
    let mut call = call.clone();
    if call.refers() {
        call.resolve(&load_balancing(&[]).await?["names"])?;
    }
    match &call {
        Call::Ecs { operation, body } => self::call(operation, body.clone()).await.map(drop)?,
        Call::Elb { action, input } => elb(action, input).await?,
        Call::CloudWatch { operation, input } => cloudwatch(operation, input).await.map(drop)?,
        Call::AutoScaling { operation, input } => autoscaling(operation, input).await.map(drop)?,
        Call::Fleet(action) => fleet(action.clone()).await?,
    }
    Ok(format!("{}: done", call.name()))
}

/// The latest ACTIVE revision of every task definition family, as describe-task-definition
/// shows it.
pub async fn latest_task_definitions() -> Result<Vec<Value>, String> {
    let mut families = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"status": "ACTIVE", "maxResults": 100});
        if let Some(token) = &token {
            body["nextToken"] = json!(token);
        }
        let page = call("ListTaskDefinitionFamilies", body).await?;
        families.extend(
            page["families"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(str::to_owned)),
        );
        token = page["nextToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let mut definitions = Vec::new();
    for family in families {
        let described = call("DescribeTaskDefinition", json!({"taskDefinition": family})).await?;
        definitions.push(described["taskDefinition"].clone());
    }
    Ok(definitions)
}

/// Asks the server why the next task of a service (`{"service"}`) or task definition
/// (`{"taskDefinition"}`) would be placed where it would: the scheduler's explanation.
pub async fn explain(request: ExplainRequest) -> Result<Explanation, String> {
    let body = serde_json::to_string(&request).unwrap_or_default();
    let (status, text) = post(
        "/berth/explain",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await?;
    if status == 200 {
        return read(&text, Explanation::from_value).ok_or(text);
    }
    let value: Value = serde_json::from_str(&text).map_err(|_| text.clone())?;
    {
        Err(format!(
            "{}: {}",
            value["__type"].as_str().unwrap_or("Error"),
            value["message"].as_str().unwrap_or_default()
        ))
    }
}

/// One of Berth's own documents ([`berth_model::views`]) from its JSON text.
fn read<T>(text: &str, from_value: fn(&Value) -> Option<T>) -> Option<T> {
    from_value(&serde_json::from_str(text).ok()?)
}

/// The server's clock, after applying `request` (a read, a speed, a step or a rewind).
pub async fn clock(request: ClockRequest) -> Result<ClockDocument, String> {
    let body = serde_json::to_string(&request).unwrap_or_default();
    let (status, text) = post(
        "/berth/clock",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await?;
    match status {
        200 => read(&text, ClockDocument::from_value).ok_or(text),
        _ => Err(text),
    }
}

/// Does something to the virtual world (`POST /berth/fleet`, a fleet action).
pub async fn fleet(action: Value) -> Result<(), String> {
    let (status, text) = post(
        "/berth/fleet",
        &[("Content-Type", "application/json")],
        &action.to_string(),
    )
    .await?;
    if status == 200 {
        return Ok(());
    }
    let value: Value = serde_json::from_str(&text).unwrap_or_default();
    Err(format!(
        "{}: {}",
        value["__type"].as_str().unwrap_or("Error"),
        value["message"].as_str().unwrap_or(&text)
    ))
}

/// Asks the server to link a Docker agent (`berth agent`).
pub async fn link_agent(url: &str, token: &str) -> Result<String, String> {
    let body = json!({"url": url, "token": token}).to_string();
    let (status, text) = post(
        "/berth/agents",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await?;
    if status == 200 {
        Ok(text)
    } else {
        Err(text)
    }
}

/// Everything the live view shows of `cluster`: its instances, its tasks (running and
/// recently stopped) and its services, as ECS's Describe operations return them.
pub async fn snapshot(cluster: &str) -> Result<Snapshot, String> {
    let clusters = call("ListClusters", json!({})).await?;
    let clusters: Vec<String> = clusters["clusterArns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str())
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_owned())
        .collect();
    let mut snapshot = Snapshot {
        clusters,
        cluster: cluster.to_owned(),
        ..Snapshot::default()
    };
    if !snapshot.clusters.iter().any(|c| c == cluster) {
        return Ok(snapshot);
    }
    // A large cluster is drawn on a canvas from its summary: describing thousands of
    // instances and tens of thousands of tasks every two seconds is not a page's job.
    let request = SummaryRequest {
        cluster: Some(cluster.to_owned()),
    };
    let (status, text) = post(
        "/berth/summary",
        &[("Content-Type", "application/json")],
        &serde_json::to_string(&request).unwrap_or_default(),
    )
    .await?;
    let summary: Option<FleetSummary> = (status == 200)
        .then(|| read(&text, FleetSummary::from_value))
        .flatten();
    if let Some(summary) = &summary {
        snapshot.restarts = summary.restarts.clone();
    }
    let large = summary.filter(|s| s.instances.len() > crate::canvas::LARGE);
    if let Some(summary) = &large {
        snapshot.tiles = Some(std::rc::Rc::new(crate::canvas::tiles(summary)));
    }
    let arns = |value: &Value, key: &str| -> Vec<Value> {
        value[key].as_array().cloned().unwrap_or_default()
    };
    let services = call(
        "ListServices",
        json!({"cluster": cluster, "maxResults": 100}),
    )
    .await?;
    let services = arns(&services, "serviceArns");
    for chunk in services.chunks(10) {
        let described = call(
            "DescribeServices",
            json!({"cluster": cluster, "services": chunk}),
        )
        .await?;
        snapshot.services.extend(arns(&described, "services"));
    }
    // Each service's current deployment: its lifecycle stage, weights and hooks.
    let current: Vec<Value> = snapshot
        .services
        .iter()
        .map(|s| s["currentServiceDeployment"].clone())
        .filter(Value::is_string)
        .collect();
    for chunk in current.chunks(20) {
        let described = call(
            "DescribeServiceDeployments",
            json!({"serviceDeploymentArns": chunk}),
        )
        .await?;
        snapshot
            .service_deployments
            .extend(arns(&described, "serviceDeployments"));
    }
    // The Lambda hooks' invocations waiting for an answer (Berth's own view), while any is.
    if snapshot
        .service_deployments
        .iter()
        .any(crate::live::lambda_in_progress)
    {
        if let Ok((200, text)) = post(
            "/berth/hooks",
            &[("Content-Type", "application/json")],
            "{}",
        )
        .await
        {
            let listed: Value = serde_json::from_str(&text).unwrap_or_default();
            snapshot.hook_invocations = arns(&listed, "invocations");
        }
    }
    // The region's load balancers (Berth's own view: the page reads no XML).
    if let Ok(view) = load_balancing(&[]).await {
        snapshot.load_balancers = arns(&view, "loadBalancers");
    }
    if large.is_some() {
        return Ok(snapshot);
    }
    let instances = call("ListContainerInstances", json!({"cluster": cluster})).await?;
    let instances = arns(&instances, "containerInstanceArns");
    if !instances.is_empty() {
        let described = call(
            "DescribeContainerInstances",
            json!({"cluster": cluster, "containerInstances": instances}),
        )
        .await?;
        snapshot.instances = arns(&described, "containerInstances");
    }
    let mut task_arns = Vec::new();
    for status in ["RUNNING", "STOPPED"] {
        let listed = call(
            "ListTasks",
            json!({"cluster": cluster, "desiredStatus": status, "maxResults": 100}),
        )
        .await?;
        task_arns.extend(arns(&listed, "taskArns"));
    }
    for chunk in task_arns.chunks(100) {
        let described = call("DescribeTasks", json!({"cluster": cluster, "tasks": chunk})).await?;
        snapshot.tasks.extend(arns(&described, "tasks"));
    }
    Ok(snapshot)
}

/// Follows `/events`: each message (an EventBridge envelope, or a container's log lines)
/// goes to `on_message`; `on_close` is told when the stream ends. Returns the socket, which
/// the caller keeps open as long as it wants messages.
pub fn follow_events(
    on_message: impl Fn(Value) + 'static,
    on_close: impl Fn() + 'static,
) -> Result<Option<web_sys::WebSocket>, String> {
    #[cfg(feature = "local")]
    if is_local() {
        LISTENERS.with(|l| *l.borrow_mut() = vec![std::rc::Rc::new(on_message)]);
        return Ok(None);
    }
    let location = web_sys::window()
        .ok_or("no window")?
        .location()
        .host()
        .map_err(|e| format!("{e:?}"))?;
    let socket = web_sys::WebSocket::new(&format!("ws://{location}/events"))
        .map_err(|e| format!("{e:?}"))?;
    let message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(text) = event.data().as_string() {
                if let Ok(value) = serde_json::from_str(&text) {
                    on_message(value);
                }
            }
        });
    socket.set_onmessage(Some(message.as_ref().unchecked_ref()));
    message.forget();
    let close = Closure::<dyn Fn()>::new(on_close);
    socket.set_onclose(Some(close.as_ref().unchecked_ref()));
    close.forget();
    Ok(Some(socket))
}
