//! The fleet's own metrics, put into the region's CloudWatch as AWS's services put theirs,
//! once a minute for the minute just ended:
//!
//! - each load balancer's `AWS/ApplicationELB` counts (and an Application Load Balancer's
//!   `TargetResponseTime`), only for minutes in which requests flowed (Elastic Load
//!   Balancing "reports metrics to CloudWatch only when requests are flowing through the
//!   load balancer");
//! - `AWS/ECS` `CPUUtilization` and `MemoryUtilization` of each service (ClusterName,
//!   ServiceName) and each cluster (ClusterName), and the cluster's `CPUReservation` and
//!   `MemoryReservation`, only for those with RUNNING tasks ("If a cluster, service, or other
//!   resource has no running tasks, no metrics will be reported"). A service's datum is a
//!   statistic set with one sample a task, so Average is the developer guide's formula (used
//!   over specified, times the tasks) and Minimum and Maximum are the least and most loaded
//!   task (that SampleCount is the number of tasks is our reading). What a task uses is the load model's ([`crate::load`]); the state a minute is
//!   measured in is the fleet's at its end.
//!
//! - `ECS/ContainerInsights` counts of each cluster whose Container Insights is on: each
//!   service's `DesiredTaskCount`, `RunningTaskCount`, `PendingTaskCount` and
//!   `DeploymentCount` (ClusterName, ServiceName), and the cluster's `ContainerInstanceCount`
//!   (ACTIVE and DRAINING instances), `ServiceCount` and `TaskCount` (RUNNING tasks)
//!   (ClusterName). These are put every minute, zeros included: a service whose tasks cannot
//!   start shows desired 6, running 0 (that the counts need no running task is our reading).
//!
//! The counts come from ELB's own accounting (`Elb::traffic`), taken at each minute's end:
//! the fleet accounts its offered load minute by minute (`Simulation::accrue_traffic`), so a
//! minute's datapoint holds exactly the requests of that minute, however far the clock jumps.

use std::collections::BTreeMap;

use berth_cloudwatch::documents::StatisticSet;
use berth_cloudwatch::{CloudWatch, MetricKey};
use berth_cloudwatch::{Dimension, StandardUnit};
use berth_control_plane::ClusterUsage;
use berth_elb::{Counts, Elb, TrafficView};
use berth_model::SimTime;
use serde::{Deserialize, Serialize};

/// A minute, in milliseconds.
pub(crate) const MINUTE_MS: u64 = 60_000;

/// What has been put so far: up to which minute, and the counts then.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Published {
    /// The end of the last minute published (a whole minute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    minute: Option<SimTime>,
    /// Each load balancer's counts at that minute's end.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    load_balancers: BTreeMap<String, Counts>,
    /// Each (load balancer, target group)'s counts at that minute's end.
    #[serde(
        default,
        with = "berth_model::pairs",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    target_groups: BTreeMap<(String, String), Counts>,
    /// Each target's counts at that minute's end, by (load balancer, target group, id, port).
    #[serde(
        default,
        with = "berth_model::pairs",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    targets: BTreeMap<(String, String, String, u32), Counts>,
}

/// What one target took in a minute.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TargetMinute {
    pub(crate) load_balancer_arn: String,
    pub(crate) target_group_arn: String,
    pub(crate) id: String,
    pub(crate) port: u32,
    pub(crate) counts: Counts,
}

impl Published {
    /// The next minute's end to publish, if it is not after `now`. The first call starts the
    /// count at the minute `now` is in.
    pub(crate) fn next_minute(&mut self, now: SimTime) -> Option<SimTime> {
        let Some(last) = self.minute else {
            self.minute = Some(SimTime(now.as_millis() / MINUTE_MS * MINUTE_MS));
            return None;
        };
        let next = last.plus_millis(MINUTE_MS);
        (next <= now).then_some(next)
    }

    /// Marks the minute ending at `end` published.
    pub(crate) fn passed(&mut self, end: SimTime) {
        self.minute = Some(end);
    }

