//! Each operation: validate in ELB's words, change the records, render the documents.

use berth_model::{messages, network, SimTime};
use rand_chacha::rand_core::RngCore;

use crate::documents::{
    Action, ActionType, Attribute, AvailabilityZone, ForwardConfig, Listener, LoadBalancer,
    LoadBalancerState, LoadBalancerType, Matcher, Members, Protocol, Rule, RuleCondition, Scheme,
    StickinessConfig, Tag, TagDescription, TargetDescription, TargetGroup, TargetGroupTuple,
    TargetHealth, TargetHealthDescription, TargetHealthReason, TargetHealthState, TargetType,
    ValuesConfig,
};
use crate::errors::{guess, missing, not_in, range, validation, ElbError};
use crate::records::{
    Health, ListenerRecord, LoadBalancerRecord, RuleRecord, Target, TargetGroupRecord,
};
use crate::requests::*;
use crate::{Elb, Hosts, ProbeOutcome, Request, Response};

/// The most items a Describe page holds.
const MAX_PAGE: u32 = 400;

pub(crate) fn dispatch(
    elb: &mut Elb,
    request: Request,
    now: SimTime,
    hosts: &dyn Hosts,
) -> Result<Response, ElbError> {
    use Request as R;
    use Response as P;
    Ok(match request {
        R::CreateLoadBalancer(i) => P::CreateLoadBalancer(create_load_balancer(elb, i, now)?),
        R::DescribeLoadBalancers(i) => P::DescribeLoadBalancers(describe_load_balancers(elb, i)?),
        R::DeleteLoadBalancer(i) => P::DeleteLoadBalancer(delete_load_balancer(elb, i)?),
        R::DescribeLoadBalancerAttributes(i) => {
            let lb = load_balancer(elb, i.load_balancer_arn.as_deref())?;
            P::DescribeLoadBalancerAttributes(AttributesOutput {
                attributes: elb.load_balancers[lb].attributes.clone().into(),
            })
        }
        R::ModifyLoadBalancerAttributes(i) => {
            P::ModifyLoadBalancerAttributes(modify_load_balancer_attributes(elb, i)?)
        }
        R::CreateTargetGroup(i) => P::CreateTargetGroup(create_target_group(elb, i)?),
        R::DescribeTargetGroups(i) => P::DescribeTargetGroups(describe_target_groups(elb, i)?),
        R::ModifyTargetGroup(i) => P::ModifyTargetGroup(modify_target_group(elb, i)?),
        R::DeleteTargetGroup(i) => P::DeleteTargetGroup(delete_target_group(elb, i)?),
        R::DescribeTargetGroupAttributes(i) => {
            let tg = target_group(elb, i.target_group_arn.as_deref())?;
            P::DescribeTargetGroupAttributes(AttributesOutput {
                attributes: elb.target_groups[tg].attributes.clone().into(),
            })
        }
        R::ModifyTargetGroupAttributes(i) => {
            P::ModifyTargetGroupAttributes(modify_target_group_attributes(elb, i)?)
        }
        R::CreateListener(i) => P::CreateListener(create_listener(elb, i)?),
        R::DescribeListeners(i) => P::DescribeListeners(describe_listeners(elb, i)?),
        R::ModifyListener(i) => P::ModifyListener(modify_listener(elb, i)?),
        R::DeleteListener(i) => P::DeleteListener(delete_listener(elb, i)?),
        R::CreateRule(i) => P::CreateRule(create_rule(elb, i)?),
        R::DescribeRules(i) => P::DescribeRules(describe_rules(elb, i)?),
        R::ModifyRule(i) => P::ModifyRule(modify_rule(elb, i)?),
        R::DeleteRule(i) => P::DeleteRule(delete_rule(elb, i)?),
        R::SetRulePriorities(i) => P::SetRulePriorities(set_rule_priorities(elb, i)?),
        R::RegisterTargets(i) => P::RegisterTargets(register_targets(elb, i, now, hosts)?),
        R::DeregisterTargets(i) => P::DeregisterTargets(deregister_targets(elb, i, now)?),
        R::DescribeTargetHealth(i) => P::DescribeTargetHealth(describe_target_health(elb, i)?),
        R::AddTags(i) => P::AddTags(add_tags(elb, i)?),
        R::RemoveTags(i) => P::RemoveTags(remove_tags(elb, i)?),
        R::DescribeTags(i) => P::DescribeTags(describe_tags(elb, i)?),
    })
}

// Lookups.

fn load_balancer(elb: &Elb, arn: Option<&str>) -> Result<usize, ElbError> {
    let arn = arn.ok_or_else(|| missing("loadBalancerArn"))?;
    elb.load_balancers
        .iter()
        .position(|lb| lb.doc.load_balancer_arn == arn)
        .ok_or_else(|| guess("elb-load-balancers-not-found", &[]))
}

fn target_group(elb: &Elb, arn: Option<&str>) -> Result<usize, ElbError> {
    let arn = arn.ok_or_else(|| missing("targetGroupArn"))?;
    elb.target_groups
        .iter()
        .position(|tg| tg.doc.target_group_arn == arn)
        .ok_or_else(|| ElbError::new("TargetGroupNotFound", messages::ELB_TARGET_GROUPS_NOT_FOUND))
}

fn listener(elb: &Elb, arn: Option<&str>) -> Result<usize, ElbError> {
    let arn = arn.ok_or_else(|| missing("listenerArn"))?;
    elb.listeners
        .iter()
        .position(|l| l.doc.listener_arn == arn)
        .ok_or_else(|| guess("elb-listeners-not-found", &[]))
}

fn rule(elb: &Elb, arn: Option<&str>) -> Result<usize, ElbError> {
    let arn = arn.ok_or_else(|| missing("ruleArn"))?;
    elb.rules
        .iter()
        .position(|r| r.doc.rule_arn == arn)
        .ok_or_else(|| guess("elb-rules-not-found", &[]))
}

fn hex_id(elb: &mut Elb) -> String {
    format!("{:016x}", elb.rng.next_u64())
}

fn arn(elb: &Elb, resource: &str) -> String {
    format!(
        "arn:aws:elasticloadbalancing:{}:{}:{resource}",
        elb.region, elb.account
    )
}

/// A page of `items` after `marker` (the ARN of the page's first item).
fn page<T: Clone>(
    items: Vec<T>,
    arn_of: impl Fn(&T) -> &str,
    marker: Option<&str>,
    page_size: Option<u32>,
) -> Result<(Vec<T>, Option<String>), ElbError> {
    let size = page_size.unwrap_or(MAX_PAGE);
    range(u64::from(size), "pageSize", 1, u64::from(MAX_PAGE))?;
    let start = match marker {
        None => 0,
        Some(marker) => items
            .iter()
            .position(|i| arn_of(i) == marker)
            .ok_or_else(|| guess("elb-marker", &[&marker]))?,
    };
    let end = (start + size as usize).min(items.len());
    let next = items.get(end).map(|i| arn_of(i).to_owned());
    Ok((items[start..end].to_vec(), next))
}

/// Names of load balancers and target groups: up to 32 alphanumerics and hyphens, no
/// hyphen at either end.
fn check_name(what: &str, name: &str) -> Result<(), ElbError> {
    if name.is_empty() {
        return Err(missing("name"));
    }
    if name.chars().count() > 32 {
        return Err(validation(messages::elb_name_too_long(what, name)));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(guess("elb-name-characters", &[&what, &name]));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(guess("elb-name-hyphen", &[&what, &name]));
    }
    Ok(())
}

fn parse_bool(key: &str, value: &str) -> Result<bool, ElbError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(guess(
            "elb-attribute-value",
            &[&key, &value, &"true or false"],
        )),
    }
}

// Load balancers.

/// ECS_REFERENCE-independent facts: the Route 53 zone of load balancers' DNS names per
/// region (AWS General Reference, FACTS §4), application then network.
fn hosted_zone(region: &str, kind: &LoadBalancerType) -> &'static str {
    let (alb, nlb) = match region {
        "us-east-1" => ("Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"),
        "us-east-2" => ("Z3AADJGX6KTTL2", "ZLMOA37VPKANP"),
        "us-west-1" => ("Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"),
        "us-west-2" => ("Z1H1FL5HABSF5", "Z18D5FSROUN65G"),
        "eu-west-1" => ("Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"),
        "eu-central-1" => ("Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90"),
        // Regions Berth has no figure for get the API reference's placeholder.
        _ => ("Z2P70J7EXAMPLE", "Z2P70J7EXAMPLE"),
    };
    if *kind == LoadBalancerType::Network {
        nlb
    } else {
        alb
    }
}

