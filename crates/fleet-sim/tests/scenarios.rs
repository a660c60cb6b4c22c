//! Every scenario under tests/scenarios/ runs with all its expectations met, and its event log
//! equals the golden `<name>.log` beside it (`UPDATE_EXPECT=1` rewrites them; a missing one is
//! created). A reviewer reads a golden's diff like code.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

/// Runs the scenarios and compares their logs.
#[test]
fn scenarios_meet_their_expectations_and_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/scenarios exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "scenario"))
        .collect();
    files.sort();
    assert!(files.len() >= 9, "only {} scenarios", files.len());
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut problems = Vec::new();
    for file in files {
        let report = berth_fleet_sim::scenario::run(&std::fs::read_to_string(&file).unwrap());
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for failure in &report.failures {
            problems.push(format!("{name}: {failure}"));
        }
        let log = report.log.join("\n") + "\n";
        let golden = file.with_extension("log");
        match std::fs::read_to_string(&golden) {
            Ok(expected) if expected == log => {}
            Ok(_) if !update => problems.push(format!(
                "{name}: log differs from {}:\n{log}",
                golden.display()
            )),
            _ => std::fs::write(&golden, &log).unwrap(),
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n(rerun with UPDATE_EXPECT=1 to accept new logs)",
        problems.join("\n")
    );
}
