//! Service Auto Scaling over time: for each service of the shown cluster that is a scalable
//! target, one plot of the last hour, read from the region's services as a user's own
//! dashboard would read them:
//!
//! - the offered load: `AWS/ApplicationELB` `RequestCount` of the load balancer in front of
//!   the service, as requests a second;
//! - the metric the policy tracks (the metric of the policy's first alarm, with its
//!   threshold; for target tracking, AlarmHigh's metric and the target value);
//! - desired and running tasks and the cluster's container instances, from Container
//!   Insights (`ECS/ContainerInsights`, only when it is on for the cluster);
//! - each alarm state change (DescribeAlarmHistory) and each scaling activity
//!   (DescribeScalingActivities) as a mark, listed below the plot.
//!
//! Everything is on the fleet's clock. What is read is turned into a [`Picture`] by pure
//! functions ([`picture`]), tested natively; the component only fetches and draws.

use serde_json::{json, Value};
use yew::prelude::*;

/// How far back the plot reaches.
const WINDOW_MS: u64 = 60 * 60_000;
const MINUTE_MS: u64 = 60_000;
/// The most marks listed under the plot (the latest).
const LISTED: usize = 8;

/// A series: (epoch milliseconds, value), oldest first.
pub type Points = Vec<(u64, f64)>;

/// One scalable service's plot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Picture {
    /// The service's name.
    pub service: String,
    /// The window, epoch milliseconds.
    pub start: u64,
    pub end: u64,
    /// The scalable target's bounds.
    pub min: u32,
    pub max: u32,
    /// Requests a second, a point a minute; `None` without a load balancer in front.
    pub requests: Option<Points>,
    /// The tracked metric: its label, points and the line the policy holds it to.
    pub metric: Option<(String, Points, Option<f64>)>,
    /// Desired and running tasks and container instances (Container Insights).
    pub desired: Points,
    pub running: Points,
    pub instances: Points,
    /// Whether Container Insights gave anything (the counts need it).
    pub insights: bool,
    /// Alarm state changes and scaling activities, oldest first.
    pub marks: Vec<Mark>,
}

/// Something that happened at a moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    /// Epoch milliseconds.
    pub at: u64,
    /// What: `AlarmHigh → ALARM`, or the activity's description.
    pub text: String,
    /// `alarm`, `ok` (an alarm back to OK or INSUFFICIENT_DATA) or `scaled`.
    pub kind: &'static str,
}

/// What was read for one scalable target.
#[derive(Clone, Debug, Default)]
pub struct Read {
    /// DescribeScalableTargets' target.
    pub target: Value,
    /// DescribeScalingPolicies' policies of it.
    pub policies: Vec<Value>,
    /// DescribeAlarms' metric alarms of those policies.
    pub alarms: Vec<Value>,
    /// DescribeAlarmHistory's items of those alarms.
    pub history: Vec<Value>,
    /// DescribeScalingActivities' activities.
    pub activities: Vec<Value>,
    /// GetMetricData's results, by id.
    pub results: Vec<Value>,
    /// The load balancer dimension of the service's load balancer, if it has one.
    pub load_balancer: Option<String>,
}

/// An alarm's short name: target tracking's `TargetTracking-<resource>-AlarmHigh-<uuid>`
/// reads `AlarmHigh`; any other alarm keeps its name.
pub fn short_alarm(name: &str) -> &str {
    if name.starts_with("TargetTracking-") {
        for kind in ["AlarmHigh", "AlarmLow"] {
            if name.contains(&format!("-{kind}-")) {
                return kind;
            }
        }
    }
    name
}

/// The `LoadBalancer` dimension of a load balancer ARN (`app/name/id`).
pub fn dimension_of(load_balancer_arn: &str) -> Option<String> {
    load_balancer_arn
        .split_once(":loadbalancer/")
        .map(|(_, d)| d.to_owned())
}

