//! The editor's state and actions: pure, so it is tested natively without a browser.
//!
//! The text is judged by berth-model (the same code `berth validate` runs) where the control
//! plane is: `berth serve`'s `/berth/check`, or the page's own world without a server, so the
//! page `berth serve` serves does not carry RegisterTaskDefinition's rules. The verdict comes
//! back as [`Action::Judged`] for the text it judged; no validation rule lives here or in a
//! component.

use std::rc::Rc;

use yew::Reducible;

pub use berth_model::views::{ProblemView, Verdict};

use crate::samples::Sample;

/// What the editor holds and shows.
#[derive(Clone, Debug, PartialEq)]
pub struct EditorState {
    /// The text in the editor.
    pub text: String,
    /// Family for a bare containerDefinitions array.
    pub family: String,
    /// The verdict on `text` (the last one judged while a new one is on its way).
    pub verdict: Verdict,
}

/// What the page can do to the editor.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The text changed.
    Edit { text: String },
    /// The bare-array family changed.
    SetFamily { family: String },
    /// A sample was chosen.
    Load { sample: Sample },
    /// The verdict on `text` under `family` came back.
    Judged {
        text: String,
        family: String,
        verdict: Verdict,
    },
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

    /// Whether the text needs a verdict from the control plane (an empty one is judged here).
    pub fn needs_judging(&self) -> bool {
        !self.text.trim().is_empty()
    }

    /// The state after `action`. A verdict for a text or family no longer shown is dropped.
    pub fn apply(&self, action: Action) -> EditorState {
        let (text, family) = match action {
            Action::Edit { text } => (text, self.family.clone()),
            Action::SetFamily { family } => (self.text.clone(), family),
            Action::Load { sample } => (
                sample.text.to_owned(),
                sample.family.unwrap_or("").to_owned(),
            ),
            Action::Judged {
                text,
                family,
                verdict,
            } => {
                let mut state = self.clone();
                if text == self.text && family == self.family {
                    state.verdict = verdict;
                }
                return state;
            }
        };
        let verdict = if text.trim().is_empty() {
            Verdict::Empty
        } else {
            self.verdict.clone()
        };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::SAMPLES;
    use berth_model::views::judge;
    use berth_model::SimTime;

    const NOW: SimTime = SimTime::from_secs(1_700_000_000);

    #[test]
    fn register_body_wraps_a_bare_array() {
        let state = EditorState::default().apply(Action::SetFamily {
            family: "web".into(),
        });
        let state = state.apply(Action::Edit {
            text: r#"[{"name": "a", "image": "busybox", "memory": 8}]"#.into(),
        });
        assert_eq!(
            state.register_body(),
            serde_json::json!({"family": "web", "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 8}]})
        );
        let state = state.apply(Action::Edit {
            text: r#"{"family": "x", "containerDefinitions": []}"#.into(),
        });
        assert_eq!(state.register_body()["family"], "x");
    }

    /// Every sample the page offers registers.
    #[test]
    fn samples_register() {
        for sample in SAMPLES {
            let verdict = judge(sample.text, sample.family.unwrap_or(""), NOW);
            assert!(
                matches!(verdict, Verdict::Registered { .. }),
                "{}: {verdict:?}",
                sample.id,
            );
        }
    }

    /// A verdict is shown for the text and family it judged, and only for those: one that
    /// comes back after the text changed again is dropped, and an emptied editor is Empty
    /// at once.
    #[test]
    fn verdicts_follow_the_text_they_judged() {
        let text =
            r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx"}]}"#;
        let state = EditorState::default().apply(Action::Edit { text: text.into() });
        assert!(state.needs_judging());
        assert_eq!(state.verdict, Verdict::Empty);
        let invalid = judge(text, "", NOW);
        let judged = state.apply(Action::Judged {
            text: text.into(),
            family: String::new(),
            verdict: invalid.clone(),
        });
        assert_eq!(judged.verdict, invalid);
        let typed_on = judged.apply(Action::Edit {
            text: "{ oops".into(),
        });
        assert_eq!(
            typed_on.verdict, invalid,
            "the last verdict stays until the next"
        );
        let late = typed_on.apply(Action::Judged {
            text: text.into(),
            family: String::new(),
            verdict: Verdict::Empty,
        });
        assert_eq!(
            late.verdict, invalid,
            "a verdict for an older text is dropped"
        );
        let emptied = late.apply(Action::Edit { text: "  ".into() });
        assert_eq!(emptied.verdict, Verdict::Empty);
        assert!(!emptied.needs_judging());
    }
}
