//! A spanned YAML tree for front matter.
//!
//! serde-saphyr deserializes into this tree (instead of straight into a typed struct) so that a
//! wrong type in one field becomes one precise finding while every other field is still checked.
//! Every node keeps its byte span in the original file.

use std::ops::Range;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A YAML value with its byte span in the original file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Range<usize>,
}

/// A mapping key with its byte span in the original file.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The name opsbook reads it as: the field an alias in opsbook.toml maps it to, or the
    /// name as written.
    pub name: String,
    pub span: Range<usize>,
    /// The name as written in the file, when it is an alias of `name`.
    pub written: Option<String>,
}

impl Key {
    pub fn new(name: impl Into<String>, span: Range<usize>) -> Key {
        Key {
            name: name.into(),
            span,
            written: None,
        }
    }

    /// The key for messages: `` `started_at` ``, or `` `start_time` (read as `started_at`) ``
    /// for an alias, so a finding names both the team's key and opsbook's.
    pub fn label(&self) -> String {
        match &self.written {
            Some(written) => format!("`{written}` (read as `{}`)", self.name),
            None => format!("`{}`", self.name),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

impl Value {
    /// The YAML type in words, for diagnostics ("a list", "a number", ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "empty (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entry of a mapping node by key.
    pub fn get(&self, key: &str) -> Option<(&Key, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(k, v)| (k, v))
    }

    /// Null, a blank string, an empty list or an empty mapping.
    pub fn is_empty(&self) -> bool {
        match &self.value {
            Value::Null => true,
            Value::Str(s) => s.trim().is_empty(),
            Value::Seq(items) => items.is_empty(),
            Value::Map(entries) => entries.is_empty(),
            _ => false,
        }
    }

    /// A scalar as text: strings as they are, numbers and booleans printed.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// Errors from [`parse`]: the message and, when known, the byte offset in the original file.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub message: String,
    pub offset: Option<usize>,
}

/// Limits that keep a hostile front matter (alias bombs, deep nesting) from exhausting the machine.
fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_depth: 64,
            max_nodes: 250_000,
            max_total_scalar_bytes: 8 * 1024 * 1024,
        },
    };
    options.alias_limits.max_total_replayed_events = 100_000;
    options
}

/// Parses `yaml`, which starts at byte `base` of the original file, into a spanned tree.
///
/// Plain front matter (mappings, lists, strings, dates, whole numbers) is built straight from
/// the YAML parser's events, which is about three times faster than going through serde; the
/// result is the same tree with the same spans. Anything else (anchors, aliases, tags, block
/// scalars, scalars that may be booleans, numbers or null, odd keys, duplicate keys, errors)
/// goes through serde-saphyr with its budgets and its messages.
pub fn parse(yaml: &str, base: usize) -> Result<Node, YamlError> {
    match fast::parse(yaml, base) {
        Some(node) => Ok(node),
        None => parse_with_serde(yaml, base),
    }
}

/// The fast path of [`parse`] alone: `None` when it leaves the text to serde-saphyr.
pub fn parse_fast(yaml: &str, base: usize) -> Option<Node> {
    fast::parse(yaml, base)
}

/// [`parse`] without the fast path: always serde-saphyr (the tests compare the two).
pub fn parse_with_serde(yaml: &str, base: usize) -> Result<Node, YamlError> {
    match serde_saphyr::from_str_with_options::<Spanned<RawNode>>(yaml, options()) {
        Ok(raw) => Ok(convert(raw, yaml, base)),
        Err(err) => Err(yaml_error(&err, yaml, base)),
    }
}

/// Parses every document of a YAML stream (`---` between documents, as Kubernetes manifests
/// and rule files are written), with spans in `yaml` itself and the same budgets as
/// [`parse`], which they share across the whole stream. Empty documents are left out. A syntax
/// error anywhere is one error for the whole stream.
pub fn parse_documents(yaml: &str) -> Result<Vec<Node>, YamlError> {
    match serde_saphyr::from_multiple_with_options::<Spanned<RawNode>>(yaml, options()) {
        Ok(documents) => Ok(documents
            .into_iter()
            .map(|raw| convert(raw, yaml, 0))
            .collect()),
        Err(err) => Err(yaml_error(&err, yaml, 0)),
    }
}

fn yaml_error(err: &serde_saphyr::Error, yaml: &str, base: usize) -> YamlError {
    let offset =
        err.location()
            .and_then(|loc| {
                loc.span().byte_offset().map(|o| o as usize).or_else(|| {
                    line_column_to_offset(yaml, loc.line() as usize, loc.column() as usize)
                })
            })
            .map(|o| base + o.min(yaml.len()));
    YamlError {
        message: first_line(&err.to_string()),
        offset,
    }
}

