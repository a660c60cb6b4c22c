//! The inspector's logs: each awslogs container's events from its CloudWatch Logs stream
//! (GetLogEvents, read again when the task changes or a Docker agent sends lines), and the
//! lines a Docker agent streamed for containers with another log driver.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use yew::prelude::*;

/// The most events shown per container (the latest).
const SHOWN: usize = 200;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The task's describe-tasks document.
    pub task: Value,
    /// Lines a Docker agent streamed for it, `(container, line)`.
    pub streamed: Vec<(String, String)>,
}

/// One awslogs container's stream and what it holds.
#[derive(Clone, PartialEq)]
struct Shipped {
    container: String,
    group: String,
    stream: String,
    events: Result<Vec<String>, String>,
}

#[function_component(TaskLogs)]
pub fn task_logs(props: &Props) -> Html {
    let _lang = use_context::<crate::i18n::Lang>();
    let shipped = use_state(Vec::<Shipped>::new);
    let arn = props.task["taskArn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let deps = (
        arn.clone(),
        props.task["lastStatus"].clone(),
        props.streamed.len(),
    );
    {
        let (shipped, task) = (shipped.clone(), props.task.clone());
        use_effect_with(deps, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                shipped.set(read(&task).await);
            });
        });
    }
    let awslogs: Vec<&str> = shipped.iter().map(|s| s.container.as_str()).collect();
    let others: Vec<String> = props
        .streamed
        .iter()
        .filter(|(c, _)| !awslogs.contains(&c.as_str()))
        .map(|(c, l)| format!("{c} | {l}"))
        .collect();
    html! {
        <div id="task-logs">
            { for shipped.iter().map(|s| html! {
                <>
                    <p class="status">{ format!("{}: {} ", s.container, crate::i18n::t("CloudWatch Logs")) }<code>{ format!("{} › {}", s.group, s.stream) }</code></p>
                    <pre class="registered task-log">{ match &s.events {
                        Ok(lines) if lines.is_empty() => crate::i18n::t("No events yet.").to_owned(),
                        Ok(lines) => lines.join("\n"),
                        Err(error) => error.clone(),
                    } }</pre>
                </>
            }) }
            if !others.is_empty() {
                <pre class="registered task-log">{ others.join("\n") }</pre>
            }
            if shipped.is_empty() && others.is_empty() {
                <p class="status empty">{ crate::i18n::t("No logs: a container with an awslogs logConfiguration sends its output to CloudWatch Logs, shown here.") }</p>
            }
        </div>
    }
}

/// Each awslogs container's stream, read from CloudWatch Logs.
async fn read(task: &Value) -> Vec<Shipped> {
    let task_arn = task["taskArn"].as_str().unwrap_or_default();
    let Ok(described) = crate::api::call(
        "DescribeTaskDefinition",
        json!({"taskDefinition": task["taskDefinitionArn"]}),
    )
    .await
    else {
        return Vec::new();
    };
    let mut shipped = Vec::new();
    let definitions = described["taskDefinition"]["containerDefinitions"].as_array();
    for c in definitions.into_iter().flatten() {
        let name = c["name"].as_str().unwrap_or_default();
        let log = &c["logConfiguration"];
        let options: BTreeMap<String, String> = log["options"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
        let runtime_id = task["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|tc| tc["name"] == name)
            .and_then(|tc| tc["runtimeId"].as_str());
        let Some(route) = berth_model::awslogs::route(
            log["logDriver"].as_str().unwrap_or_default(),
            &options,
            name,
            task_arn,
            runtime_id,
        ) else {
            continue;
        };
        let Some(stream) = route.stream else { continue };
        let input = json!({"logGroupName": route.group, "logStreamName": stream, "limit": SHOWN});
        let events = crate::api::logs("GetLogEvents", &input)
            .await
            .map(|answer| {
                answer["events"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["message"].as_str().map(str::to_owned))
                    .collect()
            });
        shipped.push(Shipped {
            container: name.to_owned(),
            group: route.group,
            stream,
            events,
        });
    }
    shipped
}
