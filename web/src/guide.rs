//! Guided lessons: the seeds' stories as steps a newcomer takes on the live fleet. Each lesson
//! has its own cluster; each step says what to do and why, can do it ("Do it for me" makes
//! the ECS and ELB calls the AWS CLI would), and is checked on what ECS then reports of the
//! cluster (its Describe documents, its service events), on what the load balancer shows, or
//! on the call's answer. Pure and tested
//! natively; the panel is in [`crate::fleet`].

use berth_model::{messages, JsonPath};
use serde_json::{json, Value};

use crate::calls::Call;
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
    /// The calls "Do it for me" makes (ECS's, ELB's, the fleet's), given the lesson's
    /// cluster and what is known of it.
    pub calls: fn(&str, &Snapshot) -> Vec<Call>,
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

/// The web service's running tasks in `zone`.
fn running_in(s: &Snapshot, zone: &str) -> usize {
    running(s)
        .into_iter()
        .filter(|t| t["group"] == "service:web" && t["availabilityZone"] == zone)
        .count()
}

/// The ACTIVE container instance in `zone`.
fn instance_in<'s>(s: &'s Snapshot, zone: &str) -> Option<&'s str> {
    s.instances
        .iter()
        .filter(|i| i["status"] == "ACTIVE")
        .find(|i| {
            i["attributes"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|a| a["name"] == "ecs.availability-zone" && a["value"] == zone)
            })
        })?["containerInstanceArn"]
        .as_str()
}

/// Whether one of the web service's events says `text`.
fn web_event(s: &Snapshot, text: &str) -> bool {
    web_service(s).is_some_and(|v| {
        v["events"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["message"].as_str().is_some_and(|m| m.contains(text)))
    })
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

fn nothing(_: &str, _: &Snapshot) -> Vec<Call> {
    Vec::new()
}

/// The ports the listeners of `balancers` listen on, in the order they were made.
fn ports_of<'a>(balancers: impl IntoIterator<Item = &'a Value>) -> Vec<u64> {
    balancers
        .into_iter()
        .flat_map(|lb| lb["listeners"].as_array().into_iter().flatten())
        .filter_map(|l| l["port"].as_u64())
        .collect()
}

/// The listener ports from 8081 on that no load balancer of the region listens on
/// (`berth serve` listens on each one for real, and itself on 8080 by default).
fn free_listener_ports(s: &Snapshot) -> impl Iterator<Item = u64> {
    let taken = ports_of(&s.load_balancers);
    (8081..).filter(move |p| !taken.contains(p))
}

/// The first of [`free_listener_ports`].
fn free_listener_port(s: &Snapshot) -> u64 {
    free_listener_ports(s).next().expect("a port is free")
}

/// An Application Load Balancer named after the lesson's cluster, in front: a target group
/// of the same name (HTTP, port 80, instance targets, checked every 10 s, healthy after 2
/// passes, a 30 s deregistration delay where ELB's default is 300 s) and an HTTP listener
/// forwarding to it.
fn load_balancer(cluster: &str, s: &Snapshot) -> Vec<Call> {
    let calls = r#"[
                   ["elbv2", "CreateLoadBalancer", {"Name": "$cluster", "Subnets": ["subnet-1", "subnet-2"]}],
                   ["elbv2", "CreateTargetGroup", {"Name": "$cluster", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-lesson", "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2}],
                   ["elbv2", "ModifyTargetGroupAttributes", {"TargetGroupArn": "$tg:$cluster", "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]}],
                   ["elbv2", "CreateListener", {"LoadBalancerArn": "$lb:$cluster", "Protocol": "HTTP", "Port": $port, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "$tg:$cluster"}]}]]"#;
    Call::template(
        &calls.replace("$port", &free_listener_port(s).to_string()),
        cluster,
    )
}

/// The lesson's load balancer as the page's view has it.
fn balancer(s: &Snapshot) -> Option<&Value> {
    s.load_balancers.iter().find(|lb| lb["name"] == s.cluster)
}

/// Its listener forwards to its target group.
fn in_front(s: &Snapshot) -> bool {
    balancer(s).is_some_and(|lb| {
        lb["listeners"].as_array().is_some_and(|l| !l.is_empty())
            && lb["targetGroups"][0]["name"] == s.cluster
    })
}

/// The targets of the lesson's target group.
fn targets(s: &Snapshot) -> Vec<&Value> {
    balancer(s)
        .into_iter()
        .flat_map(|lb| lb["targetGroups"].as_array().into_iter().flatten())
        .flat_map(|g| g["targets"].as_array().into_iter().flatten())
        .collect()
}

/// `count` healthy targets, each the host port of a running task of the service.
fn healthy_targets(s: &Snapshot, count: usize) -> bool {
    let healthy: Vec<u64> = targets(s)
        .into_iter()
        .filter(|t| t["state"] == "healthy")
        .filter_map(|t| t["port"].as_u64())
        .collect();
    let bound: Vec<u64> = bindings(s).into_iter().map(|(port, _)| port).collect();
    healthy.len() == count && healthy.iter().all(|p| bound.contains(p))
}

/// What the load balancer counted: (requests, of them answered 5xx by the ELB or a target).
fn traffic(s: &Snapshot) -> (u64, u64) {
    balancer(s).map_or((0, 0), |lb| {
        let counts = &lb["counts"];
        let count = |key: &str| counts[key].as_u64().unwrap_or(0);
        (count("requests"), count("target5xx") + count("elb5xx"))
    })
}

/// Offers the lesson's load balancer 50 requests a second (the virtual fleet's clients).
fn offer_load(cluster: &str, _: &Snapshot) -> Vec<Call> {
    Call::template(
        r#"[
           ["fleet", {"action": "offered-load", "loadBalancer": "$cluster", "requestsPerSecond": 50}]]"#,
        cluster,
    )
}

/// The web service's current service deployment (DescribeServiceDeployments).
fn current_deployment(s: &Snapshot) -> Option<&Value> {
    let arn = &web_service(s)?["currentServiceDeployment"];
    s.service_deployments
        .iter()
        .find(|d| &d["serviceDeploymentArn"] == arn)
}

/// The ports of the lesson's load balancer's listeners, in the order they were made.
fn listener_ports(s: &Snapshot) -> Vec<u64> {
    ports_of(balancer(s))
}

/// Blue and green target groups behind an Application Load Balancer named after the lesson's
/// cluster: a production listener forwarding all to blue (0 to green) and a test listener,
/// on the first two free ports from 8081.
fn blue_green_balancer(cluster: &str, s: &Snapshot) -> Vec<Call> {
    let mut free = free_listener_ports(s);
    let (production, test) = (
        free.next().expect("a port is free"),
        free.next().expect("a port is free"),
    );
    let calls = r#"[
                   ["elbv2", "CreateLoadBalancer", {"Name": "$cluster", "Subnets": ["subnet-1", "subnet-2"]}],
                   ["elbv2", "CreateTargetGroup", {"Name": "$cluster-blue", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-lesson", "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2}],
                   ["elbv2", "CreateTargetGroup", {"Name": "$cluster-green", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-lesson", "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2}],
                   ["elbv2", "ModifyTargetGroupAttributes", {"TargetGroupArn": "$tg:$cluster-blue", "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "20"}]}],
                   ["elbv2", "ModifyTargetGroupAttributes", {"TargetGroupArn": "$tg:$cluster-green", "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "20"}]}],
                   ["elbv2", "CreateListener", {"LoadBalancerArn": "$lb:$cluster", "Protocol": "HTTP", "Port": $production, "DefaultActions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": "$tg:$cluster-blue", "Weight": 100}, {"TargetGroupArn": "$tg:$cluster-green", "Weight": 0}]}}]}],
                   ["elbv2", "CreateListener", {"LoadBalancerArn": "$lb:$cluster", "Protocol": "HTTP", "Port": $test, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "$tg:$cluster-blue"}]}]]"#;
    Call::template(
        &calls
            .replace("$production", &production.to_string())
            .replace("$test", &test.to_string()),
        cluster,
    )
}

/// Blue and green behind the production and the test listener.
fn blue_green_in_front(s: &Snapshot) -> bool {
    balancer(s).is_some_and(|lb| {
        lb["targetGroups"].as_array().map_or(0, Vec::len) == 2 && listener_ports(s).len() == 2
    })
}

