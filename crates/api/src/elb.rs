//! ELBv2 on the Query protocol: a form body to a [`berth_elb::Request`], an outcome to XML.

use berth_elb::{ElbError, Request, Response};
use berth_model::messages;

use crate::query::{self, Form, FormError};
use crate::{Reply, MAX_BODY_BYTES};

/// A decoded ELBv2 call.
#[derive(Clone, Debug, PartialEq)]
pub struct ElbCall {
    /// The `Action`.
    pub action: &'static str,
    /// The request.
    pub request: Request,
}

/// Reads a form-encoded ELBv2 request. Errors are ELB's: `MissingAction`, `InvalidAction`,
/// a `ValidationError` naming the parameter whose value has the wrong type.
pub fn decode(body: &[u8]) -> Result<ElbCall, ElbError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(guess("elb-body-too-large", &[&body.len(), &MAX_BODY_BYTES]));
    }
    let form = Form::parse(body).map_err(bad_parameter)?;
    let action = form
        .action
        .as_deref()
        .ok_or_else(|| guess("elb-missing-action", &[]))?;
    let Some(known) = Request::known(action) else {
        return Err(guess("elb-unknown-action", &[&action]));
    };
    let request = Request::decode(known, query::NodeDeserializer(&form.parameters))
        .expect("a known action decodes")
        .map_err(bad_parameter)?;
    Ok(ElbCall {
        action: known,
        request,
    })
}

fn guess(key: &str, args: &[&dyn std::fmt::Display]) -> ElbError {
    let (code, message) = messages::elb_unconfirmed(key, args);
    ElbError { code, message }
}

/// A parameter of the wrong type, in AWS's validation form; the location is written the
/// way AWS writes members, with a lowercase first letter (`targets.member.1.port`).
fn bad_parameter(error: FormError) -> ElbError {
    let at: Vec<String> = error
        .at
        .split('.')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                // Member names are ASCII.
                Some(first) => std::iter::once(first.to_ascii_lowercase())
                    .chain(chars)
                    .collect(),
                None => String::new(),
            }
        })
        .collect();
    guess(
        "elb-bad-parameter",
        &[&error.value, &at.join("."), &error.problem],
    )
}

/// The reply to an ELBv2 call.
pub fn reply(action: &str, outcome: &Result<Response, ElbError>, request_id: &str) -> Reply {
    match outcome {
        Ok(response) => query::xml_result(action, query::ELB_NAMESPACE, response, request_id),
        Err(error) => error_reply(error, request_id),
    }
}

/// An ELB error as XML.
pub fn error_reply(error: &ElbError, request_id: &str) -> Reply {
    query::xml_error(
        error.status(),
        error.code,
        &error.message,
        query::ELB_NAMESPACE,
        request_id,
    )
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// A request the AWS CLI sends reads into ELB's input, and what is wrong gets ELB's code.
    #[test]
    fn forms_decode_to_requests_and_errors() {
        let call = decode(b"Action=CreateTargetGroup&Version=2015-12-01&Name=web&Protocol=HTTP&Port=80&VpcId=vpc-1&HealthCheckIntervalSeconds=10").unwrap();
        assert_eq!(call.action, "CreateTargetGroup");
        let Request::CreateTargetGroup(input) = call.request else {
            panic!("{:?}", call.request)
        };
        assert_eq!(input.port, Some(80));
        assert_eq!(input.health_check_interval_seconds, Some(10));

        let error = decode(b"Version=2015-12-01").unwrap_err();
        assert_eq!(error.code, "MissingAction");
        let error = decode(b"Action=LaunchRockets").unwrap_err();
        assert_eq!(error.code, "InvalidAction");
        let error = decode(b"Action=RegisterTargets&TargetGroupArn=a&Targets.member.1.Id=i-1&Targets.member.1.Port=x").unwrap_err();
        assert_eq!(error.code, "ValidationError");
        assert!(
            error.message.contains("'x' at 'targets.member.1.port'"),
            "{}",
            error.message
        );
    }
}
