//! The virtual fleet's load model: how much CPU and memory a task uses, and how long it takes
//! to answer, given the requests a load balancer sent it in a minute. Real ECS reads these
//! from the containers (the agent's Docker stats); a virtual container has no process, so
//! Berth models one — simply, in one place, so a learner can predict every figure:
//!
//! - **CPU.** A request costs [`CPU_MS_PER_REQUEST`] ms of one vCPU (1024 units), on top of
//!   an idle floor of 1 % of the task's CPU units (2 units, Docker's least share, for a task
//!   that specifies none). A task-level CPU size is a hard limit (and on Fargate); otherwise
//!   the tasks of an instance share its registered CPU, each held back in proportion when
//!   together they want more.
//! - **Response time.** One request takes [`CPU_MS_PER_REQUEST`] ms on a whole vCPU, longer on
//!   less; queueing stretches it by 1 / (1 − ρ) (ρ: what the task wants over what it may
//!   have, at most 0.99), as in an M/M/1 queue — so latency climbs as a task saturates.
//! - **Memory.** A quarter of what the task specifies, plus what its commands allocate
//!   (`stress --vm-bytes`), plus [`MIB_PER_REQUEST_IN_FLIGHT`] for each request in flight
//!   (requests a second × response time), never beyond the hard limit.
//!
//! Every figure is a pure function of the facts and the requests: a replay gives the same
//! metrics, byte for byte.

use std::collections::BTreeMap;

use berth_control_plane::{ClusterUsage, TaskUsage};

/// Milliseconds of one vCPU a request costs.
pub(crate) const CPU_MS_PER_REQUEST: f64 = 1.0;
/// MiB each request in flight holds.
pub(crate) const MIB_PER_REQUEST_IN_FLIGHT: f64 = 1.0;
/// The share of its specified memory a task holds at rest.
const RESTING_MEMORY: f64 = 0.25;
/// The idle CPU floor, as a share of the task's CPU units.
const IDLE_CPU: f64 = 0.01;
/// Docker's least CPU share: the idle floor of a task that specifies no CPU.
const LEAST_CPU_UNITS: f64 = 2.0;
/// The highest utilisation the queueing stretch is computed at (a saturated task answers
/// 100 times slower than an idle one, not never).
const MAX_RHO: f64 = 0.99;

/// What a task was asked to do in a minute.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Demand {
    /// Requests it received in the minute.
    pub(crate) requests: u64,
    /// MiB its containers' commands allocate.
    pub(crate) allocated_mib: u64,
}

/// What a task used over a minute.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Use {
    /// CPU units (1024 a vCPU).
    pub(crate) cpu: f64,
    /// MiB.
    pub(crate) memory: f64,
    /// How long a request took, in seconds.
    pub(crate) response_time: f64,
}

