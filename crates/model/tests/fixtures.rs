//! Valid task definitions (the seeds' and the AWS documentation's) register unchanged, and
//! their registered documents match the golden files beside them (`*.expected.json`).
//! `UPDATE_EXPECT=1 cargo test` rewrites the goldens; a missing golden is created.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

use berth_model::task_definition::DescribeTaskDefinitionResponse;
use berth_model::{
    check_text, parse_task_definition, ArnScope, Outcome, RegistrationContext, SimTime,
};

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/valid");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).expect("tests/fixtures/valid exists") {
        let dir = dir.expect("readable").path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).expect("readable") {
            let path = file.expect("readable").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".json") && !name.ends_with(".expected.json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn context() -> RegistrationContext {
    RegistrationContext {
        scope: ArnScope::default(),
        revision: 1,
        now: SimTime::from_secs(1_700_000_000),
    }
}

fn family_for(path: &Path) -> Option<String> {
    path.file_stem().map(|s| s.to_string_lossy().into_owned())
}

fn register_file(path: &Path) -> DescribeTaskDefinitionResponse {
    let text = std::fs::read_to_string(path).expect("readable fixture");
    match check_text(&text, family_for(path).as_deref(), &context()) {
        Outcome::Registered {
            task_definition,
            tags,
        } => DescribeTaskDefinitionResponse {
            task_definition: Some(*task_definition),
            tags,
        },
        Outcome::Invalid(problems) => panic!(
            "{} should register but has problems:\n{}",
            path.display(),
            problems
                .iter()
                .map(|p| format!("  {p}\n"))
                .collect::<String>()
        ),
        Outcome::Malformed(error) => panic!("{}: {error}", path.display()),
    }
}

/// At least 10 AWS documentation examples and the seeds' task definitions register, and
/// each registered document equals its golden file.
#[test]
fn valid_fixtures_register_as_expected() {
    let files = fixtures();
    let from_docs = files
        .iter()
        .filter(|f| f.to_string_lossy().contains("aws-docs"))
        .count();
    assert!(
        from_docs >= 10,
        "only {from_docs} AWS documentation fixtures"
    );
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut differing = Vec::new();
    for file in &files {
        let actual = serde_json::to_string_pretty(&register_file(file)).unwrap() + "\n";
        let golden = file.with_extension("expected.json");
        match std::fs::read_to_string(&golden) {
            Ok(expected) if expected == actual => {}
            Ok(_) if !update => differing.push(format!(
                "{}: registered document differs from {}\n--- actual ---\n{actual}",
                file.display(),
                golden.display()
            )),
            _ => std::fs::write(&golden, &actual).expect("golden written"),
        }
    }
    assert!(
        differing.is_empty(),
        "{}\n(rerun with UPDATE_EXPECT=1 to accept)",
        differing.join("\n")
    );
}

/// Parse → serialise → parse gives the same task definition, for every fixture.
#[test]
fn round_trip() {
    for file in fixtures() {
        let text = std::fs::read_to_string(&file).unwrap();
        let family = family_for(&file);
        let first = parse_task_definition(&text, family.as_deref()).unwrap();
        assert!(
            first.problems.is_empty(),
            "{}: {:?}",
            file.display(),
            first.problems
        );
        let again = serde_json::to_string(&first.task_definition).unwrap();
        let second = parse_task_definition(&again, None).unwrap();
        assert_eq!(
            first.task_definition,
            second.task_definition,
            "{}",
            file.display()
        );
    }
}

/// Pasting the registered document (describe-task-definition output) registers again to the
/// same document: registration is idempotent over its own output.
#[test]
fn describe_output_registers_unchanged() {
    for file in fixtures() {
        let first = register_file(&file);
        let text = serde_json::to_string_pretty(&first).unwrap();
        let Outcome::Registered {
            task_definition,
            tags,
        } = check_text(&text, None, &context())
        else {
            panic!(
                "{}: its own describe output does not register",
                file.display()
            );
        };
        assert_eq!(
            Some(*task_definition),
            first.task_definition,
            "{}",
            file.display()
        );
        assert_eq!(tags, first.tags);
    }
}

/// `"1 vCPU"` and `"2 GB"` are stored as `"1024"` and `"2048"`; defaults become explicit.
#[test]
fn normalisation() {
    let text = r#"{"family": "web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
        "cpu": "1 vCPU", "memory": "2 GB",
        "containerDefinitions": [{"name": "web", "image": "nginx", "portMappings": [{"containerPort": 80}]}]}"#;
    let Outcome::Registered {
        task_definition: td,
        ..
    } = check_text(text, None, &context())
    else {
        panic!("should register");
    };
    assert_eq!(td.cpu.as_deref(), Some("1024"));
    assert_eq!(td.memory.as_deref(), Some("2048"));
    let container = &td.container_definitions.as_ref().unwrap()[0];
    assert_eq!(container.essential, Some(true));
    let mapping = &container.port_mappings.as_ref().unwrap()[0];
    assert_eq!(mapping.host_port, Some(80));
    assert_eq!(mapping.protocol.as_ref().map(|p| p.as_str()), Some("tcp"));
    let compat: Vec<&str> = td
        .compatibilities
        .iter()
        .flatten()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(compat, ["EC2", "FARGATE"]);
    let attrs: Vec<&str> = td
        .requires_attributes
        .iter()
        .flatten()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(attrs, ["ecs.capability.task-eni"]);
    assert_eq!(
        td.task_definition_arn.as_deref(),
        Some("arn:aws:ecs:us-east-1:123456789012:task-definition/web:1")
    );
}
