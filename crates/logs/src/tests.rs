//! The operations end to end: what a user of `aws logs` sees.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_model::SimTime;
use serde_json::{json, Value};

use crate::{Logs, LogsError, Request, MAX_STREAM_EVENTS};

const NOW: SimTime = SimTime(1_780_000_000_000);

fn call(logs: &mut Logs, at: SimTime, operation: &str, input: Value) -> Result<Value, LogsError> {
    let request = Request::decode(operation, input)
        .expect("known")
        .expect("decodes");
    logs.handle(at, request)
        .map(|r| serde_json::to_value(r).unwrap())
}

fn ok(logs: &mut Logs, operation: &str, input: Value) -> Value {
    call(logs, NOW, operation, input).unwrap_or_else(|e| panic!("{operation}: {e}"))
}

fn err(logs: &mut Logs, operation: &str, input: Value) -> LogsError {
    call(logs, NOW, operation, input).expect_err(operation)
}

fn with_stream() -> Logs {
    let mut logs = Logs::new("us-east-1", "123456789012");
    ok(
        &mut logs,
        "CreateLogGroup",
        json!({"logGroupName": "/ecs/web"}),
    );
    ok(
        &mut logs,
        "CreateLogStream",
        json!({"logGroupName": "/ecs/web", "logStreamName": "ecs/web/abc"}),
    );
    logs
}

fn messages(events: &Value) -> Vec<&str> {
    events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect()
}

#[test]
fn groups_and_streams_are_described_as_aws_describes_them() {
    let mut logs = with_stream();
    let groups = ok(&mut logs, "DescribeLogGroups", json!({}));
    let group = &groups["logGroups"][0];
    assert_eq!(
        group["arn"],
        "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web:*"
    );
    assert_eq!(
        group["logGroupArn"],
        "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web"
    );
    assert_eq!(group["logGroupClass"], "STANDARD");
    assert_eq!(group["storedBytes"], 0);
    assert!(group.get("retentionInDays").is_none());
    let streams = ok(
        &mut logs,
        "DescribeLogStreams",
        json!({"logGroupName": "/ecs/web"}),
    );
    let stream = &streams["logStreams"][0];
    assert_eq!(
        stream["arn"],
        "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web:log-stream:ecs/web/abc"
    );
    assert!(stream.get("firstEventTimestamp").is_none());
    // Again: AWS's words, without a final period.
    let again = err(
        &mut logs,
        "CreateLogGroup",
        json!({"logGroupName": "/ecs/web"}),
    );
    assert_eq!(
        (again.shape, again.message.as_str()),
        (
            "ResourceAlreadyExistsException",
            "The specified log group already exists"
        )
    );
    let again = err(
        &mut logs,
        "CreateLogStream",
        json!({"logGroupName": "/ecs/web", "logStreamName": "ecs/web/abc"}),
    );
    assert_eq!(again.message, "The specified log stream already exists");
    let missing = err(
        &mut logs,
        "CreateLogStream",
        json!({"logGroupName": "/ecs/api", "logStreamName": "x"}),
    );
    assert_eq!(
        (missing.shape, missing.message.as_str()),
        (
            "ResourceNotFoundException",
            "The specified log group does not exist."
        )
    );
    let reserved = err(
        &mut logs,
        "CreateLogGroup",
        json!({"logGroupName": "aws/x"}),
    );
    assert_eq!(reserved.shape, "InvalidParameterException");
    let bad = err(
        &mut logs,
        "CreateLogGroup",
        json!({"logGroupName": "my group"}),
    );
    assert!(
        bad.message.contains("regular expression pattern"),
        "{}",
        bad.message
    );
    let long = err(
        &mut logs,
        "CreateLogGroup",
        json!({"logGroupName": "a".repeat(513)}),
    );
    assert_eq!(
        long.message,
        "Invalid LogGroup or LogStream, both must have length less than or equal to 512."
    );
    let both = err(
        &mut logs,
        "DescribeLogStreams",
        json!({"logGroupName": "/ecs/web", "logGroupIdentifier": "/ecs/web"}),
    );
    assert_eq!(both.shape, "ValidationException");
    let by_arn = ok(
        &mut logs,
        "DescribeLogStreams",
        json!({"logGroupIdentifier": "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web"}),
    );
    assert_eq!(by_arn["logStreams"].as_array().unwrap().len(), 1);
    let ordered = err(
        &mut logs,
        "DescribeLogStreams",
        json!({"logGroupName": "/ecs/web", "orderBy": "LastEventTime", "logStreamNamePrefix": "ecs"}),
    );
    assert_eq!(
        ordered.message,
        "Cannot order by LastEventTime with a logStreamNamePrefix."
    );
}

