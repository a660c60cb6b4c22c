//! `cargo bench -p berth-fleet-sim --bench day`: 24 virtual hours of a 1,000-task service on
//! 200 instances, with 10 rolling deployments and random task failures (each task fails
//! after 6 hours on average), through the public API and the virtual fleet. Prints
//! `control-plane day instances=200 tasks=1000 deployments=10 failures=<n> seconds=<x>`.

#![allow(clippy::disallowed_methods)] // A benchmark reads the clock; the library never does.

use std::time::Instant;

use berth_control_plane::requests::{CreateServiceRequest, UpdateServiceRequest};
use berth_control_plane::Request;
use berth_fleet_sim::{Failures, Simulation};
use berth_model::{parse_task_definition, SimTime};

const HOUR: u64 = 3_600_000;

fn main() {
    let mut best = f64::MAX;
    let mut failed = 0;
    for _ in 0..3 {
        let started = Instant::now();
        failed = day();
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!("control-plane day instances=200 tasks=1000 deployments=10 failures={failed} seconds={best:.3}");
}

/// Runs the day; returns how many tasks failed on their own.
fn day() -> usize {
    let mut sim = Simulation::new(42, SimTime::from_secs(1_415_836_800));
    sim.keep_log(false);
    for i in 0..200 {
        let zone = ["us-east-1a", "us-east-1b", "us-east-1c"][i % 3];
        sim.launch_instance("default", "m5.xlarge", zone)
            .expect("instance launches");
    }
    for revision in 0..2 {
        let text = format!(
            r#"{{"family": "web", "containerDefinitions": [{{"name": "web", "image": "nginx:1.2{revision}", "cpu": 128, "memory": 256, "portMappings": [{{"containerPort": 80, "hostPort": 0}}]}}]}}"#
        );
        let td = parse_task_definition(&text, None).unwrap().task_definition;
        sim.request(Request::RegisterTaskDefinition(td)).unwrap();
    }
    sim.set_failures(Some(Failures { mean_ms: 6 * HOUR }));
    sim.request(Request::CreateService(CreateServiceRequest {
        service_name: Some("web".into()),
        task_definition: Some("web:1".into()),
        desired_count: Some(1000),
        ..Default::default()
    }))
    .unwrap();
    for deployment in 0..10u64 {
        sim.advance(2 * HOUR + 24 * 60_000);
        let revision = 1 + (deployment + 1) % 2;
        sim.request(Request::UpdateService(UpdateServiceRequest {
            service: Some("web".into()),
            task_definition: Some(format!("web:{revision}")),
            ..Default::default()
        }))
        .unwrap();
    }
    sim.run_until(SimTime::from_secs(1_415_836_800).plus_millis(24 * HOUR));
    sim.failed_tasks()
}
