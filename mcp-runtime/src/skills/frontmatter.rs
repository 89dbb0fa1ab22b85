//! The YAML frontmatter of a `SKILL.md`: read into a JSON object, or written from one.

use serde_json::{Map, Value};

/// Reads the frontmatter at the top of `text`: a `---` line, YAML, and a closing `---`
/// line. Fails with the rule it breaks.
pub(super) fn parse(text: &str) -> Result<Map<String, Value>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let after_open = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or("SKILL.md must begin with YAML frontmatter: a `---` line, the YAML, then another `---` line")?;
    let yaml =
        closing(after_open).ok_or("the YAML frontmatter of SKILL.md has no closing `---` line")?;
    let value: Value = serde_yaml_ng::from_str(yaml)
        .map_err(|e| format!("the YAML frontmatter of SKILL.md cannot be read as JSON: {e}"))?;
    let Value::Object(fields) = value else {
        return Err("the YAML frontmatter of SKILL.md must be a mapping of fields".into());
    };
    for field in ["name", "description"] {
        match fields.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            _ => {
                return Err(format!(
                    "the frontmatter of SKILL.md must have a non-empty string `{field}`"
                ))
            }
        }
    }
    Ok(fields)
}

/// The YAML before the first line that is `---` (trailing spaces and tabs allowed).
fn closing(after_open: &str) -> Option<&str> {
    let mut start = 0;
    for line in after_open.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare.trim_end_matches([' ', '\t']) == "---" {
            let yaml = &after_open[..start];
            return Some(yaml.strip_suffix('\n').unwrap_or(yaml));
        }
        start += line.len();
    }
    None
}

/// A `SKILL.md` made of `fields` (in this order) as YAML frontmatter and `body`.
pub(super) fn render(fields: &[(String, Value)], body: &str) -> Result<String, String> {
    let mut mapping = serde_yaml_ng::Mapping::new();
    for (key, value) in fields {
        let value = serde_yaml_ng::to_value(value)
            .map_err(|e| format!("the frontmatter field `{key}` cannot be written as YAML: {e}"))?;
        mapping.insert(serde_yaml_ng::Value::String(key.clone()), value);
    }
    let yaml = serde_yaml_ng::to_string(&mapping)
        .map_err(|e| format!("the frontmatter cannot be written as YAML: {e}"))?;
    let separator = if body.is_empty() { "" } else { "\n" };
    Ok(format!("---\n{yaml}---\n{separator}{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_fields_verbatim() {
        let fields = parse(
            "---\nname: pdf\ndescription: \"PDFs: fill them\"\nmetadata:\n  version: \"2.1\"\n---\n# body\n",
        )
        .unwrap();
        assert_eq!(
            Value::Object(fields),
            json!({"name": "pdf", "description": "PDFs: fill them", "metadata": {"version": "2.1"}})
        );
    }

    #[test]
    fn crlf_bom_and_trailing_spaces_are_accepted() {
        let fields = parse("\u{feff}---\r\nname: a\r\ndescription: b\r\n---  \r\nbody").unwrap();
        assert_eq!(fields["name"], "a");
    }

    #[test]
    fn missing_pieces_are_named() {
        for (text, says) in [
            ("# no frontmatter", "must begin"),
            ("---\nname: a\ndescription: b\n", "no closing"),
            ("---\n- a\n---\n", "mapping"),
            ("---\nname: a\n---\n", "`description`"),
            ("---\nname: \"\"\ndescription: b\n---\n", "`name`"),
            ("---\nname: [a\n---\n", "cannot be read"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(says), "{text:?}: {error}");
        }
    }

    #[test]
    fn rendered_frontmatter_reads_back() {
        let fields = [
            ("name".to_owned(), json!("git-workflow")),
            (
                "description".to_owned(),
                json!("Branches: `topic/...` --- always"),
            ),
        ];
        let text = render(&fields, "# Git\n").unwrap();
        assert!(text.starts_with("---\nname: git-workflow\n"), "{text}");
        assert!(text.ends_with("---\n\n# Git\n"), "{text}");
        assert_eq!(parse(&text).unwrap()["description"], fields[1].1);
    }
}
