//! ELBv2's documents as the 2015-12-01 API writes them: member names and nesting exactly as
//! the botocore model has them, so one type is the record Berth keeps, the XML a client reads
//! (through the Query protocol's `member` lists) and the JSON the page reads.

use berth_model::ecs_enum;
use serde::{Deserialize, Serialize};

/// A list in the Query protocol: `Name.member.1`, `Name.member.2` in a request,
/// `<Name><member>…</member></Name>` in a response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Members<T> {
    /// The items, in order.
    #[serde(default = "Vec::new")]
    pub member: Vec<T>,
}

impl<T> Default for Members<T> {
    fn default() -> Self {
        Members { member: Vec::new() }
    }
}

impl<T> From<Vec<T>> for Members<T> {
    fn from(member: Vec<T>) -> Self {
        Members { member }
    }
}

impl<T> Members<T> {
    /// The items.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.member.iter()
    }

    /// True without items.
    pub fn is_empty(&self) -> bool {
        self.member.is_empty()
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.member.len()
    }
}

ecs_enum! {
    /// A load balancer's `Type`.
    LoadBalancerType { Application = "application", Network = "network", Gateway = "gateway" }
}

ecs_enum! {
    /// A load balancer's `Scheme`.
    Scheme { InternetFacing = "internet-facing", Internal = "internal" }
}

ecs_enum! {
    /// A listener's, target group's or health check's `Protocol`.
    Protocol {
        Http = "HTTP", Https = "HTTPS", Tcp = "TCP", Tls = "TLS", Udp = "UDP", TcpUdp = "TCP_UDP",
        Geneve = "GENEVE", Quic = "QUIC", TcpQuic = "TCP_QUIC",
    }
}

impl Protocol {
    /// HTTP or HTTPS: an Application Load Balancer's protocols.
    pub fn is_http(&self) -> bool {
        matches!(self, Protocol::Http | Protocol::Https)
    }
}

ecs_enum! {
    /// A target group's `TargetType`.
    TargetType { Instance = "instance", Ip = "ip", Lambda = "lambda", Alb = "alb" }
}

ecs_enum! {
    /// An action's `Type`.
    ActionType {
        Forward = "forward", AuthenticateOidc = "authenticate-oidc",
        AuthenticateCognito = "authenticate-cognito", Redirect = "redirect",
        FixedResponse = "fixed-response", JwtValidation = "jwt-validation",
    }
}

ecs_enum! {
    /// A target's `TargetHealth.State`.
    TargetHealthState {
        Initial = "initial", Healthy = "healthy", Unhealthy = "unhealthy",
        UnhealthyDraining = "unhealthy.draining", Unused = "unused", Draining = "draining",
        Unavailable = "unavailable",
    }
}

ecs_enum! {
    /// A target's `TargetHealth.Reason`.
    TargetHealthReason {
        RegistrationInProgress = "Elb.RegistrationInProgress",
        InitialHealthChecking = "Elb.InitialHealthChecking",
        ResponseCodeMismatch = "Target.ResponseCodeMismatch",
        Timeout = "Target.Timeout",
        FailedHealthChecks = "Target.FailedHealthChecks",
        NotRegistered = "Target.NotRegistered",
        NotInUse = "Target.NotInUse",
        DeregistrationInProgress = "Target.DeregistrationInProgress",
        InvalidState = "Target.InvalidState",
        IpUnusable = "Target.IpUnusable",
        HealthCheckDisabled = "Target.HealthCheckDisabled",
        InternalError = "Elb.InternalError",
    }
}

/// `LoadBalancer`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoadBalancer {
    /// Its ARN.
    pub load_balancer_arn: String,
    /// Its DNS name.
    #[serde(rename = "DNSName")]
    pub dns_name: String,
    /// The Route 53 zone of its DNS name.
    pub canonical_hosted_zone_id: String,
    /// ISO 8601.
    pub created_time: String,
    /// Its name.
    pub load_balancer_name: String,
    /// `internet-facing` or `internal`.
    pub scheme: Scheme,
    /// Its VPC.
    pub vpc_id: String,
    /// `provisioning`, `active`, ...
    pub state: LoadBalancerState,
    /// `application`, `network` or `gateway`.
    #[serde(rename = "Type")]
    pub kind: LoadBalancerType,
    /// A subnet in each of its zones.
    pub availability_zones: Members<AvailabilityZone>,
    /// Its security groups (application load balancers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Members<String>>,
    /// `ipv4` or `dualstack`.
    pub ip_address_type: String,
}

/// `LoadBalancerState`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoadBalancerState {
    /// `active`, `provisioning`, `active_impaired` or `failed`.
    pub code: String,
    /// Why, when not active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `AvailabilityZone`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AvailabilityZone {
    /// `us-east-1a`, ...
    pub zone_name: String,
    /// The subnet in it.
    pub subnet_id: String,
}

/// `TargetGroup`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetGroup {
    /// Its ARN.
    pub target_group_arn: String,
    /// Its name.
    pub target_group_name: String,
    /// The targets' protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// The targets' port unless a target names its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Its VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// The health checks' protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_protocol: Option<Protocol>,
    /// `traffic-port` or a port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_port: Option<String>,
    /// Whether health checks run.
    pub health_check_enabled: bool,
    /// Seconds between checks of a target.
    pub health_check_interval_seconds: u32,
    /// Seconds without an answer that fail a check.
    pub health_check_timeout_seconds: u32,
    /// Passing checks in a row that make a target healthy.
    pub healthy_threshold_count: u32,
    /// Failing checks in a row that make a target unhealthy.
    pub unhealthy_threshold_count: u32,
    /// The path HTTP checks ask for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_path: Option<String>,
    /// The codes that pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matcher: Option<Matcher>,
    /// The load balancers whose listeners or rules forward to it.
    pub load_balancer_arns: Members<String>,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: TargetType,
    /// `HTTP1`, `HTTP2` or `GRPC` (HTTP target groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    /// `ipv4` or `ipv6`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address_type: Option<String>,
}

