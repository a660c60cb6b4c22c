//! ExecuteCommand (ECS Exec), checked as ECS checks it.
//!
//! ECS runs the command through the Systems Manager agent inside the task, reached over a
//! Session Manager channel. Berth has neither: no task's ExecuteCommandAgent ever runs (tasks
//! show no `managedAgents`), so a call that passes every check gets the answer ECS gives when
//! the agent cannot be reached. What the call teaches is its checks: the cluster, the task,
//! `--interactive`, the container, and above all `enableExecuteCommand` on the task, which
//! must have been set when the task was launched (a service's setting applies to the tasks
//! it launches afterwards).

use crate::records::{active_cluster, find_task, State};
use crate::requests::*;
use berth_model::states::TaskStatus;
use berth_model::{messages, ApiError, ExceptionType};

pub(super) fn execute(
    cp: &mut State,
    request: ExecuteCommandRequest,
) -> Result<Response, ApiError> {
    if request.command.as_deref().is_none_or(str::is_empty) {
        return Err(messages::operation_error("exec-command-required", &[]));
    }
    if request.interactive != Some(true) {
        return Err(messages::operation_error("exec-interactive-only", &[]));
    }
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let key = find_task(cluster, request.task.as_deref().unwrap_or("")).ok_or_else(|| {
        ApiError::new(
            ExceptionType::InvalidParameterException,
            messages::TASK_NOT_FOUND,
        )
    })?;
    let task = &cluster.tasks[&key].task;
    match request.container.as_deref() {
        Some(name) if !task.containers.iter().any(|c| c.name == name) => {
            return Err(messages::operation_error(
                "exec-container-unknown",
                &[&name],
            ));
        }
        None if task.containers.len() > 1 => {
            return Err(messages::operation_error("exec-container-required", &[]));
        }
        _ => {}
    }
    if !task.enable_execute_command || task.last_status != TaskStatus::Running {
        return Err(messages::operation_error("exec-not-enabled", &[]));
    }
    Err(messages::operation_error("exec-no-agent", &[]))
}
