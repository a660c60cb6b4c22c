//! Properties of rolling deployments on the virtual fleet, over random fleets, service sizes,
//! bounds and seeds: a deployment never runs more tasks than maximumPercent allows nor keeps
//! fewer healthy than minimumHealthyPercent asks once it had them; with room and no failures
//! it completes with the desired count running; and a session replays byte for byte.
#![cfg(not(target_arch = "wasm32"))]

use berth_control_plane::requests::*;
use berth_control_plane::{Request, Response};
use berth_fleet_sim::Simulation;
use berth_model::resources::{Service, Task};
use berth_model::states::TaskStatus;
use berth_model::{parse_task_definition, SimTime};
use proptest::prelude::*;

const T0: SimTime = SimTime::from_secs(1_415_836_800);

fn json(response: Response) -> serde_json::Value {
    serde_json::to_value(response).unwrap()
}

fn service(sim: &mut Simulation) -> Service {
    let r = json(
        sim.request(Request::DescribeServices(DescribeServicesRequest {
            services: Some(vec!["web".into()]),
            ..Default::default()
        }))
        .unwrap(),
    );
    serde_json::from_value(r["services"][0].clone()).unwrap()
}

fn live_tasks(sim: &mut Simulation) -> Vec<Task> {
    let r = json(
        sim.request(Request::ListTasks(ListTasksRequest {
            service_name: Some("web".into()),
            ..Default::default()
        }))
        .unwrap(),
    );
    let arns: Vec<String> = serde_json::from_value(r["taskArns"].clone()).unwrap();
    if arns.is_empty() {
        return Vec::new();
    }
    let r = json(
        sim.request(Request::DescribeTasks(DescribeTasksRequest {
            tasks: Some(arns),
            ..Default::default()
        }))
        .unwrap(),
    );
    serde_json::from_value(r["tasks"].clone()).unwrap()
}

/// A session: `instances` m5.large instances, a service of `desired` tasks with dynamic
/// ports under the given bounds, brought to steady state, then updated to a new revision and
/// watched at every moment something happens for `minutes`. Returns the log and what was seen.
fn session(
    seed: u64,
    instances: usize,
    desired: u32,
    min: u32,
    max: u32,
    minutes: u64,
) -> (String, Vec<String>, Service) {
    let mut sim = Simulation::new(seed, T0);
    for i in 0..instances {
        sim.launch_instance(
            "default",
            "m5.large",
            ["us-east-1a", "us-east-1b", "us-east-1c"][i % 3],
        )
        .unwrap();
    }
    for image in ["nginx:1.26", "nginx:1.27"] {
        let text = format!(
            r#"{{"family": "web", "containerDefinitions": [{{"name": "web", "image": "{image}", "cpu": 256, "memory": 512, "portMappings": [{{"containerPort": 80}}]}}]}}"#
        );
        sim.request(Request::RegisterTaskDefinition(
            parse_task_definition(&text, None).unwrap().task_definition,
        ))
        .unwrap();
    }
    sim.request(Request::CreateService(CreateServiceRequest {
        service_name: Some("web".into()),
        task_definition: Some("web:1".into()),
        desired_count: Some(i64::from(desired)),
        deployment_configuration: Some(berth_model::resources::DeploymentConfiguration {
            minimum_healthy_percent: min,
            maximum_percent: max,
            ..Default::default()
        }),
        ..Default::default()
    }))
    .unwrap();
    sim.advance(5 * 60_000);
    sim.request(Request::UpdateService(UpdateServiceRequest {
        service: Some("web".into()),
        task_definition: Some("web:2".into()),
        ..Default::default()
    }))
    .unwrap();
    let limit = sim.now().plus_millis(minutes * 60_000);
    let max_tasks = desired * max / 100;
    let min_healthy = (desired * min).div_ceil(100);
    let mut violations = Vec::new();
    let mut had_min = false;
    loop {
        let tasks = live_tasks(&mut sim);
        let now = sim.now();
        let healthy = tasks
            .iter()
            .filter(|t| {
                t.last_status == TaskStatus::Running
                    && t.started_at.is_some_and(|at| now >= at.plus_millis(40_000))
            })
            .count() as u32;
        if tasks.len() as u32 > max_tasks.max(desired) {
            violations.push(format!(
                "{now}: {} tasks above maximumPercent's {max_tasks}",
                tasks.len()
            ));
        }
        had_min |= healthy >= min_healthy;
        if had_min && healthy < min_healthy {
            violations.push(format!(
                "{now}: {healthy} healthy below minimumHealthyPercent's {min_healthy}"
            ));
        }
        if sim.run_to_next(limit).is_none() {
            break;
        }
    }
    let log = serde_json::to_string(sim.log()).unwrap();
    (log, violations, service(&mut sim))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Bounds hold throughout a rolling update; with room (and bounds that allow progress) it
    /// completes with the desired count running; the same seed replays the same log.
    #[test]
    fn rolling_updates_respect_their_bounds(
        seed in any::<u64>(),
        instances in 2usize..5,
        desired in 1u32..7,
        min in prop_oneof![Just(0u32), Just(50), Just(100)],
        max in prop_oneof![Just(100u32), Just(150), Just(200)],
    ) {
        let (log, violations, service) = session(seed, instances, desired, min, max, 30);
        prop_assert!(violations.is_empty(), "{:?}", violations);
        // Room: each m5.large holds 8 such tasks (2048 CPU units / 256).
        let progress_possible = desired * max / 100 > desired || (desired * min).div_ceil(100) < desired;
        if progress_possible {
            prop_assert_eq!(service.deployments.len(), 1, "deployment did not complete: {:?}", service.events.first());
            prop_assert_eq!(service.running_count, desired);
            prop_assert!(service.task_definition.ends_with("web:2"));
        }
        let (again, _, _) = session(seed, instances, desired, min, max, 30);
        prop_assert_eq!(log, again);
    }
}