#[test]
fn describe_pages_end_without_a_token() {
    let mut logs = Logs::new("us-east-1", "123456789012");
    for i in 0..5 {
        ok(
            &mut logs,
            "CreateLogGroup",
            json!({"logGroupName": format!("/ecs/g{i}")}),
        );
    }
    let first = ok(&mut logs, "DescribeLogGroups", json!({"limit": 2}));
    assert_eq!(first["logGroups"].as_array().unwrap().len(), 2);
    let token = first["nextToken"].as_str().unwrap().to_owned();
    let second = ok(
        &mut logs,
        "DescribeLogGroups",
        json!({"limit": 3, "nextToken": token}),
    );
    assert_eq!(second["logGroups"][2]["logGroupName"], "/ecs/g4");
    assert!(second.get("nextToken").is_none());
    let prefixed = ok(
        &mut logs,
        "DescribeLogGroups",
        json!({"logGroupNamePrefix": "/ecs/g3"}),
    );
    assert_eq!(prefixed["logGroups"].as_array().unwrap().len(), 1);
    let pattern = ok(
        &mut logs,
        "DescribeLogGroups",
        json!({"logGroupNamePattern": "g1"}),
    );
    // A pattern's answer names the groups only.
    assert!(pattern["logGroups"][0].get("storedBytes").is_none());
    let both = err(
        &mut logs,
        "DescribeLogGroups",
        json!({"logGroupNamePrefix": "/ecs", "logGroupNamePattern": "g"}),
    );
    assert_eq!(
        both.message,
        "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
    );
    let over = err(&mut logs, "DescribeLogGroups", json!({"limit": 51}));
    assert_eq!(
        over.message,
        "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50"
    );
    let bad = err(&mut logs, "DescribeLogGroups", json!({"nextToken": "zzz"}));
    assert_eq!(bad.message, "The specified nextToken is invalid.");
}

