//! CloudWatch's wire protocols. Botocore's 2010-08-01 model lists `smithy-rpc-v2-cbor`,
//! `json` and `query`, and each client takes the first it supports in its own order: botocore
//! 1.44 (boto3, AWS CLI v1) prefers `json`, SDKs built on Smithy's runtimes take CBOR. Both are
//! served:
//!
//! - Smithy RPC v2 CBOR: `POST /service/GraniteServiceVersion20100801/operation/<Operation>`
//!   with `smithy-protocol: rpc-v2-cbor` and a CBOR map; the reply is a CBOR map (no body for
//!   an operation without output), timestamps as tag 1.
//! - AWS JSON 1.0: `POST /` with `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`;
//!   timestamps as epoch seconds.
//!
//! An error is a map with `__type` (the error shape's absolute id) and `message`, and,
//! CloudWatch being `awsQueryCompatible`, an `x-amzn-query-error: Code;Sender` header that
//! botocore raises by. Either body is read into JSON, which is what a host journals and what
//! [`berth_cloudwatch::Request::decode`] reads.

use berth_cloudwatch::{guessed, CwError, Request, Response};
use ciborium::value::{Integer, Value as Cbor};
use serde_json::Value;

use crate::MAX_BODY_BYTES;

/// The service's shape name, the path's `{serviceName}`.
pub const SERVICE: &str = "GraniteServiceVersion20100801";

/// The service's namespace, for the absolute error shape ids.
const NAMESPACE: &str = "com.amazonaws.cloudwatch";

/// The `smithy-protocol` header's value.
pub const PROTOCOL: &str = "rpc-v2-cbor";

/// The content type of CBOR requests and replies.
pub const CONTENT_TYPE: &str = "application/cbor";

/// The content type of JSON 1.0 requests and replies.
pub const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// The `X-Amz-Target` prefix of a JSON 1.0 request.
pub const TARGET_PREFIX: &str = "GraniteServiceVersion20100801.";

/// The two protocols.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Smithy RPC v2 CBOR.
    Cbor,
    /// AWS JSON 1.0.
    Json,
}

/// Every member of the 2010-08-01 model whose shape is a timestamp (and `Timestamps`, a list
/// of them); no member of another type has one of these names.
const TIMESTAMP_MEMBERS: &[&str] = &[
    "AlarmConfigurationUpdatedTimestamp",
    "CreatedAt",
    "CreationDate",
    "EndDate",
    "EndTime",
    "ExpireDate",
    "LastModified",
    "LastUpdateDate",
    "LastUpdatedTimestamp",
    "StartDate",
    "StartTime",
    "StateTransitionedTimestamp",
    "StateUpdatedTimestamp",
    "Timestamp",
    "Timestamps",
];

/// A decoded CloudWatch call.
#[derive(Clone, Debug, PartialEq)]
pub struct CloudWatchCall {
    /// The operation.
    pub operation: &'static str,
    /// The input as JSON (what a host journals).
    pub input: Value,
    /// The request.
    pub request: Request,
}

/// The operation a request's path names: the last four segments are
/// `service/{serviceName}/operation/{operationName}`, the service named by its shape name
/// or its absolute id with `.` for `#`. `None` for a path that is not CloudWatch's.
pub fn operation_of(path: &str) -> Option<&str> {
    let segments: Vec<&str> = path.trim_end_matches('/').rsplit('/').take(4).collect();
    match segments.as_slice() {
        [operation, "operation", service, "service"]
            if *service == SERVICE
                || service
                    .strip_prefix(NAMESPACE)
                    .and_then(|rest| rest.strip_prefix('.'))
                    == Some(SERVICE) =>
        {
            Some(operation)
        }
        _ => None,
    }
}

/// Reads a request for `operation` with a `body` in `protocol` (empty for no input).
pub fn decode(protocol: Protocol, operation: &str, body: &[u8]) -> Result<CloudWatchCall, CwError> {
    let Some(known) = Request::known(operation) else {
        return Err(guessed("cw-unknown-operation", &[&operation]));
    };
    if body.len() > MAX_BODY_BYTES {
        return Err(guessed(
            "cw-body",
            &[&format!(
                "{} bytes is more than {MAX_BODY_BYTES}",
                body.len()
            )],
        ));
    }
    let input = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else if protocol == Protocol::Cbor {
        let cbor: Cbor =
            ciborium::from_reader(body).map_err(|error| guessed("cw-body", &[&error]))?;
        to_json(cbor).map_err(|problem| guessed("cw-body", &[&problem]))?
    } else {
        serde_json::from_slice(body).map_err(|error| guessed("cw-body", &[&error]))?
    };
    if !input.is_object() {
        return Err(guessed("cw-body", &[&"the body is not a map"]));
    }
    let request = decode_json(known, &input)?;
    Ok(CloudWatchCall {
        operation: known,
        input,
        request,
    })
}

