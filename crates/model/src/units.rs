//! Task-level `cpu` and `memory` strings: ECS accepts units or human forms and stores units.
//!
//! `"1024"`, `"1 vCPU"`, `"1vcpu"` and `"0.25 vCPU"` are CPU units (1024 per vCPU);
//! `"2048"`, `"2 GB"`, `"2GB"` and `"0.5 GB"` are MiB (1024 per GB). Registration stores the
//! integer form, so `describe-task-definition` shows `"1024"` whatever was sent.

/// CPU units for a task-level `cpu` string; `None` if it is not a whole number of units.
pub fn parse_cpu_units(text: &str) -> Option<u32> {
    parse_scaled(text, "vcpu")
}

/// MiB for a task-level `memory` string; `None` if it is not a whole number of MiB.
pub fn parse_memory_mib(text: &str) -> Option<u32> {
    parse_scaled(text, "gb")
}

/// Reads `<n>` as-is, or `<decimal> <unit>` (any case, optional space) times 1024.
fn parse_scaled(text: &str, unit: &str) -> Option<u32> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    match lower.strip_suffix(unit) {
        Some(number) => {
            let number = number.trim_end();
            let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
            if whole.is_empty() && fraction.is_empty()
                || !whole
                    .bytes()
                    .chain(fraction.bytes())
                    .all(|b| b.is_ascii_digit())
                || fraction.len() > 10
            {
                return None;
            }
            // Exact decimal arithmetic: 0.25 × 1024 is 256, and 0.3 × 1024 is not whole.
            let scale = 10u64.pow(fraction.len() as u32);
            let whole: u64 = if whole.is_empty() {
                0
            } else {
                whole.parse().ok()?
            };
            let fraction: u64 = if fraction.is_empty() {
                0
            } else {
                fraction.parse().ok()?
            };
            let scaled = (whole.checked_mul(scale)?.checked_add(fraction)?).checked_mul(1024)?;
            if scaled % scale != 0 {
                return None;
            }
            u32::try_from(scaled / scale).ok()
        }
        None if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
        None => None,
    }
}

/// The memory sizes (MiB) Fargate offers for a task cpu, per the AWS_Fargate table.
pub fn fargate_memory_options(cpu: u32) -> Vec<u32> {
    let gb = |n: u32| n * 1024;
    match cpu {
        256 => vec![512, 1024, 2048],
        512 => (1..=4).map(gb).collect(),
        1024 => (2..=8).map(gb).collect(),
        2048 => (4..=16).map(gb).collect(),
        4096 => (8..=30).map(gb).collect(),
        8192 => (16..=60).step_by(4).map(gb).collect(),
        16384 => (32..=120).step_by(8).map(gb).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// The forms the API reference names are read as ECS stores them.
    #[test]
    fn human_forms() {
        assert_eq!(parse_cpu_units("1024"), Some(1024));
        assert_eq!(parse_cpu_units("1 vCPU"), Some(1024));
        assert_eq!(parse_cpu_units("1 vcpu"), Some(1024));
        assert_eq!(parse_cpu_units(".25 vcpu"), Some(256));
        assert_eq!(parse_cpu_units("0.5vCPU"), Some(512));
        assert_eq!(parse_cpu_units("0.3 vCPU"), None);
        assert_eq!(parse_cpu_units("one"), None);
        assert_eq!(parse_cpu_units(""), None);
        assert_eq!(parse_cpu_units("-5"), None);
        assert_eq!(parse_memory_mib("2 GB"), Some(2048));
        assert_eq!(parse_memory_mib("2GB"), Some(2048));
        assert_eq!(parse_memory_mib(".5 gb"), Some(512));
        assert_eq!(parse_memory_mib("512"), Some(512));
        assert_eq!(parse_memory_mib("512 MB"), None);
        assert_eq!(parse_memory_mib("99999999999 GB"), None);
    }

    /// The Fargate table's corners.
    #[test]
    fn fargate_table() {
        assert_eq!(fargate_memory_options(256), vec![512, 1024, 2048]);
        assert_eq!(fargate_memory_options(4096).last(), Some(&30720));
        assert_eq!(fargate_memory_options(8192).len(), 12);
        assert_eq!(fargate_memory_options(16384).first(), Some(&32768));
        assert!(fargate_memory_options(128).is_empty());
    }
}
