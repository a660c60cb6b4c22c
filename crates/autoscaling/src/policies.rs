//! What a policy proposes when its alarm invokes it: pure arithmetic on the capacity and the
//! metric, unit-tested here.
//!
//! - **Target tracking** (our reading: Application Auto Scaling publishes no formula, only that
//!   scale-out is proportional to the metric and rounding never adds too little or removes
//!   too much): `ceil(running × metric / target)`, from the service's *running* count, which
//!   ECS's guide says Service Auto Scaling starts from. With nothing running and the metric
//!   over the target it proposes 1, the least it can add.
//! - **Step scaling**: the step whose bounds (relative to the alarm's threshold) hold the
//!   breach `metric − threshold`; `ChangeInCapacity` adds, `ExactCapacity` sets,
//!   `PercentChangeInCapacity` adds a percent rounded as the user guide says (above 1 down,
//!   0 to 1 up to 1, −1 to 0 down to −1, below −1 up), at least `MinAdjustmentMagnitude`.
//!
//! Both proposals are clamped to the target's minimum and maximum by the caller, which also
//! says why nothing changed (`AlreadyAtMaxCapacity`, ...).

use crate::documents::{AdjustmentType, StepAdjustment, StepScalingPolicyConfiguration};

/// What target tracking proposes from `running` tasks and the metric against its target.
pub(crate) fn track(running: i64, metric: f64, target: f64) -> Option<i64> {
    if !metric.is_finite() || !target.is_finite() || target <= 0.0 {
        return None;
    }
    if running == 0 {
        return Some(i64::from(metric > target));
    }
    let proposed = (running as f64 * metric / target).ceil();
    Some(proposed.clamp(0.0, i64::MAX as f64) as i64)
}

/// The step that holds `breach` (the metric less the threshold): above the threshold a
/// lower bound is inclusive and an upper bound exclusive, below it the other way round.
pub(crate) fn step(steps: &[StepAdjustment], breach: f64) -> Option<&StepAdjustment> {
    steps.iter().find(|s| {
        let lower = s.metric_interval_lower_bound.unwrap_or(f64::NEG_INFINITY);
        let upper = s.metric_interval_upper_bound.unwrap_or(f64::INFINITY);
        if breach >= 0.0 {
            lower <= breach && breach < upper
        } else {
            lower < breach && breach <= upper
        }
    })
}

/// What a step scaling policy proposes from `current` capacity and the breach.
pub(crate) fn step_capacity(
    config: &StepScalingPolicyConfiguration,
    current: i64,
    breach: f64,
) -> Option<i64> {
    let steps = config.step_adjustments.as_deref().unwrap_or_default();
    let adjustment = step(steps, breach)?.scaling_adjustment;
    Some(match config.adjustment_type.as_ref()? {
        AdjustmentType::ChangeInCapacity => current.saturating_add(adjustment),
        AdjustmentType::ExactCapacity => adjustment,
        AdjustmentType::PercentChangeInCapacity => {
            let change = current as f64 * adjustment as f64 / 100.0;
            let mut change = if change > 1.0 {
                change.floor()
            } else if change > 0.0 {
                1.0
            } else if (-1.0..0.0).contains(&change) {
                -1.0
            } else {
                change.ceil()
            } as i64;
            if let Some(least) = config.min_adjustment_magnitude.filter(|m| *m > 0) {
                if change != 0 && change.abs() < least {
                    change = least * change.signum();
                }
            }
            current.saturating_add(change)
        }
        AdjustmentType::Unknown(_) => return None,
    })
}

