//! Hugo's TOML front matter (`+++` ... `+++`) read into the same spanned tree as YAML, so
//! every rule and stage reads both alike.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::yaml::{Key, Node, Value, YamlError};

/// Parses TOML `text`, which starts at byte `base` of the original file.
pub fn parse(text: &str, base: usize) -> Result<Node, YamlError> {
    match DeTable::parse(text) {
        Ok(table) => {
            let span = shift(table.span(), base, text);
            Ok(Node {
                value: map(table.into_inner(), base, text),
                span,
            })
        }
        Err(err) => Err(YamlError {
            message: first_line(err.message()),
            offset: err.span().map(|s| base + s.start.min(text.len())),
        }),
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

/// A span of the TOML text as a span of the file (an empty span covers one byte, so labels
/// have something to point at).
fn shift(span: Range<usize>, base: usize, text: &str) -> Range<usize> {
    let start = span.start.min(text.len());
    let end = span.end.min(text.len()).max(start);
    let end = if end == start {
        (start + 1).min(text.len())
    } else {
        end
    };
    base + start..base + end
}

fn map(table: DeTable<'_>, base: usize, text: &str) -> Value {
    Value::Map(
        table
            .into_iter()
            .map(|(key, value)| {
                let key = Key::new(key.get_ref().to_string(), shift(key.span(), base, text));
                (key, node(value, base, text))
            })
            .collect(),
    )
}

fn node(value: Spanned<DeValue<'_>>, base: usize, text: &str) -> Node {
    let span = shift(value.span(), base, text);
    let value = match value.into_inner() {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .map_or_else(|_| Value::Str(i.as_str().to_string()), Value::Int),
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse()
            .map_or_else(|_| Value::Str(f.as_str().to_string()), Value::Float),
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(d) => Value::Str(d.to_string()),
        DeValue::Array(items) => {
            Value::Seq(items.into_iter().map(|i| node(i, base, text)).collect())
        }
        DeValue::Table(table) => map(table, base, text),
    };
    Node { value, span }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_becomes_the_spanned_tree() {
        let text = "title = \"Outage\"\ndate = 2019-05-01T10:00:00Z\ntags = [\"db\", \"api\"]\nweight = 3\ndraft = false\n[[follow_ups]]\naction = \"x\"\n";
        let node = parse(text, 4).unwrap();
        let (key, title) = node.get("title").unwrap();
        assert_eq!(key.span, 4..9);
        assert_eq!(title.as_str(), Some("Outage"));
        assert_eq!(
            node.get("date").unwrap().1.as_str(),
            Some("2019-05-01T10:00:00Z")
        );
        assert_eq!(node.get("tags").unwrap().1.as_seq().unwrap().len(), 2);
        assert_eq!(node.get("weight").unwrap().1.value, Value::Int(3));
        assert_eq!(node.get("draft").unwrap().1.value, Value::Bool(false));
        let follow_ups = node.get("follow_ups").unwrap().1.as_seq().unwrap();
        assert_eq!(follow_ups[0].get("action").unwrap().1.as_str(), Some("x"));
    }

    #[test]
    fn bad_toml_is_an_error_with_a_place() {
        let err = parse("title = \n", 10).unwrap_err();
        assert!(err.offset.is_some_and(|o| o >= 10), "{err:?}");
        assert!(!err.message.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_fails_without_panicking(text in "\\PC{0,64}") {
            if let Ok(node) = parse(&text, 3) {
                proptest::prop_assert!(node.span.end <= text.len() + 3);
            }
        }
    }
}
