//! The placement benchmark compiled to wasm, in headless Chromium: the same scenarios as
//! `benches/placement.rs`, one line per scenario prefixed `wasm`. Run by `scripts/bench`
//! (`BERTH_WASM_BENCH=1 cargo test --release --target wasm32-unknown-unknown --test wasm_bench`);
//! natively this file is empty.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "../benches/scenarios.rs"]
mod scenarios;

/// Places every scenario's 100,000 tasks and prints the rate. Built without
/// `BERTH_WASM_BENCH` set (as in the test command's debug build), it only says so.
#[wasm_bindgen_test]
fn placement_rate_in_the_browser() {
    if option_env!("BERTH_WASM_BENCH").is_none() {
        console_log!(
            "wasm placement benchmark skipped: build with BERTH_WASM_BENCH=1 (scripts/bench does)"
        );
        return;
    }
    for scenario in scenarios::SCENARIOS {
        // Best of three, as natively (the first run also pays for the engine's tier-up).
        let mut seconds = f64::MAX;
        let mut placed = 0;
        for _ in 0..3 {
            let mut cluster = scenarios::cluster();
            let started = js_sys::Date::now();
            placed = scenarios::run(scenario, &mut cluster);
            seconds = seconds.min((js_sys::Date::now() - started) / 1000.0);
        }
        assert_eq!(placed, scenarios::TASKS);
        console_log!(
            "wasm placement {scenario} instances={} tasks={placed} placements_per_sec={:.0}",
            scenarios::INSTANCES,
            f64::from(placed) / seconds
        );
    }
}
