//! Properties of placement over random clusters, requests and seeds: no instance is ever
//! over-committed, no static port is ever double-booked, chosen instances satisfy every
//! constraint, the same seed gives the same placements, and explanation counts add up. And
//! the query-language parser never panics, whatever it is given.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use berth_model::task_definition::NetworkMode;
use berth_scheduler::instance::{ContainerInstance, InstanceStatus, Resources};
use berth_scheduler::place::check;
use berth_scheduler::ports::Protocol;
use berth_scheduler::query;
use berth_scheduler::requirements::PortNeed;
use berth_scheduler::rules::{BinpackField, Constraint, SpreadField, Strategy as Placement};
use berth_scheduler::{
    place, Cluster, Detail, PlacementOutcome, PlacementRequest, TaskRequirements, Verdict,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];
const TYPES: [&str; 3] = ["t3.small", "m5.large", "c5.xlarge"];

fn arb_instance() -> impl Strategy<Value = ContainerInstance> {
    (
        0usize..3,
        0usize..3,
        1u32..5,
        1u32..9,
        any::<bool>(),
        0u8..10,
    )
        .prop_map(|(zone, kind, cpus, gib, connected, status)| {
            let mut instance = ContainerInstance::new(
                "x",
                ZONES[zone],
                TYPES[kind],
                Resources {
                    cpu: cpus * 1024,
                    memory: gib * 1000,
                },
            );
            instance.agent_connected = connected || status > 2;
            instance.status = if status == 0 {
                InstanceStatus::Draining
            } else {
                InstanceStatus::Active
            };
            instance
        })
}

fn arb_cluster() -> impl Strategy<Value = Vec<ContainerInstance>> {
    prop::collection::vec(arb_instance(), 0..12).prop_map(|mut instances| {
        for (i, instance) in instances.iter_mut().enumerate() {
            instance.id = format!("i{i}");
            instance.arn =
                format!("arn:aws:ecs:us-east-1:123456789012:container-instance/default/i{i}");
        }
        instances
    })
}

