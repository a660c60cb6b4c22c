//! `cargo bench -p berth-scheduler --bench placement`: one line per scenario,
//! `placement <scenario> instances=<n> tasks=<m> placements_per_sec=<x>`.
//! The figure is the best of five runs, each on a fresh cluster (building the cluster is
//! not timed; every batch's indexing is).

#![allow(clippy::disallowed_methods)] // A benchmark reads the clock; the library never does.

use std::time::Instant;

#[path = "scenarios.rs"]
mod scenarios;

fn main() {
    let only: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    for scenario in scenarios::SCENARIOS {
        if only.as_deref().is_some_and(|o| !scenario.contains(o)) {
            continue;
        }
        let mut best = f64::MAX;
        let mut placed = 0;
        for _ in 0..5 {
            let mut cluster = scenarios::cluster();
            let started = Instant::now();
            placed = scenarios::run(scenario, &mut cluster);
            best = best.min(started.elapsed().as_secs_f64());
        }
        assert_eq!(
            placed,
            scenarios::TASKS,
            "{scenario}: every task should fit"
        );
        println!(
            "placement {scenario} instances={} tasks={placed} placements_per_sec={:.0}",
            scenarios::INSTANCES,
            f64::from(placed) / best
        );
    }
}
