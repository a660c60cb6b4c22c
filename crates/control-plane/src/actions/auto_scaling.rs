//! Auto Scaling group capacity providers (CreateCapacityProvider, UpdateCapacityProvider,
//! DeleteCapacityProvider) and cluster auto scaling (managed scaling, §9.1).
//!
//! A capacity provider names an Auto Scaling group. Instances the group launches after the
//! provider exists belong to it (`capacityProviderName`), and a strategy's share for the
//! provider is placed on them only. When none can take a task and the provider has managed
//! scaling, the task waits in PROVISIONING instead of failing, and once a minute ECS works
//! out how many instances the provider needs:
//!
//! - M = instances running a task (DAEMON services' tasks aside) + instances the waiting
//!   tasks need (their CPU and memory
//!   binpacked onto instances the size of the provider's largest), or 2 when it has none
//!   yet (ECS scales an empty group out to 200%);
//! - CapacityProviderReservation = M / N × 100 for N instances, and the group's desired
//!   capacity is ceil(M × 100 / targetCapacity);
//! - it scales out by at least minimumScalingStepSize and at most maximumScalingStepSize
//!   instances, and not again within instanceWarmupPeriod; it scales in only after the
//!   metric has stayed below target for 15 minutes, and with managed termination protection
//!   never takes an instance that runs a task (a DAEMON service's tasks aside: they run
//!   everywhere).
//!
//! The group itself is EC2 Auto Scaling's, which Berth's virtual fleet plays: the control
//! plane hands it a [`ScalingRequest`] (where ECS would publish the metric for the group's
//! target-tracking policy) and the fleet launches or terminates instances.

use serde_json::Value;

use berth_model::states::{
    CapacityProviderStatus, CapacityProviderUpdateStatus, SchedulingStrategy, TaskStatus,
};
use berth_model::{messages, ApiError, ExceptionType, SimTime};

use crate::records::{
    capacity::AsgProvider, capacity::ManagedScaling, capacity::ScalingRequest, last_segment, State,
};
use crate::requests::*;

/// How often managed scaling looks at a provider (ECS's metric is per minute).
pub(crate) const SCALING_PERIOD_MS: u64 = 60_000;

/// How long the metric stays below target before the group scales in (15 datapoints).
const SCALE_IN_AFTER_MS: u64 = 15 * 60_000;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ExceptionType::InvalidParameterException, message)
}

/// The name of an Auto Scaling group given as an ARN (`...:autoScalingGroupName/<name>`) or
/// as a name.
fn group_name(given: &str) -> &str {
    given
        .split_once(":autoScalingGroupName/")
        .map_or(given, |(_, name)| name)
}

fn on_off(given: Option<&str>, default: bool, key: &str) -> Result<bool, ApiError> {
    match given {
        None => Ok(default),
        Some("ENABLED") => Ok(true),
        Some("DISABLED") => Ok(false),
        Some(other) => Err(messages::unconfirmed_error(key, &[&other])),
    }
}

fn group_provider(value: Option<&Value>) -> Result<AutoScalingGroupProviderInput, ApiError> {
    match value {
        None => Err(messages::unconfirmed_error("asg-provider-required", &[])),
        Some(value) => serde_json::from_value(value.clone())
            .map_err(|e| invalid(e.to_string().replace("unknown field", "Unknown parameter"))),
    }
}

