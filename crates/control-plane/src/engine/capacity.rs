//! Capacity providers at work: a strategy's rules and its split of tasks over providers, and
//! managed scaling's look at each Auto Scaling group provider once a minute (§9.1).

use crate::records::capacity::{ClusterProviders, ScalingRequest, BUILT_IN};
use crate::records::timers::Wake;
use crate::records::{invalid_parameter, ClusterRecord, State};
use berth_model::resources::CapacityProviderStrategyItem;
use berth_model::states::{SchedulingStrategy, TaskStatus, Toggle};
use berth_model::{messages, ApiError, ExceptionType, SimTime};
use serde_json::Value;

/// A strategy checked against ECS's rules and the cluster's providers.
fn check_strategy(
    providers: &[String],
    strategy: &[CapacityProviderStrategyItem],
) -> Result<(), ApiError> {
    if strategy.len() > 20 {
        return Err(messages::operation_error("strategy-too-long", &[]));
    }
    for item in strategy {
        if !providers.contains(&item.capacity_provider) {
            return Err(messages::operation_error(
                "strategy-provider-not-associated",
                &[],
            ));
        }
        if !(0..=1000).contains(&item.weight.unwrap_or(0))
            || !(0..=100_000).contains(&item.base.unwrap_or(0))
        {
            return Err(messages::operation_error("strategy-weight-base", &[]));
        }
    }
    if strategy.iter().filter(|i| i.base.unwrap_or(0) > 0).count() > 1 {
        return Err(messages::operation_error("strategy-one-base", &[]));
    }
    if !strategy.is_empty() && strategy.iter().all(|i| i.weight.unwrap_or(0) == 0) {
        return Err(messages::operation_error("strategy-weights-zero", &[]));
    }
    let fargate = strategy
        .iter()
        .filter(|i| is_fargate(&i.capacity_provider))
        .count();
    if fargate != 0 && fargate != strategy.len() {
        return Err(messages::operation_error("strategy-mixed", &[]));
    }
    Ok(())
}

/// Whether a provider is Fargate's (else an Auto Scaling group's).
pub(crate) fn is_fargate(name: &str) -> bool {
    BUILT_IN.contains(&name)
}

/// Whether a (checked, non-empty) strategy runs its tasks on Fargate.
pub(crate) fn on_fargate(strategy: &[CapacityProviderStrategyItem]) -> bool {
    strategy.iter().all(|i| is_fargate(&i.capacity_provider))
}

/// The strategy a RunTask uses: the one given, else (without a launch type) the cluster's
/// default; `None` for the EC2 path. Refuses both a launch type and a strategy.
pub(crate) fn strategy_for(
    cluster: &ClusterRecord,
    launch_type: Option<&str>,
    given: Option<&Value>,
) -> Result<Option<Vec<CapacityProviderStrategyItem>>, ApiError> {
    let given: Vec<CapacityProviderStrategyItem> = match given {
        Some(value) => serde_json::from_value(value.clone()).map_err(|error| {
            ApiError::new(ExceptionType::SerializationException, error.to_string())
        })?,
        None => Vec::new(),
    };
    if launch_type.is_some() && !given.is_empty() {
        return Err(invalid_parameter(messages::LAUNCH_TYPE_AND_STRATEGY));
    }
    let strategy = if !given.is_empty() {
        given
    } else if launch_type.is_none() {
        cluster.providers.default_strategy.clone()
    } else {
        Vec::new()
    };
    if strategy.is_empty() {
        return Ok(None);
    }
    check_strategy(&cluster.providers.names, &strategy)?;
    Ok(Some(strategy))
}

/// Which provider the next task goes to, given how many of this call each already has:
/// the base first, then whichever is furthest below its share of the weights.
pub(crate) fn next_provider(strategy: &[CapacityProviderStrategyItem], counts: &[u64]) -> usize {
    if let Some(i) = (0..strategy.len()).find(|&i| counts[i] < strategy[i].base.unwrap_or(0) as u64)
    {
        return i;
    }
    let based: Vec<u64> = strategy
        .iter()
        .zip(counts)
        .map(|(item, n)| n.saturating_sub(item.base.unwrap_or(0) as u64))
        .collect();
    (0..strategy.len())
        .filter(|&i| strategy[i].weight.unwrap_or(0) > 0)
        // Fewest tasks per unit of weight; the first listed on a tie.
        .min_by(|&a, &b| {
            let (wa, wb) = (
                strategy[a].weight.unwrap_or(0) as u64,
                strategy[b].weight.unwrap_or(0) as u64,
            );
            (based[a] * wb).cmp(&(based[b] * wa)).then(a.cmp(&b))
        })
        .unwrap_or(0)
}

