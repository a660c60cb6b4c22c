//! The placement benchmark's scenarios, shared by the native bench (`benches/placement.rs`)
//! and the same code compiled to wasm and run in headless Chromium (`tests/wasm_bench.rs`).
//!
//! 5,000 instances (4 vCPU, 16 GiB) in three availability zones and 100,000 tasks of
//! 128 CPU units and 512 MiB, placed through a [`Cluster`] in calls of 10 tasks (RunTask's
//! maximum), so the figure includes keeping the index current between calls.

use berth_model::placement::{PlacementConstraint, PlacementStrategy, PlacementStrategyType};
use berth_model::task_definition::NetworkMode;
use berth_scheduler::instance::{ContainerInstance, Resources};
use berth_scheduler::ports::Protocol;
use berth_scheduler::requirements::PortNeed;
use berth_scheduler::{
    compile_constraints, compile_strategies, Cluster, Constraint, Detail, PlacementRequest,
    Strategy, TaskRequirements,
};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub const INSTANCES: usize = 5_000;
pub const TASKS: u32 = 100_000;
pub const BATCH: u32 = 10;
pub const SCENARIOS: [&str; 5] = [
    "service-default",
    "binpack-memory",
    "random",
    "spread-az-binpack-memberof",
    "static-and-dynamic-ports",
];

pub fn cluster() -> Cluster {
    Cluster::new(instances())
}

fn instances() -> Vec<ContainerInstance> {
    const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];
    const TYPES: [&str; 3] = ["m5.xlarge", "c5.xlarge", "m5a.xlarge"];
    (0..INSTANCES)
        .map(|i| {
            let mut instance = ContainerInstance::new(
                &format!("{i:032x}"),
                ZONES[i % 3],
                TYPES[(i / 3) % 3],
                Resources {
                    cpu: 4096,
                    memory: 16_384,
                },
            );
            instance.ec2_instance_id = format!("i-{i:017x}");
            instance
        })
        .collect()
}

fn task(port: Option<Option<u16>>) -> TaskRequirements {
    TaskRequirements {
        cpu: 128,
        memory: 512,
        ports: port
            .map(|host_port| PortNeed {
                container_name: "web".into(),
                container_port: 80,
                host_port,
                protocol: Protocol::Tcp,
            })
            .into_iter()
            .collect(),
        network_mode: NetworkMode::Bridge,
        required_attributes: vec![(
            "com.amazonaws.ecs.capability.docker-remote-api.1.21".into(),
            None,
        )],
        external: false,
    }
}

fn strategies(scenario: &str) -> Vec<Strategy> {
    let s = |kind, field: &str| PlacementStrategy::new(kind, Some(field));
    let shapes = match scenario {
        "binpack-memory" => vec![s(PlacementStrategyType::Binpack, "memory")],
        "random" => vec![s(PlacementStrategyType::Random, "")],
        "spread-az-binpack-memberof" => vec![
            s(
                PlacementStrategyType::Spread,
                "attribute:ecs.availability-zone",
            ),
            s(PlacementStrategyType::Binpack, "memory"),
        ],
        _ => return berth_scheduler::rules::service_default_strategies(),
    };
    compile_strategies(&shapes).expect("valid strategies")
}

fn constraints(scenario: &str) -> Vec<Constraint> {
    match scenario {
        "spread-az-binpack-memberof" => compile_constraints(
            &[PlacementConstraint::member_of(
                "attribute:ecs.instance-type =~ m5.*",
            )],
            0,
        )
        .unwrap(),
        _ => Vec::new(),
    }
}

/// Places all the scenario's tasks on a fresh cluster; returns how many were placed.
pub fn run(scenario: &str, cluster: &mut Cluster) -> u32 {
    let strategies = strategies(scenario);
    let constraints = constraints(scenario);
    let mut rng = ChaCha8Rng::seed_from_u64(20_141_113);
    let plain = task(None);
    let static_port = task(Some(Some(80)));
    let dynamic_port = task(Some(None));
    let mut placed = 0;
    for _ in 0..TASKS / BATCH {
        let batches: Vec<(&TaskRequirements, u32)> = match scenario {
            // 4% of the tasks map host port 80 (at most one per instance); the rest get
            // dynamic ports from the ephemeral range.
            "static-and-dynamic-ports" => vec![
                (&static_port, BATCH / 25),
                (&dynamic_port, BATCH - BATCH / 25),
            ],
            _ => vec![(&plain, BATCH)],
        };
        for (requirements, count) in batches {
            let request = PlacementRequest {
                requirements,
                constraints: &constraints,
                strategies: &strategies,
                group: "service:web",
                count,
                capacity_provider: None,
                detail: Detail::Summary,
            };
            placed += cluster.place(&request, &mut rng).placements.len() as u32;
        }
    }
    placed
}
