//! Each ELBv2 operation's input and output in the 2015-12-01 shapes, from one list
//! (`berth_model::service_operations!`): adding an operation is a line there, its two shapes and its action.
//!
//! Inputs take every member as optional, so a missing required member is ELB's
//! `ValidationError` in ELB's words (`actions`) rather than a parse error; members Berth does
//! not act on are not declared and are ignored, as the Query protocol's services do.

use serde::{Deserialize, Serialize};

use crate::documents::{
    Action, Attribute, Certificate, Listener, LoadBalancer, Matcher, Members, Rule, RuleCondition,
    Tag, TagDescription, TargetDescription, TargetGroup, TargetHealthDescription,
};

berth_model::service_operations! {
    "ELBv2";
    /// CreateLoadBalancer.
    CreateLoadBalancer(CreateLoadBalancerInput) -> LoadBalancersOutput, read: false;
    /// DescribeLoadBalancers.
    DescribeLoadBalancers(DescribeLoadBalancersInput) -> LoadBalancersPage, read: true;
    /// DeleteLoadBalancer.
    DeleteLoadBalancer(LoadBalancerArnInput) -> Empty, read: false;
    /// DescribeLoadBalancerAttributes.
    DescribeLoadBalancerAttributes(LoadBalancerArnInput) -> AttributesOutput, read: true;
    /// ModifyLoadBalancerAttributes.
    ModifyLoadBalancerAttributes(ModifyLoadBalancerAttributesInput) -> AttributesOutput, read: false;
    /// CreateTargetGroup.
    CreateTargetGroup(TargetGroupInput) -> TargetGroupsOutput, read: false;
    /// DescribeTargetGroups.
    DescribeTargetGroups(DescribeTargetGroupsInput) -> TargetGroupsPage, read: true;
    /// ModifyTargetGroup.
    ModifyTargetGroup(TargetGroupInput) -> TargetGroupsOutput, read: false;
    /// DeleteTargetGroup.
    DeleteTargetGroup(TargetGroupArnInput) -> Empty, read: false;
    /// DescribeTargetGroupAttributes.
    DescribeTargetGroupAttributes(TargetGroupArnInput) -> AttributesOutput, read: true;
    /// ModifyTargetGroupAttributes.
    ModifyTargetGroupAttributes(ModifyTargetGroupAttributesInput) -> AttributesOutput, read: false;
    /// CreateListener.
    CreateListener(CreateListenerInput) -> ListenersOutput, read: false;
    /// DescribeListeners.
    DescribeListeners(DescribeListenersInput) -> ListenersPage, read: true;
    /// ModifyListener.
    ModifyListener(ModifyListenerInput) -> ListenersOutput, read: false;
    /// DeleteListener.
    DeleteListener(ListenerArnInput) -> Empty, read: false;
    /// CreateRule.
    CreateRule(CreateRuleInput) -> RulesOutput, read: false;
    /// DescribeRules.
    DescribeRules(DescribeRulesInput) -> RulesPage, read: true;
    /// ModifyRule.
    ModifyRule(ModifyRuleInput) -> RulesOutput, read: false;
    /// DeleteRule.
    DeleteRule(RuleArnInput) -> Empty, read: false;
    /// SetRulePriorities.
    SetRulePriorities(SetRulePrioritiesInput) -> RulesOutput, read: false;
    /// RegisterTargets.
    RegisterTargets(TargetsInput) -> Empty, read: false;
    /// DeregisterTargets.
    DeregisterTargets(TargetsInput) -> Empty, read: false;
    /// DescribeTargetHealth.
    DescribeTargetHealth(DescribeTargetHealthInput) -> TargetHealthOutput, read: true;
    /// AddTags.
    AddTags(AddTagsInput) -> Empty, read: false;
    /// RemoveTags.
    RemoveTags(RemoveTagsInput) -> Empty, read: false;
    /// DescribeTags.
    DescribeTags(DescribeTagsInput) -> TagsOutput, read: true;
}

/// CreateLoadBalancer.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateLoadBalancerInput {
    /// Its name.
    pub name: Option<String>,
    /// Its subnets (at least two zones for an application load balancer).
    pub subnets: Option<Members<String>>,
    /// Its subnets, with addresses.
    pub subnet_mappings: Option<Members<SubnetMapping>>,
    /// Its security groups.
    pub security_groups: Option<Members<String>>,
    /// `internet-facing` (default) or `internal`.
    pub scheme: Option<String>,
    /// Tags.
    pub tags: Option<Members<Tag>>,
    /// `application` (default), `network` or `gateway`.
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    /// `ipv4` (default) or `dualstack`.
    pub ip_address_type: Option<String>,
}

