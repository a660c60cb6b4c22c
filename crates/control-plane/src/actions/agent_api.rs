//! SubmitTaskStateChange, SubmitContainerStateChange: the agent's reports through the API.
//!
//! They are the same reports an agent sends over agent-protocol, so they take the same
//! path ([`crate::lifecycle`]); they are accepted for the task's own agent, whatever
//! connection they arrive on, and answer `{"acknowledgment": "ACK"}`.

use crate::records::{active_cluster, find_task, State};
use crate::requests::*;
use berth_agent_protocol::{
    AgentEvent, ContainerStateChange, PortBinding, Status, TaskStateChange,
};
use berth_model::resources::NetworkBinding;
use berth_model::{messages, ApiError, ExceptionType, SimTime};

fn status(text: Option<&str>) -> Result<Status, ApiError> {
    match text {
        Some("PENDING") => Ok(Status::Pending),
        Some("RUNNING") => Ok(Status::Running),
        Some("STOPPED") => Ok(Status::Stopped),
        other => Err(messages::operation_error(
            "submitted-status",
            &[&other.unwrap_or("")],
        )),
    }
}

/// A reported container's state, as agent-protocol has it.
fn container(c: SubmittedContainer) -> Result<ContainerStateChange, ApiError> {
    Ok(ContainerStateChange {
        name: c.container_name.unwrap_or_default(),
        status: status(c.status.as_deref())?,
        runtime_id: c.runtime_id,
        exit_code: c
            .exit_code
            .map(|code| code.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32),
        reason: c.reason,
        port_bindings: bindings(&c.network_bindings.unwrap_or_default()),
        health_status: None,
        image_digest: c.image_digest,
        restart_count: 0,
    })
}

fn bindings(given: &[NetworkBinding]) -> Vec<PortBinding> {
    given
        .iter()
        .map(|b| PortBinding {
            container_port: b.container_port,
            host_port: b.host_port,
            protocol: if b.protocol.is_empty() {
                "tcp".into()
            } else {
                b.protocol.clone()
            },
            bind_ip: (!b.bind_ip.is_empty()).then(|| b.bind_ip.clone()),
        })
        .collect()
}

/// Hands a report to the task's agent path.
fn report(
    cp: &mut State,
    now: SimTime,
    cluster: Option<&str>,
    task: Option<&str>,
    change: impl FnOnce(String) -> Result<TaskStateChange, ApiError>,
) -> Result<Response, ApiError> {
    let record = active_cluster(cp, cluster)?;
    let key = find_task(record, task.unwrap_or("")).ok_or_else(|| {
        ApiError::new(
            ExceptionType::InvalidParameterException,
            messages::TASK_NOT_FOUND,
        )
    })?;
    let agent = record.agent_of(&record.tasks[&key]);
    let task_arn = record.tasks[&key].task.task_arn.clone();
    let change = change(task_arn)?;
    crate::engine::lifecycle::handle(cp, now, &agent, AgentEvent::TaskStateChange(change));
    Ok(Response::Acknowledgment(AcknowledgmentResponse {
        acknowledgment: Some("ACK".into()),
    }))
}

pub(super) fn submit_task(
    cp: &mut State,
    now: SimTime,
    request: SubmitTaskStateChangeRequest,
) -> Result<Response, ApiError> {
    let status = status(request.status.as_deref())?;
    let containers = request
        .containers
        .unwrap_or_default()
        .into_iter()
        .map(container)
        .collect::<Result<Vec<_>, ApiError>>()?;
    let millis = |t: Option<SimTime>| t.map(SimTime::as_millis);
    report(
        cp,
        now,
        request.cluster.as_deref(),
        request.task.as_deref(),
        |task_arn| {
            Ok(TaskStateChange {
                task_arn,
                status,
                pull_started_at: millis(request.pull_started_at),
                pull_stopped_at: millis(request.pull_stopped_at),
                containers,
            })
        },
    )
}