    /// The datapoints of the minute ending at `end`: what each load balancer and target group
    /// took since the last minute's end, if it took anything; and what each target took.
    pub(crate) fn publish(&mut self, end: SimTime, elb: &Elb) -> (Vec<Datum>, Vec<TargetMinute>) {
        let mut out = Vec::new();
        self.minute = Some(end);
        let start = SimTime(end.as_millis() - MINUTE_MS);
        let traffic = elb.traffic();
        let mut targets = Vec::new();
        let mut counted = BTreeMap::new();
        for lb in &traffic.load_balancers {
            for t in &lb.targets {
                let key = (
                    lb.load_balancer_arn.clone(),
                    t.target_group_arn.clone(),
                    t.id.clone(),
                    t.port,
                );
                let before = self.targets.get(&key).copied().unwrap_or_default();
                let minute = since(t.counts, before);
                if minute.requests > 0 {
                    targets.push(TargetMinute {
                        load_balancer_arn: key.0.clone(),
                        target_group_arn: key.1.clone(),
                        id: key.2.clone(),
                        port: key.3,
                        counts: minute,
                    });
                }
                counted.insert(key, t.counts);
            }
        }
        // Only the targets there are now: a deregistered one is forgotten.
        self.targets = counted;
        for (lb_arn, now) in load_balancer_counts(&traffic) {
            let before = self.load_balancers.insert(lb_arn.clone(), now);
            let minute = since(now, before.unwrap_or_default());
            if minute.requests == 0 {
                continue;
            }
            let lb = berth_elb::metric_dimension(&lb_arn);
            let dimensions = [dimension("LoadBalancer", &lb)];
            put_counts(&mut out, &dimensions, start, minute);
        }
        for ((lb_arn, tg_arn), now) in target_group_counts(&traffic) {
            let before = self
                .target_groups
                .insert((lb_arn.clone(), tg_arn.clone()), now);
            let minute = since(now, before.unwrap_or_default());
            if minute.requests == 0 {
                continue;
            }
            let (lb, tg) = (
                berth_elb::metric_dimension(&lb_arn),
                berth_elb::metric_dimension(&tg_arn),
            );
            let both = [
                dimension("LoadBalancer", &lb),
                dimension("TargetGroup", &tg),
            ];
            put_counts(&mut out, &both, start, minute);
            // Per target: the group's requests over its healthy targets (all its targets
            // when none is healthy, as the ALB fails open).
            let health = elb.target_health(&tg_arn);
            let healthy = health
                .iter()
                .filter(|(_, h)| h.state == berth_elb::TargetHealthState::Healthy)
                .count();
            let targets = if healthy > 0 { healthy } else { health.len() };
            if targets > 0 {
                let per_target = minute.requests as f64 / targets as f64;
                // Unit None, as the alarms target tracking makes on it read it (their
                // exports say `Unit: None`), so their unit filter finds these datapoints.
                for dimensions in [&both[..], &both[1..]] {
                    out.push(Datum {
                        key: MetricKey::new(NAMESPACE, "RequestCountPerTarget", dimensions),
                        at: start,
                        value: Value::One(per_target),
                        unit: StandardUnit::None,
                    });
                }
            }
        }
        (out, targets)
    }
}

/// One datapoint to put.
pub(crate) struct Datum {
    key: MetricKey,
    at: SimTime,
    value: Value,
    unit: StandardUnit,
}

/// A datum's value: one sample, or a statistic set of many.
enum Value {
    One(f64),
    Set(StatisticSet),
}

impl Datum {
    /// Puts it into `cloudwatch`.
    pub(crate) fn put(self, cloudwatch: &mut CloudWatch) {
        match self.value {
            Value::One(v) => cloudwatch.put_metric(self.key, self.at, v, Some(self.unit)),
            Value::Set(set) => cloudwatch.put_statistics(self.key, self.at, set, Some(self.unit)),
        }
    }
}

/// Samples gathered into a statistic set.
#[derive(Default)]
struct Samples(Option<StatisticSet>);

impl Samples {
    /// Adds `count` samples of `value`.
    fn add(&mut self, value: f64, count: f64) {
        let set = self.0.get_or_insert(StatisticSet {
            sample_count: 0.0,
            sum: 0.0,
            minimum: value,
            maximum: value,
        });
        set.sample_count += count;
        set.sum += value * count;
        set.minimum = set.minimum.min(value);
        set.maximum = set.maximum.max(value);
    }
}

/// The ECS namespace.
const ECS: &str = "AWS/ECS";

