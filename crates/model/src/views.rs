//! Berth's own views of the control plane, which no ECS operation has: the world's clock, the
//! explanation of where the next task would be placed, and the fleet at a glance. The control
//! plane writes them, `berth serve` and the page's world send them as JSON, and the page reads
//! them with these same types, so a member renamed on one side cannot be read under its old
//! name on the other.
//!
//! The documents are written by serde (`Serialize`) and read by `from_value` beside each type,
//! from the `serde_json::Value` the page parses every answer into: a derived `Deserialize`
//! per document would cost the 250 kB page about 4 kB brotli. A test holds each reader to its
//! writer.

use crate::states::ContainerInstanceStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `value[key]` as text (empty when absent).
fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

/// `value[key]` as text, if it is some.
fn some_text(value: &Value, key: &str) -> Option<String> {
    value[key].as_str().map(str::to_owned)
}

/// `value[key]` as a number (0 when absent).
fn number(value: &Value, key: &str) -> u64 {
    value[key].as_u64().unwrap_or(0)
}

/// `value[key]` as a list of numbers.
fn numbers(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect()
}

/// `value[key]`'s items.
fn items<'v>(value: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    value[key].as_array().into_iter().flatten()
}

/// What `/berth/clock` is asked: nothing (a read), or a change of speed, a step to the next
/// thing that happens, a rewind; applied in that order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockRequest {
    /// 0 (paused), 1, 10 or 100; anything else is refused with a sentence saying so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<serde_json::Value>,
    /// Jump to the next thing that happens.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub step: bool,
    /// Forget everything after this time (epoch milliseconds) and replay up to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewind_to: Option<serde_json::Value>,
}

impl ClockRequest {
    /// Whether it asks for a change (not a read).
    pub fn changes(&self) -> bool {
        self.speed.is_some() || self.step || self.rewind_to.is_some()
    }
}

/// The world's clock, as `/berth/clock` answers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockDocument {
    /// The world's default region: where Berth's own endpoints (the fleet actions, the
    /// summary, the explainer) act, and ECS calls that name no region go.
    pub region: String,
    /// The fleet's time, epoch milliseconds.
    pub now: u64,
    /// How many times as fast as the wall clock it runs (0: paused).
    pub speed: u32,
    /// Whether it may be changed: not while Docker agents run real containers.
    pub adjustable: bool,
    /// The earliest time a rewind can go back to, epoch milliseconds.
    pub earliest: u64,
}

/// What `/berth/explain` is asked: a service's next task, or (without a service) a task
/// definition's, run as RunTask would run it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainRequest {
    /// The cluster (name or ARN); `default` without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// The service (name or ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The task definition (family, family:revision or ARN), without a service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
}

/// What `/berth/summary` is asked: a cluster's [`FleetSummary`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryRequest {
    /// The cluster (name or ARN); `default` without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

/// What `/berth/load-balancers` is asked: the region's load balancing as the page draws it
/// and, for target groups named in `rebuild`, the calls that build them again elsewhere.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancingRequest {
    /// Target group ARNs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rebuild: Vec<String>,
}

/// "Why here, why not there?": where the next task of a service, or of a task definition run
/// as RunTask would run it, would be placed now, and every instance's verdict.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The cluster's name.
    pub cluster: String,
    /// The task runs on Fargate, which takes no container instance: `summary` says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fargate: bool,
    /// The revision that would be placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    /// Its task group (`service:<name>`, `family:<name>`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The capacity provider whose instances it would go to, when a strategy gives the next
    /// task to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider: Option<String>,
    /// The strategies in force, in order.
    #[serde(default)]
    pub strategies: Vec<String>,
    /// The container instance ARN it would go to; `None` when none can take it.
    #[serde(default)]
    pub chosen: Option<String>,
    /// How many instances tied on every strategy; the control plane's generator, where it
    /// stands now, picks `chosen` among them, as placing now would.
    #[serde(default)]
    pub tied: u32,
    /// One sentence: where, or why nowhere.
    pub summary: String,
    /// When nothing fits: ECS's "closest matching container-instance" sentence.
    #[serde(default)]
    pub closest_match: Option<String>,
    /// Every registered instance's verdict, in registration order.
    #[serde(default)]
    pub instances: Vec<InstanceVerdict>,
}