/// What each measured task of `cluster` used over the minute, by task ARN: the tasks
/// `demand` answers for (it leaves out those it cannot speak for, such as a Docker agent's).
pub(crate) fn measure(
    cluster: &ClusterUsage,
    demand: impl Fn(&TaskUsage) -> Option<Demand>,
) -> BTreeMap<String, Use> {
    struct Wanted<'t> {
        task: &'t TaskUsage,
        demand: Demand,
        /// CPU units it wants.
        wants: f64,
        /// What its hard limit lets it have of that.
        capped: f64,
    }
    let mut by_host: BTreeMap<Option<&str>, Vec<Wanted>> = BTreeMap::new();
    for task in &cluster.tasks {
        let Some(demand) = demand(task) else { continue };
        let per_second = demand.requests as f64 / 60.0;
        let idle =
            (f64::from(task.cpu) * IDLE_CPU).max(if task.cpu == 0 { LEAST_CPU_UNITS } else { 0.0 });
        let wants = idle + per_second * CPU_MS_PER_REQUEST * 1024.0 / 1000.0;
        let capped = task.cpu_limit.map_or(wants, |l| wants.min(f64::from(l)));
        by_host
            .entry(task.instance.as_deref())
            .or_default()
            .push(Wanted {
                task,
                demand,
                wants,
                capped,
            });
    }
    let mut out = BTreeMap::new();
    for (host, tasks) in by_host {
        let capacity = host.and_then(|arn| {
            cluster
                .instances
                .iter()
                .find(|(a, _)| a == arn)
                .map(|(_, cpu)| f64::from(*cpu))
        });
        let total: f64 = tasks.iter().map(|t| t.capped).sum();
        // Held back in proportion when the instance cannot give them all they want.
        let held = capacity
            .filter(|c| total > *c && total > 0.0)
            .map(|c| c / total);
        let used: Vec<f64> = tasks
            .iter()
            .map(|t| t.capped * held.unwrap_or(1.0))
            .collect();
        let used_total: f64 = used.iter().sum();
        for (t, used) in tasks.iter().zip(&used) {
            // What it may have: what it got when the instance is full; else its hard limit,
            // or (without one) what the others leave of the instance.
            let may = if held.is_some() {
                *used
            } else {
                match (t.task.cpu_limit, capacity) {
                    (Some(limit), _) => f64::from(limit),
                    (None, Some(c)) => c - (used_total - used),
                    (None, None) => t.wants,
                }
            };
            let rho = if may > 0.0 {
                (t.wants / may).min(MAX_RHO)
            } else {
                MAX_RHO
            };
            let service =
                CPU_MS_PER_REQUEST / 1000.0 * 1024.0 / may.clamp(f64::MIN_POSITIVE, 1024.0);
            let response_time = service / (1.0 - rho);
            let in_flight = t.demand.requests as f64 / 60.0 * response_time;
            let memory = f64::from(t.task.memory) * RESTING_MEMORY
                + t.demand.allocated_mib as f64
                + in_flight * MIB_PER_REQUEST_IN_FLIGHT;
            let memory = t
                .task
                .memory_limit
                .map_or(memory, |l| memory.min(f64::from(l)));
            out.insert(
                t.task.task_arn.clone(),
                Use {
                    cpu: *used,
                    memory,
                    response_time,
                },
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(arn: &str, instance: Option<&str>, cpu: u32, limit: Option<u32>) -> TaskUsage {
        TaskUsage {
            task_arn: arn.into(),
            service_name: Some("web".into()),
            instance: instance.map(Into::into),
            agent: instance.unwrap_or("FARGATE").into(),
            cpu,
            memory: 512,
            cpu_limit: limit,
            memory_limit: Some(512),
        }
    }

    fn cluster(instance_cpu: u32, tasks: Vec<TaskUsage>) -> ClusterUsage {
        ClusterUsage {
            cluster_name: "default".into(),
            registered: (instance_cpu, 4096),
            reserved: (0, 0),
            instances: vec![("i-1".into(), instance_cpu)],
            tasks,
            container_insights: false,
            services: Vec::new(),
        }
    }

    fn requests(per_second: u64) -> impl Fn(&TaskUsage) -> Option<Demand> {
        move |_| {
            Some(Demand {
                requests: per_second * 60,
                allocated_mib: 0,
            })
        }
    }

    #[test]
    fn an_idle_task_uses_its_floor_and_a_quarter_of_its_memory() {
        let used = measure(
            &cluster(2048, vec![task("a", Some("i-1"), 256, Some(256))]),
            requests(0),
        );
        let a = used["a"];
        assert!((a.cpu - 2.56).abs() < 1e-9, "{a:?}");
        assert_eq!(a.memory, 128.0);
        // 1 ms on a whole vCPU, 4 ms on a quarter of one, barely queued.
        assert!((a.response_time - 0.004).abs() < 0.0002, "{a:?}");
    }

    #[test]
    fn a_hard_limit_caps_cpu_and_saturation_stretches_the_response_time() {
        // 125 requests a second want 128 + 2.56 units of a 256-unit task: about half.
        let half = measure(
            &cluster(2048, vec![task("a", Some("i-1"), 256, Some(256))]),
            requests(125),
        )["a"];
        assert!((half.cpu - 130.56).abs() < 1e-9, "{half:?}");
        assert!(
            half.response_time > 0.0078 && half.response_time < 0.0084,
            "{half:?}"
        );
        // 1000 a second want four times the limit: held at it, and 100 times slower.
        let full = measure(
            &cluster(2048, vec![task("a", Some("i-1"), 256, Some(256))]),
            requests(1000),
        )["a"];
        assert_eq!(full.cpu, 256.0);
        assert!((full.response_time - 0.4).abs() < 1e-9, "{full:?}");
        // The requests in flight fill memory up to the hard limit, no further.
        assert_eq!(full.memory, 512.0);
    }

    #[test]
    fn tasks_without_a_hard_limit_share_their_instance() {
        let tasks = vec![
            task("a", Some("i-1"), 512, None),
            task("b", Some("i-1"), 512, None),
        ];
        // 2000 requests a second each want 2048 + 5.12 units; the instance has 2048.
        let used = measure(&cluster(2048, tasks), requests(2000));
        assert!(
            (used["a"].cpu + used["b"].cpu - 2048.0).abs() < 1e-6,
            "{used:?}"
        );
        assert_eq!(used["a"].cpu, used["b"].cpu);
        assert!(
            (used["a"].response_time - 0.1).abs() < 1e-9,
            "saturated: {used:?}"
        );
        // Alone and lightly loaded, a task may use the whole instance: a request takes 1 ms.
        let alone = measure(
            &cluster(2048, vec![task("a", Some("i-1"), 512, None)]),
            requests(10),
        )["a"];
        assert!(alone.cpu > 512.0 * 0.01 && alone.cpu < 20.0, "{alone:?}");
        assert!((alone.response_time - 0.001).abs() < 0.0001, "{alone:?}");
    }

    #[test]
    fn tasks_the_fleet_cannot_speak_for_are_left_out() {
        let used = measure(
            &cluster(2048, vec![task("a", Some("i-1"), 256, None)]),
            |_| None,
        );
        assert!(used.is_empty());
    }
}
