//! Property tests: validation never panics, whatever JSON it is given, and always answers
//! with either a registered document or at least one problem.
#![cfg(not(target_arch = "wasm32"))]

use berth_model::{check_text, ArnScope, Outcome, RegistrationContext, SimTime};
use proptest::prelude::*;
use serde_json::{json, Value};

fn context() -> RegistrationContext {
    RegistrationContext {
        scope: ArnScope::default(),
        revision: 7,
        now: SimTime::from_secs(1),
    }
}

/// Member names ECS uses, so random documents reach deep into the shapes.
const KEYS: &[&str] = &[
    "family",
    "containerDefinitions",
    "name",
    "image",
    "cpu",
    "memory",
    "memoryReservation",
    "portMappings",
    "containerPort",
    "hostPort",
    "protocol",
    "networkMode",
    "links",
    "essential",
    "dependsOn",
    "containerName",
    "condition",
    "healthCheck",
    "command",
    "interval",
    "volumes",
    "mountPoints",
    "sourceVolume",
    "requiresCompatibilities",
    "taskDefinition",
    "placementConstraints",
    "type",
    "expression",
    "tags",
    "key",
    "value",
    "logConfiguration",
    "logDriver",
    "options",
    "ephemeralStorage",
    "sizeInGiB",
    "containerPortRange",
    "ulimits",
    "softLimit",
    "hardLimit",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1.0e6f64..1.0e6).prop_map(Value::from),
        prop_oneof![
            Just("FARGATE".to_owned()),
            Just("awsvpc".to_owned()),
            Just("1 vCPU".to_owned()),
            Just("0.25 vcpu".to_owned()),
            Just("2 GB".to_owned()),
            Just("80-90".to_owned()),
            "[a-z0-9 :_-]{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

/// A valid document with one member replaced by an arbitrary value.
fn mutated_valid() -> impl Strategy<Value = Value> {
    let base = json!({
        "family": "web", "networkMode": "bridge", "cpu": "256", "memory": "512",
        "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 128,
            "portMappings": [{"containerPort": 80, "hostPort": 0}],
            "healthCheck": {"command": ["CMD", "true"]}, "dependsOn": [{"containerName": "db", "condition": "START"}]},
            {"name": "db", "image": "mysql", "memoryReservation": 128, "links": []}]
    });
    (prop::sample::select(KEYS), arb_json(), 0usize..3).prop_map(move |(key, value, container)| {
        let mut doc = base.clone();
        if key == "family" || key == "networkMode" || key == "cpu" || key == "memory" {
            doc[key] = value;
        } else {
            doc["containerDefinitions"][container.min(1)][key] = value;
        }
        doc
    })
}

fn check(value: &Value) {
    let text = value.to_string();
    match check_text(&text, Some("family"), &context()) {
        Outcome::Invalid(problems) => {
            assert!(!problems.is_empty());
            for problem in &problems {
                let _ = berth_model::locate::locate(&text, &problem.path);
            }
        }
        Outcome::Registered {
            task_definition, ..
        } => assert_eq!(task_definition.revision, Some(7)),
        Outcome::Malformed(error) => panic!("serialised JSON reported malformed: {error}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Arbitrary JSON never panics.
    #[test]
    fn arbitrary_json_never_panics(value in arb_json()) {
        check(&value);
    }

    /// Near-valid documents (one member replaced) never panic.
    #[test]
    fn mutated_documents_never_panic(value in mutated_valid()) {
        check(&value);
    }

    /// Arbitrary text never panics either (it is at worst malformed).
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,64}") {
        if let Outcome::Invalid(problems) = check_text(&text, None, &context()) {
            for problem in &problems {
                let _ = berth_model::locate::locate(&text, &problem.path);
            }
        }
    }
}