/// Byte offset of a 1-based line and (character) column.
fn line_column_to_offset(text: &str, line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let line_start = if line == 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let rest = &text[line_start..];
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(line_start + within)
}

fn first_line(message: &str) -> String {
    // serde-saphyr puts its own location in the message ("error: line 3 column 6: ..." or
    // "... at line 3, column 7"); miette shows the location as a label, so drop it.
    let mut line = message.lines().next().unwrap_or(message).trim();
    line = line.strip_prefix("error: ").unwrap_or(line);
    if line.starts_with("line ")
        && let Some(idx) = line.find(": ")
    {
        line = &line[idx + 2..];
    }
    if let Some(idx) = line.find(" at line ") {
        line = &line[..idx];
    }
    // Advice aimed at programs using the library, not at people writing YAML.
    if let Some(idx) = line.find(", set DuplicateKeyPolicy") {
        line = &line[..idx];
    }
    if let Some(key) = line.strip_prefix("duplicate mapping key: ") {
        return format!("`{key}` appears twice");
    }
    line.trim_end_matches([';', ',', ' ']).to_string()
}

fn span_of<T>(spanned: &Spanned<T>, yaml: &str, base: usize) -> Range<usize> {
    let span = spanned.referenced.span();
    let start = span.byte_offset().map(|o| o as usize).unwrap_or(0);
    let len = span.byte_len().map(|l| l as usize).unwrap_or(0);
    byte_span(start, len, yaml, base)
}

/// The span of a node that starts at byte `start` of `yaml` and is `len` bytes long.
fn byte_span(start: usize, len: usize, yaml: &str, base: usize) -> Range<usize> {
    let start = start.min(yaml.len());
    let mut end = (start + len).min(yaml.len());
    if end <= start {
        // Collections report only their start; point at the rest of that line instead.
        end = yaml[start..]
            .find(['\n', '\r'])
            .map_or(yaml.len(), |i| start + i);
        if end == start {
            end = (start + 1).min(yaml.len());
        }
    }
    base + start..base + end
}

fn convert(raw: Spanned<RawNode>, yaml: &str, base: usize) -> Node {
    let span = span_of(&raw, yaml, base);
    let value = match raw.value {
        RawNode::Null => Value::Null,
        RawNode::Bool(b) => Value::Bool(b),
        RawNode::Int(i) => Value::Int(i),
        RawNode::Float(f) => Value::Float(f),
        RawNode::Str(s) => Value::Str(s),
        RawNode::Seq(items) => Value::Seq(exact(
            items.into_iter().map(|i| convert(i, yaml, base)).collect(),
        )),
        RawNode::Map(entries) => Value::Map(exact(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let span = span_of(&k, yaml, base);
                    let key = Key::new(k.value, span);
                    (key, convert(v, yaml, base))
                })
                .collect(),
        )),
    };
    Node { value, span }
}

/// `items` without spare capacity: trees are held until the lint ends, and a collect that
/// reuses the larger source allocation in place would keep all of it.
fn exact<T>(mut items: Vec<T>) -> Vec<T> {
    items.shrink_to_fit();
    items
}

/// The fast path of [`parse`]: the parser's events straight into a [`Node`] tree, or `None`
/// when the text needs serde-saphyr.
mod fast {
    use std::borrow::Cow;

