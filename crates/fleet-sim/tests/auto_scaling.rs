//! Cluster auto scaling on the virtual fleet: an Auto Scaling group capacity provider with
//! managed scaling grows its group for tasks waiting in PROVISIONING, and shrinks it when
//! its instances stand empty. Also ExecuteCommand's checks. Runs natively and in Chromium.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use berth_control_plane::Request;
use berth_fleet_sim::Simulation;
use berth_model::SimTime;
use serde_json::{json, Value};

const T0: SimTime = SimTime::from_secs(1_415_836_800);
const GROUP: &str = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f3c7e2a-1111-2222-3333-444455556666:autoScalingGroupName/asg-web";

fn call(sim: &mut Simulation, operation: &str, body: Value) -> Result<Value, String> {
    let request = Request::from_operation(operation, body).map_err(|e| e.to_string())?;
    sim.request(request)
        .map(|r| serde_json::to_value(r).unwrap())
        .map_err(|e| e.to_string())
}

fn ok(sim: &mut Simulation, operation: &str, body: Value) -> Value {
    call(sim, operation, body.clone()).unwrap_or_else(|e| panic!("{operation} {body}: {e}"))
}

fn tasks(sim: &mut Simulation, cluster: &str) -> Vec<Value> {
    let arns = ok(sim, "ListTasks", json!({"cluster": cluster}))["taskArns"].clone();
    if arns.as_array().unwrap().is_empty() {
        return Vec::new();
    }
    ok(
        sim,
        "DescribeTasks",
        json!({"cluster": cluster, "tasks": arns}),
    )["tasks"]
        .as_array()
        .unwrap()
        .clone()
}

fn statuses(tasks: &[Value]) -> Vec<String> {
    let mut all: Vec<String> = tasks
        .iter()
        .map(|t| t["lastStatus"].as_str().unwrap().to_owned())
        .collect();
    all.sort();
    all.dedup();
    all
}

fn instances(sim: &mut Simulation, cluster: &str) -> Vec<Value> {
    let arns = ok(sim, "ListContainerInstances", json!({"cluster": cluster}))
        ["containerInstanceArns"]
        .clone();
    if arns.as_array().unwrap().is_empty() {
        return Vec::new();
    }
    ok(
        sim,
        "DescribeContainerInstances",
        json!({"cluster": cluster, "containerInstances": arns}),
    )["containerInstances"]
        .as_array()
        .unwrap()
        .clone()
}

fn scaling_cluster(sim: &mut Simulation) {
    let created = ok(
        sim,
        "CreateCapacityProvider",
        json!({"name": "cp-web", "autoScalingGroupProvider": {
            "autoScalingGroupArn": GROUP,
            "managedScaling": {"status": "ENABLED", "targetCapacity": 100},
            "managedTerminationProtection": "ENABLED"}}),
    );
    let provider = &created["capacityProvider"];
    assert_eq!(provider["status"], "ACTIVE");
    assert_eq!(provider["type"], "EC2_AUTOSCALING");
    assert_eq!(
        provider["autoScalingGroupProvider"]["managedScaling"],
        json!({"status": "ENABLED", "targetCapacity": 100, "minimumScalingStepSize": 1,
               "maximumScalingStepSize": 10000, "instanceWarmupPeriod": 300})
    );
    assert_eq!(
        provider["autoScalingGroupProvider"]["managedDraining"],
        "ENABLED"
    );
    ok(
        sim,
        "CreateCluster",
        json!({"clusterName": "scaling", "capacityProviders": ["cp-web"],
               "defaultCapacityProviderStrategy": [{"capacityProvider": "cp-web", "weight": 1}]}),
    );
    ok(
        sim,
        "RegisterTaskDefinition",
        json!({"family": "web", "containerDefinitions": [
            {"name": "web", "image": "nginx", "cpu": 512, "memory": 1024, "essential": true}]}),
    );
}

