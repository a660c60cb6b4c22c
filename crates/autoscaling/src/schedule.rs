//! A scheduled action's `Schedule`: `at(yyyy-mm-ddThh:mm:ss)`, `rate(value unit)` or
//! `cron(minutes hours day-of-month month day-of-week year)`, in UTC, and when it next runs.
//!
//! Cron fields take `*`, a value, `a-b`, `a/n` or `*/n`, and lists of those; day-of-month and
//! day-of-week take `?` (one of them must), months `JAN`–`DEC` and days `SUN`–`SAT` (1 is
//! Sunday, as EventBridge counts). `L`, `W` and `#` are refused: Berth does not compute them.
//! Time zones other than UTC are refused too: Berth carries no time-zone database (a page
//! that must stay small) — say the time in UTC.

use berth_model::SimTime;

/// A parsed schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Schedule {
    /// Once, at this time.
    At(SimTime),
    /// Every this many milliseconds, from the action's start (its `StartTime`, or when it
    /// was put).
    Rate(u64),
    /// When the fields match, at second 0.
    Cron(Box<Cron>),
}

/// A cron expression's fields, each the set of values it allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    /// `None` for `?`.
    days: Option<Vec<bool>>,
    months: Vec<bool>,
    /// Sunday = 0; `None` for `?`.
    weekdays: Option<Vec<bool>>,
    /// 1970–2199; `None` for every year.
    years: Option<Vec<bool>>,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FIRST_YEAR: i64 = 1970;
const LAST_YEAR: i64 = 2199;

/// Reads a schedule; `Err` says what is wrong with it.
pub(crate) fn parse(text: &str) -> Result<Schedule, String> {
    let text = text.trim();
    let inner = |prefix: &str| {
        text.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(')'))
            .map(str::trim)
    };
    if let Some(at) = inner("at(") {
        let valid = at.len() == 19 && at.as_bytes()[10] == b'T';
        return match SimTime::parse_iso8601(at).filter(|_| valid) {
            Some(time) => Ok(Schedule::At(time)),
            None => Err(format!(
                "{at} is not a time as at(yyyy-mm-ddThh:mm:ss) writes one"
            )),
        };
    }
    if let Some(rate) = inner("rate(") {
        let mut parts = rate.split_whitespace();
        let (Some(value), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("{rate} is not a value and a unit"));
        };
        let value: u64 = value
            .parse()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| format!("{value} is not a positive whole number"))?;
        let unit_ms = match (unit, value == 1) {
            ("minute", true) | ("minutes", false) => 60_000,
            ("hour", true) | ("hours", false) => 3_600_000,
            ("day", true) | ("days", false) => 86_400_000,
            _ => {
                return Err(format!(
                    "{unit} is not a unit for {value} (minute, minutes, hour, hours, day or days)"
                ))
            }
        };
        return Ok(Schedule::Rate(value.saturating_mul(unit_ms)));
    }
    if let Some(cron) = inner("cron(") {
        return cron_fields(cron).map(|c| Schedule::Cron(Box::new(c)));
    }
    Err("a schedule is at(...), rate(...) or cron(...)".to_owned())
}

fn cron_fields(text: &str) -> Result<Cron, String> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    let [minutes, hours, days, months, weekdays, years] = fields[..] else {
        return Err(format!(
            "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year); {text} has {}",
            fields.len()
        ));
    };
    let either = |field: &str, range, names: &[&str], base| {
        if field == "?" {
            Ok(None)
        } else {
            set(field, range, names, base).map(Some)
        }
    };
    let days = either(days, (1, 31), &[], 0)?;
    let weekdays = either(weekdays, (1, 7), &DAYS, 1)?;
    if days.is_some() == weekdays.is_some() {
        return Err("one of day-of-month and day-of-week must be ? (and only one)".to_owned());
    }
    let years = if years == "*" {
        None
    } else {
        Some(set(years, (FIRST_YEAR as u32, LAST_YEAR as u32), &[], 0)?)
    };
    Ok(Cron {
        minutes: set(minutes, (0, 59), &[], 0)?,
        hours: set(hours, (0, 23), &[], 0)?,
        days,
        months: set(months, (1, 12), &MONTHS, 1)?,
        // Stored from Sunday = 0.
        weekdays: weekdays.map(|w| w[1..].to_vec()),
        years,
    })
}

/// The values a field allows, indexed from 0 up to `hi` (`names[i]` stands for `base + i`).
fn set(field: &str, (lo, hi): (u32, u32), names: &[&str], base: u32) -> Result<Vec<bool>, String> {
    let mut allowed = vec![false; hi as usize + 1];
    let value = |text: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return Ok(base + i as u32);
        }
        match text.parse::<u32>() {
            Ok(v) if (lo..=hi).contains(&v) => Ok(v),
            _ if text.contains(['L', 'W', '#']) => Err(format!(
                "{text}: Berth does not compute cron's L, W and # (give the days themselves)"
            )),
            _ => Err(format!("{text} is not a value from {lo} to {hi}")),
        }
    };
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("{part}: {step} is not a step"))?;
                (range, step)
            }
            None => (part, 1),
        };
        let (from, to) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            // `a/n` runs from a to the end.
            (v, if part.contains('/') { hi } else { v })
        };
        if from > to {
            return Err(format!("{part}: {from} is after {to}"));
        }
        for v in (from..=to).step_by(step as usize) {
            allowed[v as usize] = true;
        }
    }
    Ok(allowed)
}

