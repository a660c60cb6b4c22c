//! The AWS Query protocol, which ELBv2 speaks (botocore's `query`): `POST /` with a
//! form-encoded body (`Action=CreateTargetGroup&Version=2015-12-01&Name=web&Port=80`, lists as
//! `Targets.member.1.Id`), answered with XML (`<CreateTargetGroupResponse>` holding
//! `<CreateTargetGroupResult>` and `<ResponseMetadata>`), errors as `<ErrorResponse>`.
//!
//! [`Form`] reads a body into a tree of parameters and is a serde `Deserializer`, so each
//! operation's input is a plain derived struct: text becomes numbers and booleans where the
//! struct asks for them, `member.N` keys become lists in index order. XML is written by
//! quick-xml from the same serde types.

use std::collections::BTreeMap;
use std::fmt;

use quick_xml::events::BytesText;
use quick_xml::Writer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;

use crate::Reply;

/// The XML namespace of ELBv2's responses.
pub const ELB_NAMESPACE: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

/// The content type of a Query protocol response.
pub const XML_CONTENT_TYPE: &str = "text/xml";

/// The most parts a parameter's name has (`A.member.1.B.member.2.C` is 6).
const MAX_KEY_PARTS: usize = 16;

/// The longest parameter name.
const MAX_KEY_BYTES: usize = 512;

/// A form's parameters as a tree: `A.B.1=x` is `A → B → 1 → "x"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A value.
    Leaf(String),
    /// Named (or numbered) children.
    Branch(BTreeMap<String, Node>),
}

/// A form-encoded request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    /// `Action`.
    pub action: Option<String>,
    /// Every other parameter (`Version` included).
    pub parameters: Node,
}

/// Why a form could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormError {
    /// The parameter, as dotted names.
    pub at: String,
    /// Its value, when it had one.
    pub value: String,
    /// What was wrong.
    pub problem: String,
}

impl FormError {
    /// The error, one level further out: `part` is the member (or list index) it was in.
    fn within(mut self, part: &str) -> FormError {
        self.at = if self.at.is_empty() {
            part.to_owned()
        } else {
            format!("{part}.{}", self.at)
        };
        self
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at '{}': {}", self.value, self.at, self.problem)
    }
}

impl std::error::Error for FormError {}

impl de::Error for FormError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        FormError {
            at: String::new(),
            value: String::new(),
            problem: message.to_string(),
        }
    }
}

impl Form {
    /// Reads `body`. A parameter that is both a value and a parent (`A=1&A.B=2`) is refused.
    pub fn parse(body: &[u8]) -> Result<Form, FormError> {
        let mut root = BTreeMap::new();
        let mut action = None;
        for (key, value) in form_urlencoded::parse(body) {
            if key == "Action" {
                action = Some(value.into_owned());
                continue;
            }
            insert(&mut root, &key, value.into_owned())?;
        }
        Ok(Form {
            action,
            parameters: Node::Branch(root),
        })
    }
}

fn insert(mut map: &mut BTreeMap<String, Node>, key: &str, value: String) -> Result<(), FormError> {
    let clash = || FormError {
        at: key.to_owned(),
        value: String::new(),
        problem: "a parameter cannot hold both a value and members".to_owned(),
    };
    // No operation nests deeper than a few levels: a key of a million dots is refused, not
    // built into a tree whose drop would overflow the stack.
    if key.len() > MAX_KEY_BYTES || key.split('.').count() > MAX_KEY_PARTS {
        return Err(FormError {
            at: key.chars().take(64).collect(),
            value: String::new(),
            problem: format!(
                "a parameter name has at most {MAX_KEY_PARTS} parts and {MAX_KEY_BYTES} bytes"
            ),
        });
    }
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            match map.get(part) {
                Some(Node::Branch(_)) => return Err(clash()),
                _ => {
                    map.insert(part.to_owned(), Node::Leaf(value));
                }
            }
            return Ok(());
        }
        let child = map
            .entry(part.to_owned())
            .or_insert_with(|| Node::Branch(BTreeMap::new()));
        match child {
            Node::Branch(inner) => map = inner,
            // `Targets=` (an empty list) followed by its members: the members win.
            Node::Leaf(text) if text.is_empty() => {
                *child = Node::Branch(BTreeMap::new());
                let Node::Branch(inner) = child else {
                    unreachable!()
                };
                map = inner;
            }
            Node::Leaf(_) => return Err(clash()),
        }
    }
    Ok(())
}

/// Deserialises from a [`Node`].
pub struct NodeDeserializer<'a>(pub &'a Node);