    use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span};

    use super::{Key, Node, Value, byte_span};

    /// Larger front matter goes through serde-saphyr and its budgets.
    const MAX_BYTES: usize = 64 * 1024;
    const MAX_DEPTH: usize = 16;

    enum Frame {
        Seq(Vec<Node>, std::ops::Range<usize>),
        /// Entries, span, and the key waiting for its value.
        Map(Vec<(Key, Node)>, std::ops::Range<usize>, Option<Key>),
    }

    pub(super) fn parse(yaml: &str, base: usize) -> Option<Node> {
        if yaml.len() > MAX_BYTES || yaml.contains('\u{feff}') {
            return None;
        }
        let mut stack: Vec<Frame> = Vec::new();
        let mut root: Option<Node> = None;
        let mut documents = 0;
        for item in Parser::new_from_str(yaml) {
            let (event, span) = item.ok()?;
            match event {
                Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
                Event::DocumentStart(explicit, version) => {
                    documents += 1;
                    if documents > 1 || explicit || version.is_some() {
                        return None;
                    }
                }
                Event::Scalar(text, style, anchor, tag) => {
                    if anchor != 0 || tag.is_some() {
                        return None;
                    }
                    let span = range(&span, yaml, base)?;
                    if let Some(Frame::Map(entries, _, pending @ None)) = stack.last_mut() {
                        // A key: a plain word that cannot mean anything but itself.
                        if style != ScalarStyle::Plain
                            || !is_word_key(&text)
                            || entries.iter().any(|(k, _)| k.name == text)
                        {
                            return None;
                        }
                        *pending = Some(Key::new(text.into_owned(), span));
                        continue;
                    }
                    let value = scalar(text, style)?;
                    add(&mut stack, &mut root, Node { value, span })?;
                }
                Event::SequenceStart(_, anchor, ref tag)
                | Event::MappingStart(_, anchor, ref tag) => {
                    if anchor != 0 || tag.is_some() || stack.len() >= MAX_DEPTH || at_key(&stack) {
                        return None;
                    }
                    let span = range(&span, yaml, base)?;
                    stack.push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq(Vec::new(), span)
                    } else {
                        Frame::Map(Vec::new(), span, None)
                    });
                }
                Event::SequenceEnd => {
                    let Some(Frame::Seq(items, span)) = stack.pop() else {
                        return None;
                    };
                    let node = Node {
                        value: Value::Seq(super::exact(items)),
                        span,
                    };
                    add(&mut stack, &mut root, node)?;
                }
                Event::MappingEnd => {
                    let Some(Frame::Map(entries, span, None)) = stack.pop() else {
                        return None;
                    };
                    let node = Node {
                        value: Value::Map(super::exact(entries)),
                        span,
                    };
                    add(&mut stack, &mut root, node)?;
                }
                _ => return None,
            }
        }
        if documents != 1 || !stack.is_empty() {
            return None;
        }
        root
    }

    fn at_key(stack: &[Frame]) -> bool {
        matches!(stack.last(), Some(Frame::Map(_, _, None)))
    }

    fn add(stack: &mut [Frame], root: &mut Option<Node>, node: Node) -> Option<()> {
        match stack.last_mut() {
            None if root.is_none() => *root = Some(node),
            None => return None,
            Some(Frame::Seq(items, _)) => items.push(node),
            Some(Frame::Map(entries, _, pending)) => entries.push((pending.take()?, node)),
        }
        Some(())
    }

    /// The span as serde-saphyr reports it: the event's bytes.
    fn range(span: &Span, yaml: &str, base: usize) -> Option<std::ops::Range<usize>> {
        let start = span.start.byte_offset()?;
        let end = span.end.byte_offset()?;
        Some(byte_span(start, end.saturating_sub(start), yaml, base))
    }

    /// YAML words that resolve to something other than a string (YAML 1.1 and 1.2 booleans,
    /// null, and the alphabetic spellings of infinity and not-a-number).
    fn is_special(word: &str) -> bool {
        [
            "true", "false", "yes", "no", "y", "n", "on", "off", "null", "inf", "infinity", "nan",
        ]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
    }

    fn is_word_key(text: &str) -> bool {
        text.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && !is_special(text)
    }

    /// A scalar value, or `None` when only serde-saphyr knows how it resolves.
    fn scalar(text: Cow<'_, str>, style: ScalarStyle) -> Option<Value> {
        match style {
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                Some(Value::Str(text.into_owned()))
            }
            ScalarStyle::Plain => {
                let t: &str = &text;
                if matches!(t, "" | "~" | "null" | "Null" | "NULL") {
                    return Some(Value::Null);
                }
                let bytes = t.as_bytes();
                if bytes.iter().all(u8::is_ascii_digit)
                    && bytes.len() <= 18
                    && (bytes.len() == 1 || bytes[0] != b'0')
                {
                    return t.parse().ok().map(Value::Int);
                }
                // Numbers only hold the letters of hexadecimal, radix prefixes, `inf` and
                // `nan`; a plain scalar with any other letter, or starting with a letter,
                // is a string unless it is one of the special words.
                let impossible_letter = bytes
                    .iter()
                    .any(|b| b.is_ascii_alphabetic() && !b"abcdefinoxABCDEFINOX".contains(b));
                let text_like = (bytes[0].is_ascii_alphabetic() || impossible_letter)
                    && !is_special(t)
                    && !t.contains("${");
                if text_like || is_date_or_timestamp(t) {
                    return Some(Value::Str(text.into_owned()));
                }
                None
            }
            _ => None,
        }
    }

    /// `YYYY-MM-DD`, or `YYYY-MM-DDThh:mm:ss[.f](Z|+hh:mm|-hh:mm)`.
    fn is_date_or_timestamp(t: &str) -> bool {
        let b = t.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() < 10 || !digits(0..4) || b[4] != b'-' || !digits(5..7) || b[7] != b'-' {
            return false;
        }
        if !digits(8..10) {
            return false;
        }
        if b.len() == 10 {
            return true;
        }
        (b[10] == b'T' || b[10] == b't')
            && b[11..]
                .iter()
                .all(|c| c.is_ascii_digit() || b":.+-Zz".contains(c))
    }
}

