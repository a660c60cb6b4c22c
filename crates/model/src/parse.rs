//! Reading a pasted task definition: JSON syntax first, then AWS's shapes.
//!
//! Three forms are accepted because people paste all three:
//! - a RegisterTaskDefinition input (`--cli-input-json`, the AWS docs' examples);
//! - `aws ecs describe-task-definition` output, `{"taskDefinition": {...}, "tags": [...]}`;
//! - a bare `containerDefinitions` array (`--container-definitions file://...`), whose family
//!   the caller supplies.
//!
//! Shape problems (unknown members, wrong types) are collected rather than stopping at the
//! first: after each one the offending member is set aside and the document is read again,
//! so the editor can mark every misspelt field at once.

use serde_json::Value;

use crate::messages;
use crate::problem::{JsonPath, PathSegment, Problem};
use crate::task_definition::{Tag, TaskDefinition};

/// Malformed JSON: where and why, as serde_json reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "malformed JSON at line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Which of the accepted forms the text was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputForm {
    /// A RegisterTaskDefinition input.
    RegisterInput,
    /// `describe-task-definition` output (`{"taskDefinition": ...}`).
    DescribeOutput,
    /// A bare `containerDefinitions` array.
    ContainerDefinitions,
}

/// A document read into AWS's shapes, with the shape problems found on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedTaskDefinition {
    /// The task definition, with any offending members left out.
    pub task_definition: TaskDefinition,
    /// Which form the text was.
    pub form: InputForm,
    /// Where the task definition sits in the text (`taskDefinition` for describe output).
    pub prefix: JsonPath,
    /// Unknown members and wrong types, in document order of discovery.
    pub problems: Vec<Problem>,
}

/// Reads `text`. `family` names the family of a bare `containerDefinitions` array (ignored
/// for the other forms). Malformed JSON is a [`SyntaxError`]; anything else parses.
pub fn parse_task_definition(
    text: &str,
    family: Option<&str>,
) -> Result<ParsedTaskDefinition, SyntaxError> {
    let value: Value = serde_json::from_str(text).map_err(|error| SyntaxError {
        line: error.line(),
        column: error.column(),
        message: strip_position(&error.to_string()),
    })?;
    Ok(parse_value(value, family))
}

/// Like [`parse_task_definition`], from an already-parsed JSON value.
pub fn parse_value(value: Value, family: Option<&str>) -> ParsedTaskDefinition {
    let mut problems = Vec::new();
    match value {
        Value::Array(_) => {
            let mut object = serde_json::Map::new();
            if let Some(family) = family {
                object.insert("family".into(), Value::String(family.into()));
            }
            object.insert("containerDefinitions".into(), value);
            let prefix = JsonPath::root();
            // Paths in the array form start at the array itself, so strip the synthetic key.
            let (task_definition, mut found) =
                read_lenient::<TaskDefinition>(Value::Object(object));
            for problem in &mut found {
                if let Some(PathSegment::Key(first)) = problem.path.0.first() {
                    if first == "containerDefinitions" {
                        problem.path.0.remove(0);
                    }
                }
            }
            problems.extend(found);
            ParsedTaskDefinition {
                task_definition,
                form: InputForm::ContainerDefinitions,
                prefix,
                problems,
            }
        }
        Value::Object(mut object) if is_describe_output(&object) => {
            let prefix = JsonPath::root().key("taskDefinition");
            let inner = object.remove("taskDefinition").unwrap_or(Value::Null);
            let tags = object.remove("tags");
            for key in object.keys() {
                problems.push(messages::unknown_parameter(
                    &JsonPath::root().key(key),
                    &["taskDefinition", "tags"],
                ));
            }
            let (mut task_definition, found) = read_lenient::<TaskDefinition>(inner);
            problems.extend(found.into_iter().map(|p| Problem {
                path: p.path.under(&prefix),
                ..p
            }));
            if let Some(tags) = tags {
                let (tags, found) = read_lenient::<Vec<Tag>>(tags);
                problems.extend(found.into_iter().map(|p| Problem {
                    path: p.path.under(&JsonPath::root().key("tags")),
                    ..p
                }));
                task_definition
                    .tags
                    .get_or_insert_with(Vec::new)
                    .extend(tags);
            }
            ParsedTaskDefinition {
                task_definition,
                form: InputForm::DescribeOutput,
                prefix,
                problems,
            }
        }
        other => {
            let (task_definition, found) = read_lenient::<TaskDefinition>(other);
            ParsedTaskDefinition {
                task_definition,
                form: InputForm::RegisterInput,
                prefix: JsonPath::root(),
                problems: found,
            }
        }
    }
}