const MINUTE: u64 = 60_000;
const DAY: u64 = 86_400_000;

impl Schedule {
    /// The first time after `after` the schedule runs, given when it started (`start`:
    /// a rate counts from it); `None` when it never runs again.
    pub(crate) fn next_after(&self, after: SimTime, start: SimTime) -> Option<SimTime> {
        match self {
            Schedule::At(at) => (*at > after).then_some(*at),
            Schedule::Rate(every) => {
                if start > after {
                    return Some(start);
                }
                let n = (after.as_millis() - start.as_millis()) / every + 1;
                Some(SimTime(start.as_millis() + n * every))
            }
            Schedule::Cron(cron) => cron.next_after(after),
        }
    }
}

impl Cron {
    fn day_matches(&self, day: SimTime) -> bool {
        let (year, month, dom, _) = day.civil();
        let year_ok = self
            .years
            .as_ref()
            .is_none_or(|years| (FIRST_YEAR..=LAST_YEAR).contains(&year) && years[year as usize]);
        let day_ok = match (&self.days, &self.weekdays) {
            (Some(days), _) => days[dom as usize],
            (None, Some(weekdays)) => weekdays[day.weekday() as usize],
            (None, None) => true,
        };
        year_ok && self.months[month as usize] && day_ok
    }

    /// The first matching minute after `after`, looking up to the last year a cron can name.
    fn next_after(&self, after: SimTime) -> Option<SimTime> {
        let first = SimTime((after.as_millis() / MINUTE + 1) * MINUTE);
        let mut day = SimTime(first.as_millis() / DAY * DAY);
        while day.civil().0 <= LAST_YEAR {
            if self.day_matches(day) {
                for hour in (0..24).filter(|h| self.hours[*h]) {
                    for minute in (0..60).filter(|m| self.minutes[*m]) {
                        let at = day.plus_millis((hour as u64 * 60 + minute as u64) * MINUTE);
                        if at >= first {
                            return Some(at);
                        }
                    }
                }
            }
            day = day.plus_millis(DAY);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn at(text: &str) -> SimTime {
        SimTime::parse_iso8601(text).unwrap()
    }

    #[test]
    fn at_runs_once() {
        let s = parse("at(2026-12-07T09:00:00)").unwrap();
        let start = at("2026-12-01T00:00:00Z");
        assert_eq!(
            s.next_after(at("2026-12-07T08:59:59Z"), start),
            Some(at("2026-12-07T09:00:00Z"))
        );
        assert_eq!(s.next_after(at("2026-12-07T09:00:00Z"), start), None);
        assert!(parse("at(2026-12-07)").is_err());
    }

    #[test]
    fn rate_counts_from_the_start() {
        let s = parse("rate(5 minutes)").unwrap();
        let start = at("2026-12-07T09:00:00Z");
        assert_eq!(s.next_after(at("2026-12-07T08:00:00Z"), start), Some(start));
        assert_eq!(s.next_after(start, start), Some(at("2026-12-07T09:05:00Z")));
        assert_eq!(
            s.next_after(at("2026-12-07T09:07:00Z"), start),
            Some(at("2026-12-07T09:10:00Z"))
        );
        assert!(parse("rate(1 minutes)").is_err());
        assert!(parse("rate(0 hours)").is_err());
        assert!(parse("rate(2 weeks)").is_err());
    }

    #[test]
    fn cron_matches_minutes_hours_and_days() {
        // 08:30 on weekdays.
        let s = parse("cron(30 8 ? * MON-FRI *)").unwrap();
        // 2026-12-05 is a Saturday.
        let start = at("2026-12-01T00:00:00Z");
        assert_eq!(
            s.next_after(at("2026-12-05T00:00:00Z"), start),
            Some(at("2026-12-07T08:30:00Z"))
        );
        // Every 15 minutes of 2027's January the 1st.
        let s = parse("cron(*/15 * 1 JAN ? 2027)").unwrap();
        assert_eq!(
            s.next_after(at("2026-12-07T00:00:00Z"), start),
            Some(at("2027-01-01T00:00:00Z"))
        );
        assert_eq!(
            s.next_after(at("2027-01-01T00:00:00Z"), start),
            Some(at("2027-01-01T00:15:00Z"))
        );
        assert_eq!(s.next_after(at("2027-01-01T23:45:00Z"), start), None);
    }

    #[test]
    fn cron_refusals_say_why() {
        for (text, says) in [
            ("cron(0 8 * * *)", "6 fields"),
            ("cron(0 8 * * MON *)", "must be ?"),
            ("cron(0 8 ? * ? *)", "must be ?"),
            ("cron(0 25 * * ? *)", "from 0 to 23"),
            ("cron(0 8 L * ? *)", "L, W and #"),
            ("cron(0 8 ? * 2#1 *)", "L, W and #"),
            ("every day", "at(...), rate(...) or cron(...)"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}
