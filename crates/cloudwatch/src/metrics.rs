//! The metric store: every datum PutMetricData (or the fleet) sent, by metric, and a
//! statistic over a window of it.
//!
//! A metric is its namespace, name and dimensions (sorted by name: CloudWatch matches the
//! whole set, in any order). Points are kept 15 days, CloudWatch's retention for one-minute
//! data; older ones go when time moves on.

use std::collections::BTreeMap;

use berth_model::SimTime;
use serde::{Deserialize, Serialize};

use crate::documents::{Dimension, StandardUnit, Statistic, StatisticSet};

/// How long a point is kept.
pub(crate) const RETENTION_MS: u64 = 15 * 24 * 3600 * 1000;

/// A metric's identity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MetricKey {
    /// `AWS/ECS`, `Berth/Lesson`, ...
    pub namespace: String,
    /// `CPUUtilization`, ...
    pub name: String,
    /// Sorted by name.
    pub dimensions: Vec<Dimension>,
}

impl MetricKey {
    /// The key of a metric with its dimensions in any order.
    pub fn new(namespace: &str, name: &str, dimensions: &[Dimension]) -> MetricKey {
        let mut dimensions = dimensions.to_vec();
        dimensions.sort();
        MetricKey {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            dimensions,
        }
    }
}

/// Samples at one time: their summary, and each value when they were sent one by one
/// (percentiles need them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Point {
    pub(crate) at: SimTime,
    pub(crate) unit: Option<StandardUnit>,
    pub(crate) count: f64,
    pub(crate) sum: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    /// `(value, how many times)`; empty for a statistic set.
    pub(crate) values: Vec<(f64, f64)>,
}

impl Point {
    /// A point of `set`'s samples, without their values.
    pub(crate) fn of(at: SimTime, unit: Option<StandardUnit>, set: StatisticSet) -> Point {
        Point {
            at,
            unit,
            count: set.sample_count,
            sum: set.sum,
            min: set.minimum,
            max: set.maximum,
            values: Vec::new(),
        }
    }
}

/// Every metric's points, oldest first.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Store {
    #[serde(with = "berth_model::pairs")]
    series: BTreeMap<MetricKey, Vec<Point>>,
}

impl Store {
    /// Adds a point (kept in time order).
    pub(crate) fn put(&mut self, key: MetricKey, point: Point) {
        let points = self.series.entry(key).or_default();
        let at = points.partition_point(|p| p.at <= point.at);
        points.insert(at, point);
    }

    /// Forgets points older than the retention.
    pub(crate) fn expire(&mut self, now: SimTime) {
        let oldest = SimTime(now.as_millis().saturating_sub(RETENTION_MS));
        self.series.retain(|_, points| {
            let old = points.partition_point(|p| p.at < oldest);
            points.drain(..old);
            !points.is_empty()
        });
    }

    /// The unit the points of `key` in `[from, to)` were put with (the first one's), as
    /// GetMetricStatistics reports it when the request names none.
    pub(crate) fn unit(&self, key: &MetricKey, from: SimTime, to: SimTime) -> Option<StandardUnit> {
        let points = self.series.get(key)?;
        let start = points.partition_point(|p| p.at < from);
        points[start..]
            .iter()
            .take_while(|p| p.at < to)
            .find_map(|p| p.unit.clone())
    }

