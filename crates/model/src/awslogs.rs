//! The awslogs log driver as ECS configures it for Docker: which log group and stream a
//! container's output goes to, from its `logConfiguration` options.
//!
//! - `awslogs-group` names the group (RegisterTaskDefinition requires it).
//! - With `awslogs-stream-prefix`, the stream is `prefix/container-name/task-id` (the
//!   developer guide's "Using the awslogs log driver"); without it, the stream is the Docker
//!   container's id, which only the container's runtime knows.
//! - `awslogs-create-group` (`true`, read as Go's `strconv.ParseBool` reads it) lets the
//!   driver create a missing group; without it a missing group stops the container from
//!   starting.

use std::collections::BTreeMap;

/// Where a container's output goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The log group.
    pub group: String,
    /// The stream: `None` until the runtime id it is named after is known.
    pub stream: Option<String>,
    /// Whether the driver may create the group.
    pub create_group: bool,
}

/// The route of an awslogs container (`None` for another driver or no group): `options` are
/// its `logConfiguration.options`, `runtime_id` its Docker id if known.
pub fn route(
    driver: &str,
    options: &BTreeMap<String, String>,
    container: &str,
    task_arn: &str,
    runtime_id: Option<&str>,
) -> Option<Route> {
    if driver != "awslogs" {
        return None;
    }
    let group = options.get("awslogs-group")?.clone();
    let task_id = task_arn.rsplit('/').next().unwrap_or(task_arn);
    let stream = match options.get("awslogs-stream-prefix") {
        Some(prefix) => Some(format!("{prefix}/{container}/{task_id}")),
        None => runtime_id.map(str::to_owned),
    };
    let create_group = options
        .get("awslogs-create-group")
        .is_some_and(|v| matches!(v.as_str(), "1" | "t" | "T" | "true" | "TRUE" | "True"));
    Some(Route {
        group,
        stream,
        create_group,
    })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn prefix_container_and_task_id() {
        let options: BTreeMap<String, String> = [
            ("awslogs-group", "/ecs/web"),
            ("awslogs-stream-prefix", "ecs"),
            ("awslogs-create-group", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let arn = "arn:aws:ecs:us-east-1:123456789012:task/default/0123abcd";
        let route = route("awslogs", &options, "web", arn, None).unwrap();
        assert_eq!(route.group, "/ecs/web");
        assert_eq!(route.stream.as_deref(), Some("ecs/web/0123abcd"));
        assert!(route.create_group);
        let mut bare = options.clone();
        bare.remove("awslogs-stream-prefix");
        bare.insert("awslogs-create-group".into(), "yes".into());
        let route = super::route("awslogs", &bare, "web", arn, Some("f00d")).unwrap();
        assert_eq!(route.stream.as_deref(), Some("f00d"));
        assert!(!route.create_group);
        assert!(super::route("json-file", &options, "web", arn, None).is_none());
    }
}
