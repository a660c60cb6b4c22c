//! A load balancer's offered-load control: a steady rate, or a profile (ramp, spike, daily
//! curve) the virtual fleet follows minute by minute (the `offered-load` fleet action, which
//! the journal keeps, so a replay offers the same load).

use serde_json::{json, Value};
use yew::prelude::*;

/// The shapes, as the fleet names them.
const SHAPES: [&str; 4] = ["steady", "ramp", "spike", "daily"];

/// The `offered-load` action for `load_balancer`: `base` requests a second, following the
/// shape with its fields (`to`/`peak`, `minutes`, `after`, `hour`) unless it is steady.
pub fn action(load_balancer: &str, base: u64, shape: &str, fields: [u64; 4]) -> Value {
    let [level, minutes, after, hour] = fields;
    let profile = match shape {
        "ramp" => json!({"shape": "ramp", "to": level, "minutes": minutes}),
        "spike" => {
            json!({"shape": "spike", "peak": level, "afterMinutes": after, "minutes": minutes})
        }
        "daily" => json!({"shape": "daily", "peak": level, "peakHour": hour}),
        _ => Value::Null,
    };
    let mut action =
        json!({"action": "offered-load", "loadBalancer": load_balancer, "requestsPerSecond": base});
    if !profile.is_null() {
        action["profile"] = profile;
    }
    action
}

/// The profile a load balancer follows, in words (the load-balancing view's `profile`).
pub fn describe(profile: &Value) -> String {
    let t = crate::i18n::t;
    let n = |key: &str| profile[key].as_u64().unwrap_or(0);
    let base = n("base");
    match profile["shape"].as_str().unwrap_or_default() {
        "ramp" => format!(
            "{}: {base}{}{}{}{}{}",
            t("ramp"),
            t(" to "),
            n("to"),
            t(" over "),
            n("minutes"),
            t(" min")
        ),
        "spike" => format!(
            "{}: {base}{}{}{}{}{}{}{}{}",
            t("spike"),
            t(" peak "),
            n("peak"),
            t(" after "),
            n("afterMinutes"),
            t(" min"),
            t(" for "),
            n("minutes"),
            t(" min")
        ),
        "daily" => format!(
            "{}: {base}{}{}{}{:02}:00",
            t("daily"),
            t(" peak "),
            n("peak"),
            t(" at hour (UTC) "),
            n("peakHour")
        ),
        other => other.to_owned(),
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The load balancer's name.
    pub name: String,
    /// Its offered load now, requests a second.
    pub rate: u64,
    /// The profile it follows, if any.
    pub profile: Option<Value>,
    /// Sends the `offered-load` action.
    pub on_offer: Callback<Value>,
}

fn read(input: &NodeRef) -> u64 {
    input
        .cast::<web_sys::HtmlInputElement>()
        .and_then(|i| i.value().parse().ok())
        .unwrap_or(0)
}

#[function_component(OfferedLoad)]
pub fn offered_load(props: &Props) -> Html {
    let t = crate::i18n::t;
    let _lang = use_context::<crate::i18n::Lang>();
    let following = props
        .profile
        .as_ref()
        .and_then(|p| p["shape"].as_str())
        .unwrap_or("steady");
    let shape = use_state(|| following.to_owned());
    {
        // A profile set elsewhere (a lesson, the AWS CLI's fleet call) shows as it is.
        let shape = shape.clone();
        use_effect_with(following.to_owned(), move |f| shape.set(f.clone()));
    }
    let refs = use_memo((), |_| [(); 5].map(|_| NodeRef::default()));
    let [base, level, minutes, after, hour] = (*refs).clone();
    let offer = {
        let (shape, name, on_offer) = (shape.clone(), props.name.clone(), props.on_offer.clone());
        let (base, level, minutes, after, hour) = (
            base.clone(),
            level.clone(),
            minutes.clone(),
            after.clone(),
            hour.clone(),
        );
        Callback::from(move |_| {
            let fields = [read(&level), read(&minutes), read(&after), read(&hour)];
            on_offer.emit(action(&name, read(&base), &shape, fields));
        })
    };
    let pick = {
        let shape = shape.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                shape.set(select.value());
            }
        })
    };
    // A field with its unit, kept on one line.
    let field = |label: &'static str,
                 node: &NodeRef,
                 value: u64,
                 class: &'static str,
                 unit: &'static str| {
        html! {
            <label>{ t(label) }<input ref={node.clone()} type="number" min="0" class={classes!("load", class)} value={value.to_string()} />{ t(unit) }</label>
        }
    };
    let p = props.profile.clone().unwrap_or_default();
    let n = |key: &str, default: u64| p[key].as_u64().unwrap_or(default);
    let peak = n("peak", n("to", props.rate.max(1) * 10));
    html! {
        <span class="offered-load">
            <label>{ t("Offered load ") }
                <input ref={base} type="number" min="0" step="10" class="load" value={n("base", props.rate).to_string()} />
                { t(" requests/s") }
            </label>
            { " " }
            <label>{ t("Profile ") }
                <select class="load-shape" onchange={pick}>
                    { for SHAPES.iter().map(|s| html! { <option value={*s} selected={*shape == *s}>{ t(s) }</option> }) }
                </select>
            </label>
            { match shape.as_str() {
                "ramp" => html! { <>
                    { field(" to ", &level, peak, "load-level", "") }{ " " }
                    { field(" over ", &minutes, n("minutes", 10), "load-minutes", " min") }
                </> },
                "spike" => html! { <>
                    { field(" peak ", &level, peak, "load-level", "") }{ " " }
                    { field(" after ", &after, n("afterMinutes", 1), "load-after", " min") }{ " " }
                    { field(" for ", &minutes, n("minutes", 8), "load-minutes", " min") }
                </> },
                "daily" => html! { <>
                    { field(" peak ", &level, peak, "load-level", "") }{ " " }
                    { field(" at hour (UTC) ", &hour, n("peakHour", 12), "load-hour", "") }
                </> },
                _ => html! {},
            } }
            { " " }<button type="button" class="small load-offer" onclick={offer}>{ t("Offer") }</button>
            if let Some(profile) = &props.profile {
                <span class="muted load-following">{ format!(" {}{}", t("Following a profile: "), describe(profile)) }</span>
            }
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each shape is the fleet's own profile (the fleet decodes it), and steady sends none.
    #[test]
    fn each_shape_is_a_profile_the_fleet_takes() {
        for shape in SHAPES {
            let action = action("web", 200, shape, [2700, 8, 1, 12]);
            assert_eq!(action["requestsPerSecond"], 200);
            match shape {
                "steady" => assert!(action.get("profile").is_none()),
                _ => {
                    let profile: berth_fleet_sim::LoadProfile =
                        serde_json::from_value(action["profile"].clone()).unwrap();
                    assert_eq!(serde_json::to_value(&profile).unwrap(), action["profile"]);
                }
            }
        }
        assert_eq!(
            describe(
                &json!({"shape": "spike", "peak": 2700, "afterMinutes": 1, "minutes": 8, "base": 200})
            ),
            "spike: 200 peak 2700 after 1 min for 8 min"
        );
        assert_eq!(
            describe(&json!({"shape": "daily", "peak": 900, "peakHour": 9, "base": 100})),
            "daily: 100 peak 900 at hour (UTC) 09:00"
        );
    }
}