pub(crate) fn load_balancer_attributes(kind: &LoadBalancerType) -> Vec<Attribute> {
    let pairs: &[(&str, &str)] = match kind {
        LoadBalancerType::Network => &[
            ("access_logs.s3.enabled", "false"),
            ("access_logs.s3.bucket", ""),
            ("access_logs.s3.prefix", ""),
            ("deletion_protection.enabled", "false"),
            ("load_balancing.cross_zone.enabled", "false"),
            ("dns_record.client_routing_policy", "any_availability_zone"),
        ],
        _ => &[
            ("access_logs.s3.enabled", "false"),
            ("access_logs.s3.bucket", ""),
            ("access_logs.s3.prefix", ""),
            ("deletion_protection.enabled", "false"),
            ("idle_timeout.timeout_seconds", "60"),
            ("client_keep_alive.seconds", "3600"),
            ("routing.http2.enabled", "true"),
            ("routing.http.drop_invalid_header_fields.enabled", "false"),
            ("routing.http.desync_mitigation_mode", "defensive"),
            ("routing.http.xff_header_processing.mode", "append"),
            ("load_balancing.cross_zone.enabled", "true"),
        ],
    };
    attributes(pairs)
}

fn attributes(pairs: &[(&str, &str)]) -> Vec<Attribute> {
    pairs
        .iter()
        .map(|(key, value)| Attribute {
            key: (*key).to_owned(),
            value: (*value).to_owned(),
        })
        .collect()
}

fn create_load_balancer(
    elb: &mut Elb,
    input: CreateLoadBalancerInput,
    now: SimTime,
) -> Result<LoadBalancersOutput, ElbError> {
    let name = input.name.ok_or_else(|| missing("name"))?;
    check_name("The load balancer", &name)?;
    if name.starts_with("internal-") {
        return Err(guess("elb-name-internal", &[&name]));
    }
    let kind = LoadBalancerType::from_wire(input.kind.as_deref().unwrap_or("application"));
    if !kind.is_known() {
        return Err(not_in(kind.as_str(), "type", LoadBalancerType::ALL));
    }
    if kind == LoadBalancerType::Gateway {
        return Err(guess("elb-gateway", &[]));
    }
    let scheme = Scheme::from_wire(input.scheme.as_deref().unwrap_or("internet-facing"));
    if !scheme.is_known() {
        return Err(not_in(scheme.as_str(), "scheme", Scheme::ALL));
    }
    let ip_address_type = input.ip_address_type.unwrap_or_else(|| "ipv4".to_owned());
    const IP_TYPES: &[&str] = &["ipv4", "dualstack", "dualstack-without-public-ipv4"];
    if !IP_TYPES.contains(&ip_address_type.as_str()) {
        return Err(not_in(&ip_address_type, "ipAddressType", IP_TYPES));
    }
    let mut subnets: Vec<String> = input.subnets.map(|s| s.member).unwrap_or_default();
    subnets.extend(
        input
            .subnet_mappings
            .into_iter()
            .flat_map(|m| m.member)
            .filter_map(|m| m.subnet_id),
    );
    let mut zones: Vec<AvailabilityZone> = Vec::new();
    for subnet in subnets {
        let zone = network::zone_of_subnet(&elb.region, &subnet);
        if zones.iter().any(|z| z.zone_name == zone) {
            return Err(guess("elb-subnet-zone-twice", &[]));
        }
        zones.push(AvailabilityZone {
            zone_name: zone,
            subnet_id: subnet,
        });
    }
    let needed = if kind == LoadBalancerType::Application {
        2
    } else {
        1
    };
    if zones.len() < needed {
        return Err(guess("elb-two-zones", &[]));
    }
    let security_groups =
        (kind == LoadBalancerType::Application).then(|| input.security_groups.unwrap_or_default());
    let tags = check_tags(input.tags)?;
    if let Some(existing) = elb
        .load_balancers
        .iter()
        .find(|lb| lb.doc.load_balancer_name == name)
    {
        let same = existing.doc.kind == kind
            && existing.doc.scheme == scheme
            && existing.doc.availability_zones == Members::from(zones.clone());
        if !same {
            return Err(ElbError::new(
                "DuplicateLoadBalancerName",
                messages::elb_duplicate_load_balancer(&name),
            ));
        }
        return Ok(LoadBalancersOutput {
            load_balancers: vec![existing.doc.clone()].into(),
        });
    }
    let id = hex_id(elb);
    let (segment, dns_name) = match kind {
        LoadBalancerType::Network => (
            "net",
            format!("{name}-{id}.elb.{}.amazonaws.com", elb.region),
        ),
        _ => {
            let digits = 1_000_000_000 + elb.rng.next_u64() % 1_000_000_000;
            let internal = if scheme == Scheme::Internal {
                "internal-"
            } else {
                ""
            };
            (
                "app",
                format!("{internal}{name}-{digits}.{}.elb.amazonaws.com", elb.region),
            )
        }
    };
    let doc = LoadBalancer {
        load_balancer_arn: arn(elb, &format!("loadbalancer/{segment}/{name}/{id}")),
        dns_name,
        canonical_hosted_zone_id: hosted_zone(&elb.region, &kind).to_owned(),
        created_time: now.to_iso8601(),
        load_balancer_name: name,
        scheme,
        vpc_id: network::default_vpc(&elb.region),
        // AWS provisions for a few minutes; Berth's load balancers are active at once
        // (README: what Berth does instead).
        state: LoadBalancerState {
            code: "active".to_owned(),
            reason: None,
        },
        availability_zones: zones.into(),
        security_groups,
        ip_address_type,
        kind: kind.clone(),
    };
    set_tags(elb, &doc.load_balancer_arn, tags);
    elb.load_balancers.push(LoadBalancerRecord {
        attributes: load_balancer_attributes(&kind),
        doc: doc.clone(),
        counts: Default::default(),
    });
    Ok(LoadBalancersOutput {
        load_balancers: vec![doc].into(),
    })
}

fn describe_load_balancers(
    elb: &Elb,
    input: DescribeLoadBalancersInput,
) -> Result<LoadBalancersPage, ElbError> {
    let mut found: Vec<LoadBalancer> = elb.load_balancers.iter().map(|lb| lb.doc.clone()).collect();
    if let Some(arns) = input.load_balancer_arns {
        if arns
            .iter()
            .any(|a| !found.iter().any(|lb| &lb.load_balancer_arn == a))
        {
            return Err(guess("elb-load-balancers-not-found", &[]));
        }
        found.retain(|lb| arns.member.contains(&lb.load_balancer_arn));
    }
    if let Some(names) = input.names {
        let unknown: Vec<String> = names
            .iter()
            .filter(|n| !found.iter().any(|lb| &lb.load_balancer_name == *n))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(ElbError::new(
                "LoadBalancerNotFound",
                messages::elb_load_balancers_not_found(&unknown),
            ));
        }
        found.retain(|lb| names.member.contains(&lb.load_balancer_name));
    }
    let (items, next_marker) = page(
        found,
        |lb| &lb.load_balancer_arn,
        input.marker.as_deref(),
        input.page_size,
    )?;
    Ok(LoadBalancersPage {
        load_balancers: items.into(),
        next_marker,
    })
}

fn delete_load_balancer(elb: &mut Elb, input: LoadBalancerArnInput) -> Result<Empty, ElbError> {
    let arn = input
        .load_balancer_arn
        .ok_or_else(|| missing("loadBalancerArn"))?;
    // A load balancer that does not exist is deleted already: the call succeeds (API reference).
    let Some(i) = elb
        .load_balancers
        .iter()
        .position(|lb| lb.doc.load_balancer_arn == arn)
    else {
        return Ok(Empty {});
    };
    if elb.load_balancers[i]
        .attributes
        .iter()
        .any(|a| a.key == "deletion_protection.enabled" && a.value == "true")
    {
        return Err(ElbError::new(
            "OperationNotPermitted",
            format!(
                "Load balancer '{arn}' cannot be deleted because deletion protection is enabled"
            ),
        ));
    }
    elb.load_balancers.remove(i);
    let listeners: Vec<String> = elb
        .listeners
        .iter()
        .filter(|l| l.doc.load_balancer_arn == arn)
        .map(|l| l.doc.listener_arn.clone())
        .collect();
    elb.listeners.retain(|l| l.doc.load_balancer_arn != arn);
    let rules: Vec<String> = elb
        .rules
        .iter()
        .filter(|r| listeners.contains(&r.listener_arn))
        .map(|r| r.doc.rule_arn.clone())
        .collect();
    elb.rules.retain(|r| !listeners.contains(&r.listener_arn));
    elb.tags.retain(|(resource, _)| {
        *resource != arn && !listeners.contains(resource) && !rules.contains(resource)
    });
    Ok(Empty {})
}