/// Why a step scaling configuration is refused, in the user guide's rules: steps that
/// overlap or leave a gap, more than one unbounded end on either side, a step unbounded on
/// both sides, an `ExactCapacity` below zero.
pub(crate) fn check_steps(config: &StepScalingPolicyConfiguration) -> Result<(), String> {
    let steps = config.step_adjustments.as_deref().unwrap_or_default();
    if steps.is_empty() {
        return Err("StepAdjustments must have at least one step".to_owned());
    }
    if steps
        .iter()
        .any(|s| s.metric_interval_lower_bound.is_none() && s.metric_interval_upper_bound.is_none())
    {
        return Err("a step must have a lower or an upper bound".to_owned());
    }
    let lower_open = steps
        .iter()
        .filter(|s| s.metric_interval_lower_bound.is_none())
        .count();
    let upper_open = steps
        .iter()
        .filter(|s| s.metric_interval_upper_bound.is_none())
        .count();
    if lower_open > 1 || upper_open > 1 {
        return Err(
            "only one step may have a null lower bound and only one a null upper bound".to_owned(),
        );
    }
    if config.adjustment_type == Some(AdjustmentType::ExactCapacity)
        && steps.iter().any(|s| s.scaling_adjustment < 0)
    {
        return Err("an ExactCapacity adjustment must not be negative".to_owned());
    }
    let mut sorted: Vec<(f64, f64)> = steps
        .iter()
        .map(|s| {
            (
                s.metric_interval_lower_bound.unwrap_or(f64::NEG_INFINITY),
                s.metric_interval_upper_bound.unwrap_or(f64::INFINITY),
            )
        })
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (lower, upper) in &sorted {
        if lower >= upper {
            return Err(format!(
                "a step's lower bound ({lower}) must be below its upper bound ({upper})"
            ));
        }
    }
    for pair in sorted.windows(2) {
        if pair[0].1 != pair[1].0 {
            return Err(format!(
                "steps must not overlap or leave gaps: one ends at {} and the next starts at {}",
                pair[0].1, pair[1].0
            ));
        }
    }
    let (first, last) = (sorted[0].0, sorted[sorted.len() - 1].1);
    if first.is_finite() && first < 0.0 {
        return Err("a negative lower bound needs a step with a null lower bound".to_owned());
    }
    if last.is_finite() && last > 0.0 {
        return Err("a positive upper bound needs a step with a null upper bound".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn steps(
        kind: AdjustmentType,
        list: &[(Option<f64>, Option<f64>, i64)],
    ) -> StepScalingPolicyConfiguration {
        StepScalingPolicyConfiguration {
            adjustment_type: Some(kind),
            step_adjustments: Some(
                list.iter()
                    .map(|(lower, upper, adjustment)| StepAdjustment {
                        metric_interval_lower_bound: *lower,
                        metric_interval_upper_bound: *upper,
                        scaling_adjustment: *adjustment,
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn target_tracking_is_proportional_and_rounds_up() {
        // 2 tasks at 90 % against 50: 3.6, so 4.
        assert_eq!(track(2, 90.0, 50.0), Some(4));
        // 4 tasks at 20 % against 50: 1.6, so 2 (never removes too much).
        assert_eq!(track(4, 20.0, 50.0), Some(2));
        // Nothing running: one task if the metric is over the target.
        assert_eq!(track(0, 80.0, 50.0), Some(1));
        assert_eq!(track(0, 0.0, 50.0), Some(0));
        assert_eq!(track(2, f64::NAN, 50.0), None);
    }

    #[test]
    fn the_user_guides_percent_sequence() {
        // The user guide's walk at threshold 50: 10 → 11 → 14 → 13 → 10.
        let out = steps(
            AdjustmentType::PercentChangeInCapacity,
            &[(Some(0.0), Some(10.0), 10), (Some(10.0), None, 30)],
        );
        assert_eq!(step_capacity(&out, 10, 55.0 - 50.0), Some(11));
        assert_eq!(step_capacity(&out, 11, 70.0 - 50.0), Some(14));
        let cpu_in = steps(
            AdjustmentType::PercentChangeInCapacity,
            &[(Some(-10.0), Some(0.0), -10), (None, Some(-10.0), -30)],
        );
        // 14 − 10 %: the change −1.4 rounds up to −1.
        assert_eq!(step_capacity(&cpu_in, 14, 45.0 - 50.0), Some(13));
        // 13 − 30 %: −3.9 rounds up to −3.
        assert_eq!(step_capacity(&cpu_in, 13, 30.0 - 50.0), Some(10));
        assert!(check_steps(&out).is_ok());
        assert!(check_steps(&cpu_in).is_ok());
    }

    #[test]
    fn percent_rounding_and_the_least_magnitude() {
        let mut config = steps(
            AdjustmentType::PercentChangeInCapacity,
            &[(Some(0.0), None, 25)],
        );
        // 25 % of 4 is 1.
        assert_eq!(step_capacity(&config, 4, 1.0), Some(5));
        // 25 % of 2 is 0.5: at least 1.
        assert_eq!(step_capacity(&config, 2, 1.0), Some(3));
        config.min_adjustment_magnitude = Some(2);
        assert_eq!(step_capacity(&config, 4, 1.0), Some(6));
    }

    #[test]
    fn change_and_exact() {
        let change = steps(AdjustmentType::ChangeInCapacity, &[(Some(0.0), None, 2)]);
        assert_eq!(step_capacity(&change, 3, 0.0), Some(5));
        // Below the threshold no step holds the breach.
        assert_eq!(step_capacity(&change, 3, -1.0), None);
        let exact = steps(AdjustmentType::ExactCapacity, &[(None, Some(0.0), 1)]);
        assert_eq!(step_capacity(&exact, 7, -5.0), Some(1));
    }

    #[test]
    fn bad_steps_are_refused() {
        for (list, says) in [
            (
                vec![(Some(0.0), Some(10.0), 1), (Some(20.0), None, 2)],
                "gaps",
            ),
            (
                vec![(Some(0.0), Some(10.0), 1), (Some(5.0), None, 2)],
                "overlap",
            ),
            (vec![(None, None, 1)], "a lower or an upper bound"),
            (vec![(Some(-5.0), Some(0.0), -1)], "negative lower bound"),
            (vec![(Some(0.0), Some(10.0), 1)], "positive upper bound"),
            (
                vec![(None, Some(0.0), 1), (None, Some(-5.0), 1)],
                "only one",
            ),
        ] {
            let config = steps(AdjustmentType::ChangeInCapacity, &list);
            let error = check_steps(&config).unwrap_err();
            assert!(error.contains(says), "{list:?}: {error}");
        }
    }
}