/// One instance's verdict in an [`Explanation`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceVerdict {
    /// The container instance.
    pub container_instance_arn: String,
    /// Its EC2 instance.
    pub ec2_instance_id: String,
    /// Its `ecs.availability-zone` attribute.
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// What the scheduler made of it.
    pub verdict: VerdictKind,
    /// Why it cannot take the task, as RunTask's `failures[].reason` says it
    /// (`RESOURCE:MEMORY`); empty when it can.
    #[serde(default)]
    pub reason: String,
    /// The same, with the numbers (`RESOURCE:PORTS (port 80 in use)`).
    #[serde(default)]
    pub detail: String,
    /// The key each ranking strategy gave it (lower wins); empty when it cannot take it.
    #[serde(default)]
    pub keys: Vec<u64>,
}

/// An instance's part in a placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictKind {
    /// It would take the task.
    Chosen,
    /// It could take the task; another ranked better (or won the draw).
    Ranked,
    /// A constraint, its status or its launch type rules it out.
    Filtered,
    /// It has too little CPU, memory, ports or ENIs left.
    Exhausted,
}

impl VerdictKind {
    /// The word a view shows and styles by.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Chosen => "chosen",
            VerdictKind::Ranked => "ranked",
            VerdictKind::Filtered => "filtered",
            VerdictKind::Exhausted => "exhausted",
        }
    }
}

/// A cluster's instances and their tasks, compactly.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FleetSummary {
    /// The cluster's name.
    pub cluster: String,
    /// The task definition ARNs the tasks name, by index.
    pub revisions: Vec<String>,
    /// The registered (not INACTIVE) instances, in registration order.
    pub instances: Vec<InstanceSummary>,
    /// Containers its restart policy restarted in place, of tasks not stopped or stopped
    /// within the hour: `[task ARN, container, restarts]` triples. ECS counts them in task
    /// metadata v4, not in DescribeTasks; the page shows them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restarts: Vec<(String, String, u32)>,
}

/// One instance of a [`FleetSummary`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InstanceSummary {
    /// The container instance id.
    pub id: String,
    /// Its Availability Zone.
    pub zone: String,
    /// ACTIVE or DRAINING.
    pub status: ContainerInstanceStatus,
    /// Whether its agent is connected.
    pub connected: bool,
    /// CPU units: `[reserved, registered]`.
    pub cpu: [u32; 2],
    /// MiB: `[reserved, registered]`.
    pub memory: [u32; 2],
    /// Its unstopped tasks: `[revision index, reserved MiB, 1 if RUNNING else 0]`.
    pub tasks: Vec<[u32; 3]>,
}

impl ClockDocument {
    /// Reads what [`Serialize`] wrote; `None` if it is not a clock.
    pub fn from_value(value: &Value) -> Option<ClockDocument> {
        Some(ClockDocument {
            region: text(value, "region"),
            now: value["now"].as_u64()?,
            speed: u32::try_from(number(value, "speed")).ok()?,
            adjustable: value["adjustable"].as_bool().unwrap_or(false),
            earliest: number(value, "earliest"),
        })
    }
}

impl Explanation {
    /// Reads what [`Serialize`] wrote; `None` if it is not an explanation.
    pub fn from_value(value: &Value) -> Option<Explanation> {
        Some(Explanation {
            cluster: value["cluster"].as_str()?.to_owned(),
            fargate: value["fargate"].as_bool().unwrap_or(false),
            task_definition: some_text(value, "taskDefinition"),
            group: text(value, "group"),
            capacity_provider: some_text(value, "capacityProvider"),
            strategies: items(value, "strategies")
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect(),
            chosen: some_text(value, "chosen"),
            tied: u32::try_from(number(value, "tied")).unwrap_or(0),
            summary: text(value, "summary"),
            closest_match: some_text(value, "closestMatch"),
            instances: items(value, "instances")
                .filter_map(InstanceVerdict::from_value)
                .collect(),
        })
    }
}

impl InstanceVerdict {
    fn from_value(value: &Value) -> Option<InstanceVerdict> {
        Some(InstanceVerdict {
            container_instance_arn: text(value, "containerInstanceArn"),
            ec2_instance_id: text(value, "ec2InstanceId"),
            availability_zone: some_text(value, "availabilityZone"),
            verdict: VerdictKind::from_wire(value["verdict"].as_str()?)?,
            reason: text(value, "reason"),
            detail: text(value, "detail"),
            keys: numbers(&value["keys"]),
        })
    }
}

impl VerdictKind {
    /// The verdict a word names.
    pub fn from_wire(word: &str) -> Option<VerdictKind> {
        [
            VerdictKind::Chosen,
            VerdictKind::Ranked,
            VerdictKind::Filtered,
            VerdictKind::Exhausted,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == word)
    }
}