fn modify_load_balancer_attributes(
    elb: &mut Elb,
    input: ModifyLoadBalancerAttributesInput,
) -> Result<AttributesOutput, ElbError> {
    let lb = load_balancer(elb, input.load_balancer_arn.as_deref())?;
    let changes = input.attributes.ok_or_else(|| missing("attributes"))?;
    let mut attributes = elb.load_balancers[lb].attributes.clone();
    for change in changes.member {
        let Some(slot) = attributes.iter_mut().find(|a| a.key == change.key) else {
            return Err(guess("elb-attribute-key", &[&change.key]));
        };
        match change.key.as_str() {
            key if key.ends_with(".enabled") => {
                parse_bool(key, &change.value)?;
            }
            "idle_timeout.timeout_seconds" => number_in(&change.key, &change.value, 1, 4000)?,
            "client_keep_alive.seconds" => number_in(&change.key, &change.value, 60, 604_800)?,
            _ => {}
        }
        slot.value = change.value;
    }
    elb.load_balancers[lb].attributes = attributes.clone();
    Ok(AttributesOutput {
        attributes: attributes.into(),
    })
}

fn number_in(key: &str, value: &str, min: u64, max: u64) -> Result<(), ElbError> {
    match value.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(()),
        _ => Err(guess("elb-attribute-range", &[&key, &value, &min, &max])),
    }
}

// Target groups.

/// Whether a target group's protocol is a Network Load Balancer's.
fn is_network_protocol(protocol: &Protocol) -> bool {
    !protocol.is_http()
}

pub(crate) fn target_group_attributes(
    protocol: &Protocol,
    target_type: &TargetType,
) -> Vec<Attribute> {
    let health: &[(&str, &str)] = &[
        (
            "load_balancing.cross_zone.enabled",
            "use_load_balancer_configuration",
        ),
        (
            "target_group_health.dns_failover.minimum_healthy_targets.count",
            "1",
        ),
        (
            "target_group_health.dns_failover.minimum_healthy_targets.percentage",
            "off",
        ),
        (
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
            "1",
        ),
        (
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
            "off",
        ),
    ];
    let mut list = if protocol.is_http() {
        attributes(&[
            ("deregistration_delay.timeout_seconds", "300"),
            ("stickiness.enabled", "false"),
            ("stickiness.type", "lb_cookie"),
            ("stickiness.lb_cookie.duration_seconds", "86400"),
            ("stickiness.app_cookie.cookie_name", ""),
            ("stickiness.app_cookie.duration_seconds", "86400"),
            ("slow_start.duration_seconds", "0"),
            ("load_balancing.algorithm.type", "round_robin"),
            ("load_balancing.algorithm.anomaly_mitigation", "off"),
        ])
    } else {
        let preserve = if *target_type == TargetType::Ip
            && matches!(protocol, Protocol::Tcp | Protocol::Tls)
        {
            "false"
        } else {
            "true"
        };
        let terminate = if matches!(protocol, Protocol::Udp | Protocol::TcpUdp) {
            "true"
        } else {
            "false"
        };
        attributes(&[
            ("deregistration_delay.timeout_seconds", "300"),
            (
                "deregistration_delay.connection_termination.enabled",
                terminate,
            ),
            ("stickiness.enabled", "false"),
            ("stickiness.type", "source_ip"),
            ("preserve_client_ip.enabled", preserve),
            ("proxy_protocol_v2.enabled", "false"),
            (
                "target_health_state.unhealthy.connection_termination.enabled",
                "true",
            ),
            (
                "target_health_state.unhealthy.draining_interval_seconds",
                "0",
            ),
        ])
    };
    list.extend(attributes(health));
    list
}

/// A target group document from CreateTargetGroup's members (its ARN left empty), with
/// ELB's defaults for what is not given.
fn build_target_group(input: &TargetGroupInput, name: &str) -> Result<TargetGroup, ElbError> {
    let target_type = TargetType::from_wire(input.target_type.as_deref().unwrap_or("instance"));
    if !target_type.is_known() {
        return Err(not_in(target_type.as_str(), "targetType", TargetType::ALL));
    }
    if matches!(target_type, TargetType::Lambda | TargetType::Alb) {
        return Err(guess("elb-lambda", &[&target_type]));
    }
    let protocol = input
        .protocol
        .as_deref()
        .map(Protocol::from_wire)
        .ok_or_else(|| validation(messages::elb_must_specify("protocol")))?;
    if !protocol.is_known() {
        return Err(not_in(protocol.as_str(), "protocol", Protocol::ALL));
    }
    if matches!(protocol, Protocol::Geneve) {
        return Err(guess(
            "elb-target-group-protocol",
            &[&protocol, &target_type],
        ));
    }
    let port = input
        .port
        .ok_or_else(|| validation(messages::elb_must_specify("port")))?;
    range(u64::from(port), "port", 1, 65535)?;
    let vpc_id = input
        .vpc_id
        .clone()
        .ok_or_else(|| validation(messages::elb_must_specify("VPC ID")))?;
    let protocol_version = if protocol.is_http() {
        let version = input
            .protocol_version
            .clone()
            .unwrap_or_else(|| "HTTP1".to_owned());
        const VERSIONS: &[&str] = &["HTTP1", "HTTP2", "GRPC"];
        if !VERSIONS.contains(&version.as_str()) {
            return Err(not_in(&version, "protocolVersion", VERSIONS));
        }
        Some(version)
    } else {
        None
    };
    let ip_address_type = input
        .ip_address_type
        .clone()
        .unwrap_or_else(|| "ipv4".to_owned());
    const IP_TYPES: &[&str] = &["ipv4", "ipv6"];
    if !IP_TYPES.contains(&ip_address_type.as_str()) {
        return Err(not_in(&ip_address_type, "ipAddressType", IP_TYPES));
    }
    let defaults = TargetGroup {
        target_group_arn: String::new(),
        target_group_name: name.to_owned(),
        health_check_protocol: Some(if protocol.is_http() {
            Protocol::Http
        } else {
            Protocol::Tcp
        }),
        health_check_port: Some("traffic-port".to_owned()),
        health_check_enabled: true,
        health_check_interval_seconds: 30,
        // The API reference's defaults: 6 s for HTTP target groups, 10 s for the others;
        // an HTTP check of a TCP group takes 6 (FACTS §2.1), set below.
        health_check_timeout_seconds: if protocol == Protocol::Http { 6 } else { 10 },
        healthy_threshold_count: 5,
        unhealthy_threshold_count: 2,
        health_check_path: None,
        matcher: None,
        load_balancer_arns: Members::default(),
        target_type,
        protocol_version,
        ip_address_type: Some(ip_address_type),
        protocol: Some(protocol),
        port: Some(port),
        vpc_id: Some(vpc_id),
    };
    let mut defaults = defaults;
    let http_check_of_tcp = !defaults.protocol.as_ref().is_some_and(Protocol::is_http)
        && input.health_check_protocol.as_deref() == Some("HTTP")
        && input.health_check_timeout_seconds.is_none();
    if http_check_of_tcp {
        defaults.health_check_timeout_seconds = 6;
    }
    apply_health_check(defaults, input, true)
}

/// Health-check members over `group`; `fresh` for a new group (an HTTP check's path and
/// matcher take their defaults).
fn apply_health_check(
    mut group: TargetGroup,
    input: &TargetGroupInput,
    fresh: bool,
) -> Result<TargetGroup, ElbError> {
    let protocol = group.protocol.clone().unwrap_or(Protocol::Http);
    if let Some(check) = &input.health_check_protocol {
        let check = Protocol::from_wire(check);
        if !check.is_known() {
            return Err(not_in(check.as_str(), "healthCheckProtocol", Protocol::ALL));
        }
        let allowed = match check {
            Protocol::Http | Protocol::Https => true,
            Protocol::Tcp => !protocol.is_http(),
            _ => false,
        };
        if !allowed {
            return Err(guess("elb-health-check-protocol", &[&check, &protocol]));
        }
        group.health_check_protocol = Some(check);
    }
    if let Some(port) = &input.health_check_port {
        let valid =
            port == "traffic-port" || port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !valid {
            return Err(guess("elb-health-check-port", &[port]));
        }
        group.health_check_port = Some(port.clone());
    }
    if input.health_check_enabled == Some(false) {
        // Instance and IP target groups always check (API reference: only Lambda's may not).
        return Err(guess("elb-health-check-disabled", &[&group.target_type]));
    }
    if let Some(seconds) = input.health_check_interval_seconds {
        range(u64::from(seconds), "healthCheckIntervalSeconds", 5, 300)?;
        group.health_check_interval_seconds = seconds;
    }
    if let Some(seconds) = input.health_check_timeout_seconds {
        range(u64::from(seconds), "healthCheckTimeoutSeconds", 2, 120)?;
        group.health_check_timeout_seconds = seconds;
    }
    if let Some(count) = input.healthy_threshold_count {
        range(u64::from(count), "healthyThresholdCount", 2, 10)?;
        group.healthy_threshold_count = count;
    }
    if let Some(count) = input.unhealthy_threshold_count {
        range(u64::from(count), "unhealthyThresholdCount", 2, 10)?;
        group.unhealthy_threshold_count = count;
    }
    let http_check = group
        .health_check_protocol
        .as_ref()
        .is_some_and(Protocol::is_http);
    if http_check {
        if let Some(path) = &input.health_check_path {
            if path.is_empty() || path.len() > 1024 {
                return Err(guess("elb-range-max", &[&path, &"healthCheckPath", &1024]));
            }
            group.health_check_path = Some(path.clone());
        } else if fresh || group.health_check_path.is_none() {
            group.health_check_path = Some("/".to_owned());
        }
        let (low, high, default) = if protocol.is_http() {
            (200, 499, "200")
        } else {
            (200, 599, "200-399")
        };
        if let Some(matcher) = &input.matcher {
            if let Some(code) = &matcher.http_code {
                if !matcher_valid(code, low, high) {
                    return Err(guess("elb-matcher", &[code, &low, &high]));
                }
            }
            group.matcher = Some(matcher.clone());
        } else if fresh || group.matcher.is_none() {
            group.matcher = Some(Matcher {
                http_code: Some(default.to_owned()),
                grpc_code: None,
            });
        }
    } else {
        group.health_check_path = None;
        group.matcher = None;
    }
    let (timeout, interval) = (
        group.health_check_timeout_seconds,
        group.health_check_interval_seconds,
    );
    if http_check && timeout >= interval {
        return Err(guess("elb-timeout-interval", &[&timeout, &interval]));
    }
    if !http_check && timeout > interval {
        return Err(guess("elb-timeout-interval-equal", &[&timeout, &interval]));
    }
    Ok(group)
}

