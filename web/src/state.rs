//! The editor's state and actions: pure, so it is tested natively without a browser.
//!
//! Every edit re-judges the text with berth-model (the same code `berth validate` runs); no
//! validation rule lives here or in a component. The registration time is an input, passed
//! with each action by the caller, so the state itself never reads a clock.

use std::rc::Rc;

use berth_model::locate::locate;
use berth_model::task_definition::DescribeTaskDefinitionResponse;
use berth_model::{check_text, ArnScope, Outcome, RegistrationContext, SimTime};
use yew::Reducible;

use crate::samples::Sample;

/// What the editor holds and shows.
#[derive(Clone, Debug, PartialEq)]
pub struct EditorState {
    /// The text in the editor.
    pub text: String,
    /// Family for a bare containerDefinitions array.
    pub family: String,
    /// The verdict on `text`.
    pub verdict: Verdict,
}

/// The editor's verdict on the current text, ready to render.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Nothing typed yet.
    Empty,
    /// Not JSON: where and why.
    Malformed {
        line: usize,
        column: usize,
        message: String,
    },
    /// ECS would refuse it: each problem as (exception, message, path).
    Invalid(Vec<ProblemView>),
    /// ECS would register it: the family:revision and the describe-task-definition document.
    Registered {
        family_revision: String,
        document: String,
    },
}

/// One problem, as the problem list renders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemView {
    /// ECS's exception name.
    pub exception: String,
    /// ECS's message.
    pub message: String,
    /// The JSON path.
    pub path: String,
    /// Where the path is in the text: 1-based line, and the UTF-16 offset a textarea
    /// selection uses.
    pub location: Option<(usize, u32)>,
}

/// What the page can do to the editor.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The text changed.
    Edit { text: String, now: SimTime },
    /// The bare-array family changed.
    SetFamily { family: String, now: SimTime },
    /// A sample was chosen.
    Load { sample: Sample, now: SimTime },
}

impl Default for EditorState {
    fn default() -> Self {
        EditorState {
            text: String::new(),
            family: String::new(),
            verdict: Verdict::Empty,
        }
    }
}

impl EditorState {
    /// The RegisterTaskDefinition body for the text: the document as pasted (the register
    /// input and describe-task-definition forms are both accepted), or a bare
    /// containerDefinitions array under the family given.
    pub fn register_body(&self) -> serde_json::Value {
        match serde_json::from_str::<serde_json::Value>(&self.text) {
            Ok(serde_json::Value::Array(containers)) => serde_json::json!({
                "family": self.family,
                "containerDefinitions": containers,
            }),
            Ok(document) => document,
            Err(_) => serde_json::Value::Null,
        }
    }

    /// The state after `action`.
    pub fn apply(&self, action: Action) -> EditorState {
        let (text, family, now) = match action {
            Action::Edit { text, now } => (text, self.family.clone(), now),
            Action::SetFamily { family, now } => (self.text.clone(), family, now),
            Action::Load { sample, now } => (
                sample.text.to_owned(),
                sample.family.unwrap_or("").to_owned(),
                now,
            ),
        };
        let verdict = judge(&text, &family, now);
        EditorState {
            text,
            family,
            verdict,
        }
    }
}

impl Reducible for EditorState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(self.apply(action))
    }
}

/// Runs berth-model over the text, as RegisterTaskDefinition would judge it.
pub fn judge(text: &str, family: &str, now: SimTime) -> Verdict {
    if text.trim().is_empty() {
        return Verdict::Empty;
    }
    let context = RegistrationContext {
        scope: ArnScope::default(),
        revision: 1,
        now,
    };
    let family = (!family.trim().is_empty()).then_some(family.trim());
    match check_text(text, family, &context) {
        Outcome::Malformed(error) => Verdict::Malformed {
            line: error.line,
            column: error.column,
            message: error.message,
        },
        Outcome::Invalid(problems) => Verdict::Invalid(
            problems
                .into_iter()
                .map(|p| ProblemView {
                    location: locate(text, &p.path).map(|at| {
                        let utf16 = text[..at.offset].encode_utf16().count();
                        (at.line, u32::try_from(utf16).unwrap_or(u32::MAX))
                    }),
                    exception: p.exception.to_string(),
                    message: p.message,
                    path: p.path.to_string(),
                })
                .collect(),
        ),
        Outcome::Registered {
            task_definition,
            tags,
        } => {
            let family_revision = format!(
                "{}:{}",
                task_definition.family.as_deref().unwrap_or(""),
                task_definition.revision.unwrap_or(1)
            );
            let response = DescribeTaskDefinitionResponse {
                task_definition: Some(*task_definition),
                tags,
            };
            let document = serde_json::to_string_pretty(&response)
                .expect("a registered task definition always serialises");
            Verdict::Registered {
                family_revision,
                document,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::SAMPLES;

    const NOW: SimTime = SimTime::from_secs(1_700_000_000);

    #[test]
    fn register_body_wraps_a_bare_array() {
        let state = EditorState::default().apply(Action::SetFamily {
            family: "web".into(),
            now: NOW,
        });
        let state = state.apply(Action::Edit {
            text: r#"[{"name": "a", "image": "busybox", "memory": 8}]"#.into(),
            now: NOW,
        });
        assert_eq!(
            state.register_body(),
            serde_json::json!({"family": "web", "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 8}]})
        );
        let state = state.apply(Action::Edit {
            text: r#"{"family": "x", "containerDefinitions": []}"#.into(),
            now: NOW,
        });
        assert_eq!(state.register_body()["family"], "x");
    }

    /// Every sample the page offers registers.
    #[test]
    fn samples_register() {
        for sample in SAMPLES {
            let state = EditorState::default().apply(Action::Load {
                sample: *sample,
                now: NOW,
            });
            assert!(
                matches!(state.verdict, Verdict::Registered { .. }),
                "{}: {:?}",
                sample.id,
                state.verdict
            );
        }
    }

    /// Typing an invalid document lists ECS's problems with their paths.
    #[test]
    fn edits_are_judged() {
        let state = EditorState::default().apply(Action::Edit {
            text:
                r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx"}]}"#
                    .into(),
            now: NOW,
        });
        let Verdict::Invalid(problems) = &state.verdict else {
            panic!("expected problems")
        };
        assert_eq!(problems[0].exception, "ClientException");
        assert_eq!(problems[0].path, "containerDefinitions[0]");
        assert_eq!(problems[0].location, Some((1, 43)));
        let state = state.apply(Action::Edit {
            text: "{ oops".into(),
            now: NOW,
        });
        assert!(matches!(state.verdict, Verdict::Malformed { line: 1, .. }));
        let state = state.apply(Action::Edit {
            text: "  ".into(),
            now: NOW,
        });
        assert_eq!(state.verdict, Verdict::Empty);
    }

    /// The bare-array family applies to the sleep360 sample and can be changed.
    #[test]
    fn family_for_bare_arrays() {
        let sleep = SAMPLES.iter().find(|s| s.id == "sleep360").unwrap();
        let state = EditorState::default().apply(Action::Load {
            sample: *sleep,
            now: NOW,
        });
        let Verdict::Registered {
            family_revision, ..
        } = &state.verdict
        else {
            panic!()
        };
        assert_eq!(family_revision, "sleep360:1");
        let state = state.apply(Action::SetFamily {
            family: "".into(),
            now: NOW,
        });
        let Verdict::Invalid(problems) = state.verdict else {
            panic!()
        };
        assert_eq!(problems[0].message, "Family can not be blank.");
    }
}