fn arb_requirements() -> impl Strategy<Value = TaskRequirements> {
    (
        0u32..2048,
        1u32..3000,
        prop::collection::vec(
            (
                prop::option::of(prop_oneof![Just(80u16), Just(443), Just(8080), Just(22)]),
                any::<bool>(),
            ),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(|(cpu, memory, mut ports, awsvpc)| {
            // A task never maps one static host port twice: registration refuses it.
            let mut seen = BTreeSet::new();
            ports.retain(|(port, udp)| {
                port.is_none() && !awsvpc || seen.insert((port.unwrap_or(80), *udp))
            });
            TaskRequirements {
                cpu,
                memory,
                ports: ports
                    .into_iter()
                    .map(|(host_port, udp)| PortNeed {
                        container_name: "c".into(),
                        container_port: host_port.unwrap_or(80),
                        host_port: if awsvpc {
                            Some(host_port.unwrap_or(80))
                        } else {
                            host_port
                        },
                        protocol: if udp { Protocol::Udp } else { Protocol::Tcp },
                    })
                    .collect(),
                network_mode: if awsvpc {
                    NetworkMode::Awsvpc
                } else {
                    NetworkMode::Bridge
                },
                required_attributes: vec![],
                external: false,
            }
        })
}

fn arb_strategies() -> impl Strategy<Value = Vec<Placement>> {
    prop::collection::vec(
        prop_oneof![
            Just(Placement::Random),
            Just(Placement::Spread(SpreadField::InstanceId)),
            Just(Placement::Spread(SpreadField::Attribute(
                "ecs.availability-zone".into()
            ))),
            Just(Placement::Binpack(BinpackField::Cpu)),
            Just(Placement::Binpack(BinpackField::Memory)),
        ],
        0..4,
    )
}

fn arb_constraints() -> impl Strategy<Value = Vec<Constraint>> {
    prop::collection::vec(
        prop_oneof![
            Just("distinct"),
            Just("attribute:ecs.instance-type =~ t3.*"),
            Just("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"),
            Just("not(task:group == family:web)"),
            Just("runningTasksCount < 3"),
        ],
        0..3,
    )
    .prop_map(|texts| {
        texts
            .into_iter()
            .map(|t| {
                if t == "distinct" {
                    Constraint::DistinctInstance
                } else {
                    Constraint::MemberOf {
                        text: t.into(),
                        expr: query::parse(t).unwrap(),
                    }
                }
            })
            .collect()
    })
}

/// The strategies' keys computed the slow, obvious way (a scan of the whole cluster).
fn scan_keys(
    state: &[ContainerInstance],
    instance: &ContainerInstance,
    strategies: &[Placement],
    needs: &TaskRequirements,
) -> Vec<u64> {
    strategies
        .iter()
        .take_while(|s| **s != Placement::Random)
        .map(|strategy| match strategy {
            Placement::Spread(SpreadField::InstanceId) => {
                u64::from(instance.group_count("family:web"))
            }
            Placement::Spread(SpreadField::Attribute(name)) => state
                .iter()
                .filter(|other| other.attribute_value(name) == instance.attribute_value(name))
                .map(|other| u64::from(other.group_count("family:web")))
                .sum(),
            Placement::Binpack(BinpackField::Cpu) => {
                u64::from(instance.remaining().cpu - needs.cpu)
            }
            Placement::Binpack(BinpackField::Memory) => {
                u64::from(instance.remaining().memory - needs.memory)
            }
            Placement::Random => unreachable!(),
        })
        .collect()
}

/// Checks a batch against a plain scan: invariants hold, every decision's verdicts and keys
/// are what a scan of the state it was made in gives, and the chosen instance holds the best
/// key. `cluster` is the state before the batch, `instances` after.
#[allow(clippy::too_many_arguments)]
fn verify(
    cluster: &[ContainerInstance],
    instances: &[ContainerInstance],
    outcome: &PlacementOutcome,
    request: &PlacementRequest<'_>,
    strategies: &[Placement],
    needs: &TaskRequirements,
    constraints: &[Constraint],
) -> Result<(), TestCaseError> {
    let count = request.count;
    prop_assert!(outcome.placements.len() as u32 <= count);
    prop_assert_eq!(
        outcome.decisions.len(),
        outcome.placements.len() + usize::from(outcome.placements.len() < count as usize)
    );
    for decision in &outcome.decisions {
        prop_assert_eq!(
            decision.evaluated,
            decision.filtered + decision.exhausted + decision.ranked
        );
        prop_assert_eq!(decision.evaluated as usize, cluster.len());
        prop_assert_eq!(
            decision.reasons.values().sum::<u32>(),
            decision.filtered + decision.exhausted
        );
    }
    for instance in instances {
        prop_assert!(instance.used.cpu <= instance.registered.cpu);
        prop_assert!(instance.used.memory <= instance.registered.memory);
        prop_assert!(instance.eni_used <= instance.eni_capacity);
        for protocol in [Protocol::Tcp, Protocol::Udp] {
            let mut held = BTreeSet::new();
            for placement in outcome
                .placements
                .iter()
                .filter(|p| std::ptr::eq(&instances[p.instance], instance))
            {
                for binding in placement.bindings.iter().filter(|b| b.protocol == protocol) {
                    prop_assert!(
                        held.insert(binding.host_port),
                        "port {} double-booked",
                        binding.host_port
                    );
                    let reserved = match protocol {
                        Protocol::Tcp => &instance.ports.reserved_tcp,
                        Protocol::Udp => &instance.ports.reserved_udp,
                    };
                    prop_assert!(!reserved.contains(&binding.host_port));
                }
            }
        }
    }
    // Re-walk the batch: each chosen instance satisfied every constraint when chosen, and
    // every decision agrees with a plain scan of the state it was made in.
    let mut state = cluster.to_vec();
    for (step, placement) in outcome.placements.iter().enumerate() {
        let verdicts = outcome.decisions[step]
            .verdicts
            .as_ref()
            .expect("full detail");
        let mut best: Option<Vec<u64>> = None;
        let mut holders = 0u32;
        for (instance, verdict) in state.iter().zip(verdicts) {
            match (check(instance, request), verdict) {
                (Some(expected), Verdict::Rejected(reason)) => prop_assert_eq!(&expected, reason),
                (None, Verdict::Ranked(keys)) => {
                    prop_assert_eq!(keys, &scan_keys(&state, instance, strategies, needs));
                    match &best {
                        Some(b) if keys > b => {}
                        Some(b) if keys == b => holders += 1,
                        _ => {
                            best = Some(keys.clone());
                            holders = 1;
                        }
                    }
                }
                (expected, verdict) => prop_assert!(
                    false,
                    "scan says {:?}, decision says {:?}",
                    expected,
                    verdict
                ),
            }
        }
        prop_assert_eq!(
            Some(outcome.decisions[step].chosen_keys.as_slice()),
            best.as_deref()
        );
        prop_assert_eq!(outcome.decisions[step].tied, holders);
        prop_assert!(
            matches!(&verdicts[placement.instance], Verdict::Ranked(k) if Some(k) == best.as_ref())
        );
        let chosen = &state[placement.instance];
        prop_assert_eq!(chosen.status, InstanceStatus::Active);
        prop_assert!(chosen.agent_connected);
        for constraint in constraints {
            match constraint {
                Constraint::DistinctInstance => {
                    prop_assert_eq!(chosen.group_count("family:web"), 0)
                }
                Constraint::MemberOf { expr, .. } => prop_assert!(expr.matches(chosen)),
            }
        }
        let chosen = &mut state[placement.instance];
        chosen.used.cpu += placement.reserved.cpu;
        chosen.used.memory += placement.reserved.memory;
        *chosen
            .task_groups
            .entry(placement.group.to_string())
            .or_insert(0) += 1;
        chosen.running_tasks_count += 1;
        chosen.eni_used += u32::from(placement.eni);
        for binding in &placement.bindings {
            if binding.dynamic {
                match binding.protocol {
                    Protocol::Tcp => chosen.ports.dynamic_tcp.insert(binding.host_port),
                    Protocol::Udp => chosen.ports.dynamic_udp.insert(binding.host_port),
                };
                chosen.ports.last_assigned = Some(binding.host_port);
            } else {
                chosen
                    .ports
                    .take_static(binding.protocol, binding.host_port);
            }
        }
    }
    prop_assert_eq!(&state[..], instances);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Invariants hold after every batch; the same seed replays the same placements.
    #[test]
    fn placement_invariants(
        cluster in arb_cluster(),
        needs in arb_requirements(),
        strategies in arb_strategies(),
        constraints in arb_constraints(),
        count in 1u32..12,
        seed in any::<u64>(),
    ) {
        let request = PlacementRequest { requirements: &needs, constraints: &constraints, strategies: &strategies, group: "family:web", count, capacity_provider: None, detail: Detail::Full };
        // Constraints are checked against the state each task saw, so check before applying.
        let mut replay = cluster.clone();
        let mut instances = cluster.clone();
        let outcome = place(&mut instances, &request, &mut ChaCha8Rng::seed_from_u64(seed));
        let again = place(&mut replay, &request, &mut ChaCha8Rng::seed_from_u64(seed));
        prop_assert_eq!(&outcome, &again);
        verify(&cluster, &instances, &outcome, &request, &strategies, &needs, &constraints)?;
    }

    /// A `Cluster` keeps its indexes across calls, releases and instance changes, and every
    /// decision still agrees with a plain scan of the state it was made in.
    #[test]
    fn cluster_keeps_its_index(
        cluster in arb_cluster(),
        requests in prop::collection::vec((arb_requirements(), arb_strategies(), arb_constraints(), 1u32..6), 1..3),
        operations in prop::collection::vec((0usize..3, 0usize..64), 1..12),
        seed in any::<u64>(),
    ) {
        let mut fleet = Cluster::new(cluster);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut placed = Vec::new();
        for (kind, pick) in operations {
            match kind {
                0 | 1 => {
                    let (needs, strategies, constraints, count) = &requests[pick % requests.len()];
                    let request = PlacementRequest { requirements: needs, constraints, strategies, group: "family:web", count: *count, capacity_provider: None, detail: Detail::Full };
                    let before = fleet.instances().to_vec();
                    let outcome = fleet.place(&request, &mut rng);
                    verify(&before, fleet.instances(), &outcome, &request, strategies, needs, constraints)?;
                    placed.extend(outcome.placements);
                }
                _ if !placed.is_empty() => {
                    let placement = placed.swap_remove(pick % placed.len());
                    fleet.release(&placement);
                }
                _ if !fleet.instances().is_empty() => {
                    let i = pick % fleet.instances().len();
                    fleet.update(i, |instance| instance.agent_connected = !instance.agent_connected);
                }
                _ => {}
            }
        }
    }

    /// The parser never panics, on arbitrary text or on near-miss expressions.
    #[test]
    fn parser_never_panics(text in "\\PC{0,80}") {
        let _ = query::parse(&text);
    }

    /// Arbitrary sequences of the language's own tokens never panic either.
    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(prop_oneof![
        Just("attribute:a"), Just("task:group"), Just("registeredAt"), Just("agentVersion"), Just("=="), Just("!="),
        Just("in"), Just("!in"), Just("=~"), Just("exists"), Just("!exists"), Just("and"), Just("||"), Just("not"),
        Just("("), Just(")"), Just("["), Just("]"), Just(","), Just("'x y'"), Just("2018-06-18"), Just("1.2.3"), Just("t2.*"),
    ], 0..14)) {
        let text = tokens.join(" ");
        if let Ok(expr) = query::parse(&text) {
            let instance = ContainerInstance::new("x", "us-east-1a", "t3.small", Resources { cpu: 1024, memory: 1024 });
            let _ = expr.matches(&instance);
        }
    }
}