/// `{"taskDefinition": {...}}` with no task-definition members beside it.
fn is_describe_output(object: &serde_json::Map<String, Value>) -> bool {
    object.contains_key("taskDefinition")
        && !object.contains_key("family")
        && !object.contains_key("containerDefinitions")
}

/// The most times a document is re-read after setting a bad member aside.
const MAX_SHAPE_PROBLEMS: usize = 100;

/// Deserialises `value` as `T`, setting aside each member that does not fit and trying again,
/// so every shape problem is reported. Falls back to `T::default()` if the root itself is wrong.
fn read_lenient<T>(mut value: Value) -> (T, Vec<Problem>)
where
    T: serde::de::DeserializeOwned + Default,
{
    let mut problems = Vec::new();
    for _ in 0..MAX_SHAPE_PROBLEMS {
        let error = match serde_json::from_value::<T>(value.clone()) {
            Ok(parsed) => return (parsed, problems),
            Err(error) => error,
        };
        let (path, inner) = locate::<T>(&value).unwrap_or((JsonPath::root(), error.to_string()));
        let problem = if let Some(rest) = inner.strip_prefix("unknown field `") {
            let expected = expected_fields(rest);
            let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
            messages::unknown_parameter(&path, &expected)
        } else {
            let found = value_at(&value, &path).cloned().unwrap_or(Value::Null);
            messages::invalid_type(&path, &found, &expected_type(&inner))
        };
        let removed = remove_at(&mut value, &path);
        problems.push(problem);
        if !removed {
            break;
        }
    }
    (T::default(), problems)
}

/// Where in `value` reading it as `T` fails, and serde's message there.
///
/// Every member of Berth's documents is optional, so a copy of the document that keeps only
/// one branch (each ancestor reduced to the member or element leading to it) reads exactly when
/// that branch does. The search walks down from the root: at each object or array it keeps the
/// first member (in the order serde reads them) whose branch alone fails, and stops at a member
/// that fails even when emptied (an unknown member, or a value of the wrong type). It uses the
/// same deserialiser as the first attempt, so the document types are compiled once (this
/// replaced serde_path_to_error, whose second instantiation of every type cost the playground
/// about a tenth of its size).
fn locate<T: serde::de::DeserializeOwned>(value: &Value) -> Option<(JsonPath, String)> {
    let fails = |doc: Value| {
        serde_json::from_value::<T>(doc)
            .err()
            .map(|e| e.to_string())
    };
    let mut message = fails(value.clone())?;
    let mut path = JsonPath::root();
    loop {
        let node = value_at(value, &path)?;
        let children: Vec<PathSegment> = match node {
            Value::Object(map) => map.keys().cloned().map(PathSegment::Key).collect(),
            Value::Array(items) => (0..items.len()).map(PathSegment::Index).collect(),
            _ => return Some((path, message)),
        };
        let mut descended = false;
        for child in children {
            let mut branch = path.clone();
            branch.0.push(child);
            let Some(error) = fails(keep_only(value, &branch, false)) else {
                continue;
            };
            message = error;
            let at_leaf = fails(keep_only(value, &branch, true));
            path = branch;
            if let Some(error) = at_leaf {
                // Fails even emptied: the member itself is wrong (unknown, or the wrong type).
                return Some((path, error));
            }
            descended = true;
            break;
        }
        if !descended {
            return Some((path, message));
        }
    }
}

