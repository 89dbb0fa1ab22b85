//! Tool and prompt arguments from the command line: `KEY=VALUE` pairs, or one JSON object.

use serde_json::{Map, Value};

use super::Error;

/// The arguments of `--args JSON`: a JSON object.
pub(super) fn args_object(text: &str) -> Result<Value, Error> {
    match serde_json::from_str::<Value>(text) {
        Ok(object @ Value::Object(_)) => Ok(object),
        _ => Err(Error::Usage(format!(
            "--args takes a JSON object, such as '{{\"a\": 2}}', not `{text}`"
        ))),
    }
}

/// Splits `KEY=VALUE` at the first `=`.
pub(super) fn split_pair(pair: &str) -> Result<(&str, &str), Error> {
    match pair.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key, value)),
        _ => Err(Error::Usage(format!(
            "`{pair}` is not KEY=VALUE: write the argument as name=value (or pass --args JSON)"
        ))),
    }
}

/// Tool arguments from `KEY=VALUE` pairs: each value is read as JSON when it parses
/// (`a=2`, `flag=true`, `list=[1,2]`), else taken as a string (`city=Paris`), and always
/// taken as a string when the input schema types the property as one (`zip=01234`).
pub fn arguments(pairs: &[String], schema: Option<&Value>) -> Result<Value, Error> {
    let mut arguments = Map::new();
    for pair in pairs {
        let (key, text) = split_pair(pair)?;
        let property = schema.map(|schema| &schema["properties"][key]);
        let string_typed = property.is_some_and(|property| match &property["type"] {
            Value::String(kind) => kind == "string",
            Value::Array(kinds) => kinds
                .iter()
                .filter(|kind| *kind != "null")
                .eq([&Value::from("string")]),
            _ => false,
        });
        let value = match serde_json::from_str::<Value>(text) {
            Ok(value) if !string_typed => value,
            _ => Value::String(text.to_owned()),
        };
        if arguments.insert(key.to_owned(), value).is_some() {
            return Err(Error::Usage(format!(
                "the argument `{key}` is given twice: give each argument once"
            )));
        }
    }
    Ok(Value::Object(arguments))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_json_unless_the_schema_says_string() {
        let schema = json!({"properties": {
            "zip": {"type": "string"},
            "maybe": {"type": ["string", "null"]},
            "n": {"type": "number"},
        }});
        let pairs: Vec<String> = [
            "zip=01234",
            "maybe=true",
            "n=2.5",
            "other=hello",
            "list=[1,2]",
        ]
        .map(str::to_owned)
        .into();
        assert_eq!(
            arguments(&pairs, Some(&schema)).unwrap(),
            json!({"zip": "01234", "maybe": "true", "n": 2.5, "other": "hello", "list": [1, 2]})
        );
        assert_eq!(
            arguments(&["eq==".to_owned()], None).unwrap(),
            json!({"eq": "="})
        );
    }

    #[test]
    fn bad_pairs_are_usage_errors() {
        for bad in ["a2", "=2"] {
            let error = arguments(&[bad.to_owned()], None).unwrap_err();
            assert!(matches!(error, Error::Usage(_)), "{bad}");
            assert!(error.to_string().contains("KEY=VALUE"), "{error}");
        }
        let twice = ["a=1".to_owned(), "a=2".to_owned()];
        assert!(arguments(&twice, None).is_err());
    }
}