/// Registers web:N with `image` (nginx by default) and makes the service web with
/// `configuration` as its deploymentConfiguration, blue as its target group, green as the
/// alternate, the two listeners' default rules as its production and test rules.
fn shifting_service(cluster: &str, s: &Snapshot, configuration: &str) -> Vec<Call> {
    let ports = listener_ports(s);
    let (production, test) = (
        ports.first().copied().unwrap_or(0),
        ports.get(1).copied().unwrap_or(0),
    );
    let calls = r#"[
                   ["RegisterTaskDefinition", {"family": "web-$cluster", "containerDefinitions": [{"name": "web", "image": "nginx:1", "memory": 128, "portMappings": [{"containerPort": 80, "hostPort": 0}]}]}],
                   ["CreateService", {"cluster": "$cluster", "serviceName": "web", "taskDefinition": "web-$cluster", "desiredCount": 2, "deploymentConfiguration": $configuration, "loadBalancers": [{"targetGroupArn": "$tg:$cluster-blue", "containerName": "web", "containerPort": 80, "advancedConfiguration": {"alternateTargetGroupArn": "$tg:$cluster-green", "productionListenerRule": "$rule:$cluster:$production:default", "testListenerRule": "$rule:$cluster:$test:default", "roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole"}}]}]]"#;
    Call::template(
        &calls
            .replace("$configuration", configuration)
            .replace("$production", &production.to_string())
            .replace("$test", &test.to_string()),
        cluster,
    )
}

/// Registers web with `image` and deploys it with `configuration`.
fn shifting_update(cluster: &str, image: &str, configuration: &str) -> Vec<Call> {
    let calls = r#"[
                   ["RegisterTaskDefinition", {"family": "web-$cluster", "containerDefinitions": [{"name": "web", "image": "$image", "memory": 128, "portMappings": [{"containerPort": 80, "hostPort": 0}]}]}],
                   ["UpdateService", {"cluster": "$cluster", "service": "web", "taskDefinition": "web-$cluster", "deploymentConfiguration": $configuration}]]"#;
    Call::template(
        &calls
            .replace("$configuration", configuration)
            .replace("$image", image),
        cluster,
    )
}

/// The current deployment's lifecycle stage and weights on the new revision.
fn stage(s: &Snapshot) -> Option<(&str, f64, f64)> {
    let d = current_deployment(s)?;
    let target = &d["targetServiceRevision"];
    Some((
        d["lifecycleStage"].as_str()?,
        target["requestedProductionTrafficWeight"]
            .as_f64()
            .unwrap_or(0.0),
        target["requestedTestTrafficWeight"].as_f64().unwrap_or(0.0),
    ))
}

/// The web service's current deployment is SUCCESSFUL with its two tasks running.
fn steady_and_successful(s: &Snapshot) -> bool {
    current_deployment(s).is_some_and(|d| d["status"] == "SUCCESSFUL")
        && web_service(s).is_some_and(|v| v["runningCount"] == 2)
}

