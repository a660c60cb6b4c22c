//! Each operation's checks and effects. Texts are berth-model's: confirmed ones as functions,
//! guesses in `AUTOSCALING_UNCONFIRMED`.

use berth_cloudwatch::documents::{
    ComparisonOperator, Dimension, StandardUnit, Statistic, TreatMissingData,
};
use berth_cloudwatch::requests::PutMetricAlarmInput;
use berth_model::{messages, SimTime};

use crate::documents::{
    Alarm, PolicyType, ScalableTarget, ScalingPolicy, ScheduledAction, SuspendedState,
    TargetTrackingScalingPolicyConfiguration,
};
use crate::errors::guessed_error;
use crate::requests::*;
use crate::{
    next_run, policies, schedule, AasError, AutoScaling, Host, PolicyRecord, ScheduledRecord,
    TargetRecord, DIMENSION, NAMESPACE,
};

/// Every namespace of the 2016-02-06 model (Berth scales `ecs` only).
const NAMESPACES: &[&str] = &[
    "ecs",
    "elasticmapreduce",
    "ec2",
    "appstream",
    "dynamodb",
    "rds",
    "sagemaker",
    "custom-resource",
    "comprehend",
    "lambda",
    "cassandra",
    "kafka",
    "elasticache",
    "neptune",
    "workspaces",
];

/// The predefined metrics for ECS services Berth publishes.
const ECS_METRICS: &[&str] = &[
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageMemoryUtilization",
    "ALBRequestCountPerTarget",
];