/// The load balancer in front of `service`: the one whose target groups hold the service's
/// first target group, in the region's load-balancing view.
pub fn load_balancer_of(service: &Value, load_balancers: &[Value]) -> Option<String> {
    let group = service["loadBalancers"][0]["targetGroupArn"].as_str()?;
    load_balancers
        .iter()
        .find(|lb| {
            lb["targetGroups"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|g| g["targetGroupArn"] == group)
        })
        .and_then(|lb| dimension_of(lb["loadBalancerArn"].as_str()?))
}

/// The GetMetricData input for one target: the tracked metric (from `alarms`' first), the
/// requests, and Container Insights' counts, a point a minute over the window ending `now`.
pub fn metric_queries(
    cluster: &str,
    service: &str,
    alarms: &[Value],
    load_balancer: Option<&str>,
    now: u64,
) -> Value {
    let start = window_start(now);
    let stat = |id: &str, namespace: &str, name: &str, dimensions: Value, stat: &str| {
        json!({"Id": id, "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": name,
            "Dimensions": dimensions}, "Period": 60, "Stat": stat}})
    };
    let both = json!([{"Name": "ClusterName", "Value": cluster}, {"Name": "ServiceName", "Value": service}]);
    let mut queries = vec![
        stat(
            "desired",
            "ECS/ContainerInsights",
            "DesiredTaskCount",
            both.clone(),
            "Maximum",
        ),
        stat(
            "running",
            "ECS/ContainerInsights",
            "RunningTaskCount",
            both,
            "Minimum",
        ),
        stat(
            "instances",
            "ECS/ContainerInsights",
            "ContainerInstanceCount",
            json!([{"Name": "ClusterName", "Value": cluster}]),
            "Maximum",
        ),
    ];
    if let Some(lb) = load_balancer {
        queries.push(stat(
            "requests",
            "AWS/ApplicationELB",
            "RequestCount",
            json!([{"Name": "LoadBalancer", "Value": lb}]),
            "Sum",
        ));
    }
    if let Some(alarm) = tracked_alarm(alarms) {
        let statistic = alarm["Statistic"]
            .as_str()
            .or(alarm["ExtendedStatistic"].as_str())
            .unwrap_or("Average");
        queries.push(stat(
            "metric",
            alarm["Namespace"].as_str().unwrap_or_default(),
            alarm["MetricName"].as_str().unwrap_or_default(),
            alarm["Dimensions"].clone(),
            statistic,
        ));
    }
    json!({"StartTime": start / 1000, "EndTime": now / 1000, "ScanBy": "TimestampAscending",
        "MetricDataQueries": queries})
}

/// The window's first whole minute, an hour before `now`.
fn window_start(now: u64) -> u64 {
    now.saturating_sub(WINDOW_MS) / MINUTE_MS * MINUTE_MS
}

/// The alarm whose metric the plot follows: the first on a single metric.
fn tracked_alarm(alarms: &[Value]) -> Option<&Value> {
    alarms.iter().find(|a| a["MetricName"].is_string())
}

/// Seconds (as the JSON protocols write timestamps) to milliseconds.
fn millis(v: &Value) -> Option<u64> {
    v.as_f64().map(|s| (s * 1000.0) as u64)
}

/// A GetMetricData result's points, oldest first, each value mapped by `f`.
fn points(results: &[Value], id: &str, f: impl Fn(f64) -> f64) -> Option<Points> {
    let result = results.iter().find(|r| r["Id"] == id)?;
    let times = result["Timestamps"].as_array()?;
    let values = result["Values"].as_array()?;
    let mut out: Points = times
        .iter()
        .zip(values)
        .filter_map(|(t, v)| Some((millis(t)?, f(v.as_f64()?))))
        .collect();
    out.sort_by_key(|(at, _)| *at);
    Some(out)
}

