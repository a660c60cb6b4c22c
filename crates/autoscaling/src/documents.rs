//! Application Auto Scaling's documents as the 2016-02-06 API writes them: member names exactly
//! as the botocore model has them, so one type is the record Berth keeps and the JSON a client
//! reads. Timestamps are `SimTime`s, epoch seconds on the wire.

use std::collections::BTreeMap;

use berth_model::{ecs_enum, SimTime};
use serde::{Deserialize, Serialize};

ecs_enum! {
    /// `PolicyType`. Berth does not forecast, so `PredictiveScaling` is refused.
    PolicyType {
        TargetTrackingScaling = "TargetTrackingScaling", StepScaling = "StepScaling",
        PredictiveScaling = "PredictiveScaling",
    }
}

ecs_enum! {
    /// A step scaling policy's `AdjustmentType`.
    AdjustmentType {
        ChangeInCapacity = "ChangeInCapacity", PercentChangeInCapacity = "PercentChangeInCapacity",
        ExactCapacity = "ExactCapacity",
    }
}

ecs_enum! {
    /// A scaling activity's `StatusCode`.
    ActivityStatus {
        Pending = "Pending", InProgress = "InProgress", Successful = "Successful",
        Overridden = "Overridden", Unfulfilled = "Unfulfilled", Failed = "Failed",
    }
}

/// A tag map (`Tags`).
pub type TagMap = BTreeMap<String, String>;

/// Which scaling a target has suspended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SuspendedState {
    /// Policies do not scale in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_scaling_in_suspended: Option<bool>,
    /// Policies do not scale out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_scaling_out_suspended: Option<bool>,
    /// Scheduled actions do not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_scaling_suspended: Option<bool>,
}

impl SuspendedState {
    /// Policies' scale-in is suspended.
    pub fn scale_in(&self) -> bool {
        self.dynamic_scaling_in_suspended == Some(true)
    }
    /// Policies' scale-out is suspended.
    pub fn scale_out(&self) -> bool {
        self.dynamic_scaling_out_suspended == Some(true)
    }
    /// Scheduled actions are suspended.
    pub fn scheduled(&self) -> bool {
        self.scheduled_scaling_suspended == Some(true)
    }
}

/// A scalable target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalableTarget {
    /// `ecs`.
    pub service_namespace: String,
    /// `service/CLUSTER/SERVICE`.
    pub resource_id: String,
    /// `ecs:service:DesiredCount`.
    pub scalable_dimension: String,
    /// The least capacity policies scale to.
    pub min_capacity: i64,
    /// The most.
    pub max_capacity: i64,
    /// The service-linked role it acts with.
    #[serde(rename = "RoleARN")]
    pub role_arn: String,
    /// When it was registered.
    pub creation_time: SimTime,
    /// What is suspended.
    pub suspended_state: SuspendedState,
    /// `arn:aws:application-autoscaling:REGION:ACCOUNT:scalable-target/ID`.
    #[serde(rename = "ScalableTargetARN")]
    pub scalable_target_arn: String,
}

/// A metric's dimension (`Name`, `Value`), as CloudWatch's.
pub use berth_cloudwatch::Dimension as MetricDimension;

/// A predefined metric.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PredefinedMetricSpecification {
    /// `ECSServiceAverageCPUUtilization`, `ECSServiceAverageMemoryUtilization`,
    /// `ALBRequestCountPerTarget`, ...
    #[serde(default)]
    pub predefined_metric_type: String,
    /// For `ALBRequestCountPerTarget`: `app/LB/ID/targetgroup/TG/ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_label: Option<String>,
}

/// A metric of the user's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomizedMetricSpecification {
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// Its namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Its dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Vec<MetricDimension>>,
    /// `Average`, `Minimum`, `Maximum`, `SampleCount` or `Sum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    /// Its unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Metric math (Berth does not evaluate it: refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<serde_json::Value>,
}

/// A target tracking policy's configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetTrackingScalingPolicyConfiguration {
    /// The metric's target value.
    #[serde(default)]
    pub target_value: f64,
    /// A predefined metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predefined_metric_specification: Option<PredefinedMetricSpecification>,
    /// Or the user's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customized_metric_specification: Option<CustomizedMetricSpecification>,
    /// Seconds after a scale-out before another counts from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out_cooldown: Option<i64>,
    /// Seconds after a scale-in before the next one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_cooldown: Option<i64>,
    /// The policy never scales in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_scale_in: Option<bool>,
}

