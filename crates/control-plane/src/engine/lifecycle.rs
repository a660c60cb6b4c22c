//! What agent events do to tasks.
//!
//! An agent reports only PENDING, RUNNING and STOPPED (as the ECS agent does); the control
//! plane keeps the task's document: timestamps, container states and network bindings,
//! health, and, when it stops, why (`stopCode`, `stoppedReason`). A stopped task's resources
//! return to its instance at once and the task stays visible for an hour.

use crate::records::{State, TaskKey, STOPPED_TASK_RETENTION_MS};
use berth_agent_protocol::{AgentEvent, AgentInstruction, Status, TaskStateChange};
use berth_model::resources::NetworkBinding;
use berth_model::states::{Connectivity, HealthStatus, TaskStatus, TaskStopCode};
use berth_model::{messages, SimTime};

pub(crate) fn handle(cp: &mut State, now: SimTime, instance_arn: &str, event: AgentEvent) {
    match event {
        AgentEvent::Heartbeat => {}
        AgentEvent::TaskStateChange(change) => task_state_change(cp, now, instance_arn, change),
        AgentEvent::Connection { connected } => connection(cp, now, instance_arn, connected),
    }
}

/// An agent connected or disconnected: a disconnected instance takes no tasks (AGENT), and
/// its tasks show `connectivity: DISCONNECTED` until it is back.
fn connection(cp: &mut State, now: SimTime, instance_arn: &str, connected: bool) {
    let Some((cluster_name, index)) = cp.clusters.iter().find_map(|(name, c)| {
        c.fleet
            .instances()
            .iter()
            .position(|i| i.arn == instance_arn)
            .map(|i| (name.clone(), i))
    }) else {
        return;
    };
    let cluster = cp.clusters.get_mut(&cluster_name).expect("found above");
    if connected {
        // However long it was away, a (re)connected agent learns which of its tasks should
        // run; it reports those and stops any other (see `AgentInstruction::Reconcile`).
        let task_arns = cluster.instances[index]
            .tasks
            .iter()
            .filter_map(|key| cluster.tasks.get(key))
            .filter(|record| record.task.desired_status != TaskStatus::Stopped)
            .map(|record| record.task.task_arn.clone())
            .collect();
        cp.instructions.push_back((
            instance_arn.to_owned(),
            AgentInstruction::Reconcile { task_arns },
        ));
    }
    if cluster.fleet.instances()[index].agent_connected == connected {
        return;
    }
    cluster
        .fleet
        .update(index, |instance| instance.agent_connected = connected);
    cluster.instances[index].version += 1;
    let connectivity = if connected {
        Connectivity::Connected
    } else {
        Connectivity::Disconnected
    };
    let mut changed = Vec::new();
    for key in &cluster.instances[index].tasks {
        let Some(record) = cluster.tasks.get_mut(key) else {
            continue;
        };
        record.task.connectivity = connectivity.clone();
        record.task.connectivity_at = Some(now);
        record.task.version += 1;
        changed.push(record.task.clone());
    }
    let document = crate::documents::instance_document(cluster, index, false);
    cp.out().emit(
        now,
        "ECS Container Instance State Change",
        instance_arn,
        &document,
    );
    for task in changed {
        cp.out()
            .emit(now, "ECS Task State Change", &task.task_arn, &task);
    }
}

