//! `service_operations!`: one list of an AWS service's operations declares its `Request` and
//! `Response` enums, the operations' names, decoding by name and which ones only read. ELB and
//! CloudWatch both declare theirs with it (ECS's, with its own body decoding, is in
//! berth-control-plane).

/// Declares a service's operations from one list:
/// `Name(Input) -> Output, read: bool;` per operation, each with its doc. Makes `Request` (one
/// variant per operation, carrying its input), `Response` (serialised untagged as the output's
/// members), `Request::OPERATIONS`, `Request::known(name)`, `Request::decode(name, any serde
/// input)` (`None` for an unknown name), `Request::operation` and `Request::is_read_only`.
#[macro_export]
macro_rules! service_operations {
    ($service:literal; $($(#[$meta:meta])* $name:ident($input:ident) -> $output:ident, read: $read:literal;)+) => {
        #[doc = concat!("A ", $service, " request (made once and moved once: not boxed).")]
        #[allow(clippy::large_enum_variant)]
        #[derive(Clone, Debug, PartialEq)]
        pub enum Request {
            $($(#[$meta])* $name($input),)+
        }

        #[doc = concat!("A ", $service, " response: serialises as the operation's output members.")]
        #[derive(Clone, Debug, PartialEq, serde::Serialize)]
        #[serde(untagged)]
        pub enum Response {
            $($(#[$meta])* $name($output),)+
        }

        impl Request {
            /// Every operation's name.
            pub const OPERATIONS: &'static [&'static str] = &[$(stringify!($name)),+];

            /// The operation named `name`, as the `'static` name it is known by; `None` for
            /// an operation Berth does not know.
            pub fn known(name: &str) -> Option<&'static str> {
                Self::OPERATIONS.iter().find(|o| **o == name).copied()
            }

            /// The request `operation` names, read from `input` (any serde form: JSON, CBOR,
            /// the Query protocol's tree). `None` for an operation Berth does not know.
            pub fn decode<'de, D: serde::Deserializer<'de>>(
                operation: &str,
                input: D,
            ) -> Option<Result<Request, D::Error>> {
                Some(match operation {
                    $(stringify!($name) => <$input as serde::Deserialize>::deserialize(input).map(Request::$name),)+
                    _ => return None,
                })
            }

            /// The operation's name.
            pub fn operation(&self) -> &'static str {
                match self {
                    $(Request::$name(_) => stringify!($name),)+
                }
            }

            /// True for operations that change nothing (not journalled).
            pub fn is_read_only(&self) -> bool {
                match self {
                    $(Request::$name(_) => $read,)+
                }
            }
        }
    };
}