/// `SubnetMapping`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SubnetMapping {
    /// The subnet.
    pub subnet_id: Option<String>,
}

/// DescribeLoadBalancers.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeLoadBalancersInput {
    /// These load balancers.
    pub load_balancer_arns: Option<Members<String>>,
    /// These names.
    pub names: Option<Members<String>>,
    /// Where a page begins.
    pub marker: Option<String>,
    /// 1 to 400.
    pub page_size: Option<u32>,
}

/// An operation on one load balancer.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoadBalancerArnInput {
    /// The load balancer.
    pub load_balancer_arn: Option<String>,
}

/// ModifyLoadBalancerAttributes.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyLoadBalancerAttributesInput {
    /// The load balancer.
    pub load_balancer_arn: Option<String>,
    /// The attributes to set.
    pub attributes: Option<Members<Attribute>>,
}

/// CreateTargetGroup and ModifyTargetGroup: one shape, since Modify takes Create's
/// health-check members (and ignores the others, as the Query protocol ignores members an
/// operation lacks).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetGroupInput {
    /// The target group (ModifyTargetGroup).
    pub target_group_arn: Option<String>,
    /// Its name (CreateTargetGroup).
    pub name: Option<String>,
    /// The targets' protocol.
    pub protocol: Option<String>,
    /// `HTTP1`, `HTTP2`, `GRPC`.
    pub protocol_version: Option<String>,
    /// The targets' port.
    pub port: Option<u32>,
    /// Its VPC.
    pub vpc_id: Option<String>,
    /// `instance` (default), `ip`, `lambda`, `alb`.
    pub target_type: Option<String>,
    /// Tags.
    pub tags: Option<Members<Tag>>,
    /// `ipv4` or `ipv6`.
    pub ip_address_type: Option<String>,
    /// The checks' protocol.
    pub health_check_protocol: Option<String>,
    /// `traffic-port` or a port.
    pub health_check_port: Option<String>,
    /// Whether checks run.
    pub health_check_enabled: Option<bool>,
    /// The path HTTP checks ask for.
    pub health_check_path: Option<String>,
    /// Seconds between checks, 5 to 300.
    pub health_check_interval_seconds: Option<u32>,
    /// Seconds a check waits, 2 to 120.
    pub health_check_timeout_seconds: Option<u32>,
    /// 2 to 10.
    pub healthy_threshold_count: Option<u32>,
    /// 2 to 10.
    pub unhealthy_threshold_count: Option<u32>,
    /// The codes that pass.
    pub matcher: Option<Matcher>,
}

/// DescribeTargetGroups.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeTargetGroupsInput {
    /// The target groups this load balancer forwards to.
    pub load_balancer_arn: Option<String>,
    /// These target groups.
    pub target_group_arns: Option<Members<String>>,
    /// These names.
    pub names: Option<Members<String>>,
    /// Where a page begins.
    pub marker: Option<String>,
    /// 1 to 400.
    pub page_size: Option<u32>,
}

/// An operation on one target group.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetGroupArnInput {
    /// The target group.
    pub target_group_arn: Option<String>,
}

/// ModifyTargetGroupAttributes.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyTargetGroupAttributesInput {
    /// The target group.
    pub target_group_arn: Option<String>,
    /// The attributes to set.
    pub attributes: Option<Members<Attribute>>,
}

/// CreateListener.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateListenerInput {
    /// The load balancer.
    pub load_balancer_arn: Option<String>,
    /// `HTTP`, `HTTPS`, `TCP`, ...
    pub protocol: Option<String>,
    /// The port.
    pub port: Option<u32>,
    /// HTTPS and TLS.
    pub ssl_policy: Option<String>,
    /// HTTPS and TLS.
    pub certificates: Option<Members<Certificate>>,
    /// What requests no rule matches get.
    pub default_actions: Option<Members<Action>>,
    /// Tags.
    pub tags: Option<Members<Tag>>,
}

/// DescribeListeners.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeListenersInput {
    /// This load balancer's listeners.
    pub load_balancer_arn: Option<String>,
    /// These listeners.
    pub listener_arns: Option<Members<String>>,
    /// Where a page begins.
    pub marker: Option<String>,
    /// 1 to 400.
    pub page_size: Option<u32>,
}