/// The tree as serde-saphyr hands it over, before spans are made absolute.
enum RawNode {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<RawNode>>),
    Map(Vec<(Spanned<String>, Spanned<RawNode>)>),
}

/// A key of any scalar type, kept as text (`1: x` has the key "1").
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a scalar key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<KeyText, E> {
                Ok(KeyText(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".to_string()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawNode;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawNode, E> {
        Ok(RawNode::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or(RawNode::Float(v as f64), RawNode::Int))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or(RawNode::Float(v as f64), RawNode::Int))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or(RawNode::Float(v as f64), RawNode::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<RawNode, E> {
        Ok(RawNode::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        RawNode::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        RawNode::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawNode>>()? {
            items.push(item);
        }
        Ok(RawNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Spanned<RawNode>>()?;
            let key = Spanned::new(key.value.0, key.referenced, key.defined);
            entries.push((key, value));
        }
        Ok(RawNode::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<'a>(src: &'a str, span: &Range<usize>) -> &'a str {
        &src[span.clone()]
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let src = "title: Hello world\nseverity: SEV2\nservices: [a, b]\n";
        let node = parse(src, 0).unwrap();
        let (key, value) = node.get("severity").unwrap();
        assert_eq!(text(src, &key.span), "severity");
        assert_eq!(text(src, &value.span), "SEV2");
        let (_, services) = node.get("services").unwrap();
        let items = services.as_seq().unwrap();
        assert_eq!(text(src, &items[1].span), "b");
    }

    #[test]
    fn base_offset_is_added() {
        let src = "---\ntitle: x\n";
        let node = parse(&src[4..], 4).unwrap();
        let (key, value) = node.get("title").unwrap();
        assert_eq!(text(src, &key.span), "title");
        assert_eq!(text(src, &value.span), "x");
    }

    #[test]
    fn scalar_types_are_kept() {
        let node = parse("a: 2\nb: true\nc: ~\nd: 2026-01-02\ne: 1.5\n", 0).unwrap();
        assert_eq!(node.get("a").unwrap().1.value, Value::Int(2));
        assert_eq!(node.get("b").unwrap().1.value, Value::Bool(true));
        assert_eq!(node.get("c").unwrap().1.value, Value::Null);
        assert_eq!(node.get("d").unwrap().1.as_str(), Some("2026-01-02"));
        assert_eq!(node.get("e").unwrap().1.value, Value::Float(1.5));
    }

    #[test]
    fn syntax_error_has_an_offset() {
        let src = "title: ok\nservices: [a, b\nowner: x\n";
        let err = parse(src, 100).unwrap_err();
        let offset = err.offset.expect("an offset");
        // Line 3 of the YAML, where the unclosed list runs into the next key.
        let line_three = 100 + src.find("owner").unwrap();
        assert!((line_three..line_three + 9).contains(&offset), "{err:?}");
        assert!(
            !err.message.contains("line 3"),
            "location is not repeated: {err:?}"
        );
    }

    #[test]
    fn duplicate_keys_are_an_error() {
        let err = parse("title: a\ntitle: b\n", 0).unwrap_err();
        assert_eq!(err.message, "`title` appears twice");
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut src = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
            src.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        assert!(parse(&src, 0).is_err());
    }

    #[test]
    fn a_stream_of_documents_keeps_spans_in_the_whole_text() {
        let src = "# a comment\n---\nkind: A\n---\n\n---\nkind: B\nlist: [x]\n";
        let docs = parse_documents(src).unwrap();
        assert_eq!(docs.len(), 2, "the empty document is left out");
        let (_, b) = docs[1].get("kind").unwrap();
        assert_eq!(text(src, &b.span), "B");
        let err = parse_documents("a: 1\n---\nb: [1\n").unwrap_err();
        assert!(err.offset.is_some(), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_stopped() {
        let src = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&src, 0).is_err());
    }
}