impl FleetSummary {
    /// Reads what [`Serialize`] wrote; `None` if it is not a summary.
    pub fn from_value(value: &Value) -> Option<FleetSummary> {
        let pair = |v: &Value| -> [u32; 2] {
            let n = numbers(v);
            [0, 1].map(|i| n.get(i).copied().unwrap_or(0) as u32)
        };
        Some(FleetSummary {
            cluster: value["cluster"].as_str()?.to_owned(),
            revisions: items(value, "revisions")
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect(),
            instances: items(value, "instances")
                .map(|i| InstanceSummary {
                    id: text(i, "id"),
                    zone: text(i, "zone"),
                    status: ContainerInstanceStatus::from_wire(&text(i, "status")),
                    connected: i["connected"].as_bool().unwrap_or(false),
                    cpu: pair(&i["cpu"]),
                    memory: pair(&i["memory"]),
                    tasks: items(i, "tasks")
                        .map(|t| {
                            let n = numbers(t);
                            [0, 1, 2].map(|k| n.get(k).copied().unwrap_or(0) as u32)
                        })
                        .collect(),
                })
                .collect(),
            restarts: items(value, "restarts")
                .filter_map(|r| {
                    let n = u32::try_from(r[2].as_u64()?).ok()?;
                    Some((r[0].as_str()?.to_owned(), r[1].as_str()?.to_owned(), n))
                })
                .collect(),
        })
    }
}

/// What `/berth/check` is asked: a pasted task definition (any of the three forms
/// [`crate::check_text`] reads) and the family a bare containerDefinitions array goes under.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRequest {
    /// The text in the editor.
    #[serde(default)]
    pub text: String,
    /// The family for a bare array.
    #[serde(default)]
    pub family: String,
}

/// The editor's verdict on a text, as RegisterTaskDefinition would judge it now
/// (`/berth/check`, and the page's own world without a server).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "camelCase")]
pub enum Verdict {
    /// Nothing typed yet.
    Empty,
    /// Not JSON: where and why.
    Malformed {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's words.
        message: String,
    },
    /// ECS would refuse it: each problem.
    Invalid {
        /// The problems, in ECS's order.
        problems: Vec<ProblemView>,
    },
    /// ECS would register it: the family:revision and the describe-task-definition document.
    #[serde(rename_all = "camelCase")]
    Registered {
        /// `family:revision`.
        family_revision: String,
        /// The describe-task-definition output, pretty-printed.
        document: String,
    },
}

/// One problem, as the editor's list renders it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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

