//! The fleet's own metrics, put into the region's CloudWatch as AWS's services put theirs:
//! each load balancer's `AWS/ApplicationELB` counts once a minute for the minute just ended,
//! and only for minutes in which requests flowed (Elastic Load Balancing "reports metrics to
//! CloudWatch only when requests are flowing through the load balancer").
//!
//! The counts come from ELB's own accounting (`Elb::traffic`), taken at each minute's end:
//! the fleet accounts its offered load minute by minute (`Simulation::accrue_traffic`), so a
//! minute's datapoint holds exactly the requests of that minute, however far the clock jumps.

use std::collections::BTreeMap;

use berth_cloudwatch::{CloudWatch, MetricKey};
use berth_cloudwatch::{Dimension, StandardUnit};
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

    /// The datapoints of the minute ending at `end`: what each load balancer and target group
    /// took since the last minute's end, if it took anything.
    pub(crate) fn publish(&mut self, end: SimTime, elb: &Elb) -> Vec<Datum> {
        let mut out = Vec::new();
        self.minute = Some(end);
        let start = SimTime(end.as_millis() - MINUTE_MS);
        let traffic = elb.traffic();
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
                for dimensions in [&both[..], &both[1..]] {
                    out.push(Datum {
                        key: MetricKey::new(NAMESPACE, "RequestCountPerTarget", dimensions),
                        at: start,
                        value: per_target,
                        unit: StandardUnit::Count,
                    });
                }
            }
        }
        out
    }
}

/// One datapoint to put.
pub(crate) struct Datum {
    key: MetricKey,
    at: SimTime,
    value: f64,
    unit: StandardUnit,
}

impl Datum {
    /// Puts it into `cloudwatch`.
    pub(crate) fn put(self, cloudwatch: &mut CloudWatch) {
        cloudwatch.put_metric(self.key, self.at, self.value, Some(self.unit));
    }
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
            value: value as f64,
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
