//! `ecs_enum!`: ECS's string enums, read leniently and judged strictly.
//!
//! A value outside the enum (`"networkMode": "awsvpcc"`) must not stop parsing: it is kept as
//! `Unknown(text)` so validation can report it, beside every other problem in the document,
//! with ECS's own wording. A derived serde enum would instead abort on the first bad value.

/// Declares `enum $name { $variant, ..., Unknown(String) }` with the exact wire strings,
/// `as_str`, `ALL` (the known wire strings, in the model's order) and serde impls. Exported:
/// the other AWS services' enums (berth-elb's) are read the same way.
#[macro_export]
macro_rules! ecs_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $wire, "`")] $variant,)+
            /// A value ECS does not accept; kept so validation can name it.
            Unknown(String),
        }

        impl $name {
            /// The values ECS accepts, as written on the wire.
            pub const ALL: &'static [&'static str] = &[$($wire),+];

            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown(text) => text,
                }
            }

            /// Reads a wire string (exact match, as ECS does).
            pub fn from_wire(text: &str) -> $name {
                match text {
                    $($wire => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// True when the value is one ECS accepts.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok($name::from_wire(&text))
            }
        }
    };
}

pub(crate) use crate::ecs_enum;