pub(crate) fn handle(
    aas: &mut AutoScaling,
    request: Request,
    now: SimTime,
    host: &mut impl Host,
) -> Result<Response, AasError> {
    Ok(match request {
        Request::RegisterScalableTarget(input) => {
            Response::RegisterScalableTarget(register(aas, input, now, host)?)
        }
        Request::DescribeScalableTargets(input) => {
            namespace(input.service_namespace.as_deref())?;
            dimension_filter(input.scalable_dimension.as_deref())?;
            if input
                .resource_ids
                .as_ref()
                .is_some_and(|ids| ids.len() > 50)
            {
                return Err(too_many("resourceIds", 50));
            }
            let all: Vec<ScalableTarget> = aas
                .targets
                .values()
                .filter(|t| {
                    input
                        .resource_ids
                        .as_ref()
                        .is_none_or(|ids| ids.is_empty() || ids.contains(&t.doc.resource_id))
                })
                .map(|t| t.doc.clone())
                .collect();
            let (page, next_token) = page(all, &input, 50)?;
            Response::DescribeScalableTargets(DescribeScalableTargetsOutput {
                scalable_targets: page,
                next_token,
            })
        }
        Request::DeregisterScalableTarget(input) => {
            let resource = target_names(&input)?;
            let Some(target) = aas.targets.remove(&resource) else {
                return Err(no_target(&resource));
            };
            let alarms: Vec<String> = target
                .policies
                .values()
                .flat_map(|p| p.high.iter().chain(&p.low).cloned())
                .collect();
            host.delete_alarms(&alarms);
            Response::DeregisterScalableTarget(Empty {})
        }
        Request::PutScalingPolicy(input) => {
            Response::PutScalingPolicy(put_policy(aas, input, now, host)?)
        }
        Request::DescribeScalingPolicies(input) => {
            namespace(input.service_namespace.as_deref())?;
            dimension_filter(input.scalable_dimension.as_deref())?;
            let names = input.policy_names.clone().unwrap_or_default();
            if names.len() > 50 {
                return Err(too_many("policyNames", 50));
            }
            let all: Vec<ScalingPolicy> = aas
                .targets
                .values()
                .filter(|t| matches_resource(&input, &t.doc.resource_id))
                .flat_map(|t| t.policies.values())
                .filter(|p| names.is_empty() || names.contains(&p.doc.policy_name))
                .map(|p| {
                    let mut doc = p.doc.clone();
                    if doc.policy_type == PolicyType::StepScaling {
                        doc.alarms = host.alarms_invoking(&doc.policy_arn);
                    }
                    doc
                })
                .collect();
            let (page, next_token) = page(all, &input, 10)?;
            Response::DescribeScalingPolicies(DescribeScalingPoliciesOutput {
                scaling_policies: page,
                next_token,
            })
        }
        Request::DeleteScalingPolicy(input) => {
            let resource = target_names(&input.target)?;
            let name = required(input.policy_name.as_deref(), "policyName")?;
            let removed = aas
                .targets
                .get_mut(&resource)
                .and_then(|t| t.policies.remove(name));
            let Some(policy) = removed else {
                return Err(guessed_error(
                    "aas-no-policy",
                    &[&NAMESPACE, &resource, &DIMENSION, &name],
                ));
            };
            let alarms: Vec<String> = policy.high.into_iter().chain(policy.low).collect();
            host.delete_alarms(&alarms);
            Response::DeleteScalingPolicy(Empty {})
        }
        Request::PutScheduledAction(input) => {
            put_scheduled(aas, input, now)?;
            Response::PutScheduledAction(Empty {})
        }
        Request::DescribeScheduledActions(input) => {
            namespace(input.service_namespace.as_deref())?;
            dimension_filter(input.scalable_dimension.as_deref())?;
            let names = input.scheduled_action_names.clone().unwrap_or_default();
            if names.len() > 50 {
                return Err(too_many("scheduledActionNames", 50));
            }
            let all: Vec<ScheduledAction> = aas
                .targets
                .values()
                .filter(|t| matches_resource(&input, &t.doc.resource_id))
                .flat_map(|t| t.scheduled.values())
                .filter(|s| names.is_empty() || names.contains(&s.doc.scheduled_action_name))
                .map(|s| s.doc.clone())
                .collect();
            let (page, next_token) = page(all, &input, 50)?;
            Response::DescribeScheduledActions(DescribeScheduledActionsOutput {
                scheduled_actions: page,
                next_token,
            })
        }
        Request::DeleteScheduledAction(input) => {
            let resource = target_names(&input.target)?;
            let name = required(
                input.scheduled_action_name.as_deref(),
                "scheduledActionName",
            )?;
            let removed = aas
                .targets
                .get_mut(&resource)
                .and_then(|t| t.scheduled.remove(name));
            if removed.is_none() {
                return Err(guessed_error(
                    "aas-no-scheduled-action",
                    &[&NAMESPACE, &resource, &DIMENSION, &name],
                ));
            }
            Response::DeleteScheduledAction(Empty {})
        }
        Request::DescribeScalingActivities(input) => {
            namespace(input.service_namespace.as_deref())?;
            dimension_filter(input.scalable_dimension.as_deref())?;
            let all_too = input.include_not_scaled_activities == Some(true);
            let all: Vec<_> = aas
                .activities
                .iter()
                .rev()
                .filter(|a| matches_resource(&input, &a.resource_id))
                .filter(|a| all_too || a.not_scaled_reasons.is_none())
                .cloned()
                .collect();
            let (page, next_token) = page(all, &input, 50)?;
            Response::DescribeScalingActivities(DescribeScalingActivitiesOutput {
                scaling_activities: page,
                next_token,
            })
        }
        Request::TagResource(input) => {
            let target = tagged(aas, input.resource_arn.as_deref())?;
            let tags = input.tags.ok_or_else(|| missing("tags"))?;
            check_tags(&tags)?;
            target.tags.extend(tags);
            if target.tags.len() > 50 {
                return Err(guessed_error("aas-too-many-tags", &[]));
            }
            Response::TagResource(Empty {})
        }
        Request::UntagResource(input) => {
            let target = tagged(aas, input.resource_arn.as_deref())?;
            let keys = input.tag_keys.ok_or_else(|| missing("tagKeys"))?;
            for key in keys {
                target.tags.remove(&key);
            }
            Response::UntagResource(Empty {})
        }
        Request::ListTagsForResource(input) => {
            let target = tagged(aas, input.resource_arn.as_deref())?;
            Response::ListTagsForResource(ListTagsOutput {
                tags: target.tags.clone(),
            })
        }
    })
}

