//! Placement rules in ECS terms, one table-driven test per rule. Each test builds a small
//! cluster, places tasks, and compares a rendering of the outcome (placements, failures,
//! the decision summary and ECS's closest-match sentence). Runs natively and in Chromium.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use berth_model::placement::{PlacementConstraint, PlacementStrategy, PlacementStrategyType};
use berth_model::{parse_task_definition, ArnScope, RegistrationContext, SimTime};
use berth_scheduler::instance::{ContainerInstance, InstanceStatus, Resources};
use berth_scheduler::{
    compile_constraints, compile_strategies, place, release, Detail, PlacementRequest,
    TaskRequirements,
};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// `(id, zone, cpu, memory)`: an ACTIVE t3.medium-like instance.
fn cluster(spec: &[(&str, &str, u32, u32)]) -> Vec<ContainerInstance> {
    spec.iter()
        .map(|(id, zone, cpu, memory)| {
            ContainerInstance::new(
                id,
                zone,
                "t3.medium",
                Resources {
                    cpu: *cpu,
                    memory: *memory,
                },
            )
        })
        .collect()
}

/// A registered task definition from JSON (registration computes requiresAttributes).
fn requirements(json: &str) -> TaskRequirements {
    let parsed = parse_task_definition(json, None).expect("fixture JSON");
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let context = RegistrationContext {
        scope: ArnScope::default(),
        revision: 1,
        now: SimTime::ZERO,
    };
    let td = berth_model::register(parsed.task_definition, &context);
    TaskRequirements::from_task_definition(&td)
}

fn web(memory: u32, cpu: u32, host_port: Option<u16>) -> TaskRequirements {
    let port = match host_port {
        Some(port) => format!(r#", "portMappings": [{{"containerPort": 80, "hostPort": {port}}}]"#),
        None => String::new(),
    };
    requirements(&format!(
        r#"{{"family": "web", "containerDefinitions": [{{"name": "web", "image": "nginx", "cpu": {cpu}, "memory": {memory}{port}}}]}}"#
    ))
}

struct Run<'a> {
    needs: &'a TaskRequirements,
    count: u32,
    constraints: Vec<PlacementConstraint>,
    strategies: Vec<PlacementStrategy>,
    group: &'a str,
}

impl<'a> Run<'a> {
    fn new(needs: &'a TaskRequirements, count: u32) -> Self {
        Run {
            needs,
            count,
            constraints: vec![],
            strategies: vec![],
            group: "family:web",
        }
    }
}

/// Places and renders: one line per placement, per failure, and the last decision's summary
/// and closest-match sentence.
fn render(instances: &mut [ContainerInstance], run: &Run<'_>, seed: u64) -> String {
    let constraints = compile_constraints(&run.constraints, 0).expect("valid constraints");
    let strategies = compile_strategies(&run.strategies).expect("valid strategies");
    let request = PlacementRequest {
        requirements: run.needs,
        constraints: &constraints,
        strategies: &strategies,
        group: run.group,
        count: run.count,
        capacity_provider: None,
        detail: Detail::Summary,
    };
    let outcome = place(instances, &request, &mut ChaCha8Rng::seed_from_u64(seed));
    let mut out = Vec::new();
    for p in &outcome.placements {
        let ports: Vec<String> = p
            .bindings
            .iter()
            .map(|b| format!("{}->{}", b.host_port, b.container_port))
            .collect();
        out.push(
            format!("placed on {} {}", instances[p.instance].id, ports.join(" "))
                .trim_end()
                .to_owned(),
        );
    }
    for f in &outcome.failures {
        out.push(format!(
            "failure {} {}",
            f.arn.rsplit('/').next().unwrap(),
            f.reason
        ));
    }
    let last = outcome.decisions.last().expect("at least one decision");
    assert_eq!(
        last.evaluated,
        last.filtered + last.exhausted + last.ranked,
        "counts add up"
    );
    out.push(last.summary(instances));
    if let Some(sentence) = last.closest_match(instances) {
        out.push(sentence);
    }
    out.join("\n")
}