/// `200`, `200,202`, `200-299`, each code within `low..=high`.
fn matcher_valid(text: &str, low: u16, high: u16) -> bool {
    let code = |t: &str| {
        t.trim()
            .parse::<u16>()
            .ok()
            .filter(|c| (low..=high).contains(c))
    };
    !text.is_empty()
        && text.split(',').all(|part| match part.split_once('-') {
            Some((a, b)) => matches!((code(a), code(b)), (Some(a), Some(b)) if a <= b),
            None => code(part).is_some(),
        })
}

/// Whether `code` passes `matcher` (`200`, `200,202`, `200-299`).
fn matches_code(matcher: &str, code: u16) -> bool {
    matcher.split(',').any(|part| match part.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse().unwrap_or(0), b.trim().parse().unwrap_or(0));
            (a..=b).contains(&code)
        }
        None => part.trim().parse() == Ok(code),
    })
}

/// A check's verdict: `None` when it passed, else the reason and its description.
pub(crate) fn judge(
    group: &TargetGroup,
    outcome: ProbeOutcome,
) -> Option<(TargetHealthReason, String)> {
    let http = group
        .health_check_protocol
        .as_ref()
        .is_some_and(Protocol::is_http);
    match outcome {
        ProbeOutcome::Answered(code) if http => {
            let matcher = group
                .matcher
                .as_ref()
                .and_then(|m| m.http_code.as_deref())
                .unwrap_or("200");
            (!matches_code(matcher, code)).then(|| {
                (
                    TargetHealthReason::ResponseCodeMismatch,
                    messages::elb_response_code_mismatch(code),
                )
            })
        }
        ProbeOutcome::Answered(_) | ProbeOutcome::Connected => None,
        ProbeOutcome::TimedOut if http => Some((
            TargetHealthReason::Timeout,
            messages::ELB_REQUEST_TIMED_OUT.to_owned(),
        )),
        ProbeOutcome::TimedOut | ProbeOutcome::Refused => Some((
            TargetHealthReason::FailedHealthChecks,
            messages::ELB_HEALTH_CHECKS_FAILED.to_owned(),
        )),
    }
}

fn create_target_group(
    elb: &mut Elb,
    input: TargetGroupInput,
) -> Result<TargetGroupsOutput, ElbError> {
    let name = input.name.clone().ok_or_else(|| missing("name"))?;
    check_name("Target group", &name)?;
    let mut doc = build_target_group(&input, &name)?;
    let tags = check_tags(input.tags)?;
    if let Some(existing) = elb
        .target_groups
        .iter()
        .find(|g| g.doc.target_group_name == name)
    {
        let mut same = existing.doc.clone();
        same.target_group_arn = String::new();
        same.load_balancer_arns = Members::default();
        if same != doc {
            return Err(ElbError::new(
                "DuplicateTargetGroupName",
                messages::elb_duplicate_target_group(&name),
            ));
        }
        return Ok(TargetGroupsOutput {
            target_groups: vec![render_target_group(elb, existing)].into(),
        });
    }
    let id = hex_id(elb);
    doc.target_group_arn = arn(elb, &format!("targetgroup/{name}/{id}"));
    set_tags(elb, &doc.target_group_arn, tags);
    let protocol = doc.protocol.clone().unwrap_or(Protocol::Http);
    elb.target_groups.push(TargetGroupRecord {
        attributes: target_group_attributes(&protocol, &doc.target_type),
        targets: Vec::new(),
        in_use: false,
        doc: doc.clone(),
    });
    Ok(TargetGroupsOutput {
        target_groups: vec![doc].into(),
    })
}

/// A target group's document with the load balancers that forward to it.
pub(crate) fn render_target_group(elb: &Elb, group: &TargetGroupRecord) -> TargetGroup {
    let mut doc = group.doc.clone();
    let arn = &group.doc.target_group_arn;
    let mut lbs: Vec<String> = Vec::new();
    for listener in &elb.listeners {
        let forwards = listener
            .doc
            .default_actions
            .iter()
            .chain(
                elb.rules
                    .iter()
                    .filter(|r| r.listener_arn == listener.doc.listener_arn)
                    .flat_map(|r| r.doc.actions.iter()),
            )
            .any(|a| forwarded(a).any(|t| t == arn));
        if forwards && !lbs.contains(&listener.doc.load_balancer_arn) {
            lbs.push(listener.doc.load_balancer_arn.clone());
        }
    }
    doc.load_balancer_arns = lbs.into();
    doc
}

/// The target groups an action forwards to.
pub(crate) fn forwarded(action: &Action) -> impl Iterator<Item = &String> {
    action
        .forward_config
        .iter()
        .flat_map(|f| f.target_groups.iter())
        .filter_map(|t| t.target_group_arn.as_ref())
        .chain(action.target_group_arn.iter())
}

/// Every target group some listener or rule forwards to.
pub(crate) fn used_target_groups(elb: &Elb) -> Vec<String> {
    let mut used: Vec<String> = elb
        .listeners
        .iter()
        .flat_map(|l| l.doc.default_actions.iter())
        .chain(elb.rules.iter().flat_map(|r| r.doc.actions.iter()))
        .flat_map(forwarded)
        .cloned()
        .collect();
    used.sort();
    used.dedup();
    used
}

fn describe_target_groups(
    elb: &Elb,
    input: DescribeTargetGroupsInput,
) -> Result<TargetGroupsPage, ElbError> {
    let mut found: Vec<TargetGroup> = elb
        .target_groups
        .iter()
        .map(|g| render_target_group(elb, g))
        .collect();
    let not_found = || ElbError::new("TargetGroupNotFound", messages::ELB_TARGET_GROUPS_NOT_FOUND);
    if let Some(lb) = &input.load_balancer_arn {
        load_balancer(elb, Some(lb))?;
        found.retain(|g| g.load_balancer_arns.member.contains(lb));
    }
    if let Some(arns) = &input.target_group_arns {
        if arns
            .iter()
            .any(|a| !found.iter().any(|g| &g.target_group_arn == a))
        {
            return Err(not_found());
        }
        found.retain(|g| arns.member.contains(&g.target_group_arn));
    }
    if let Some(names) = &input.names {
        if names
            .iter()
            .any(|n| !found.iter().any(|g| &g.target_group_name == n))
        {
            return Err(not_found());
        }
        found.retain(|g| names.member.contains(&g.target_group_name));
    }
    let (items, next_marker) = page(
        found,
        |g| &g.target_group_arn,
        input.marker.as_deref(),
        input.page_size,
    )?;
    Ok(TargetGroupsPage {
        target_groups: items.into(),
        next_marker,
    })
}

fn modify_target_group(
    elb: &mut Elb,
    input: TargetGroupInput,
) -> Result<TargetGroupsOutput, ElbError> {
    let tg = target_group(elb, input.target_group_arn.as_deref())?;
    let doc = apply_health_check(elb.target_groups[tg].doc.clone(), &input, false)?;
    elb.target_groups[tg].doc = doc;
    Ok(TargetGroupsOutput {
        target_groups: vec![render_target_group(elb, &elb.target_groups[tg])].into(),
    })
}

fn delete_target_group(elb: &mut Elb, input: TargetGroupArnInput) -> Result<Empty, ElbError> {
    let tg = target_group(elb, input.target_group_arn.as_deref())?;
    let arn = elb.target_groups[tg].doc.target_group_arn.clone();
    if used_target_groups(elb).contains(&arn) {
        return Err(guess("elb-target-group-in-use", &[&arn]));
    }
    // Its targets go with it; whoever registered them hears so (a draining task stops).
    let group = elb.target_groups.remove(tg);
    for target in group.targets {
        elb.events.push_back(crate::ElbEvent::TargetDeregistered {
            target_group_arn: arn.clone(),
            target: target.description(),
        });
    }
    elb.tags.retain(|(resource, _)| *resource != arn);
    Ok(Empty {})
}

