//! The awslogs driver on the region's instances: before a container starts its stream is
//! opened in the region's CloudWatch Logs (and its group created, when
//! `awslogs-create-group` allows), and what the container writes goes there, virtual
//! containers' scripted lines ([`crate::output`]) and Docker containers' real ones alike.
//! A stream that cannot be opened stops the task before it starts, with the reason ECS gives.
//!
//! Every container's output goes to this region's Logs, whatever `awslogs-region` names (a
//! departure the README states: the page and `berth serve` host regions apart).

use std::collections::BTreeMap;

use berth_agent_protocol::{TaskSpec, TaskStateChange};
use berth_logs::{Logs, LogsError};
use berth_model::messages;
use serde::{Deserialize, Serialize};

use crate::{runtime_id, Simulation};

/// How many stopped tasks keep their routes, for the lines a Docker agent sends after a
/// container's exit was reported.
const RETIRED_ROUTES: usize = 256;

/// A container's stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Route {
    group: String,
    /// `None` until the runtime id it is named after is known (no stream prefix, on Docker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stream: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    create_group: bool,
}

/// Each task's containers' routes, and the stopped tasks' in the order they stopped.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Routes {
    tasks: BTreeMap<String, BTreeMap<String, Route>>,
    retired: std::collections::VecDeque<String>,
}

impl Simulation {
    /// A CloudWatch Logs request to the region, at its time.
    pub fn logs_request(
        &mut self,
        request: berth_logs::Request,
    ) -> Result<berth_logs::Response, LogsError> {
        let now = self.now;
        match &mut self.logs {
            Some(logs) => logs.handle(now, request),
            // A read creates nothing, so a session replays to the same state.
            None if request.is_read_only() => {
                Logs::new(self.cp.region(), self.cp.account()).handle(now, request)
            }
            None => self.logs_mut().handle(now, request),
        }
    }

    /// The region's CloudWatch Logs, once anything has used it.
    pub fn logs(&self) -> Option<&Logs> {
        self.logs.as_ref()
    }

    fn logs_mut(&mut self) -> &mut Logs {
        let (region, account) = (self.cp.region().to_owned(), self.cp.account().to_owned());
        self.logs
            .get_or_insert_with(|| Logs::new(&region, &account))
    }

    /// Opens the streams of a task's awslogs containers, as each one's driver does before it
    /// starts (virtual containers are named by their runtime ids at once; a Docker one
    /// without a stream prefix when its agent reports its id). `Err` is the first container
    /// whose stream could not be opened and ECS's reason for it.
    pub(crate) fn open_log_streams(
        &mut self,
        instance: &str,
        spec: &TaskSpec,
        docker: bool,
    ) -> Result<(), (String, String)> {
        let mut routes = BTreeMap::new();
        for c in &spec.containers {
            let Some(log) = &c.log_configuration else {
                continue;
            };
            let id = (!docker).then(|| runtime_id(&spec.task_arn, &c.name));
            let Some(route) = berth_model::awslogs::route(
                &log.log_driver,
                &log.options,
                &c.name,
                &spec.task_arn,
                id.as_deref(),
            ) else {
                continue;
            };
            let now = self.now;
            let logs = self.logs_mut();
            let opened = match &route.stream {
                Some(stream) => logs.open_stream(now, &route.group, stream, route.create_group),
                // The group is checked now; the stream comes with the runtime id.
                None => logs.open_group(now, &route.group, route.create_group),
            };
            if let Err((what, error)) = opened {
                return Err((c.name.clone(), reason(instance, what, &error)));
            }
            routes.insert(
                c.name.clone(),
                Route {
                    group: route.group,
                    stream: route.stream,
                    create_group: route.create_group,
                },
            );
        }
        if !routes.is_empty() {
            self.log_routes.tasks.insert(spec.task_arn.clone(), routes);
        }
        Ok(())
    }

    /// What an agent reported of a task: a Docker container's id names its stream when the
    /// task definition gives no prefix; a stopped task's routes are kept a while, for the
    /// lines still on their way.
    pub(crate) fn note_report(&mut self, change: &TaskStateChange) {
        let now = self.now;
        if let (Some(routes), Some(logs)) = (
            self.log_routes.tasks.get_mut(&change.task_arn),
            self.logs.as_mut(),
        ) {
            for c in &change.containers {
                let (Some(route), Some(id)) = (routes.get_mut(&c.name), &c.runtime_id) else {
                    continue;
                };
                if route.stream.is_none()
                    && logs
                        .open_stream(now, &route.group, id, route.create_group)
                        .is_ok()
                {
                    route.stream = Some(id.clone());
                }
            }
        }
        if change.status == berth_agent_protocol::Status::Stopped
            && self.log_routes.tasks.contains_key(&change.task_arn)
            && !self.log_routes.retired.contains(&change.task_arn)
        {
            self.log_routes.retired.push_back(change.task_arn.clone());
            while self.log_routes.retired.len() > RETIRED_ROUTES {
                if let Some(old) = self.log_routes.retired.pop_front() {
                    self.log_routes.tasks.remove(&old);
                }
            }
        }
    }

    /// Whether a container's output goes to CloudWatch Logs (so a host journals it).
    pub fn ships_logs(&self, task_arn: &str, container: &str) -> bool {
        self.log_routes
            .tasks
            .get(task_arn)
            .and_then(|routes| routes.get(container))
            .is_some_and(|route| route.stream.is_some())
    }

    /// Lines a container wrote, into its stream (nothing for a container without one).
    pub fn container_output(&mut self, task_arn: &str, container: &str, lines: &[String]) {
        let Some(Route {
            group,
            stream: Some(stream),
            ..
        }) = self
            .log_routes
            .tasks
            .get(task_arn)
            .and_then(|routes| routes.get(container))
        else {
            return;
        };
        // A stream deleted under a running container loses its lines, as the driver's calls fail.
        if let Some(logs) = self.logs.as_mut() {
            logs.write(self.now, group, stream, lines);
        }
    }
}

/// ECS's reason for a container whose log stream could not be opened: `what` failed
/// (`stream` or `group`) with `error`. Fargate words it as its own.
fn reason(instance: &str, what: &str, error: &LogsError) -> String {
    if instance.ends_with(":capacity-provider/FARGATE") {
        messages::logs_unconfirmed("awslogs-fargate", &[&what, &error.shape, &error.message]).1
    } else {
        messages::awslogs_cannot_start(what, error.shape, &error.message)
    }
}