/// One step of a step scaling policy: bounds relative to the alarm's threshold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepAdjustment {
    /// The breach's lower bound (inclusive); none is minus infinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_interval_lower_bound: Option<f64>,
    /// The upper bound (exclusive); none is infinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_interval_upper_bound: Option<f64>,
    /// How much to change the capacity by.
    #[serde(default)]
    pub scaling_adjustment: i64,
}

/// A step scaling policy's configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepScalingPolicyConfiguration {
    /// How adjustments read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment_type: Option<AdjustmentType>,
    /// The steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_adjustments: Option<Vec<StepAdjustment>>,
    /// The least a percent change moves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_adjustment_magnitude: Option<i64>,
    /// Seconds after an activity before the policy acts again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<i64>,
    /// `Average`, `Minimum` or `Maximum` (how the alarm's statistic aggregates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_aggregation_type: Option<String>,
}

/// An alarm a policy owns or is named by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alarm {
    /// Its name.
    pub alarm_name: String,
    /// Its ARN.
    #[serde(rename = "AlarmARN")]
    pub alarm_arn: String,
}

/// A scaling policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingPolicy {
    /// `arn:aws:autoscaling:REGION:ACCOUNT:scalingPolicy:ID:resource/ecs/RESOURCE:policyName/NAME`.
    #[serde(rename = "PolicyARN")]
    pub policy_arn: String,
    /// Its name.
    pub policy_name: String,
    /// `ecs`.
    pub service_namespace: String,
    /// The target's resource.
    pub resource_id: String,
    /// The target's dimension.
    pub scalable_dimension: String,
    /// Target tracking or step scaling.
    pub policy_type: PolicyType,
    /// A step scaling policy's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_scaling_policy_configuration: Option<StepScalingPolicyConfiguration>,
    /// A target tracking policy's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_tracking_scaling_policy_configuration:
        Option<TargetTrackingScalingPolicyConfiguration>,
    /// The alarms that invoke it: a target tracking policy's own two, or a step scaling
    /// policy's that name it in their actions.
    pub alarms: Vec<Alarm>,
    /// When it was put.
    pub creation_time: SimTime,
}

/// What a scheduled action sets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalableTargetAction {
    /// The new minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_capacity: Option<i64>,
    /// The new maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_capacity: Option<i64>,
}

/// A scheduled action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduledAction {
    /// Its name.
    pub scheduled_action_name: String,
    /// `arn:aws:autoscaling:REGION:ACCOUNT:scheduledAction:ID:resource/ecs/RESOURCE:scheduledActionName/NAME`.
    #[serde(rename = "ScheduledActionARN")]
    pub scheduled_action_arn: String,
    /// `ecs`.
    pub service_namespace: String,
    /// `at(...)`, `rate(...)` or `cron(...)`.
    pub schedule: String,
    /// The schedule's time zone (UTC only in Berth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The target's resource.
    pub resource_id: String,
    /// The target's dimension.
    pub scalable_dimension: String,
    /// It runs from then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<SimTime>,
    /// Until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<SimTime>,
    /// What it sets.
    pub scalable_target_action: ScalableTargetAction,
    /// When it was put.
    pub creation_time: SimTime,
}

/// Why an activity did not scale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotScaledReason {
    /// `AlreadyAtMaxCapacity`, `AlreadyAtMinCapacity`, `AlreadyAtDesiredCapacity`.
    pub code: String,
    /// The target's maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_capacity: Option<i64>,
    /// The target's minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_capacity: Option<i64>,
    /// The capacity then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_capacity: Option<i64>,
}

/// A scaling activity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingActivity {
    /// Its id.
    pub activity_id: String,
    /// `ecs`.
    pub service_namespace: String,
    /// The target's resource.
    pub resource_id: String,
    /// The target's dimension.
    pub scalable_dimension: String,
    /// What it does.
    pub description: String,
    /// Why.
    pub cause: String,
    /// When it began.
    pub start_time: SimTime,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<SimTime>,
    /// How it went.
    pub status_code: ActivityStatus,
    /// In words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Why it did not scale (activities listed with `IncludeNotScaledActivities`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_scaled_reasons: Option<Vec<NotScaledReason>>,
}