fn modify_target_group_attributes(
    elb: &mut Elb,
    input: ModifyTargetGroupAttributesInput,
) -> Result<AttributesOutput, ElbError> {
    let tg = target_group(elb, input.target_group_arn.as_deref())?;
    let changes = input.attributes.ok_or_else(|| missing("attributes"))?;
    let mut attributes = elb.target_groups[tg].attributes.clone();
    for change in changes.member {
        let Some(slot) = attributes.iter_mut().find(|a| a.key == change.key) else {
            return Err(guess("elb-attribute-key", &[&change.key]));
        };
        let (key, value) = (change.key.as_str(), change.value.as_str());
        match key {
            "deregistration_delay.timeout_seconds" => number_in(key, value, 0, 3600)?,
            "slow_start.duration_seconds" => match value.parse::<u64>() {
                Ok(0) | Ok(30..=900) => {}
                _ => return Err(guess("elb-slow-start", &[&value])),
            },
            "stickiness.lb_cookie.duration_seconds" | "stickiness.app_cookie.duration_seconds" => {
                number_in(key, value, 1, 604_800)?
            }
            "target_health_state.unhealthy.draining_interval_seconds" => {
                number_in(key, value, 0, 360_000)?
            }
            "stickiness.type" => {
                let allowed: &[&str] = if elb.target_groups[tg]
                    .doc
                    .protocol
                    .as_ref()
                    .is_some_and(Protocol::is_http)
                {
                    &["lb_cookie", "app_cookie"]
                } else {
                    &["source_ip"]
                };
                if !allowed.contains(&value) {
                    return Err(guess(
                        "elb-attribute-value",
                        &[&key, &value, &allowed.join(", ")],
                    ));
                }
            }
            "load_balancing.algorithm.type" => {
                const ALGORITHMS: &[&str] = &[
                    "round_robin",
                    "least_outstanding_requests",
                    "weighted_random",
                ];
                if !ALGORITHMS.contains(&value) {
                    return Err(guess(
                        "elb-attribute-value",
                        &[&key, &value, &ALGORITHMS.join(", ")],
                    ));
                }
            }
            key if key.ends_with(".enabled") && key != "load_balancing.cross_zone.enabled" => {
                parse_bool(key, value)?;
            }
            _ => {}
        }
        slot.value = change.value;
    }
    elb.target_groups[tg].attributes = attributes.clone();
    Ok(AttributesOutput {
        attributes: attributes.into(),
    })
}

// Listeners and rules.

/// The protocols a listener of `kind` takes.
fn listener_protocols(kind: &LoadBalancerType) -> &'static [Protocol] {
    match kind {
        LoadBalancerType::Network => &[
            Protocol::Tcp,
            Protocol::Tls,
            Protocol::Udp,
            Protocol::TcpUdp,
            Protocol::Quic,
            Protocol::TcpQuic,
        ],
        _ => &[Protocol::Http, Protocol::Https],
    }
}

/// A listener's or rule's actions checked against its load balancer, in ELB's shape: a
/// forward names its target groups in a `ForwardConfig` with weights as well.
fn check_actions(
    elb: &Elb,
    lb_arn: &str,
    kind: &LoadBalancerType,
    listener_protocol: &Protocol,
    actions: Option<Members<Action>>,
) -> Result<Members<Action>, ElbError> {
    let mut actions = actions.map(|a| a.member).unwrap_or_default();
    if actions.is_empty() {
        return Err(guess("elb-actions-empty", &[]));
    }
    actions.sort_by_key(|a| a.order.unwrap_or(u32::MAX));
    let terminal = |a: &Action| {
        matches!(
            a.kind,
            Some(ActionType::Forward | ActionType::Redirect | ActionType::FixedResponse)
        )
    };
    let last = actions.len() - 1;
    for (i, action) in actions.iter_mut().enumerate() {
        let kind_of = action
            .kind
            .clone()
            .ok_or_else(|| missing("actions.member.type"))?;
        if !kind_of.is_known() {
            return Err(not_in(
                kind_of.as_str(),
                "actions.member.type",
                ActionType::ALL,
            ));
        }
        if *kind == LoadBalancerType::Network && kind_of != ActionType::Forward {
            return Err(guess("elb-network-action", &[&kind_of]));
        }
        if matches!(
            kind_of,
            ActionType::AuthenticateOidc
                | ActionType::AuthenticateCognito
                | ActionType::JwtValidation
        ) {
            return Err(guess("elb-action-authenticate", &[&kind_of]));
        }
        if terminal(action) != (i == last) {
            return Err(guess("elb-action-terminal", &[]));
        }
        if let Some(order) = action.order {
            range(u64::from(order), "actions.member.order", 1, 50000)?;
        }
        match kind_of {
            ActionType::Forward => {
                *action = check_forward(elb, lb_arn, kind, listener_protocol, action)?;
            }
            ActionType::Redirect => {
                let code = action
                    .redirect_config
                    .as_ref()
                    .map(|r| r.status_code.as_str());
                if !matches!(code, Some("HTTP_301" | "HTTP_302")) {
                    return Err(guess("elb-action-status", &[&"redirect"]));
                }
            }
            ActionType::FixedResponse => {
                let code = action
                    .fixed_response_config
                    .as_ref()
                    .map(|f| f.status_code.as_str())
                    .unwrap_or("");
                let valid = code.len() == 3
                    && code
                        .parse::<u16>()
                        .is_ok_and(|c| (200..600).contains(&c) && c / 100 != 3);
                if !valid {
                    return Err(guess("elb-action-status", &[&"fixed-response"]));
                }
            }
            _ => {}
        }
    }
    Ok(actions.into())
}

fn check_forward(
    elb: &Elb,
    lb_arn: &str,
    kind: &LoadBalancerType,
    listener_protocol: &Protocol,
    action: &Action,
) -> Result<Action, ElbError> {
    let mut tuples: Vec<TargetGroupTuple> = match (&action.target_group_arn, &action.forward_config)
    {
        (None, None) => return Err(guess("elb-forward-target", &[])),
        (Some(arn), None) => vec![TargetGroupTuple {
            target_group_arn: Some(arn.clone()),
            weight: Some(1),
        }],
        (single, Some(config)) => {
            let tuples = config.target_groups.member.clone();
            if let Some(arn) = single {
                let same = tuples.len() == 1 && tuples[0].target_group_arn.as_ref() == Some(arn);
                if !same {
                    return Err(guess("elb-forward-mismatch", &[]));
                }
            }
            tuples
        }
    };
    if tuples.is_empty() {
        return Err(guess("elb-forward-target", &[]));
    }
    if tuples.len() > 5 {
        return Err(guess("elb-forward-too-many", &[]));
    }
    if *kind == LoadBalancerType::Network && tuples.len() != 1 {
        return Err(guess("elb-forward-network", &[]));
    }
    let arns = tuples_arns(&tuples);
    for (i, tuple) in tuples.iter_mut().enumerate() {
        let arn = tuple
            .target_group_arn
            .clone()
            .ok_or_else(|| missing("forwardConfig.targetGroups.member.targetGroupArn"))?;
        let weight = tuple.weight.unwrap_or(1);
        if weight > 999 {
            return Err(guess("elb-forward-weight", &[&weight]));
        }
        tuple.weight = Some(weight);
        let group = elb
            .target_groups
            .iter()
            .find(|g| g.doc.target_group_arn == arn)
            .ok_or_else(|| {
                ElbError::new(
                    "TargetGroupNotFound",
                    messages::elb_target_groups_not_found(&arn),
                )
            })?;
        let group_protocol = group.doc.protocol.clone().unwrap_or(Protocol::Http);
        if group_protocol.is_http() == is_network_protocol(listener_protocol) {
            return Err(guess(
                "elb-incompatible-protocols",
                &[&arn, &group_protocol, listener_protocol],
            ));
        }
        let elsewhere = render_target_group(elb, group)
            .load_balancer_arns
            .iter()
            .any(|other| other != lb_arn);
        if elsewhere {
            return Err(guess("elb-association-limit", &[&arn]));
        }
        if tuples_before(&arns, i, &arn) {
            return Err(guess("elb-forward-duplicate", &[&arn]));
        }
    }
    let stickiness = action
        .forward_config
        .as_ref()
        .and_then(|f| f.target_group_stickiness_config.clone())
        .unwrap_or(StickinessConfig {
            enabled: Some(false),
            duration_seconds: None,
        });
    if stickiness.enabled == Some(true) {
        let seconds = stickiness
            .duration_seconds
            .ok_or_else(|| missing("forwardConfig.targetGroupStickinessConfig.durationSeconds"))?;
        range(u64::from(seconds), "durationSeconds", 1, 604_800)?;
    }
    let single = (tuples.len() == 1)
        .then(|| tuples[0].target_group_arn.clone())
        .flatten();
    Ok(Action {
        kind: Some(ActionType::Forward),
        target_group_arn: single,
        order: action.order,
        redirect_config: None,
        fixed_response_config: None,
        forward_config: Some(ForwardConfig {
            target_groups: tuples.into(),
            target_group_stickiness_config: Some(stickiness),
        }),
    })
}

