//! Guided lessons: the seeds' stories as steps a newcomer takes on the live fleet. Each lesson
//! has its own cluster; each step says what to do and why, can do it ("Do it for me" makes
//! the ECS calls the AWS CLI would), and is checked on what ECS then reports of the cluster
//! (its Describe documents, its service events) or on the call's answer. Pure and tested
//! natively; the panel is in [`crate::fleet`].

use berth_model::{messages, JsonPath};
use serde_json::{json, Value};

use crate::i18n::Lang;
use crate::live::Snapshot;

/// A text in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    pub en: &'static str,
    pub ja: &'static str,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Ja => self.ja,
        }
    }
}

/// What the last call came to: `Ok(what)` or `Err("Exception: message")`.
pub type Outcome = Option<Result<String, String>>;

/// One step of a lesson.
pub struct Step {
    pub text: Text,
    /// The ECS calls "Do it for me" makes, `(operation, body)`, given the lesson's cluster
    /// and what is known of it.
    pub calls: fn(&str, &Snapshot) -> Vec<(&'static str, Value)>,
    /// Whether the step is done.
    pub done: fn(&Snapshot, &Outcome) -> bool,
}

/// A lesson.
pub struct Lesson {
    pub id: &'static str,
    pub title: Text,
    /// The cluster it builds (`-2`, `-3` ... when played again, see [`cluster_for`]).
    pub cluster: &'static str,
    pub steps: &'static [Step],
}

/// The cluster a new play of `lesson` builds: its own name, or the first of `-2`, `-3` ...
/// that does not exist yet, so a lesson played again starts from nothing.
pub fn cluster_for(lesson: &Lesson, existing: &[String]) -> String {
    (1..)
        .map(|n| match n {
            1 => lesson.cluster.to_owned(),
            n => format!("{}-{n}", lesson.cluster),
        })
        .find(|name| !existing.contains(name))
        .expect("some name is free")
}

/// How many of the lesson's steps are done, in order: the `from` already done, and each next
/// one whose check now holds.
pub fn progress(lesson: &Lesson, from: usize, snapshot: &Snapshot, outcome: &Outcome) -> usize {
    let mut done = from.min(lesson.steps.len());
    while done < lesson.steps.len() && (lesson.steps[done].done)(snapshot, outcome) {
        done += 1;
    }
    done
}

fn instance(cluster: &str, cpu: i64, memory: i64) -> (&'static str, Value) {
    (
        "RegisterContainerInstance",
        json!({"cluster": cluster, "totalResources": [
            {"name": "CPU", "type": "INTEGER", "integerValue": cpu},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": memory}]}),
    )
}

fn create_cluster(cluster: &str) -> (&'static str, Value) {
    ("CreateCluster", json!({"clusterName": cluster}))
}

fn register(family: &str, containers: Value) -> (&'static str, Value) {
    (
        "RegisterTaskDefinition",
        json!({"family": family, "containerDefinitions": containers}),
    )
}

fn web(image: &str, host_port: u16) -> Value {
    json!([{"name": "web", "image": image, "memory": 128, "essential": true,
            "portMappings": [{"containerPort": 80, "hostPort": host_port}]}])
}

fn service(cluster: &str, name: &str, family: &str, count: u32) -> (&'static str, Value) {
    (
        "CreateService",
        json!({"cluster": cluster, "serviceName": name, "taskDefinition": family,
               "desiredCount": count}),
    )
}

fn update(cluster: &str, family: &str) -> (&'static str, Value) {
    (
        "UpdateService",
        json!({"cluster": cluster, "service": "web", "taskDefinition": family}),
    )
}

fn active_instances(s: &Snapshot) -> usize {
    s.instances
        .iter()
        .filter(|i| i["status"] == "ACTIVE")
        .count()
}

fn exists(s: &Snapshot) -> bool {
    s.clusters.contains(&s.cluster)
}

fn running(s: &Snapshot) -> Vec<&Value> {
    s.tasks
        .iter()
        .filter(|t| t["lastStatus"] == "RUNNING" && t["desiredStatus"] == "RUNNING")
        .collect()
}

fn web_service(s: &Snapshot) -> Option<&Value> {
    s.services.iter().find(|v| v["serviceName"] == "web")
}

/// The service `web` has one deployment left, COMPLETED, with `count` tasks running.
fn rolled_out(s: &Snapshot, count: u64) -> bool {
    web_service(s).is_some_and(|v| {
        let deployments = v["deployments"].as_array().map_or(0, Vec::len);
        deployments == 1
            && v["deployments"][0]["rolloutState"] == "COMPLETED"
            && v["runningCount"] == count
    })
}

/// The service `web` runs another revision than some of its earlier tasks did: a new
/// revision has replaced an old one (revision numbers are the account's, so a lesson played
/// twice sees other ones; its cluster is new each time).
fn replaced(s: &Snapshot) -> bool {
    web_service(s).is_some_and(|v| {
        s.tasks
            .iter()
            .any(|t| t["group"] == "service:web" && t["taskDefinitionArn"] != v["taskDefinition"])
    })
}

/// Whether ECS said the web service could not place a task, naming one of the cluster's
/// instances as the closest match for the reason `closest` words (the model's sentences, so
/// the lesson and the control plane cannot disagree on the text).
fn unable_to_place(s: &Snapshot, closest: fn(&str) -> String) -> bool {
    let unable = messages::unable_to_place("web");
    let closest: Vec<String> = s
        .instances
        .iter()
        .filter_map(|i| i["containerInstanceArn"].as_str()?.rsplit('/').next())
        .map(closest)
        .collect();
    web_service(s).is_some_and(|v| {
        v["events"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["message"].as_str())
            .any(|m| m.starts_with(&unable) && closest.iter().any(|c| m.contains(c.as_str())))
    })
}

/// The host ports of running tasks' containers.
/// Every host port the running tasks are bound to, and whether the agent picked it
/// (dynamic: the instance does not list it as reserved, see [`crate::live::is_dynamic_port`]).
fn bindings(s: &Snapshot) -> Vec<(u64, bool)> {
    let mut bound = Vec::new();
    for task in running(s) {
        let instance = s
            .instances
            .iter()
            .find(|i| i["containerInstanceArn"] == task["containerInstanceArn"]);
        for container in task["containers"].as_array().into_iter().flatten() {
            for binding in container["networkBindings"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let Some(port) = binding["hostPort"].as_u64() else {
                    continue;
                };
                let protocol = binding["protocol"].as_str().unwrap_or("tcp");
                let dynamic =
                    instance.is_some_and(|i| crate::live::is_dynamic_port(i, port, protocol));
                bound.push((port, dynamic));
            }
        }
    }
    bound
}

fn nothing(_: &str, _: &Snapshot) -> Vec<(&'static str, Value)> {
    Vec::new()
}

/// The first step of several lessons: a cluster with one t3.medium-sized instance.
const ONE_INSTANCE: Step = Step {
    text: Text {
        en: "A cluster with one instance.",
        ja: "インスタンス 1 台のクラスターを作ります。",
    },
    calls: |c, _| vec![create_cluster(c), instance(c, 2048, 3904)],
    done: |s, _| active_instances(s) == 1,
};

pub const LESSONS: &[Lesson] = &[
    Lesson {
        id: "first-cluster",
        title: Text {
            en: "Your first cluster (seed 000)",
            ja: "はじめてのクラスター (seed 000)",
        },
        cluster: "lesson-first-cluster",
        steps: &[
            Step {
                text: Text {
                    en: "Create a cluster: the group of instances ECS places tasks on (aws ecs create-cluster).",
                    ja: "クラスターを作ります。ECS がタスクを配置するインスタンスのまとまりです (aws ecs create-cluster)。",
                },
                calls: |c, _| vec![create_cluster(c)],
                done: |s, _| exists(s),
            },
            Step {
                text: Text {
                    en: "Two EC2 instances join it: each one's ECS agent registers its CPU (1024 units) and memory (3768 MiB) with the cluster.",
                    ja: "EC2 インスタンスを 2 台参加させます。各インスタンスの ECS エージェントが CPU (1024 ユニット) とメモリ (3768 MiB) をクラスターに登録します。",
                },
                calls: |c, _| vec![instance(c, 1024, 3768), instance(c, 1024, 3768)],
                done: |s, _| active_instances(s) >= 2,
            },
            Step {
                text: Text {
                    en: "Register the task definition sleep360 (busybox running sleep 360, 10 CPU units, 10 MiB) and run it ten times (run-task --count 10). RunTask places tasks at random over the instances that fit.",
                    ja: "タスク定義 sleep360 (busybox で sleep 360、CPU 10、メモリ 10 MiB) を登録し、10 回実行します (run-task --count 10)。RunTask は収まるインスタンスにランダムに配置します。",
                },
                calls: |c, _| {
                    vec![
                        register(
                            "sleep360",
                            json!([{"name": "sleep", "image": "busybox", "cpu": 10, "memory": 10,
                                    "command": ["sleep", "360"], "essential": true}]),
                        ),
                        ("RunTask", json!({"cluster": c, "taskDefinition": "sleep360", "count": 10})),
                    ]
                },
                done: |s, _| {
                    s.tasks
                        .iter()
                        .filter(|t| t["group"] == "family:sleep360")
                        .count()
                        >= 10
                },
            },
            Step {
                text: Text {
                    en: "Wait six minutes: each container exits 0 after sleep 360 and its task STOPS with \"Essential container in task exited\". Set the clock to 100× to see it in seconds.",
                    ja: "6 分待ちます。各コンテナは sleep 360 のあと終了コード 0 で終わり、タスクは \"Essential container in task exited\" で STOPPED になります。時計を 100× にすると数秒で見られます。",
                },
                calls: nothing,
                done: |s, _| {
                    s.tasks
                        .iter()
                        .filter(|t| {
                            t["lastStatus"] == "STOPPED"
                                && t["stoppedReason"] == "Essential container in task exited"
                        })
                        .count()
                        >= 10
                },
            },
        ],
    },
    Lesson {
        id: "port-stall",
        title: Text {
            en: "Ports are resources: the stuck deployment (seed 002)",
            ja: "ポートもリソース: 止まったデプロイ (seed 002)",
        },
        cluster: "lesson-port-stall",
        steps: &[
            Step {
                text: Text {
                    en: "A cluster with a single instance.",
                    ja: "インスタンスが 1 台だけのクラスターを作ります。",
                },
                calls: |c, _| vec![create_cluster(c), instance(c, 1024, 993)],
                done: |s, _| active_instances(s) == 1,
            },
            Step {
                text: Text {
                    en: "Register web (nginx with container port 80 on host port 80) and create a service of one task.",
                    ja: "web (nginx、コンテナポート 80 をホストポート 80 で公開) を登録し、タスク 1 つのサービスを作ります。",
                },
                calls: |c, _| {
                    vec![
                        register("web-static", web("nginx:1.26", 80)),
                        service(c, "web", "web-static", 1),
                    ]
                },
                done: |s, _| rolled_out(s, 1),
            },
            Step {
                text: Text {
                    en: "Deploy revision 2. By default minimumHealthyPercent is 100 and maximumPercent 200: ECS starts the new task before it stops the old one, but port 80 on the only instance is taken. The service's events say so; the deployment waits.",
                    ja: "リビジョン 2 をデプロイします。既定は minimumHealthyPercent 100、maximumPercent 200 なので、ECS は古いタスクを止める前に新しいタスクを起動しようとします。しかし唯一のインスタンスのポート 80 は使用中です。サービスのイベントがそう告げ、デプロイは進みません。",
                },
                calls: |c, _| {
                    vec![
                        register("web-static", web("nginx:1.27", 80)),
                        update(c, "web-static"),
                    ]
                },
                done: |s, _| unable_to_place(s, messages::closest_ports),
            },
            Step {
                text: Text {
                    en: "The way out: minimumHealthyPercent 0 lets ECS stop the old task first. The new one then takes port 80.",
                    ja: "解決策: minimumHealthyPercent を 0 にすると、ECS は先に古いタスクを止められます。新しいタスクがポート 80 を使えるようになります。",
                },
                calls: |c, _| {
                    vec![(
                        "UpdateService",
                        json!({"cluster": c, "service": "web", "deploymentConfiguration":
                               {"minimumHealthyPercent": 0, "maximumPercent": 100}}),
                    )]
                },
                done: |s, _| rolled_out(s, 1) && replaced(s),
            },
        ],
    },
    Lesson {
        id: "dynamic-ports",
        title: Text {
            en: "Dynamic host ports (seed 003)",
            ja: "動的ホストポート (seed 003)",
        },
        cluster: "lesson-dynamic-ports",
        steps: &[
            ONE_INSTANCE,
            Step {
                text: Text {
                    en: "Register web with hostPort 0: each task gets a free host port from the ephemeral range, so three tasks share one instance. See their ports on the instance.",
                    ja: "hostPort 0 で web を登録します。タスクごとにエフェメラル範囲の空きホストポートが割り当てられるので、3 つのタスクが 1 台のインスタンスに同居できます。インスタンスのポートを見てください。",
                },
                calls: |c, _| {
                    vec![
                        register("web-dynamic", web("nginx:1.26", 0)),
                        service(c, "web", "web-dynamic", 3),
                    ]
                },
                done: |s, _| {
                    let bound = bindings(s);
                    let mut ports: Vec<u64> = bound.iter().map(|(port, _)| *port).collect();
                    ports.sort_unstable();
                    ports.dedup();
                    ports.len() == 3 && bound.iter().all(|(_, dynamic)| *dynamic)
                },
            },
            Step {
                text: Text {
                    en: "Deploy revision 2 with the defaults: with dynamic ports the new tasks start beside the old ones, and the deployment completes on one instance.",
                    ja: "既定の設定のままリビジョン 2 をデプロイします。動的ポートなら新しいタスクは古いタスクの隣で起動でき、1 台のままデプロイが完了します。",
                },
                calls: |c, _| {
                    vec![
                        register("web-dynamic", web("nginx:1.27", 0)),
                        update(c, "web-dynamic"),
                    ]
                },
                done: |s, _| rolled_out(s, 3) && replaced(s),
            },
        ],
    },
    Lesson {
        id: "shortage",
        title: Text {
            en: "Not enough memory",
            ja: "メモリが足りない",
        },
        cluster: "lesson-shortage",
        steps: &[
            Step {
                text: Text {
                    en: "A cluster with one small instance: 1024 CPU units, 1024 MiB.",
                    ja: "小さなインスタンス (CPU 1024 ユニット、メモリ 1024 MiB) 1 台のクラスターを作ります。",
                },
                calls: |c, _| vec![create_cluster(c), instance(c, 1024, 1024)],
                done: |s, _| active_instances(s) == 1,
            },
            Step {
                text: Text {
                    en: "A service of three tasks of 400 MiB: two fit, the third cannot be placed. The service's event names the closest match and what it lacks.",
                    ja: "400 MiB のタスク 3 つのサービスを作ります。2 つは収まりますが 3 つ目は配置できません。サービスのイベントが最も近い候補と足りないものを告げます。",
                },
                calls: |c, _| {
                    vec![
                        register(
                            "big",
                            json!([{"name": "app", "image": "busybox", "memory": 400,
                                    "command": ["sleep", "86400"], "essential": true}]),
                        ),
                        service(c, "web", "big", 3),
                    ]
                },
                done: |s, _| unable_to_place(s, messages::closest_memory),
            },
            Step {
                text: Text {
                    en: "Add a second instance: the service places its third task there by itself.",
                    ja: "2 台目のインスタンスを追加します。サービスは自分で 3 つ目のタスクをそこに配置します。",
                },
                calls: |c, _| vec![instance(c, 1024, 1024)],
                done: |s, _| web_service(s).is_some_and(|v| v["runningCount"] == 3),
            },
        ],
    },
    Lesson {
        id: "draining",
        title: Text {
            en: "Draining an instance",
            ja: "インスタンスのドレイン",
        },
        cluster: "lesson-draining",
        steps: &[
            Step {
                text: Text {
                    en: "A cluster with two instances and a service of two tasks.",
                    ja: "インスタンス 2 台と、タスク 2 つのサービスを用意します。",
                },
                calls: |c, _| {
                    vec![
                        create_cluster(c),
                        instance(c, 2048, 3904),
                        instance(c, 2048, 3904),
                        register("web-dynamic", web("nginx:1.26", 0)),
                        service(c, "web", "web-dynamic", 2),
                    ]
                },
                done: |s, _| web_service(s).is_some_and(|v| v["runningCount"] == 2),
            },
            Step {
                text: Text {
                    en: "Drain the first instance (update-container-instances-state --status DRAINING), as before patching it. ECS places nothing new there and moves the service's tasks to the other instance, within minimumHealthyPercent and maximumPercent.",
                    ja: "パッチ適用の前のように、1 台目をドレインします (update-container-instances-state --status DRAINING)。ECS はそこに新しいタスクを置かず、minimumHealthyPercent と maximumPercent の範囲でサービスのタスクをもう 1 台へ移します。",
                },
                calls: |c, s| {
                    s.instances
                        .first()
                        .map(|i| {
                            (
                                "UpdateContainerInstancesState",
                                json!({"cluster": c, "status": "DRAINING",
                                       "containerInstances": [i["containerInstanceArn"]]}),
                            )
                        })
                        .into_iter()
                        .collect()
                },
                done: |s, _| {
                    s.instances
                        .iter()
                        .any(|i| i["status"] == "DRAINING" && i["runningTasksCount"] == 0)
                        && web_service(s).is_some_and(|v| v["runningCount"] == 2)
                },
            },
        ],
    },
    Lesson {
        id: "wordpress",
        title: Text {
            en: "WordPress and MySQL with links (seed 004)",
            ja: "links でつなぐ WordPress と MySQL (seed 004)",
        },
        cluster: "lesson-wordpress",
        steps: &[
            ONE_INSTANCE,
            Step {
                text: Text {
                    en: "Register the seed's task definition, where wordpress reaches mysql through links (bridge mode), and run it. ECS starts mysql first, since wordpress links to it.",
                    ja: "seed のタスク定義を登録して実行します。wordpress は links (bridge モード) で mysql に接続します。wordpress が mysql にリンクしているので、ECS は mysql を先に起動します。",
                },
                calls: |c, _| {
                    vec![
                        register(
                            "wordpress",
                            json!([
                                {"name": "wordpress", "image": "wordpress", "cpu": 10, "memory": 500,
                                 "links": ["mysql"], "essential": true,
                                 "portMappings": [{"containerPort": 80, "hostPort": 80}]},
                                {"name": "mysql", "image": "mysql", "cpu": 10, "memory": 500,
                                 "essential": true,
                                 "environment": [{"name": "MYSQL_ROOT_PASSWORD", "value": "password"}]}
                            ]),
                        ),
                        ("RunTask", json!({"cluster": c, "taskDefinition": "wordpress"})),
                    ]
                },
                done: |s, _| {
                    running(s).iter().any(|t| {
                        t["containers"].as_array().is_some_and(|cs| {
                            cs.len() == 2 && cs.iter().all(|c| c["lastStatus"] == "RUNNING")
                        })
                    })
                },
            },
        ],
    },
    Lesson {
        id: "fargate",
        title: Text {
            en: "Fargate task sizes (seed 001)",
            ja: "Fargate のタスクサイズ (seed 001)",
        },
        cluster: "lesson-fargate",
        steps: &[
            Step {
                text: Text {
                    en: "Fargate runs only certain task sizes. Try 256 CPU units with 4096 MiB: RegisterTaskDefinition refuses it.",
                    ja: "Fargate は決まったタスクサイズしか動かせません。CPU 256 ユニットとメモリ 4096 MiB を試すと、RegisterTaskDefinition が拒否します。",
                },
                calls: |c, _| vec![create_cluster(c), fargate_definition("4096")],
                done: |_, outcome| {
                    let refusal = messages::fargate_no_configuration(256, 4096, &JsonPath::root());
                    matches!(outcome, Some(Err(e)) if e.ends_with(&refusal.message))
                },
            },
            Step {
                text: Text {
                    en: "256 CPU units go with 512, 1024 or 2048 MiB. Register it with 512 and run it as a Fargate service: no instance needed, each task gets its own network interface in the subnet.",
                    ja: "CPU 256 ユニットに合うのは 512、1024、2048 MiB です。512 で登録し、Fargate のサービスとして実行します。インスタンスは不要で、タスクごとにサブネット内のネットワークインターフェイスが付きます。",
                },
                calls: |c, _| {
                    vec![
                        fargate_definition("512"),
                        (
                            "CreateService",
                            json!({"cluster": c, "serviceName": "web", "taskDefinition": "fargate-web",
                                   "desiredCount": 1, "launchType": "FARGATE",
                                   "networkConfiguration": {"awsvpcConfiguration": {
                                       "subnets": ["subnet-0a1b2c3d"], "assignPublicIp": "ENABLED"}}}),
                        ),
                    ]
                },
                done: |s, _| {
                    running(s)
                        .iter()
                        .any(|t| t["launchType"] == "FARGATE" && t["memory"] == "512")
                },
            },
        ],
    },
];

fn fargate_definition(memory: &str) -> (&'static str, Value) {
    (
        "RegisterTaskDefinition",
        json!({"family": "fargate-web", "requiresCompatibilities": ["FARGATE"],
               "networkMode": "awsvpc", "cpu": "256", "memory": memory,
               "containerDefinitions": [{"name": "web", "image": "nginx", "essential": true,
                                         "portMappings": [{"containerPort": 80}]}]}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(cluster: &str) -> Snapshot {
        Snapshot {
            clusters: vec![cluster.into()],
            cluster: cluster.into(),
            ..Snapshot::default()
        }
    }

    /// Every lesson's calls are well-formed ECS requests (the control plane decodes them),
    /// and no step counts as done on an empty cluster except what the calls themselves do.
    #[test]
    fn every_call_decodes_and_nothing_is_done_on_an_empty_cluster() {
        for lesson in LESSONS {
            let empty = Snapshot {
                cluster: lesson.cluster.into(),
                ..Snapshot::default()
            };
            assert_eq!(progress(lesson, 0, &empty, &None), 0, "{}", lesson.id);
            for step in lesson.steps {
                for (operation, body) in (step.calls)(lesson.cluster, &snapshot(lesson.cluster)) {
                    berth_control_plane::Request::from_operation(operation, body.clone())
                        .unwrap_or_else(|e| panic!("{}: {operation} {body}: {e}", lesson.id));
                }
                assert!(!step.text.en.is_empty() && !step.text.ja.is_empty());
            }
        }
    }

    /// Steps are done in order: a later check that holds does not skip an earlier one.
    #[test]
    fn progress_goes_in_order() {
        let lesson = &LESSONS[0];
        let mut s = snapshot(lesson.cluster);
        assert_eq!(progress(lesson, 0, &s, &None), 1);
        s.instances = vec![json!({"status": "ACTIVE"}), json!({"status": "ACTIVE"})];
        assert_eq!(progress(lesson, 0, &s, &None), 2);
        let stopped = json!({"group": "family:sleep360", "lastStatus": "STOPPED",
                             "stoppedReason": "Essential container in task exited"});
        s.tasks = vec![stopped; 10];
        assert_eq!(progress(lesson, 0, &s, &None), 4);
        // Already done steps stay done when the cluster moves on.
        assert_eq!(progress(lesson, 3, &snapshot(lesson.cluster), &None), 3);
    }

    /// The in-page control plane, called as the page calls it (JSON text in and out).
    #[cfg(feature = "local")]
    struct Page {
        local: crate::local::Local,
        wall: f64,
    }

    #[cfg(feature = "local")]
    impl Page {
        fn call(&mut self, operation: &str, body: Value) -> Result<Value, String> {
            let target = format!("{}{operation}", berth_api::TARGET_PREFIX);
            let (status, text) = self
                .local
                .post(self.wall, "/", Some(&target), &body.to_string());
            let value: Value = serde_json::from_str(&text).unwrap();
            match status {
                200 => Ok(value),
                _ => Err(format!(
                    "{}: {}",
                    value["__type"].as_str().unwrap(),
                    value["message"].as_str().unwrap()
                )),
            }
        }

        /// What the page would see of `cluster`: the Describe documents.
        fn look(&mut self, cluster: &str) -> Snapshot {
            let mut call = |operation: &str, body: Value| -> Value {
                self.call(operation, body).unwrap_or(Value::Null)
            };
            let clusters = call("ListClusters", json!({}))["clusterArns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().rsplit('/').next().unwrap().to_owned())
                .collect::<Vec<_>>();
            let mut snapshot = Snapshot {
                cluster: cluster.into(),
                ..Snapshot::default()
            };
            if clusters.iter().any(|c| c == cluster) {
                let arns = call("ListContainerInstances", json!({"cluster": cluster}))
                    ["containerInstanceArns"]
                    .clone();
                if arns.as_array().is_some_and(|a| !a.is_empty()) {
                    let described = call(
                        "DescribeContainerInstances",
                        json!({"cluster": cluster, "containerInstances": arns}),
                    );
                    snapshot.instances =
                        described["containerInstances"].as_array().unwrap().clone();
                }
                for status in ["RUNNING", "STOPPED"] {
                    let arns = call(
                        "ListTasks",
                        json!({"cluster": cluster, "desiredStatus": status}),
                    )["taskArns"]
                        .clone();
                    if arns.as_array().is_some_and(|a| !a.is_empty()) {
                        let described =
                            call("DescribeTasks", json!({"cluster": cluster, "tasks": arns}));
                        snapshot
                            .tasks
                            .extend(described["tasks"].as_array().unwrap().clone());
                    }
                }
                let arns = call("ListServices", json!({"cluster": cluster}))["serviceArns"].clone();
                if arns.as_array().is_some_and(|a| !a.is_empty()) {
                    let described = call(
                        "DescribeServices",
                        json!({"cluster": cluster, "services": arns}),
                    );
                    snapshot.services = described["services"].as_array().unwrap().clone();
                }
            }
            snapshot.clusters = clusters;
            snapshot
        }
    }

    /// Every lesson played through on the page's own control plane as the page plays it:
    /// "Do it for me" for each step, then time passes until ECS reports the step done. Then
    /// the session is saved and loaded (a reload) and every lesson played again on it.
    #[test]
    #[cfg(feature = "local")]
    fn every_lesson_can_be_completed() {
        // One account for all, every lesson played twice: task definition families are the
        // account's, so the second play sees other revision numbers than the first.
        let wall = 1_700_000_000_000.0;
        let mut page = Page {
            local: crate::local::Local::new(5, wall),
            wall,
        };
        for round in 0..2 {
            if round == 1 {
                page.local =
                    crate::local::Local::load(&page.local.save(page.wall), page.wall).unwrap();
            }
            for lesson in LESSONS {
                let cluster = cluster_for(lesson, &page.look("").clusters);
                let mut outcome: Outcome = None;
                let mut done = 0;
                for (index, step) in lesson.steps.iter().enumerate() {
                    let seen = page.look(&cluster);
                    let calls = (step.calls)(&cluster, &seen);
                    // A step that asks something of the user is not done before they do it.
                    if !calls.is_empty() {
                        assert_eq!(
                            progress(lesson, index, &seen, &outcome),
                            index,
                            "{} (play {}) step {} passed before it was done",
                            lesson.id,
                            round + 1,
                            index + 1
                        );
                    }
                    for (operation, body) in calls {
                        match page.call(operation, body) {
                            Ok(_) => outcome = Some(Ok(format!("{operation}: done"))),
                            Err(error) => {
                                outcome = Some(Err(error));
                                break;
                            }
                        }
                    }
                    let mut waited = 0;
                    while done <= index {
                        done = progress(lesson, done, &page.look(&cluster), &outcome);
                        if done > index {
                            break;
                        }
                        assert!(
                            waited < 20 * 60,
                            "{} (play {}) step {} is not done after 20 minutes: {:?}",
                            lesson.id,
                            round + 1,
                            index + 1,
                            outcome
                        );
                        page.wall += 10_000.0;
                        waited += 10;
                    }
                }
                assert_eq!(done, lesson.steps.len(), "{}", lesson.id);
            }
        }
    }

    #[test]
    fn a_lesson_played_again_gets_a_fresh_cluster() {
        let lesson = &LESSONS[1];
        assert_eq!(cluster_for(lesson, &[]), "lesson-port-stall");
        let taken = vec![
            "lesson-port-stall".to_owned(),
            "lesson-port-stall-2".to_owned(),
        ];
        assert_eq!(cluster_for(lesson, &taken), "lesson-port-stall-3");
    }

    #[test]
    fn the_fargate_lesson_reads_the_refusal() {
        let lesson = LESSONS.iter().find(|l| l.id == "fargate").unwrap();
        let s = snapshot(lesson.cluster);
        let refused: Outcome = Some(Err("ClientException: No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values.".into()));
        assert_eq!(progress(lesson, 0, &s, &refused), 1);
        assert_eq!(progress(lesson, 0, &s, &Some(Ok("done".into()))), 0);
    }
}
