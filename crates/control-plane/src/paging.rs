//! Pagination as ECS does it: `maxResults` (1–100, a default per operation) and an opaque
//! `nextToken` that resumes after the last item returned. The token is the position of the
//! next item, hex-encoded, so it survives as long as the list it pages through.

use berth_model::messages;
use berth_model::ApiError;

/// One page of `items`: the items and the token for the next page, if any.
pub(crate) fn page<T: Clone>(
    items: &[T],
    max_results: Option<i64>,
    next_token: Option<&str>,
    default_size: usize,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let size = match max_results {
        None => default_size,
        Some(n) if (1..=100).contains(&n) => n as usize,
        Some(_) => return Err(messages::operation_error("max-results", &[&100])),
    };
    let start = match next_token {
        None | Some("") => 0,
        Some(token) => usize::from_str_radix(token, 16)
            .ok()
            .filter(|start| *start <= items.len())
            .ok_or_else(|| messages::operation_error("next-token", &[&token]))?,
    };
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| format!("{end:x}"));
    Ok((items[start..end].to_vec(), next))
}
