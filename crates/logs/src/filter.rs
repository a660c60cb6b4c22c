//! FilterLogEvents' patterns for unstructured events, as the user guide's "Filter pattern
//! syntax" describes them: terms that must all appear (`ERROR Exception`), "quoted phrases"
//! (for spaces and characters other than letters, digits and `_`), `?alternatives` of which
//! one must appear, and `-exclusions` that must not. Matching is case-sensitive and by
//! substring (`ERROR` matches `ERRORCODE`). JSON (`{ $.x = 1 }`), space-delimited
//! (`[ip, user]`) and regular-expression (`%...%`) patterns are refused by name rather than
//! matched wrongly.

use crate::errors::{logs_error, LogsError};

/// A parsed pattern.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Filter {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

impl Filter {
    /// Reads a pattern; an empty one (or `""`) matches every event.
    pub(crate) fn parse(pattern: &str) -> Result<Filter, LogsError> {
        let text = pattern.trim();
        let kind = match text.chars().next() {
            Some('{') => Some("JSON"),
            Some('[') => Some("space-delimited"),
            Some('%') => Some("regular expression"),
            _ => None,
        };
        if let Some(kind) = kind {
            return Err(logs_error("logs-filter-unsupported", &[&kind]));
        }
        let mut filter = Filter::default();
        let mut chars = text.chars().peekable();
        // A `?` or `-` standing alone applies to the term after it ("ERROR" - "Exiting").
        let mut pending: Option<char> = None;
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let Some(&first) = chars.peek() else { break };
            let mut sign = pending.take();
            if first == '?' || first == '-' {
                chars.next();
                if chars.peek().is_none_or(|c| c.is_whitespace()) {
                    pending = Some(first);
                    continue;
                }
                sign = Some(first);
            }
            let term = if chars.peek() == Some(&'"') {
                chars.next();
                let mut phrase = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => phrase.extend(chars.next()),
                        '"' => {
                            closed = true;
                            break;
                        }
                        c => phrase.push(c),
                    }
                }
                if !closed {
                    return Err(logs_error(
                        "logs-filter-pattern",
                        &[&format!("Unterminated quoted phrase in {text}")],
                    ));
                }
                phrase
            } else {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                if !word.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(logs_error(
                        "logs-filter-pattern",
                        &[&format!("Invalid character(s) in term '{word}'")],
                    ));
                }
                word
            };
            // An empty phrase is the pattern that matches everything (`""`) when alone.
            if term.is_empty() {
                continue;
            }
            match sign {
                Some('?') => filter.any.push(term),
                Some('-') => filter.none.push(term),
                _ => filter.all.push(term),
            }
        }
        Ok(filter)
    }

    /// Whether a message matches.
    pub(crate) fn matches(&self, message: &str) -> bool {
        self.all.iter().all(|t| message.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| message.contains(t.as_str())))
            && !self.none.iter().any(|t| message.contains(t.as_str()))
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::Filter;

    fn matches(pattern: &str, message: &str) -> bool {
        Filter::parse(pattern).unwrap().matches(message)
    }

    #[test]
    fn terms_phrases_alternatives_and_exclusions() {
        assert!(matches("", "anything"));
        assert!(matches("\"\"", "anything"));
        assert!(matches("ERROR", "Exiting with ERRORCODE: -1"));
        assert!(!matches("error", "[ERROR] case matters"));
        assert!(matches("ERROR Exception", "[ERROR] Unhandled Exception"));
        assert!(!matches("ERROR Exception", "[ERROR] Unhandled"));
        assert!(matches("\"ERROR 401\"", "got ERROR 401 back"));
        assert!(!matches("\"ERROR 401\"", "ERROR then 401"));
        assert!(matches("?ERROR ?WARN", "WARN: disk"));
        assert!(!matches("?ERROR ?WARN", "INFO: fine"));
        assert!(matches("ERROR -Exiting", "ERROR: retrying"));
        assert!(!matches("ERROR -Exiting", "ERROR: Exiting"));
        assert!(!matches("\"ERROR\" - \"Exiting\"", "ERROR: Exiting"));
        assert!(matches("\"GET /health\"", "\"GET /health HTTP/1.1\" 200"));
    }

    #[test]
    fn other_syntaxes_and_bad_terms_are_refused() {
        for pattern in ["{ $.level = \"error\" }", "[ip, user]", "%ERR.R%"] {
            let error = Filter::parse(pattern).unwrap_err();
            assert_eq!(error.shape, "InvalidParameterException");
            assert!(error.message.contains("not supported"), "{}", error.message);
        }
        let error = Filter::parse("ERROR:").unwrap_err();
        assert_eq!(
            error.message,
            "Invalid filter pattern: Invalid character(s) in term 'ERROR:'"
        );
        assert!(Filter::parse("\"open").is_err());
    }
}
