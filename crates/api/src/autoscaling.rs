//! Application Auto Scaling's wire protocol: AWS JSON 1.1 (botocore's 2016-02-06 model), `POST
//! /` with `X-Amz-Target: AnyScaleFrontendService.<Operation>`, a JSON body, and timestamps as
//! epoch seconds. An error is 400 (500 for `InternalServiceException`) with `{"__type",
//! "Message"}`, `Message` as the model's error shapes spell it.

use berth_autoscaling::{guessed_error, AasError, Request, Response};
use serde_json::Value;

use crate::MAX_BODY_BYTES;

/// The `X-Amz-Target` prefix of every operation.
pub const TARGET_PREFIX: &str = "AnyScaleFrontendService.";

/// The content type of requests and replies (as ECS's).
pub const CONTENT_TYPE: &str = crate::CONTENT_TYPE;

/// A decoded call.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoScalingCall {
    /// The operation.
    pub operation: &'static str,
    /// The body as JSON (what a host journals).
    pub input: Value,
    /// The request.
    pub request: Request,
}

/// Reads a request for `operation` (the target's suffix) with its JSON `body`.
pub fn decode(operation: &str, body: &[u8]) -> Result<AutoScalingCall, AasError> {
    let Some(known) = Request::known(operation) else {
        return Err(guessed_error("aas-unknown-operation", &[&operation]));
    };
    let input = crate::json_object(body, MAX_BODY_BYTES)
        .map_err(|why| guessed_error("aas-body", &[&why]))?;
    let request = decode_json(known, &input)?;
    Ok(AutoScalingCall {
        operation: known,
        input,
        request,
    })
}

/// Reads a journalled request: the operation and its input.
pub fn decode_json(operation: &str, input: &Value) -> Result<Request, AasError> {
    Request::decode(operation, input)
        .ok_or_else(|| guessed_error("aas-unknown-operation", &[&operation]))?
        .map_err(|error| guessed_error("aas-body", &[&error]))
}

/// The reply to an outcome: the status and the JSON body.
pub fn reply(outcome: &Result<Response, AasError>) -> crate::Reply {
    match outcome {
        Ok(response) => crate::Reply {
            status: 200,
            body: serde_json::to_string(response).expect("responses always serialise"),
        },
        Err(error) => error_reply(error),
    }
}

/// The reply to an error.
pub fn error_reply(error: &AasError) -> crate::Reply {
    crate::Reply {
        status: error.status(),
        body: serde_json::json!({"__type": error.shape, "Message": error.message}).to_string(),
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
            "RegisterScalableTarget",
            br#"{"ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 4}"#,
        )
        .unwrap();
        assert_eq!(call.operation, "RegisterScalableTarget");
        let Request::RegisterScalableTarget(input) = call.request else {
            panic!("{:?}", call.request)
        };
        assert_eq!(input.max_capacity, Some(4));
        assert_eq!(
            input.target.resource_id.as_deref(),
            Some("service/default/web")
        );
        let error = decode("RegisterScalableTarget", br#"{"MinCapacity": "one"}"#).unwrap_err();
        assert_eq!(error.shape, "SerializationException");
        let error = decode("RegisterScalableTarget", b"[1]").unwrap_err();
        assert_eq!(error.shape, "SerializationException");
        let error = decode("ScaleEverything", b"{}").unwrap_err();
        assert_eq!(error.shape, "UnknownOperationException");
        let reply = error_reply(&error);
        assert_eq!(reply.status, 400);
        assert!(reply.body.contains(r#""Message":"#), "{}", reply.body);
    }
}