/// Reads a journalled request: the operation and its input as JSON.
pub fn decode_json(operation: &str, input: &Value) -> Result<Request, CwError> {
    Request::decode(operation, input)
        .ok_or_else(|| guessed("cw-unknown-operation", &[&operation]))?
        .map_err(|error| guessed("cw-body", &[&error]))
}

/// A reply: status, body (empty for an output without members in CBOR) and the
/// `x-amzn-query-error` header's value for an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CwReply {
    /// 200, 4xx or 500.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
    /// The content type (none for an empty body).
    pub content_type: Option<&'static str>,
    /// `Code;Sender` for an error.
    pub query_error: Option<String>,
}

/// The reply to an outcome.
pub fn reply(protocol: Protocol, outcome: &Result<Response, CwError>) -> CwReply {
    match outcome {
        Ok(response) => {
            let json = serde_json::to_value(response).expect("responses always serialise");
            let empty = json.as_object().is_some_and(|o| o.is_empty());
            let (body, content_type) = match protocol {
                Protocol::Cbor if empty => (Vec::new(), None),
                Protocol::Cbor => (encode(&json), Some(CONTENT_TYPE)),
                Protocol::Json => (json.to_string().into_bytes(), Some(JSON_CONTENT_TYPE)),
            };
            CwReply {
                status: 200,
                body,
                content_type,
                query_error: None,
            }
        }
        Err(error) => error_reply(protocol, error),
    }
}

/// The reply to an error.
pub fn error_reply(protocol: Protocol, error: &CwError) -> CwReply {
    let body = serde_json::json!({
        "__type": format!("{NAMESPACE}#{}", error.shape),
        "message": error.message,
    });
    let (body, content_type) = match protocol {
        Protocol::Cbor => (encode(&body), CONTENT_TYPE),
        Protocol::Json => (body.to_string().into_bytes(), JSON_CONTENT_TYPE),
    };
    CwReply {
        status: error.status(),
        body,
        content_type: Some(content_type),
        query_error: Some(format!("{};{}", error.code(), error.fault())),
    }
}

/// JSON as CBOR, timestamp members as tag 1.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(&from_json(value, false), &mut out).expect("writing to a Vec");
    out
}

fn from_json(value: &Value, timestamp: bool) -> Cbor {
    let plain = match value {
        Value::Null => Cbor::Null,
        Value::Bool(b) => Cbor::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Cbor::Integer(Integer::from(u)),
            (None, Some(i)) => Cbor::Integer(Integer::from(i)),
            _ => Cbor::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Cbor::Text(s.clone()),
        Value::Array(items) => {
            return Cbor::Array(items.iter().map(|v| from_json(v, timestamp)).collect())
        }
        Value::Object(map) => Cbor::Map(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    (
                        Cbor::Text(k.clone()),
                        from_json(v, TIMESTAMP_MEMBERS.contains(&k.as_str())),
                    )
                })
                .collect(),
        ),
    };
    if timestamp && matches!(plain, Cbor::Integer(_) | Cbor::Float(_)) {
        Cbor::Tag(1, Box::new(plain))
    } else {
        plain
    }
}