fn task_state_change(cp: &mut State, now: SimTime, instance_arn: &str, change: TaskStateChange) {
    let Some(cluster_name) = cp
        .clusters
        .iter()
        .find(|(_, c)| TaskKey::of(&change.task_arn).is_some_and(|key| c.tasks.contains_key(&key)))
        .map(|(n, _)| n.clone())
    else {
        return; // A task this control plane does not know (or has forgotten): nothing to do.
    };
    let cluster = cp.clusters.get_mut(&cluster_name).expect("found above");
    let key = TaskKey::of(&change.task_arn).expect("found above");
    let agent = cluster.agent_of(&cluster.tasks[&key]);
    let record = cluster.tasks.get_mut(&key).expect("found above");
    if agent != instance_arn || record.task.last_status == TaskStatus::Stopped {
        return; // Only the task's own agent reports on it, and STOPPED is final.
    }
    let task = &mut record.task;
    let before = (
        task.last_status.clone(),
        task.desired_status.clone(),
        task.health_status.clone(),
    );
    if let Some(at) = change.pull_started_at {
        task.pull_started_at.get_or_insert(SimTime(at));
    }
    if let Some(at) = change.pull_stopped_at {
        task.pull_stopped_at.get_or_insert(SimTime(at));
    }
    let mut essential_exited = false;
    let mut digests = Vec::new();
    for update in &change.containers {
        let Some(container) = task.containers.iter_mut().find(|c| c.name == update.name) else {
            continue;
        };
        let was_stopped = container.last_status == TaskStatus::Stopped;
        container.last_status = task_status(update.status);
        if update.runtime_id.is_some() {
            container.runtime_id = update.runtime_id.clone();
        }
        if update.image_digest.is_some() && container.image_digest != update.image_digest {
            container.image_digest = update.image_digest.clone();
            digests.extend(
                update
                    .image_digest
                    .clone()
                    .map(|d| (update.name.clone(), d)),
            );
        }
        if update.exit_code.is_some() {
            container.exit_code = update.exit_code;
        }
        if update.reason.is_some() {
            container.reason = update.reason.clone();
        }
        if !update.port_bindings.is_empty() {
            container.network_bindings = update
                .port_bindings
                .iter()
                .map(|b| NetworkBinding {
                    bind_ip: b.bind_ip.clone().unwrap_or_else(|| "0.0.0.0".into()),
                    container_port: b.container_port,
                    host_port: b.host_port,
                    protocol: b.protocol.clone(),
                })
                .collect();
        }
        if let Some(health) = &update.health_status {
            container.health_status = HealthStatus::from_wire(health);
        }
        if update.restart_count > 0 {
            record
                .restarts
                .insert(update.name.clone(), update.restart_count);
        }
        if update.status == Status::Stopped
            && !was_stopped
            && record.essential.contains(&update.name)
        {
            essential_exited = true;
        }
    }
    // Task health follows its essential containers (§6.5).
    let essential: Vec<&HealthStatus> = task
        .containers
        .iter()
        .filter(|c| record.essential.contains(&c.name))
        .map(|c| &c.health_status)
        .collect();
    task.health_status = if essential.contains(&&HealthStatus::Unhealthy) {
        HealthStatus::Unhealthy
    } else if !essential.is_empty() && essential.iter().all(|h| **h == HealthStatus::Healthy) {
        HealthStatus::Healthy
    } else {
        HealthStatus::Undetermined
    };
    if essential_exited && task.desired_status == TaskStatus::Running && record.ever_running {
        task.desired_status = TaskStatus::Stopped;
        task.stop_code = Some(TaskStopCode::EssentialContainerExited);
        task.stopped_reason = Some(messages::ESSENTIAL_CONTAINER_EXITED.into());
        task.stopping_at = Some(now);
    }
    let mut released = false;
    match change.status {
        Status::Pending => {
            // The ENI is attached: a Fargate (or awsvpc) task leaves PROVISIONING.
            if task.last_status == TaskStatus::Provisioning {
                task.last_status = TaskStatus::Pending;
            }
        }
        Status::Running => {
            // A DEACTIVATING task (draining from its load balancer) runs on, but is not
            // RUNNING again.
            if !matches!(
                task.last_status,
                TaskStatus::Running | TaskStatus::Deactivating
            ) {
                task.last_status = TaskStatus::Running;
                task.started_at = Some(now);
                record.ever_running = true;
            }
        }
        Status::Stopped => {
            // A stopped task's containers have stopped, whether or not the agent named them
            // (an agent that lost a task reports it without containers).
            for container in &mut task.containers {
                if container.last_status != TaskStatus::Stopped {
                    container.last_status = TaskStatus::Stopped;
                }
            }
            task.last_status = TaskStatus::Stopped;
            task.desired_status = TaskStatus::Stopped;
            crate::engine::load_balancing::forget(&mut record.targets, &mut cp.target_calls);
            task.stopped_at = Some(now);
            task.execution_stopped_at = Some(now);
            task.stopping_at.get_or_insert(now);
            if task.stop_code.is_none() {
                if record.ever_running {
                    task.stop_code = Some(TaskStopCode::EssentialContainerExited);
                    task.stopped_reason = Some(messages::ESSENTIAL_CONTAINER_EXITED.into());
                } else {
                    // Never ran: the first container's reason is why (CannotPullContainerError ...).
                    task.stop_code = Some(TaskStopCode::TaskFailedToStart);
                    let reason = task.containers.iter().find_map(|c| c.reason.clone());
                    task.stopped_reason =
                        Some(reason.unwrap_or_else(|| "Task failed to start".into()));
                }
            }
            released = true;
        }
    }
    let after = (
        task.last_status.clone(),
        task.desired_status.clone(),
        task.health_status.clone(),
    );
    if after == before && !released && change.containers.is_empty() {
        return;
    }
    task.version += 1;
    let task = task.clone();
    let instance = record.instance;
    let service = record.service.clone();
    let placement = if released {
        record.placement.take()
    } else {
        None
    };
    let mut instance_document = None;
    if let Some(key) = TaskKey::of(&task.task_arn) {
        cluster.sync(key);
    }
    if released {
        if let (Some(key), Some(index)) = (TaskKey::of(&task.task_arn), instance) {
            cluster.instances[index].tasks.remove(&key);
        }
        cp.expiries.insert((
            now.plus_millis(STOPPED_TASK_RETENTION_MS),
            task.task_arn.clone(),
        ));
    }
    if before.0 != TaskStatus::Running && task.last_status == TaskStatus::Running {
        // A service task that runs ends the service's launch back-off (§7.9).
        if let Some(service) = service.as_deref().and_then(|s| cluster.services.get_mut(s)) {
            service.start_failures = 0;
            service.throttled_until = None;
            service.throttle_level = 0;
            // The deployment's first running task ends the breaker's first stage: its count
            // of tasks that failed to start goes back to 0 (§7.3).
            let resets = crate::engine::deployments::resets_on_healthy_task(
                &service
                    .doc
                    .deployment_configuration
                    .deployment_circuit_breaker,
            );
            if let Some(deployment) = &task.started_by {
                if !service.ran.contains(deployment) {
                    service.ran.push(deployment.clone());
                    if let Some(entry) = service
                        .doc
                        .deployments
                        .iter_mut()
                        .find(|d| &d.id == deployment && resets)
                    {
                        entry.failed_tasks = 0;
                    }
                }
            }
        }
    }
    if let (Some(placement), Some(index)) = (placement, instance) {
        cluster.fleet.release(&placement);
        cluster.instances[index].version += 1;
        instance_document = Some(crate::documents::instance_document(cluster, index, false));
    }
    cp.out()
        .emit(now, "ECS Task State Change", &task.task_arn, &task);
    if let Some(document) = instance_document {
        cp.out().emit(
            now,
            "ECS Container Instance State Change",
            &document.container_instance_arn,
            &document,
        );
    }
    if let (Some(deployment), Some(service), false) =
        (&task.started_by, &service, digests.is_empty())
    {
        pin_digests(cp, &cluster_name, service, deployment, &task, digests);
    }
    // The service hears of it after the task's own events: cause before effect.
    if released && task.stop_code == Some(TaskStopCode::TaskFailedToStart) {
        if let (Some(deployment), Some(service)) = (&task.started_by, &service) {
            crate::engine::deployments::task_failed_to_start(
                cp,
                now,
                &cluster_name,
                service,
                deployment,
            );
        }
    }
}