fn tuples_arns(tuples: &[TargetGroupTuple]) -> Vec<Option<String>> {
    tuples.iter().map(|t| t.target_group_arn.clone()).collect()
}

fn tuples_before(arns: &[Option<String>], i: usize, arn: &str) -> bool {
    arns[..i].iter().any(|a| a.as_deref() == Some(arn))
}

fn create_listener(elb: &mut Elb, input: CreateListenerInput) -> Result<ListenersOutput, ElbError> {
    let lb = load_balancer(elb, input.load_balancer_arn.as_deref())?;
    let (lb_arn, kind, lb_name) = {
        let doc = &elb.load_balancers[lb].doc;
        (
            doc.load_balancer_arn.clone(),
            doc.kind.clone(),
            doc.load_balancer_name.clone(),
        )
    };
    let protocol = input
        .protocol
        .as_deref()
        .map(Protocol::from_wire)
        .ok_or_else(|| validation(messages::elb_must_specify("protocol")))?;
    if !protocol.is_known() {
        return Err(not_in(protocol.as_str(), "protocol", Protocol::ALL));
    }
    if !listener_protocols(&kind).contains(&protocol) {
        return Err(guess("elb-listener-protocol", &[&protocol, &kind]));
    }
    let port = input
        .port
        .ok_or_else(|| validation(messages::elb_must_specify("port")))?;
    range(u64::from(port), "port", 1, 65535)?;
    let secure = matches!(protocol, Protocol::Https | Protocol::Tls);
    if secure && input.certificates.as_ref().is_none_or(Members::is_empty) {
        return Err(guess("elb-certificate", &[&protocol]));
    }
    let actions = check_actions(elb, &lb_arn, &kind, &protocol, input.default_actions)?;
    let tags = check_tags(input.tags)?;
    if let Some(existing) = elb
        .listeners
        .iter()
        .find(|l| l.doc.load_balancer_arn == lb_arn && l.doc.port == port)
    {
        // Idempotent: the same listener again is the listener (API reference).
        if existing.doc.protocol == protocol && existing.doc.default_actions == actions {
            return Ok(ListenersOutput {
                listeners: vec![existing.doc.clone()].into(),
            });
        }
        return Err(guess("elb-duplicate-listener", &[]));
    }
    let lb_id = lb_arn.rsplit('/').next().unwrap_or_default().to_owned();
    let segment = if kind == LoadBalancerType::Network {
        "net"
    } else {
        "app"
    };
    let id = hex_id(elb);
    let listener_arn = arn(elb, &format!("listener/{segment}/{lb_name}/{lb_id}/{id}"));
    let rule_id = hex_id(elb);
    let rule_arn = arn(
        elb,
        &format!("listener-rule/{segment}/{lb_name}/{lb_id}/{id}/{rule_id}"),
    );
    let doc = Listener {
        listener_arn: listener_arn.clone(),
        load_balancer_arn: lb_arn,
        port,
        protocol,
        certificates: input.certificates.filter(|_| secure),
        ssl_policy: secure.then(|| {
            input
                .ssl_policy
                .unwrap_or_else(|| "ELBSecurityPolicy-2016-08".to_owned())
        }),
        default_actions: actions.clone(),
    };
    set_tags(elb, &listener_arn, tags);
    elb.rules.push(RuleRecord {
        listener_arn: listener_arn.clone(),
        doc: Rule {
            rule_arn,
            priority: "default".to_owned(),
            conditions: Members::default(),
            actions,
            is_default: true,
        },
    });
    elb.listeners.push(ListenerRecord { doc: doc.clone() });
    Ok(ListenersOutput {
        listeners: vec![doc].into(),
    })
}

fn describe_listeners(elb: &Elb, input: DescribeListenersInput) -> Result<ListenersPage, ElbError> {
    let mut found: Vec<Listener> = elb.listeners.iter().map(|l| l.doc.clone()).collect();
    match (&input.load_balancer_arn, &input.listener_arns) {
        (Some(lb), None) => {
            load_balancer(elb, Some(lb))?;
            found.retain(|l| &l.load_balancer_arn == lb);
        }
        (None, Some(arns)) => {
            if arns
                .iter()
                .any(|a| !found.iter().any(|l| &l.listener_arn == a))
            {
                return Err(guess("elb-listeners-not-found", &[]));
            }
            found.retain(|l| arns.member.contains(&l.listener_arn));
        }
        _ => {
            return Err(validation(
                "You must specify either listener ARNs or a load balancer ARN",
            ))
        }
    }
    let (items, next_marker) = page(
        found,
        |l| &l.listener_arn,
        input.marker.as_deref(),
        input.page_size,
    )?;
    Ok(ListenersPage {
        listeners: items.into(),
        next_marker,
    })
}

fn modify_listener(elb: &mut Elb, input: ModifyListenerInput) -> Result<ListenersOutput, ElbError> {
    let l = listener(elb, input.listener_arn.as_deref())?;
    let mut doc = elb.listeners[l].doc.clone();
    let lb = load_balancer(elb, Some(&doc.load_balancer_arn))?;
    let kind = elb.load_balancers[lb].doc.kind.clone();
    if let Some(protocol) = input.protocol.as_deref().map(Protocol::from_wire) {
        if !listener_protocols(&kind).contains(&protocol) {
            return Err(guess("elb-listener-protocol", &[&protocol, &kind]));
        }
        doc.protocol = protocol;
    }
    if let Some(port) = input.port {
        range(u64::from(port), "port", 1, 65535)?;
        let taken = elb.listeners.iter().any(|other| {
            other.doc.load_balancer_arn == doc.load_balancer_arn
                && other.doc.port == port
                && other.doc.listener_arn != doc.listener_arn
        });
        if taken {
            return Err(guess("elb-duplicate-listener", &[]));
        }
        doc.port = port;
    }
    let secure = matches!(doc.protocol, Protocol::Https | Protocol::Tls);
    if let Some(certificates) = input.certificates {
        doc.certificates = Some(certificates);
    }
    if secure && doc.certificates.as_ref().is_none_or(Members::is_empty) {
        return Err(guess("elb-certificate", &[&doc.protocol]));
    }
    if !secure {
        doc.certificates = None;
        doc.ssl_policy = None;
    } else if let Some(policy) = input.ssl_policy {
        doc.ssl_policy = Some(policy);
    } else if doc.ssl_policy.is_none() {
        doc.ssl_policy = Some("ELBSecurityPolicy-2016-08".to_owned());
    }
    if input.default_actions.is_some() {
        doc.default_actions = check_actions(
            elb,
            &doc.load_balancer_arn,
            &kind,
            &doc.protocol,
            input.default_actions,
        )?;
    }
    let listener_arn = doc.listener_arn.clone();
    if let Some(default) = elb
        .rules
        .iter_mut()
        .find(|r| r.listener_arn == listener_arn && r.doc.is_default)
    {
        default.doc.actions = doc.default_actions.clone();
    }
    elb.listeners[l].doc = doc.clone();
    Ok(ListenersOutput {
        listeners: vec![doc].into(),
    })
}

fn delete_listener(elb: &mut Elb, input: ListenerArnInput) -> Result<Empty, ElbError> {
    let l = listener(elb, input.listener_arn.as_deref())?;
    let arn = elb.listeners.remove(l).doc.listener_arn;
    let rules: Vec<String> = elb
        .rules
        .iter()
        .filter(|r| r.listener_arn == arn)
        .map(|r| r.doc.rule_arn.clone())
        .collect();
    elb.rules.retain(|r| r.listener_arn != arn);
    elb.tags
        .retain(|(resource, _)| *resource != arn && !rules.contains(resource));
    Ok(Empty {})
}

