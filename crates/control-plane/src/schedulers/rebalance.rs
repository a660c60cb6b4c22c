//! Availability Zone rebalancing (ECS since 2024-11, on by default for new services since
//! 2025-06-30; DG service-rebalancing): once a REPLICA service is steady, ECS counts its tasks
//! in each zone it can run in; when they differ by more than one, it says so, starts a task in
//! the zone with the fewest, waits for it to count as healthy, stops one in the zone with the
//! most, and so on until they are even. It needs maximumPercent over 100: the start comes
//! first.
//!
//! The zones it can run in are those of the cluster's ACTIVE instances with a connected agent;
//! a zone whose instances cannot take the task gets ECS's placement-failure event, and the
//! service waits for its next step. Fargate services are not rebalanced here (their tasks' zone
//! is their subnet's, which Berth does not model).

use crate::records::{table, Phase, State, TaskKey};
use crate::schedulers::step::{counts_healthy, start_tasks_in, stop_task, Source};
use berth_model::placement::PlacementStrategyType;
use berth_model::resources::Service;
use berth_model::states::{
    AvailabilityZoneRebalancing, DeploymentControllerType, SchedulingStrategy,
};
use berth_model::{messages, SimTime};

/// Whether a service can be rebalanced (DG service-rebalancing): a REPLICA service whose
/// first placement strategy spreads by zone, or that has none, with a maximumPercent over 100
/// and no placement constraint on the zone. A new service gets ENABLED when CreateService does
/// not say and it can. Berth does not rebalance EXTERNAL services or Fargate tasks (their zone
/// is their subnet's, which Berth does not model).
pub(crate) fn compatible(service: &Service) -> bool {
    let first_spreads_zones = service.placement_strategy.first().is_none_or(|s| {
        s.r#type == Some(PlacementStrategyType::Spread)
            && s.field.as_deref() == Some(ZONE_ATTRIBUTE)
    });
    let zone_constraint = service.placement_constraints.iter().any(|c| {
        c.expression
            .as_deref()
            .is_some_and(|e| e.contains(ZONE_ATTRIBUTE))
    });
    service.scheduling_strategy == SchedulingStrategy::Replica
        && service.deployment_controller.r#type == DeploymentControllerType::Ecs
        && service.platform_family.is_none()
        && service.deployment_configuration.maximum_percent > 100
        && first_spreads_zones
        && !zone_constraint
}

const ZONE_ATTRIBUTE: &str = "attribute:ecs.availability-zone";

/// A task as the plan weighs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Placed<'a> {
    pub(crate) key: TaskKey,
    pub(crate) zone: &'a str,
    pub(crate) healthy: bool,
    /// Scale-in protected: rebalancing does not stop it.
    pub(crate) protected: bool,
}

/// What [`plan`] reads.
pub(crate) struct View<'a> {
    pub(crate) desired: u32,
    pub(crate) max_tasks: u32,
    /// The zones the service can run in, sorted.
    pub(crate) zones: &'a [&'a str],
    /// Its tasks desired RUNNING, in the table's order.
    pub(crate) tasks: &'a [Placed<'a>],
}

/// What a step of rebalancing does.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Plan<'a> {
    /// Even (no zone has more than one task more than another): nothing to do.
    Balanced,
    /// Start a task in this zone, the one with the fewest.
    Start(&'a str),
    /// Stop this task, of the zone with the most.
    Stop(TaskKey, &'a str),
    /// Not even, but a task does not count as healthy yet, or neither bound lets one move.
    Wait,
}

/// Each zone's task count, in the zones' order.
pub(crate) fn counts<'a>(zones: &[&'a str], tasks: &[Placed<'_>]) -> Vec<(&'a str, u32)> {
    zones
        .iter()
        .map(|zone| {
            let n = tasks.iter().filter(|t| t.zone == *zone).count() as u32;
            (*zone, n)
        })
        .collect()
}