/// Judges `text` as RegisterTaskDefinition would at `now` (revision 1 of its family).
pub fn judge(text: &str, family: &str, now: crate::SimTime) -> Verdict {
    if text.trim().is_empty() {
        return Verdict::Empty;
    }
    let context = crate::RegistrationContext {
        scope: crate::ArnScope::default(),
        revision: 1,
        now,
    };
    let family = (!family.trim().is_empty()).then_some(family.trim());
    match crate::check_text(text, family, &context) {
        crate::Outcome::Malformed(error) => Verdict::Malformed {
            line: error.line,
            column: error.column,
            message: error.message,
        },
        crate::Outcome::Invalid(problems) => Verdict::Invalid {
            problems: problems
                .into_iter()
                .map(|p| ProblemView {
                    location: crate::locate::locate(text, &p.path).map(|at| {
                        let utf16 = text[..at.offset].encode_utf16().count();
                        (at.line, u32::try_from(utf16).unwrap_or(u32::MAX))
                    }),
                    exception: p.exception.to_string(),
                    message: p.message,
                    path: p.path.to_string(),
                })
                .collect(),
        },
        crate::Outcome::Registered {
            task_definition,
            tags,
        } => {
            let family_revision = format!(
                "{}:{}",
                task_definition.family.as_deref().unwrap_or(""),
                task_definition.revision.unwrap_or(1)
            );
            let response = crate::task_definition::DescribeTaskDefinitionResponse {
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

impl Verdict {
    /// Reads what [`Serialize`] wrote; `None` if it is not a verdict.
    pub fn from_value(value: &Value) -> Option<Verdict> {
        Some(match value["verdict"].as_str()? {
            "empty" => Verdict::Empty,
            "malformed" => Verdict::Malformed {
                line: usize::try_from(number(value, "line")).ok()?,
                column: usize::try_from(number(value, "column")).ok()?,
                message: text(value, "message"),
            },
            "invalid" => Verdict::Invalid {
                problems: items(value, "problems")
                    .map(|p| ProblemView {
                        exception: text(p, "exception"),
                        message: text(p, "message"),
                        path: text(p, "path"),
                        location: p["location"][0].as_u64().and_then(|line| {
                            let offset = u32::try_from(p["location"][1].as_u64()?).ok()?;
                            Some((usize::try_from(line).ok()?, offset))
                        }),
                    })
                    .collect(),
            },
            "registered" => Verdict::Registered {
                family_revision: text(value, "familyRevision"),
                document: text(value, "document"),
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each verdict reads back what it wrote; the editor's text is judged as
    /// RegisterTaskDefinition judges it.
    #[test]
    fn verdicts_read_back_and_judge_as_ecs_does() {
        let now = crate::SimTime::from_secs(1_700_000_000);
        let texts = [
            ("", "web"),
            ("{ oops", ""),
            (
                r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx"}]}"#,
                "",
            ),
            (
                r#"[{"name": "a", "image": "busybox", "memory": 8}]"#,
                "sleep",
            ),
            (r#"[{"name": "a", "image": "busybox", "memory": 8}]"#, " "),
        ];
        let verdicts: Vec<Verdict> = texts.iter().map(|(t, f)| judge(t, f, now)).collect();
        for verdict in &verdicts {
            let written = serde_json::to_value(verdict).unwrap();
            assert_eq!(
                Verdict::from_value(&written).as_ref(),
                Some(verdict),
                "{written}"
            );
        }
        assert_eq!(verdicts[0], Verdict::Empty);
        assert!(matches!(verdicts[1], Verdict::Malformed { line: 1, .. }));
        let Verdict::Invalid { problems } = &verdicts[2] else {
            panic!("{:?}", verdicts[2])
        };
        assert_eq!(problems[0].exception, "ClientException");
        assert_eq!(problems[0].path, "containerDefinitions[0]");
        assert_eq!(problems[0].location, Some((1, 43)));
        assert!(
            matches!(&verdicts[3], Verdict::Registered { family_revision, .. } if family_revision == "sleep:1")
        );
        let Verdict::Invalid { problems } = &verdicts[4] else {
            panic!("{:?}", verdicts[4])
        };
        assert_eq!(problems[0].message, "Family can not be blank.");
        assert_eq!(
            Verdict::from_value(&serde_json::json!({"verdict": "nonsense"})),
            None
        );
    }

    /// Each reader reads back everything its writer wrote, every member set.
    #[test]
    fn every_view_reads_back_what_it_wrote() {
        let clock = ClockDocument {
            region: "eu-west-1".into(),
            now: 5,
            speed: 100,
            adjustable: true,
            earliest: 2,
        };
        let wire = serde_json::to_value(&clock).unwrap();
        assert_eq!(ClockDocument::from_value(&wire), Some(clock));
        let explanation = Explanation {
            cluster: "default".into(),
            fargate: true,
            task_definition: Some("arn:td".into()),
            group: "service:web".into(),
            capacity_provider: Some("asg".into()),
            strategies: vec!["Spread".into()],
            chosen: Some("arn:ci".into()),
            tied: 2,
            summary: "placed".into(),
            closest_match: Some("closest".into()),
            instances: [
                VerdictKind::Chosen,
                VerdictKind::Ranked,
                VerdictKind::Filtered,
                VerdictKind::Exhausted,
            ]
            .into_iter()
            .map(|verdict| InstanceVerdict {
                container_instance_arn: "arn:ci".into(),
                ec2_instance_id: "i-1".into(),
                availability_zone: Some("us-east-1a".into()),
                verdict,
                reason: "RESOURCE:MEMORY".into(),
                detail: "detail".into(),
                keys: vec![1, 2],
            })
            .collect(),
        };
        let wire = serde_json::to_value(&explanation).unwrap();
        assert_eq!(Explanation::from_value(&wire), Some(explanation));
        let summary = FleetSummary {
            cluster: "default".into(),
            revisions: vec!["arn:td:1".into()],
            instances: vec![InstanceSummary {
                id: "abc".into(),
                zone: "us-east-1b".into(),
                status: ContainerInstanceStatus::Draining,
                connected: true,
                cpu: [256, 2048],
                memory: [512, 3943],
                tasks: vec![[0, 512, 1]],
            }],
            restarts: vec![("arn:t".into(), "web".into(), 2)],
        };
        let wire = serde_json::to_value(&summary).unwrap();
        assert_eq!(FleetSummary::from_value(&wire), Some(summary));
        assert_eq!(ClockDocument::from_value(&serde_json::json!("no")), None);
    }
}