/// Six service tasks on an empty group: they wait in PROVISIONING (no "unable to place"
/// event), managed scaling takes the group from 0 to 2 instances a minute later, the
/// instances register a minute after that, and the tasks run on them. Three more tasks wait
/// until the warm-up period has passed, then a third instance comes. Scaled to zero, the
/// empty instances go after 15 minutes.
#[test]
fn managed_scaling_grows_and_shrinks_the_group() {
    let mut sim = Simulation::new(7, T0);
    scaling_cluster(&mut sim);
    ok(
        &mut sim,
        "CreateService",
        json!({"cluster": "scaling", "serviceName": "web", "taskDefinition": "web",
               "desiredCount": 6}),
    );
    let waiting = tasks(&mut sim, "scaling");
    assert_eq!(waiting.len(), 6);
    assert_eq!(statuses(&waiting), ["PROVISIONING"]);
    assert!(waiting
        .iter()
        .all(|t| t["capacityProviderName"] == "cp-web" && t.get("containerInstanceArn").is_none()));
    let service = ok(
        &mut sim,
        "DescribeServices",
        json!({"cluster": "scaling", "services": ["web"]}),
    );
    let events = service["services"][0]["events"].to_string();
    assert!(!events.contains("unable to place"), "{events}");

    // The first look, a minute in: an empty group scales out to two instances.
    sim.advance(61_000);
    let groups: Vec<_> = sim
        .auto_scaling_groups()
        .map(|(a, i, l)| (a.to_owned(), i.len(), l))
        .collect();
    assert_eq!(groups, [(GROUP.to_owned(), 0, 2)]);
    assert!(sim
        .log()
        .iter()
        .any(|e| e.detail_type == "Berth Managed Scaling"
            && e.detail.to_json()["desiredCapacity"] == 2
            && e.detail.to_json()["reservation"] == 200));
    // They boot for a minute, register into the cluster, and take the tasks.
    sim.advance(60_000 + 10_000);
    let registered = instances(&mut sim, "scaling");
    assert_eq!(registered.len(), 2);
    assert!(registered
        .iter()
        .all(|i| i["capacityProviderName"] == "cp-web"));
    let running = tasks(&mut sim, "scaling");
    assert_eq!(statuses(&running), ["RUNNING"]);
    assert!(running
        .iter()
        .all(|t| t["capacityProviderName"] == "cp-web"));

    // Three more: a t3.medium holds three of these tasks by memory, so one instance more,
    // once the 300-second warm-up since the last scale-out has passed.
    ok(
        &mut sim,
        "UpdateService",
        json!({"cluster": "scaling", "service": "web", "desiredCount": 9}),
    );
    sim.advance(120_000);
    assert_eq!(
        tasks(&mut sim, "scaling")
            .iter()
            .filter(|t| t["lastStatus"] == "PROVISIONING")
            .count(),
        3
    );
    assert_eq!(instances(&mut sim, "scaling").len(), 2);
    sim.advance(240_000);
    assert_eq!(instances(&mut sim, "scaling").len(), 3);
    let all = tasks(&mut sim, "scaling");
    assert_eq!((all.len(), statuses(&all)), (9, vec!["RUNNING".to_owned()]));

    // A DAEMON service runs a task on every instance; such tasks keep no instance busy.
    ok(
        &mut sim,
        "RegisterTaskDefinition",
        json!({"family": "agent", "containerDefinitions": [
            {"name": "agent", "image": "busybox", "memory": 64, "command": ["sleep", "86400"]}]}),
    );
    ok(
        &mut sim,
        "CreateService",
        json!({"cluster": "scaling", "serviceName": "agent", "taskDefinition": "agent",
               "schedulingStrategy": "DAEMON", "launchType": "EC2"}),
    );
    sim.advance(30_000);
    assert_eq!(tasks(&mut sim, "scaling").len(), 12);
    // Nothing else to run: the instances stand empty but for the daemon's tasks, and after
    // 15 minutes the group scales in.
    ok(
        &mut sim,
        "UpdateService",
        json!({"cluster": "scaling", "service": "web", "desiredCount": 0}),
    );
    sim.advance(10 * 60_000);
    assert_eq!(instances(&mut sim, "scaling").len(), 3);
    sim.advance(8 * 60_000);
    assert_eq!(instances(&mut sim, "scaling").len(), 0);
}