impl<'a> NodeDeserializer<'a> {
    fn leaf(&self) -> Result<&'a str, FormError> {
        match self.0 {
            Node::Leaf(text) => Ok(text),
            Node::Branch(_) => Err(de::Error::custom("expected a value, not members")),
        }
    }

    fn parse<T: std::str::FromStr>(&self, expected: &str) -> Result<T, FormError> {
        let text = self.leaf()?;
        text.trim().parse().map_err(|_| FormError {
            at: String::new(),
            value: text.to_owned(),
            problem: format!("Member must be {expected}"),
        })
    }
}

macro_rules! numbers {
    ($($method:ident $visit:ident $ty:ty, $expected:literal;)+) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
            visitor.$visit(self.parse::<$ty>($expected)?)
        })+
    };
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'de> {
    type Error = FormError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        match self.0 {
            Node::Leaf(text) => visitor.visit_borrowed_str(text),
            Node::Branch(map) => visitor.visit_map(Entries::new(map)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        match self.leaf()? {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(FormError {
                at: String::new(),
                value: other.to_owned(),
                problem: "Member must be true or false".to_owned(),
            }),
        }
    }

    numbers! {
        deserialize_u8 visit_u8 u8, "an integer";
        deserialize_u16 visit_u16 u16, "an integer";
        deserialize_u32 visit_u32 u32, "an integer";
        deserialize_u64 visit_u64 u64, "an integer";
        deserialize_i8 visit_i8 i8, "an integer";
        deserialize_i16 visit_i16 i16, "an integer";
        deserialize_i32 visit_i32 i32, "an integer";
        deserialize_i64 visit_i64 i64, "an integer";
        deserialize_f32 visit_f32 f32, "a number";
        deserialize_f64 visit_f64 f64, "a number";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FormError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        match self.0 {
            Node::Leaf(text) if text.is_empty() => visitor.visit_seq(Items(Vec::new().into_iter())),
            Node::Leaf(_) => Err(de::Error::custom("expected a list")),
            Node::Branch(map) => {
                let mut items = Vec::with_capacity(map.len());
                for (index, node) in map {
                    let n: usize = index.parse().map_err(|_| FormError {
                        at: index.clone(),
                        value: String::new(),
                        problem: "a list's members are numbered from 1".to_owned(),
                    })?;
                    items.push((n, (index, node)));
                }
                items.sort_by_key(|(n, _)| *n);
                visitor.visit_seq(Items(
                    items
                        .into_iter()
                        .map(|(_, item)| item)
                        .collect::<Vec<_>>()
                        .into_iter(),
                ))
            }
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        match self.0 {
            Node::Leaf(text) if text.is_empty() => visitor.visit_map(Entries::empty()),
            Node::Leaf(_) => Err(de::Error::custom("expected members")),
            Node::Branch(map) => visitor.visit_map(Entries::new(map)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FormError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FormError> {
        visitor.visit_enum(self.leaf()?.into_deserializer())
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct tuple tuple_struct identifier
    }
}

/// A list's items with their form indices (from 1).
struct Items<'a>(std::vec::IntoIter<(&'a String, &'a Node)>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = FormError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, FormError> {
        self.0
            .next()
            .map(|(index, node)| {
                seed.deserialize(NodeDeserializer(node))
                    .map_err(|e| e.within(index))
            })
            .transpose()
    }
}

struct Entries<'a> {
    entries: Vec<(&'a String, &'a Node)>,
    next: usize,
}

impl<'a> Entries<'a> {
    fn new(map: &'a BTreeMap<String, Node>) -> Entries<'a> {
        Entries {
            entries: map.iter().collect(),
            next: 0,
        }
    }

    fn empty() -> Entries<'a> {
        Entries {
            entries: Vec::new(),
            next: 0,
        }
    }
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = FormError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, FormError> {
        let Some((key, _)) = self.entries.get(self.next) else {
            return Ok(None);
        };
        seed.deserialize(key.as_str().into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, FormError> {
        let (key, node) = self.entries[self.next];
        self.next += 1;
        seed.deserialize(NodeDeserializer(node))
            .map_err(|e| e.within(key))
    }
}

/// Reads `T` from a form's parameters; a problem names the parameter as the form does
/// (`Port`, `Targets.member.1.Port`).
pub fn read<'de, T: serde::Deserialize<'de>>(parameters: &'de Node) -> Result<T, FormError> {
    T::deserialize(NodeDeserializer(parameters))
}

/// A success: `<{action}Response><{action}Result>…</{action}Result><ResponseMetadata>…`.
pub fn xml_result(
    action: &str,
    namespace: &str,
    result: &impl Serialize,
    request_id: &str,
) -> Reply {
    let mut writer = Writer::new(Vec::new());
    let written = writer
        .create_element(format!("{action}Response"))
        .with_attribute(("xmlns", namespace))
        .write_inner_content(|w| {
            w.write_serializable(&format!("{action}Result"), result)
                .map_err(std::io::Error::other)?;
            w.create_element("ResponseMetadata")
                .write_inner_content(|w| {
                    w.create_element("RequestId")
                        .write_text_content(BytesText::new(request_id))?;
                    Ok(())
                })?;
            Ok(())
        });
    match written {
        Ok(_) => Reply {
            status: 200,
            body: String::from_utf8(writer.into_inner()).expect("quick-xml writes UTF-8"),
        },
        Err(error) => xml_error(
            500,
            "InternalFailure",
            &format!("the response could not be written: {error}"),
            namespace,
            request_id,
        ),
    }
}

/// An error: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>` (the
/// request id beside the error, not in metadata: FACTS §3.3).
pub fn xml_error(
    status: u16,
    code: &str,
    message: &str,
    namespace: &str,
    request_id: &str,
) -> Reply {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Body<'a> {
        #[serde(rename = "Type")]
        fault: &'a str,
        code: &'a str,
        message: &'a str,
    }
    let fault = if status >= 500 { "Receiver" } else { "Sender" };
    let mut writer = Writer::new(Vec::new());
    writer
        .create_element("ErrorResponse")
        .with_attribute(("xmlns", namespace))
        .write_inner_content(|w| {
            w.write_serializable(
                "Error",
                &Body {
                    fault,
                    code,
                    message,
                },
            )
            .map_err(std::io::Error::other)?;
            w.create_element("RequestId")
                .write_text_content(BytesText::new(request_id))?;
            Ok(())
        })
        .expect("an error of three texts is always written");
    Reply {
        status,
        body: String::from_utf8(writer.into_inner()).expect("quick-xml writes UTF-8"),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase", default)]
    struct Input {
        name: Option<String>,
        port: Option<u32>,
        enabled: Option<bool>,
        targets: Option<List<Target>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct List<T> {
        member: Vec<T>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Target {
        id: String,
        port: Option<u32>,
    }

    fn read_input(body: &str) -> Result<Input, FormError> {
        let form = Form::parse(body.as_bytes())?;
        read(&form.parameters)
    }

    /// Numbers, booleans and numbered lists come from text, in index order (10 after 2).
    #[test]
    fn a_form_reads_into_typed_members() {
        let input = read_input(
            "Action=X&Name=web&Port=80&Enabled=true&Targets.member.10.Id=c&Targets.member.2.Id=b&Targets.member.1.Id=a&Targets.member.1.Port=8080",
        )
        .unwrap();
        assert_eq!(input.name.as_deref(), Some("web"));
        assert_eq!(input.port, Some(80));
        assert_eq!(input.enabled, Some(true));
        let ids: Vec<&str> = input
            .targets
            .as_ref()
            .unwrap()
            .member
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(input.targets.unwrap().member[0].port, Some(8080));
    }

    /// A bad number names its parameter and value.
    #[test]
    fn a_bad_value_names_its_parameter() {
        let error = read_input("Targets.member.1.Id=a&Targets.member.1.Port=eighty").unwrap_err();
        assert_eq!(error.at, "Targets.member.1.Port");
        assert_eq!(error.value, "eighty");
        let error = read_input("Port=80&Port.X=1").unwrap_err();
        assert!(
            error.problem.contains("both a value and members"),
            "{error}"
        );
        assert!(read_input("Enabled=yes").is_err());
        let deep = format!("{}=1", ".".repeat(1_000_000));
        assert!(read_input(&deep)
            .unwrap_err()
            .problem
            .contains("at most 16 parts"));
    }

    /// The envelopes botocore's query parser reads.
    #[test]
    fn results_and_errors_are_wrapped_as_the_query_protocol_does() {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Out {
            names: List2,
        }
        #[derive(Serialize)]
        struct List2 {
            member: Vec<&'static str>,
        }
        let reply = xml_result(
            "DescribeThings",
            ELB_NAMESPACE,
            &Out {
                names: List2 {
                    member: vec!["a", "b<"],
                },
            },
            "rid",
        );
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.body,
            "<DescribeThingsResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><DescribeThingsResult><Names><member>a</member><member>b&lt;</member></Names></DescribeThingsResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></DescribeThingsResponse>"
        );
        let error = xml_error(
            400,
            "TargetGroupNotFound",
            "One or more target groups not found",
            ELB_NAMESPACE,
            "rid",
        );
        assert_eq!(
            error.body,
            "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>Sender</Type><Code>TargetGroupNotFound</Code><Message>One or more target groups not found</Message></Error><RequestId>rid</RequestId></ErrorResponse>"
        );
    }
}
