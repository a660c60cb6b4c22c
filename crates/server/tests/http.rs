//! `berth serve` over real HTTP: the wire shapes the AWS CLI relies on, and a corpus of bad
//! requests that must each get a 4xx in ECS's shape (never a 5xx, never a dropped connection).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use serde_json::{json, Value};

/// Starts a server on a free port, in memory, on its own thread.
fn start() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let options = berth_server::Options {
                addr,
                ..Default::default()
            };
            berth_server::serve_on(listener, options).await.unwrap();
        });
    });
    addr
}

/// One HTTP/1.1 request; returns the status, the headers (lower-cased) and the body.
fn post(addr: SocketAddr, target: Option<&str>, body: &[u8]) -> (u16, String, String) {
    let mut headers = "Content-Type: application/x-amz-json-1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20241113/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0\r\n".to_owned();
    if let Some(target) = target {
        headers.push_str(&format!("X-Amz-Target: {target}\r\n"));
    }
    exchange(addr, &headers, body)
}

/// `POST /` with `headers` (each ending in CRLF) and `body`: the status, the headers
/// (lower-cased) and the body.
fn exchange(addr: SocketAddr, headers: &str, body: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn call(addr: SocketAddr, operation: &str, body: Value) -> (u16, Value) {
    let target = format!("AmazonEC2ContainerServiceV20141113.{operation}");
    let (status, _, body) = post(addr, Some(&target), body.to_string().as_bytes());
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[test]
fn the_wire_as_clients_expect_it() {
    let addr = start();
    let target = "AmazonEC2ContainerServiceV20141113.ListContainerInstances";
    let (status, head, body) = post(addr, Some(target), b"{}");
    assert_eq!(status, 200, "{body}");
    assert!(
        head.contains("content-type: application/x-amz-json-1.1"),
        "{head}"
    );
    assert!(head.contains("x-amzn-requestid: "), "{head}");
    let listed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        listed["containerInstanceArns"].as_array().unwrap().len(),
        2,
        "the default cluster has the virtual instances"
    );
    // Writes and reads in ECS's shapes, timestamps as epoch seconds.
    let (status, registered) = call(
        addr,
        "RegisterTaskDefinition",
        json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 128}]}),
    );
    assert_eq!(status, 200);
    assert!(registered["taskDefinition"]["registeredAt"].is_number());
    let (status, run) = call(
        addr,
        "RunTask",
        json!({"taskDefinition": "web", "count": 3}),
    );
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["tasks"].as_array().unwrap().len(), 3);
    let (_, error) = call(
        addr,
        "DescribeServices",
        json!({"cluster": "nope", "services": ["x"]}),
    );
    assert_eq!(
        error,
        json!({"__type": "ClusterNotFoundException", "message": "Cluster not found."})
    );
}

/// ECS's error shapes (ECS_REFERENCE §1.3) plus the protocol's own.
const ERROR_TYPES: &[&str] = &[
    "ClientException",
    "InvalidParameterException",
    "SerializationException",
    "ClusterNotFoundException",
    "ServiceNotFoundException",
    "ServiceNotActiveException",
    "ClusterContainsContainerInstancesException",
    "ClusterContainsServicesException",
    "ClusterContainsTasksException",
    "UnsupportedFeatureException",
    "AttributeLimitExceededException",
    "TargetNotFoundException",
    "ResourceNotFoundException",
    "UnknownOperationException",
    "ServiceDeploymentNotFoundException",
    "ConflictException",
];

