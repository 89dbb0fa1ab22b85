//! What generated argument decoders and schemas are built from.
//!
//! `#[tool]` does not derive `Deserialize`/`JsonSchema` for its argument struct: it emits a
//! small map visitor and an [`InputSchema`] builder call per parameter, each naming the
//! parameter's own type. A type that cannot be an argument then fails exactly where the
//! user wrote it, once, instead of inside derived code.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::{Map, Value};

use super::schema::{sanitize, SchemaObject};

/// Builds a tool's input schema one property at a time.
///
/// ```
/// use mcp_runtime::capability::InputSchema;
///
/// let schema = InputSchema::new()
///     .property::<String>("query", Some("what to look for"), true)
///     .property::<Option<u32>>("limit", None, false)
///     .finish();
/// assert_eq!(schema["required"], serde_json::json!(["query"]));
/// assert_eq!(schema["properties"]["query"]["description"], "what to look for");
/// ```
#[derive(Debug)]
pub struct InputSchema {
    generator: SchemaGenerator,
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl Default for InputSchema {
    fn default() -> Self {
        Self::new()
    }
}

impl InputSchema {
    /// An object schema with no properties yet.
    pub fn new() -> Self {
        InputSchema {
            generator: SchemaSettings::draft2020_12().into_generator(),
            properties: Map::new(),
            required: Vec::new(),
        }
    }

    /// Adds a property of type `T`.
    pub fn property<T: JsonSchema>(
        mut self,
        name: &str,
        description: Option<&str>,
        required: bool,
    ) -> Self {
        let mut schema = self.generator.subschema_for::<T>().to_value();
        if let (Some(text), Value::Object(map)) = (description, &mut schema) {
            map.insert("description".into(), Value::from(text));
        }
        self.properties.insert(name.to_owned(), schema);
        if required {
            self.required.push(Value::from(name));
        }
        self
    }

    /// Marks property `name` as mirrored into the `Mcp-Param-{header}` HTTP header
    /// (`x-mcp-header`).
    pub fn header(mut self, name: &str, header: &str) -> Self {
        if let Some(Value::Object(property)) = self.properties.get_mut(name) {
            property.insert("x-mcp-header".into(), Value::from(header));
        }
        self
    }

    /// The finished schema, sanitised for clients.
    pub fn finish(mut self) -> SchemaObject {
        let mut root = Map::new();
        root.insert("type".into(), Value::from("object"));
        root.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            root.insert("required".into(), Value::Array(self.required));
        }
        let defs = self.generator.take_definitions(true);
        if !defs.is_empty() {
            root.insert("$defs".into(), Value::Object(defs));
        }
        match sanitize(Value::Object(root)) {
            Value::Object(map) => map,
            _ => unreachable!("an object schema stays an object"),
        }
    }
}

/// A key of the arguments object, borrowed from the input when it has no escapes.
#[derive(Debug)]
pub struct ArgumentKey<'de>(pub Cow<'de, str>);

impl std::ops::Deref for ArgumentKey<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ArgumentKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = ArgumentKey<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an argument name")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ArgumentKey(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ArgumentKey(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(ArgumentKey(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The value of an argument the caller left out: `None` for `Option`s, otherwise a
/// "missing field" error.
pub fn missing_argument<'de, T: Deserialize<'de>, E: de::Error>(
    name: &'static str,
) -> Result<T, E> {
    T::deserialize(MissingArgument(name, PhantomData))
}

struct MissingArgument<E>(&'static str, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for MissingArgument<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The `expecting` text of every generated argument visitor.
pub fn expecting_arguments(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("an object of tool arguments")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Args {
        a: i64,
        b: Option<String>,
    }

    // What `#[tool]` generates, written out by hand.
    impl<'de> Deserialize<'de> for Args {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Args;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    expecting_arguments(f)
                }
                fn visit_map<M: de::MapAccess<'de>>(self, mut map: M) -> Result<Args, M::Error> {
                    let mut a = None;
                    let mut b = None;
                    while let Some(key) = map.next_key::<ArgumentKey<'de>>()? {
                        match &*key {
                            "a" if a.is_none() => a = Some(map.next_value::<i64>()?),
                            "b" if b.is_none() => b = Some(map.next_value::<Option<String>>()?),
                            "a" | "b" => {
                                return Err(de::Error::custom(format_args!(
                                    "duplicate argument `{}`",
                                    &*key
                                )))
                            }
                            _ => {
                                map.next_value::<de::IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(Args {
                        a: match a {
                            Some(v) => v,
                            None => missing_argument("a")?,
                        },
                        b: match b {
                            Some(v) => v,
                            None => missing_argument("b")?,
                        },
                    })
                }
            }
            deserializer.deserialize_map(V)
        }
    }

    #[test]
    fn options_may_be_missing_and_others_may_not() {
        let args: Args = serde_json::from_str(r#"{"a": 1}"#).unwrap();
        assert_eq!(args, Args { a: 1, b: None });
        let err = serde_json::from_str::<Args>(r#"{"b": "x"}"#).unwrap_err();
        assert!(err.to_string().starts_with("missing field `a`"), "{err}");
    }

    #[test]
    fn unknown_arguments_are_ignored_and_escaped_keys_work() {
        let args: Args =
            serde_json::from_str(r#"{"\u0061": 2, "zzz": [1, {"x": 2}], "b": "y"}"#).unwrap();
        assert_eq!(
            args,
            Args {
                a: 2,
                b: Some("y".into())
            }
        );
    }

    #[test]
    fn duplicates_are_rejected() {
        let err = serde_json::from_str::<Args>(r#"{"a": 1, "a": 2}"#).unwrap_err();
        assert!(
            err.to_string().starts_with("duplicate argument `a`"),
            "{err}"
        );
    }

    #[test]
    fn nested_types_are_inlined() {
        #[derive(JsonSchema)]
        #[allow(dead_code)]
        struct Point {
            x: u8,
        }
        let schema = InputSchema::new()
            .property::<Vec<Point>>("points", None, true)
            .finish();
        assert_eq!(
            schema["properties"]["points"]["items"]["properties"]["x"]["type"],
            "integer"
        );
        assert!(!schema.contains_key("$defs"));
    }
}