/// A rule's conditions in ELB's shape: host and path patterns given either way are shown
/// both ways, as ELB does.
fn check_conditions(
    conditions: Option<Members<RuleCondition>>,
) -> Result<Members<RuleCondition>, ElbError> {
    const FIELDS: &[&str] = &[
        "http-header",
        "http-request-method",
        "host-header",
        "path-pattern",
        "query-string",
        "source-ip",
    ];
    let mut conditions = conditions.map(|c| c.member).unwrap_or_default();
    if conditions.is_empty() {
        return Err(guess("elb-conditions-empty", &[]));
    }
    let mut seen: Vec<String> = Vec::new();
    for condition in &mut conditions {
        let field = condition
            .field
            .clone()
            .ok_or_else(|| missing("conditions.member.field"))?;
        if !FIELDS.contains(&field.as_str()) {
            return Err(guess("elb-condition-field", &[&field]));
        }
        let once = matches!(
            field.as_str(),
            "host-header" | "http-request-method" | "path-pattern" | "source-ip"
        );
        if once && seen.contains(&field) {
            return Err(guess("elb-condition-twice", &[&field]));
        }
        seen.push(field.clone());
        let legacy = condition.values.clone().filter(|v| !v.is_empty());
        if legacy.is_some() && !matches!(field.as_str(), "host-header" | "path-pattern") {
            return Err(guess("elb-condition-values", &[&field]));
        }
        let count = match field.as_str() {
            "host-header" | "path-pattern" => {
                let config = if field == "host-header" {
                    &mut condition.host_header_config
                } else {
                    &mut condition.path_pattern_config
                };
                let values = legacy
                    .or_else(|| config.as_ref().map(|c| c.values.clone()))
                    .unwrap_or_default();
                *config = Some(ValuesConfig {
                    values: values.clone(),
                });
                let count = values.len();
                condition.values = Some(values);
                count
            }
            "http-header" => condition
                .http_header_config
                .as_ref()
                .map_or(0, |c| c.values.len()),
            "http-request-method" => condition
                .http_request_method_config
                .as_ref()
                .map_or(0, |c| c.values.len()),
            "query-string" => condition
                .query_string_config
                .as_ref()
                .map_or(0, |c| c.values.len()),
            _ => condition
                .source_ip_config
                .as_ref()
                .map_or(0, |c| c.values.len()),
        };
        if count == 0 {
            return Err(guess("elb-condition-empty", &[&field]));
        }
    }
    Ok(conditions.into())
}

/// The listener a rule goes on, with its load balancer's kind.
fn rule_listener(
    elb: &Elb,
    l: usize,
) -> Result<(String, String, LoadBalancerType, Protocol), ElbError> {
    let doc = &elb.listeners[l].doc;
    let lb = load_balancer(elb, Some(&doc.load_balancer_arn))?;
    let kind = elb.load_balancers[lb].doc.kind.clone();
    if kind == LoadBalancerType::Network {
        return Err(guess("elb-rules-network", &[]));
    }
    Ok((
        doc.listener_arn.clone(),
        doc.load_balancer_arn.clone(),
        kind,
        doc.protocol.clone(),
    ))
}

fn create_rule(elb: &mut Elb, input: CreateRuleInput) -> Result<RulesOutput, ElbError> {
    let l = listener(elb, input.listener_arn.as_deref())?;
    let (listener_arn, lb_arn, kind, protocol) = rule_listener(elb, l)?;
    let conditions = check_conditions(input.conditions)?;
    let priority = input.priority.ok_or_else(|| missing("priority"))?;
    range(u64::from(priority), "priority", 1, 50000)?;
    let actions = check_actions(elb, &lb_arn, &kind, &protocol, input.actions)?;
    let tags = check_tags(input.tags)?;
    if elb
        .rules
        .iter()
        .any(|r| r.listener_arn == listener_arn && r.order() == priority)
    {
        return Err(ElbError::new(
            "PriorityInUse",
            messages::elb_priority_in_use(priority),
        ));
    }
    let id = hex_id(elb);
    let rule_arn = format!(
        "{}/{id}",
        listener_arn.replacen(":listener/", ":listener-rule/", 1)
    );
    set_tags(elb, &rule_arn, tags);
    let doc = Rule {
        rule_arn,
        priority: priority.to_string(),
        conditions,
        actions,
        is_default: false,
    };
    elb.rules.push(RuleRecord {
        listener_arn,
        doc: doc.clone(),
    });
    Ok(RulesOutput {
        rules: vec![doc].into(),
    })
}

fn describe_rules(elb: &Elb, input: DescribeRulesInput) -> Result<RulesPage, ElbError> {
    let mut found: Vec<&RuleRecord> = match (&input.listener_arn, &input.rule_arns) {
        (Some(_), Some(_)) => return Err(guess("elb-rule-both", &[])),
        (None, None) => return Err(guess("elb-rule-listeners", &[])),
        (Some(arn), None) => {
            listener(elb, Some(arn))?;
            elb.rules
                .iter()
                .filter(|r| &r.listener_arn == arn)
                .collect()
        }
        (None, Some(arns)) => {
            if arns
                .iter()
                .any(|a| !elb.rules.iter().any(|r| &r.doc.rule_arn == a))
            {
                return Err(guess("elb-rules-not-found", &[]));
            }
            elb.rules
                .iter()
                .filter(|r| arns.member.contains(&r.doc.rule_arn))
                .collect()
        }
    };
    // By priority, the default rule last (it is evaluated last).
    found.sort_by_key(|r| (r.listener_arn.clone(), r.order()));
    let docs: Vec<Rule> = found.into_iter().map(|r| r.doc.clone()).collect();
    let (items, next_marker) = page(
        docs,
        |r| &r.rule_arn,
        input.marker.as_deref(),
        input.page_size,
    )?;
    Ok(RulesPage {
        rules: items.into(),
        next_marker,
    })
}

fn modify_rule(elb: &mut Elb, input: ModifyRuleInput) -> Result<RulesOutput, ElbError> {
    let r = rule(elb, input.rule_arn.as_deref())?;
    if elb.rules[r].doc.is_default {
        return Err(ElbError::new(
            "OperationNotPermitted",
            messages::elb_default_rule_modify(&elb.rules[r].doc.rule_arn),
        ));
    }
    let l = listener(elb, Some(&elb.rules[r].listener_arn.clone()))?;
    let (_, lb_arn, kind, protocol) = rule_listener(elb, l)?;
    let mut doc = elb.rules[r].doc.clone();
    if input.conditions.is_some() {
        doc.conditions = check_conditions(input.conditions)?;
    }
    if input.actions.is_some() {
        doc.actions = check_actions(elb, &lb_arn, &kind, &protocol, input.actions)?;
    }
    elb.rules[r].doc = doc.clone();
    Ok(RulesOutput {
        rules: vec![doc].into(),
    })
}

fn delete_rule(elb: &mut Elb, input: RuleArnInput) -> Result<Empty, ElbError> {
    let r = rule(elb, input.rule_arn.as_deref())?;
    let arn = elb.rules[r].doc.rule_arn.clone();
    if elb.rules[r].doc.is_default {
        return Err(guess("elb-default-rule-delete", &[&arn]));
    }
    elb.rules.remove(r);
    elb.tags.retain(|(resource, _)| *resource != arn);
    Ok(Empty {})
}

fn set_rule_priorities(
    elb: &mut Elb,
    input: SetRulePrioritiesInput,
) -> Result<RulesOutput, ElbError> {
    let pairs = input
        .rule_priorities
        .ok_or_else(|| missing("rulePriorities"))?;
    let mut changes: Vec<(usize, u32)> = Vec::new();
    for pair in pairs.member {
        let r = rule(elb, pair.rule_arn.as_deref())?;
        let priority = pair
            .priority
            .ok_or_else(|| missing("rulePriorities.member.priority"))?;
        range(u64::from(priority), "priority", 1, 50000)?;
        if elb.rules[r].doc.is_default {
            return Err(guess(
                "elb-default-rule-priority",
                &[&elb.rules[r].doc.rule_arn],
            ));
        }
        if changes.iter().any(|(_, p)| *p == priority) {
            return Err(guess("elb-priority-twice", &[&priority]));
        }
        changes.push((r, priority));
    }
    // The new order must hold no conflict: a rule not moved keeps its priority.
    for (r, priority) in &changes {
        let listener = &elb.rules[*r].listener_arn;
        let clash = elb.rules.iter().enumerate().any(|(i, other)| {
            &other.listener_arn == listener
                && other.order() == *priority
                && !changes.iter().any(|(moved, _)| *moved == i)
        });
        if clash {
            return Err(ElbError::new(
                "PriorityInUse",
                messages::elb_priority_in_use(*priority),
            ));
        }
    }
    let mut rules = Vec::new();
    for (r, priority) in changes {
        elb.rules[r].doc.priority = priority.to_string();
        rules.push(elb.rules[r].doc.clone());
    }
    Ok(RulesOutput {
        rules: rules.into(),
    })
}

// Targets.

fn register_targets(
    elb: &mut Elb,
    input: TargetsInput,
    now: SimTime,
    hosts: &dyn Hosts,
) -> Result<Empty, ElbError> {
    let tg = target_group(elb, input.target_group_arn.as_deref())?;
    let targets = checked_targets(&elb.target_groups[tg], input.targets)?;
    let group = &elb.target_groups[tg];
    for (target, _) in &targets {
        match group.doc.target_type {
            TargetType::Instance => {
                if !target.id.starts_with("i-") {
                    return Err(guess("elb-target-kind", &[&target.id]));
                }
                if !hosts.is_running_instance(&target.id) {
                    return Err(guess("elb-target-not-running", &[&target.id]));
                }
            }
            _ => {
                if target.id.parse::<std::net::Ipv4Addr>().is_err() {
                    return Err(guess("elb-target-not-ip", &[&target.id]));
                }
            }
        }
    }
    let first = elb.target_groups[tg].interval_ms() * messages::ELB_FIRST_CHECK_AFTER_INTERVALS;
    let group = &mut elb.target_groups[tg];
    for (target, port) in targets {
        match group.target(&target.id, port) {
            Some(i) if matches!(group.targets[i].health, Health::Draining { .. }) => {
                // Registered again while draining: in service again, checked afresh.
                let again = &mut group.targets[i];
                again.health = Health::Initial { checked: false };
                again.next_check = now.plus_millis(first);
                again.passes = 0;
                again.fails = 0;
            }
            Some(_) => {}
            None => group.targets.push(Target {
                id: target.id,
                port,
                availability_zone: target.availability_zone,
                health: Health::Initial { checked: false },
                next_check: now.plus_millis(first),
                passes: 0,
                fails: 0,
                probe: None,
                probe_deadline: None,
                served: Default::default(),
            }),
        }
    }
    Ok(Empty {})
}