pub(super) fn create(
    cp: &mut State,
    request: CreateCapacityProviderRequest,
) -> Result<Response, ApiError> {
    let name = request.name.unwrap_or_default();
    if name.is_empty()
        || name.len() > 255
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(messages::unconfirmed_error("capacity-provider-name", &[]));
    }
    let lower = name.to_ascii_lowercase();
    if ["aws", "ecs", "fargate"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Err(messages::unconfirmed_error(
            "capacity-provider-name-prefix",
            &[],
        ));
    }
    if request.managed_instances_provider.is_some() {
        return Err(messages::unconfirmed_error("managed-instances", &[]));
    }
    let given = group_provider(request.auto_scaling_group_provider.as_ref())?;
    let group = given
        .auto_scaling_group_arn
        .filter(|a| !a.is_empty())
        .ok_or_else(|| messages::unconfirmed_error("asg-arn-required", &[]))?;
    if cp.capacity_providers.contains_key(&name) {
        return Err(messages::unconfirmed_error("capacity-provider-exists", &[]));
    }
    let asg_arn = if group.starts_with("arn:") {
        if !group.contains(":autoScalingGroupName/") {
            return Err(messages::unconfirmed_error("asg-arn-invalid", &[&group]));
        }
        group
    } else {
        let id = cp.new_id();
        let id = id.as_str();
        format!(
            "arn:aws:autoscaling:{}:{}:autoScalingGroup:{}-{}-{}-{}-{}:autoScalingGroupName/{group}",
            cp.scope.region,
            cp.scope.account_id,
            &id[..8],
            &id[8..12],
            &id[12..16],
            &id[16..20],
            &id[20..32]
        )
    };
    if let Some(other) = cp
        .capacity_providers
        .values()
        .find(|p| p.active() && group_name(&p.asg_arn) == group_name(&asg_arn))
    {
        return Err(messages::unconfirmed_error("asg-in-use", &[&other.name]));
    }
    let scaling = ManagedScaling::default().merged(given.managed_scaling.as_ref())?;
    let termination_protection = on_off(
        given.managed_termination_protection.as_deref(),
        false,
        "enabled-disabled",
    )?;
    if termination_protection && !scaling.enabled() {
        return Err(messages::unconfirmed_error(
            "termination-protection-needs-scaling",
            &[],
        ));
    }
    let draining = on_off(given.managed_draining.as_deref(), true, "enabled-disabled")?;
    let tags = request.tags.unwrap_or_default();
    super::tags::check(&tags)?;
    let provider = AsgProvider {
        arn: format!(
            "arn:aws:ecs:{}:{}:capacity-provider/{name}",
            cp.scope.region, cp.scope.account_id
        ),
        name: name.clone(),
        status: CapacityProviderStatus::Active,
        update_status: CapacityProviderUpdateStatus::CreateComplete,
        asg_arn,
        scaling,
        termination_protection,
        draining,
        tags,
        scaled_out_at: None,
        surplus_since: None,
        desired: None,
    };
    let document = provider.document(true);
    cp.capacity_providers.insert(name, provider);
    Ok(Response::CapacityProvider(CapacityProviderResponse {
        capacity_provider: Some(document),
    }))
}

/// The ACTIVE Auto Scaling group provider a name or ARN names.
fn active_provider<'c>(
    cp: &'c mut State,
    given: &str,
) -> Result<&'c mut crate::records::capacity::AsgProvider, ApiError> {
    let name = last_segment(given);
    if crate::records::capacity::BUILT_IN.contains(&name) {
        return Err(messages::unconfirmed_error(
            "capacity-provider-reserved",
            &[],
        ));
    }
    cp.capacity_providers
        .get_mut(name)
        .filter(|p| p.active())
        .ok_or_else(|| messages::unconfirmed_error("capacity-provider-missing", &[]))
}

pub(super) fn update(
    cp: &mut State,
    request: UpdateCapacityProviderRequest,
) -> Result<Response, ApiError> {
    if request.managed_instances_provider.is_some() {
        return Err(messages::unconfirmed_error("managed-instances", &[]));
    }
    let given = group_provider(request.auto_scaling_group_provider.as_ref())?;
    let provider = active_provider(cp, request.name.as_deref().unwrap_or(""))?;
    if given.auto_scaling_group_arn.is_some() {
        return Err(messages::unconfirmed_error("asg-arn-fixed", &[]));
    }
    let scaling = provider.scaling.merged(given.managed_scaling.as_ref())?;
    let name = provider.name.clone();
    // Managed scaling serves one cluster: it cannot be turned on for a provider in several.
    let clusters: Vec<String> = cp
        .clusters
        .values()
        .filter(|c| c.active && c.providers.names.contains(&name))
        .map(|c| c.name.clone())
        .collect();
    if scaling.enabled() && clusters.len() > 1 {
        return Err(messages::unconfirmed_error(
            "capacity-provider-other-cluster",
            &[&name, &clusters[1]],
        ));
    }
    let provider = cp.capacity_providers.get_mut(&name).expect("found above");
    let termination_protection = on_off(
        given.managed_termination_protection.as_deref(),
        provider.termination_protection,
        "enabled-disabled",
    )?;
    if termination_protection && !scaling.enabled() {
        return Err(messages::unconfirmed_error(
            "termination-protection-needs-scaling",
            &[],
        ));
    }
    provider.draining = on_off(
        given.managed_draining.as_deref(),
        provider.draining,
        "enabled-disabled",
    )?;
    provider.scaling = scaling;
    provider.termination_protection = termination_protection;
    provider.update_status = CapacityProviderUpdateStatus::UpdateComplete;
    Ok(Response::CapacityProvider(CapacityProviderResponse {
        capacity_provider: Some(provider.document(true)),
    }))
}