#[test]
fn get_log_events_reads_from_the_tail_and_pages_both_ways() {
    let mut logs = with_stream();
    let lines: Vec<String> = (0..5).map(|i| format!("line {i}")).collect();
    for (i, line) in lines.iter().enumerate() {
        assert!(logs.write(
            NOW.plus_millis(i as u64 * 1000),
            "/ecs/web",
            "ecs/web/abc",
            std::slice::from_ref(line)
        ));
    }
    let read = |logs: &mut Logs, input: Value| {
        let mut input = input;
        input["logGroupName"] = json!("/ecs/web");
        input["logStreamName"] = json!("ecs/web/abc");
        call(logs, NOW.plus_millis(10_000), "GetLogEvents", input).unwrap()
    };
    // The default reads the latest events (oldest first in the page).
    let tail = read(&mut logs, json!({"limit": 2}));
    assert_eq!(messages(&tail["events"]), ["line 3", "line 4"]);
    let forward = tail["nextForwardToken"].as_str().unwrap().to_owned();
    let backward = tail["nextBackwardToken"].as_str().unwrap().to_owned();
    assert!(forward.starts_with("f/") && forward.ends_with("/s") && forward.len() == 60);
    // Backward: older pages, then the same token at the head.
    let older = read(&mut logs, json!({"limit": 2, "nextToken": backward}));
    assert_eq!(messages(&older["events"]), ["line 1", "line 2"]);
    let oldest = read(
        &mut logs,
        json!({"limit": 2, "nextToken": older["nextBackwardToken"]}),
    );
    assert_eq!(messages(&oldest["events"]), ["line 0"]);
    let head = oldest["nextBackwardToken"].clone();
    let past = read(&mut logs, json!({"nextToken": head}));
    assert_eq!(past["events"], json!([]));
    assert_eq!(past["nextBackwardToken"], head);
    // Forward at the end: nothing, and the token sent comes back; then new lines arrive.
    let end = read(
        &mut logs,
        json!({"nextToken": forward, "startFromHead": true}),
    );
    assert_eq!(end["events"], json!([]));
    assert_eq!(end["nextForwardToken"], json!(forward));
    logs.write(
        NOW.plus_millis(6000),
        "/ecs/web",
        "ecs/web/abc",
        &["line 5".to_owned()],
    );
    let fresh = read(
        &mut logs,
        json!({"nextToken": forward, "startFromHead": true}),
    );
    assert_eq!(messages(&fresh["events"]), ["line 5"]);
    // From the head; startTime inclusive, endTime exclusive.
    let window = read(
        &mut logs,
        json!({"startFromHead": true, "startTime": NOW.0 + 1000, "endTime": NOW.0 + 3000}),
    );
    assert_eq!(messages(&window["events"]), ["line 1", "line 2"]);
    let bad = call(
        &mut logs,
        NOW,
        "GetLogEvents",
        json!({"logGroupName": "/ecs/web", "logStreamName": "ecs/web/abc", "nextToken": "f/123/s"}),
    )
    .unwrap_err();
    assert_eq!(bad.message, "The specified nextToken is invalid.");
    let no_stream = call(
        &mut logs,
        NOW,
        "GetLogEvents",
        json!({"logGroupName": "/ecs/web", "logStreamName": "nope"}),
    )
    .unwrap_err();
    assert_eq!(
        no_stream.message,
        "The specified log stream does not exist."
    );
    let over = call(
        &mut logs,
        NOW,
        "GetLogEvents",
        json!({"logGroupName": "/ecs/web", "logStreamName": "ecs/web/abc", "limit": 10001}),
    )
    .unwrap_err();
    assert_eq!(
        over.message,
        "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"
    );
}

#[test]
fn filter_log_events_interleaves_streams_and_pages_to_the_end() {
    let mut logs = with_stream();
    ok(
        &mut logs,
        "CreateLogStream",
        json!({"logGroupName": "/ecs/web", "logStreamName": "ecs/sidecar/abc"}),
    );
    for i in 0..4u64 {
        let stream = if i % 2 == 0 {
            "ecs/web/abc"
        } else {
            "ecs/sidecar/abc"
        };
        let line = if i == 2 { "ERROR failed" } else { "INFO fine" };
        logs.write(
            NOW.plus_millis(i),
            "/ecs/web",
            stream,
            &[format!("{line} {i}")],
        );
    }
    let all = ok(
        &mut logs,
        "FilterLogEvents",
        json!({"logGroupName": "/ecs/web"}),
    );
    assert_eq!(
        messages(&all["events"]),
        [
            "INFO fine 0",
            "INFO fine 1",
            "ERROR failed 2",
            "INFO fine 3"
        ]
    );
    assert_eq!(all["events"][1]["logStreamName"], "ecs/sidecar/abc");
    assert_eq!(all["searchedLogStreams"], json!([]));
    assert!(all.get("nextToken").is_none());
    let id = all["events"][0]["eventId"].as_str().unwrap();
    assert_eq!(id.len(), 56);
    let errors = ok(
        &mut logs,
        "FilterLogEvents",
        json!({"logGroupName": "/ecs/web", "filterPattern": "ERROR"}),
    );
    assert_eq!(messages(&errors["events"]), ["ERROR failed 2"]);
    // Pages of one: a token each time, none after the last.
    let mut token: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let mut input =
            json!({"logGroupName": "/ecs/web", "limit": 1, "logStreamNamePrefix": "ecs/web"});
        if let Some(t) = &token {
            input["nextToken"] = json!(t);
        }
        let page = ok(&mut logs, "FilterLogEvents", input);
        seen.extend(messages(&page["events"]).into_iter().map(str::to_owned));
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ["INFO fine 0", "ERROR failed 2"]);
    // `aws logs tail --follow` asks again from the newest time it saw: that event is still
    // there, with the same id, so it can skip it.
    let again = ok(
        &mut logs,
        "FilterLogEvents",
        json!({"logGroupName": "/ecs/web", "startTime": NOW.0 + 3, "interleaved": true}),
    );
    assert_eq!(again["events"][0]["eventId"], all["events"][3]["eventId"]);
    let newest_first = ok(
        &mut logs,
        "FilterLogEvents",
        json!({"logGroupName": "/ecs/web", "startFromHead": false, "startTime": NOW.0, "limit": 2}),
    );
    assert_eq!(
        messages(&newest_first["events"]),
        ["INFO fine 3", "ERROR failed 2"]
    );
    assert!(newest_first["nextToken"].is_string());
    let both = err(
        &mut logs,
        "FilterLogEvents",
        json!({"logGroupName": "/ecs/web", "logStreamNames": ["a"], "logStreamNamePrefix": "a"}),
    );
    assert_eq!(both.shape, "InvalidParameterException");
}