fn register(
    aas: &mut AutoScaling,
    input: RegisterScalableTargetInput,
    now: SimTime,
    host: &mut impl Host,
) -> Result<RegisterScalableTargetOutput, AasError> {
    let resource = target_names(&input.target)?;
    for (value, member) in [
        (input.min_capacity, "minCapacity"),
        (input.max_capacity, "maxCapacity"),
    ] {
        if value.is_some_and(|v| v < 0) {
            return Err(guessed_error("aas-negative-capacity", &[&member]));
        }
    }
    if let Some(tags) = &input.tags {
        check_tags(tags)?;
    }
    if let Err(why) = host.capacity(&resource) {
        let _ = why;
        return Err(guessed_error("aas-no-service", &[&resource]));
    }
    let existing = aas.targets.contains_key(&resource);
    if existing && input.tags.is_some() {
        return Err(AasError::validation(messages::aas_tag_existing_target()));
    }
    let (min, max) = match aas.targets.get(&resource) {
        Some(t) => (
            input.min_capacity.unwrap_or(t.doc.min_capacity),
            input.max_capacity.unwrap_or(t.doc.max_capacity),
        ),
        None => match (input.min_capacity, input.max_capacity) {
            (Some(min), Some(max)) => (min, max),
            _ => return Err(guessed_error("aas-new-target-range", &[])),
        },
    };
    if min > max {
        return Err(guessed_error("aas-min-over-max", &[&min, &max]));
    }
    if !existing {
        let id = aas.target_id();
        let uuid = aas.uuid();
        let arn = format!(
            "arn:aws:application-autoscaling:{}:{}:scalable-target/{id}",
            aas.region, aas.account
        );
        let role = input.role_arn.clone().unwrap_or_else(|| {
            format!(
                "arn:aws:iam::{}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
                aas.account
            )
        });
        aas.targets.insert(
            resource.clone(),
            TargetRecord {
                doc: ScalableTarget {
                    service_namespace: NAMESPACE.into(),
                    resource_id: resource.clone(),
                    scalable_dimension: DIMENSION.into(),
                    min_capacity: min,
                    max_capacity: max,
                    role_arn: role,
                    creation_time: now,
                    suspended_state: SuspendedState {
                        dynamic_scaling_in_suspended: Some(false),
                        dynamic_scaling_out_suspended: Some(false),
                        scheduled_scaling_suspended: Some(false),
                    },
                    scalable_target_arn: arn,
                },
                tags: input.tags.clone().unwrap_or_default(),
                uuid,
                policies: Default::default(),
                scheduled: Default::default(),
                cooling_out: None,
                cooling_in: None,
            },
        );
    }
    let target = aas.targets.get_mut(&resource).expect("inserted above");
    target.doc.min_capacity = min;
    target.doc.max_capacity = max;
    if let Some(given) = input.suspended_state {
        // What it does not name is not changed.
        let held = &mut target.doc.suspended_state;
        held.dynamic_scaling_in_suspended = given
            .dynamic_scaling_in_suspended
            .or(held.dynamic_scaling_in_suspended);
        held.dynamic_scaling_out_suspended = given
            .dynamic_scaling_out_suspended
            .or(held.dynamic_scaling_out_suspended);
        held.scheduled_scaling_suspended = given
            .scheduled_scaling_suspended
            .or(held.scheduled_scaling_suspended);
    }
    let arn = target.doc.scalable_target_arn.clone();
    aas.enforce_range(&resource, now, host);
    Ok(RegisterScalableTargetOutput {
        scalable_target_arn: arn,
    })
}