/// `AWS/ECS` datapoints of the minute ending at `end`: each service's and cluster's CPU and
/// memory utilisation from what each task used (`used`, by task ARN: the tasks the fleet
/// measured), and each cluster's reservations. A cluster's utilisation is left out while it
/// runs tasks the fleet cannot measure (a Docker agent's): a part would be a wrong whole.
pub(crate) fn ecs(
    end: SimTime,
    clusters: &[ClusterUsage],
    used: &BTreeMap<String, crate::load::Use>,
) -> Vec<Datum> {
    let at = SimTime(end.as_millis() - MINUTE_MS);
    let mut out = Vec::new();
    let mut put = |name: &str, dimensions: &[Dimension], value: Value| {
        out.push(Datum {
            key: MetricKey::new(ECS, name, dimensions),
            at,
            value,
            unit: StandardUnit::Percent,
        });
    };
    for cluster in clusters {
        let cluster_dimension = dimension("ClusterName", &cluster.cluster_name);
        let mut services: BTreeMap<&str, (Samples, Samples)> = BTreeMap::new();
        for task in &cluster.tasks {
            let (Some(service), Some(used)) = (&task.service_name, used.get(&task.task_arn)) else {
                continue;
            };
            let (cpu, memory) = services.entry(service).or_default();
            if task.cpu > 0 {
                cpu.add(used.cpu / f64::from(task.cpu) * 100.0, 1.0);
            }
            if task.memory > 0 {
                memory.add(used.memory / f64::from(task.memory) * 100.0, 1.0);
            }
        }
        for (service, (cpu, memory)) in services {
            let both = [cluster_dimension.clone(), dimension("ServiceName", service)];
            for (name, samples) in [("CPUUtilization", cpu), ("MemoryUtilization", memory)] {
                if let Some(set) = samples.0 {
                    put(name, &both, Value::Set(set));
                }
            }
        }
        let on_instances: Vec<_> = cluster
            .tasks
            .iter()
            .filter(|t| t.instance.is_some())
            .collect();
        let (cpu, memory) = cluster.registered;
        if on_instances.is_empty() || cpu == 0 || memory == 0 {
            continue;
        }
        let one = std::slice::from_ref(&cluster_dimension);
        let percent = |part: f64, whole: u32| part / f64::from(whole) * 100.0;
        put(
            "CPUReservation",
            one,
            Value::One(percent(f64::from(cluster.reserved.0), cpu)),
        );
        put(
            "MemoryReservation",
            one,
            Value::One(percent(f64::from(cluster.reserved.1), memory)),
        );
        let measured: Option<Vec<&crate::load::Use>> =
            on_instances.iter().map(|t| used.get(&t.task_arn)).collect();
        if let Some(measured) = measured {
            let cpu_used: f64 = measured.iter().map(|u| u.cpu).sum();
            let memory_used: f64 = measured.iter().map(|u| u.memory).sum();
            put("CPUUtilization", one, Value::One(percent(cpu_used, cpu)));
            put(
                "MemoryUtilization",
                one,
                Value::One(percent(memory_used, memory)),
            );
        }
    }
    out
}

/// The Container Insights namespace.
const INSIGHTS: &str = "ECS/ContainerInsights";

/// `ECS/ContainerInsights` counts of the minute ending at `end`, as the state is at its end,
/// for each cluster whose Container Insights is on.
pub(crate) fn container_insights(end: SimTime, clusters: &[ClusterUsage]) -> Vec<Datum> {
    let at = SimTime(end.as_millis() - MINUTE_MS);
    let mut out = Vec::new();
    let mut put = |name: &str, dimensions: &[Dimension], count: u32| {
        out.push(Datum {
            key: MetricKey::new(INSIGHTS, name, dimensions),
            at,
            value: Value::One(f64::from(count)),
            unit: StandardUnit::Count,
        });
    };
    for cluster in clusters.iter().filter(|c| c.container_insights) {
        let cluster_dimension = dimension("ClusterName", &cluster.cluster_name);
        for service in &cluster.services {
            let both = [
                cluster_dimension.clone(),
                dimension("ServiceName", &service.service_name),
            ];
            put("DesiredTaskCount", &both, service.desired);
            put("RunningTaskCount", &both, service.running);
            put("PendingTaskCount", &both, service.pending);
            put("DeploymentCount", &both, service.deployments);
        }
        let one = std::slice::from_ref(&cluster_dimension);
        put(
            "ContainerInstanceCount",
            one,
            cluster.instances.len() as u32,
        );
        put("ServiceCount", one, cluster.services.len() as u32);
        put("TaskCount", one, cluster.tasks.len() as u32);
    }
    out
}