/// What was read, as the plot draws it, over the window ending `now`.
pub fn picture(read: &Read, now: u64) -> Picture {
    let start = window_start(now);
    let resource = read.target["ResourceId"].as_str().unwrap_or_default();
    let service = resource.rsplit('/').next().unwrap_or(resource).to_owned();
    let results = &read.results;
    let counts = |id: &str| points(results, id, |v| v).unwrap_or_default();
    let (desired, running, instances) = (counts("desired"), counts("running"), counts("instances"));
    let alarm = tracked_alarm(&read.alarms);
    let target_value = read
        .policies
        .iter()
        .find_map(|p| p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"].as_f64());
    let metric = alarm.and_then(|a| {
        let statistic = a["Statistic"].as_str().unwrap_or("Average");
        let label = format!("{} ({statistic})", a["MetricName"].as_str()?);
        let line = target_value.or(a["Threshold"].as_f64());
        Some((label, points(results, "metric", |v| v)?, line))
    });
    let mut marks: Vec<Mark> = read
        .history
        .iter()
        .filter(|h| h["HistoryItemType"] == "StateUpdate")
        .filter_map(|h| {
            let at = millis(&h["Timestamp"])?;
            let summary = h["HistorySummary"].as_str()?;
            let state = summary.rsplit(' ').next()?;
            let name = short_alarm(h["AlarmName"].as_str()?);
            Some(Mark {
                at,
                text: format!("{name} → {state}"),
                kind: if state == "ALARM" { "alarm" } else { "ok" },
            })
        })
        .chain(read.activities.iter().filter_map(|a| {
            Some(Mark {
                at: millis(&a["StartTime"])?,
                text: a["Description"].as_str()?.to_owned(),
                kind: "scaled",
            })
        }))
        .filter(|m| m.at >= start && m.at <= now)
        .collect();
    marks.sort_by_key(|m| m.at);
    Picture {
        service,
        start,
        end: now.max(start + MINUTE_MS),
        min: read.target["MinCapacity"].as_u64().unwrap_or(0) as u32,
        max: read.target["MaxCapacity"].as_u64().unwrap_or(0) as u32,
        requests: read
            .load_balancer
            .as_ref()
            .map(|_| points(results, "requests", |sum| sum / 60.0).unwrap_or_default()),
        metric,
        insights: !(desired.is_empty() && running.is_empty() && instances.is_empty()),
        desired,
        running,
        instances,
        marks,
    }
}

/// A panel's box in the SVG.
#[derive(Clone, Copy)]
struct Panel {
    top: f64,
    height: f64,
}

const WIDTH: f64 = 640.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const PANELS: [Panel; 3] = [
    Panel {
        top: 20.0,
        height: 52.0,
    },
    Panel {
        top: 94.0,
        height: 52.0,
    },
    Panel {
        top: 168.0,
        height: 52.0,
    },
];
const HEIGHT: f64 = 242.0;

fn x(picture: &Picture, at: u64) -> f64 {
    let span = (picture.end - picture.start).max(1) as f64;
    let at = at.clamp(picture.start, picture.end);
    LEFT + (at - picture.start) as f64 / span * (WIDTH - LEFT - RIGHT)
}

fn y(panel: Panel, value: f64, top: f64) -> f64 {
    let top = top.max(f64::MIN_POSITIVE);
    panel.top + panel.height - (value.clamp(0.0, top) / top * panel.height)
}

/// An SVG path of `points` in `panel` scaled to `top`. A point a minute stands for its
/// minute: a count is drawn as a level across it (steps), a rate at its middle (a line).
fn path(picture: &Picture, points: &Points, panel: Panel, top: f64, steps: bool) -> String {
    let mut d = String::new();
    for (i, (at, value)) in points.iter().enumerate() {
        let py = y(panel, *value, top);
        let verb = if i == 0 { 'M' } else { 'L' };
        if steps {
            let (from, to) = (x(picture, *at), x(picture, at + MINUTE_MS));
            d.push_str(&format!("{verb}{from:.1},{py:.1} L{to:.1},{py:.1} "));
        } else {
            d.push_str(&format!(
                "{verb}{:.1},{py:.1} ",
                x(picture, at + MINUTE_MS / 2)
            ));
        }
    }
    d.trim_end().to_owned()
}

/// The top of a scale holding `most`: a round number above it.
fn scale_top(most: f64) -> f64 {
    let most = most.max(1.0);
    let magnitude = 10f64.powf(most.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|top| *top >= most)
        .unwrap_or(10.0 * magnitude)
}

/// `HH:MM` (UTC) of epoch milliseconds.
pub fn clock(at: u64) -> String {
    let minutes = at / MINUTE_MS % 1440;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn latest(points: &Points) -> String {
    points
        .last()
        .map(|(_, v)| format!("{}", v.round()))
        .unwrap_or_else(|| "–".to_owned())
}

/// The plot of one picture.
pub fn render(picture: &Picture) -> Html {
    let t = crate::i18n::t;
    let [load, tracked, counts] = PANELS;
    let requests = picture.requests.clone().unwrap_or_default();
    let requests_top = scale_top(requests.iter().map(|p| p.1).fold(0.0, f64::max));
    let percent_top = picture
        .metric
        .as_ref()
        .map_or(100.0, |(label, points, line)| {
            let most = points
                .iter()
                .map(|p| p.1)
                .fold(line.unwrap_or(0.0), f64::max);
            if label.contains("Utilization") {
                100f64.max(most)
            } else {
                scale_top(most)
            }
        });
    let count_top = scale_top(
        [&picture.desired, &picture.running, &picture.instances]
            .iter()
            .flat_map(|s| s.iter().map(|p| p.1))
            .fold(f64::from(picture.max), f64::max),
    );
    let label = |panel: Panel, text: String| {
        html! { <text x={LEFT.to_string()} y={(panel.top - 3.0).to_string()} class="plot-label">{ text }</text> }
    };
    let axis = |panel: Panel, top: f64| {
        html! { <>
            <rect x={LEFT.to_string()} y={panel.top.to_string()} width={(WIDTH - LEFT - RIGHT).to_string()}
                height={panel.height.to_string()} class="plot-bg" />
            <text x={(LEFT - 4.0).to_string()} y={(panel.top + 9.0).to_string()} class="plot-tick" text-anchor="end">{ top }</text>
            <text x={(LEFT - 4.0).to_string()} y={(panel.top + panel.height).to_string()} class="plot-tick" text-anchor="end">{ "0" }</text>
        </> }
    };
    let line_at = |panel: Panel, value: f64, top: f64, class: &'static str| {
        let at = y(panel, value, top).to_string();
        html! { <line x1={LEFT.to_string()} x2={(WIDTH - RIGHT).to_string()} y1={at.clone()} y2={at} class={class} /> }
    };
    let marks = picture.marks.iter().map(|m| {
        let at = x(picture, m.at).to_string();
        html! {
            <line x1={at.clone()} x2={at} y1={load.top.to_string()} y2={(counts.top + counts.height).to_string()}
                class={classes!("plot-mark", m.kind)}>
                <title>{ format!("{} {}", clock(m.at), m.text) }</title>
            </line>
        }
    });
    let metric_label = picture.metric.as_ref().map_or_else(
        || t("No alarm to follow: the policy's metric appears once it has one.").to_owned(),
        |(label, points, line)| match line {
            Some(line) => format!("{label}: {} · {} {line}", latest(points), t("target")),
            None => format!("{label}: {}", latest(points)),
        },
    );
    let listed = picture.marks.len().saturating_sub(LISTED);
    html! {
        <section class="plot scaling" data-service={picture.service.clone()} aria-label="Scaling over time">
            <h2>{ format!("{} {}", t("Service Auto Scaling over time:"), picture.service) }</h2>
            <svg class="scaling-plot" viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img"
                aria-label={format!("{}: {} {}, {} {}", picture.service, t("desired"), latest(&picture.desired), t("running"), latest(&picture.running))}>
                { axis(load, requests_top) }
                { label(load, match &picture.requests {
                    Some(points) => format!("{}: {}", t("Requests a second (RequestCount ÷ 60)"), latest(points)),
                    None => t("No load balancer in front of the service.").to_owned(),
                }) }
                <path class="plot-requests" d={path(picture, &requests, load, requests_top, false)} />
                { axis(tracked, percent_top) }
                { label(tracked, metric_label) }
                if let Some((_, _, Some(line))) = &picture.metric { { line_at(tracked, *line, percent_top, "plot-target") } }
                if let Some((_, points, _)) = &picture.metric {
                    <path class="plot-metric" d={path(picture, points, tracked, percent_top, false)} />
                }
                { axis(counts, count_top) }
                { label(counts, if picture.insights {
                    format!("{} {} · {} {} · {} {} · {} {}–{}", t("desired"), latest(&picture.desired), t("running"), latest(&picture.running),
                        t("instances"), latest(&picture.instances), t("bounds"), picture.min, picture.max)
                } else {
                    t("Turn Container Insights on for the cluster to see desired and running tasks over time.").to_owned()
                }) }
                { line_at(counts, f64::from(picture.max), count_top, "plot-bound") }
                { line_at(counts, f64::from(picture.min), count_top, "plot-bound") }
                <path class="plot-instances" d={path(picture, &picture.instances, counts, count_top, true)} />
                <path class="plot-running" d={path(picture, &picture.running, counts, count_top, true)} />
                <path class="plot-desired" d={path(picture, &picture.desired, counts, count_top, true)} />
                { for marks }
                <text x={LEFT.to_string()} y={(HEIGHT - 4.0).to_string()} class="plot-tick">{ clock(picture.start) }</text>
                <text x={(WIDTH - RIGHT).to_string()} y={(HEIGHT - 4.0).to_string()} class="plot-tick" text-anchor="end">{ clock(picture.end) }</text>
            </svg>
            <p class="muted plot-keys">
                <span class="key-requests">{ t("requests/s") }</span>{ " · " }
                <span class="key-metric">{ t("tracked metric") }</span>{ " · " }
                <span class="key-desired">{ t("desired") }</span>{ " · " }
                <span class="key-running">{ t("running") }</span>{ " · " }
                <span class="key-instances">{ t("instances") }</span>{ " · " }
                <span class="key-alarm">{ t("alarm") }</span>{ " · " }
                <span class="key-scaled">{ t("scaling activity") }</span>
            </p>
            if !picture.marks.is_empty() {
                <ol class="log scaling-marks">
                    { for picture.marks[listed..].iter().map(|m| html! {
                        <li class={classes!("line", m.kind)}><time>{ clock(m.at) }</time>{ " " }{ &m.text }</li>
                    }) }
                </ol>
            }
        </section>
    }
}

/// Reads every scalable service of `cluster`, at the fleet's `now`.
pub async fn read_all(
    cluster: &str,
    now: u64,
    services: &[Value],
    load_balancers: &[Value],
) -> Vec<Read> {
    use crate::api::{autoscaling, cloudwatch};
    let Ok(targets) = autoscaling(
        "DescribeScalableTargets",
        &json!({"ServiceNamespace": "ecs"}),
    )
    .await
    else {
        return Vec::new();
    };
    let prefix = format!("service/{cluster}/");
    let mut out = Vec::new();
    let list = |v: &Value, key: &str| v[key].as_array().cloned().unwrap_or_default();
    for target in list(&targets, "ScalableTargets") {
        let Some(resource) = target["ResourceId"]
            .as_str()
            .filter(|r| r.starts_with(&prefix))
        else {
            continue;
        };
        let resource = resource.to_owned();
        let name = resource.rsplit('/').next().unwrap_or_default().to_owned();
        let of = json!({"ServiceNamespace": "ecs", "ResourceId": resource});
        let policies = autoscaling("DescribeScalingPolicies", &of)
            .await
            .map(|v| list(&v, "ScalingPolicies"))
            .unwrap_or_default();
        let names: Vec<Value> = policies
            .iter()
            .flat_map(|p| list(p, "Alarms"))
            .map(|a| a["AlarmName"].clone())
            .collect();
        let (alarms, history) = if names.is_empty() {
            Default::default()
        } else {
            let alarms = cloudwatch("DescribeAlarms", &json!({"AlarmNames": names}))
                .await
                .map(|v| list(&v, "MetricAlarms"))
                .unwrap_or_default();
            let mut history = Vec::new();
            for name in &names {
                let input = json!({"AlarmName": name, "HistoryItemType": "StateUpdate",
                    "StartDate": now.saturating_sub(WINDOW_MS) / 1000, "EndDate": now / 1000 + 1, "MaxRecords": 100});
                if let Ok(v) = cloudwatch("DescribeAlarmHistory", &input).await {
                    history.extend(list(&v, "AlarmHistoryItems"));
                }
            }
            (alarms, history)
        };
        let activities = autoscaling("DescribeScalingActivities", &of)
            .await
            .map(|v| list(&v, "ScalingActivities"))
            .unwrap_or_default();
        let load_balancer = services
            .iter()
            .find(|s| s["serviceName"] == name.as_str())
            .and_then(|s| load_balancer_of(s, load_balancers));
        let queries = metric_queries(cluster, &name, &alarms, load_balancer.as_deref(), now);
        let results = cloudwatch("GetMetricData", &queries)
            .await
            .map(|v| list(&v, "MetricDataResults"))
            .unwrap_or_default();
        out.push(Read {
            target,
            policies,
            alarms,
            history,
            activities,
            results,
            load_balancer,
        });
    }
    out
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cluster: String,
    /// The fleet's time, epoch milliseconds.
    pub now: u64,
    /// DescribeServices documents of the cluster.
    pub services: Vec<Value>,
    /// The region's load-balancing view.
    pub load_balancers: Vec<Value>,
}

/// A plot for each scalable service of the cluster; nothing when it has none.
#[function_component(ScalingPlots)]
pub fn scaling_plots(props: &Props) -> Html {
    let _lang = use_context::<crate::i18n::Lang>();
    let pictures = use_state(Vec::<Picture>::new);
    {
        let pictures = pictures.clone();
        let (cluster, now, services, balancers) = (
            props.cluster.clone(),
            props.now,
            props.services.clone(),
            props.load_balancers.clone(),
        );
        use_effect_with((props.cluster.clone(), props.now / 2_000), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let read = read_all(&cluster, now, &services, &balancers).await;
                pictures.set(read.iter().map(|r| picture(r, now)).collect());
            });
        });
    }
    html! { <>{ for pictures.iter().map(render) }</> }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_415_840_100_000; // 2014-11-13 00:55

    fn read() -> Read {
        let minute = |m: u64| (NOW - 30 * MINUTE_MS + m * MINUTE_MS) as f64 / 1000.0;
        Read {
            target: json!({"ResourceId": "service/web/web", "MinCapacity": 2, "MaxCapacity": 6}),
            policies: vec![
                json!({"TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50.0}}),
            ],
            alarms: vec![
                json!({"AlarmName": "TargetTracking-service/web/web-AlarmHigh-1", "Namespace": "AWS/ECS",
                "MetricName": "CPUUtilization", "Statistic": "Average", "Threshold": 50.0,
                "Dimensions": [{"Name": "ClusterName", "Value": "web"}, {"Name": "ServiceName", "Value": "web"}]}),
            ],
            history: vec![
                json!({"AlarmName": "TargetTracking-service/web/web-AlarmHigh-1", "HistoryItemType": "StateUpdate",
                    "HistorySummary": "Alarm updated from OK to ALARM", "Timestamp": minute(3)}),
                json!({"AlarmName": "TargetTracking-service/web/web-AlarmHigh-1", "HistoryItemType": "ConfigurationUpdate",
                    "HistorySummary": "Alarm \"x\" created", "Timestamp": minute(0)}),
                json!({"AlarmName": "old", "HistoryItemType": "StateUpdate",
                    "HistorySummary": "Alarm updated from ALARM to OK", "Timestamp": (NOW - 2 * WINDOW_MS) as f64 / 1000.0}),
            ],
            activities: vec![
                json!({"Description": "Setting desired count to 4.", "StartTime": minute(3)}),
            ],
            results: vec![
                json!({"Id": "requests", "Timestamps": [minute(1), minute(0)], "Values": [162000.0, 12000.0]}),
                json!({"Id": "metric", "Timestamps": [minute(0), minute(1)], "Values": [11.0, 100.0]}),
                json!({"Id": "desired", "Timestamps": [minute(0), minute(4)], "Values": [2.0, 4.0]}),
            ],
            load_balancer: Some("app/web/1".into()),
        }
    }

    /// What was read becomes the plot's series and marks: requests a second from each
    /// minute's sum, oldest first; the target value as the tracked metric's line; only state
    /// changes within the window as marks, beside the scaling activities.
    #[test]
    fn what_was_read_becomes_series_and_marks() {
        let p = picture(&read(), NOW);
        assert_eq!(p.service, "web");
        assert_eq!((p.min, p.max), (2, 6));
        let requests: Vec<f64> = p.requests.unwrap().iter().map(|p| p.1).collect();
        assert_eq!(requests, [200.0, 2700.0]);
        let (label, points, line) = p.metric.unwrap();
        assert_eq!(
            (label.as_str(), points.len(), line),
            ("CPUUtilization (Average)", 2, Some(50.0))
        );
        assert!(p.insights && p.running.is_empty());
        let marks: Vec<(&str, &str)> = p.marks.iter().map(|m| (m.text.as_str(), m.kind)).collect();
        assert_eq!(
            marks,
            [
                ("AlarmHigh → ALARM", "alarm"),
                ("Setting desired count to 4.", "scaled")
            ]
        );
    }

    /// The queries ask for the alarm's own metric and statistic, the load balancer's
    /// requests and Container Insights' counts, over the hour before now.
    #[test]
    fn the_queries_follow_the_alarm_and_the_load_balancer() {
        let r = read();
        let q = metric_queries("web", "web", &r.alarms, Some("app/web/1"), NOW);
        let ids: Vec<&str> = q["MetricDataQueries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["Id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            ["desired", "running", "instances", "requests", "metric"]
        );
        assert_eq!(q["MetricDataQueries"][4]["MetricStat"]["Stat"], "Average");
        assert_eq!(q["StartTime"], (NOW - WINDOW_MS) / 1000);
        assert!(
            metric_queries("web", "web", &[], None, NOW)["MetricDataQueries"]
                .as_array()
                .unwrap()
                .len()
                == 3
        );
    }

    #[test]
    fn names_scales_and_paths() {
        assert_eq!(
            short_alarm("TargetTracking-service/c/web-AlarmLow-2b1"),
            "AlarmLow"
        );
        assert_eq!(short_alarm("web-cpu-high"), "web-cpu-high");
        assert_eq!(
            dimension_of("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web/9f")
                .as_deref(),
            Some("app/web/9f")
        );
        let lbs = [
            json!({"loadBalancerArn": "arn:x:loadbalancer/app/web/9f", "targetGroups": [{"targetGroupArn": "arn:tg"}]}),
        ];
        assert_eq!(
            load_balancer_of(
                &json!({"loadBalancers": [{"targetGroupArn": "arn:tg"}]}),
                &lbs
            )
            .as_deref(),
            Some("app/web/9f")
        );
        assert_eq!(load_balancer_of(&json!({}), &lbs), None);
        assert_eq!(
            (scale_top(0.0), scale_top(6.0), scale_top(2700.0)),
            (1.0, 10.0, 5000.0)
        );
        assert_eq!(clock(NOW), "00:55");
        let p = picture(&read(), NOW);
        // Steps hold each count until the next point: M, then a level and a rise.
        let d = path(&p, &p.desired, PANELS[2], 10.0, true);
        assert_eq!(d.matches('L').count(), 3, "{d}");
        assert!(d.starts_with('M'));
    }
}
