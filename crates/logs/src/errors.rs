//! CloudWatch Logs' errors: the error shape (what `__type` names) and the message (`message`,
//! lowercase, as the service sends it). Every shape is a client error (400) but
//! `ServiceUnavailableException`. Texts live in berth-model's `messages`, guesses in its
//! `LOGS_UNCONFIRMED` table.

use berth_model::messages;

/// An error as CloudWatch Logs returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogsError {
    /// `InvalidParameterException`, `ResourceNotFoundException`, ...
    pub shape: &'static str,
    /// The message.
    pub message: String,
}

impl LogsError {
    /// An error of `shape` with a confirmed text.
    pub fn new(shape: &'static str, message: impl Into<String>) -> LogsError {
        LogsError {
            shape,
            message: message.into(),
        }
    }

    /// An `InvalidParameterException`.
    pub fn invalid(message: impl Into<String>) -> LogsError {
        LogsError::new("InvalidParameterException", message)
    }

    /// A `ResourceNotFoundException`.
    pub fn not_found(message: impl Into<String>) -> LogsError {
        LogsError::new("ResourceNotFoundException", message)
    }

    /// The group does not exist.
    pub fn no_group() -> LogsError {
        LogsError::not_found(messages::LOGS_NO_GROUP)
    }

    /// The stream does not exist.
    pub fn no_stream() -> LogsError {
        LogsError::not_found(messages::LOGS_NO_STREAM)
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        if self.shape == "ServiceUnavailableException" {
            500
        } else {
            400
        }
    }
}

impl std::fmt::Display for LogsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.shape, self.message)
    }
}

/// A [`messages::LOGS_UNCONFIRMED`] error.
pub fn logs_error(key: &str, args: &[&dyn std::fmt::Display]) -> LogsError {
    let (shape, message) = messages::logs_unconfirmed(key, args);
    LogsError { shape, message }
}