fn check(instances: &mut [ContainerInstance], run: &Run<'_>, expected: &str) {
    let actual = render(instances, run, 7);
    assert_eq!(actual, expected.trim(), "\n--- actual ---\n{actual}\n");
}

/// Memory is reserved per task; the task that does not fit fails with RESOURCE:MEMORY and
/// ECS's closest-match sentence.
#[test]
fn resource_memory() {
    let mut instances = cluster(&[("a", "us-east-1a", 2048, 1000)]);
    check(
        &mut instances,
        &Run::new(&web(400, 0, None), 3),
        "
placed on a
placed on a
failure a RESOURCE:MEMORY
not placed: 0 of 1 instances could run the task; rejected: 1 RESOURCE:MEMORY
The closest matching container-instance a has insufficient memory available.",
    );
}

/// CPU units likewise.
#[test]
fn resource_cpu() {
    let mut instances = cluster(&[("a", "us-east-1a", 1024, 8000)]);
    check(
        &mut instances,
        &Run::new(&web(10, 600, None), 2),
        "
placed on a
failure a RESOURCE:CPU
not placed: 0 of 1 instances could run the task; rejected: 1 RESOURCE:CPU
The closest matching container-instance a has insufficient CPU units available.",
    );
}

/// Seed 002: a static host port 80 fits once per instance; the second task is RESOURCE:PORTS.
#[test]
fn static_port_conflict() {
    let mut instances = cluster(&[("a", "us-east-1a", 2048, 4000)]);
    check(
        &mut instances,
        &Run::new(&web(128, 0, Some(80)), 2),
        "
placed on a 80->80
failure a RESOURCE:PORTS
not placed: 0 of 1 instances could run the task; rejected: 1 RESOURCE:PORTS (port 80 in use)
The closest matching (container-instance a) is already using a port required by your task.",
    );
}

/// The service event ECS writes for the port stall.
#[test]
fn unable_to_place_event() {
    let mut instances = cluster(&[("a", "us-east-1a", 2048, 4000)]);
    let needs = web(128, 0, Some(80));
    let request = PlacementRequest {
        requirements: &needs,
        constraints: &[],
        strategies: &[],
        group: "service:web",
        count: 2,
        capacity_provider: None,
        detail: Detail::Summary,
    };
    let outcome = place(&mut instances, &request, &mut ChaCha8Rng::seed_from_u64(1));
    assert_eq!(
        outcome.decisions[1].unable_to_place_event("web", &instances).unwrap(),
        "(service web) was unable to place a task because no container instance met all of its requirements. \
         The closest matching (container-instance a) is already using a port required by your task. \
         For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
    );
}

/// Seed 003: dynamic host ports never conflict; they come from 49153 up, next-fit.
#[test]
fn dynamic_ports() {
    let mut instances = cluster(&[("a", "us-east-1a", 2048, 4000)]);
    check(
        &mut instances,
        &Run::new(&web(128, 0, Some(0)), 3),
        "
placed on a 49153->80
placed on a 49154->80
placed on a 49155->80
placed on container-instance a (us-east-1a): 1 of 1 instances could run the task",
    );
}

/// A reserved port (22) cannot be a static host port.
#[test]
fn reserved_port() {
    let mut instances = cluster(&[("a", "us-east-1a", 2048, 4000)]);
    check(
        &mut instances,
        &Run::new(&web(128, 0, Some(22)), 1),
        "
failure a RESOURCE:PORTS
not placed: 0 of 1 instances could run the task; rejected: 1 RESOURCE:PORTS (port 22 in use)
The closest matching (container-instance a) is already using a port required by your task.",
    );
}