/// ModifyListener.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyListenerInput {
    /// The listener.
    pub listener_arn: Option<String>,
    /// A new port.
    pub port: Option<u32>,
    /// A new protocol.
    pub protocol: Option<String>,
    /// HTTPS and TLS.
    pub ssl_policy: Option<String>,
    /// HTTPS and TLS.
    pub certificates: Option<Members<Certificate>>,
    /// New default actions.
    pub default_actions: Option<Members<Action>>,
}

/// An operation on one listener.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListenerArnInput {
    /// The listener.
    pub listener_arn: Option<String>,
}

/// CreateRule.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateRuleInput {
    /// The listener.
    pub listener_arn: Option<String>,
    /// When it applies.
    pub conditions: Option<Members<RuleCondition>>,
    /// 1 to 50000, unique in the listener.
    pub priority: Option<u32>,
    /// What it does.
    pub actions: Option<Members<Action>>,
    /// Tags.
    pub tags: Option<Members<Tag>>,
}

/// DescribeRules.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeRulesInput {
    /// This listener's rules.
    pub listener_arn: Option<String>,
    /// These rules.
    pub rule_arns: Option<Members<String>>,
    /// Where a page begins.
    pub marker: Option<String>,
    /// 1 to 400.
    pub page_size: Option<u32>,
}

/// ModifyRule.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyRuleInput {
    /// The rule.
    pub rule_arn: Option<String>,
    /// New conditions.
    pub conditions: Option<Members<RuleCondition>>,
    /// New actions.
    pub actions: Option<Members<Action>>,
}

/// An operation on one rule.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RuleArnInput {
    /// The rule.
    pub rule_arn: Option<String>,
}

/// SetRulePriorities.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SetRulePrioritiesInput {
    /// The rules and their new priorities.
    pub rule_priorities: Option<Members<RulePriorityPair>>,
}

/// `RulePriorityPair`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RulePriorityPair {
    /// The rule.
    pub rule_arn: Option<String>,
    /// Its new priority.
    pub priority: Option<u32>,
}

/// RegisterTargets, DeregisterTargets.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetsInput {
    /// The target group.
    pub target_group_arn: Option<String>,
    /// The targets.
    pub targets: Option<Members<TargetDescription>>,
}

/// DescribeTargetHealth.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeTargetHealthInput {
    /// The target group.
    pub target_group_arn: Option<String>,
    /// These targets (all registered ones without).
    pub targets: Option<Members<TargetDescription>>,
}

/// AddTags.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AddTagsInput {
    /// The resources.
    pub resource_arns: Option<Members<String>>,
    /// The tags.
    pub tags: Option<Members<Tag>>,
}

/// RemoveTags.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RemoveTagsInput {
    /// The resources.
    pub resource_arns: Option<Members<String>>,
    /// The keys to remove.
    pub tag_keys: Option<Members<String>>,
}

/// DescribeTags.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeTagsInput {
    /// The resources (up to 20).
    pub resource_arns: Option<Members<String>>,
}

/// An output without members.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Empty {}

/// CreateLoadBalancer's output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoadBalancersOutput {
    /// The load balancer.
    pub load_balancers: Members<LoadBalancer>,
}

/// DescribeLoadBalancers' output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoadBalancersPage {
    /// A page of them.
    pub load_balancers: Members<LoadBalancer>,
    /// The next page's marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// The attributes after a Describe or Modify.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributesOutput {
    /// Every attribute and its value.
    pub attributes: Members<Attribute>,
}

/// CreateTargetGroup's and ModifyTargetGroup's output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetGroupsOutput {
    /// The target group.
    pub target_groups: Members<TargetGroup>,
}

/// DescribeTargetGroups' output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetGroupsPage {
    /// A page of them.
    pub target_groups: Members<TargetGroup>,
    /// The next page's marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// CreateListener's and ModifyListener's output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListenersOutput {
    /// The listener.
    pub listeners: Members<Listener>,
}

/// DescribeListeners' output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListenersPage {
    /// A page of them.
    pub listeners: Members<Listener>,
    /// The next page's marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// CreateRule's, ModifyRule's and SetRulePriorities' output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RulesOutput {
    /// The rules.
    pub rules: Members<Rule>,
}

/// DescribeRules' output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RulesPage {
    /// A page of them.
    pub rules: Members<Rule>,
    /// The next page's marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// DescribeTargetHealth's output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetHealthOutput {
    /// Each target and its health.
    pub target_health_descriptions: Members<TargetHealthDescription>,
}

/// DescribeTags' output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagsOutput {
    /// Each resource's tags.
    pub tag_descriptions: Members<TagDescription>,
}