fn put_policy(
    aas: &mut AutoScaling,
    input: PutScalingPolicyInput,
    now: SimTime,
    host: &mut impl Host,
) -> Result<PutScalingPolicyOutput, AasError> {
    let resource = target_names(&input.target)?;
    let name = required(input.policy_name.as_deref(), "policyName")?.to_owned();
    length(&name, "policyName", 256)?;
    let Some(target) = aas.targets.get(&resource) else {
        return Err(no_target(&resource));
    };
    let existing = target.policies.get(&name);
    let policy_type = match (&input.policy_type, existing) {
        (Some(t), _) => t.clone(),
        (None, Some(p)) => p.doc.policy_type.clone(),
        (None, None) => return Err(guessed_error("aas-policy-type", &[])),
    };
    let policy_arn = format!(
        "arn:aws:autoscaling:{}:{}:scalingPolicy:{}:resource/{NAMESPACE}/{resource}:policyName/{name}",
        aas.region, aas.account, target.uuid
    );
    let mut record = PolicyRecord {
        doc: ScalingPolicy {
            policy_arn: policy_arn.clone(),
            policy_name: name.clone(),
            service_namespace: NAMESPACE.into(),
            resource_id: resource.clone(),
            scalable_dimension: DIMENSION.into(),
            policy_type: policy_type.clone(),
            step_scaling_policy_configuration: None,
            target_tracking_scaling_policy_configuration: None,
            alarms: Vec::new(),
            creation_time: existing.map_or(now, |p| p.doc.creation_time),
        },
        action: policy_arn.clone(),
        high: existing.and_then(|p| p.high.clone()),
        low: existing.and_then(|p| p.low.clone()),
        not_scaled: None,
    };
    match policy_type {
        PolicyType::StepScaling => {
            if input.target_tracking_scaling_policy_configuration.is_some() {
                return Err(guessed_error(
                    "aas-config-mismatch",
                    &[&"TargetTrackingScalingPolicyConfiguration", &"StepScaling"],
                ));
            }
            let config = input.step_scaling_policy_configuration.ok_or_else(|| {
                guessed_error(
                    "aas-config-missing",
                    &[&"StepScalingPolicyConfiguration", &"StepScaling"],
                )
            })?;
            if config.adjustment_type.is_none() {
                return Err(guessed_error("aas-adjustment-type", &[]));
            }
            if let Some(crate::documents::AdjustmentType::Unknown(v)) = &config.adjustment_type {
                return Err(enum_error(
                    v,
                    "stepScalingPolicyConfiguration.adjustmentType",
                    &[
                        "ChangeInCapacity",
                        "PercentChangeInCapacity",
                        "ExactCapacity",
                    ],
                ));
            }
            policies::check_steps(&config).map_err(|why| guessed_error("aas-steps", &[&why]))?;
            if config.cooldown.is_some_and(|c| c < 0) {
                return Err(guessed_error("aas-negative-cooldown", &[&"Cooldown"]));
            }
            if let Some(kind) = &config.metric_aggregation_type {
                if !["Average", "Minimum", "Maximum"].contains(&kind.as_str()) {
                    return Err(enum_error(
                        kind,
                        "stepScalingPolicyConfiguration.metricAggregationType",
                        &["Average", "Minimum", "Maximum"],
                    ));
                }
            }
            record.doc.step_scaling_policy_configuration = Some(config);
            // A policy that was target tracking loses its alarms.
            let old: Vec<String> = record
                .high
                .take()
                .into_iter()
                .chain(record.low.take())
                .collect();
            host.delete_alarms(&old);
        }
        PolicyType::TargetTrackingScaling => {
            if input.step_scaling_policy_configuration.is_some() {
                return Err(guessed_error(
                    "aas-config-mismatch",
                    &[&"StepScalingPolicyConfiguration", &"TargetTrackingScaling"],
                ));
            }
            let config = input
                .target_tracking_scaling_policy_configuration
                .ok_or_else(|| {
                    guessed_error(
                        "aas-config-missing",
                        &[
                            &"TargetTrackingScalingPolicyConfiguration",
                            &"TargetTrackingScaling",
                        ],
                    )
                })?;
            let metric = alarm_metric(&config, &resource)?;
            for (value, member) in [
                (config.scale_out_cooldown, "ScaleOutCooldown"),
                (config.scale_in_cooldown, "ScaleInCooldown"),
            ] {
                if value.is_some_and(|c| c < 0) {
                    return Err(guessed_error("aas-negative-cooldown", &[&member]));
                }
            }
            let high = match record.high.clone() {
                Some(name) => name,
                None => format!("TargetTracking-{resource}-AlarmHigh-{}", aas.uuid()),
            };
            let low = match record.low.clone() {
                Some(name) => name,
                None => format!("TargetTracking-{resource}-AlarmLow-{}", aas.uuid()),
            };
            record.action = format!("{policy_arn}:createdBy/{}", aas.uuid());
            let description = messages::aas_alarm_description(&record.action);
            let mut alarms = Vec::new();
            for (alarm_name, periods, threshold, comparison) in [
                (
                    &high,
                    3,
                    config.target_value,
                    ComparisonOperator::GreaterThanThreshold,
                ),
                (
                    &low,
                    15,
                    config.target_value * 0.9,
                    ComparisonOperator::LessThanThreshold,
                ),
            ] {
                let alarm = PutMetricAlarmInput {
                    alarm_name: Some(alarm_name.clone()),
                    alarm_description: Some(description.clone()),
                    actions_enabled: Some(true),
                    alarm_actions: Some(vec![record.action.clone()]),
                    metric_name: Some(metric.name.clone()),
                    namespace: Some(metric.namespace.clone()),
                    statistic: Some(metric.statistic.clone()),
                    dimensions: Some(metric.dimensions.clone()),
                    period: Some(60),
                    unit: metric.unit.clone(),
                    evaluation_periods: Some(periods),
                    datapoints_to_alarm: Some(periods),
                    threshold: Some(threshold),
                    comparison_operator: Some(comparison),
                    treat_missing_data: Some(TreatMissingData::Missing),
                    ..Default::default()
                };
                let arn = host
                    .put_alarm(alarm)
                    .map_err(|why| AasError::new("FailedResourceAccessException", why))?;
                alarms.push(Alarm {
                    alarm_name: alarm_name.clone(),
                    alarm_arn: arn,
                });
            }
            record.high = Some(high);
            record.low = Some(low);
            record.doc.alarms = alarms;
            record.doc.target_tracking_scaling_policy_configuration = Some(config);
        }
        PolicyType::PredictiveScaling => return Err(guessed_error("aas-predictive", &[])),
        PolicyType::Unknown(v) => {
            return Err(enum_error(
                &v,
                "policyType",
                &["StepScaling", "TargetTrackingScaling", "PredictiveScaling"],
            ))
        }
    }
    let alarms = if record.doc.policy_type == PolicyType::TargetTrackingScaling {
        record.doc.alarms.clone()
    } else {
        Vec::new()
    };
    aas.targets
        .get_mut(&resource)
        .expect("found above")
        .policies
        .insert(name, record);
    Ok(PutScalingPolicyOutput { policy_arn, alarms })
}

