//! `berth serve` as a process: every acknowledged write survives `kill -9` and a restart,
//! and the state after the restart is the state before it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

/// Starts `berth serve` on a free port with its journal in `data`; returns it and its address.
fn start(data: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--snapshot-every",
            "3",
            "--data",
        ])
        .arg(data)
        .stderr(Stdio::piped())
        .spawn()
        .expect("berth serve starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let line = lines.next().expect("a line").expect("readable");
    let addr = line
        .rsplit("http://")
        .next()
        .expect("berth: serving the ECS API on http://ADDR")
        .trim()
        .to_owned();
    // Keep draining stderr so the server never blocks on it.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

fn call(addr: &str, operation: &str, body: Value) -> Value {
    let body = body.to_string();
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AmazonEC2ContainerServiceV20141113.{operation}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{operation}: {response}");
    serde_json::from_str(body).unwrap()
}

/// `POST` of a JSON body to one of Berth's own endpoints (`/berth/fleet` ...).
fn berth(addr: &str, path: &str, body: Value) {
    let body = body.to_string();
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{path}: {response}");
}

/// What a user would look at: clusters, instances, tasks, services, task definitions.
fn state(addr: &str) -> Value {
    let tasks = call(addr, "ListTasks", json!({}));
    let described = call(addr, "DescribeTasks", json!({"tasks": tasks["taskArns"]}));
    let mut tasks: Vec<Value> = described["tasks"].as_array().unwrap().clone();
    tasks.sort_by_key(|t| t["taskArn"].as_str().unwrap().to_owned());
    json!({
        "clusters": call(addr, "ListClusters", json!({})),
        "instances": call(addr, "ListContainerInstances", json!({})),
        "tasks": tasks,
        "services": call(addr, "DescribeServices", json!({"services": ["web"]})),
        "families": call(addr, "ListTaskDefinitions", json!({})),
    })
}

#[test]
fn writes_survive_kill_9() {
    let data = std::env::temp_dir().join(format!("berth-serve-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let (mut server, addr) = start(&data);
    call(&addr, "CreateCluster", json!({"clusterName": "MyCluster"}));
    call(
        &addr,
        "RegisterTaskDefinition",
        json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 128}]}),
    );
    call(
        &addr,
        "RunTask",
        json!({"taskDefinition": "web:1", "count": 4}),
    );
    call(
        &addr,
        "CreateService",
        json!({"serviceName": "web", "taskDefinition": "web:1", "desiredCount": 2}),
    );
    // What the page does to the virtual world is journalled like a request.
    berth(
        &addr,
        "/berth/fleet",
        json!({"action": "launch", "cluster": "default", "instanceType": "m5.large",
               "zone": "us-east-1b"}),
    );
    let before = state(&addr);
    assert_eq!(
        before["instances"]["containerInstanceArns"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    server.kill().unwrap(); // SIGKILL: no shutdown, no flush.
    server.wait().unwrap();

    let (mut server, addr) = start(&data);
    let after = state(&addr);
    assert_eq!(before["clusters"], after["clusters"]);
    assert_eq!(before["instances"], after["instances"]);
    assert_eq!(before["families"], after["families"]);
    assert_eq!(
        before["services"]["services"][0]["deployments"],
        after["services"]["services"][0]["deployments"]
    );
    let arns = |s: &Value| -> Vec<Value> {
        s["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["taskArn"].clone())
            .collect()
    };
    assert_eq!(arns(&before), arns(&after));
    assert_eq!(
        arns(&after).len(),
        6,
        "four RunTask tasks and two of the service"
    );
    server.kill().unwrap();
    server.wait().unwrap();
    let _ = std::fs::remove_dir_all(&data);
}
