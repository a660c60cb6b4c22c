//! Application Auto Scaling's errors: the error shape (what `__type` names) and the message
//! (`Message`, as the 2016-02-06 model's error shapes spell it). Every shape is a client
//! error (400) but `InternalServiceException`. Texts live in berth-model's `messages`,
//! guesses in its `AUTOSCALING_UNCONFIRMED` table.

use berth_model::messages;

/// An error as Application Auto Scaling returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AasError {
    /// `ValidationException`, `ObjectNotFoundException`, ...
    pub shape: &'static str,
    /// The message.
    pub message: String,
}

impl AasError {
    /// An error of `shape` with a confirmed text.
    pub fn new(shape: &'static str, message: impl Into<String>) -> AasError {
        AasError {
            shape,
            message: message.into(),
        }
    }

    /// A `ValidationException`.
    pub fn validation(message: impl Into<String>) -> AasError {
        AasError::new("ValidationException", message)
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        if self.shape == "InternalServiceException" {
            500
        } else {
            400
        }
    }
}

impl std::fmt::Display for AasError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.shape, self.message)
    }
}

/// An [`messages::AUTOSCALING_UNCONFIRMED`] error.
pub fn guessed_error(key: &str, args: &[&dyn std::fmt::Display]) -> AasError {
    let (shape, message) = messages::autoscaling_unconfirmed(key, args);
    AasError { shape, message }
}
