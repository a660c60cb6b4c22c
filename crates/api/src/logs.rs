//! CloudWatch Logs' wire protocol: AWS JSON 1.1 (botocore's 2014-03-28 model), `POST /` with
//! `X-Amz-Target: Logs_20140328.<Operation>`, a JSON body, and times as epoch milliseconds.
//! An error is 400 (500 for `ServiceUnavailableException`) with `{"__type", "message"}`,
//! `message` in lowercase as the service sends it.

use berth_logs::{logs_error, LogsError, Request, Response};
use serde_json::Value;

/// The `X-Amz-Target` prefix of every operation.
pub const TARGET_PREFIX: &str = "Logs_20140328.";

/// The largest body: a PutLogEvents batch holds 1 MiB of messages, and its JSON more.
pub const MAX_BODY_BYTES: usize = 2 * crate::MAX_BODY_BYTES;

/// A decoded call.
#[derive(Clone, Debug, PartialEq)]
pub struct LogsCall {
    /// The operation.
    pub operation: &'static str,
    /// The body as JSON (what a host journals).
    pub input: Value,
    /// The request.
    pub request: Request,
}

/// Reads a request for `operation` (the target's suffix) with its JSON `body`.
pub fn decode(operation: &str, body: &[u8]) -> Result<LogsCall, LogsError> {
    let Some(known) = Request::known(operation) else {
        return Err(logs_error("logs-unknown-operation", &[&operation]));
    };
    let input =
        crate::json_object(body, MAX_BODY_BYTES).map_err(|why| logs_error("logs-body", &[&why]))?;
    let request = decode_json(known, &input)?;
    Ok(LogsCall {
        operation: known,
        input,
        request,
    })
}

/// Reads a journalled request: the operation and its input.
pub fn decode_json(operation: &str, input: &Value) -> Result<Request, LogsError> {
    Request::decode(operation, input)
        .ok_or_else(|| logs_error("logs-unknown-operation", &[&operation]))?
        .map_err(|error| logs_error("logs-body", &[&error]))
}

/// The reply to an outcome: the status and the JSON body.
pub fn reply(outcome: &Result<Response, LogsError>) -> crate::Reply {
    match outcome {
        Ok(response) => crate::Reply {
            status: 200,
            body: serde_json::to_string(response).expect("responses always serialise"),
        },
        Err(error) => error_reply(error),
    }
}

/// The reply to an error.
pub fn error_reply(error: &LogsError) -> crate::Reply {
    crate::Reply {
        status: error.status(),
        body: serde_json::json!({"__type": error.shape, "message": error.message}).to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_request_reads_and_bad_bodies_are_serialization_errors() {
        let call = decode(
            "GetLogEvents",
            br#"{"logGroupName": "/ecs/web", "logStreamName": "ecs/web/1", "limit": 5}"#,
        )
        .unwrap();
        let Request::GetLogEvents(input) = call.request else {
            panic!("{:?}", call.request)
        };
        assert_eq!(input.limit, Some(5));
        let error = decode("GetLogEvents", br#"{"limit": "five"}"#).unwrap_err();
        assert_eq!(error.shape, "SerializationException");
        let error = decode("TailEverything", b"{}").unwrap_err();
        assert_eq!(error.shape, "UnknownOperationException");
        let reply = error_reply(&error);
        assert_eq!(reply.status, 400);
        assert!(reply.body.contains(r#""message":"#), "{}", reply.body);
    }
}