pub(super) fn delete(
    cp: &mut State,
    request: DeleteCapacityProviderRequest,
) -> Result<Response, ApiError> {
    let given = request.capacity_provider.unwrap_or_default();
    let name = active_provider(cp, &given)?.name.clone();
    if cp
        .clusters
        .values()
        .any(|c| c.active && c.providers.names.contains(&name))
    {
        return Err(messages::unconfirmed_error(
            "capacity-provider-associated",
            &[],
        ));
    }
    let provider = cp.capacity_providers.get_mut(&name).expect("found above");
    provider.status = CapacityProviderStatus::Inactive;
    provider.update_status = CapacityProviderUpdateStatus::DeleteComplete;
    let mut document = provider.document(true);
    // The call answers while the deletion is under way (§9).
    document["status"] = "ACTIVE".into();
    document["updateStatus"] = "DELETE_IN_PROGRESS".into();
    Ok(Response::CapacityProvider(CapacityProviderResponse {
        capacity_provider: Some(document),
    }))
}

/// The Auto Scaling group capacity provider an instance registering from `group` (an ARN
/// from its identity document) belongs to.
pub(crate) fn provider_of_group(cp: &State, group: &str) -> Option<String> {
    cp.capacity_providers
        .values()
        .find(|p| p.active() && group_name(&p.asg_arn) == group_name(group))
        .map(|p| p.name.clone())
}

/// Whether tasks that find no room on `provider` wait for capacity (managed scaling).
pub(crate) fn waits_for_capacity(cp: &State, provider: &str) -> bool {
    cp.capacity_providers
        .get(provider)
        .is_some_and(|p| p.active() && p.scaling.enabled())
}

/// Managed scaling's clock: once a minute while a cluster has a provider with managed
/// scaling, it looks at each such provider.
pub(crate) fn tick(cp: &mut State, now: SimTime) {
    match cp.next_scaling {
        Some(at) if at <= now => evaluate(cp, now),
        Some(_) => {}
        None => {
            if !managed_pairs(cp).is_empty() {
                let at = now.plus_millis(SCALING_PERIOD_MS);
                cp.next_scaling = Some(at);
                cp.wakeups.insert(at);
            }
        }
    }
}

/// `(cluster, provider)` for every provider with managed scaling in an ACTIVE cluster.
fn managed_pairs(cp: &State) -> Vec<(String, String)> {
    cp.clusters
        .values()
        .filter(|c| c.active)
        .flat_map(|c| {
            c.providers
                .names
                .iter()
                .map(move |p| (c.name.clone(), p.clone()))
        })
        .filter(|(_, p)| waits_for_capacity(cp, p))
        .collect()
}

fn evaluate(cp: &mut State, now: SimTime) {
    let mut looked = false;
    let pairs = managed_pairs(cp);
    for (cluster, provider) in pairs {
        looked = true;
        evaluate_one(cp, now, &cluster, &provider);
    }
    if looked {
        cp.next_scaling = Some(now.plus_millis(SCALING_PERIOD_MS));
        cp.wakeups.insert(now.plus_millis(SCALING_PERIOD_MS));
    } else {
        cp.next_scaling = None;
    }
}

