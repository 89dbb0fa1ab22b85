//! The macro support, exercised as generated code uses it.

use super::*;
use crate::protocol::CallToolResult;

struct Shared(&'static str);

fn describe() -> ToolDescriptor {
    ToolDescriptor::new("echo", "Echoes the shared value.")
}

fn handle(this: Arc<Shared>, _: ToolCall) -> ToolFuture {
    Box::pin(async move { CallToolResult::success(vec![crate::protocol::Content::text(this.0)]) })
}

#[test]
fn a_method_describes_itself_and_shows_its_kind() {
    let method = Method::new(Arc::new(Shared("x")), describe, handle);
    assert_eq!(ToolHandler::descriptor(&method).name(), "echo");
    assert!(
        format!("{method:?}").contains("ToolDescriptor"),
        "{method:?}"
    );
}

#[test]
fn input_schemas_are_built_one_property_at_a_time() {
    let schema = InputSchema::new()
        .property::<String>("query", Some("what to look for"), true)
        .property::<Option<u32>>("limit", None, false)
        .finish();
    assert_eq!(schema["required"], serde_json::json!(["query"]));
    assert_eq!(
        schema["properties"]["query"]["description"],
        "what to look for"
    );
}

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