/// CBOR as JSON: tag 1 timestamps as their epoch seconds; `undefined` as null.
fn to_json(value: Cbor) -> Result<Value, String> {
    Ok(match value {
        Cbor::Null => Value::Null,
        Cbor::Bool(b) => Value::Bool(b),
        Cbor::Integer(i) => {
            let i: i128 = i.into();
            match (u64::try_from(i), i64::try_from(i)) {
                (Ok(u), _) => Value::from(u),
                (_, Ok(i)) => Value::from(i),
                _ => return Err(format!("the integer {i} is out of range")),
            }
        }
        Cbor::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| format!("the number {f} is not finite"))?,
        Cbor::Text(s) => Value::String(s),
        Cbor::Bytes(_) => return Err("CloudWatch's inputs hold no blobs".into()),
        Cbor::Array(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Cbor::Map(pairs) => {
            let mut map = serde_json::Map::new();
            for (k, v) in pairs {
                let Cbor::Text(key) = k else {
                    return Err("a map key is not text".into());
                };
                let v = to_json(v)?;
                if !v.is_null() {
                    map.insert(key, v);
                }
            }
            Value::Object(map)
        }
        Cbor::Tag(1, inner) => to_json(*inner)?,
        Cbor::Tag(tag, _) => return Err(format!("CBOR tag {tag} is not supported")),
        _ => return Err("an unsupported CBOR value".into()),
    })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn cbor(value: &Cbor) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(value, &mut out).unwrap();
        out
    }

    /// A request as botocore sends it (a CBOR map, a tag 1 timestamp) reads into CloudWatch's
    /// input; the path names the operation, by the service's name or its absolute id.
    #[test]
    fn requests_decode() {
        assert_eq!(
            operation_of("/service/GraniteServiceVersion20100801/operation/PutMetricData"),
            Some("PutMetricData")
        );
        assert_eq!(
            operation_of("/v1/service/com.amazonaws.cloudwatch.GraniteServiceVersion20100801/operation/DescribeAlarms"),
            Some("DescribeAlarms")
        );
        assert_eq!(
            operation_of("/service/Other/operation/DescribeAlarms"),
            None
        );
        let body = cbor(&Cbor::Map(vec![
            (Cbor::Text("Namespace".into()), Cbor::Text("App".into())),
            (
                Cbor::Text("MetricData".into()),
                Cbor::Array(vec![Cbor::Map(vec![
                    (Cbor::Text("MetricName".into()), Cbor::Text("Errors".into())),
                    (Cbor::Text("Value".into()), Cbor::Float(3.5)),
                    (
                        Cbor::Text("Timestamp".into()),
                        Cbor::Tag(1, Box::new(Cbor::Float(1_780_000_000.25))),
                    ),
                ])]),
            ),
        ]));
        let call = decode(Protocol::Cbor, "PutMetricData", &body).unwrap();
        let Request::PutMetricData(input) = call.request else {
            panic!()
        };
        let datum = &input.metric_data.unwrap()[0];
        assert_eq!(datum.value, Some(3.5));
        assert_eq!(datum.timestamp.unwrap().as_millis(), 1_780_000_000_250);
        assert_eq!(
            decode(Protocol::Cbor, "Launch", &[]).unwrap_err().code(),
            "UnknownOperationException"
        );
        assert_eq!(
            decode(Protocol::Cbor, "DescribeAlarms", b"\xff\x00")
                .unwrap_err()
                .code(),
            "SerializationException"
        );
        assert!(matches!(
            decode(Protocol::Cbor, "DescribeAlarms", &[])
                .unwrap()
                .request,
            Request::DescribeAlarms(_)
        ));
        let json = br#"{"AlarmNames": ["a"], "MaxRecords": 5}"#;
        let Request::DescribeAlarms(input) = decode(Protocol::Json, "DescribeAlarms", json)
            .unwrap()
            .request
        else {
            panic!()
        };
        assert_eq!(input.max_records, Some(5));
    }

    /// Timestamp members go out as tag 1, others as plain values; an error carries its
    /// shape's absolute id and the Query code in the header botocore reads.
    #[test]
    fn replies_encode() {
        let bytes = encode(&serde_json::json!({
            "StateUpdatedTimestamp": 1_780_000_000u64,
            "Threshold": 5.0,
            "Period": 60,
            "Datapoints": [{"Timestamp": 1.5, "Sum": 2}],
        }));
        let value: Cbor = ciborium::from_reader(bytes.as_slice()).unwrap();
        let Cbor::Map(pairs) = value else { panic!() };
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k.as_text() == Some(name))
                .map(|(_, v)| v.clone())
        };
        assert!(matches!(
            get("StateUpdatedTimestamp"),
            Some(Cbor::Tag(1, _))
        ));
        assert!(matches!(get("Threshold"), Some(Cbor::Float(_))));
        assert!(matches!(get("Period"), Some(Cbor::Integer(_))));
        let Some(Cbor::Array(points)) = get("Datapoints") else {
            panic!()
        };
        let Cbor::Map(point) = &points[0] else {
            panic!()
        };
        assert!(point
            .iter()
            .any(|(k, v)| k.as_text() == Some("Timestamp") && matches!(v, Cbor::Tag(1, _))));

        let refused = error_reply(
            Protocol::Cbor,
            &CwError::new("ResourceNotFound", "Alarm x not found"),
        );
        assert_eq!(refused.status, 404);
        assert_eq!(
            refused.query_error.as_deref(),
            Some("ResourceNotFound;Sender")
        );
        let body: Value = to_json(ciborium::from_reader(refused.body.as_slice()).unwrap()).unwrap();
        assert_eq!(body["__type"], "com.amazonaws.cloudwatch#ResourceNotFound");
        let put = Ok(Response::PutMetricAlarm(
            berth_cloudwatch::requests::Empty {},
        ));
        let empty = reply(Protocol::Cbor, &put);
        assert_eq!(
            (empty.status, empty.body.len(), empty.content_type),
            (200, 0, None)
        );
        assert_eq!(reply(Protocol::Json, &put).body, b"{}");
    }
}
