//! The wire protocol as the AWS CLI and boto3 use it. Runs natively and in headless Chromium.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use berth_api::{decode, error_reply, region_of, reply, request_id, TARGET_PREFIX};
use berth_control_plane::{Config, ControlPlane, Request};
use berth_model::SimTime;
use serde_json::Value;

fn target(operation: &str) -> String {
    format!("{TARGET_PREFIX}{operation}")
}

/// A call goes through decode, the control plane and reply, as a server would do it.
fn call(cp: &mut ControlPlane, operation: &str, body: &str) -> (u16, Value) {
    let outcome = decode(Some(&target(operation)), body.as_bytes())
        .and_then(|call| cp.handle_request(SimTime::from_secs(1_700_000_000), call.request));
    let reply = reply(&outcome);
    (reply.status, serde_json::from_str(&reply.body).unwrap())
}

#[test]
fn operations_round_trip() {
    let mut cp = ControlPlane::new(Config::default());
    let (status, body) = call(&mut cp, "CreateCluster", r#"{"clusterName": "MyCluster"}"#);
    assert_eq!(status, 200);
    assert_eq!(body["cluster"]["clusterName"], "MyCluster");
    // An operation without parameters may send an empty body.
    let (status, body) = call(&mut cp, "ListClusters", "");
    assert_eq!(status, 200);
    assert_eq!(
        body["clusterArns"][0],
        "arn:aws:ecs:us-east-1:123456789012:cluster/MyCluster"
    );
    // Timestamps are epoch seconds.
    let (_, body) = call(
        &mut cp,
        "RegisterTaskDefinition",
        r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 128}]}"#,
    );
    assert_eq!(body["taskDefinition"]["registeredAt"], 1_700_000_000);
}

#[test]
fn errors_in_ecs_shape() {
    let mut cp = ControlPlane::new(Config::default());
    let (status, body) = call(
        &mut cp,
        "DescribeServices",
        r#"{"cluster": "nope", "services": ["x"]}"#,
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        serde_json::json!({"__type": "ClusterNotFoundException", "message": "Cluster not found."})
    );
    let (status, body) = call(&mut cp, "CreateCluster", r#"{"clusterName": 5}"#);
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("SerializationException"))
    );
    let (status, body) = call(
        &mut cp,
        "CreateCluster",
        r#"{"clusterName": "a", "bogus": 1}"#,
    );
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("InvalidParameterException"))
    );
    let (status, body) = call(&mut cp, "CreateCluster", "{not json");
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("SerializationException"))
    );
    let (status, body) = call(&mut cp, "CreateCluster", "[1, 2]");
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("SerializationException"))
    );
    let (status, body) = call(&mut cp, "LaunchRocket", "{}");
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("UnknownOperationException"))
    );
    let missing = reply(&decode(None, b"{}").map(|_| unreachable!()));
    assert_eq!(missing.status, 400);
    let huge = vec![b' '; berth_api::MAX_BODY_BYTES + 1];
    let error = decode(Some(&target("ListClusters")), &huge).unwrap_err();
    assert_eq!(error_reply(&error).status, 400);
    let server = error_reply(&berth_model::ApiError::new(
        berth_model::ExceptionType::ServerException,
        "boom",
    ));
    assert_eq!(server.status, 500);
}

#[test]
fn read_only_operations() {
    let call = decode(Some(&target("DescribeClusters")), b"{}").unwrap();
    assert!(call.is_read_only());
    assert!(matches!(call.request, Request::DescribeClusters(_)));
    assert!(
        !decode(Some(&target("RunTask")), br#"{"taskDefinition": "x"}"#)
            .unwrap()
            .is_read_only()
    );
}

#[test]
fn region_and_request_id() {
    let header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/ecs/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=abc";
    assert_eq!(region_of(header), Some("eu-west-1"));
    assert_eq!(region_of("Bearer token"), None);
    assert_eq!(
        request_id(0x0123456789abcdef0123456789abcdef),
        "01234567-89ab-cdef-0123-456789abcdef"
    );
}
