//! The proposal as opsbook.toml text, a comment on every setting saying what `adopt` saw.
//! Keys and values come from documents, so every one is written as a TOML string and every
//! comment is one line of printable text.

use std::fmt::Write;

use super::keys::KindKeys;
use super::{Links, Proposal};
use crate::config::Section;
use crate::document::Kind;

/// A string as TOML writes it (quoted and escaped).
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A key as TOML writes it: bare when it can be.
fn key(text: &str) -> String {
    let bare = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { text.to_string() } else { quoted(text) }
}

/// Text for a comment: one line, no control characters.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// "1 document", "2 documents".
fn n_of(count: usize, what: &str) -> String {
    if count == 1 {
        format!("1 {what}")
    } else {
        format!("{count} {what}s")
    }
}

fn n_documents(count: usize) -> String {
    n_of(count, "document")
}

fn list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", items.join(", "))
}

/// One setting and its comment.
fn line(out: &mut String, setting: &str, why: &str) {
    let _ = writeln!(out, "{setting}  # {}", comment(why));
}

pub fn render(p: &Proposal) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Proposed by `opsbook adopt` from {} documents, as they are. Each setting says what was\n\
         # seen; change what does not fit, then run `opsbook lint`. No document was changed.",
        p.survey.docs.len()
    );
    paths(&mut out, p);
    documents(&mut out, p);
    links(&mut out, &p.links);
    kinds(&mut out, p);
    if let Some((scale, why)) = &p.severities {
        out.push_str("\n[schema]\n");
        line(&mut out, &format!("severities = {}", list(scale)), why);
    }
    for (kind, keys) in &p.keys {
        schema(&mut out, *kind, keys, p);
    }
    rules(&mut out, p);
    out
}

fn paths(out: &mut String, p: &Proposal) {
    out.push_str("\n[paths]\n");
    let why = if p.survey.content == "." {
        "the documents are spread over the repository".to_string()
    } else {
        format!(
            "{} of the repository's Markdown files are in {}/",
            p.survey.docs.len(),
            p.survey.content
        )
    };
    line(
        out,
        &format!("content = {}", quoted(&p.survey.content)),
        &why,
    );
    if let Some(output) = &p.output {
        line(
            out,
            &format!("output = {}", quoted(output)),
            "public/ holds another generator's site already; opsbook writes its own here",
        );
    }
    if let Some(templates) = &p.templates {
        line(
            out,
            &format!("templates = {}", quoted(templates)),
            "templates/ holds the repository's own templates; opsbook's overrides go here instead",
        );
    }
}

fn documents(out: &mut String, p: &Proposal) {
    out.push_str("\n[documents]\n");
    let patterns = super::survey::patterns(&p.survey.endings);
    let found: Vec<String> = p
        .survey
        .endings
        .iter()
        .map(|(e, n)| format!("{n} *{e}"))
        .collect();
    let patterns_line = format!("patterns = {}", list(&patterns));
    line(
        out,
        &patterns_line,
        &format!("files found: {}", found.join(", ")),
    );
    out.push_str("exclude = [  # not documents, though their names match:\n");
    for (glob, why) in &p.survey.exclude {
        line(out, &format!("  {},", quoted(glob)), why);
    }
    out.push_str("]\n");
    let total = p.survey.docs.len();
    let (policy, why) = match p.without_front_matter {
        0 => (
            "required",
            format!("every document ({total}) starts with front matter"),
        ),
        n => (
            "optional",
            format!("{n} of {total} documents have no front matter: read as empty"),
        ),
    };
    line(out, &format!("front_matter = {}", quoted(policy)), &why);
    line(
        out,
        &format!("title_from_heading = {}", p.title_from_heading > 0),
        &format!(
            "{} documents have no `title:` but a first `# Heading`",
            p.title_from_heading
        ),
    );
    let tags: Vec<String> = p
        .template_tags
        .iter()
        .map(|(s, _)| s.name().to_string())
        .collect();
    let seen: Vec<String> = p
        .template_tags
        .iter()
        .map(|(s, n)| format!("{} in {}", s.name(), n_documents(*n)))
        .collect();
    let why = if seen.is_empty() {
        "no template syntax seen (ERB in .erb and MDX in .mdx files is read as such anyway)".into()
    } else {
        format!(
            "template syntax seen: {}; left out of the pages",
            seen.join(", ")
        )
    };
    line(out, &format!("template_tags = {}", list(&tags)), &why);
}

