//! The lesson player's state and actions: pure, tested natively.
//!
//! Opening a lesson runs its scenario on the virtual fleet (berth-fleet-sim, the same code the
//! test command runs), which gives the whole event log at once; the player then moves a
//! cursor over the log's instants, so stepping back and forth is exact and instant.

use std::rc::Rc;

use yew::Reducible;

use crate::lessons::{Lesson, LESSONS};

/// What a log line is, for styling and filtering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An API call (`> run-task {...}`) or fleet action (`> launch-instance ...`).
    Call,
    /// A service event in ECS's words.
    ServiceEvent,
    /// A task, instance, deployment or service-action change.
    Change,
    /// An expectation that held.
    Passed,
    /// An expectation that failed, or a line that could not run.
    Failed,
    /// Anything else (an API error).
    Other,
}

/// One line of the event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Milliseconds since the scenario's start.
    pub at: u64,
    /// `HH:MM:SS.mmm`.
    pub clock: String,
    pub kind: Kind,
    /// The rest of the line.
    pub text: String,
}

/// The player.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replay {
    /// The open lesson.
    pub lesson: Option<Lesson>,
    /// Its whole log.
    pub lines: Vec<Line>,
    /// The distinct instants of the log, in order.
    pub instants: Vec<u64>,
    /// How many instants are shown (0: none yet).
    pub shown: usize,
    /// Expectations that failed.
    pub failures: Vec<String>,
}

/// What the player can be asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Opens a lesson by id and shows its first instant.
    Open(String),
    /// Shows one more instant.
    Step,
    /// Shows one instant fewer.
    Back,
    /// Shows the first `n` instants.
    Seek(usize),
    /// Shows everything.
    End,
}

/// `HH:MM:SS.mmm` as milliseconds.
fn millis(clock: &str) -> Option<u64> {
    let (hms, ms) = clock.split_once('.')?;
    let mut parts = hms.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    Some(((h * 60 + m) * 60 + s) * 1000 + ms.parse::<u64>().ok()?)
}

/// Reads a report's log: `HH:MM:SS.mmm text` lines (the first line, the seed, has no time).
fn parse(log: &[String]) -> Vec<Line> {
    log.iter()
        .filter_map(|line| {
            let (clock, text) = line.split_once(' ')?;
            let at = millis(clock)?;
            let kind = if text.starts_with("> ") {
                Kind::Call
            } else if text.starts_with("event ") {
                Kind::ServiceEvent
            } else if text.starts_with("ok ") {
                Kind::Passed
            } else if text.starts_with("FAILED ") {
                Kind::Failed
            } else if ["task ", "instance ", "deployment ", "service-action "]
                .iter()
                .any(|p| text.starts_with(p))
            {
                Kind::Change
            } else {
                Kind::Other
            };
            Some(Line {
                at,
                clock: clock.to_owned(),
                kind,
                text: text.strip_prefix("event ").unwrap_or(text).to_owned(),
            })
        })
        .collect()
}

impl Replay {
    /// The player with `lesson` open at its first instant.
    pub fn open(lesson: Lesson) -> Replay {
        let report = berth_fleet_sim::scenario::run(lesson.scenario);
        let lines = parse(&report.log);
        let mut instants: Vec<u64> = lines.iter().map(|l| l.at).collect();
        instants.dedup();
        Replay {
            lesson: Some(lesson),
            shown: instants.len().min(1),
            lines,
            instants,
            failures: report.failures,
        }
    }

    /// The lines up to the current instant.
    pub fn visible(&self) -> &[Line] {
        let Some(&until) = self.shown.checked_sub(1).and_then(|i| self.instants.get(i)) else {
            return &[];
        };
        let end = self.lines.partition_point(|l| l.at <= until);
        &self.lines[..end]
    }

    /// The current instant, `HH:MM:SS.mmm`.
    pub fn clock(&self) -> String {
        self.visible()
            .last()
            .map_or_else(|| "00:00:00.000".into(), |l| l.clock.clone())
    }

    /// Whether every expectation of the lesson held.
    pub fn passed(&self) -> bool {
        self.lesson.is_some() && self.failures.is_empty()
    }

    fn apply(mut self, action: Action) -> Replay {
        match action {
            Action::Open(id) => {
                if let Some(lesson) = LESSONS.iter().find(|l| l.id == id) {
                    return Replay::open(*lesson);
                }
            }
            Action::Step => self.shown = (self.shown + 1).min(self.instants.len()),
            Action::Back => self.shown = self.shown.saturating_sub(1).max(1.min(self.shown)),
            Action::Seek(n) => {
                self.shown = n.clamp(1.min(self.instants.len()), self.instants.len())
            }
            Action::End => self.shown = self.instants.len(),
        }
        self
    }
}

impl Reducible for Replay {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new((*self).clone().apply(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay(actions: &[Action]) -> Replay {
        actions
            .iter()
            .fold(Replay::default(), |r, a| r.apply(a.clone()))
    }

    /// Every lesson runs in the player with all its expectations met.
    #[test]
    fn every_lesson_passes() {
        for lesson in LESSONS {
            let r = replay(&[Action::Open(lesson.id.into()), Action::End]);
            assert!(r.passed(), "{}: {:?}", lesson.id, r.failures);
            assert!(!lesson.story().is_empty(), "{} has a story", lesson.id);
            assert_eq!(r.visible().len(), r.lines.len());
        }
    }

    /// Seed 002's stall appears at its instant, not before; stepping back hides it again.
    #[test]
    fn stepping_through_seed_002() {
        let mut r = replay(&[Action::Open("seed-002-port-80-stall".into())]);
        assert_eq!(r.shown, 1);
        assert_eq!(r.clock(), "00:00:00.000");
        let stall = "is already using a port required by your task";
        let mut steps = 0;
        while !r.visible().iter().any(|l| l.text.contains(stall)) {
            r = r.apply(Action::Step);
            steps += 1;
            assert!(steps < 100, "the stall event appears");
        }
        let line = r.visible().iter().find(|l| l.text.contains(stall)).unwrap();
        assert_eq!(line.kind, Kind::ServiceEvent);
        let at = r.clock();
        r = r.apply(Action::Back);
        assert!(!r.visible().iter().any(|l| l.text.contains(stall)));
        assert!(r.clock() < at);
        r = r.apply(Action::Seek(0));
        assert_eq!(r.shown, 1, "the first instant is always shown");
        assert_eq!(
            r.apply(Action::Open("no-such-lesson".into()))
                .lesson
                .unwrap()
                .id,
            "seed-002-port-80-stall"
        );
    }
}