/// The targets of a Register/Deregister call, each with its port.
fn checked_targets(
    group: &TargetGroupRecord,
    targets: Option<Members<TargetDescription>>,
) -> Result<Vec<(TargetDescription, u32)>, ElbError> {
    let targets = targets.map(|t| t.member).unwrap_or_default();
    if targets.is_empty() {
        return Err(guess("elb-targets-empty", &[]));
    }
    targets
        .into_iter()
        .map(|target| {
            if target.id.is_empty() {
                return Err(missing("targets.member.id"));
            }
            let port = group
                .port_of(&target)
                .ok_or_else(|| guess("elb-target-port-missing", &[&target.id]))?;
            range(u64::from(port), "targets.member.port", 1, 65535)?;
            Ok((target, port))
        })
        .collect()
}

fn deregister_targets(elb: &mut Elb, input: TargetsInput, now: SimTime) -> Result<Empty, ElbError> {
    let tg = target_group(elb, input.target_group_arn.as_deref())?;
    let targets = checked_targets(&elb.target_groups[tg], input.targets)?;
    let group = &mut elb.target_groups[tg];
    let delay = group.deregistration_delay_ms();
    let arn = group.doc.target_group_arn.clone();
    for (target, port) in targets {
        // A target that is not registered: the call succeeds (API reference).
        let Some(i) = group.target(&target.id, port) else {
            continue;
        };
        if matches!(group.targets[i].health, Health::Draining { .. }) {
            continue;
        }
        if group.in_use && delay > 0 {
            let draining = &mut group.targets[i];
            draining.health = Health::Draining {
                until: now.plus_millis(delay),
            };
            draining.probe = None;
            draining.probe_deadline = None;
            let health = group.health_of(&group.targets[i]);
            elb.events.push_back(crate::ElbEvent::TargetHealth {
                target_group_arn: arn.clone(),
                target: group.targets[i].description(),
                health,
            });
        } else {
            let gone = group.targets.remove(i);
            elb.events.push_back(crate::ElbEvent::TargetDeregistered {
                target_group_arn: arn.clone(),
                target: gone.description(),
            });
        }
    }
    Ok(Empty {})
}

fn describe_target_health(
    elb: &Elb,
    input: DescribeTargetHealthInput,
) -> Result<TargetHealthOutput, ElbError> {
    let tg = target_group(elb, input.target_group_arn.as_deref())?;
    let group = &elb.target_groups[tg];
    let describe = |t: &Target| TargetHealthDescription {
        target: t.description(),
        health_check_port: Some(group.health_check_port(t.port).to_string()),
        target_health: group.health_of(t),
    };
    let descriptions = match input.targets {
        None => group.targets.iter().map(describe).collect(),
        Some(asked) => asked
            .member
            .into_iter()
            .map(|target| {
                let port = group.port_of(&target);
                match port.and_then(|p| group.target(&target.id, p)) {
                    Some(i) => describe(&group.targets[i]),
                    // Never registered, or drained since: unused, not an error (FACTS §1.5).
                    None => TargetHealthDescription {
                        health_check_port: port.map(|p| group.health_check_port(p).to_string()),
                        target: TargetDescription { port, ..target },
                        target_health: TargetHealth {
                            state: TargetHealthState::Unused,
                            reason: Some(TargetHealthReason::NotRegistered),
                            description: Some(messages::ELB_NOT_REGISTERED.to_owned()),
                        },
                    },
                }
            })
            .collect(),
    };
    Ok(TargetHealthOutput {
        target_health_descriptions: Members {
            member: descriptions,
        },
    })
}

// Tags.

fn check_tags(tags: Option<Members<Tag>>) -> Result<Vec<Tag>, ElbError> {
    let tags = tags.map(|t| t.member).unwrap_or_default();
    for (i, tag) in tags.iter().enumerate() {
        if tag.key.is_empty() || tag.key.chars().count() > 128 {
            return Err(guess(
                "elb-range-max",
                &[&tag.key, &"tags.member.key", &128],
            ));
        }
        if tags[..i].iter().any(|t| t.key == tag.key) {
            return Err(guess("elb-duplicate-tag-keys", &[&tag.key]));
        }
    }
    Ok(tags)
}

fn set_tags(elb: &mut Elb, arn: &str, tags: Vec<Tag>) {
    let index = match elb.tags.iter().position(|(r, _)| r == arn) {
        Some(i) => i,
        None => {
            elb.tags.push((arn.to_owned(), Vec::new()));
            elb.tags.len() - 1
        }
    };
    let list = &mut elb.tags[index].1;
    for tag in tags {
        match list.iter_mut().find(|t| t.key == tag.key) {
            Some(slot) => slot.value = tag.value,
            None => list.push(tag),
        }
    }
}

/// A taggable resource that exists, by the kind its ARN names.
fn tagged_resource(elb: &Elb, arn: &str) -> Result<(), ElbError> {
    let exists = |found: bool, error: ElbError| if found { Ok(()) } else { Err(error) };
    if arn.contains(":loadbalancer/") {
        exists(
            elb.load_balancers
                .iter()
                .any(|lb| lb.doc.load_balancer_arn == arn),
            guess("elb-load-balancers-not-found", &[]),
        )
    } else if arn.contains(":targetgroup/") {
        exists(
            elb.target_groups
                .iter()
                .any(|g| g.doc.target_group_arn == arn),
            ElbError::new("TargetGroupNotFound", messages::ELB_TARGET_GROUPS_NOT_FOUND),
        )
    } else if arn.contains(":listener/") {
        exists(
            elb.listeners.iter().any(|l| l.doc.listener_arn == arn),
            guess("elb-listeners-not-found", &[]),
        )
    } else if arn.contains(":listener-rule/") {
        exists(
            elb.rules.iter().any(|r| r.doc.rule_arn == arn),
            guess("elb-rules-not-found", &[]),
        )
    } else {
        Err(guess("elb-arn-invalid", &[&arn, &"resource"]))
    }
}

fn resource_arns(arns: Option<Members<String>>) -> Result<Vec<String>, ElbError> {
    let arns = arns.map(|a| a.member).unwrap_or_default();
    if arns.is_empty() || arns.len() > 20 {
        return Err(guess("elb-tag-resources", &[]));
    }
    Ok(arns)
}

fn add_tags(elb: &mut Elb, input: AddTagsInput) -> Result<Empty, ElbError> {
    let arns = resource_arns(input.resource_arns)?;
    let tags = check_tags(input.tags)?;
    if tags.is_empty() {
        return Err(missing("tags"));
    }
    for arn in &arns {
        tagged_resource(elb, arn)?;
        let existing = elb.tags.iter().find(|(r, _)| r == arn).map_or(0, |(_, t)| {
            t.iter()
                .filter(|old| !tags.iter().any(|new| new.key == old.key))
                .count()
        });
        if existing + tags.len() > 50 {
            return Err(guess("elb-too-many-tags", &[arn]));
        }
    }
    for arn in arns {
        set_tags(elb, &arn, tags.clone());
    }
    Ok(Empty {})
}

fn remove_tags(elb: &mut Elb, input: RemoveTagsInput) -> Result<Empty, ElbError> {
    let arns = resource_arns(input.resource_arns)?;
    let keys = input.tag_keys.ok_or_else(|| missing("tagKeys"))?.member;
    for arn in &arns {
        tagged_resource(elb, arn)?;
    }
    for (resource, tags) in &mut elb.tags {
        if arns.contains(resource) {
            tags.retain(|t| !keys.contains(&t.key));
        }
    }
    Ok(Empty {})
}

fn describe_tags(elb: &Elb, input: DescribeTagsInput) -> Result<TagsOutput, ElbError> {
    let arns = resource_arns(input.resource_arns)?;
    let mut descriptions = Vec::new();
    for arn in arns {
        tagged_resource(elb, &arn)?;
        let tags = elb
            .tags
            .iter()
            .find(|(r, _)| *r == arn)
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        descriptions.push(TagDescription {
            resource_arn: arn,
            tags: tags.into(),
        });
    }
    Ok(TagsOutput {
        tag_descriptions: descriptions.into(),
    })
}