/// `Matcher`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Matcher {
    /// `200`, `200,302`, `200-299`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_code: Option<String>,
    /// gRPC codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_code: Option<String>,
}

/// `Listener`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Listener {
    /// Its ARN.
    pub listener_arn: String,
    /// Its load balancer.
    pub load_balancer_arn: String,
    /// The port it listens on.
    pub port: u32,
    /// `HTTP`, `HTTPS`, `TCP`, ...
    pub protocol: Protocol,
    /// Its certificates (HTTPS, TLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<Members<Certificate>>,
    /// Its security policy (HTTPS, TLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<String>,
    /// What requests no rule matches get.
    pub default_actions: Members<Action>,
}

/// `Certificate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Certificate {
    /// Its ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    /// Whether it is the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
}

/// `Action`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Action {
    /// `forward`, `redirect`, `fixed-response`, ...
    #[serde(rename = "Type")]
    pub kind: Option<ActionType>,
    /// A forward to one target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<String>,
    /// Its place among the rule's actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
    /// A redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_config: Option<RedirectConfig>,
    /// A fixed response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_response_config: Option<FixedResponseConfig>,
    /// A forward to weighted target groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_config: Option<ForwardConfig>,
}

/// `ForwardActionConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ForwardConfig {
    /// The target groups and their weights.
    #[serde(default)]
    pub target_groups: Members<TargetGroupTuple>,
    /// Stickiness across them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group_stickiness_config: Option<StickinessConfig>,
}

/// `TargetGroupTuple`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetGroupTuple {
    /// The target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<String>,
    /// Its share, 0 to 999.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
}

/// `TargetGroupStickinessConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StickinessConfig {
    /// On or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<u32>,
}

/// `RedirectActionConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RedirectConfig {
    /// `HTTP`, `HTTPS` or `#{protocol}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// A port or `#{port}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// A host or `#{host}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// A path or `/#{path}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A query or `#{query}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// `HTTP_301` or `HTTP_302`.
    #[serde(default)]
    pub status_code: String,
}

/// `FixedResponseActionConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FixedResponseConfig {
    /// The body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<String>,
    /// `2XX`, `4XX` or `5XX`: a code.
    #[serde(default)]
    pub status_code: String,
    /// `text/plain`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

/// `Rule`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    /// Its ARN.
    pub rule_arn: String,
    /// `1` to `50000`, or `default`.
    pub priority: String,
    /// When it applies (none for the default rule).
    pub conditions: Members<RuleCondition>,
    /// What it does.
    pub actions: Members<Action>,
    /// The listener's default rule.
    pub is_default: bool,
}

/// `RuleCondition`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleCondition {
    /// `path-pattern`, `host-header`, `http-header`, `http-request-method`, `query-string`,
    /// `source-ip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The patterns (the older form of `path-pattern` and `host-header`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Members<String>>,
    /// `host-header` patterns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_header_config: Option<ValuesConfig>,
    /// `path-pattern` patterns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_pattern_config: Option<ValuesConfig>,
    /// `http-header`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_header_config: Option<HttpHeaderConfig>,
    /// `http-request-method`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_request_method_config: Option<ValuesConfig>,
    /// `query-string`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_string_config: Option<QueryStringConfig>,
    /// `source-ip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip_config: Option<ValuesConfig>,
}

/// The `{Values}` of a condition's configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValuesConfig {
    /// The patterns, methods or CIDR blocks.
    #[serde(default)]
    pub values: Members<String>,
}

/// `HttpHeaderConditionConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HttpHeaderConfig {
    /// The header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_header_name: Option<String>,
    /// Its patterns.
    #[serde(default)]
    pub values: Members<String>,
}

/// `QueryStringConditionConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryStringConfig {
    /// Key/value patterns.
    #[serde(default)]
    pub values: Members<QueryStringPair>,
}

/// `QueryStringKeyValuePair`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryStringPair {
    /// The key (any key without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The value pattern.
    #[serde(default)]
    pub value: String,
}

/// `TargetDescription`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetDescription {
    /// An instance id, an IP address, a Lambda ARN or an ALB ARN.
    #[serde(default)]
    pub id: String,
    /// Its port (the target group's without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// `all` or a zone, for IP targets outside the VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
}

/// `TargetHealthDescription`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetHealthDescription {
    /// The target.
    pub target: TargetDescription,
    /// The port health checks go to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_port: Option<String>,
    /// Its health.
    pub target_health: TargetHealth,
}

/// `TargetHealth`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetHealth {
    /// `initial`, `healthy`, `unhealthy`, `draining`, `unused`, `unavailable`.
    pub state: TargetHealthState,
    /// Why, unless healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<TargetHealthReason>,
    /// The reason in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `Tag`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Its key.
    #[serde(default)]
    pub key: String,
    /// Its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `TargetGroupAttribute`, `LoadBalancerAttribute`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Attribute {
    /// `deregistration_delay.timeout_seconds`, ...
    #[serde(default)]
    pub key: String,
    /// Its value, as text.
    #[serde(default)]
    pub value: String,
}

/// `TagDescription`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagDescription {
    /// The resource.
    pub resource_arn: String,
    /// Its tags.
    pub tags: Members<Tag>,
}