pub(super) fn submit_container(
    cp: &mut State,
    now: SimTime,
    request: SubmitContainerStateChangeRequest,
) -> Result<Response, ApiError> {
    let container = container(SubmittedContainer {
        container_name: request.container_name,
        image_digest: None,
        runtime_id: request.runtime_id,
        exit_code: request.exit_code,
        network_bindings: request.network_bindings,
        reason: request.reason,
        status: request.status,
    })?;
    let container_status = container.status;
    report(
        cp,
        now,
        request.cluster.as_deref(),
        request.task.as_deref(),
        |task_arn| {
            // A container's report leaves the task's own status where the agent last put it:
            // RUNNING once a container runs, else PENDING (a STOPPED task ignores reports).
            let task_status = if container_status == Status::Running {
                Status::Running
            } else {
                Status::Pending
            };
            Ok(TaskStateChange {
                task_arn,
                status: task_status,
                pull_started_at: None,
                pull_stopped_at: None,
                containers: vec![container],
            })
        },
    )
}

/// The statuses an attachment can report.
const ATTACHMENT_STATUSES: [&str; 8] = [
    "PRECREATED",
    "CREATED",
    "ATTACHING",
    "ATTACHED",
    "DETACHING",
    "DETACHED",
    "DELETED",
    "FAILED",
];

/// SubmitAttachmentStateChanges: an agent reports its tasks' attachments (ENIs); each
/// task's `attachments[].status` follows. An attachment is named by its ARN (or its id).
pub(super) fn submit_attachments(
    cp: &mut State,
    now: SimTime,
    request: crate::requests::SubmitAttachmentStateChangesRequest,
) -> Result<Response, ApiError> {
    let changes = request.attachments.unwrap_or_default();
    for change in &changes {
        let status = change.status.as_deref().unwrap_or_default();
        if !ATTACHMENT_STATUSES.contains(&status) {
            return Err(messages::operation_error("attachment-status", &[&status]));
        }
    }
    let cluster = crate::records::active_cluster(cp, request.cluster.as_deref())?;
    // Check every attachment first, so a bad one changes nothing.
    let mut found = Vec::new();
    for change in &changes {
        let arn = change.attachment_arn.clone().unwrap_or_default();
        let id = crate::records::last_segment(&arn).to_owned();
        let key = cluster.tasks.iter().find_map(|(key, record)| {
            record
                .task
                .attachments
                .iter()
                .any(|a| a["id"] == id.as_str())
                .then_some(*key)
        });
        match key {
            Some(key) => found.push((key, id, change.status.clone().unwrap_or_default())),
            None => return Err(messages::operation_error("attachment-not-found", &[&arn])),
        }
    }
    let mut changed = Vec::new();
    for (key, id, status) in found {
        let task = &mut cluster.tasks.get_mut(&key).expect("found above").task;
        let mut moved = false;
        for attachment in task.attachments.iter_mut() {
            if attachment["id"] == id.as_str() && attachment["status"] != status.as_str() {
                attachment["status"] = status.clone().into();
                moved = true;
            }
        }
        if moved {
            task.version += 1;
            changed.push(task.clone());
        }
    }
    for task in changed {
        cp.out()
            .emit(now, "ECS Task State Change", &task.task_arn.clone(), &task);
    }
    Ok(Response::Acknowledgment(AcknowledgmentResponse {
        acknowledgment: Some("ACK".into()),
    }))
}

/// DiscoverPollEndpoint: where the instance's agent connects. Berth's agents connect to the
/// server that links them (`berth serve --agent`), so every endpoint is the server's own.
pub(super) fn discover_poll_endpoint(
    cp: &mut State,
    request: DiscoverPollEndpointRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    if let Some(instance) = request.container_instance.as_deref() {
        if crate::records::find_instance(cluster, instance).is_none() {
            return Err(ApiError::new(
                ExceptionType::InvalidParameterException,
                format!(
                    "Container instance {} not found.",
                    crate::records::last_segment(instance)
                ),
            ));
        }
    }
    let endpoint = cp.endpoint.clone();
    Ok(Response::DiscoverPollEndpoint(
        DiscoverPollEndpointResponse {
            telemetry_endpoint: endpoint.clone(),
            service_connect_endpoint: endpoint.clone(),
            endpoint,
        },
    ))
}