/// The metric a target tracking policy's alarms watch.
struct Metric {
    namespace: String,
    name: String,
    statistic: Statistic,
    dimensions: Vec<Dimension>,
    unit: Option<StandardUnit>,
}

fn alarm_metric(
    config: &TargetTrackingScalingPolicyConfiguration,
    resource: &str,
) -> Result<Metric, AasError> {
    if !config.target_value.is_finite() || config.target_value <= 0.0 {
        return Err(guessed_error("aas-target-value", &[&config.target_value]));
    }
    let dimension = |name: &str, value: &str| Dimension {
        name: name.into(),
        value: value.into(),
    };
    match (
        &config.predefined_metric_specification,
        &config.customized_metric_specification,
    ) {
        (Some(predefined), None) => {
            let kind = predefined.predefined_metric_type.as_str();
            if !ECS_METRICS.contains(&kind) {
                return Err(guessed_error("aas-metric-type", &[&kind]));
            }
            if kind == "ALBRequestCountPerTarget" {
                let label = predefined.resource_label.as_deref().unwrap_or("");
                let (lb, tg) = label
                    .split_once("/targetgroup/")
                    .filter(|(lb, tg)| {
                        lb.starts_with("app/")
                            && lb.split('/').count() == 3
                            && tg.split('/').count() == 2
                    })
                    .ok_or_else(|| guessed_error("aas-resource-label", &[&label]))?;
                return Ok(Metric {
                    namespace: "AWS/ApplicationELB".into(),
                    name: "RequestCountPerTarget".into(),
                    statistic: Statistic::Sum,
                    dimensions: vec![
                        dimension("LoadBalancer", lb),
                        dimension("TargetGroup", &format!("targetgroup/{tg}")),
                    ],
                    unit: Some(StandardUnit::None),
                });
            }
            if predefined.resource_label.is_some() {
                return Err(guessed_error("aas-resource-label-only", &[&kind]));
            }
            let mut parts = resource.splitn(3, '/').skip(1);
            let (cluster, service) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            Ok(Metric {
                namespace: "AWS/ECS".into(),
                name: if kind == "ECSServiceAverageCPUUtilization" {
                    "CPUUtilization"
                } else {
                    "MemoryUtilization"
                }
                .into(),
                statistic: Statistic::Average,
                dimensions: vec![
                    dimension("ClusterName", cluster),
                    dimension("ServiceName", service),
                ],
                unit: Some(StandardUnit::Percent),
            })
        }
        (None, Some(custom)) => {
            if custom.metrics.is_some() {
                return Err(guessed_error("aas-metric-math", &[]));
            }
            let name = custom
                .metric_name
                .clone()
                .ok_or_else(|| guessed_error("aas-custom-metric", &[&"MetricName"]))?;
            let namespace = custom
                .namespace
                .clone()
                .ok_or_else(|| guessed_error("aas-custom-metric", &[&"Namespace"]))?;
            let statistic = custom
                .statistic
                .clone()
                .ok_or_else(|| guessed_error("aas-custom-metric", &[&"Statistic"]))?;
            let statistic = match statistic.as_str() {
                "Average" => Statistic::Average,
                "Minimum" => Statistic::Minimum,
                "Maximum" => Statistic::Maximum,
                "SampleCount" => Statistic::SampleCount,
                "Sum" => Statistic::Sum,
                other => return Err(enum_error(other, "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.statistic", &["Average", "Minimum", "Maximum", "SampleCount", "Sum"])),
            };
            let unit = match &custom.unit {
                Some(unit) => Some(
                    serde_json::from_value::<StandardUnit>(serde_json::Value::String(unit.clone()))
                        .ok()
                        .filter(|u| !matches!(u, StandardUnit::Unknown(_)))
                        .ok_or_else(|| guessed_error("aas-unit", &[unit]))?,
                ),
                None => None,
            };
            Ok(Metric {
                namespace,
                name,
                statistic,
                dimensions: custom.dimensions.clone().unwrap_or_default(),
                unit,
            })
        }
        _ => Err(guessed_error("aas-one-metric", &[])),
    }
}