/// UDP ports are their own resource.
#[test]
fn udp_ports() {
    let needs = requirements(
        r#"{"family": "dns", "containerDefinitions": [{"name": "dns", "image": "coredns", "memory": 64,
        "portMappings": [{"containerPort": 53, "hostPort": 53, "protocol": "udp"}, {"containerPort": 53, "hostPort": 53}]}]}"#,
    );
    let mut instances = cluster(&[("a", "us-east-1a", 2048, 4000)]);
    instances[0]
        .ports
        .take_static(berth_scheduler::ports::Protocol::Udp, 53);
    check(
        &mut instances,
        &Run::new(&needs, 1),
        "
failure a RESOURCE:PORTS_UDP
not placed: 0 of 1 instances could run the task; rejected: 1 RESOURCE:PORTS_UDP (port 53 in use)
The closest matching (container-instance a) is already using a port required by your task.",
    );
}

/// A disconnected agent is AGENT; a DRAINING instance is never a candidate and not a failure.
#[test]
fn agent_and_status() {
    let mut instances = cluster(&[
        ("a", "us-east-1a", 2048, 4000),
        ("b", "us-east-1b", 2048, 4000),
    ]);
    instances[0].agent_connected = false;
    instances[1].status = InstanceStatus::Draining;
    check(
        &mut instances,
        &Run::new(&web(128, 0, None), 1),
        r#"
failure a AGENT
not placed: 0 of 2 instances could run the task; rejected: 1 status DRAINING, 1 AGENT
The closest matching container-instance a encountered error "AGENT"."#,
    );
}

/// requiresAttributes must be present on the instance (ARM64 on an x86_64 instance).
#[test]
fn missing_attribute() {
    let needs = requirements(
        r#"{"family": "web", "runtimePlatform": {"cpuArchitecture": "ARM64"},
        "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 64}]}"#,
    );
    let mut instances = cluster(&[("a", "us-east-1a", 2048, 4000)]);
    check(
        &mut instances,
        &Run::new(&needs, 1),
        r#"
failure a ATTRIBUTE
not placed: 0 of 1 instances could run the task; rejected: 1 ATTRIBUTE (ecs.cpu-architecture missing)
The closest matching container-instance a encountered error "ATTRIBUTE"."#,
    );
}

/// awsvpc tasks need an ENI attachment each: a t3.medium-like instance takes 2.
#[test]
fn eni_capacity() {
    let needs = requirements(
        r#"{"family": "web", "networkMode": "awsvpc",
        "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 64, "portMappings": [{"containerPort": 80}]}]}"#,
    );
    let mut instances = cluster(&[("a", "us-east-1a", 2048, 4000)]);
    check(
        &mut instances,
        &Run::new(&needs, 3),
        r#"
placed on a 80->80
failure a RESOURCE:PORTS
not placed: 0 of 1 instances could run the task; rejected: 1 RESOURCE:PORTS (port 80 in use)
The closest matching (container-instance a) is already using a port required by your task."#,
    );
    let needs = requirements(
        r#"{"family": "web", "networkMode": "awsvpc",
        "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 64}]}"#,
    );
    let mut instances = cluster(&[("a", "us-east-1a", 2048, 4000)]);
    check(
        &mut instances,
        &Run::new(&needs, 3),
        r#"
placed on a
placed on a
failure a RESOURCE:ENI
not placed: 0 of 1 instances could run the task; rejected: 1 RESOURCE:ENI
The closest matching container-instance a encountered error "RESOURCE:ENI"."#,
    );
}

/// distinctInstance: one task of the group per instance.
#[test]
fn distinct_instance() {
    let mut instances = cluster(&[
        ("a", "us-east-1a", 2048, 4000),
        ("b", "us-east-1b", 2048, 4000),
    ]);
    let needs = web(128, 0, None);
    let mut run = Run::new(&needs, 3);
    run.constraints = vec![PlacementConstraint::distinct_instance()];
    check(&mut instances, &run, "
placed on b
placed on a
failure a DistinctInstance placement constraint unsatisfied.
failure b DistinctInstance placement constraint unsatisfied.
not placed: 0 of 2 instances could run the task; rejected: 2 distinctInstance
The closest matching container-instance a encountered error \"DistinctInstance placement constraint unsatisfied.\".");
}

