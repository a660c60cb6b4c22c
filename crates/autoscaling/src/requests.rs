//! Each Application Auto Scaling operation's input and output in the 2016-02-06 shapes, from
//! one list (`berth_model::service_operations!`). Inputs take every member as optional, so a
//! missing required member is the service's own `ValidationException` (`actions`) rather than
//! a parse error; members Berth does not act on are not declared and are ignored.

use serde::{Deserialize, Serialize};

use crate::documents::{
    Alarm, PolicyType, ScalableTarget, ScalableTargetAction, ScalingActivity, ScalingPolicy,
    ScheduledAction, StepScalingPolicyConfiguration, SuspendedState, TagMap,
    TargetTrackingScalingPolicyConfiguration,
};
use berth_model::SimTime;

berth_model::service_operations! {
    "Application Auto Scaling";
    /// RegisterScalableTarget.
    RegisterScalableTarget(RegisterScalableTargetInput) -> RegisterScalableTargetOutput, read: false;
    /// DescribeScalableTargets.
    DescribeScalableTargets(DescribeInput) -> DescribeScalableTargetsOutput, read: true;
    /// DeregisterScalableTarget.
    DeregisterScalableTarget(TargetInput) -> Empty, read: false;
    /// PutScalingPolicy.
    PutScalingPolicy(PutScalingPolicyInput) -> PutScalingPolicyOutput, read: false;
    /// DescribeScalingPolicies.
    DescribeScalingPolicies(DescribeInput) -> DescribeScalingPoliciesOutput, read: true;
    /// DeleteScalingPolicy.
    DeleteScalingPolicy(DeleteScalingPolicyInput) -> Empty, read: false;
    /// PutScheduledAction.
    PutScheduledAction(PutScheduledActionInput) -> Empty, read: false;
    /// DescribeScheduledActions.
    DescribeScheduledActions(DescribeInput) -> DescribeScheduledActionsOutput, read: true;
    /// DeleteScheduledAction.
    DeleteScheduledAction(DeleteScheduledActionInput) -> Empty, read: false;
    /// DescribeScalingActivities.
    DescribeScalingActivities(DescribeInput) -> DescribeScalingActivitiesOutput, read: true;
    /// TagResource.
    TagResource(TagResourceInput) -> Empty, read: false;
    /// UntagResource.
    UntagResource(UntagResourceInput) -> Empty, read: false;
    /// ListTagsForResource.
    ListTagsForResource(ResourceArnInput) -> ListTagsOutput, read: true;
}

/// An output without members.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// A scalable target's three names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetInput {
    /// `ecs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_namespace: Option<String>,
    /// `service/CLUSTER/SERVICE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// `ecs:service:DesiredCount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scalable_dimension: Option<String>,
}

/// RegisterScalableTarget's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterScalableTargetInput {
    /// The target.
    #[serde(flatten)]
    pub target: TargetInput,
    /// The least capacity (required when the target is new).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_capacity: Option<i64>,
    /// The most (required when the target is new).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_capacity: Option<i64>,
    /// A role (ECS uses its service-linked role without one).
    #[serde(rename = "RoleARN", default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// What to suspend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_state: Option<SuspendedState>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagMap>,
}

/// RegisterScalableTarget's output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterScalableTargetOutput {
    /// The target's ARN.
    #[serde(rename = "ScalableTargetARN")]
    pub scalable_target_arn: String,
}

/// The Describe operations' input: a namespace, optionally a target, names and a page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInput {
    /// `ecs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_namespace: Option<String>,
    /// DescribeScalableTargets: these resources only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_ids: Option<Vec<String>>,
    /// The others: this resource only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// This dimension only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scalable_dimension: Option<String>,
    /// DescribeScalingPolicies: these policies only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_names: Option<Vec<String>>,
    /// DescribeScheduledActions: these actions only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_action_names: Option<Vec<String>>,
    /// DescribeScalingActivities: the activities that did not scale too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_not_scaled_activities: Option<bool>,
    /// A page's size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    /// Where the page starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// DescribeScalableTargets' output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeScalableTargetsOutput {
    /// The targets.
    pub scalable_targets: Vec<ScalableTarget>,
    /// The next page's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// PutScalingPolicy's input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutScalingPolicyInput {
    /// The policy's name (created, or replaced if the target has one so named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    /// The target.
    #[serde(flatten)]
    pub target: TargetInput,
    /// Its type (step scaling when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_type: Option<PolicyType>,
    /// A step scaling policy's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_scaling_policy_configuration: Option<StepScalingPolicyConfiguration>,
    /// A target tracking policy's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_tracking_scaling_policy_configuration:
        Option<TargetTrackingScalingPolicyConfiguration>,
    /// A predictive policy's (refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predictive_scaling_policy_configuration: Option<serde_json::Value>,
}

/// PutScalingPolicy's output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutScalingPolicyOutput {
    /// The policy's ARN.
    #[serde(rename = "PolicyARN")]
    pub policy_arn: String,
    /// A target tracking policy's alarms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<Alarm>,
}

/// DescribeScalingPolicies' output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeScalingPoliciesOutput {
    /// The policies.
    pub scaling_policies: Vec<ScalingPolicy>,
    /// The next page's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// DeleteScalingPolicy's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteScalingPolicyInput {
    /// The policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    /// Its target.
    #[serde(flatten)]
    pub target: TargetInput,
}

/// PutScheduledAction's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutScheduledActionInput {
    /// The action's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_action_name: Option<String>,
    /// Its target.
    #[serde(flatten)]
    pub target: TargetInput,
    /// When it runs (required when the action is new).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// The schedule's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// It runs from then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<SimTime>,
    /// Until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<SimTime>,
    /// What it sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scalable_target_action: Option<ScalableTargetAction>,
}

/// DescribeScheduledActions' output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeScheduledActionsOutput {
    /// The actions.
    pub scheduled_actions: Vec<ScheduledAction>,
    /// The next page's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// DeleteScheduledAction's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteScheduledActionInput {
    /// The action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_action_name: Option<String>,
    /// Its target.
    #[serde(flatten)]
    pub target: TargetInput,
}

/// DescribeScalingActivities' output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeScalingActivitiesOutput {
    /// The activities, newest first.
    pub scaling_activities: Vec<ScalingActivity>,
    /// The next page's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// TagResource's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourceInput {
    /// A scalable target's ARN.
    #[serde(
        rename = "ResourceARN",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_arn: Option<String>,
    /// The tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagMap>,
}

/// UntagResource's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagResourceInput {
    /// A scalable target's ARN.
    #[serde(
        rename = "ResourceARN",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_arn: Option<String>,
    /// The keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_keys: Option<Vec<String>>,
}

/// ListTagsForResource's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceArnInput {
    /// A scalable target's ARN.
    #[serde(
        rename = "ResourceARN",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_arn: Option<String>,
}

/// ListTagsForResource's output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsOutput {
    /// The tags.
    pub tags: TagMap,
}
