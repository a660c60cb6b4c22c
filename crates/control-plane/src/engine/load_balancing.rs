//! A service's load balancers (ECS_REFERENCE §7.8, §7.4): ECS's checks of `loadBalancers`
//! against the task definition and what ELB says of the target groups; a task's targets
//! registered once it runs (its host port, dynamic ones included, on its instance; its address
//! with awsvpc) and deregistered before it stops, the task DEACTIVATING until ELB says they
//! drained; and what ELB says of their health. ELB itself is another crate: these are calls
//! (`Out::call_elb`) and reports (`ControlPlane::handle_target_health`).

use std::collections::BTreeMap;

use berth_model::load_balancing::{Target, TargetCall, TargetGroupFacts, TargetState};
use berth_model::resources::{ServiceLoadBalancer, Task};
use berth_model::states::{ServiceDeploymentStatus, TaskStatus};
use berth_model::task_definition::TaskDefinition;
use berth_model::{messages, ApiError};

use crate::engine::launch::instruct_stop;
use crate::records::{invalid_parameter, ClusterRecord, Out, State, TaskKey};

/// ECS's checks of a service's `loadBalancers` (CreateService, UpdateService).
pub(crate) fn check(
    target_groups: &BTreeMap<String, TargetGroupFacts>,
    load_balancers: &[ServiceLoadBalancer],
    td: &TaskDefinition,
    role: Option<&str>,
) -> Result<(), ApiError> {
    if load_balancers.len() > 5 {
        return Err(messages::operation_error("load-balancers-too-many", &[]));
    }
    let awsvpc = td
        .network_mode
        .as_ref()
        .is_some_and(|m| m.as_str() == "awsvpc");
    if awsvpc && role.is_some() && !load_balancers.is_empty() {
        return Err(invalid_parameter(messages::SERVICE_LINKED_ROLE));
    }
    for lb in load_balancers {
        if lb.load_balancer_name.is_some() {
            return Err(messages::operation_error("classic-load-balancer", &[]));
        }
        let Some(arn) = lb.target_group_arn.as_deref() else {
            return Err(messages::operation_error("target-group-required", &[]));
        };
        let Some(facts) = target_groups.get(arn) else {
            return Err(messages::operation_error("target-group-missing", &[&arn]));
        };
        if facts.load_balancer_arns.is_empty() {
            return Err(invalid_parameter(
                messages::target_group_without_load_balancer(arn),
            ));
        }
        let name = lb.container_name.as_deref().unwrap_or_default();
        let container = td
            .container_definitions
            .iter()
            .flatten()
            .find(|c| c.name.as_deref() == Some(name))
            .ok_or_else(|| invalid_parameter(messages::container_not_in_task_definition(name)))?;
        let port = lb.container_port.unwrap_or(0);
        let has_port = container
            .port_mappings
            .iter()
            .flatten()
            .any(|m| m.container_port == Some(i64::from(port)));
        if !has_port {
            return Err(invalid_parameter(messages::container_port_not_defined(
                name, port,
            )));
        }
        let mode = td.network_mode.as_ref().map_or("bridge", |m| m.as_str());
        let wanted = if awsvpc { "ip" } else { "instance" };
        if facts.target_type != wanted {
            return Err(invalid_parameter(messages::target_type_incompatible(
                arn,
                &facts.target_type,
                mode,
            )));
        }
    }
    Ok(())
}

/// The targets of a RUNNING task for its service's load balancers: on an instance, the
/// instance and the host port its container port was published on; with awsvpc, the task's
/// address and the container port.
fn targets_of(
    task: &Task,
    ec2_instance_id: Option<&str>,
    load_balancers: &[ServiceLoadBalancer],
    target_groups: &BTreeMap<String, TargetGroupFacts>,
) -> Vec<Target> {
    let address = task
        .attachments
        .iter()
        .filter_map(|a| a["details"].as_array())
        .flatten()
        .find(|d| d["name"] == "privateIPv4Address")
        .and_then(|d| d["value"].as_str())
        .map(str::to_owned);
    load_balancers
        .iter()
        .filter_map(|lb| {
            let arn = lb.target_group_arn.clone()?;
            let port = lb.container_port?;
            let ip = target_groups.get(&arn)?.target_type == "ip";
            let (id, port) = if ip {
                (address.clone()?, port)
            } else {
                let host_port = task
                    .containers
                    .iter()
                    .filter(|c| c.name == lb.container_name.as_deref().unwrap_or_default())
                    .flat_map(|c| c.network_bindings.iter())
                    .find(|b| u32::from(b.container_port) == port)?
                    .host_port;
                (ec2_instance_id?.to_owned(), u32::from(host_port))
            };
            Some(Target {
                target_group_arn: arn,
                id,
                port,
            })
        })
        .collect()
}