/// RunTask with the provider: a task that finds no room waits for capacity, and stopping it
/// stops it at once (it never had an agent). Without managed scaling the same call fails
/// with the placement reason, as on any EC2 cluster.
#[test]
fn run_task_waits_for_capacity_only_with_managed_scaling() {
    let mut sim = Simulation::new(8, T0);
    scaling_cluster(&mut sim);
    let run = ok(
        &mut sim,
        "RunTask",
        json!({"cluster": "scaling", "taskDefinition": "web", "count": 2}),
    );
    assert_eq!(run["failures"], json!([]));
    let first = run["tasks"][0].clone();
    assert_eq!(first["lastStatus"], "PROVISIONING");
    let stopped = ok(
        &mut sim,
        "StopTask",
        json!({"cluster": "scaling", "task": first["taskArn"], "reason": "not needed"}),
    );
    assert_eq!(stopped["task"]["desiredStatus"], "STOPPED");
    let described = ok(
        &mut sim,
        "DescribeTasks",
        json!({"cluster": "scaling", "tasks": [first["taskArn"]]}),
    );
    assert_eq!(described["tasks"][0]["lastStatus"], "STOPPED");
    assert_eq!(described["tasks"][0]["stoppedReason"], "not needed");

    // Managed scaling turned off: no capacity will ever come, so the other waiting task
    // fails to start instead of waiting forever.
    ok(
        &mut sim,
        "UpdateCapacityProvider",
        json!({"name": "cp-web", "autoScalingGroupProvider": {
            "managedScaling": {"status": "DISABLED"}, "managedTerminationProtection": "DISABLED"}}),
    );
    let second = ok(
        &mut sim,
        "DescribeTasks",
        json!({"cluster": "scaling", "tasks": [run["tasks"][1]["taskArn"]]}),
    )["tasks"][0]
        .clone();
    assert_eq!(
        (second["lastStatus"].clone(), second["stopCode"].clone()),
        (json!("STOPPED"), json!("TaskFailedToStart"))
    );
    // And a RunTask with it now fails, naming the provider, as it has no instance.
    let failed = ok(
        &mut sim,
        "RunTask",
        json!({"cluster": "scaling", "taskDefinition": "web"}),
    );
    assert_eq!(failed["tasks"], json!([]));
    assert_eq!(
        failed["failures"][0]["arn"],
        "arn:aws:ecs:us-east-1:123456789012:capacity-provider/cp-web"
    );
    ok(
        &mut sim,
        "UpdateCapacityProvider",
        json!({"name": "cp-web", "autoScalingGroupProvider": {"managedScaling": {"status": "ENABLED"}}}),
    );

    ok(
        &mut sim,
        "CreateCapacityProvider",
        json!({"name": "cp-fixed", "autoScalingGroupProvider": {"autoScalingGroupArn": "asg-fixed"}}),
    );
    // Without managed scaling a provider may serve two clusters, and then it cannot get it.
    ok(
        &mut sim,
        "CreateCluster",
        json!({"clusterName": "second", "capacityProviders": ["cp-fixed"]}),
    );
    ok(
        &mut sim,
        "PutClusterCapacityProviders",
        json!({"cluster": "scaling", "capacityProviders": ["cp-web", "cp-fixed"],
               "defaultCapacityProviderStrategy": [{"capacityProvider": "cp-web", "weight": 1}]}),
    );
    let registered = ok(
        &mut sim,
        "RegisterContainerInstance",
        json!({"cluster": "scaling", "totalResources": [
            {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 512}]}),
    );
    assert!(registered["containerInstance"]
        .get("capacityProviderName")
        .is_none());
    let refused = ok(
        &mut sim,
        "RunTask",
        json!({"cluster": "scaling", "taskDefinition": "web",
               "capacityProviderStrategy": [{"capacityProvider": "cp-fixed", "weight": 1}]}),
    );
    assert_eq!(refused["tasks"], json!([]));
    assert_eq!(refused["failures"][0]["reason"], "CAPACITY_PROVIDER");
    let error = call(
        &mut sim,
        "UpdateCapacityProvider",
        json!({"name": "cp-fixed", "autoScalingGroupProvider": {"managedScaling": {"status": "ENABLED"}}}),
    )
    .unwrap_err();
    assert!(
        error.contains("can be associated with only one cluster"),
        "{error}"
    );
}

