//! ELB's errors: the code botocore turns into an exception and the message, in ELB's words
//! (every text lives in berth-model's `messages`, guesses in its `ELB_UNCONFIRMED` table).

use berth_model::messages;

/// An error as ELB returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElbError {
    /// `TargetGroupNotFound`, `ValidationError`, ...
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl ElbError {
    /// An error with a confirmed text.
    pub fn new(code: &'static str, message: impl Into<String>) -> ElbError {
        ElbError {
            code,
            message: message.into(),
        }
    }

    /// The HTTP status: 400 for the caller's errors, 500 for ELB's own.
    pub fn status(&self) -> u16 {
        match self.code {
            "HealthUnavailable" | "InternalFailure" | "InsufficientCapacity" => 500,
            _ => 400,
        }
    }

    /// `Sender` or `Receiver`, the query protocol's `Error/Type`.
    pub fn fault(&self) -> &'static str {
        if self.status() >= 500 {
            "Receiver"
        } else {
            "Sender"
        }
    }
}

impl std::fmt::Display for ElbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// An `ELB_UNCONFIRMED` entry as an error.
pub(crate) fn guess(key: &str, args: &[&dyn std::fmt::Display]) -> ElbError {
    let (code, message) = messages::elb_unconfirmed(key, args);
    ElbError { code, message }
}

/// A required member that is missing (`name` is its camelCase location, as ELB writes it).
pub(crate) fn missing(name: &str) -> ElbError {
    guess("elb-null", &[&name])
}

/// `value` of `at` outside `min..=max`.
pub(crate) fn range(value: u64, at: &str, min: u64, max: u64) -> Result<(), ElbError> {
    if value > max {
        return Err(guess("elb-range-max", &[&value, &at, &max]));
    }
    if value < min {
        return Err(guess("elb-range-min", &[&value, &at, &min]));
    }
    Ok(())
}

/// A value outside an enum's set.
pub(crate) fn not_in(value: &str, at: &str, all: &[&str]) -> ElbError {
    guess("elb-enum", &[&value, &at, &all.join(", ")])
}

/// A validation error with a confirmed text.
pub(crate) fn validation(message: impl Into<String>) -> ElbError {
    ElbError::new("ValidationError", message)
}