fn put_scheduled(
    aas: &mut AutoScaling,
    input: PutScheduledActionInput,
    now: SimTime,
) -> Result<(), AasError> {
    let resource = target_names(&input.target)?;
    let name = required(
        input.scheduled_action_name.as_deref(),
        "scheduledActionName",
    )?
    .to_owned();
    length(&name, "scheduledActionName", 256)?;
    if name.starts_with(' ')
        || name.ends_with(' ')
        || name.chars().any(|c| c.is_control() || ":/|".contains(c))
    {
        return Err(guessed_error(
            "aas-pattern",
            &[&name, &"scheduledActionName"],
        ));
    }
    let Some(target) = aas.targets.get(&resource) else {
        return Err(no_target(&resource));
    };
    let existing = target.scheduled.get(&name);
    let schedule = match (&input.schedule, existing) {
        (Some(s), _) => s.clone(),
        (None, Some(e)) => e.doc.schedule.clone(),
        (None, None) => return Err(missing("schedule")),
    };
    schedule::parse(&schedule).map_err(|why| guessed_error("aas-schedule", &[&schedule, &why]))?;
    if let Some(zone) = &input.timezone {
        if !["UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z"].contains(&zone.as_str()) {
            return Err(guessed_error("aas-timezone", &[zone]));
        }
    }
    let action = match (&input.scalable_target_action, existing) {
        (Some(a), _) => a.clone(),
        (None, Some(e)) => e.doc.scalable_target_action.clone(),
        (None, None) => Default::default(),
    };
    if action.min_capacity.is_none() && action.max_capacity.is_none() {
        return Err(AasError::validation(messages::aas_min_or_max()));
    }
    for (value, member) in [
        (action.min_capacity, "minCapacity"),
        (action.max_capacity, "maxCapacity"),
    ] {
        if value.is_some_and(|v| v < 0) {
            return Err(guessed_error("aas-negative-capacity", &[&member]));
        }
    }
    if let (Some(min), Some(max)) = (action.min_capacity, action.max_capacity) {
        if min > max {
            return Err(guessed_error("aas-min-over-max", &[&min, &max]));
        }
    }
    if let (Some(start), Some(end)) = (input.start_time, input.end_time) {
        if end <= start {
            return Err(guessed_error("aas-end-before-start", &[]));
        }
    }
    let arn = format!(
        "arn:aws:autoscaling:{}:{}:scheduledAction:{}:resource/{NAMESPACE}/{resource}:scheduledActionName/{name}",
        aas.region, aas.account, target.uuid
    );
    let doc = ScheduledAction {
        scheduled_action_name: name.clone(),
        scheduled_action_arn: arn,
        service_namespace: NAMESPACE.into(),
        schedule,
        timezone: input.timezone.clone(),
        resource_id: resource.clone(),
        scalable_dimension: DIMENSION.into(),
        // Omitted on an update, they are deleted (the API reference).
        start_time: input.start_time,
        end_time: input.end_time,
        scalable_target_action: action,
        creation_time: existing.map_or(now, |e| e.doc.creation_time),
    };
    let next = next_run(
        &ScheduledAction {
            creation_time: now,
            ..doc.clone()
        },
        now,
    );
    aas.targets
        .get_mut(&resource)
        .expect("found above")
        .scheduled
        .insert(name, ScheduledRecord { doc, next });
    Ok(())
}