/// The current deployment replaces a revision (it is not the service's first).
fn replacing(s: &Snapshot) -> bool {
    current_deployment(s).is_some_and(|d| {
        d["sourceServiceRevisions"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    })
}

/// The id of the current deployment's hook awaiting action.
fn awaiting_hook(s: &Snapshot) -> Option<&str> {
    current_deployment(s)?["lifecycleHookDetails"]
        .as_array()?
        .iter()
        .find(|h| h["status"] == "AWAITING_ACTION")?["hookId"]
        .as_str()
}

/// The current deployment waits at `at` for a hook awaiting action, its new and its old
/// revision running `running` tasks.
fn paused_at(s: &Snapshot, at: &str, running: (u64, u64)) -> bool {
    awaiting_hook(s).is_some()
        && stage(s).is_some_and(|(stage, _, _)| stage == at)
        && web_service(s).is_some_and(|v| {
            v["deployments"][0]["runningCount"] == running.0
                && v["deployments"][1]["runningCount"] == running.1
        })
}

/// ContinueServiceDeployment on the current deployment's hook awaiting action.
fn continue_hook(s: &Snapshot) -> Vec<Call> {
    let (Some(d), Some(hook)) = (current_deployment(s), awaiting_hook(s)) else {
        return Vec::new();
    };
    let body = json!({"serviceDeploymentArn": d["serviceDeploymentArn"], "hookId": hook, "action": "CONTINUE"});
    vec![Call::ecs("ContinueServiceDeployment", body)]
}

/// The current deployment's AWS_LAMBDA hook invocation waiting for an answer
/// (`/berth/hooks`).
fn lambda_invocation(s: &Snapshot) -> Option<&Value> {
    let arn = &current_deployment(s)?["serviceDeploymentArn"];
    s.hook_invocations
        .iter()
        .find(|i| &i["payload"]["resourceArn"] == arn)
}

/// The function answers the waiting invocation with `returned`.
fn answer_hook(s: &Snapshot, returned: Value) -> Vec<Call> {
    lambda_invocation(s).map_or_else(Vec::new, |i| {
        vec![Call::Fleet(
            json!({"action": "hook-answer", "executionId": i["executionId"],
                                "attempt": i["attempt"], "reply": {"returned": returned}}),
        )]
    })
}

/// The first step of several lessons: a cluster with one t3.medium-sized instance.
const ONE_INSTANCE: Step = Step {
    text: Text {
        en: "A cluster with one instance.",
        ja: "インスタンス 1 台のクラスターを作ります。",
    },
    calls: |c, _| {
        Call::template(
            r#"[
               ["CreateCluster", {"clusterName": "$cluster"}],
               ["RegisterContainerInstance", {"cluster": "$cluster", "totalResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 2048}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 3904}]}]]"#,
            c,
        )
    },
    done: |s, _| active_instances(s) == 1,
};

/// A cluster with two t3.medium-sized instances.
const TWO_INSTANCES: Step = Step {
    text: Text {
        en: "A cluster with two instances.",
        ja: "インスタンス 2 台のクラスターを作ります。",
    },
    calls: |c, _| {
        Call::template(
            r#"[
               ["CreateCluster", {"clusterName": "$cluster"}],
               ["RegisterContainerInstance", {"cluster": "$cluster", "totalResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 2048}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 3904}]}],
               ["RegisterContainerInstance", {"cluster": "$cluster", "totalResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 2048}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 3904}]}]]"#,
            c,
        )
    },
    done: |s, _| active_instances(s) == 2,
};

/// An Application Load Balancer in front of the lesson's service ([`load_balancer`]).
const IN_FRONT: Step = Step {
    text: Text {
        en: "Put an Application Load Balancer in front: a target group checked every 10 s (healthy after 2 passes; deregistration delay 30 s, not ELB's default 300 s) and a listener forwarding to it on port 8081 or the next free one, where berth serve really listens.",
        ja: "Application Load Balancer を前に置きます。10 秒ごとにチェックするターゲットグループ (2 回合格で healthy、登録解除の遅延は ELB 既定の 300 秒でなく 30 秒) と、そこへ転送するリスナーを 8081 番か次の空きポートに作ります (berth serve は実際にそこで待ち受けます)。",
    },
    calls: load_balancer,
    done: |s, _| in_front(s),
};

/// Blue and green behind a production and a test listener ([`blue_green_balancer`]).
const BLUE_AND_GREEN: Step = Step {
    text: Text {
        en: "Blue and green target groups behind an Application Load Balancer, with a production and a test listener.",
        ja: "Application Load Balancer の後ろに blue と green のターゲットグループを置き、本番用とテスト用のリスナーを作ります。",
    },
    calls: blue_green_balancer,
    done: |s, _| blue_green_in_front(s),
};

/// Traffic on the lesson's load balancer.
const OFFER_LOAD: Step = Step {
    text: Text {
        en: "Offer the load balancer 50 requests a second: it sends each to a healthy target in turn, and counts what each one served.",
        ja: "ロードバランサーに毎秒 50 リクエストを送ります。リクエストは healthy なターゲットに順に届き、各ターゲットの処理数が数えられます。",
    },
    calls: offer_load,
    done: |s, _| traffic(s).0 > 0,
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
                calls: |c, _| {
                    Call::template(
                        r#"[["CreateCluster", {"clusterName": "$cluster"}]]"#,
                        c,
                    )
                },
                done: |s, _| exists(s),
            },
            Step {
                text: Text {
                    en: "Two EC2 instances join it: each one's ECS agent registers its CPU (1024 units) and memory (3768 MiB) with the cluster.",
                    ja: "EC2 インスタンスを 2 台参加させます。各インスタンスの ECS エージェントが CPU (1024 ユニット) とメモリ (3768 MiB) をクラスターに登録します。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterContainerInstance", {"cluster": "$cluster", "totalResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 1024}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 3768}]}],
                           ["RegisterContainerInstance", {"cluster": "$cluster", "totalResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 1024}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 3768}]}]]"#,
                        c,
                    )
                },
                done: |s, _| active_instances(s) >= 2,
            },
            Step {
                text: Text {
                    en: "Register the task definition sleep360 (busybox running sleep 360, 10 CPU units, 10 MiB) and run it ten times (run-task --count 10). RunTask places tasks at random over the instances that fit.",
                    ja: "タスク定義 sleep360 (busybox で sleep 360、CPU 10、メモリ 10 MiB) を登録し、10 回実行します (run-task --count 10)。RunTask は収まるインスタンスにランダムに配置します。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "sleep360", "containerDefinitions": [{"name": "sleep", "image": "busybox", "cpu": 10, "memory": 10, "command": ["sleep", "360"], "essential": true}]}],
                           ["RunTask", {"cluster": "$cluster", "taskDefinition": "sleep360", "count": 10}]]"#,
                        c,
                    )
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
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["CreateCluster", {"clusterName": "$cluster"}],
                           ["RegisterContainerInstance", {"cluster": "$cluster", "totalResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 1024}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 993}]}]]"#,
                        c,
                    )
                },
                done: |s, _| active_instances(s) == 1,
            },
            IN_FRONT,
            Step {
                text: Text {
                    en: "Register web (nginx, container port 80 on host port 80) and create a service of one task behind the target group. ECS registers the instance's port 80 as a target; the task counts once it is healthy.",
                    ja: "web (nginx、コンテナポート 80 をホストポート 80 で公開) を登録し、ターゲットグループの後ろにタスク 1 つのサービスを作ります。ECS はインスタンスのポート 80 をターゲットに登録し、healthy になってからタスクを数えます。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "web-static", "containerDefinitions": [{"name": "web", "image": "nginx:1.26", "memory": 128, "essential": true, "portMappings": [{"containerPort": 80, "hostPort": 80}]}]}],
                           ["CreateService", {"cluster": "$cluster", "serviceName": "web", "taskDefinition": "web-static", "desiredCount": 1, "loadBalancers": [{"targetGroupArn": "$tg:$cluster", "containerName": "web", "containerPort": 80}]}]]"#,
                        c,
                    )
                },
                done: |s, _| rolled_out(s, 1) && healthy_targets(s, 1),
            },
            OFFER_LOAD,
            Step {
                text: Text {
                    en: "Deploy revision 2. By default (minimumHealthyPercent 100, maximumPercent 200) ECS starts the new task before stopping the old one, but port 80 on the only instance is taken: the events say so and the deployment waits. The old target still serves every request.",
                    ja: "リビジョン 2 をデプロイします。既定 (minimumHealthyPercent 100、maximumPercent 200) では ECS は古いタスクを止める前に新しいタスクを起動しますが、唯一のインスタンスのポート 80 は使用中です。イベントがそう告げ、デプロイは待ち続けます。古いターゲットはすべてのリクエストに応え続けます。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "web-static", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 128, "essential": true, "portMappings": [{"containerPort": 80, "hostPort": 80}]}]}],
                           ["UpdateService", {"cluster": "$cluster", "service": "web", "taskDefinition": "web-static"}]]"#,
                        c,
                    )
                },
                done: |s, _| unable_to_place(s, messages::closest_ports),
            },
            Step {
                text: Text {
                    en: "Seed 002's way out: minimumHealthyPercent 0 lets ECS stop the old task first (with maximumPercent 100, which ECS refuses today unless AZ rebalancing is turned off, so the call does that too). The old target drains 30 s, the task stops, the new one takes port 80 and must pass two checks: all that while no target is healthy and the ALB answers 503 itself. Seed 003's dynamic ports avoid the gap.",
                    ja: "seed 002 の解決策: minimumHealthyPercent 0 なら ECS は先に古いタスクを止められます (maximumPercent 100 は今の ECS では AZ リバランシングを無効にしないと拒否されるので、この呼び出しは無効にもします)。古いターゲットが 30 秒ドレインし、タスクが止まり、新しいタスクがポート 80 で 2 回のチェックに合格するまで healthy なターゲットはなく、ALB 自身が 503 を返します。seed 003 の動的ポートならこの空白はありません。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["UpdateService", {"cluster": "$cluster", "service": "web", "deploymentConfiguration": {"minimumHealthyPercent": 0, "maximumPercent": 100}, "availabilityZoneRebalancing": "DISABLED"}]]"#,
                        c,
                    )
                },
                done: |s, _| {
                    rolled_out(s, 1) && replaced(s) && healthy_targets(s, 1) && traffic(s).1 > 0
                },
            },
        ],
    },
    Lesson {
        id: "dynamic-ports",
        title: Text {
            en: "Dynamic host ports behind a load balancer (seed 003)",
            ja: "ロードバランサーの後ろの動的ホストポート (seed 003)",
        },
        cluster: "lesson-dynamic-ports",
        steps: &[
            ONE_INSTANCE,
            IN_FRONT,
            Step {
                text: Text {
                    en: "Register web with hostPort 0 and create a service of three tasks behind the target group. Each task gets a free host port, so three share one instance, and ECS registers each port as a target: the load balancer finds every task wherever it landed.",
                    ja: "hostPort 0 で web を登録し、ターゲットグループの後ろにタスク 3 つのサービスを作ります。タスクごとに空きホストポートが割り当てられ 3 つが 1 台に同居でき、ECS は各ポートをターゲットに登録します。ロードバランサーはどのポートのタスクでも見つけます。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "web-dynamic", "containerDefinitions": [{"name": "web", "image": "nginx:1.26", "memory": 128, "essential": true, "portMappings": [{"containerPort": 80, "hostPort": 0}]}]}],
                           ["CreateService", {"cluster": "$cluster", "serviceName": "web", "taskDefinition": "web-dynamic", "desiredCount": 3, "loadBalancers": [{"targetGroupArn": "$tg:$cluster", "containerName": "web", "containerPort": 80}]}]]"#,
                        c,
                    )
                },
                done: |s, _| {
                    let bound = bindings(s);
                    let mut ports: Vec<u64> = bound.iter().map(|(port, _)| *port).collect();
                    ports.sort_unstable();
                    ports.dedup();
                    ports.len() == 3
                        && bound.iter().all(|(_, dynamic)| *dynamic)
                        && healthy_targets(s, 3)
                },
            },
            OFFER_LOAD,
            Step {
                text: Text {
                    en: "Deploy revision 2 with the defaults. New tasks start beside the old ones on other ports and count once their targets are healthy; each old target then drains 30 s before its task stops. The deployment completes on one instance, and not one request fails.",
                    ja: "既定のままリビジョン 2 をデプロイします。新しいタスクは古いタスクの隣の別ポートで起動し、ターゲットが healthy になってから数えられます。古いターゲットは 30 秒ドレインしてからタスクが止まります。1 台のままデプロイが完了し、失敗するリクエストは 1 つもありません。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "web-dynamic", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 128, "essential": true, "portMappings": [{"containerPort": 80, "hostPort": 0}]}]}],
                           ["UpdateService", {"cluster": "$cluster", "service": "web", "taskDefinition": "web-dynamic"}]]"#,
                        c,
                    )
                },
                done: |s, _| {
                    let (requests, failed) = traffic(s);
                    rolled_out(s, 3)
                        && replaced(s)
                        && healthy_targets(s, 3)
                        && requests > 0
                        && failed == 0
                },
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
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["CreateCluster", {"clusterName": "$cluster"}],
                           ["RegisterContainerInstance", {"cluster": "$cluster", "totalResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 1024}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 1024}]}]]"#,
                        c,
                    )
                },
                done: |s, _| active_instances(s) == 1,
            },
            Step {
                text: Text {
                    en: "A service of three tasks of 400 MiB: two fit, the third cannot be placed. The service's event names the closest match and what it lacks.",
                    ja: "400 MiB のタスク 3 つのサービスを作ります。2 つは収まりますが 3 つ目は配置できません。サービスのイベントが最も近い候補と足りないものを告げます。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "big", "containerDefinitions": [{"name": "app", "image": "busybox", "memory": 400, "command": ["sleep", "86400"], "essential": true}]}],
                           ["CreateService", {"cluster": "$cluster", "serviceName": "web", "taskDefinition": "big", "desiredCount": 3}]]"#,
                        c,
                    )
                },
                done: |s, _| unable_to_place(s, messages::closest_memory),
            },
            Step {
                text: Text {
                    en: "Add a second instance: the service places its third task there by itself.",
                    ja: "2 台目のインスタンスを追加します。サービスは自分で 3 つ目のタスクをそこに配置します。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterContainerInstance", {"cluster": "$cluster", "totalResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 1024}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 1024}]}]]"#,
                        c,
                    )
                },
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
                    Call::template(
                        r#"[
                           ["CreateCluster", {"clusterName": "$cluster"}],
                           ["RegisterContainerInstance", {"cluster": "$cluster", "totalResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 2048}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 3904}]}],
                           ["RegisterContainerInstance", {"cluster": "$cluster", "totalResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 2048}, {"name": "MEMORY", "type": "INTEGER", "integerValue": 3904}]}],
                           ["RegisterTaskDefinition", {"family": "web-dynamic", "containerDefinitions": [{"name": "web", "image": "nginx:1.26", "memory": 128, "essential": true, "portMappings": [{"containerPort": 80, "hostPort": 0}]}]}],
                           ["CreateService", {"cluster": "$cluster", "serviceName": "web", "taskDefinition": "web-dynamic", "desiredCount": 2}]]"#,
                        c,
                    )
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
                            Call::ecs(
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
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "wordpress", "containerDefinitions": [{"name": "wordpress", "image": "wordpress", "cpu": 10, "memory": 500, "links": ["mysql"], "essential": true, "portMappings": [{"containerPort": 80, "hostPort": 80}]}, {"name": "mysql", "image": "mysql", "cpu": 10, "memory": 500, "essential": true, "environment": [{"name": "MYSQL_ROOT_PASSWORD", "value": "password"}]}]}],
                           ["RunTask", {"cluster": "$cluster", "taskDefinition": "wordpress"}]]"#,
                        c,
                    )
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
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["CreateCluster", {"clusterName": "$cluster"}],
                           ["RegisterTaskDefinition", {"family": "fargate-web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "4096", "containerDefinitions": [{"name": "web", "image": "nginx", "essential": true, "portMappings": [{"containerPort": 80}]}]}]]"#,
                        c,
                    )
                },
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
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "fargate-web", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "web", "image": "nginx", "essential": true, "portMappings": [{"containerPort": 80}]}]}],
                           ["CreateService", {"cluster": "$cluster", "serviceName": "web", "taskDefinition": "fargate-web", "desiredCount": 1, "launchType": "FARGATE", "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d"], "assignPublicIp": "ENABLED"}}}]]"#,
                        c,
                    )
                },
                done: |s, _| {
                    running(s)
                        .iter()
                        .any(|t| t["launchType"] == "FARGATE" && t["memory"] == "512")
                },
            },
        ],
    },

    Lesson {
        id: "blue-green",
        title: Text {
            en: "Blue/green with a test listener and a pause before production",
            ja: "テスト用リスナーと本番前の一時停止がある Blue/Green",
        },
        cluster: "lesson-blue-green",
        steps: &[
            ONE_INSTANCE,
            Step {
                text: Text {
                    en: "Two target groups, blue and green, behind an Application Load Balancer: a production listener sends all its traffic to blue (weights 100 and 0), a test listener sends its own to blue too. ECS will move both for each new revision.",
                    ja: "Application Load Balancer の後ろに blue と green の 2 つのターゲットグループを置きます。本番用リスナーはすべてを blue に (重み 100 と 0)、テスト用リスナーも blue に送ります。新しいリビジョンごとに ECS がこの両方を切り替えます。",
                },
                calls: blue_green_balancer,
                done: |s, _| blue_green_in_front(s),
            },
            Step {
                text: Text {
                    en: "Create the service with the BLUE_GREEN strategy: blue is its target group, green the alternate, and the two listeners' rules are its production and test rules. Its first deployment has nothing to shift from.",
                    ja: "BLUE_GREEN 戦略でサービスを作成します。blue がターゲットグループ、green が代替、2 つのリスナーのルールが本番用とテスト用のルールです。最初のデプロイには切り替え元がありません。",
                },
                calls: |c, s| shifting_service(c, s, r#"{"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2}"#),
                done: |s, _| {
                    steady_and_successful(s)
                },
            },
            OFFER_LOAD,
            Step {
                text: Text {
                    en: "Deploy nginx:2 with a PAUSE lifecycle hook at POST_TEST_TRAFFIC_SHIFT. ECS starts green's tasks beside blue's (SCALE_UP), sends the test listener's traffic to green (TEST_TRAFFIC_SHIFT), then waits: the deployment is AWAITING_ACTION, production still all on blue.",
                    ja: "POST_TEST_TRAFFIC_SHIFT に PAUSE のライフサイクルフックを付けて nginx:2 をデプロイします。ECS は blue の横に green のタスクを起動し (SCALE_UP)、テスト用リスナーの通信を green に送り (TEST_TRAFFIC_SHIFT)、待ちます。デプロイは AWAITING_ACTION で、本番はまだすべて blue です。",
                },
                calls: |c, _| {
                    shifting_update(c, "nginx:2", r#"{"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2, "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"], "timeoutConfiguration": {"timeoutInMinutes": 30, "action": "ROLLBACK"}}]}"#)
                },
                done: |s, _| {
                    awaiting_hook(s).is_some()
                        && stage(s) == Some(("POST_TEST_TRAFFIC_SHIFT", 0.0, 100.0))
                },
            },
            Step {
                text: Text {
                    en: "Green passed its tests: continue. ECS moves production to green at once (PRODUCTION_TRAFFIC_SHIFT), both revisions run through the 2-minute bake, then blue's tasks drain and stop (CLEAN_UP).",
                    ja: "green はテストに合格しました。続行します。ECS は本番を一度に green へ移し (PRODUCTION_TRAFFIC_SHIFT)、2 分のベイクの間は両方のリビジョンが動き、その後 blue のタスクがドレインされて停止します (CLEAN_UP)。",
                },
                calls: |_, s| continue_hook(s),
                done: |s, _| {
                    current_deployment(s).is_some_and(|d| d["status"] == "SUCCESSFUL")
                        && stage(s).is_some_and(|(stage, production, _)| stage == "CLEAN_UP" && production == 100.0)
                        && web_service(s).is_some_and(|v| v["runningCount"] == 2)
                },
            },
        ],
    },
    Lesson {
        id: "lambda-hook",
        title: Text {
            en: "Blue/green with a Lambda hook you answer",
            ja: "自分で応答する Lambda フック付きの Blue/Green",
        },
        cluster: "lesson-lambda-hook",
        steps: &[
            ONE_INSTANCE,
            BLUE_AND_GREEN,
            Step {
                text: Text {
                    en: "Create the service with the BLUE_GREEN strategy and a 1-minute bake.",
                    ja: "BLUE_GREEN 戦略とベイク 1 分でサービスを作成します。",
                },
                calls: |c, s| shifting_service(c, s, r#"{"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1}"#),
                done: |s, _| steady_and_successful(s),
            },
            Step {
                text: Text {
                    en: "Deploy nginx:2 with an AWS_LAMBDA hook at POST_TEST_TRAFFIC_SHIFT. Once the test traffic is on green, ECS invokes the function with the deployment's state and the hook's hookDetails, and waits for its answer. Berth has no Lambda: the page stands in for the function (berth serve --hook-endpoint can name an HTTP endpoint instead).",
                    ja: "POST_TEST_TRAFFIC_SHIFT に AWS_LAMBDA フックを付けて nginx:2 をデプロイします。テスト通信が green に移ると、ECS はデプロイの状態とフックの hookDetails を付けて関数を呼び出し、応答を待ちます。Berth に Lambda はないので、このページが関数の代わりになります (berth serve --hook-endpoint で HTTP エンドポイントを指定することもできます)。",
                },
                calls: |c, _| {
                    shifting_update(c, "nginx:2", r#"{"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1, "lifecycleHooks": [{"targetType": "AWS_LAMBDA", "hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:smoke-test", "roleArn": "arn:aws:iam::123456789012:role/ecsLambdaInvokeRole", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"], "hookDetails": {"path": "/health"}}]}"#)
                },
                done: |s, _| {
                    lambda_invocation(s).is_some_and(|i| i["attempt"] == 1)
                        && stage(s) == Some(("POST_TEST_TRAFFIC_SHIFT", 0.0, 100.0))
                },
            },
            Step {
                text: Text {
                    en: "Answer IN_PROGRESS, as a function still testing would, with a 30-second callBackDelay and hookDetails of its own: ECS invokes it again after 30 s, passing both details back.",
                    ja: "テスト中の関数のように IN_PROGRESS を、callBackDelay 30 秒と独自の hookDetails を付けて返します。ECS は 30 秒後に両方の hookDetails を渡して再び呼び出します。",
                },
                calls: |_, s| answer_hook(s, json!({"hookStatus": "IN_PROGRESS", "callBackDelay": 30, "hookDetails": {"checks": 1}})),
                done: |s, _| {
                    lambda_invocation(s).is_some_and(|i| {
                        i["attempt"] == 2 && i["payload"]["hookDetails"]["checks"] == 1
                    })
                },
            },
            Step {
                text: Text {
                    en: "Answer SUCCEEDED: ECS moves production to green, bakes, then stops blue. (FAILED, or an answer without hookStatus, would have rolled it back.)",
                    ja: "SUCCEEDED を返します。ECS は本番を green に移し、ベイクの後 blue を停止します (FAILED や hookStatus のない応答ならロールバックしていました)。",
                },
                calls: |_, s| answer_hook(s, json!({"hookStatus": "SUCCEEDED"})),
                done: |s, _| {
                    current_deployment(s).is_some_and(|d| d["status"] == "SUCCESSFUL")
                        && stage(s).is_some_and(|(stage, production, _)| stage == "CLEAN_UP" && production == 100.0)
                },
            },
        ],
    },
    Lesson {
        id: "canary-alarm",
        title: Text {
            en: "Canary 10 % rolled back by an alarm",
            ja: "アラームでロールバックされる 10 % のカナリア",
        },
        cluster: "lesson-canary",
        steps: &[
            ONE_INSTANCE,
            BLUE_AND_GREEN,
            Step {
                text: Text {
                    en: "A CloudWatch alarm on the load balancer's own metric: more than 10 target 5xx answers in a minute (HTTPCode_Target_5XX_Count, Sum over 60 s; no data is not breaching).",
                    ja: "ロードバランサー自身のメトリクスに CloudWatch アラームを作ります。1 分間にターゲットの 5xx 応答が 10 を超えたら ALARM です (HTTPCode_Target_5XX_Count、60 秒の Sum、データなしは違反でない)。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["cloudwatch", "PutMetricAlarm", {"AlarmName": "$cluster-5xx", "Namespace": "AWS/ApplicationELB", "MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": [{"Name": "LoadBalancer", "Value": "$dimension:lb:$cluster"}], "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 10, "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching"}]]"#,
                        c,
                    )
                },
                done: |_, outcome| matches!(outcome, Some(Ok(m)) if m.starts_with("PutMetricAlarm")),
            },
            Step {
                text: Text {
                    en: "Create the service with the CANARY strategy (10 %, a 15-minute canary bake, a 3-minute bake) and the alarm as a deployment alarm with rollback, then offer the load balancer 50 requests a second.",
                    ja: "CANARY 戦略 (10 %、カナリアのベイク 15 分、ベイク 3 分) と、ロールバック付きのデプロイアラームとしてこのアラームを指定してサービスを作成し、ロードバランサーに毎秒 50 リクエストを送ります。",
                },
                calls: |c, s| {
                    let mut calls = shifting_service(c, s, r#"{"strategy": "CANARY", "bakeTimeInMinutes": 3, "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 15}, "alarms": {"alarmNames": ["$cluster-5xx"], "enable": true, "rollback": true}}"#);
                    calls.extend(offer_load(c, s));
                    calls
                },
                done: |s, _| {
                    steady_and_successful(s)
                        && traffic(s).0 > 0
                },
            },
            Step {
                text: Text {
                    en: "Deploy a new image. Once green's tasks are healthy targets, ECS sends 10 % of production to green and bakes the canary, the alarm watched all along.",
                    ja: "新しいイメージをデプロイします。green のタスクが healthy なターゲットになると、ECS は本番の 10 % を green に送り、カナリアをベイクします。その間ずっとアラームを監視します。",
                },
                calls: |c, _| {
                    let image = format!("registry.example.com/web:{c}");
                    shifting_update(c, &image, r#"{"strategy": "CANARY", "bakeTimeInMinutes": 3, "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 15}, "alarms": {"alarmNames": ["$cluster-5xx"], "enable": true, "rollback": true}}"#)
                },
                done: |s, _| {
                    stage(s).is_some_and(|(_, production, _)| production == 10.0)
                },
            },
            Step {
                text: Text {
                    en: "The new image starts failing: its containers answer 503. ELB counts the 5xx on green's 10 %, the alarm goes into ALARM at the minute's end, and ECS rolls back at once: all traffic to blue, green's tasks stopped, the deployment ROLLBACK_SUCCESSFUL.",
                    ja: "新しいイメージが失敗し始め、コンテナは 503 を返します。ELB は green の 10 % で 5xx を数え、1 分の終わりにアラームが ALARM になり、ECS はすぐにロールバックします。通信はすべて blue に戻り、green のタスクは停止し、デプロイは ROLLBACK_SUCCESSFUL になります。",
                },
                calls: |c, _| {
                    vec![Call::Fleet(json!({"action": "unhealthy", "image": format!("registry.example.com/web:{c}")}))]
                },
                done: |s, _| {
                    current_deployment(s).is_some_and(|d| {
                        d["status"] == "ROLLBACK_SUCCESSFUL"
                            && d["alarms"]["status"] == "TRIGGERED"
                    })
                },
            },
        ],
    },
    Lesson {
        id: "linear",
        title: Text {
            en: "Linear: production moved in steps of 25 %",
            ja: "リニア: 本番を 25 % ずつ移す",
        },
        cluster: "lesson-linear",
        steps: &[
            ONE_INSTANCE,
            BLUE_AND_GREEN,
            Step {
                text: Text {
                    en: "Create the service with the LINEAR strategy: 25 % a step, each step baked 1 minute, then a 1-minute bake.",
                    ja: "LINEAR 戦略でサービスを作成します。1 ステップ 25 %、各ステップを 1 分ベイクし、最後に 1 分ベイクします。",
                },
                calls: |c, s| shifting_service(c, s, r#"{"strategy": "LINEAR", "bakeTimeInMinutes": 1, "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}}"#),
                done: |s, _| {
                    steady_and_successful(s)
                },
            },
            Step {
                text: Text {
                    en: "Deploy nginx:2. Green scales up, takes the test traffic, then 25 % of production; watch the bar.",
                    ja: "nginx:2 をデプロイします。green がスケールアップし、テスト通信を受け、本番の 25 % を受けます。バーを見てください。",
                },
                calls: |c, _| shifting_update(c, "nginx:2", r#"{"strategy": "LINEAR", "bakeTimeInMinutes": 1, "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}}"#),
                // At speed a step can pass between two looks: any share from 25 % on counts.
                done: |s, _| {
                    replacing(s)
                        && (stage(s).is_some_and(|(_, production, _)| production >= 25.0)
                            || current_deployment(s).is_some_and(|d| d["status"] == "SUCCESSFUL"))
                },
            },
            Step {
                text: Text {
                    en: "A minute a step: 50 %, 75 %, then all of production on green.",
                    ja: "1 分ごとに 50 %、75 %、そして本番のすべてが green に移ります。",
                },
                calls: nothing,
                done: |s, _| {
                    stage(s).is_some_and(|(_, production, _)| production == 100.0)
                        || current_deployment(s).is_some_and(|d| d["status"] == "SUCCESSFUL")
                },
            },
            Step {
                text: Text {
                    en: "After the bake, blue's tasks drain and stop: the deployment is SUCCESSFUL.",
                    ja: "ベイクの後、blue のタスクがドレインされて停止し、デプロイは SUCCESSFUL になります。",
                },
                calls: nothing,
                done: |s, _| {
                    current_deployment(s).is_some_and(|d| d["status"] == "SUCCESSFUL")
                        && stage(s).is_some_and(|(_, production, _)| production == 100.0)
                },
            },
        ],
    },
    Lesson {
        id: "rolling-2025",
        title: Text {
            en: "Rolling updates since 2025: a lost task comes back from its own revision",
            ja: "2025 年以降のローリング更新: 失われたタスクは元のリビジョンで戻る",
        },
        cluster: "lesson-rolling",
        steps: &[
            TWO_INSTANCES,
            Step {
                text: Text {
                    en: "A service of two tasks with a container health check, minimumHealthyPercent 100 and maximumPercent 200.",
                    ja: "コンテナのヘルスチェックを持つ 2 タスクのサービスを、minimumHealthyPercent 100、maximumPercent 200 で作成します。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "web-$cluster", "containerDefinitions": [{"name": "web", "image": "registry.example.com/web:good", "memory": 256, "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "interval": 10, "retries": 3, "startPeriod": 20}}]}],
                           ["CreateService", {"cluster": "$cluster", "serviceName": "web", "taskDefinition": "web-$cluster", "desiredCount": 2, "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200}}]]"#,
                        c,
                    )
                },
                done: |s, _| rolled_out(s, 2),
            },
            Step {
                text: Text {
                    en: "Deploy an image whose health check fails. Its tasks start, turn UNHEALTHY and are replaced, again and again; the old revision's two tasks keep serving.",
                    ja: "ヘルスチェックに失敗するイメージをデプロイします。そのタスクは起動し、UNHEALTHY になって置き換えられ、それを繰り返します。古いリビジョンの 2 タスクは動き続けます。",
                },
                calls: |c, _| {
                    let image = format!("registry.example.com/web:broken-{c}");
                    let mut calls = vec![Call::Fleet(json!({"action": "unhealthy", "image": image}))];
                    calls.extend(Call::template(
                        &r#"[
                           ["RegisterTaskDefinition", {"family": "web-$cluster", "containerDefinitions": [{"name": "web", "image": "$image", "memory": 256, "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "interval": 10, "retries": 3, "startPeriod": 20}}]}],
                           ["UpdateService", {"cluster": "$cluster", "service": "web", "taskDefinition": "web-$cluster"}]]"#
                            .replace("$image", &image),
                        c,
                    ));
                    calls
                },
                done: |s, _| {
                    web_service(s).is_some_and(|v| v["deployments"].as_array().map_or(0, Vec::len) == 2)
                        && s.tasks.iter().any(|t| {
                            t["lastStatus"] == "STOPPED"
                                && t["stopCode"] == "ServiceSchedulerInitiated"
                                && t["healthStatus"] == "UNHEALTHY"
                        })
                },
            },
            Step {
                text: Text {
                    en: "Terminate the instance running the old revision's tasks. Since 14 November 2025 ECS replaces them from the revision they belonged to: the old revision is back to two tasks, not more of the failing one.",
                    ja: "古いリビジョンのタスクが動いているインスタンスを終了します。2025 年 11 月 14 日以降、ECS はそれらを元のリビジョンで置き換えます。古いリビジョンは 2 タスクに戻り、失敗中のリビジョンのタスクが増えるわけではありません。",
                },
                calls: |_, s| {
                    let old = web_service(s)
                        .and_then(|v| v["deployments"][1]["taskDefinition"].as_str())
                        .unwrap_or_default();
                    let instance = running(s)
                        .into_iter()
                        .find(|t| t["taskDefinitionArn"] == old)
                        .and_then(|t| t["containerInstanceArn"].as_str());
                    instance
                        .map(|arn| vec![Call::Fleet(json!({"action": "terminate", "containerInstance": arn}))])
                        .unwrap_or_default()
                },
                done: |s, _| {
                    active_instances(s) == 1
                        && web_service(s).is_some_and(|v| {
                            v["deployments"].as_array().map_or(0, Vec::len) == 2
                                && v["deployments"][1]["runningCount"] == 2
                        })
                },
            },
        ],
    },
    Lesson {
        id: "az-rebalancing",
        title: Text {
            en: "A zone lost and back: Availability Zone rebalancing",
            ja: "失われて戻るゾーン: アベイラビリティーゾーンの再調整",
        },
        cluster: "lesson-az",
        steps: &[
            Step {
                text: Text {
                    en: "A cluster with one instance in us-east-1a and one in us-east-1b.",
                    ja: "us-east-1a と us-east-1b にインスタンスを 1 台ずつ持つクラスターを作ります。",
                },
                calls: |c, _| {
                    let mut calls = Call::template(r#"[["CreateCluster", {"clusterName": "$cluster"}]]"#, c);
                    for zone in ["us-east-1a", "us-east-1b"] {
                        calls.push(Call::Fleet(json!({"action": "launch", "cluster": c, "instanceType": "t3.medium", "zone": zone})));
                    }
                    calls
                },
                done: |s, _| instance_in(s, "us-east-1a").is_some() && instance_in(s, "us-east-1b").is_some(),
            },
            Step {
                text: Text {
                    en: "A service of four tasks. ECS's default placement spreads them over the zones, two and two, and a new service rebalances across zones unless told not to (availabilityZoneRebalancing ENABLED, the default since 30 June 2025).",
                    ja: "4 タスクのサービスを作成します。ECS の既定の配置はタスクをゾーンに 2 つずつ分散し、新しいサービスは止めない限りゾーン間で再調整します (availabilityZoneRebalancing ENABLED、2025 年 6 月 30 日からの既定)。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "web-$cluster", "containerDefinitions": [{"name": "web", "image": "nginx:1", "memory": 256}]}],
                           ["CreateService", {"cluster": "$cluster", "serviceName": "web", "taskDefinition": "web-$cluster", "desiredCount": 4}]]"#,
                        c,
                    )
                },
                done: |s, _| {
                    rolled_out(s, 4)
                        && web_service(s).is_some_and(|v| v["availabilityZoneRebalancing"] == "ENABLED")
                        && running_in(s, "us-east-1a") == 2
                },
            },
            Step {
                text: Text {
                    en: "Terminate the instance in us-east-1a. Its two tasks stop and ECS starts them again in us-east-1b, the only zone left: four tasks there, none in us-east-1a.",
                    ja: "us-east-1a のインスタンスを終了します。その 2 タスクは停止し、ECS は残った唯一のゾーン us-east-1b でそれらを起動し直します。us-east-1b に 4 タスク、us-east-1a には 0 です。",
                },
                calls: |_, s| {
                    instance_in(s, "us-east-1a")
                        .map(|arn| vec![Call::Fleet(json!({"action": "terminate", "containerInstance": arn}))])
                        .unwrap_or_default()
                },
                done: |s, _| instance_in(s, "us-east-1a").is_none() && running_in(s, "us-east-1b") == 4,
            },
            Step {
                text: Text {
                    en: "Launch an instance in us-east-1a again. ECS does not move tasks the moment it can: once the service is steady it sees the zones uneven (\"is not AZ balanced with 4 tasks in us-east-1b, 0 tasks in us-east-1a\"), starts a task in us-east-1a, waits for it to count as healthy, stops one in us-east-1b, and repeats until two and two.",
                    ja: "us-east-1a にもう一度インスタンスを起動します。ECS はすぐにはタスクを動かしません。サービスが安定すると、ゾーンの偏り (\"is not AZ balanced with 4 tasks in us-east-1b, 0 tasks in us-east-1a\") を見て us-east-1a でタスクを起動し、それが healthy と数えられるのを待ってから us-east-1b のタスクを 1 つ停止し、2 つずつになるまで繰り返します。",
                },
                calls: |c, _| vec![Call::Fleet(json!({"action": "launch", "cluster": c, "instanceType": "t3.medium", "zone": "us-east-1a"}))],
                done: |s, _| {
                    running_in(s, "us-east-1a") == 2
                        && running_in(s, "us-east-1b") == 2
                        && web_event(s, "is AZ balanced with 2 tasks in us-east-1a, 2 tasks in us-east-1b")
                },
            },
        ],
    },
    Lesson {
        id: "rolling-hooks",
        title: Text {
            en: "A rolling update you pause: hooks before and after scaling up",
            ja: "一時停止するローリング更新: スケールアップの前と後のフック",
        },
        cluster: "lesson-rolling-hooks",
        steps: &[
            TWO_INSTANCES,
            Step {
                text: Text {
                    en: "A service of two nginx tasks, deployed ROLLING with minimumHealthyPercent 100 and maximumPercent 200.",
                    ja: "nginx のタスク 2 つのサービスを、ROLLING、minimumHealthyPercent 100、maximumPercent 200 で作成します。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "web-$cluster", "containerDefinitions": [{"name": "web", "image": "nginx:1", "memory": 128, "portMappings": [{"containerPort": 80, "hostPort": 0}]}]}],
                           ["CreateService", {"cluster": "$cluster", "serviceName": "web", "taskDefinition": "web-$cluster", "desiredCount": 2, "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200}}]]"#,
                        c,
                    )
                },
                done: |s, _| rolled_out(s, 2),
            },
            Step {
                text: Text {
                    en: "Deploy nginx:2 with PAUSE hooks at PRE_SCALE_UP and POST_SCALE_UP. ECS pauses before it starts anything of the new revision: the deployment is at PRE_SCALE_UP, its hook AWAITING_ACTION, and the old revision's two tasks serve alone.",
                    ja: "PRE_SCALE_UP と POST_SCALE_UP に PAUSE フックを付けて nginx:2 をデプロイします。ECS は新しいリビジョンを何も起動する前に一時停止します。デプロイは PRE_SCALE_UP で、フックは AWAITING_ACTION、古いリビジョンの 2 タスクだけが動いています。",
                },
                calls: |c, _| {
                    shifting_update(c, "nginx:2", r#"{"minimumHealthyPercent": 100, "maximumPercent": 200, "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["PRE_SCALE_UP", "POST_SCALE_UP"]}]}"#)
                },
                done: |s, _| paused_at(s, "PRE_SCALE_UP", (0, 2)),
            },
            Step {
                text: Text {
                    en: "Continue. The rolling update runs (SCALE_UP): within maximumPercent 200 the new revision's two tasks start beside the old ones, and once both count as healthy ECS pauses again at POST_SCALE_UP, both revisions running.",
                    ja: "続行します。ローリング更新が進みます (SCALE_UP)。maximumPercent 200 の範囲で新しいリビジョンの 2 タスクが古いタスクの横に起動し、両方が healthy と数えられると ECS は POST_SCALE_UP で再び一時停止します。両方のリビジョンが動いています。",
                },
                calls: |_, s| continue_hook(s),
                done: |s, _| paused_at(s, "POST_SCALE_UP", (2, 2)),
            },
            Step {
                text: Text {
                    en: "Continue again. In CLEAN_UP the old revision's tasks stop, and the deployment is SUCCESSFUL. A hook answered ROLLBACK (or timing out with that action) would have sent the service back to the old revision instead, as the circuit breaker does.",
                    ja: "もう一度続行します。CLEAN_UP で古いリビジョンのタスクが停止し、デプロイは SUCCESSFUL になります。フックに ROLLBACK で応答していれば (またはその動作でタイムアウトしていれば)、サーキットブレーカーと同じようにサービスは古いリビジョンに戻っていました。",
                },
                calls: |_, s| continue_hook(s),
                done: |s, _| {
                    current_deployment(s).is_some_and(|d| d["status"] == "SUCCESSFUL")
                        && stage(s).is_some_and(|(stage, _, _)| stage == "CLEAN_UP")
                        && rolled_out(s, 2)
                },
            },
        ],
    },
    Lesson {
        id: "service-auto-scaling",
        title: Text {
            en: "Service Auto Scaling and managed scaling together (seed 003)",
            ja: "Service Auto Scaling とマネージドスケーリングの連携 (seed 003)",
        },
        cluster: "lesson-scaling",
        steps: &[
            Step {
                text: Text {
                    en: "A cluster with no instance of its own: a capacity provider on an Auto Scaling group with managed scaling launches them as tasks need them (cluster auto scaling, the first of seed 003's two layers). Container Insights is on, so CloudWatch gets the service's desired and running tasks and the cluster's instances each minute.",
                    ja: "自前のインスタンスを持たないクラスターを作ります。マネージドスケーリング付きの Auto Scaling グループのキャパシティープロバイダーが、タスクに必要なだけインスタンスを起動します (クラスターの Auto Scaling、seed 003 の 2 つの層の 1 つ目)。Container Insights をオンにするので、サービスの必要数と実行中のタスク数、クラスターのインスタンス数が毎分 CloudWatch に送られます。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["CreateCapacityProvider", {"name": "$cluster-cp", "autoScalingGroupProvider": {"autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:5ca1ab1e-0000-4000-8000-000000000003:autoScalingGroupName/$cluster", "managedScaling": {"status": "ENABLED", "targetCapacity": 100}, "managedTerminationProtection": "ENABLED"}}],
                           ["CreateCluster", {"clusterName": "$cluster", "capacityProviders": ["$cluster-cp"], "defaultCapacityProviderStrategy": [{"capacityProvider": "$cluster-cp", "weight": 1}], "settings": [{"name": "containerInsights", "value": "enabled"}]}]]"#,
                        c,
                    )
                },
                done: |s, _| exists(s),
            },
            IN_FRONT,
            Step {
                text: Text {
                    en: "Register web with a whole vCPU per task (cpu 1024: two fit a t3.medium) and create a service of two tasks behind the target group. They wait in PROVISIONING until managed scaling's instance joins, then run.",
                    ja: "タスクごとに 1 vCPU (cpu 1024、t3.medium に 2 つ入ります) で web を登録し、ターゲットグループの後ろにタスク 2 つのサービスを作ります。タスクはマネージドスケーリングのインスタンスが加わるまで PROVISIONING で待ち、それから動きます。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["RegisterTaskDefinition", {"family": "web-scaling", "cpu": "1024", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512, "portMappings": [{"containerPort": 80, "hostPort": 0}]}]}],
                           ["CreateService", {"cluster": "$cluster", "serviceName": "web", "taskDefinition": "web-scaling", "desiredCount": 2, "loadBalancers": [{"targetGroupArn": "$tg:$cluster", "containerName": "web", "containerPort": 80}]}]]"#,
                        c,
                    )
                },
                done: |s, _| rolled_out(s, 2) && healthy_targets(s, 2),
            },
            Step {
                text: Text {
                    en: "Service Auto Scaling, the second layer: register the service as a scalable target (2 to 6 tasks) and give it a target tracking policy that keeps its average CPU at 50 %. Application Auto Scaling makes two CloudWatch alarms for it: AlarmHigh (over 50 for 3 minutes) and AlarmLow (under 45 for 15).",
                    ja: "2 つ目の層、Service Auto Scaling です。サービスをスケーラブルターゲット (タスク 2〜6) として登録し、平均 CPU を 50 % に保つターゲット追跡ポリシーを付けます。Application Auto Scaling は CloudWatch アラームを 2 つ作ります。AlarmHigh (3 分間 50 超) と AlarmLow (15 分間 45 未満) です。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["application-autoscaling", "RegisterScalableTarget", {"ServiceNamespace": "ecs", "ResourceId": "service/$cluster/web", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 2, "MaxCapacity": 6}],
                           ["application-autoscaling", "PutScalingPolicy", {"PolicyName": "cpu50", "ServiceNamespace": "ecs", "ResourceId": "service/$cluster/web", "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}, "ScaleOutCooldown": 60, "ScaleInCooldown": 300}}]]"#,
                        c,
                    )
                },
                done: |_, outcome| matches!(outcome, Some(Ok(m)) if m.starts_with("PutScalingPolicy")),
            },
            Step {
                text: Text {
                    en: "A spike: 200 requests a second, then 2700 for 8 minutes. Each task's CPU goes to 100 %; after 3 minutes AlarmHigh fires and the policy sets 4 tasks, a minute later 6. The last two do not fit: they wait in PROVISIONING, managed scaling adds a third instance, and all six run. The plot under the fleet draws it all on one time line: the requests, the CPU against its target, desired and running tasks and the instances, with each alarm and scaling activity marked.",
                    ja: "スパイクです。毎秒 200 リクエスト、続いて 8 分間 2700。各タスクの CPU は 100 % になり、3 分後に AlarmHigh が発火してポリシーがタスクを 4 つに、1 分後に 6 つにします。最後の 2 つは入りきらず PROVISIONING で待ち、マネージドスケーリングが 3 台目のインスタンスを追加して、6 つすべてが動きます。フリートの下のグラフが、リクエスト、目標に対する CPU、必要数と実行中のタスク、インスタンスを 1 本の時間軸に描き、アラームとスケーリングアクティビティごとに印を付けます。",
                },
                calls: |c, _| {
                    Call::template(
                        r#"[
                           ["fleet", {"action": "offered-load", "loadBalancer": "$cluster", "requestsPerSecond": 200, "profile": {"shape": "spike", "peak": 2700, "afterMinutes": 1, "minutes": 8}}]]"#,
                        c,
                    )
                },
                done: |s, _| {
                    web_service(s).is_some_and(|v| v["desiredCount"] == 6 && v["runningCount"] == 6)
                        && active_instances(s) == 3
                },
            },
            Step {
                text: Text {
                    en: "The spike is over. After 15 minutes under 45 % AlarmLow fires and the policy scales in to the minimum of 2, one task from each zone at a time.",
                    ja: "スパイクが終わりました。15 分間 45 % 未満が続くと AlarmLow が発火し、ポリシーは最小の 2 つまでスケールインします (ゾーンごとに 1 つずつ)。",
                },
                calls: |_, _| Vec::new(),
                done: |s, _| {
                    web_service(s).is_some_and(|v| v["desiredCount"] == 2 && v["runningCount"] == 2)
                },
            },
            Step {
                text: Text {
                    en: "An instance is left without tasks: after 15 minutes empty, managed scaling terminates it. Both layers are back where they started.",
                    ja: "タスクのないインスタンスが 1 台残ります。15 分間空のままだと、マネージドスケーリングがそれを終了させます。2 つの層とも元に戻りました。",
                },
                calls: |_, _| Vec::new(),
                done: |s, _| active_instances(s) == 2,
            },
        ],
    },
];
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
                for call in (step.calls)(lesson.cluster, &snapshot(lesson.cluster)) {
                    match &call {
                        Call::Ecs { operation, body } => {
                            berth_control_plane::Request::from_operation(operation, body.clone())
                                .unwrap_or_else(|e| {
                                    panic!("{}: {operation} {body}: {e}", lesson.id)
                                });
                        }
                        #[cfg(feature = "local")]
                        Call::Elb { action, input } => {
                            let form = crate::calls::query_form(action, input);
                            berth_api::elb::decode(form.as_bytes())
                                .unwrap_or_else(|e| panic!("{}: {form}: {e}", lesson.id));
                        }
                        #[cfg(feature = "local")]
                        Call::CloudWatch { operation, input } => {
                            berth_api::cloudwatch::decode_json(operation, input)
                                .unwrap_or_else(|e| panic!("{}: {operation}: {e:?}", lesson.id));
                        }
                        #[cfg(feature = "local")]
                        Call::AutoScaling { operation, input } => {
                            berth_api::autoscaling::decode_json(operation, input)
                                .unwrap_or_else(|e| panic!("{}: {operation}: {e:?}", lesson.id));
                        }
                        _ => {}
                    }
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
        /// The region's load balancing as the page's view has it.
        fn load_balancing(&mut self) -> Value {
            let (status, text) = self
                .local
                .post(self.wall, "/berth/load-balancers", None, "{}");
            assert_eq!(status, 200, "{text}");
            serde_json::from_str(&text).unwrap()
        }

        /// Plays `lesson` as the page plays it: "Do it for me" for each step, then time
        /// passes until ECS reports the step done. Returns its cluster.
        fn play(&mut self, lesson: &Lesson, round: usize) -> String {
            let page = self;
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
                for call in calls {
                    match page.perform(&call) {
                        Ok(()) => outcome = Some(Ok(format!("{}: done", call.name()))),
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
            cluster
        }

        /// Makes `call` as [`crate::api::perform`] does.
        fn perform(&mut self, call: &Call) -> Result<(), String> {
            let mut call = call.clone();
            if call.refers() {
                call.resolve(&self.load_balancing()["names"])?;
            }
            match &call {
                Call::Ecs { operation, body } => self.call(operation, body.clone()).map(drop),
                Call::Elb { action, input } => {
                    let form = crate::calls::query_form(action, input);
                    match self.local.post_query(self.wall, &form) {
                        (200, _) => Ok(()),
                        (status, xml) => Err(format!("{action}: {status} {xml}")),
                    }
                }
                Call::AutoScaling { operation, input } => {
                    let target = format!("{}{operation}", berth_api::autoscaling::TARGET_PREFIX);
                    match self
                        .local
                        .post(self.wall, "/", Some(&target), &input.to_string())
                    {
                        (200, _) => Ok(()),
                        (status, text) => Err(format!("{operation}: {status} {text}")),
                    }
                }
                Call::CloudWatch { operation, input } => {
                    let target = format!("{}{operation}", berth_api::cloudwatch::TARGET_PREFIX);
                    match self
                        .local
                        .post(self.wall, "/", Some(&target), &input.to_string())
                    {
                        (200, _) => Ok(()),
                        (status, text) => Err(format!("{operation}: {status} {text}")),
                    }
                }
                Call::Fleet(action) => {
                    match self
                        .local
                        .post(self.wall, "/berth/fleet", None, &action.to_string())
                    {
                        (200, _) => Ok(()),
                        (status, text) => Err(format!("fleet: {status} {text}")),
                    }
                }
            }
        }

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
                    let current: Vec<Value> = snapshot
                        .services
                        .iter()
                        .map(|v| v["currentServiceDeployment"].clone())
                        .filter(|arn| arn.is_string())
                        .collect();
                    if !current.is_empty() {
                        let described = call(
                            "DescribeServiceDeployments",
                            json!({"serviceDeploymentArns": current}),
                        );
                        snapshot.service_deployments = described["serviceDeployments"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default();
                    }
                }
            }
            if snapshot
                .service_deployments
                .iter()
                .any(crate::live::lambda_in_progress)
            {
                let (status, text) = self.local.post(self.wall, "/berth/hooks", None, "{}");
                assert_eq!(status, 200, "{text}");
                let listed: Value = serde_json::from_str(&text).unwrap();
                snapshot.hook_invocations = listed["invocations"].as_array().unwrap().clone();
            }
            snapshot.clusters = clusters;
            snapshot.load_balancers = self.load_balancing()["loadBalancers"]
                .as_array()
                .unwrap()
                .clone();
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
                page.play(lesson, round);
            }
        }
    }

    /// The dynamic-ports lesson's cluster, shared as a link and rebuilt in another page:
    /// the service comes back behind a load balancer of the same shape, its three tasks
    /// healthy targets on their dynamic ports.
    #[test]
    #[cfg(feature = "local")]
    fn a_shared_link_rebuilds_the_load_balancer_too() {
        let wall = 1_700_000_000_000.0;
        let mut page = Page {
            local: crate::local::Local::new(5, wall),
            wall,
        };
        let lesson = LESSONS.iter().find(|l| l.id == "dynamic-ports").unwrap();
        let cluster = page.play(lesson, 0);
        let seen = page.look(&cluster);
        let definitions: Vec<Value> = ["web-dynamic"]
            .iter()
            .map(|f| {
                page.call("DescribeTaskDefinition", json!({"taskDefinition": f}))
                    .unwrap()["taskDefinition"]
                    .clone()
            })
            .collect();
        let groups = crate::export::target_groups(&seen.services);
        assert_eq!(groups.len(), 1);
        let body = json!({"rebuild": groups}).to_string();
        let (_, text) = page
            .local
            .post(page.wall, "/berth/load-balancers", None, &body);
        let view: Value = serde_json::from_str(&text).unwrap();
        let built = crate::export::Built {
            cluster: &cluster,
            task_definitions: &definitions,
            instances: &seen.instances,
            services: &seen.services,
            load_balancing: &view["rebuild"],
            names: &view["names"],
        };
        let link: Value = serde_json::from_str(&built.session().to_string()).unwrap();
        // A reload replays the journal: the ELB calls and the offered load with it.
        page.local = crate::local::Local::load(&page.local.save(page.wall), page.wall).unwrap();
        let reloaded = page.look(&cluster);
        assert_eq!(reloaded.services.len(), 1, "{:?}", reloaded.clusters);
        assert!(
            healthy_targets(&reloaded, 3),
            "{:?}",
            reloaded.load_balancers
        );

        let mut elsewhere = Page {
            local: crate::local::Local::new(9, wall),
            wall,
        };
        for call in crate::export::session_calls(&link) {
            elsewhere
                .perform(&call)
                .unwrap_or_else(|e| panic!("{}: {e}", call.name()));
        }
        elsewhere.wall += 120_000.0;
        let there = elsewhere.look(&cluster);
        assert!(healthy_targets(&there, 3), "{:?}", there.load_balancers);
        let summary = |s: &Snapshot| s.load_balancers[0]["listeners"][0]["summary"].clone();
        assert_eq!(summary(&there), summary(&seen));
        assert_eq!(
            there.load_balancers[0]["targetGroups"][0]["deregistrationDelaySeconds"],
            30
        );
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