#[test]
fn put_log_events_keeps_order_and_rejects_what_aws_rejects() {
    let mut logs = with_stream();
    let put = |logs: &mut Logs, events: Value| {
        call(
            logs,
            NOW,
            "PutLogEvents",
            json!({"logGroupName": "/ecs/web", "logStreamName": "ecs/web/abc", "logEvents": events}),
        )
    };
    let out = put(
        &mut logs,
        json!([
            {"timestamp": NOW.0 - 15 * 86_400_000, "message": "too old"},
            {"timestamp": NOW.0, "message": "now"},
            {"timestamp": NOW.0 + 3 * 3_600_000, "message": "too new"},
        ]),
    )
    .unwrap();
    assert_eq!(
        out["rejectedLogEventsInfo"],
        json!({"tooOldLogEventEndIndex": 1, "tooNewLogEventStartIndex": 2})
    );
    assert_eq!(out["nextSequenceToken"].as_str().unwrap().len(), 56);
    let unordered = put(
        &mut logs,
        json!([{"timestamp": NOW.0, "message": "b"}, {"timestamp": NOW.0 - 1, "message": "a"}]),
    )
    .unwrap_err();
    assert_eq!(
        unordered.message,
        "Log events in a single PutLogEvents request must be in chronological order."
    );
    let span = put(
        &mut logs,
        json!([{"timestamp": NOW.0 - 2 * 86_400_000, "message": "a"}, {"timestamp": NOW.0, "message": "b"}]),
    )
    .unwrap_err();
    assert!(span.message.contains("24 hours"), "{}", span.message);
    // An earlier event goes before later ones, whenever it arrives.
    put(
        &mut logs,
        json!([{"timestamp": NOW.0 - 5, "message": "earlier"}]),
    )
    .unwrap();
    let read = ok(
        &mut logs,
        "GetLogEvents",
        json!({"logGroupName": "/ecs/web", "logStreamName": "ecs/web/abc", "startFromHead": true}),
    );
    assert_eq!(messages(&read["events"]), ["earlier", "now"]);
}