/// A deployment's tasks per provider of the service's strategy (desired RUNNING): the base
/// and weights apply to all of them, not just the ones a step launches.
pub(crate) fn provider_counts(
    cluster: &ClusterRecord,
    service_name: &str,
    deployment: &str,
    strategy: &[CapacityProviderStrategyItem],
) -> Vec<u64> {
    strategy
        .iter()
        .map(|item| {
            crate::records::service_tasks(cluster, service_name)
                .filter(|t| t.task.desired_status == TaskStatus::Running)
                .filter(|t| t.task.started_by.as_deref() == Some(deployment))
                .filter(|t| {
                    t.task.capacity_provider_name.as_deref() == Some(&item.capacity_provider)
                })
                .count() as u64
        })
        .collect()
}

/// How many of `count` new tasks each provider of a strategy gets, given how many each has
/// (`counts`, updated): `(provider, share)` for the providers that get some; without a
/// strategy, all of them on no provider.
pub(crate) fn shares(
    strategy: Option<&[CapacityProviderStrategyItem]>,
    counts: &mut [u64],
    count: u32,
) -> Vec<(Option<String>, u32)> {
    let Some(strategy) = strategy.filter(|s| !s.is_empty()) else {
        return vec![(None, count)];
    };
    let mut shares = vec![0u32; strategy.len()];
    for _ in 0..count {
        let i = next_provider(strategy, counts);
        counts[i] += 1;
        shares[i] += 1;
    }
    strategy
        .iter()
        .zip(shares)
        .filter(|(_, n)| *n > 0)
        .map(|(item, n)| (Some(item.capacity_provider.clone()), n))
        .collect()
}

impl ClusterProviders {
    /// A cluster's providers, checked: each is Fargate's or an ACTIVE Auto Scaling group
    /// provider (one with managed scaling serves one cluster only), and the default strategy
    /// names only providers of the cluster.
    pub(crate) fn checked(
        cp: &State,
        cluster: &str,
        names: Vec<String>,
        default_strategy: Vec<CapacityProviderStrategyItem>,
    ) -> Result<ClusterProviders, ApiError> {
        for name in &names {
            if is_fargate(name) {
                continue;
            }
            let Some(provider) = cp.capacity_providers.get(name).filter(|p| p.active()) else {
                return Err(messages::operation_error(
                    "capacity-provider-unknown",
                    &[name],
                ));
            };
            if provider.scaling.status == Toggle::Enabled {
                if let Some(other) = cp
                    .clusters
                    .values()
                    .find(|c| c.active && c.name != cluster && c.providers.names.contains(name))
                {
                    return Err(messages::operation_error(
                        "capacity-provider-other-cluster",
                        &[name, &other.name],
                    ));
                }
            }
        }
        check_strategy(&names, &default_strategy)?;
        Ok(ClusterProviders {
            names,
            default_strategy,
        })
    }
}

/// How often managed scaling looks at a provider (ECS's metric is per minute).
pub(crate) const SCALING_PERIOD_MS: u64 = 60_000;

/// How long the metric stays below target before the group scales in (15 datapoints).
const SCALE_IN_AFTER_MS: u64 = 15 * 60_000;

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
                cp.timers.arm(at, Wake::ManagedScaling);
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
        cp.timers
            .arm(now.plus_millis(SCALING_PERIOD_MS), Wake::ManagedScaling);
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
    let Some(provider) = cp.capacity_providers.get_mut(name) else {
        return;
    };
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
    cp.out().emit(
        now,
        "Berth Managed Scaling",
        &arn,
        &serde_json::to_value(&request).expect("serialises"),
    );
    cp.scaling.push_back(request);
}

/// The name of an Auto Scaling group given as an ARN (`...:autoScalingGroupName/<name>`) or
/// as a name.
pub(crate) fn group_name(given: &str) -> &str {
    given
        .split_once(":autoScalingGroupName/")
        .map_or(given, |(_, name)| name)
}