/// The corpus: for every operation, bodies that are not JSON, not objects, of the wrong
/// types, with unknown members or naming clusters that do not exist; plus bad targets and an
/// oversized body. Each gets a 4xx in ECS's shape with a message, and the server lives on.
#[test]
fn bad_requests_get_ecs_errors() {
    let addr = start();
    let operations: Vec<&str> = berth_control_plane::Request::OPERATIONS.to_vec();
    let mut cases: Vec<(String, Option<String>, Vec<u8>)> = Vec::new();
    for operation in &operations {
        let target = Some(format!("AmazonEC2ContainerServiceV20141113.{operation}"));
        let mut add = |label: &str, body: &str| {
            cases.push((
                format!("{operation} {label}"),
                target.clone(),
                body.as_bytes().to_vec(),
            ))
        };
        add("not JSON", "{\"cluster\": ");
        add("an array", "[]");
        add("a string", "\"default\"");
        add("unknown member", r#"{"clusterNameTypo": "x"}"#);
        add(
            "null member types",
            r#"{"cluster": 42, "maxResults": "ten"}"#,
        );
        if ![
            "RegisterTaskDefinition",
            "DescribeTaskDefinition",
            "DeregisterTaskDefinition",
            "DeleteTaskDefinitions",
            "ListTaskDefinitions",
            "ListTaskDefinitionFamilies",
            "CreateCluster",
            "ListClusters",
            "DescribeClusters",
            "DeleteCluster",
            "TagResource",
            "UntagResource",
            "ListTagsForResource",
        ]
        .contains(operation)
        {
            add("unknown cluster", r#"{"cluster": "no-such-cluster"}"#);
        }
    }
    for target in [
        None,
        Some("".to_owned()),
        Some("ListClusters".to_owned()),
        Some("AmazonEC2ContainerServiceV20141113.".to_owned()),
        Some("AmazonEC2ContainerServiceV20141113.LaunchRocket".to_owned()),
        Some("DynamoDB_20120810.ListTables".to_owned()),
        Some("AmazonEC2ContainerServiceV20141113.listclusters".to_owned()),
    ] {
        cases.push((format!("target {target:?}"), target, b"{}".to_vec()));
    }
    let oversized = format!("{{\"cluster\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    cases.push((
        "oversized body".into(),
        Some("AmazonEC2ContainerServiceV20141113.ListTasks".into()),
        oversized.into_bytes(),
    ));
    for (label, body) in [
        ("run-task without a task definition", r#"{"count": 1}"#),
        ("run-task count 0", r#"{"taskDefinition": "x", "count": 0}"#),
        (
            "run-task count 11",
            r#"{"taskDefinition": "x", "count": 11}"#,
        ),
        (
            "register without family",
            r#"{"containerDefinitions": [{"name": "a", "image": "b", "memory": 4}]}"#,
        ),
        (
            "register with no containers",
            r#"{"family": "f", "containerDefinitions": []}"#,
        ),
        ("describe-services with no names", r#"{"services": []}"#),
        ("update-service unknown", r#"{"service": "ghost"}"#),
        ("delete-service unknown", r#"{"service": "ghost"}"#),
        (
            "stop-task unknown",
            r#"{"task": "0123456789abcdef0123456789abcdef"}"#,
        ),
        ("list-tasks bad status", r#"{"desiredStatus": "SLEEPING"}"#),
        ("put-attributes empty", r#"{"attributes": []}"#),
        (
            "tag unknown arn",
            r#"{"resourceArn": "arn:aws:ecs:us-east-1:123456789012:cluster/ghost", "tags": [{"key": "a", "value": "b"}]}"#,
        ),
    ] {
        let operation = match label.split_whitespace().next().unwrap() {
            "run-task" => "RunTask",
            "register" => "RegisterTaskDefinition",
            "describe-services" => "DescribeServices",
            "update-service" => "UpdateService",
            "delete-service" => "DeleteService",
            "stop-task" => "StopTask",
            "list-tasks" => "ListTasks",
            "put-attributes" => "PutAttributes",
            _ => "TagResource",
        };
        cases.push((
            label.to_owned(),
            Some(format!("AmazonEC2ContainerServiceV20141113.{operation}")),
            body.as_bytes().to_vec(),
        ));
    }
    assert!(cases.len() >= 200, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for (label, target, body) in &cases {
        let (status, _, text) = post(addr, target.as_deref(), body);
        let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let kind = parsed["__type"].as_str().unwrap_or("");
        let message = parsed["message"].as_str().unwrap_or("");
        if !(400..500).contains(&status) || !ERROR_TYPES.contains(&kind) || message.is_empty() {
            failures.push(format!(
                "{label}: {status} {}",
                &text[..text.len().min(200)]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // And the server still answers.
    let (status, _) = call(addr, "ListClusters", json!({}));
    assert_eq!(status, 200);
}

/// One form-encoded request (the Query protocol, as `aws elbv2` sends it).
fn post_form(addr: SocketAddr, body: &[u8]) -> (u16, String, String) {
    exchange(
        addr,
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20261203/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=0\r\n",
        body,
    )
}

/// The text of `<tag>` in `xml`.
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

/// ELBv2 over the Query protocol: for every action, a body without its members, members of
/// the wrong type, unknown ARNs and bad names; plus forms that cannot be read, unknown and
/// missing actions, an oversized body. Each gets a 4xx `<ErrorResponse>` with ELB's code and
/// a message, and the server lives on.
#[test]
fn bad_elb_requests_get_elb_errors() {
    let addr = start();
    let ghost_tg =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ghost/0123456789abcdef";
    let ghost_lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/ghost/0123456789abcdef";
    let ghost_listener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/ghost/0123456789abcdef/0123456789abcdef";
    let ghost_rule = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/ghost/0123456789abcdef/0123456789abcdef/0123456789abcdef";
    let mut cases: Vec<(String, String)> = Vec::new();
    for action in berth_elb::Request::OPERATIONS {
        let mut add = |label: &str, rest: &str| {
            cases.push((
                format!("{action} {label}"),
                format!("Action={action}&Version=2015-12-01{rest}"),
            ));
        };
        if !["DescribeLoadBalancers", "DescribeTargetGroups"].contains(action) {
            add("without members", "");
        }
        add(
            "wrong types",
            "&Port=eighty&PageSize=many&Priority=first&HealthCheckIntervalSeconds=x",
        );
        add("a value with members", "&Names=a&Names.member.1=b");
        // DeleteLoadBalancer of one that does not exist succeeds (API reference), below.
        if *action == "DeleteLoadBalancer" {
            continue;
        }
        add("unknown ARNs", &format!(
            "&LoadBalancerArn={ghost_lb}&TargetGroupArn={ghost_tg}&ListenerArn={ghost_listener}&RuleArn={ghost_rule}\
             &ResourceArns.member.1={ghost_tg}&Tags.member.1.Key=a&TagKeys.member.1=a\
             &Targets.member.1.Id=i-1&Attributes.member.1.Key=x&Attributes.member.1.Value=y\
             &DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn={ghost_tg}\
             &Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn={ghost_tg}\
             &Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=/\
             &Priority=1&RulePriorities.member.1.RuleArn={ghost_rule}&RulePriorities.member.1.Priority=2\
             &Protocol=HTTP&Port=80&TargetGroupArns.member.1={ghost_tg}&LoadBalancerArns.member.1={ghost_lb}\
             &ListenerArns.member.1={ghost_listener}&RuleArns.member.1={ghost_rule}"
        ).replace(' ', ""));
    }
    for (label, body) in [
        ("no action", "Version=2015-12-01"),
        ("unknown action", "Action=LaunchRockets&Version=2015-12-01"),
        ("lowercase action", "Action=describeloadbalancers"),
        ("bad escape", "Action=CreateTargetGroup&Name=%ZZ&Port=%"),
        ("load balancer name too long", &format!("Action=CreateLoadBalancer&Name={}&Subnets.member.1=a&Subnets.member.2=b", "x".repeat(33))),
        ("load balancer name with a dot", "Action=CreateLoadBalancer&Name=a.b&Subnets.member.1=a&Subnets.member.2=b"),
        ("load balancer internal-", "Action=CreateLoadBalancer&Name=internal-a&Subnets.member.1=a&Subnets.member.2=b"),
        ("load balancer one subnet", "Action=CreateLoadBalancer&Name=one&Subnets.member.1=a"),
        ("load balancer type", "Action=CreateLoadBalancer&Name=t&Type=classic&Subnets.member.1=a&Subnets.member.2=b"),
        ("target group hyphen", "Action=CreateTargetGroup&Name=-web&Protocol=HTTP&Port=80&VpcId=vpc-1"),
        ("target group no port", "Action=CreateTargetGroup&Name=web&Protocol=HTTP&VpcId=vpc-1"),
        ("target group port 0", "Action=CreateTargetGroup&Name=web&Protocol=HTTP&Port=0&VpcId=vpc-1"),
        ("target group port 65536", "Action=CreateTargetGroup&Name=web&Protocol=HTTP&Port=65536&VpcId=vpc-1"),
        ("target group protocol", "Action=CreateTargetGroup&Name=web&Protocol=FTP&Port=80&VpcId=vpc-1"),
        ("target group timeout", "Action=CreateTargetGroup&Name=web&Protocol=HTTP&Port=80&VpcId=vpc-1&HealthCheckTimeoutSeconds=40"),
        ("target group matcher", "Action=CreateTargetGroup&Name=web&Protocol=HTTP&Port=80&VpcId=vpc-1&Matcher.HttpCode=600"),
        ("target group lambda", "Action=CreateTargetGroup&Name=fn&TargetType=lambda"),
        ("target group tcp check on http", "Action=CreateTargetGroup&Name=web&Protocol=HTTP&Port=80&VpcId=vpc-1&HealthCheckProtocol=TCP"),
        ("target group enabled", "Action=CreateTargetGroup&Name=web&Protocol=HTTP&Port=80&VpcId=vpc-1&HealthCheckEnabled=maybe"),
        ("page size 0", "Action=DescribeTargetGroups&PageSize=0"),
        ("page size 401", "Action=DescribeLoadBalancers&PageSize=401"),
        ("bad marker", "Action=DescribeLoadBalancers&Marker=nowhere"),
        ("rules without listener", "Action=DescribeRules"),
        ("tags without resources", "Action=DescribeTags"),
    ] {
        cases.push((label.to_owned(), body.to_owned()));
    }
    cases.push((
        "oversized body".to_owned(),
        format!(
            "Action=DescribeLoadBalancers&Names.member.1={}",
            "x".repeat(2 * 1024 * 1024)
        ),
    ));
    assert!(cases.len() >= 100, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for (label, body) in &cases {
        let (status, head, text) = post_form(addr, body.as_bytes());
        let code = xml_text(&text, "Code").unwrap_or("");
        let message = xml_text(&text, "Message").unwrap_or("");
        let shaped = text.starts_with("<ErrorResponse")
            && head.contains("content-type: text/xml")
            && xml_text(&text, "RequestId").is_some_and(|id| !id.is_empty());
        if !(400..500).contains(&status) || code.is_empty() || message.is_empty() || !shaped {
            failures.push(format!(
                "{label}: {status} {}",
                &text[..text.len().min(300)]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let (status, _, text) = post_form(
        addr,
        format!("Action=DeleteLoadBalancer&LoadBalancerArn={ghost_lb}").as_bytes(),
    );
    assert_eq!(status, 200, "{text}");
    // And the server still answers, ELB and ECS alike.
    let (status, _, text) = post_form(addr, b"Action=DescribeLoadBalancers&Version=2015-12-01");
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("<DescribeLoadBalancersResult>"), "{text}");
    let (status, _) = call(addr, "ListClusters", json!({}));
    assert_eq!(status, 200);
}

/// Application Auto Scaling over JSON 1.1: for every operation, bodies that are not JSON or
/// not objects, without their members, of the wrong types, in another namespace, for a target
/// never registered; an unknown operation. Each gets a 4xx `{"__type", "Message"}` with the
/// service's error shape, and what was stored is unchanged.
#[test]
fn bad_autoscaling_requests_get_its_errors() {
    let addr = start();
    let aas = |operation: &str, body: &[u8]| {
        let target = format!("AnyScaleFrontendService.{operation}");
        let (status, _, text) = post(addr, Some(&target), body);
        (
            status,
            serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
        )
    };
    call(
        addr,
        "RegisterTaskDefinition",
        json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 64}]}),
    );
    let (status, _) = call(
        addr,
        "CreateService",
        json!({"serviceName": "web", "taskDefinition": "web", "desiredCount": 1}),
    );
    assert_eq!(status, 200);
    let target = json!({"ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount"});
    let mut registered = target.clone();
    registered["MinCapacity"] = json!(1);
    registered["MaxCapacity"] = json!(3);
    let (status, body) = aas("RegisterScalableTarget", registered.to_string().as_bytes());
    assert_eq!(status, 200, "{body}");
    let mut cases: Vec<(String, &str, Vec<u8>)> = Vec::new();
    for operation in berth_autoscaling::Request::OPERATIONS {
        let mut add = |label: &str, body: Value| {
            cases.push((
                format!("{operation} {label}"),
                operation,
                body.to_string().into_bytes(),
            ));
        };
        add("without members", json!({}));
        add(
            "wrong types",
            json!({"ServiceNamespace": 7, "ResourceId": [], "MinCapacity": "one", "MaxResults": "many", "Tags": 3, "TagKeys": "a", "ResourceARN": false, "PolicyName": {}, "ScheduledActionName": 1}),
        );
        add(
            "another namespace",
            json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/t", "ScalableDimension": "dynamodb:table:ReadCapacityUnits", "PolicyName": "p", "ScheduledActionName": "s", "ResourceARN": "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/0", "Tags": {}, "TagKeys": []}),
        );
        add(
            "an unknown namespace",
            json!({"ServiceNamespace": "mainframe", "ResourceId": "x", "ScalableDimension": "y"}),
        );
        // A Describe for a target never registered answers an empty list (its members
        // are filters).
        if !operation.starts_with("Describe") {
            add(
                "a target never registered",
                json!({"ServiceNamespace": "ecs", "ResourceId": "service/default/ghost", "ScalableDimension": "ecs:service:DesiredCount", "PolicyName": "p", "ScheduledActionName": "s", "MinCapacity": 1, "MaxCapacity": 2, "ResourceARN": "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/ghost", "Tags": {"a": "b"}, "TagKeys": ["a"], "PolicyType": "StepScaling", "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]}, "Schedule": "rate(5 minutes)", "ScalableTargetAction": {"MinCapacity": 1}}),
            );
        }
        cases.push((
            format!("{operation} not JSON"),
            operation,
            b"{nope".to_vec(),
        ));
        cases.push((
            format!("{operation} not an object"),
            operation,
            b"[1, 2]".to_vec(),
        ));
    }
    for (label, operation, body) in [
        ("unknown operation", "ScaleEverything", json!({})),
        ("min over max", "RegisterScalableTarget", {
            let mut t = target.clone();
            t["MinCapacity"] = json!(5);
            t["MaxCapacity"] = json!(2);
            t
        }),
        ("tags on a target that exists", "RegisterScalableTarget", {
            let mut t = target.clone();
            t["Tags"] = json!({"a": "b"});
            t
        }),
        ("predictive", "PutScalingPolicy", {
            let mut t = target.clone();
            t["PolicyName"] = json!("p");
            t["PolicyType"] = json!("PredictiveScaling");
            t
        }),
        ("overlapping steps", "PutScalingPolicy", {
            let mut t = target.clone();
            t["PolicyName"] = json!("p");
            t["PolicyType"] = json!("StepScaling");
            t["StepScalingPolicyConfiguration"] = json!({"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}, {"MetricIntervalLowerBound": 5, "ScalingAdjustment": 2}]});
            t
        }),
        ("bad schedule", "PutScheduledAction", {
            let mut t = target.clone();
            t["ScheduledActionName"] = json!("s");
            t["Schedule"] = json!("every day");
            t["ScalableTargetAction"] = json!({"MinCapacity": 1});
            t
        }),
        (
            "page of 0",
            "DescribeScalingActivities",
            json!({"ServiceNamespace": "ecs", "MaxResults": 0}),
        ),
    ] {
        cases.push((label.to_owned(), operation, body.to_string().into_bytes()));
    }
    assert!(cases.len() >= 90, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for (label, operation, body) in &cases {
        let (status, reply) = aas(operation, body);
        let shaped = reply["__type"].as_str().is_some_and(|t| !t.is_empty())
            && reply["Message"].as_str().is_some_and(|m| !m.is_empty());
        if !(400..500).contains(&status) || !shaped {
            failures.push(format!("{label}: {status} {reply}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // Nothing stored changed, and the server still answers.
    let (status, body) = aas("DescribeScalableTargets", br#"{"ServiceNamespace": "ecs"}"#);
    assert_eq!(status, 200, "{body}");
    let targets = body["ScalableTargets"].as_array().unwrap();
    assert_eq!(targets.len(), 1, "{body}");
    assert_eq!(
        (
            targets[0]["MinCapacity"].as_i64(),
            targets[0]["MaxCapacity"].as_i64()
        ),
        (Some(1), Some(3))
    );
    let (status, body) = aas("DescribeScalingPolicies", br#"{"ServiceNamespace": "ecs"}"#);
    assert_eq!((status, body), (200, json!({"ScalingPolicies": []})));
}

/// The live view: cluster events arrive over a WebSocket as EventBridge envelopes, while an
/// API client works.
#[test]
fn live_events_over_websocket() {
    use futures_util::StreamExt;
    let addr = start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/events"))
            .await
            .expect("the live view connects");
        call(
            addr,
            "RegisterTaskDefinition",
            json!({"family": "live", "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 8}]}),
        );
        let (status, run) = call(addr, "RunTask", json!({"taskDefinition": "live"}));
        assert_eq!(status, 200);
        let task_arn = run["tasks"][0]["taskArn"].as_str().unwrap().to_owned();
        let mut seen = Vec::new();
        // The task goes PENDING at once and RUNNING when the virtual agent has pulled and
        // started it (4 s of real time); stop after RUNNING or 20 s.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, socket.next()).await {
            let event: Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
            if event["detail-type"] == "ECS Task State Change" && event["resources"][0] == task_arn.as_str() {
                assert_eq!(event["source"], "aws.ecs");
                assert_eq!(event["region"], "us-east-1");
                assert!(event["time"].as_str().unwrap().ends_with('Z'));
                seen.push(event["detail"]["lastStatus"].as_str().unwrap().to_owned());
                if seen.last().map(String::as_str) == Some("RUNNING") {
                    break;
                }
            }
        }
        assert_eq!(seen, ["PENDING", "RUNNING"]);
    });
}

#[test]
fn the_playground_is_served_when_given() {
    let dir = std::env::temp_dir().join(format!("berth-web-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<title>Berth</title>").unwrap();
    std::fs::write(dir.join("app.wasm"), b"\0asm").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let web = dir.clone();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let options = berth_server::Options {
                    addr,
                    web: Some(web),
                    ..Default::default()
                };
                berth_server::serve_on(listener, options).await.unwrap();
            });
    });
    let get = |path: &str| {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response.to_ascii_lowercase()
    };
    let index = get("/");
    assert!(
        index.starts_with("http/1.1 200") && index.contains("<title>berth</title>"),
        "{index}"
    );
    assert!(get("/app.wasm").contains("content-type: application/wasm"));
    assert!(get("/../etc/passwd").starts_with("http/1.1 404"));
    assert!(get("/missing.js").starts_with("http/1.1 404"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// One raw request with the given method, path and extra header lines; returns the status.
fn status_of(addr: SocketAddr, request: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(request.replace("{addr}", &addr.to_string()).as_bytes())
        .unwrap();
    // The status line is enough (an accepted WebSocket upgrade never ends).
    let mut response = Vec::new();
    let mut byte = [0u8; 1];
    while !response.ends_with(b"\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
        response.push(byte[0]);
    }
    String::from_utf8_lossy(&response)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Another site's page may neither read the live view (it carries container output) nor link
/// an agent; a request with no Origin (a script) or from a local page may.
#[test]
fn foreign_origins_are_refused() {
    let addr = start();
    let upgrade = |origin: &str| {
        format!(
            "GET /events HTTP/1.1\r\nHost: {{addr}}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{origin}Connection: close\r\n\r\n"
        )
    };
    assert_eq!(
        status_of(addr, &upgrade("Origin: http://evil.example\r\n")),
        403
    );
    assert_eq!(
        status_of(addr, &upgrade("Origin: http://127.0.0.1:8080\r\n")),
        101
    );
    let body = r#"{"url": "ws://127.0.0.1:1", "token": "t"}"#;
    let link = |headers: &str| {
        format!(
            "POST /berth/agents HTTP/1.1\r\nHost: {{addr}}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    assert_eq!(
        status_of(
            addr,
            &link("Origin: http://evil.example\r\nContent-Type: application/json\r\n")
        ),
        403
    );
    assert_eq!(status_of(addr, &link("Content-Type: text/plain\r\n")), 415);
    // Nothing listens on port 1: the link is tried, and refused with the reason.
    assert_eq!(
        status_of(addr, &link("Content-Type: application/json\r\n")),
        502
    );
}

/// `POST /berth/clock` with a JSON body; returns the status and the body as JSON.
fn clock(addr: SocketAddr, body: Value) -> (u16, Value) {
    berth(addr, "/berth/clock", body)
}

/// `POST` of a JSON body to one of Berth's own endpoints; the status and the body as JSON.
fn berth(addr: SocketAddr, path: &str, body: Value) -> (u16, Value) {
    let body = body.to_string();
    let mut stream = TcpStream::connect(addr).unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn last_status(addr: SocketAddr, task: &str) -> String {
    let (_, described) = call(addr, "DescribeTasks", json!({"tasks": [task]}));
    described["tasks"][0]["lastStatus"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The playground's time controls: paused, the virtual fleet stands still; a step jumps to the
/// next thing that happens; at 100× a 60-second task is over in under a second.
#[test]
fn the_clock_pauses_steps_and_speeds_up() {
    let addr = start();
    let (status, paused) = clock(addr, json!({"speed": 0}));
    assert_eq!((status, paused["speed"].clone()), (200, json!(0)));
    call(
        addr,
        "RegisterTaskDefinition",
        json!({"family": "nap", "containerDefinitions": [{"name": "nap", "image": "busybox",
               "memory": 32, "command": ["sleep", "60"]}]}),
    );
    let (_, run) = call(addr, "RunTask", json!({"taskDefinition": "nap"}));
    let task = run["tasks"][0]["taskArn"].as_str().unwrap().to_owned();
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(last_status(addr, &task), "PENDING");
    let before = paused["now"].as_u64().unwrap();
    let mut steps = 0;
    while last_status(addr, &task) != "RUNNING" {
        let (_, stepped) = clock(addr, json!({"step": true}));
        assert!(stepped["now"].as_u64().unwrap() >= before);
        steps += 1;
        assert!(
            steps <= 10,
            "still {} after 10 steps",
            last_status(addr, &task)
        );
    }
    assert_eq!(clock(addr, json!({"speed": 100})).1["speed"], 100);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while last_status(addr, &task) != "STOPPED" {
        assert!(
            std::time::Instant::now() < deadline,
            "the task never stopped at 100×"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(clock(addr, json!({"speed": 7})).0, 400);
}

/// `POST /berth/fleet`: what the page's fleet controls do, journalled like requests; bad
/// actions get ECS-shaped 400s.
#[test]
fn fleet_actions_over_http() {
    let addr = start();
    let (status, error) = berth(
        addr,
        "/berth/fleet",
        json!({"action": "launch", "cluster": "default",
        "instanceType": "t9.huge", "zone": "us-east-1a"}),
    );
    assert_eq!(
        (status, error["__type"].clone()),
        (400, json!("InvalidParameterException"))
    );
    let (status, error) = berth(addr, "/berth/fleet", json!({"action": "explode"}));
    assert_eq!(status, 400, "{error}");
    let (status, _) = berth(
        addr,
        "/berth/fleet",
        json!({"action": "launch", "cluster": "default",
        "instanceType": "m5.large", "zone": "us-east-1c"}),
    );
    assert_eq!(status, 200);
    let (_, listed) = call(addr, "ListContainerInstances", json!({}));
    let arns = listed["containerInstanceArns"].as_array().unwrap().clone();
    assert_eq!(arns.len(), 3);
    call(
        addr,
        "RegisterTaskDefinition",
        json!({"family": "s", "containerDefinitions": [{"name": "s", "image": "busybox", "memory": 100}]}),
    );
    call(addr, "RunTask", json!({"taskDefinition": "s", "count": 4}));
    // The compact look large fleet views draw from.
    let (status, summary) = berth(addr, "/berth/summary", json!({"cluster": "default"}));
    assert_eq!(status, 200);
    let instances = summary["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 3);
    assert_eq!(
        summary["revisions"],
        json!(["arn:aws:ecs:us-east-1:123456789012:task-definition/s:1"])
    );
    let tasks: usize = instances
        .iter()
        .map(|i| i["tasks"].as_array().unwrap().len())
        .sum();
    assert_eq!(tasks, 4);
    assert!(instances
        .iter()
        .all(|i| i["memory"][1].as_u64().unwrap() > 0
            && i["zone"].as_str().unwrap().starts_with("us-east-1")));
    let (status, missing) = berth(addr, "/berth/summary", json!({"cluster": "nope"}));
    assert_eq!(
        (status, missing["__type"].clone()),
        (400, json!("ClusterNotFoundException"))
    );
    let (status, _) = berth(
        addr,
        "/berth/fleet",
        json!({"action": "terminate",
        "containerInstance": arns[2]}),
    );
    assert_eq!(status, 200);
    let (_, listed) = call(addr, "ListContainerInstances", json!({}));
    assert_eq!(listed["containerInstanceArns"].as_array().unwrap().len(), 2);
}

/// Rewind: everything after the chosen time is forgotten and the fleet is rebuilt from the
/// journal up to it; a task run later is gone, a task that had stopped runs again.
#[test]
fn rewind_replays_the_journal_up_to_a_time() {
    let addr = start();
    let (_, paused) = clock(addr, json!({"speed": 0}));
    let start_at = paused["now"].as_u64().unwrap();
    assert_eq!(paused["earliest"], 0);
    call(
        addr,
        "RegisterTaskDefinition",
        json!({"family": "nap", "containerDefinitions": [{"name": "nap", "image": "busybox",
               "memory": 32, "command": ["sleep", "60"]}]}),
    );
    let (_, run) = call(addr, "RunTask", json!({"taskDefinition": "nap"}));
    let first = run["tasks"][0]["taskArn"].as_str().unwrap().to_owned();
    clock(addr, json!({"speed": 100}));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while last_status(addr, &first) != "STOPPED" {
        assert!(
            std::time::Instant::now() < deadline,
            "the task never stopped"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    clock(addr, json!({"speed": 0}));
    let (_, later) = call(addr, "RunTask", json!({"taskDefinition": "nap"}));
    let second = later["tasks"][0]["taskArn"].as_str().unwrap().to_owned();

    let (status, rewound) = clock(addr, json!({"rewindTo": start_at + 30_000}));
    assert_eq!(status, 200, "{rewound}");
    assert_eq!(rewound["now"], start_at + 30_000);
    assert_eq!(last_status(addr, &first), "RUNNING");
    let (_, missing) = call(addr, "DescribeTasks", json!({"tasks": [second]}));
    assert_eq!(missing["failures"][0]["reason"], "MISSING");
    // Not the future, and not while paused forever: time moves on from there.
    assert_eq!(clock(addr, json!({"rewindTo": start_at + 90_000})).0, 409);
    clock(addr, json!({"speed": 100}));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while last_status(addr, &first) != "STOPPED" {
        assert!(
            std::time::Instant::now() < deadline,
            "the replayed task never stopped"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// `POST /berth/check`: the editor's verdict, judged by the server as RegisterTaskDefinition
/// would, registering nothing; a foreign page may not ask.
#[test]
fn the_editor_is_judged_by_the_server() {
    let addr = start();
    let (status, verdict) = berth(
        addr,
        "/berth/check",
        json!({"text": r#"[{"name": "a", "image": "busybox", "memory": 8}]"#, "family": "sleep"}),
    );
    assert_eq!(status, 200, "{verdict}");
    assert_eq!(verdict["verdict"], "registered");
    assert_eq!(verdict["familyRevision"], "sleep:1");
    let (_, invalid) = berth(
        addr,
        "/berth/check",
        json!({"text": r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx"}]}"#}),
    );
    assert_eq!(invalid["verdict"], "invalid");
    assert_eq!(invalid["problems"][0]["path"], "containerDefinitions[0]");
    assert_eq!(invalid["problems"][0]["location"], json!([1, 43]));
    let (_, families) = call(addr, "ListTaskDefinitionFamilies", json!({}));
    assert_eq!(families["families"], json!([]), "a check registers nothing");
    let body = r#"{"text": "{}"}"#;
    let request = format!(
        "POST /berth/check HTTP/1.1\r\nHost: {{addr}}\r\nOrigin: http://evil.example\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    assert_eq!(status_of(addr, &request), 403);
}

/// Bad input to every CloudWatch Logs operation gets a 4xx in its shape (`{"__type",
/// "message"}`) and changes nothing: the group and its event stay.
#[test]
fn bad_logs_requests_get_its_errors() {
    let addr = start();
    let logs = |operation: &str, body: &[u8]| {
        let target = format!("Logs_20140328.{operation}");
        let (status, _, text) = post(addr, Some(&target), body);
        (
            status,
            serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
        )
    };
    let (status, body) = logs("CreateLogGroup", br#"{"logGroupName": "/ecs/kept"}"#);
    assert_eq!(status, 200, "{body}");
    let stream = br#"{"logGroupName": "/ecs/kept", "logStreamName": "s"}"#;
    assert_eq!(logs("CreateLogStream", stream).0, 200);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let event = json!({"logGroupName": "/ecs/kept", "logStreamName": "s", "logEvents": [{"timestamp": now, "message": "kept"}]});
    let (status, body) = logs("PutLogEvents", event.to_string().as_bytes());
    assert_eq!(status, 200, "{body}");
    assert!(body.get("rejectedLogEventsInfo").is_none(), "{body}");
    let mut cases: Vec<(String, &str, Vec<u8>)> = Vec::new();
    for operation in berth_logs::Request::OPERATIONS {
        let mut add = |label: &str, body: Value| {
            cases.push((
                format!("{operation} {label}"),
                operation,
                body.to_string().into_bytes(),
            ));
        };
        // Every operation takes a group or an ARN but DescribeLogGroups, whose members are
        // all filters.
        if *operation != "DescribeLogGroups" {
            add("without members", json!({}));
        }
        // (CreateLogGroup would create it.)
        if !["DescribeLogGroups", "CreateLogGroup"].contains(operation) {
            add(
                "a group that does not exist",
                json!({"logGroupName": "/ecs/ghost", "logStreamName": "s", "resourceArn": "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/ghost", "retentionInDays": 7, "tags": {"a": "b"}, "tagKeys": ["a"], "logEvents": [{"timestamp": 1, "message": "m"}]}),
            );
        }
        add(
            "wrong types",
            json!({"logGroupName": 7, "logStreamName": [], "limit": "many", "startTime": "soon", "tags": 3, "logEvents": {}, "retentionInDays": "week", "descending": "yes"}),
        );
        add(
            "a name outside the pattern",
            json!({"logGroupName": "my group", "logStreamName": "a:b", "logGroupNamePrefix": "my group", "resourceArn": "arn:aws:logs:us-east-1:123456789012:log-group:my group"}),
        );
        add(
            "a name too long",
            json!({"logGroupName": "g".repeat(513), "logStreamName": "s".repeat(513), "logGroupNamePrefix": "g".repeat(513), "resourceArn": "x"}),
        );
        cases.push((
            format!("{operation} not JSON"),
            operation,
            b"{nope".to_vec(),
        ));
        cases.push((
            format!("{operation} not an object"),
            operation,
            b"[1, 2]".to_vec(),
        ));
    }
    let kept = json!({"logGroupName": "/ecs/kept", "logStreamName": "s"});
    let with = |extra: Value| {
        let mut body = kept.clone();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    for (label, operation, body) in [
        ("unknown operation", "TailEverything", json!({})),
        ("a group again", "CreateLogGroup", kept.clone()),
        ("a stream again", "CreateLogStream", kept.clone()),
        (
            "a reserved name",
            "CreateLogGroup",
            json!({"logGroupName": "aws/x"}),
        ),
        (
            "a KMS key",
            "CreateLogGroup",
            json!({"logGroupName": "/k", "kmsKeyId": "k"}),
        ),
        (
            "a class outside the enum",
            "CreateLogGroup",
            json!({"logGroupName": "/c", "logGroupClass": "COLD"}),
        ),
        (
            "retention of 2 days",
            "PutRetentionPolicy",
            with(json!({"retentionInDays": 2})),
        ),
        ("a limit of 0", "GetLogEvents", with(json!({"limit": 0}))),
        (
            "a limit over 10,000",
            "FilterLogEvents",
            with(json!({"limit": 10_001})),
        ),
        (
            "a page of 51",
            "DescribeLogStreams",
            with(json!({"limit": 51})),
        ),
        (
            "a token never given",
            "GetLogEvents",
            with(json!({"nextToken": "f/1/s"})),
        ),
        (
            "a token never given",
            "FilterLogEvents",
            with(json!({"nextToken": "x"})),
        ),
        (
            "a token never given",
            "DescribeLogGroups",
            json!({"nextToken": "x"}),
        ),
        (
            "name and identifier",
            "GetLogEvents",
            with(json!({"logGroupIdentifier": "/ecs/kept"})),
        ),
        (
            "names and a prefix",
            "FilterLogEvents",
            with(json!({"logStreamNames": ["s"], "logStreamNamePrefix": "s"})),
        ),
        (
            "a JSON pattern",
            "FilterLogEvents",
            with(json!({"filterPattern": "{ $.a = 1 }"})),
        ),
        (
            "an unquoted colon",
            "FilterLogEvents",
            with(json!({"filterPattern": "ERROR:"})),
        ),
        (
            "a phrase left open",
            "FilterLogEvents",
            with(json!({"filterPattern": "\"open"})),
        ),
        (
            "newest first before 2024",
            "FilterLogEvents",
            with(json!({"startFromHead": false, "startTime": 0})),
        ),
        (
            "order by time with a prefix",
            "DescribeLogStreams",
            json!({"logGroupName": "/ecs/kept", "orderBy": "LastEventTime", "logStreamNamePrefix": "s"}),
        ),
        (
            "order by size",
            "DescribeLogStreams",
            json!({"logGroupName": "/ecs/kept", "orderBy": "Size"}),
        ),
        (
            "prefix and pattern",
            "DescribeLogGroups",
            json!({"logGroupNamePrefix": "/ecs", "logGroupNamePattern": "k"}),
        ),
        (
            "another account",
            "DescribeLogGroups",
            json!({"accountIdentifiers": ["111111111111"]}),
        ),
        ("no events", "PutLogEvents", with(json!({"logEvents": []}))),
        (
            "an empty message",
            "PutLogEvents",
            with(json!({"logEvents": [{"timestamp": 1, "message": ""}]})),
        ),
        (
            "events out of order",
            "PutLogEvents",
            with(
                json!({"logEvents": [{"timestamp": 2, "message": "b"}, {"timestamp": 1, "message": "a"}]}),
            ),
        ),
        (
            "a negative time",
            "PutLogEvents",
            with(json!({"logEvents": [{"timestamp": -1, "message": "a"}]})),
        ),
        (
            "a tag key too long",
            "TagLogGroup",
            json!({"logGroupName": "/ecs/kept", "tags": {"k".repeat(129): "v"}}),
        ),
        (
            "a destination's ARN",
            "TagResource",
            json!({"resourceArn": "arn:aws:logs:us-east-1:123456789012:destination:d", "tags": {"a": "b"}}),
        ),
    ] {
        cases.push((label.to_owned(), operation, body.to_string().into_bytes()));
    }
    assert!(cases.len() >= 100, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for (label, operation, body) in &cases {
        let (status, reply) = logs(operation, body);
        let shaped = reply["__type"].as_str().is_some_and(|t| !t.is_empty())
            && reply["message"].as_str().is_some_and(|m| !m.is_empty());
        if !(400..500).contains(&status) || !shaped {
            failures.push(format!("{label}: {status} {reply}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let read = json!({"logGroupName": "/ecs/kept", "logStreamName": "s", "startFromHead": true});
    let (status, body) = logs("GetLogEvents", read.to_string().as_bytes());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["events"][0]["message"], "kept");
    let (_, groups) = logs("DescribeLogGroups", b"{}");
    assert_eq!(
        groups["logGroups"].as_array().map(Vec::len),
        Some(1),
        "{groups}"
    );
}