/// Registers the targets of the service's RUNNING tasks that have none yet. Returns ECS's
/// events, one per target group: `registered N targets in (target-group …)`.
pub(crate) fn register_running(
    cluster: &mut ClusterRecord,
    out: &mut Out<'_>,
    target_groups: &BTreeMap<String, TargetGroupFacts>,
    service_name: &str,
) -> Vec<String> {
    let Some(service) = cluster.services.get(service_name) else {
        return Vec::new();
    };
    // The service's load balancers, on the side of each target group pair its deployment
    // is on; or (EXTERNAL) each task set's for its own tasks.
    let shifting = service.history.iter().rev().find_map(|h| {
        let shift = h.shift.as_ref()?;
        let under_way = matches!(
            h.status,
            ServiceDeploymentStatus::InProgress | ServiceDeploymentStatus::RollbackInProgress
        );
        under_way.then(|| (crate::records::deployment_number(&h.id), shift.alternate))
    });
    let of_deployment = |deployment: u64| -> Vec<ServiceLoadBalancer> {
        if !service.doc.load_balancers.is_empty() {
            let alternate = match shifting {
                Some((number, alternate)) if number == deployment => alternate,
                _ => service.production_alternate,
            };
            return service
                .doc
                .load_balancers
                .iter()
                .map(|lb| on_side(lb, alternate))
                .collect();
        }
        service
            .doc
            .task_sets
            .iter()
            .find(|set| crate::records::deployment_number(&set.id) == deployment)
            .map(|set| set.load_balancers.clone())
            .unwrap_or_default()
    };
    let keys: Vec<(TaskKey, Vec<ServiceLoadBalancer>)> =
        crate::records::table(cluster, service_name)
            .iter()
            .filter(|(_, t)| t.desired_running && t.phase == crate::records::Phase::Running)
            .map(|(key, t)| (*key, of_deployment(t.deployment)))
            .filter(|(_, lbs)| !lbs.is_empty())
            .collect();
    let mut registered: BTreeMap<String, usize> = BTreeMap::new();
    for (key, load_balancers) in keys {
        let Some(record) = cluster.tasks.get(&key) else {
            continue;
        };
        if !record.targets.is_empty() {
            continue;
        }
        let ec2 = record
            .instance
            .map(|i| cluster.fleet.instances()[i].ec2_instance_id.clone());
        let targets = targets_of(&record.task, ec2.as_deref(), &load_balancers, target_groups);
        if targets.is_empty() {
            continue;
        }
        for target in &targets {
            *registered
                .entry(target.target_group_arn.clone())
                .or_default() += 1;
            out.call_elb(TargetCall::Register(target.clone()));
        }
        // An earlier task that held the same target (an address or port reused) holds it
        // no more; one that was draining it is done draining.
        let mut changed = Vec::new();
        for (other, record) in cluster.tasks.iter_mut() {
            if *other == key || !record.targets.iter().any(|(t, _)| targets.contains(t)) {
                continue;
            }
            for (t, s) in &mut record.targets {
                if targets.contains(t) {
                    *s = TargetState::Gone;
                }
            }
            let done = record.targets.iter().all(|(_, s)| *s == TargetState::Gone);
            let drained = done && record.task.last_status == TaskStatus::Deactivating;
            changed.push((*other, drained.then_some(record.stop_timeout)));
        }
        for (other, drained) in changed {
            cluster.sync(other);
            if let Some(timeout) = drained {
                instruct_stop(cluster, out, other, timeout);
            }
        }
        if let Some(record) = cluster.tasks.get_mut(&key) {
            record.targets = targets
                .into_iter()
                .map(|t| (t, TargetState::Initial))
                .collect();
        }
        cluster.sync(key);
    }
    registered
        .into_iter()
        .map(|(arn, n)| messages::targets_registered(service_name, n, &arn))
        .collect()
}

