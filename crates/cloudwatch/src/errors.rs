//! CloudWatch's errors: the error shape (what `__type` names), the Query protocol's code
//! (what `x-amzn-query-error` carries and botocore raises, CloudWatch being
//! `awsQueryCompatible`), the HTTP status and the message. Texts live in berth-model's
//! `messages`, guesses in its `CLOUDWATCH_UNCONFIRMED` table.

use berth_model::messages;

/// An error as CloudWatch returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CwError {
    /// The error shape: `ResourceNotFound`, `InvalidParameterValueException`, ...
    pub shape: &'static str,
    /// The message.
    pub message: String,
}

/// Each error shape of the 2010-08-01 model Berth returns: its Query code and HTTP status.
const SHAPES: &[(&str, &str, u16)] = &[
    (
        "InvalidParameterValueException",
        "InvalidParameterValue",
        400,
    ),
    ("MissingRequiredParameterException", "MissingParameter", 400),
    (
        "InvalidParameterCombinationException",
        "InvalidParameterCombination",
        400,
    ),
    ("InvalidNextToken", "InvalidNextToken", 400),
    ("InvalidFormatFault", "InvalidFormat", 400),
    ("LimitExceededFault", "LimitExceeded", 400),
    ("ResourceNotFound", "ResourceNotFound", 404),
    ("ValidationException", "ValidationError", 400),
    (
        "UnknownOperationException",
        "UnknownOperationException",
        404,
    ),
    ("SerializationException", "SerializationException", 400),
    ("InternalServiceFault", "InternalServiceError", 500),
];

impl CwError {
    /// An error of `shape` with a confirmed text.
    pub fn new(shape: &'static str, message: impl Into<String>) -> CwError {
        CwError {
            shape,
            message: message.into(),
        }
    }

    fn entry(&self) -> (&'static str, u16) {
        SHAPES
            .iter()
            .find(|(shape, _, _)| *shape == self.shape)
            .map_or((self.shape, 400), |(_, code, status)| (*code, *status))
    }

    /// The Query protocol's code (what botocore raises).
    pub fn code(&self) -> &'static str {
        self.entry().0
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.entry().1
    }

    /// `Sender` or `Receiver`.
    pub fn fault(&self) -> &'static str {
        if self.status() >= 500 {
            "Receiver"
        } else {
            "Sender"
        }
    }
}

impl std::fmt::Display for CwError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

/// A `CLOUDWATCH_UNCONFIRMED` entry as an error.
pub fn guessed(key: &str, args: &[&dyn std::fmt::Display]) -> CwError {
    let (shape, message) = messages::cloudwatch_unconfirmed(key, args);
    CwError { shape, message }
}

/// A required member that is missing.
pub(crate) fn missing(name: &str) -> CwError {
    guessed("cw-missing", &[&name])
}

/// A value that is not one the member takes.
pub(crate) fn invalid(name: &str, value: &dyn std::fmt::Display) -> CwError {
    guessed("cw-invalid-value", &[value, &name])
}

/// A string member's length outside `min..=max`.
pub(crate) fn length(value: &str, at: &str, min: usize, max: usize) -> Result<(), CwError> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(guessed("cw-length", &[&value, &at, &min, &max]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Each shape has the code and status the botocore model gives it.
    #[test]
    fn shapes_have_their_codes() {
        let error = CwError::new("ResourceNotFound", "x");
        assert_eq!(
            (error.code(), error.status(), error.fault()),
            ("ResourceNotFound", 404, "Sender")
        );
        let error = CwError::new("MissingRequiredParameterException", "x");
        assert_eq!((error.code(), error.status()), ("MissingParameter", 400));
        let error = CwError::new("InternalServiceFault", "x");
        assert_eq!(
            (error.code(), error.status(), error.fault()),
            ("InternalServiceError", 500, "Receiver")
        );
    }
}