#[test]
fn capacity_provider_rules() {
    let mut sim = Simulation::new(9, T0);
    scaling_cluster(&mut sim);
    let asg = |name: &str, body: Value| json!({"name": name, "autoScalingGroupProvider": body});
    for (body, expected) in [
        (
            asg("ecs-web", json!({"autoScalingGroupArn": "g1"})),
            "InvalidParameterException: The capacity provider name can't be prefixed",
        ),
        (
            asg("cp-web", json!({"autoScalingGroupArn": "g1"})),
            "ClientException: The specified capacity provider already exists.",
        ),
        (
            asg("cp-two", json!({"autoScalingGroupArn": GROUP})),
            "ClientException: The specified Auto Scaling group is already in use by the capacity provider cp-web.",
        ),
        (
            asg("cp-two", json!({"autoScalingGroupArn": "g2", "managedTerminationProtection": "ENABLED"})),
            "InvalidParameterException: The managed termination protection setting",
        ),
        (
            asg("cp-two", json!({"autoScalingGroupArn": "g2", "managedScaling": {"targetCapacity": 0}})),
            "InvalidParameterException: managedScaling.targetCapacity must be between 1 and 100.",
        ),
        (
            json!({"name": "cp-two"}),
            "InvalidParameterException: autoScalingGroupProvider must be specified.",
        ),
    ] {
        let error = call(&mut sim, "CreateCapacityProvider", body.clone()).unwrap_err();
        assert!(error.starts_with(expected), "{body}: {error}");
    }
    // A provider with managed scaling serves one cluster; one in use stays.
    let error = call(
        &mut sim,
        "CreateCluster",
        json!({"clusterName": "other", "capacityProviders": ["cp-web"]}),
    )
    .unwrap_err();
    assert!(
        error.contains("already associated with the cluster scaling"),
        "{error}"
    );
    let error = call(
        &mut sim,
        "DeleteCapacityProvider",
        json!({"capacityProvider": "cp-web"}),
    )
    .unwrap_err();
    assert!(
        error.starts_with("ClientException: The specified capacity provider is in use"),
        "{error}"
    );
    let error = call(
        &mut sim,
        "DeleteCapacityProvider",
        json!({"capacityProvider": "FARGATE"}),
    )
    .unwrap_err();
    assert!(error.contains("reserved"), "{error}");
    // Fargate and Auto Scaling group providers never mix in one strategy.
    let error = call(
        &mut sim,
        "PutClusterCapacityProviders",
        json!({"cluster": "scaling", "capacityProviders": ["cp-web", "FARGATE"],
               "defaultCapacityProviderStrategy": [
                   {"capacityProvider": "cp-web", "weight": 1},
                   {"capacityProvider": "FARGATE", "weight": 1}]}),
    )
    .unwrap_err();
    assert!(error.contains("cannot contain a mix"), "{error}");

    let updated = ok(
        &mut sim,
        "UpdateCapacityProvider",
        json!({"name": "cp-web", "autoScalingGroupProvider": {"managedScaling": {"targetCapacity": 80}}}),
    );
    let scaling = &updated["capacityProvider"]["autoScalingGroupProvider"]["managedScaling"];
    assert_eq!(
        (scaling["targetCapacity"].clone(), scaling["status"].clone()),
        (json!(80), json!("ENABLED"))
    );
    assert_eq!(
        updated["capacityProvider"]["updateStatus"],
        "UPDATE_COMPLETE"
    );

    ok(
        &mut sim,
        "PutClusterCapacityProviders",
        json!({"cluster": "scaling", "capacityProviders": [], "defaultCapacityProviderStrategy": []}),
    );
    let deleted = ok(
        &mut sim,
        "DeleteCapacityProvider",
        json!({"capacityProvider": "cp-web"}),
    );
    assert_eq!(
        deleted["capacityProvider"]["updateStatus"],
        "DELETE_IN_PROGRESS"
    );
    let all = ok(&mut sim, "DescribeCapacityProviders", json!({}));
    let names: Vec<&str> = all["capacityProviders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["FARGATE", "FARGATE_SPOT"]);
    let named = ok(
        &mut sim,
        "DescribeCapacityProviders",
        json!({"capacityProviders": ["cp-web"]}),
    );
    assert_eq!(named["capacityProviders"][0]["status"], "INACTIVE");
}

/// ExecuteCommand teaches its checks: a task run without enableExecuteCommand gets ECS's
/// well-known refusal; one run with it gets TargetNotConnectedException, since Berth's
/// fleet has no Session Manager agent to connect to.
#[test]
fn execute_command_checks() {
    let mut sim = Simulation::new(10, T0);
    sim.launch_instance("default", "t3.medium", "us-east-1a")
        .unwrap();
    ok(
        &mut sim,
        "RegisterTaskDefinition",
        json!({"family": "web", "containerDefinitions": [
            {"name": "web", "image": "nginx", "memory": 128, "essential": true},
            {"name": "side", "image": "busybox", "memory": 64, "essential": false}]}),
    );
    let plain =
        ok(&mut sim, "RunTask", json!({"taskDefinition": "web"}))["tasks"][0]["taskArn"].clone();
    let exec = ok(
        &mut sim,
        "RunTask",
        json!({"taskDefinition": "web", "enableExecuteCommand": true}),
    )["tasks"][0]
        .clone();
    assert_eq!(exec["enableExecuteCommand"], true);
    sim.advance(10_000);
    let cases = [
        (json!({"task": plain, "command": "sh", "interactive": true, "container": "web"}),
         "InvalidParameterException: The execute command failed because execute command was not enabled"),
        (json!({"task": exec["taskArn"], "command": "sh", "interactive": false, "container": "web"}),
         "InvalidParameterException: Interactive is the only mode supported currently."),
        (json!({"task": exec["taskArn"], "command": "sh", "interactive": true}),
         "InvalidParameterException: The container name must be specified"),
        (json!({"task": exec["taskArn"], "command": "sh", "interactive": true, "container": "nope"}),
         "InvalidParameterException: The specified container nope was not found"),
        (json!({"task": "0123456789abcdef0123456789abcdef", "command": "sh", "interactive": true}),
         "InvalidParameterException: The referenced task was not found."),
        (json!({"task": exec["taskArn"], "command": "sh", "interactive": true, "container": "web"}),
         "TargetNotConnectedException: The execute command failed due to an internal error."),
    ];
    for (body, expected) in cases {
        let error = call(&mut sim, "ExecuteCommand", body.clone()).unwrap_err();
        assert!(error.starts_with(expected), "{body}: {error}");
    }
}