/// memberOf filters by the cluster query language; the others are never chosen.
#[test]
fn member_of() {
    let mut instances = cluster(&[
        ("a", "us-east-1a", 2048, 4000),
        ("b", "us-east-1b", 2048, 4000),
    ]);
    instances[1]
        .attributes
        .insert("ecs.instance-type".into(), Some("g4dn.xlarge".into()));
    let needs = web(128, 0, None);
    let mut run = Run::new(&needs, 2);
    run.constraints = vec![PlacementConstraint::member_of(
        "attribute:ecs.instance-type =~ g4dn.*",
    )];
    check(&mut instances, &run, "
placed on b
placed on b
placed on container-instance b (us-east-1b): 1 of 2 instances could run the task; rejected: 1 memberOf constraint #1");
}

/// binpack memory chooses the instance with the least memory left after placement.
#[test]
fn binpack_memory() {
    let mut instances = cluster(&[
        ("a", "us-east-1a", 2048, 4000),
        ("b", "us-east-1b", 2048, 1000),
        ("c", "us-east-1c", 2048, 2000),
    ]);
    let needs = web(400, 0, None);
    let mut run = Run::new(&needs, 4);
    run.strategies = vec![PlacementStrategy::new(
        PlacementStrategyType::Binpack,
        Some("memory"),
    )];
    check(&mut instances, &run, "
placed on b
placed on b
placed on c
placed on c
placed on container-instance c (us-east-1c): 2 of 3 instances could run the task; rejected: 1 RESOURCE:MEMORY");
}

/// Spread over availability zones, then instances: six tasks land two per zone and one per
/// instance within a zone (the service default).
#[test]
fn spread_zones_then_instances() {
    let mut instances = cluster(&[
        ("a1", "us-east-1a", 2048, 4000),
        ("a2", "us-east-1a", 2048, 4000),
        ("b1", "us-east-1b", 2048, 4000),
        ("c1", "us-east-1c", 2048, 4000),
    ]);
    let needs = web(128, 0, None);
    let mut run = Run::new(&needs, 6);
    run.strategies = vec![
        PlacementStrategy::new(
            PlacementStrategyType::Spread,
            Some("attribute:ecs.availability-zone"),
        ),
        PlacementStrategy::new(PlacementStrategyType::Spread, Some("instanceId")),
    ];
    run.group = "service:web";
    let rendered = render(&mut instances, &run, 3);
    let per_zone = |zone: &str| {
        instances
            .iter()
            .filter(|i| i.attribute_value("ecs.availability-zone") == Some(zone))
            .map(|i| i.group_count("service:web"))
            .sum::<u32>()
    };
    assert_eq!(
        (
            per_zone("us-east-1a"),
            per_zone("us-east-1b"),
            per_zone("us-east-1c")
        ),
        (2, 2, 2),
        "{rendered}"
    );
    assert_eq!(
        (
            instances[0].group_count("service:web"),
            instances[1].group_count("service:web")
        ),
        (1, 1)
    );
}

/// Random placement is a function of the seed: same seed, same placements.
#[test]
fn random_is_seeded() {
    let spec = [
        ("a", "us-east-1a", 4096, 8000),
        ("b", "us-east-1b", 4096, 8000),
        ("c", "us-east-1c", 4096, 8000),
    ];
    let needs = web(128, 0, None);
    let run = Run::new(&needs, 10);
    let first = render(&mut cluster(&spec), &run, 42);
    assert_eq!(first, render(&mut cluster(&spec), &run, 42));
    let differs = (0..20).any(|seed| render(&mut cluster(&spec), &run, seed) != first);
    assert!(differs, "random placement ignores the seed");
}

/// Releasing a placement returns everything it held.
#[test]
fn release_restores_the_instance() {
    let mut instances = cluster(&[("a", "us-east-1a", 2048, 4000)]);
    let before = instances[0].clone();
    let needs = web(128, 256, Some(8080));
    let request = PlacementRequest {
        requirements: &needs,
        constraints: &[],
        strategies: &[],
        group: "family:web",
        count: 1,
        capacity_provider: None,
        detail: Detail::Full,
    };
    let outcome = place(&mut instances, &request, &mut ChaCha8Rng::seed_from_u64(1));
    assert_ne!(instances[0], before);
    release(&mut instances[0], &outcome.placements[0]);
    assert_eq!(instances[0], before);
}

/// ECS's limits and malformed input are InvalidParameterExceptions that say what is wrong.
#[test]
fn invalid_rules() {
    let strategy = |kind, field: &str| PlacementStrategy::new(kind, Some(field));
    let error =
        compile_strategies(&[strategy(PlacementStrategyType::Binpack, "disk")]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "InvalidParameterException: Invalid field 'disk' for placement strategy type 'binpack'."
    );
    let six = vec![strategy(PlacementStrategyType::Random, ""); 6];
    assert_eq!(
        compile_strategies(&six).unwrap_err().message,
        "Too many placement strategies. The maximum is 5."
    );
    let error = compile_constraints(
        &[PlacementConstraint::member_of(
            "attribute:ecs.instance-type ==",
        )],
        0,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "InvalidParameterException: Invalid placement constraint expression 'attribute:ecs.instance-type ==': expected a value at character 31."
    );
    let eleven = vec![PlacementConstraint::distinct_instance(); 11];
    assert!(compile_constraints(&eleven, 0).is_err());
    assert!(compile_constraints(&eleven[..9], 2).is_err());
}

/// RunTask overrides change what placement reserves: a container memory override that no
/// instance can hold fails with RESOURCE:MEMORY; a task-level cpu override replaces the sum.
#[test]
fn overrides_change_requirements() {
    use berth_model::overrides::{ContainerOverride, TaskOverride};
    let parsed = parse_task_definition(
        r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "cpu": 256, "memory": 512}]}"#,
        None,
    )
    .unwrap();
    let td = parsed.task_definition;
    let bigger = TaskOverride {
        container_overrides: Some(vec![ContainerOverride {
            name: Some("web".into()),
            memory: Some(8192),
            ..Default::default()
        }]),
        cpu: Some("1 vCPU".into()),
        ..Default::default()
    };
    let needs = TaskRequirements::with_overrides(&td, Some(&bigger));
    assert_eq!((needs.cpu, needs.memory), (1024, 8192));
    assert_eq!(TaskRequirements::with_overrides(&td, None).memory, 512);
    let mut instances = cluster(&[("a", "us-east-1a", 2048, 4000)]);
    check(
        &mut instances,
        &Run::new(&needs, 1),
        "
failure a RESOURCE:MEMORY
not placed: 0 of 1 instances could run the task; rejected: 1 RESOURCE:MEMORY
The closest matching container-instance a has insufficient memory available.",
    );
}

/// EXTERNAL (ECS Anywhere) tasks go only to external instances, EC2 tasks never do; the other
/// kind is not a candidate, so it is not listed as a failure.
#[test]
fn launch_types() {
    let mut instances = cluster(&[
        ("ec2", "us-east-1a", 2048, 4000),
        ("onprem", "us-east-1b", 2048, 4000),
    ]);
    instances[1]
        .attributes
        .insert("ecs.capability.external".into(), None);
    let ec2 = web(128, 0, None);
    check(&mut instances, &Run::new(&ec2, 2), "
placed on ec2
placed on ec2
placed on container-instance ec2 (us-east-1a): 1 of 2 instances could run the task; rejected: 1 launch type");
    let external = web(128, 0, None).for_external_instances();
    check(&mut instances, &Run::new(&external, 1), "
placed on onprem
placed on container-instance onprem (us-east-1b): 1 of 2 instances could run the task; rejected: 1 launch type");
}
