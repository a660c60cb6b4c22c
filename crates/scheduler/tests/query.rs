//! The cluster query language: every subject, every operator in both forms, lists, quoting,
//! patterns, dates, precedence, and errors that point at the problem.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use berth_model::SimTime;
use berth_scheduler::instance::{ContainerInstance, Resources};
use berth_scheduler::query::parse;

fn instance() -> ContainerInstance {
    let mut i = ContainerInstance::new(
        "abc",
        "us-east-1a",
        "t2.small",
        Resources {
            cpu: 1024,
            memory: 2048,
        },
    );
    i.ec2_instance_id = "i-abcd1234".into();
    i.agent_version = "1.79.0".into();
    i.registered_at = SimTime::parse_iso8601("2018-06-18T22:28:28Z").unwrap();
    i.running_tasks_count = 3;
    i.attributes.insert("stack".into(), Some("prod".into()));
    i.attributes.insert("gpu-count".into(), Some("4".into()));
    i.task_groups.insert("service:production".into(), 1);
    i
}

fn holds(expression: &str) -> bool {
    parse(expression)
        .unwrap_or_else(|e| panic!("{expression}: {e}"))
        .matches(&instance())
}

/// Every subject with the operators it takes, in symbol and word form.
#[test]
fn subjects_and_operators() {
    let cases = [
        ("attribute:ecs.instance-type == t2.small", true),
        ("attribute:ecs.instance-type equals t2.small", true),
        ("attribute:ecs.instance-type != t2.small", false),
        ("attribute:ecs.instance-type not_equals t2.micro", true),
        (
            "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
            true,
        ),
        (
            "attribute:ecs.availability-zone not_in [us-east-1a, us-east-1b]",
            false,
        ),
        ("attribute:ecs.availability-zone !in ['us-east-1c']", true),
        ("attribute:ecs.instance-type =~ t2.*", true),
        ("attribute:ecs.instance-type matches g2.*", false),
        ("attribute:ecs.instance-type !~ g2.*", true),
        ("attribute:ecs.instance-type not_matches t2.*", false),
        ("attribute:ecs.instance-type =~ t2", false),
        ("attribute:stack exists", true),
        ("attribute:color exists", false),
        ("attribute:color !exists", true),
        ("attribute:color not_exists", true),
        ("attribute:color == red", false),
        ("attribute:color != red", true),
        ("attribute:gpu-count > 2", true),
        ("attribute:gpu-count greater_than_equal 4", true),
        ("attribute:gpu-count < 10", true),
        ("attribute:gpu-count less_than 4", false),
        ("attribute:gpu-count <= 4", true),
        ("agentConnected == true", true),
        ("agentConnected != true", false),
        ("agentVersion >= 1.5.0", true),
        ("agentVersion > 1.79.0", false),
        ("agentVersion < 1.100.0", true),
        ("agentVersion == 1.79.0", true),
        ("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", true),
        ("ec2InstanceId == i-wxyx7890", false),
        ("ec2InstanceId =~ i-abcd.*", true),
        ("registeredAt < 2018-06-19", true),
        ("registeredAt >= 2018-06-18T22:28:28+00:00", true),
        ("registeredAt > 2018-06-18T22:28:28Z", false),
        ("registeredAt less_than_equal 2018-06-18T22:28:28", true),
        ("runningTasksCount == 3", true),
        ("runningTasksCount greater_than 3", false),
        ("task:group == service:production", true),
        ("task:group == database", false),
        ("task:group in [database, service:production]", true),
        ("not(task:group == database)", true),
        ("!(task:group == service:production)", false),
        ("task:group =~ service:.*", true),
    ];
    for (expression, expected) in cases {
        assert_eq!(holds(expression), expected, "{expression}");
    }
}

/// and/or/not with ECS's precedence (not, then and, then or) and parentheses.
#[test]
fn compound_expressions() {
    assert!(holds(
        "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a"
    ));
    assert!(holds(
        "attribute:ecs.instance-type =~ t3.* || attribute:ecs.instance-type =~ t2.*"
    ));
    assert!(!holds(
        "attribute:stack == dev && attribute:stack == prod || attribute:stack == qa"
    ));
    assert!(holds(
        "attribute:stack == dev and attribute:stack == prod or attribute:stack == prod"
    ));
    assert!(!holds(
        "attribute:stack == dev and (attribute:stack == prod or attribute:stack == prod)"
    ));
    assert!(holds("not attribute:stack == dev"));
    assert!(holds("((agentConnected == true))"));
    assert!(holds(
        "attribute:stack == 'prod' && ec2InstanceId in [\"i-abcd1234\"]"
    ));
}

/// Errors say what was expected and at which character.
#[test]
fn errors_point_at_the_problem() {
    let error = |e: &str| parse(e).unwrap_err().to_string();
    assert_eq!(error(""), "the expression is empty at character 1");
    assert_eq!(
        error("attribute:stack"),
        "expected an operator after 'attribute:stack' at character 16"
    );
    assert_eq!(
        error("attribute:stack ~= prod"),
        "unexpected '~' at character 17"
    );
    assert_eq!(
        error("attribute:stack is prod"),
        "unknown operator 'is' after 'attribute:stack' at character 17"
    );
    assert_eq!(
        error("instanceType == t2"),
        "unknown subject 'instanceType'; expected agentConnected, agentVersion, attribute:<name>, ec2InstanceId, registeredAt, runningTasksCount or task:group at character 1"
    );
    assert_eq!(
        error("attribute:a in [x, y"),
        "expected ',' or ']' at character 21"
    );
    assert_eq!(
        error("attribute:a in x"),
        "expected a list such as [a, b] at character 16"
    );
    assert_eq!(error("(attribute:a == b"), "expected ')' at character 18");
    assert_eq!(
        error("attribute:a == b c"),
        "unexpected 'c' at character 18"
    );
    assert_eq!(
        error("attribute:a =~ ("),
        "expected a pattern at character 16"
    );
    assert!(error("attribute:a =~ '('").starts_with("invalid pattern '(': "));
    assert_eq!(
        error("registeredAt > yesterday"),
        "'yesterday' is not a date (use 2018-06-18 or 2018-06-18T22:28:28+00:00) at character 16"
    );
    assert_eq!(
        error("runningTasksCount > many"),
        "'many' is not a number at character 21"
    );
    assert_eq!(
        error("ec2InstanceId > i-1"),
        "operator '>' cannot be used with ec2InstanceId at character 15"
    );
    assert_eq!(
        error("attribute:a == 'b"),
        "unterminated quoted value starting with ' at character 16"
    );
    assert!(error(&"attribute:a == b and ".repeat(100))
        .starts_with("the expression is longer than 2000 characters"));
}
