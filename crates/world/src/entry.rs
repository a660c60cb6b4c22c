//! The journal's entries: every input that changes the world, with the time it came at.
//! The world is a deterministic function of them, so they are the whole state: replaying them
//! in order rebuilds it byte for byte.

use berth_model::SimTime;

/// One journalled input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The region whose fleet it went to.
    pub region: String,
    /// When it came.
    pub at: SimTime,
    /// The input.
    pub what: What,
}

/// What an input was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum What {
    /// The region's control plane and fleet were created.
    Region {
        /// The account id in its ARNs.
        account: String,
        /// Its generator's seed.
        seed: u64,
    },
    /// A virtual instance was launched into the region's `default` cluster.
    LaunchInstance {
        /// Its EC2 instance type.
        instance_type: String,
        /// Its Availability Zone.
        zone: String,
    },
    /// A Docker agent offered an instance.
    AgentAttach {
        /// The agent's id for it.
        instance_id: String,
        /// `{"offer", "dockerVersion"}`.
        body: String,
    },
    /// An agent's report from a Docker-backed instance.
    AgentEvent {
        /// The container instance.
        instance_arn: String,
        /// The AgentEvent, as JSON.
        event: String,
    },
    /// A fleet action (`/berth/fleet`), as JSON.
    Fleet(String),
    /// A real health check's answer, for a target on a Docker-backed instance.
    ProbeAnswer {
        /// The check's id.
        id: u64,
        /// What it got.
        outcome: berth_elb::ProbeOutcome,
    },
    /// Requests real listeners carried, counted as they were answered.
    Served(Vec<berth_elb::Served>),
    /// An Elastic Load Balancing operation that changes something: its form body (the
    /// Query protocol), which names the action.
    ElbRequest {
        /// The form-encoded body.
        body: String,
    },
    /// A CloudWatch operation that changes something, and its input as JSON (read from the
    /// protocol's CBOR).
    CloudWatchRequest {
        /// `PutMetricAlarm`, `SetAlarmState`, ...
        operation: String,
        /// Its input as JSON.
        input: String,
    },
    /// An Application Auto Scaling operation that changes something, and its JSON body.
    AutoScalingRequest {
        /// `RegisterScalableTarget`, `PutScalingPolicy`, ...
        operation: String,
        /// Its input as JSON.
        input: String,
    },
    /// A CloudWatch Logs operation that changes something, and its JSON body.
    LogsRequest {
        /// `CreateLogGroup`, `PutLogEvents`, ...
        operation: String,
        /// Its input as JSON.
        input: String,
    },
    /// Lines a Docker container wrote, for its log stream.
    ContainerOutput {
        /// The task.
        task_arn: String,
        /// The container.
        container: String,
        /// The lines.
        lines: Vec<String>,
    },
    /// An ECS operation that changes something, and its JSON body.
    Request {
        /// `RunTask`, `CreateService`, ...
        operation: String,
        /// Its JSON body.
        body: String,
    },
}

impl Entry {
    /// The entry's row in a table of `(kind, operation, body)` (the server's SQLite journal).
    pub fn to_row(&self) -> (&'static str, String, String) {
        match &self.what {
            What::Region { account, seed } => (
                "region",
                String::new(),
                serde_json::json!({"account": account, "seed": seed}).to_string(),
            ),
            What::LaunchInstance {
                instance_type,
                zone,
            } => ("launch-instance", instance_type.clone(), zone.clone()),
            What::AgentAttach { instance_id, body } => {
                ("agent-attach", instance_id.clone(), body.clone())
            }
            What::AgentEvent {
                instance_arn,
                event,
            } => ("agent-event", instance_arn.clone(), event.clone()),
            What::Fleet(action) => ("fleet", String::new(), action.clone()),
            What::ProbeAnswer { id, outcome } => (
                "probe-answer",
                id.to_string(),
                serde_json::to_string(outcome).expect("an outcome serialises"),
            ),
            What::Served(served) => (
                "served",
                String::new(),
                serde_json::to_string(served).expect("counts serialise"),
            ),
            What::Request { operation, body } => ("request", operation.clone(), body.clone()),
            What::ElbRequest { body } => ("elb-request", String::new(), body.clone()),
            What::CloudWatchRequest { operation, input } => {
                ("cloudwatch-request", operation.clone(), input.clone())
            }
            What::AutoScalingRequest { operation, input } => {
                ("autoscaling-request", operation.clone(), input.clone())
            }
            What::LogsRequest { operation, input } => {
                ("logs-request", operation.clone(), input.clone())
            }
            What::ContainerOutput {
                task_arn,
                container,
                lines,
            } => (
                "container-output",
                task_arn.clone(),
                serde_json::json!({"container": container, "lines": lines}).to_string(),
            ),
        }
    }