/// A service task's first report of its images' digests pins them for its deployment: every
/// task it launches from now on runs them (`versionConsistency`), except containers whose
/// task definition says `disabled`. The first digest reported for a container stays.
fn pin_digests(
    cp: &mut State,
    cluster_name: &str,
    service: &str,
    deployment: &str,
    task: &berth_model::resources::Task,
    digests: Vec<(String, String)>,
) {
    let Some(td) = crate::records::resolve(cp, &task.task_definition_arn) else {
        return;
    };
    let disabled: Vec<String> = td
        .container_definitions
        .iter()
        .flatten()
        .filter(|c| {
            c.version_consistency
                == Some(berth_model::task_definition::VersionConsistency::Disabled)
        })
        .filter_map(|c| c.name.clone())
        .collect();
    let Some(record) = cp.service_mut(cluster_name, service) else {
        return;
    };
    let Some(entry) = record
        .history
        .iter_mut()
        .chain(&mut record.hidden)
        .find(|h| h.id == deployment)
    else {
        return;
    };
    for (name, digest) in digests {
        if !disabled.contains(&name) {
            entry.digests.entry(name).or_insert(digest);
        }
    }
}

/// Stops, as far as ECS is concerned, every task on an instance that is gone (terminated or
/// force-deregistered): each is STOPPED at once with `reason`, its resources released, and
/// the services step again to replace theirs. Whatever its agent reports later is ignored.
pub(crate) fn stop_orphans(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    index: usize,
    reason: &str,
) {
    let Some(cluster) = cp.clusters.get_mut(cluster_name) else {
        return;
    };
    let keys = std::mem::take(&mut cluster.instances[index].tasks);
    let mut stopped = Vec::new();
    for key in keys {
        let Some(record) = cluster.tasks.get_mut(&key) else {
            continue;
        };
        let task = &mut record.task;
        task.last_status = TaskStatus::Stopped;
        task.desired_status = TaskStatus::Stopped;
        task.stopping_at.get_or_insert(now);
        task.execution_stopped_at = Some(now);
        task.stopped_at = Some(now);
        task.stopped_reason = Some(reason.to_owned());
        for container in &mut task.containers {
            container.last_status = TaskStatus::Stopped;
        }
        task.version += 1;
        stopped.push(task.clone());
        crate::engine::load_balancing::forget(&mut record.targets, &mut cp.target_calls);
        if let Some(placement) = record.placement.take() {
            cluster.fleet.release(&placement);
        }
        cluster.sync(key);
    }
    for task in &stopped {
        cp.expiries.insert((
            now.plus_millis(STOPPED_TASK_RETENTION_MS),
            task.task_arn.clone(),
        ));
        cp.out()
            .emit(now, "ECS Task State Change", &task.task_arn, task);
    }
    cp.dirty = true;
}

/// What an agent's report of a container means for its `lastStatus`.
fn task_status(status: Status) -> TaskStatus {
    match status {
        Status::Pending => TaskStatus::Pending,
        Status::Running => TaskStatus::Running,
        Status::Stopped => TaskStatus::Stopped,
    }
}
