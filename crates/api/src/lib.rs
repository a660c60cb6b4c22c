//! The AWS wire protocols Berth speaks, without HTTP: ECS's JSON 1.1 (shared/ECS_REFERENCE.md
//! §1) here, ELBv2's Query protocol in [`query`] and [`elb`].
//!
//! Every ECS operation is `POST /` with `X-Amz-Target:
//! AmazonEC2ContainerServiceV20141113.<Operation>` and a JSON body. [`decode`] turns the target
//! and body into a control-plane [`Request`]; [`reply`] turns the outcome into the status and
//! body ECS would send: 200 with the response's members, or 400 (500 for `ServerException`)
//! with `{"__type": ..., "message": ...}`. Timestamps are epoch seconds, as ECS sends them.
//! Signatures are not checked; [`region_of`] reads the region from the credential scope.
//!
//! A server owns the sockets and the clock; this crate owns the protocol, so it is the same in
//! a browser and on a server, and testable without either.

#![warn(missing_docs, unreachable_pub)]

pub mod autoscaling;
pub mod cloudwatch;
pub mod elb;
pub mod logs;
pub mod query;

use berth_control_plane::{Request, Response};
use berth_model::{messages, ApiError, ExceptionType};
use serde_json::Value;

/// The `X-Amz-Target` prefix of every ECS operation.
pub const TARGET_PREFIX: &str = "AmazonEC2ContainerServiceV20141113.";

/// The content type of requests and replies.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The largest body accepted. ECS's own limit is not published; a task definition with ten
/// containers is far below it.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON body as the object it must be (an empty body is `{}`), at most `most` bytes; `Err`
/// says why not, for the service to word as its own error (Application Auto Scaling's and
/// CloudWatch Logs' `SerializationException`).
pub(crate) fn json_object(body: &[u8], most: usize) -> Result<Value, String> {
    if body.len() > most {
        return Err(format!("{} bytes is more than {most}", body.len()));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let value: Value = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    if value.is_object() {
        Ok(value)
    } else {
        Err("the body is not a JSON object".to_owned())
    }
}

/// A decoded call: the operation's name and its request.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// `RunTask`, `DescribeServices`, ...
    pub operation: String,
    /// The request for the control plane.
    pub request: Request,
}

impl Call {
    /// Whether the operation only reads (Describe*, List*): it changes nothing, so a server
    /// need not journal it.
    pub fn is_read_only(&self) -> bool {
        self.request.is_read_only()
    }
}

/// Reads a request: the `X-Amz-Target` header's value and the body. An empty body is `{}`
/// (what clients send for an operation without parameters).
pub fn decode(target: Option<&str>, body: &[u8]) -> Result<Call, ApiError> {
    let target = target.unwrap_or("");
    let Some(operation) = target.strip_prefix(TARGET_PREFIX) else {
        return Err(messages::operation_error("unknown-target", &[&target]));
    };
    if !Request::OPERATIONS.contains(&operation) {
        return Err(ApiError::new(
            ExceptionType::UnknownOperationException,
            messages::operation_text("unknown-operation", &[&operation]),
        ));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(messages::operation_error(
            "body-too-large",
            &[&body.len(), &MAX_BODY_BYTES],
        ));
    }
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body)
            .map_err(|error| messages::operation_error("body-not-json", &[&error]))?
    };
    if !value.is_object() {
        return Err(messages::operation_error("body-not-object", &[]));
    }
    let request = Request::from_operation(operation, value)?;
    Ok(Call {
        operation: operation.to_owned(),
        request,
    })
}

/// A reply: the HTTP status and the JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// 200, 400 or 500.
    pub status: u16,
    /// The JSON body.
    pub body: String,
}

/// The reply to an outcome.
pub fn reply(outcome: &Result<Response, ApiError>) -> Reply {
    match outcome {
        Ok(response) => Reply {
            status: 200,
            body: serde_json::to_string(response).expect("responses always serialise"),
        },
        Err(error) => error_reply(error),
    }
}

/// The reply to an error: 400, or 500 for `ServerException` (the only fault in ECS's model).
pub fn error_reply(error: &ApiError) -> Reply {
    let status = if error.exception == ExceptionType::ServerException {
        500
    } else {
        400
    };
    let body = serde_json::json!({
        "__type": error.exception.as_str(),
        "message": error.message,
    });
    Reply {
        status,
        body: body.to_string(),
    }
}

/// A cluster event as EventBridge delivers it (what `/events` streams): `sequence` numbers
/// the envelope's id, times are ISO 8601, the document is `detail`.
pub fn event_envelope(
    sequence: u64,
    account: &str,
    region: &str,
    event: &berth_control_plane::ClusterEvent,
) -> Value {
    serde_json::json!({
        "version": "0",
        "id": request_id(u128::from(sequence)),
        "detail-type": event.detail_type,
        "source": "aws.ecs",
        "account": account,
        "time": event.time.to_iso8601(),
        "region": region,
        "resources": event.resources,
        "detail": event.detail,
    })
}

/// The region of a SigV4 `Authorization` header's credential scope
/// (`Credential=AKID/20240101/eu-west-1/ecs/aws4_request`).
pub fn region_of(authorization: &str) -> Option<&str> {
    let credential = authorization
        .split([',', ' '])
        .find_map(|part| part.trim().strip_prefix("Credential="))?;
    let mut scope = credential.split('/');
    let region = scope.nth(2)?;
    let valid = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then_some(region)
}

/// An `x-amzn-RequestId` from 128 random bits, in UUID form.
pub fn request_id(bits: u128) -> String {
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
