//! The table of invalid task definitions in tests/fixtures/invalid.txt: each must produce
//! exactly the expected first problem (ECS's exception, message and the JSON path). Runs
//! natively and, through wasm-bindgen-test, in headless Chromium.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use berth_model::{check_text, ArnScope, Outcome, RegistrationContext, SimTime};

const CASES: &str = include_str!("../../../tests/fixtures/invalid.txt");

struct Case {
    name: String,
    json: String,
    expected: String,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for block in CASES.split("\n### ").skip(1) {
        let (name, rest) = block.split_once('\n').expect("a case has a name line");
        let (json, expected) = rest.split_once("\n=> ").expect("a case has an => line");
        let expected = expected.lines().next().unwrap_or("").to_owned();
        cases.push(Case {
            name: name.trim().to_owned(),
            json: json.to_owned(),
            expected,
        });
    }
    cases
}

fn context() -> RegistrationContext {
    RegistrationContext {
        scope: ArnScope::default(),
        revision: 1,
        now: SimTime::from_secs(1_700_000_000),
    }
}

/// Every case gives its expected first problem; the table holds at least 40 cases.
#[test]
fn invalid_task_definitions_fail_with_ecs_messages() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} invalid cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let family = case
            .json
            .trim_start()
            .starts_with('[')
            .then_some("sleep360");
        let actual = match check_text(&case.json, family, &context()) {
            Outcome::Invalid(problems) => problems[0].to_string(),
            Outcome::Registered { .. } => "registered (expected a problem)".to_owned(),
            Outcome::Malformed(error) => format!("malformed: {error}"),
        };
        if actual != case.expected {
            failures.push(format!(
                "case: {}\nexpected:\n  {}\nactual:\n  {}\n",
                case.name, case.expected, actual
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A document with several problems reports all of them, each at its own path.
#[test]
fn every_problem_is_collected() {
    let text = r#"{"family": "bad family", "networkMode": "awsvpc",
        "containerDefinitions": [{"name": "web", "image": "nginx", "memroy": 64,
            "portMappings": [{"containerPort": 80, "hostPort": 81}], "links": ["db"]}]}"#;
    let Outcome::Invalid(problems) = check_text(text, None, &context()) else {
        panic!("expected problems");
    };
    let paths: Vec<String> = problems.iter().map(|p| p.path.to_string()).collect();
    assert_eq!(
        paths,
        [
            "containerDefinitions[0].memroy",
            "family",
            "containerDefinitions[0]",
            "containerDefinitions[0].portMappings[0].hostPort",
            "containerDefinitions[0].links",
            "containerDefinitions[0].links[0]",
        ]
    );
}

/// Malformed JSON is a syntax error with a line and column, not a validation problem.
#[test]
fn malformed_json_has_a_position() {
    let Outcome::Malformed(error) =
        check_text("{\n  \"family\": \"web\",\n  oops\n}", None, &context())
    else {
        panic!("expected a syntax error");
    };
    assert_eq!((error.line, error.column), (3, 3));
}