/// A copy of `value` with only the branch to `path`: each ancestor keeps just the member or
/// element on the way, and the node at `path` is whole, or emptied (`{}`, `[]`) if `empty`.
fn keep_only(value: &Value, path: &JsonPath, empty: bool) -> Value {
    match path.0.split_first() {
        None => match value {
            Value::Object(_) if empty => Value::Object(Default::default()),
            Value::Array(_) if empty => Value::Array(Vec::new()),
            other => other.clone(),
        },
        Some((segment, rest)) => {
            let rest = JsonPath(rest.to_vec());
            match (segment, value) {
                (PathSegment::Key(key), Value::Object(map)) => {
                    let mut kept = serde_json::Map::new();
                    if let Some(child) = map.get(key) {
                        kept.insert(key.clone(), keep_only(child, &rest, empty));
                    }
                    Value::Object(kept)
                }
                (PathSegment::Index(index), Value::Array(items)) => Value::Array(
                    items
                        .get(*index)
                        .map(|child| keep_only(child, &rest, empty))
                        .into_iter()
                        .collect(),
                ),
                (_, other) => other.clone(),
            }
        }
    }
}

/// The member names from serde's "expected one of `a`, `b`" tail.
fn expected_fields(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(2)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// serde's "invalid type: ..., expected X" rendered in AWS's vocabulary.
fn expected_type(message: &str) -> String {
    let expected = message.rsplit("expected ").next().unwrap_or("");
    let word =
        if expected.contains("i64") || expected.contains("u32") || expected.contains("integer") {
            "integer"
        } else if expected.contains("bool") {
            "boolean"
        } else if expected.contains("sequence") {
            "list"
        } else if expected.contains("map") || expected.starts_with("struct") {
            "structure"
        } else if expected.contains("string") || expected.contains("borrowed str") {
            "string"
        } else if expected.contains("timestamp") {
            "timestamp"
        } else {
            expected
        };
    word.to_owned()
}

fn value_at<'v>(value: &'v Value, path: &JsonPath) -> Option<&'v Value> {
    path.0
        .iter()
        .try_fold(value, |current, segment| match segment {
            PathSegment::Key(key) => current.get(key),
            PathSegment::Index(index) => current.get(index),
        })
}

/// Removes the member or element at `path`; false if there is nothing to remove.
fn remove_at(value: &mut Value, path: &JsonPath) -> bool {
    let Some((last, parent_path)) = path.0.split_last() else {
        return false;
    };
    let mut parent = value;
    for segment in parent_path {
        let next = match segment {
            PathSegment::Key(key) => parent.get_mut(key),
            PathSegment::Index(index) => parent.get_mut(index),
        };
        match next {
            Some(next) => parent = next,
            None => return false,
        }
    }
    match (last, parent) {
        (PathSegment::Key(key), Value::Object(object)) => object.remove(key).is_some(),
        // Replacing rather than removing keeps the indices of later elements stable.
        (PathSegment::Index(index), Value::Array(array)) if *index < array.len() => {
            if array[*index].is_object() {
                array[*index] = Value::Object(Default::default());
            } else {
                array.remove(*index);
            }
            true
        }
        _ => false,
    }
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Every shape problem is found at its own path: a nested unknown member, a wrong type
    /// inside an array element, a map value, and a member of the wrong kind altogether.
    #[test]
    fn problems_are_located_at_their_member() {
        let value: Value = serde_json::from_str(
            r#"{"family": "web", "cpu": {"x": 1},
                "containerDefinitions": [
                  {"name": "a", "image": "i"},
                  {"name": "b", "image": "i", "portMappings": [{"containerPort": 80}, {"containerPort": "eighty"}],
                   "dockerLabels": {"ok": "yes", "bad": 3}, "healthCheck": {"comand": ["CMD", "true"]}}
                ]}"#,
        )
        .unwrap();
        let parsed = parse_value(value, None);
        let paths: Vec<String> = parsed.problems.iter().map(|p| p.path.to_string()).collect();
        assert_eq!(
            paths,
            [
                "containerDefinitions[1].dockerLabels.bad",
                "containerDefinitions[1].healthCheck.comand",
                "containerDefinitions[1].portMappings[1].containerPort",
                "cpu",
            ]
        );
        // What fits is kept.
        let b = &parsed
            .task_definition
            .container_definitions
            .as_ref()
            .unwrap()[1];
        assert_eq!(
            b.port_mappings.as_ref().unwrap()[0].container_port,
            Some(80)
        );
        assert_eq!(b.docker_labels.as_ref().unwrap()["ok"], "yes");
    }
}