/// `TargetResponseTime` of each Application Load Balancer and each of its target groups in
/// the minute ending at `end`: a statistic set with one sample a request, each taking its
/// task's response time (`response_time` of a target, `None` when the fleet cannot say).
pub(crate) fn response_times(
    end: SimTime,
    targets: &[TargetMinute],
    response_time: impl Fn(&TargetMinute) -> Option<f64>,
) -> Vec<Datum> {
    let at = SimTime(end.as_millis() - MINUTE_MS);
    let mut groups: BTreeMap<(&str, &str), Samples> = BTreeMap::new();
    let mut balancers: BTreeMap<&str, Samples> = BTreeMap::new();
    for target in targets {
        if !target.load_balancer_arn.contains(":loadbalancer/app/") {
            continue;
        }
        let Some(seconds) = response_time(target) else {
            continue;
        };
        let answered = target.counts.requests.saturating_sub(target.counts.elb5xx) as f64;
        if answered == 0.0 {
            continue;
        }
        let lb = target.load_balancer_arn.as_str();
        groups
            .entry((lb, &target.target_group_arn))
            .or_default()
            .add(seconds, answered);
        balancers.entry(lb).or_default().add(seconds, answered);
    }
    let mut out = Vec::new();
    let mut put = |dimensions: &[Dimension], samples: Samples| {
        if let Some(set) = samples.0 {
            out.push(Datum {
                key: MetricKey::new(NAMESPACE, "TargetResponseTime", dimensions),
                at,
                value: Value::Set(set),
                unit: StandardUnit::Seconds,
            });
        }
    };
    for (lb, samples) in balancers {
        put(
            &[dimension("LoadBalancer", &berth_elb::metric_dimension(lb))],
            samples,
        );
    }
    for ((lb, tg), samples) in groups {
        let both = [
            dimension("LoadBalancer", &berth_elb::metric_dimension(lb)),
            dimension("TargetGroup", &berth_elb::metric_dimension(tg)),
        ];
        put(&both, samples);
    }
    out
}

/// The Application Load Balancer's namespace (Berth's load balancers of every type put their
/// counts here).
const NAMESPACE: &str = "AWS/ApplicationELB";

/// `RequestCount`, `HTTPCode_Target_5XX_Count` and `HTTPCode_ELB_5XX_Count` of one minute.
fn put_counts(out: &mut Vec<Datum>, dimensions: &[Dimension], at: SimTime, c: Counts) {
    for (name, value) in [
        ("RequestCount", c.requests),
        ("HTTPCode_Target_5XX_Count", c.target5xx),
        ("HTTPCode_ELB_5XX_Count", c.elb5xx),
    ] {
        out.push(Datum {
            key: MetricKey::new(NAMESPACE, name, dimensions),
            at,
            value: Value::One(value as f64),
            unit: StandardUnit::Count,
        });
    }
}

fn load_balancer_counts(traffic: &TrafficView) -> Vec<(String, Counts)> {
    traffic
        .load_balancers
        .iter()
        .map(|lb| (lb.load_balancer_arn.clone(), lb.counts))
        .collect()
}

fn target_group_counts(traffic: &TrafficView) -> BTreeMap<(String, String), Counts> {
    let mut groups: BTreeMap<(String, String), Counts> = BTreeMap::new();
    for lb in &traffic.load_balancers {
        for target in &lb.targets {
            groups
                .entry((
                    lb.load_balancer_arn.clone(),
                    target.target_group_arn.clone(),
                ))
                .or_default()
                .add(target.counts);
        }
    }
    groups
}

/// `now - before`, member by member.
fn since(now: Counts, before: Counts) -> Counts {
    Counts {
        requests: now.requests.saturating_sub(before.requests),
        target5xx: now.target5xx.saturating_sub(before.target5xx),
        elb5xx: now.elb5xx.saturating_sub(before.elb5xx),
    }
}

fn dimension(name: &str, value: &str) -> Dimension {
    Dimension {
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_start_where_the_count_starts() {
        let mut published = Published::default();
        assert_eq!(published.next_minute(SimTime(90_000)), None);
        assert_eq!(
            published.next_minute(SimTime(119_999)),
            None,
            "the minute from 60 s has not ended"
        );
        assert_eq!(
            published.next_minute(SimTime(200_000)),
            Some(SimTime(120_000))
        );
    }
}