#[test]
fn retention_hides_old_events_and_only_aws_values_are_taken() {
    let mut logs = with_stream();
    logs.write(NOW, "/ecs/web", "ecs/web/abc", &["old".to_owned()]);
    let later = NOW.plus_millis(2 * 86_400_000);
    logs.write(later, "/ecs/web", "ecs/web/abc", &["new".to_owned()]);
    let bad = err(
        &mut logs,
        "PutRetentionPolicy",
        json!({"logGroupName": "/ecs/web", "retentionInDays": 2}),
    );
    assert_eq!(bad.shape, "InvalidParameterException");
    call(
        &mut logs,
        later,
        "PutRetentionPolicy",
        json!({"logGroupName": "/ecs/web", "retentionInDays": 1}),
    )
    .unwrap();
    let read = call(
        &mut logs,
        later,
        "GetLogEvents",
        json!({"logGroupName": "/ecs/web", "logStreamName": "ecs/web/abc"}),
    )
    .unwrap();
    assert_eq!(messages(&read["events"]), ["new"]);
    let groups = call(&mut logs, later, "DescribeLogGroups", json!({})).unwrap();
    assert_eq!(groups["logGroups"][0]["retentionInDays"], 1);
    assert_eq!(groups["logGroups"][0]["storedBytes"], 3);
}

#[test]
fn the_awslogs_driver_creates_the_group_only_when_allowed() {
    let mut logs = Logs::new("us-east-1", "123456789012");
    let (what, error) = logs
        .open_stream(NOW, "/ecs/web", "ecs/web/abc", false)
        .unwrap_err();
    assert_eq!((what, error.shape), ("stream", "ResourceNotFoundException"));
    logs.open_stream(NOW, "/ecs/web", "ecs/web/abc", true)
        .unwrap();
    assert!(logs.has_stream("/ecs/web", "ecs/web/abc"));
    // A second container's stream in the same group, and the same stream again, are fine.
    logs.open_stream(NOW, "/ecs/web", "ecs/web/def", true)
        .unwrap();
    logs.open_stream(NOW, "/ecs/web", "ecs/web/abc", false)
        .unwrap();
    let (what, error) = logs.open_stream(NOW, "bad group", "s", true).unwrap_err();
    assert_eq!((what, error.shape), ("stream", "InvalidParameterException"));
    ok(
        &mut logs,
        "DeleteLogGroup",
        json!({"logGroupName": "/ecs/web"}),
    );
    assert!(!logs.write(NOW, "/ecs/web", "ecs/web/abc", &["lost".to_owned()]));
}

#[test]
fn a_stream_keeps_its_latest_events() {
    let mut logs = with_stream();
    let lines: Vec<String> = (0..MAX_STREAM_EVENTS + 5).map(|i| i.to_string()).collect();
    logs.write(NOW, "/ecs/web", "ecs/web/abc", &lines);
    let read = ok(
        &mut logs,
        "GetLogEvents",
        json!({"logGroupName": "/ecs/web", "logStreamName": "ecs/web/abc", "startFromHead": true, "limit": 1}),
    );
    assert_eq!(messages(&read["events"]), ["5"]);
}

#[test]
fn tags_through_either_api() {
    let mut logs = with_stream();
    let arn = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web";
    ok(
        &mut logs,
        "TagResource",
        json!({"resourceArn": arn, "tags": {"team": "web"}}),
    );
    ok(
        &mut logs,
        "TagLogGroup",
        json!({"logGroupName": "/ecs/web", "tags": {"env": "dev"}}),
    );
    let tags = ok(
        &mut logs,
        "ListTagsLogGroup",
        json!({"logGroupName": "/ecs/web"}),
    );
    assert_eq!(tags["tags"], json!({"env": "dev", "team": "web"}));
    ok(
        &mut logs,
        "UntagResource",
        json!({"resourceArn": arn, "tagKeys": ["env"]}),
    );
    let tags = ok(
        &mut logs,
        "ListTagsForResource",
        json!({"resourceArn": arn}),
    );
    assert_eq!(tags["tags"], json!({"team": "web"}));
    let missing = err(
        &mut logs,
        "ListTagsForResource",
        json!({"resourceArn": "arn:aws:logs:us-east-1:123456789012:log-group:/nope"}),
    );
    assert_eq!(missing.shape, "ResourceNotFoundException");
}