/// One step: the zone counts, then a start, a stop or nothing.
pub(crate) fn plan<'a>(view: &View<'a>) -> Plan<'a> {
    let counts = counts(view.zones, view.tasks);
    let (Some(fewest), Some(most)) = (
        counts.iter().min_by_key(|(_, n)| *n),
        // The last of the fullest, so a tie leaves the zones that sort first alone.
        counts.iter().max_by_key(|(_, n)| *n),
    ) else {
        return Plan::Balanced;
    };
    let live = view.tasks.len() as u32;
    let healthy = view.tasks.iter().filter(|t| t.healthy).count() as u32;
    let even = most.1 - fewest.1 <= 1;
    if even && live <= view.desired {
        return Plan::Balanced;
    }
    // Every move waits for the one before to count.
    if healthy < live {
        return Plan::Wait;
    }
    let stop = |zone: &'a str| {
        view.tasks
            .iter()
            .find(|t| t.zone == zone && !t.protected)
            .map_or(Plan::Wait, |t| Plan::Stop(t.key, zone))
    };
    if live > view.desired {
        // The task it started counts: one goes from the fullest zone.
        return stop(most.0);
    }
    if live < view.max_tasks {
        Plan::Start(fewest.0)
    } else {
        Plan::Wait
    }
}

/// A step of rebalancing for a steady REPLICA service, after the replica plan has done
/// nothing; returns the events it writes.
pub(crate) fn step(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
) -> Vec<String> {
    let cluster = &cp.clusters[cluster_name];
    let record = &cluster.services[service_name];
    let doc = &record.doc;
    if doc.availability_zone_rebalancing != Some(AvailabilityZoneRebalancing::Enabled)
        || !compatible(doc)
    {
        return Vec::new();
    }
    let fleet = cluster.fleet.instances();
    let zone_of = |i: usize| fleet[i].attribute_value("ecs.availability-zone");
    let mut zones: Vec<&str> = fleet
        .iter()
        .filter(|i| i.status == berth_scheduler::InstanceStatus::Active && i.agent_connected)
        .filter_map(|i| i.attribute_value("ecs.availability-zone"))
        .collect();
    zones.sort_unstable();
    zones.dedup();
    let tasks: Vec<Placed> = table(cluster, service_name)
        .iter()
        .filter(|(_, t)| t.desired_running)
        .filter_map(|(key, t)| {
            Some(Placed {
                key: *key,
                zone: zone_of(t.instance?)?,
                healthy: t.phase == Phase::Running && counts_healthy(t, now),
                protected: t.protected_until.is_some_and(|until| until > now),
            })
        })
        .collect();
    let config = &doc.deployment_configuration;
    let (max_tasks, _) = crate::schedulers::step::bounds(
        doc.desired_count,
        config.maximum_percent,
        config.minimum_healthy_percent,
    );
    let view = View {
        desired: doc.desired_count,
        max_tasks,
        zones: &zones,
        tasks: &tasks,
    };
    let decided = plan(&view);
    let zone_counts = counts(&zones, &tasks);
    let counted: Vec<(String, u32)> = zone_counts
        .iter()
        .map(|(z, n)| ((*z).to_owned(), *n))
        .collect();
    let decided = match decided {
        Plan::Balanced => None,
        Plan::Wait => Some((None, None)),
        Plan::Start(zone) => Some((Some(zone.to_owned()), None)),
        Plan::Stop(key, zone) => Some((None, Some((key, zone.to_owned())))),
    };
    let deployment = (doc.deployments.first()).map(|d| (d.task_definition.clone(), d.id.clone()));
    let rebalancing = record.rebalancing;

    let mut events = Vec::new();
    let Some((start, stop)) = decided else {
        if rebalancing {
            events.push(messages::rebalancing_completed(service_name, &counted));
            cp.service_mut(cluster_name, service_name)
                .expect("stepped above")
                .rebalancing = false;
        }
        return events;
    };
    if !rebalancing {
        events.push(messages::rebalancing_started(service_name, &counted));
        let record = cp
            .service_mut(cluster_name, service_name)
            .expect("stepped above");
        record.rebalancing = true;
    }
    if let (Some(zone), Some((task_definition, id))) = (start, deployment) {
        let source = Source::Deployment {
            task_definition: &task_definition,
            id: &id,
        };
        let (started, problem) =
            start_tasks_in(cp, now, cluster_name, service_name, source, 1, Some(&zone));
        let ids: Vec<&str> = started
            .iter()
            .map(|arn| crate::records::last_segment(arn))
            .collect();
        if !ids.is_empty() {
            events.push(messages::rebalancing_tasks_started(
                service_name,
                &zone,
                &ids,
            ));
        }
        if problem.is_some() {
            let record = cp
                .service_mut(cluster_name, service_name)
                .expect("stepped above");
            let message = messages::rebalancing_placement_failure(service_name, &zone);
            if record.last_problem.as_deref() != Some(message.as_str()) {
                record.last_problem = Some(message.clone());
                events.push(message);
            }
        }
    }
    if let Some((key, zone)) = stop {
        let id = cp.clusters[cluster_name].services[service_name]
            .doc
            .deployments[0]
            .id
            .clone();
        let reason = messages::rebalancing_stopped_reason(&id);
        stop_task(cp, now, cluster_name, key, &reason);
        let id = key.id();
        events.push(messages::rebalancing_tasks_stopped(
            service_name,
            &zone,
            &[&id],
        ));
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u128) -> TaskKey {
        TaskKey::of(&format!("{n:032x}")).unwrap()
    }

    fn task(n: u128, zone: &str) -> Placed<'_> {
        Placed {
            key: key(n),
            zone,
            healthy: true,
            protected: false,
        }
    }

    const ZONES: &[&str] = &["us-east-1a", "us-east-1b", "us-east-1c"];

    fn view<'a>(desired: u32, max: u32, tasks: &'a [Placed<'a>]) -> View<'a> {
        let (max_tasks, _) = crate::schedulers::step::bounds(desired, max, 100);
        View {
            desired,
            max_tasks,
            zones: ZONES,
            tasks,
        }
    }

    #[test]
    fn zones_within_one_task_of_each_other_are_balanced() {
        let tasks = [
            task(1, "us-east-1a"),
            task(2, "us-east-1b"),
            task(3, "us-east-1c"),
            task(4, "us-east-1a"),
        ];
        assert_eq!(plan(&view(4, 200, &tasks)), Plan::Balanced);
    }

    /// After zone 1a's instances come back: every task is in 1b and 1c; one starts in 1a
    /// (the first of the emptiest), then, once it counts, one stops in the fullest.
    #[test]
    fn a_start_in_the_emptiest_zone_then_a_stop_in_the_fullest() {
        let tasks = [
            task(1, "us-east-1b"),
            task(2, "us-east-1c"),
            task(3, "us-east-1b"),
            task(4, "us-east-1c"),
        ];
        assert_eq!(plan(&view(4, 200, &tasks)), Plan::Start("us-east-1a"));
        let mut more = tasks.to_vec();
        more.push(Placed {
            healthy: false,
            ..task(5, "us-east-1a")
        });
        assert_eq!(plan(&view(4, 200, &more)), Plan::Wait, "until it counts");
        more[4].healthy = true;
        assert_eq!(plan(&view(4, 200, &more)), Plan::Stop(key(2), "us-east-1c"));
    }

    #[test]
    fn without_room_or_with_protected_tasks_it_waits() {
        let tasks = [
            task(1, "us-east-1b"),
            task(2, "us-east-1b"),
            task(3, "us-east-1b"),
        ];
        assert_eq!(
            plan(&view(3, 120, &tasks)),
            Plan::Wait,
            "⌊3 × 1.2⌋ = 3: no room"
        );
        let mut tasks = tasks.to_vec();
        tasks.push(task(4, "us-east-1a"));
        for t in &mut tasks {
            t.protected = true;
        }
        assert_eq!(plan(&view(3, 200, &tasks)), Plan::Wait);
    }

    #[test]
    fn a_service_rebalances_by_default_only_when_it_can() {
        let mut service = Service::default();
        service.deployment_configuration.maximum_percent = 200;
        assert!(compatible(&service));
        let strategy = |kind, field: &str| berth_model::placement::PlacementStrategy {
            r#type: Some(kind),
            field: Some(field.into()),
        };
        service.placement_strategy = vec![strategy(PlacementStrategyType::Binpack, "memory")];
        assert!(!compatible(&service), "binpack first");
        service.placement_strategy = vec![
            strategy(PlacementStrategyType::Spread, ZONE_ATTRIBUTE),
            strategy(PlacementStrategyType::Binpack, "memory"),
        ];
        assert!(compatible(&service), "spread by zone, then binpack");
        service.deployment_configuration.maximum_percent = 100;
        assert!(!compatible(&service), "maximumPercent 100");
    }
}