fn links(out: &mut String, links: &Links) {
    out.push_str("\n[links]\n");
    let flag = |out: &mut String, name: &str, count: usize, what: &str| {
        line(
            out,
            &format!("{name} = {}", count > 0),
            &format!("{} {what}", n_of(count, "link")),
        );
    };
    flag(out, "html", links.html, "to page.html where a page.md is");
    flag(
        out,
        "extensionless",
        links.extensionless,
        "to a document written without its ending",
    );
    flag(
        out,
        "hugo_ref",
        links.hugo_ref,
        "as Hugo ref/relref shortcodes (documents)",
    );
    match &links.site_root {
        Some((root, count)) => line(
            out,
            &format!("site_root = {}", quoted(root)),
            &format!(
                "{} from the site's root to documents this way",
                n_of(*count, "link")
            ),
        ),
        None => line(
            out,
            "site_root = \"\"",
            "no link from the site's root leads to a document",
        ),
    }
}

fn kinds(out: &mut String, p: &Proposal) {
    out.push_str("\n[kinds]  # first match wins; a document's own `kind:` wins over all\n");
    for glob in &p.kinds {
        line(
            out,
            &format!("{} = {}", quoted(&glob.glob), quoted(glob.kind.name())),
            &glob.why,
        );
    }
}

fn schema(out: &mut String, kind: Kind, keys: &KindKeys, p: &Proposal) {
    let _ = writeln!(
        out,
        "\n[schema.{kind}]  # {}",
        n_of(keys.documents, kind.name())
    );
    let kept: Vec<String> = keys.required.iter().map(|(f, _)| f.clone()).collect();
    let dropped: Vec<String> = keys
        .not_required
        .iter()
        .map(|(f, n)| format!("{f} ({n})"))
        .collect();
    let why = if dropped.is_empty() {
        "opsbook's required fields; most documents have them".to_string()
    } else {
        format!(
            "in most documents; not required at first, since few have them: {}",
            dropped.join(", ")
        )
    };
    line(out, &format!("required = {}", list(&kept)), &why);
    if let (Kind::Postmortem, Some((section, count))) = (kind, &p.sections) {
        line(
            out,
            &format!("sections = [{}]", section_toml(section)),
            &format!(
                "{count} of {} postmortems have one of these headings",
                keys.documents
            ),
        );
    }
    out.push_str("extra_fields = [  # the team's own keys, kept as they are:\n");
    for (name, count) in &keys.extra {
        line(
            out,
            &format!("  {},", quoted(name)),
            &format!("in {}", n_documents(*count)),
        );
    }
    out.push_str("]\n");
    aliases_and_conversions(out, kind, keys);
}

fn section_toml(section: &Section) -> String {
    match section {
        Section::One(name) => quoted(name),
        Section::AnyOf(names) => list(names),
    }
}

fn aliases_and_conversions(out: &mut String, kind: Kind, keys: &KindKeys) {
    let _ = writeln!(
        out,
        "\n[schema.{kind}.aliases]  # the team's key = opsbook's field"
    );
    for (alias, field, count) in &keys.aliases {
        let describe = crate::document::schema::field_spec(kind, field).map_or("", |f| f.describe);
        line(
            out,
            &format!("{} = {}", key(alias), quoted(field)),
            &format!("in {}; read as `{field}`: {describe}", n_documents(*count)),
        );
    }
    let _ = writeln!(
        out,
        "\n[schema.{kind}.convert]  # opsbook's field = how it is written"
    );
    for (field, conversion, count, example) in &keys.convert {
        line(
            out,
            &format!("{} = {}", key(field), quoted(conversion.name())),
            &format!(
                "{} such as {example:?} read as a {}",
                n_of(*count, "value"),
                conversion.name()
            ),
        );
    }
}

fn rules(out: &mut String, p: &Proposal) {
    let why = if p.relaxed.is_empty() {
        "no rule finds errors in most documents: none relaxed"
    } else {
        "relaxed at first; back to \"error\" once the findings are fixed"
    };
    let _ = writeln!(out, "\n[lint.rules]  # {why}");
    for (rule, docs, total) in &p.relaxed {
        line(
            out,
            &format!("{} = \"warning\"", key(rule)),
            &format!("errors in {docs} of {total} documents: the team's habit, not a slip"),
        );
    }
}
