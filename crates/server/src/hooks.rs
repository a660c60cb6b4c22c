//! AWS_LAMBDA lifecycle hooks made real without Lambda: `--hook-endpoint FUNCTION=URL` names
//! a local HTTP endpoint that stands in for a function. Each invocation ECS makes of it is
//! POSTed there with the event as its JSON body, and the endpoint's JSON answer
//! (`{"hookStatus", "callBackDelay", "hookDetails"}`) is the function's return value. An
//! endpoint that cannot be reached, answers an error status or anything but JSON is a
//! function that failed, and the deployment rolls back, as ECS rolls back on a failing
//! function. The answer is journalled (a fleet action), so a replay never calls again.
//!
//! Invocations are the control plane's state, not a queue ([`sync`] looks at them after every
//! change): one made before a restart and never answered is made again after it. Functions
//! without an endpoint wait for an answer through `POST /berth/fleet` (the page's buttons).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, Weak};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Uri};
use berth_fleet_sim::{FleetAction, HookReply};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::{lock, Engine};

/// The longest a Lambda function runs: an endpoint that has not answered by then failed.
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The largest answer read (a synchronous Lambda invocation's response limit, 6 MB).
const MAX_ANSWER: usize = 6 * 1024 * 1024;

/// The stand-ins for Lambda functions, and the invocations being made.
pub(crate) struct Hooks {
    /// Endpoint by function (its full ARN or its name).
    endpoints: BTreeMap<String, Uri>,
    /// Invocations posted and not yet answered: (execution id, attempt).
    in_flight: BTreeSet<(String, u32)>,
    client: Client<HttpConnector, Body>,
}

impl Hooks {
    /// Reads `FUNCTION=URL` pairs (a function's ARN or name, an `http://` URL).
    pub(crate) fn new(pairs: &[String]) -> anyhow::Result<Hooks> {
        let mut endpoints = BTreeMap::new();
        for pair in pairs {
            let Some((function, url)) = pair.split_once('=') else {
                anyhow::bail!("--hook-endpoint {pair}: give FUNCTION=URL (a Lambda function's ARN or name, an http:// URL)");
            };
            let uri: Uri = url.parse().map_err(|error| {
                anyhow::anyhow!("--hook-endpoint {pair}: {url} is not a URL: {error}")
            })?;
            if uri.scheme_str() != Some("http") || uri.host().is_none() {
                anyhow::bail!("--hook-endpoint {pair}: the URL must be http://HOST[:PORT]/PATH (Berth makes no TLS connections)");
            }
            if function.trim().is_empty() {
                anyhow::bail!("--hook-endpoint {pair}: name the function (its ARN or name)");
            }
            endpoints.insert(function.to_owned(), uri);
        }
        Ok(Hooks {
            endpoints,
            in_flight: BTreeSet::new(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        })
    }

    /// The endpoint standing in for `function_arn`: by its ARN, else by its name.
    pub(crate) fn endpoint(&self, function_arn: &str) -> Option<&Uri> {
        let name = function_arn
            .rsplit_once(":function:")
            .map_or(function_arn, |(_, name)| name);
        let name = name.split(':').next().unwrap_or(name);
        self.endpoints
            .get(function_arn)
            .or_else(|| self.endpoints.get(name))
    }
}

/// Posts every invocation waiting for an answer whose function has an endpoint and is not
/// posted already; each answer is journalled when it comes.
pub(crate) fn sync(engine: &mut Engine, shared: &Weak<Mutex<Engine>>) {
    if engine.hooks.endpoints.is_empty() {
        return;
    }
    let mut calls = Vec::new();
    for (region, sim) in engine.world.regions() {
        for invocation in sim.hook_invocations() {
            let Some(uri) = engine.hooks.endpoint(&invocation.function_arn).cloned() else {
                continue;
            };
            let key = (invocation.execution_id.clone(), invocation.attempt);
            if engine.hooks.in_flight.insert(key) {
                calls.push((region.clone(), uri, invocation));
            }
        }
    }
    for (region, uri, invocation) in calls {
        let client = engine.hooks.client.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let reply = invoke(&client, &uri, &invocation.payload).await;
            let Some(engine) = shared.upgrade() else {
                return;
            };
            let mut engine = lock(&engine);
            let key = (invocation.execution_id.clone(), invocation.attempt);
            let action = FleetAction::HookAnswer {
                execution_id: invocation.execution_id,
                attempt: Some(invocation.attempt),
                reply,
            };
            let answered = engine.guarded(|world, journal, wall| {
                world.hook_answered(wall, journal, &region, &action)
            });
            engine.hooks.in_flight.remove(&key);
            match answered {
                // Answered late (the hook timed out, the deployment ended): nothing waits.
                Ok(_) => {}
                Err(error) => eprintln!("berth: a hook's answer was not kept: {error:#}"),
            }
            engine.settle();
        });
    }
}

/// One invocation: the event POSTed as JSON; the answer, or why the function failed.
async fn invoke(
    client: &Client<HttpConnector, Body>,
    uri: &Uri,
    payload: &serde_json::Value,
) -> HookReply {
    let mut request = axum::http::Request::new(Body::from(payload.to_string()));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = uri.clone();
    request.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let response = match tokio::time::timeout(FUNCTION_TIMEOUT, client.request(request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => {
            return HookReply::Failed(format!(
                "The function's endpoint {uri} could not be reached: {error}."
            ))
        }
        Err(_) => {
            return HookReply::Failed(format!(
                "The function's endpoint {uri} did not answer within 15 minutes."
            ))
        }
    };
    let status = response.status();
    let body = axum::body::to_bytes(Body::new(response.into_body()), MAX_ANSWER).await;
    if !status.is_success() {
        return HookReply::Failed(format!(
            "The function's endpoint {uri} answered HTTP {}.",
            status.as_u16()
        ));
    }
    match body.ok().and_then(|b| serde_json::from_slice(&b).ok()) {
        Some(value) => HookReply::Returned(value),
        None => HookReply::Failed(format!(
            "The function's endpoint {uri} answered something other than JSON."
        )),
    }
}
