//! Offered-load profiles: how a load balancer's requests a second change over time, set with
//! the `offered-load` fleet action and journalled with it, so a replay offers the same load.
//!
//! A profile's rate is taken at the start of each virtual minute and held for the minute (the
//! fleet accounts traffic minute by minute), so every figure is a pure function of the action
//! and the time, computed with arithmetic only (no trigonometry, whose last bits differ
//! between platforms):
//!
//! - `steady`: the base rate (what an action without a profile offers);
//! - `ramp`: from the base to `to` over `minutes`, then `to`;
//! - `spike`: the base, `peak` from `afterMinutes` for `minutes`, then the base again;
//! - `daily`: the base at the day's trough and `peak` at `peakHour` (UTC), a smooth curve
//!   (smoothstep of the distance from the peak) between them.

use berth_model::SimTime;
use serde::{Deserialize, Serialize};

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 3_600_000;

/// A load profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "camelCase", deny_unknown_fields)]
pub enum LoadProfile {
    /// The base rate.
    Steady,
    /// From the base to `to` over `minutes`.
    #[serde(rename_all = "camelCase")]
    Ramp {
        /// Requests a second at the end.
        to: u32,
        /// How long the ramp takes.
        minutes: u32,
    },
    /// The base with a burst of `peak`.
    #[serde(rename_all = "camelCase")]
    Spike {
        /// Requests a second during the spike.
        peak: u32,
        /// When it begins, after the action.
        after_minutes: u32,
        /// How long it lasts.
        minutes: u32,
    },
    /// A day's curve from the base (its trough) to `peak` at `peak_hour` UTC.
    #[serde(rename_all = "camelCase")]
    Daily {
        /// Requests a second at the peak.
        peak: u32,
        /// The hour of the peak, UTC (0–23; 12 unless given).
        #[serde(default = "noon")]
        peak_hour: u32,
    },
}

fn noon() -> u32 {
    12
}

impl LoadProfile {
    /// What is wrong with the profile, if anything (`most`: the highest rate allowed).
    pub(crate) fn check(&self, most: u32) -> Result<(), String> {
        let (rate, minutes) = match self {
            LoadProfile::Steady => return Ok(()),
            LoadProfile::Ramp { to, minutes } => (*to, *minutes),
            LoadProfile::Spike { peak, minutes, .. } => (*peak, *minutes),
            LoadProfile::Daily { peak, peak_hour } => {
                if *peak_hour > 23 {
                    return Err(format!("peakHour must be 0 to 23, not {peak_hour}."));
                }
                (*peak, 1)
            }
        };
        if rate > most {
            return Err(format!(
                "a profile's rate must be at most {most}, not {rate}."
            ));
        }
        if minutes == 0 {
            return Err("a profile's minutes must be at least 1.".to_owned());
        }
        Ok(())
    }

    /// The rate for the minute starting at `at`, of a profile set at `start` on `base`.
    pub(crate) fn rate(&self, base: u32, start: SimTime, at: SimTime) -> u32 {
        let elapsed = at.as_millis().saturating_sub(start.as_millis());
        match self {
            LoadProfile::Steady => base,
            LoadProfile::Ramp { to, minutes } => {
                let total = u64::from(*minutes) * MINUTE_MS;
                if elapsed >= total {
                    return *to;
                }
                let (from, to) = (i64::from(base), i64::from(*to));
                let step = (to - from) * elapsed as i64 / total as i64;
                (from + step) as u32
            }
            LoadProfile::Spike {
                peak,
                after_minutes,
                minutes,
            } => {
                let begins = u64::from(*after_minutes) * MINUTE_MS;
                let ends = begins + u64::from(*minutes) * MINUTE_MS;
                if (begins..ends).contains(&elapsed) {
                    *peak
                } else {
                    base
                }
            }
            LoadProfile::Daily { peak, peak_hour } => {
                let day = 24 * HOUR_MS;
                let of_day = at.as_millis() % day;
                let peak_at = u64::from(*peak_hour) * HOUR_MS;
                let apart = of_day.abs_diff(peak_at);
                let apart = apart.min(day - apart) as f64;
                // 1 at the peak, 0 twelve hours from it.
                let x = 1.0 - apart / (12.0 * HOUR_MS as f64);
                let level = x * x * (3.0 - 2.0 * x);
                let span = f64::from(*peak) - f64::from(base);
                (f64::from(base) + span * level).round() as u32
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const T: SimTime = SimTime::from_secs(1_415_836_800); // 2014-11-13T00:00:00Z

    fn minute(n: u64) -> SimTime {
        T.plus_millis(n * MINUTE_MS)
    }

    #[test]
    fn a_ramp_climbs_linearly_then_holds() {
        let ramp = LoadProfile::Ramp {
            to: 1000,
            minutes: 10,
        };
        assert_eq!(ramp.rate(100, T, minute(0)), 100);
        assert_eq!(ramp.rate(100, T, minute(5)), 550);
        assert_eq!(ramp.rate(100, T, minute(10)), 1000);
        assert_eq!(ramp.rate(100, T, minute(60)), 1000);
        // Down as well as up.
        let down = LoadProfile::Ramp { to: 0, minutes: 4 };
        assert_eq!(down.rate(400, T, minute(1)), 300);
    }

    #[test]
    fn a_spike_is_the_peak_for_its_minutes_only() {
        let spike = LoadProfile::Spike {
            peak: 2700,
            after_minutes: 5,
            minutes: 20,
        };
        assert_eq!(spike.rate(200, T, minute(4)), 200);
        assert_eq!(spike.rate(200, T, minute(5)), 2700);
        assert_eq!(spike.rate(200, T, minute(24)), 2700);
        assert_eq!(spike.rate(200, T, minute(25)), 200);
    }

    #[test]
    fn a_day_peaks_at_its_hour_and_is_lowest_twelve_hours_away() {
        let daily = LoadProfile::Daily {
            peak: 1000,
            peak_hour: 12,
        };
        assert_eq!(daily.rate(100, T, minute(12 * 60)), 1000);
        assert_eq!(daily.rate(100, T, minute(0)), 100);
        // Half-way in time is half-way in level (smoothstep's midpoint).
        assert_eq!(daily.rate(100, T, minute(6 * 60)), 550);
        assert_eq!(daily.rate(100, T, minute(18 * 60)), 550);
        // Across midnight: 23:00 is one hour from a midnight peak.
        let midnight = LoadProfile::Daily {
            peak: 1000,
            peak_hour: 0,
        };
        assert_eq!(
            midnight.rate(100, T, minute(23 * 60)),
            midnight.rate(100, T, minute(60))
        );
    }

    #[test]
    fn bad_profiles_say_why() {
        assert!(LoadProfile::Ramp { to: 10, minutes: 0 }
            .check(100)
            .unwrap_err()
            .contains("at least 1"));
        assert!(LoadProfile::Spike {
            peak: 101,
            after_minutes: 0,
            minutes: 1
        }
        .check(100)
        .unwrap_err()
        .contains("at most 100"));
        assert!(LoadProfile::Daily {
            peak: 1,
            peak_hour: 24
        }
        .check(100)
        .unwrap_err()
        .contains("0 to 23"));
        let parsed: Result<LoadProfile, _> = serde_json::from_str(r#"{"shape": "wave"}"#);
        assert!(parsed.is_err());
        let parsed: LoadProfile = serde_json::from_str(r#"{"shape": "daily", "peak": 5}"#).unwrap();
        assert_eq!(
            parsed,
            LoadProfile::Daily {
                peak: 5,
                peak_hour: 12
            }
        );
    }
}