fn evaluate_one(cp: &mut State, now: SimTime, cluster_name: &str, name: &str) {
    let cluster = &cp.clusters[cluster_name];
    let provider = &cp.capacity_providers[name];
    // The provider's instances, each with whether it runs a task that is not a DAEMON
    // service's: daemon tasks run everywhere, so they neither keep an instance busy nor
    // protect it from scale-in.
    let members: Vec<(&berth_scheduler::ContainerInstance, bool)> = cluster
        .fleet
        .instances()
        .iter()
        .enumerate()
        .filter(|(_, i)| i.capacity_provider.as_deref() == Some(name))
        .filter(|(_, i)| i.status != berth_scheduler::InstanceStatus::Inactive)
        .map(|(index, i)| {
            let working = cluster.instances[index].tasks.iter().any(|key| {
                cluster.tasks.get(key).is_some_and(|t| {
                    t.task.desired_status == TaskStatus::Running
                        && !t.service.as_deref().is_some_and(|s| {
                            cluster.services.get(s).is_some_and(|s| {
                                s.doc.scheduling_strategy == SchedulingStrategy::Daemon
                            })
                        })
                })
            });
            (i, working)
        })
        .collect();
    let n = members.len() as u64;
    let busy = members.iter().filter(|(_, working)| *working).count() as u64;
    let waiting: Vec<(u64, u64)> = cluster
        .waiting
        .iter()
        .filter_map(|key| cluster.tasks.get(key))
        .filter(|r| r.awaiting.as_ref().is_some_and(|a| a.provider == name))
        .map(|r| {
            (
                r.task.cpu.parse().unwrap_or(0),
                r.task.memory.parse().unwrap_or(0),
            )
        })
        .collect();
    let largest = members
        .iter()
        .map(|(i, _)| (u64::from(i.registered.cpu), u64::from(i.registered.memory)))
        .max();
    let needed = match largest {
        _ if waiting.is_empty() => 0,
        // An empty group scales out to 200%: two instances.
        None => 2,
        Some((cpu, memory)) => {
            // Tasks larger than an instance can never be placed: they are left out.
            let fits: Vec<&(u64, u64)> = waiting
                .iter()
                .filter(|(c, m)| *c <= cpu && *m <= memory)
                .collect();
            let total_cpu: u64 = fits.iter().map(|(c, _)| c).sum();
            let total_memory: u64 = fits.iter().map(|(_, m)| m).sum();
            let by = |total: u64, size: u64| total.div_ceil(size.max(1));
            if fits.is_empty() {
                0
            } else {
                by(total_cpu, cpu).max(by(total_memory, memory)).max(1)
            }
        }
    };
    let m = busy + needed;
    let reservation = match (m, n) {
        (0, 0) => 100,
        (_, 0) => 200,
        _ => (m * 100 / n) as u32,
    };
    let target = u64::from(provider.scaling.target_capacity);
    let desired = (m * 100).div_ceil(target);
    let protected: Vec<String> = if provider.termination_protection {
        members
            .iter()
            .filter(|(_, working)| *working)
            .map(|(i, _)| i.ec2_instance_id.clone())
            .collect()
    } else {
        Vec::new()
    };
    let warm = provider.scaled_out_at.is_none_or(|at| {
        now >= at.plus_millis(u64::from(provider.scaling.instance_warmup_period) * 1000)
    });
    let min_step = u64::from(provider.scaling.minimum_scaling_step_size);
    let max_step = u64::from(provider.scaling.maximum_scaling_step_size);
    let new_desired = if desired > n {
        // Instances launched within the warm-up period are on their way: no second step.
        warm.then(|| n + (desired - n).clamp(min_step, max_step))
    } else if desired < n {
        match provider.surplus_since {
            Some(since) if now >= since.plus_millis(SCALE_IN_AFTER_MS) => Some(desired),
            _ => None,
        }
    } else {
        None
    };
    let surplus = desired < n;
    let provider = cp.capacity_providers.get_mut(name).expect("exists");
    match (surplus, provider.surplus_since) {
        (true, None) => provider.surplus_since = Some(now),
        (false, _) => provider.surplus_since = None,
        _ => {}
    }
    let Some(new_desired) = new_desired else {
        return;
    };
    let new_desired = new_desired.min(u64::from(u32::MAX)) as u32;
    if u64::from(new_desired) > n {
        provider.scaled_out_at = Some(now);
    } else {
        provider.surplus_since = None;
    }
    provider.desired = Some(new_desired);
    let request = ScalingRequest {
        cluster: cluster_name.to_owned(),
        capacity_provider: name.to_owned(),
        auto_scaling_group_arn: provider.asg_arn.clone(),
        desired_capacity: new_desired,
        protected_instance_ids: protected,
        reservation,
    };
    let arn = provider.arn.clone();
    cp.emit(
        now,
        "Berth Managed Scaling",
        &arn,
        &serde_json::to_value(&request).expect("serialises"),
    );
    cp.scaling.push_back(request);
}