/// The resource a target's three names name, each checked.
fn target_names(input: &TargetInput) -> Result<String, AasError> {
    namespace(input.service_namespace.as_deref())?;
    let resource = required(input.resource_id.as_deref(), "resourceId")?;
    let dimension = required(input.scalable_dimension.as_deref(), "scalableDimension")?;
    dimension_filter(Some(dimension))?;
    length(resource, "resourceId", 1600)?;
    let parts: Vec<&str> = resource.split('/').collect();
    if parts.len() != 3 || parts[0] != "service" || parts[1].is_empty() || parts[2].is_empty() {
        return Err(guessed_error("aas-resource-id", &[&resource]));
    }
    Ok(resource.to_owned())
}

fn namespace(value: Option<&str>) -> Result<(), AasError> {
    let value = required(value, "serviceNamespace")?;
    if !NAMESPACES.contains(&value) {
        return Err(enum_error(value, "serviceNamespace", NAMESPACES));
    }
    if value != NAMESPACE {
        return Err(guessed_error("aas-namespace", &[&value]));
    }
    Ok(())
}

fn dimension_filter(value: Option<&str>) -> Result<(), AasError> {
    match value {
        None => Ok(()),
        Some(DIMENSION) => Ok(()),
        Some(other) if other.contains(':') && other.split(':').count() == 3 => {
            Err(guessed_error("aas-dimension", &[&other]))
        }
        Some(other) => Err(enum_error(other, "scalableDimension", &[DIMENSION, "..."])),
    }
}

fn matches_resource(input: &DescribeInput, resource: &str) -> bool {
    input.resource_id.as_deref().is_none_or(|r| r == resource)
}

fn required<'v>(value: Option<&'v str>, member: &str) -> Result<&'v str, AasError> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        Some(_) => Err(guessed_error("aas-length", &[&"", &member, &1, &1600])),
        None => Err(missing(member)),
    }
}

fn length(value: &str, member: &str, max: usize) -> Result<(), AasError> {
    if value.chars().count() > max {
        return Err(guessed_error("aas-length", &[&value, &member, &1, &max]));
    }
    Ok(())
}

fn missing(member: &str) -> AasError {
    guessed_error("aas-missing", &[&member])
}

fn too_many(member: &str, max: usize) -> AasError {
    guessed_error("aas-too-many", &[&member, &max])
}

fn enum_error(value: &str, member: &str, allowed: &[&str]) -> AasError {
    guessed_error("aas-enum", &[&value, &member, &allowed.join(", ")])
}

fn no_target(resource: &str) -> AasError {
    AasError::new(
        "ObjectNotFoundException",
        messages::aas_no_scalable_target(NAMESPACE, resource, DIMENSION),
    )
}

fn check_tags(tags: &std::collections::BTreeMap<String, String>) -> Result<(), AasError> {
    for (key, value) in tags {
        if key.is_empty()
            || key.chars().count() > 128
            || value.chars().count() > 256
            || key.starts_with("aws:")
        {
            return Err(guessed_error("aas-tag", &[key]));
        }
    }
    Ok(())
}

fn tagged<'a>(
    aas: &'a mut AutoScaling,
    arn: Option<&str>,
) -> Result<&'a mut TargetRecord, AasError> {
    let arn = required(arn, "resourceARN")?;
    aas.targets
        .values_mut()
        .find(|t| t.doc.scalable_target_arn == arn)
        .ok_or_else(|| guessed_error("aas-tag-not-found", &[&arn]))
}

/// A page of `all` from the input's token, at most its `MaxResults` (1 to `most`).
fn page<T>(
    all: Vec<T>,
    input: &DescribeInput,
    most: i64,
) -> Result<(Vec<T>, Option<String>), AasError> {
    let size = input.max_results.unwrap_or(most);
    if !(1..=most).contains(&size) {
        return Err(guessed_error("aas-max-results", &[&size, &most]));
    }
    let start = match &input.next_token {
        None => 0,
        Some(token) => token
            .parse::<usize>()
            .ok()
            .filter(|s| *s <= all.len())
            .ok_or_else(|| guessed_error("aas-next-token", &[]))?,
    };
    let end = (start + size as usize).min(all.len());
    let next = (end < all.len()).then(|| end.to_string());
    Ok((
        all.into_iter().skip(start).take(end - start).collect(),
        next,
    ))
}