    /// An entry from its row; `None` for a kind this Berth does not know. A region row from
    /// an older journal holds the account alone (or nothing): its account is then
    /// `default_account` and its seed the region's name's ([`seed_of`]).
    pub fn from_row(
        region: &str,
        at_ms: u64,
        kind: &str,
        operation: &str,
        body: &str,
        default_account: &str,
    ) -> Option<Entry> {
        let what = match kind {
            "region" => {
                let created: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
                let account = match (&created["account"], body.is_empty()) {
                    (serde_json::Value::String(account), _) => account.clone(),
                    (_, true) => default_account.to_owned(),
                    (_, false) => body.to_owned(),
                };
                What::Region {
                    account,
                    seed: created["seed"].as_u64().unwrap_or_else(|| seed_of(region)),
                }
            }
            "launch-instance" => What::LaunchInstance {
                instance_type: operation.to_owned(),
                zone: body.to_owned(),
            },
            "agent-attach" => What::AgentAttach {
                instance_id: operation.to_owned(),
                body: body.to_owned(),
            },
            "agent-event" => What::AgentEvent {
                instance_arn: operation.to_owned(),
                event: body.to_owned(),
            },
            "fleet" => What::Fleet(body.to_owned()),
            "probe-answer" => What::ProbeAnswer {
                id: operation.parse().ok()?,
                outcome: serde_json::from_str(body).ok()?,
            },
            "served" => What::Served(serde_json::from_str(body).ok()?),
            "elb-request" => What::ElbRequest {
                body: body.to_owned(),
            },
            "cloudwatch-request" => What::CloudWatchRequest {
                operation: operation.to_owned(),
                input: body.to_owned(),
            },
            "autoscaling-request" => What::AutoScalingRequest {
                operation: operation.to_owned(),
                input: body.to_owned(),
            },
            "logs-request" => What::LogsRequest {
                operation: operation.to_owned(),
                input: body.to_owned(),
            },
            "container-output" => {
                let output: serde_json::Value = serde_json::from_str(body).ok()?;
                What::ContainerOutput {
                    task_arn: operation.to_owned(),
                    container: output["container"].as_str()?.to_owned(),
                    lines: serde_json::from_value(output["lines"].clone()).ok()?,
                }
            }
            "request" => What::Request {
                operation: operation.to_owned(),
                body: body.to_owned(),
            },
            _ => return None,
        };
        Some(Entry {
            region: region.to_owned(),
            at: SimTime(at_ms),
            what,
        })
    }
}

/// A region's own seed (FNV-1a of its name): the same region always starts the same way.
pub fn seed_of(region: &str) -> u64 {
    region.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_survives_its_row() {
        let entries = [
            What::Region {
                account: "123456789012".into(),
                seed: 7,
            },
            What::LaunchInstance {
                instance_type: "t3.medium".into(),
                zone: "us-east-1a".into(),
            },
            What::AgentAttach {
                instance_id: "i-1".into(),
                body: "{}".into(),
            },
            What::AgentEvent {
                instance_arn: "arn".into(),
                event: "{}".into(),
            },
            What::Fleet("{\"action\":\"kill\"}".into()),
            What::ProbeAnswer {
                id: 9,
                outcome: berth_elb::ProbeOutcome::Answered(503),
            },
            What::Served(vec![berth_elb::Served {
                load_balancer_arn: "arn:lb".into(),
                target: Some(("arn:tg".into(), "i-1".into(), 32768)),
                counts: berth_elb::Counts {
                    requests: 3,
                    target5xx: 1,
                    elb5xx: 0,
                },
            }]),
            What::ElbRequest {
                body: "Action=CreateLoadBalancer".into(),
            },
            What::CloudWatchRequest {
                operation: "PutMetricAlarm".into(),
                input: "{}".into(),
            },
            What::AutoScalingRequest {
                operation: "PutScalingPolicy".into(),
                input: "{}".into(),
            },
            What::LogsRequest {
                operation: "CreateLogGroup".into(),
                input: "{}".into(),
            },
            What::ContainerOutput {
                task_arn: "arn:task".into(),
                container: "web".into(),
                lines: vec!["hello".into(), "".into()],
            },
            What::Request {
                operation: "RunTask".into(),
                body: "{}".into(),
            },
        ];
        for what in entries {
            let entry = Entry {
                region: "us-east-1".into(),
                at: SimTime(5),
                what,
            };
            let (kind, operation, body) = entry.to_row();
            let back = Entry::from_row("us-east-1", 5, kind, &operation, &body, "x");
            assert_eq!(back, Some(entry));
        }
        assert_eq!(Entry::from_row("r", 0, "unheard-of", "", "", "x"), None);
    }

    #[test]
    fn older_region_rows_keep_their_account_and_take_the_name_seed() {
        let bare = Entry::from_row("eu-west-1", 0, "region", "", "", "111").unwrap();
        assert_eq!(
            bare.what,
            What::Region {
                account: "111".into(),
                seed: seed_of("eu-west-1")
            }
        );
        let account_only = Entry::from_row("eu-west-1", 0, "region", "", "222", "111").unwrap();
        assert_eq!(
            account_only.what,
            What::Region {
                account: "222".into(),
                seed: seed_of("eu-west-1")
            }
        );
    }
}