/// A service load balancer with the target group of one side of its pair: its own, or
/// (`alternate`) its advancedConfiguration's alternate target group.
pub(crate) fn on_side(lb: &ServiceLoadBalancer, alternate: bool) -> ServiceLoadBalancer {
    let mut lb = lb.clone();
    let alternate_arn = lb
        .advanced_configuration
        .as_ref()
        .and_then(|a| a.alternate_target_group_arn.clone());
    if let (true, Some(arn)) = (alternate, alternate_arn) {
        lb.target_group_arn = Some(arn);
    }
    lb
}

/// Before a task stops: its targets are deregistered and it is DEACTIVATING until they have
/// drained. Returns how many targets it began draining, by target group (none: the task
/// can be stopped at once).
pub(crate) fn drain(cluster: &mut ClusterRecord, out: &mut Out<'_>, key: TaskKey) -> Vec<String> {
    let Some(record) = cluster.tasks.get_mut(&key) else {
        return Vec::new();
    };
    let mut draining = Vec::new();
    for (target, state) in &mut record.targets {
        if matches!(state, TargetState::Gone | TargetState::Draining) {
            continue;
        }
        *state = TargetState::Draining;
        out.call_elb(TargetCall::Deregister(target.clone()));
        draining.push(target.target_group_arn.clone());
    }
    if !draining.is_empty() {
        record.task.last_status = TaskStatus::Deactivating;
        record.task.version += 1;
    }
    cluster.sync(key);
    draining
}

/// A task that stopped on its own: what is left of its targets is deregistered at once.
pub(crate) fn forget(
    targets: &mut [(Target, TargetState)],
    calls: &mut std::collections::VecDeque<TargetCall>,
) {
    for (target, state) in targets {
        if !matches!(state, TargetState::Gone) {
            if !matches!(state, TargetState::Draining) {
                calls.push_back(TargetCall::Deregister(target.clone()));
            }
            *state = TargetState::Gone;
        }
    }
}

/// What ELB says of a target: its task's health for the scheduler, or, once the targets of
/// a DEACTIVATING task have all drained, the task is stopped.
pub(crate) fn handle_health(cp: &mut State, target: &Target, state: TargetState) {
    // The target's owner: the unstopped task whose registration it still is. A task that
    // stopped, or whose registration is gone, never hears of the target again, so a port a
    // later task reuses is that task's alone.
    let found = cp.clusters.iter().find_map(|(name, cluster)| {
        cluster
            .tasks
            .iter()
            .find(|(_, r)| {
                r.task.last_status != TaskStatus::Stopped
                    && r.targets
                        .iter()
                        .any(|(t, s)| t == target && *s != TargetState::Gone)
            })
            .map(|(key, _)| (name.clone(), *key))
    });
    let Some((cluster_name, key)) = found else {
        return;
    };
    let Some((cluster, mut out)) = cp.cluster_and_out(&cluster_name) else {
        return;
    };
    let Some(record) = cluster.tasks.get_mut(&key) else {
        return;
    };
    for (t, s) in &mut record.targets {
        // Gone is final; a draining target's checks no longer matter.
        let settled =
            *s == TargetState::Gone || (*s == TargetState::Draining && state != TargetState::Gone);
        if t == target && !settled {
            *s = state.clone();
        }
    }
    let drained = record.task.last_status == TaskStatus::Deactivating
        && record.targets.iter().all(|(_, s)| *s == TargetState::Gone);
    let timeout = record.stop_timeout;
    cluster.sync(key);
    if drained {
        instruct_stop(cluster, &mut out, key, timeout);
    }
    cp.dirty = true;
}

/// A task's first failing target: its target group, port and ELB's description.
pub(crate) fn failing_target(record: &crate::records::TaskRecord) -> Option<(&Target, &str)> {
    record
        .targets
        .iter()
        .find_map(|(target, state)| match state {
            TargetState::Unhealthy(description) => Some((target, description.as_str())),
            _ => None,
        })
}