    /// The statistic (or the percentile `p`, 0–100) of the points of `key` in `[from, to)`
    /// in `unit` (any, if `None`); `None` when there are none.
    pub(crate) fn statistic(
        &self,
        key: &MetricKey,
        from: SimTime,
        to: SimTime,
        unit: Option<&StandardUnit>,
        statistic: Measure,
    ) -> Option<f64> {
        let points = self.series.get(key)?;
        let start = points.partition_point(|p| p.at < from);
        let end = points.partition_point(|p| p.at < to);
        let window = points[start..end]
            .iter()
            .filter(|p| unit.is_none() || p.unit.as_ref() == unit);
        let mut count = 0.0;
        let mut sum = 0.0;
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        let mut values = Vec::new();
        let mut summarised = false;
        for point in window {
            count += point.count;
            sum += point.sum;
            min = min.min(point.min);
            max = max.max(point.max);
            summarised |= point.values.is_empty();
            values.extend_from_slice(&point.values);
        }
        if count <= 0.0 {
            return None;
        }
        Some(match statistic {
            Measure::Statistic(Statistic::SampleCount) => count,
            Measure::Statistic(Statistic::Sum) => sum,
            Measure::Statistic(Statistic::Minimum) => min,
            Measure::Statistic(Statistic::Maximum) => max,
            Measure::Statistic(_) => sum / count,
            // A percentile needs every value: not of data sent as statistic sets.
            Measure::Percentile(p) => {
                if summarised {
                    return None;
                }
                percentile(&mut values, p)
            }
        })
    }

    /// Every metric, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &MetricKey> {
        self.series.keys()
    }
}

/// What an alarm measures: a statistic or a percentile.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Measure {
    Statistic(Statistic),
    Percentile(f64),
}

/// The nearest-rank percentile `p` of weighted values.
fn percentile(values: &mut [(f64, f64)], p: f64) -> f64 {
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = values.iter().map(|(_, n)| n).sum();
    let rank = (p / 100.0 * total).ceil().max(1.0);
    let mut seen = 0.0;
    for (value, n) in values.iter() {
        seen += n;
        if seen >= rank {
            return *value;
        }
    }
    values.last().map_or(0.0, |(v, _)| *v)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn point(seconds: u64, value: f64) -> Point {
        Point {
            at: SimTime::from_secs(seconds),
            unit: None,
            count: 1.0,
            sum: value,
            min: value,
            max: value,
            values: vec![(value, 1.0)],
        }
    }

    /// Each statistic over a window, points outside it ignored, dimensions in any order
    /// naming one metric; a percentile of values, none of a statistic set.
    #[test]
    fn statistics_over_a_window() {
        let a = Dimension {
            name: "A".into(),
            value: "x".into(),
        };
        let b = Dimension {
            name: "B".into(),
            value: "y".into(),
        };
        let key = MetricKey::new("N", "M", &[a.clone(), b.clone()]);
        assert_eq!(key, MetricKey::new("N", "M", &[b, a]));
        let mut store = Store::default();
        for (s, v) in [(0, 1.0), (10, 3.0), (59, 8.0), (60, 100.0)] {
            store.put(key.clone(), point(s, v));
        }
        let of = |store: &Store, m: Measure| {
            store.statistic(&key, SimTime::ZERO, SimTime::from_secs(60), None, m)
        };
        assert_eq!(
            of(&store, Measure::Statistic(Statistic::Average)),
            Some(4.0)
        );
        assert_eq!(of(&store, Measure::Statistic(Statistic::Sum)), Some(12.0));
        assert_eq!(
            of(&store, Measure::Statistic(Statistic::Minimum)),
            Some(1.0)
        );
        assert_eq!(
            of(&store, Measure::Statistic(Statistic::Maximum)),
            Some(8.0)
        );
        assert_eq!(
            of(&store, Measure::Statistic(Statistic::SampleCount)),
            Some(3.0)
        );
        assert_eq!(of(&store, Measure::Percentile(50.0)), Some(3.0));
        let none = store.statistic(
            &key,
            SimTime::from_secs(61),
            SimTime::from_secs(120),
            None,
            Measure::Statistic(Statistic::Sum),
        );
        assert_eq!(none, None);

        store.put(
            key.clone(),
            Point {
                values: Vec::new(),
                ..point(30, 5.0)
            },
        );
        assert_eq!(of(&store, Measure::Percentile(50.0)), None);

        store.expire(SimTime::from_secs(RETENTION_MS / 1000 + 60));
        assert_eq!(store.keys().count(), 1, "the point at 60 s stays");
        store.expire(SimTime::from_secs(RETENTION_MS / 1000 + 61));
        assert_eq!(store.keys().count(), 0);
    }
}
