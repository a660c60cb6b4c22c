//! A `BTreeMap` whose keys JSON cannot use as object keys (structs, tuples), written as a list
//! of `[key, value]` pairs: `#[serde(with = "berth_model::pairs")]`. Snapshots of the fleet and of
//! CloudWatch's metrics use it.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Writes the map as a sequence of pairs, in key order.
pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
    map: &BTreeMap<K, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(map.iter())
}

/// Reads a sequence of pairs back into the map.
pub fn deserialize<'de, K, V, D>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
where
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Ok(Vec::<(K, V)>::deserialize(deserializer)?
        .into_iter()
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        #[serde(with = "super")]
        map: BTreeMap<(u32, String), u8>,
    }

    #[test]
    fn struct_keys_round_trip_as_pairs() {
        let holder = Holder {
            map: BTreeMap::from([((2, "b".into()), 1), ((1, "a".into()), 2)]),
        };
        let text = serde_json::to_string(&holder).unwrap();
        assert_eq!(text, r#"{"map":[[[1,"a"],2],[[2,"b"],1]]}"#);
        assert_eq!(serde_json::from_str::<Holder>(&text).unwrap(), holder);
    }
}
