//! `SimTime`: the only notion of time in the pure crates.
//!
//! A `SimTime` is a count of milliseconds since the Unix epoch. It is always passed in (by the
//! simulator's virtual clock, or by the server from the wall clock), never read here, so a
//! scenario replays byte for byte. On the wire ECS writes timestamps as epoch seconds with a
//! fraction (`1716400000.123`); the AWS CLI prints them as ISO 8601 strings, and people paste
//! that output, so both forms are read.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The epoch itself.
    pub const ZERO: SimTime = SimTime(0);

    /// Builds a time from whole seconds since the epoch.
    pub const fn from_secs(secs: u64) -> SimTime {
        SimTime(secs * 1000)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// This time plus `millis` milliseconds (saturating: time never wraps).
    pub const fn plus_millis(self, millis: u64) -> SimTime {
        SimTime(self.0.saturating_add(millis))
    }

    /// Epoch seconds as ECS writes them on the wire.
    pub fn as_epoch_seconds(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Reads epoch seconds (possibly fractional); `None` for negative or non-finite values.
    pub fn from_epoch_seconds(secs: f64) -> Option<SimTime> {
        if secs.is_finite() && (0.0..1.0e13).contains(&secs) {
            Some(SimTime((secs * 1000.0).round() as u64))
        } else {
            None
        }
    }

    /// Reads the ISO 8601 forms the AWS CLI and the cluster query language use:
    /// `2018-06-18`, `2018-06-18T22:28:28`, `…Z`, `…+00:00`, with an optional fraction.
    /// A time without a zone is UTC.
    pub fn parse_iso8601(text: &str) -> Option<SimTime> {
        let bytes = text.as_bytes();
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = text.get(range)?;
            if part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty() {
                part.parse().ok()
            } else {
                None
            }
        };
        if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
            return None;
        }
        let mut millis = days_from_civil(year, month, day) * 86_400_000;
        let mut rest = &text[10..];
        if !rest.is_empty() {
            let time = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
            let tb = time.as_bytes();
            if tb.len() < 8 || tb[2] != b':' || tb[5] != b':' {
                return None;
            }
            let (h, m, s) = (
                time[0..2].parse::<i64>().ok()?,
                time[3..5].parse::<i64>().ok()?,
                time[6..8].parse::<i64>().ok()?,
            );
            if h > 23 || m > 59 || s > 60 {
                return None;
            }
            millis += ((h * 60 + m) * 60 + s) * 1000;
            rest = &time[8..];
            if let Some(fraction) = rest.strip_prefix('.') {
                let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                let mut ms = 0;
                for (i, b) in fraction
                    .bytes()
                    .take(3)
                    .take_while(u8::is_ascii_digit)
                    .enumerate()
                {
                    ms += i64::from(b - b'0') * [100, 10, 1][i];
                }
                millis += ms;
                rest = &fraction[digits..];
            }
            match rest {
                "" | "Z" | "z" => {}
                zone => {
                    let zb = zone.as_bytes();
                    if zb.len() != 6 || zb[3] != b':' || !(zb[0] == b'+' || zb[0] == b'-') {
                        return None;
                    }
                    let offset = (zone[1..3].parse::<i64>().ok()? * 60
                        + zone[4..6].parse::<i64>().ok()?)
                        * 60_000;
                    millis -= if zb[0] == b'+' { offset } else { -offset };
                }
            }
        }
        u64::try_from(millis).ok().map(SimTime)
    }

    /// Formats as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), as EventBridge events do.
    pub fn to_iso8601(self) -> String {
        let days = (self.0 / 86_400_000) as i64;
        let ms_of_day = self.0 % 86_400_000;
        let (year, month, day) = civil_from_days(days);
        let (h, m, s, ms) = (
            ms_of_day / 3_600_000,
            ms_of_day / 60_000 % 60,
            ms_of_day / 1000 % 60,
            ms_of_day % 1000,
        );
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
    }
}

impl SimTime {
    /// The UTC calendar date and the millisecond of its day: `(year, month 1–12, day 1–31,
    /// ms)`.
    pub fn civil(self) -> (i64, u32, u32, u64) {
        let (year, month, day) = civil_from_days((self.0 / 86_400_000) as i64);
        (year, month as u32, day as u32, self.0 % 86_400_000)
    }

    /// Midnight UTC of a calendar date; `None` before the epoch or for a day the month lacks.
    pub fn from_civil(year: i64, month: u32, day: u32) -> Option<SimTime> {
        let (month, day) = (i64::from(month), i64::from(day));
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        let days = days_from_civil(year, month, day);
        u64::try_from(days).ok().map(|d| SimTime(d * 86_400_000))
    }

    /// The day of the week, 0 for Sunday to 6 for Saturday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday.
        ((self.0 / 86_400_000 + 4) % 7) as u32
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso8601())
    }
}

/// Writes epoch seconds, with a fraction only when there are milliseconds, as ECS does.
impl Serialize for SimTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(1000) {
            serializer.serialize_u64(self.0 / 1000)
        } else {
            serializer.serialize_f64(self.as_epoch_seconds())
        }
    }
}

impl<'de> Deserialize<'de> for SimTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SimTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp (epoch seconds or an ISO 8601 string)")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<SimTime, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SimTime, E> {
                self.visit_f64(v as f64)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<SimTime, E> {
                SimTime::from_epoch_seconds(v)
                    .ok_or_else(|| E::custom(format!("{v} is not a valid timestamp")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SimTime, E> {
                SimTime::parse_iso8601(v)
                    .ok_or_else(|| E::custom(format!("'{v}' is not a valid timestamp")))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::SimTime;

    /// ISO forms from the cluster query language docs and the AWS CLI all read as the same instant.
    #[test]
    fn iso8601_forms() {
        let t = SimTime::parse_iso8601("2018-06-18T22:28:28Z").unwrap();
        assert_eq!(t.as_millis(), 1_529_360_908_000);
        assert_eq!(SimTime::parse_iso8601("2018-06-18T22:28:28"), Some(t));
        assert_eq!(SimTime::parse_iso8601("2018-06-18T22:28:28+00:00"), Some(t));
        assert_eq!(
            SimTime::parse_iso8601("2018-06-19T07:28:28.000000+09:00"),
            Some(t)
        );
        assert_eq!(
            SimTime::parse_iso8601("2018-06-18").unwrap().as_millis(),
            1_529_280_000_000
        );
        assert_eq!(SimTime::parse_iso8601("2018-02-30"), None);
        assert_eq!(SimTime::parse_iso8601("2018-06-18T25:00:00"), None);
        assert_eq!(SimTime::parse_iso8601("yesterday"), None);
    }

    /// Formatting and parsing are inverses, and the wire form is epoch seconds.
    #[test]
    fn round_trip() {
        let t = SimTime(1_716_400_000_123);
        assert_eq!(t.to_iso8601(), "2024-05-22T17:46:40.123Z");
        assert_eq!(SimTime::parse_iso8601(&t.to_iso8601()), Some(t));
        assert_eq!(serde_json::to_string(&t).unwrap(), "1716400000.123");
        assert_eq!(serde_json::to_string(&SimTime::from_secs(5)).unwrap(), "5");
        let back: SimTime = serde_json::from_str("1716400000.123").unwrap();
        assert_eq!(back, t);
    }
}
