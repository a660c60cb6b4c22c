//! `berth validate` as a user's CI runs it: exit codes, output forms, stdin, several files.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn berth(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("berth runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn fixture(relative: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "../../tests/fixtures", relative]
        .iter()
        .collect();
    path.to_string_lossy().into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A valid file prints the describe-task-definition document and exits 0.
#[test]
fn valid_file_prints_registered_document() {
    let output = berth(
        &[
            "validate",
            "--registered-at",
            "1700000000",
            &fixture("valid/seeds/004-hello-world-wordpress-mysql.json"),
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    assert_eq!(
        document["taskDefinition"]["taskDefinitionArn"],
        "arn:aws:ecs:us-east-1:123456789012:task-definition/hello_world:1"
    );
    assert_eq!(document["taskDefinition"]["registeredAt"], 1_700_000_000);
}

/// An invalid document prints every problem, the first exactly as ECS returns it, and exits 1.
#[test]
fn invalid_from_stdin_exits_1() {
    let text = r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx"}], "cpu": "64"}"#;
    let output = berth(&["validate", "-"], Some(text));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "ClientException: Invalid setting for container 'web'. At least one of 'memory' or 'memoryReservation' must be specified. (at containerDefinitions[0])\n\
         ClientException: Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide. (at cpu)\n"
    );
}

/// Malformed JSON exits 2 with its line and column.
#[test]
fn malformed_exits_2() {
    let output = berth(&["validate", "-"], Some("{\"family\": \"web\",\n}"));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stdout(&output),
        "malformed JSON at line 2, column 1: trailing comma\n"
    );
}

/// A missing file exits 2 and says which; other files are still judged, each line prefixed.
#[test]
fn several_files_are_prefixed_and_the_worst_exit_wins() {
    let good = fixture("valid/seeds/sleep360.json");
    let output = berth(&["validate", &good, "/nonexistent/td.json"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).starts_with(&format!("{good}: valid\n{{")));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/nonexistent/td.json: cannot read /nonexistent/td.json"),
        "{stderr}"
    );
}

/// A bare containerDefinitions array takes its family from --family (or the file name).
#[test]
fn bare_array_family() {
    let array =
        r#"[{"name": "sleep", "image": "busybox", "memory": 10, "command": ["sleep", "360"]}]"#;
    let output = berth(&["validate", "--family", "sleep360", "-"], Some(array));
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("\"family\": \"sleep360\""));
    let output = berth(&["validate", "-"], Some(array));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "ClientException: Family can not be blank. (at family)\n"
    );
}
