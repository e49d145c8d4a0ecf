use std::sync::LazyLock;

use regex::Regex;

use crate::document::Document;
use crate::lint::needles::Needles;
use crate::lint::{CheckContext, Emitter, Meta, Rule, rule_meta};

/// Credentials pasted into a document. The finding never contains the secret itself.
pub struct PossibleSecret;

/// What a pattern detects; the secret is capture group 1, or the whole match.
struct Pattern {
    name: &'static str,
    regex: Regex,
    check: fn(&str) -> bool,
    /// Lower-case words one of which every match contains (in ASCII lower case). A text
    /// without any of them is not searched: one pass for the needles of all patterns costs
    /// less than one pattern's search, the case-insensitive patterns with no literal prefix
    /// scan the whole text slowly, and almost no document holds a secret.
    needles: &'static [&'static str],
}

fn not_placeholder(value: &str) -> bool {
    !is_placeholder(value)
}

/// Placeholders people write instead of secrets: `$TOKEN`, `<redacted>`, `xxxx`, `changeme`.
fn is_placeholder(value: &str) -> bool {
    let v = value.trim_matches(|c| c == '"' || c == '\'' || c == '`');
    let lower = v.to_ascii_lowercase();
    v.starts_with('$')
        || v.starts_with('<')
        || v.starts_with('{')
        || v.starts_with('%')
        || [
            "redacted",
            "example",
            "changeme",
            "placeholder",
            "your_",
            "your-",
            "xxxx",
            "****",
            "...",
            "dummy",
            "secret",
            "password",
            "token",
        ]
        .iter()
        .any(|p| lower.contains(p))
        || v.chars().all(|c| c == v.chars().next().unwrap_or('x'))
}

/// Shannon entropy in bits per character.
fn entropy(value: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let len = value.chars().count() as f64;
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / len;
            -p * p.log2()
        })
        .sum()
}

fn random_looking(value: &str) -> bool {
    let has_digit = value.chars().any(|c| c.is_ascii_digit());
    let has_alpha = value.chars().any(|c| c.is_ascii_alphabetic());
    !is_placeholder(value) && has_digit && has_alpha && entropy(value) >= 3.5
}

fn real_password(value: &str) -> bool {
    value.len() >= 8 && !is_placeholder(value)
}

/// `user:password@` in a URL is a credential whatever its length (short ones are the weakest),
/// unless it is a placeholder or one of the words documentation writes there.
fn url_password(value: &str) -> bool {
    let obvious = ["pass", "pw", "pwd", "passwd"];
    !is_placeholder(value) && !obvious.iter().any(|w| value.eq_ignore_ascii_case(w))
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let p = |name, regex: &str, check, needles| Pattern {
        name,
        regex: Regex::new(regex).expect("valid secret pattern"),
        check,
        needles,
    };
    vec![
        // The whole key block, so no line of key material is ever printed.
        p(
            "a private key",
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?s:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*)",
            not_placeholder,
            &["-----begin "],
        ),
        p(
            "an AWS access key id",
            r"\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16})\b",
            not_placeholder,
            &[
                "akia", "asia", "agpa", "aida", "aroa", "anpa", "anva", "aipa",
            ],
        ),
        p(
            "a GitHub token",
            r"\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{40,})\b",
            not_placeholder,
            &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        ),
        p(
            "a Slack token",
            r"\b(xox[abposr]-[A-Za-z0-9-]{10,})\b",
            not_placeholder,
            &["xox"],
        ),
        p(
            "a Google API key",
            r"\b(AIza[0-9A-Za-z_-]{35})\b",
            not_placeholder,
            &["aiza"],
        ),
        p(
            "a Stripe live key",
            r"\b((?:sk|rk)_live_[0-9a-zA-Z]{20,})\b",
            not_placeholder,
            &["_live_"],
        ),
        p(
            "a JSON Web Token",
            r"\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
            not_placeholder,
            &["eyj"],
        ),
        p(
            "a bearer token",
            r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{20,}=*)",
            random_looking,
            &["bearer"],
        ),
        p(
            "a password in a URL",
            r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@]*:([^\s/@]+)@",
            url_password,
            &["://"],
        ),
        p(
            "a password",
            r#"(?i)\b[a-z0-9_]*(?:password|passwd|pwd)\b["']?\s*[:=]\s*["']?([^\s"'`,;]{8,})"#,
            real_password,
            &["password", "passwd", "pwd"],
        ),
        p(
            "a token or key",
            r#"(?i)\b[a-z0-9_]*(?:api[_-]?key|access[_-]?key|secret[_-]?key|client[_-]?secret|auth[_-]?token|access[_-]?token|token|secret)\b["']?\s*[:=]\s*["']?([A-Za-z0-9+/=_.~-]{16,})"#,
            random_looking,
            &["key", "secret", "token"],
        ),
    ]
});

const META: Meta = rule_meta! {
    id: "possible-secret",
    level: Error,
    reads: [],
    summary: "Something that looks like a credential: a cloud or API key, a private key, a token, a password.",
};

impl Rule for PossibleSecret {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn check(&self, doc: &Document, _ctx: &CheckContext, out: &mut Emitter) {
        if doc.read_problem.is_some() {
            return;
        }
        for (span, name) in secrets(&doc.source) {
            out.emit_redacted(
                span,
                format!("this looks like {name} (not shown here)"),
                format!("{name} (redacted)"),
                "remove it from the document and ROTATE it now: it is in the git history already. Write a placeholder such as `$TOKEN` or `<redacted>` instead. If it is not a secret, allow the rule for this document with `lint: {allow: [possible-secret]}`",
            );
        }
    }
}

/// Every likely secret in `source`: its byte range and what it looks like. Reports use it to
/// mask every secret of a document, not only the one a finding is about.
pub fn secrets(source: &str) -> Vec<(std::ops::Range<usize>, &'static str)> {
    let mut found: Vec<(std::ops::Range<usize>, &'static str)> = Vec::new();
    let present = NEEDLES.find(source);
    for pattern in PATTERNS.iter() {
        if !pattern.needles.iter().any(|n| present.may_contain(n)) {
            continue;
        }
        for captures in pattern.regex.captures_iter(source) {
            let m = captures
                .get(1)
                .or_else(|| captures.get(0))
                .expect("a match");
            if !(pattern.check)(m.as_str()) {
                continue;
            }
            let span = m.range();
            if found
                .iter()
                .any(|(r, _)| r.start < span.end && span.start < r.end)
            {
                continue; // Already reported by a more specific pattern.
            }
            found.push((span, pattern.name));
        }
    }
    found.sort_by_key(|(r, _)| r.start);
    found
}

/// The needles of every pattern that has some, found in one pass.
static NEEDLES: LazyLock<Needles> = LazyLock::new(|| {
    let words: Vec<&'static str> = PATTERNS
        .iter()
        .flat_map(|p| p.needles.iter().copied())
        .collect();
    Needles::new(&words)
});

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&'static str> {
        secrets(text).into_iter().map(|(_, name)| name).collect()
    }

    #[test]
    fn finds_real_looking_secrets() {
        // Test values are built at run time so this file holds no scannable secret.
        let aws = format!("AKIA{}", "Q7ZK3M9D2XWB5HJT");
        assert_eq!(found(&format!("key {aws} here")), ["an AWS access key id"]);
        assert!(
            found(&format!("-----BEGIN {}PRIVATE KEY-----", "RSA ")).contains(&"a private key")
        );
        assert!(
            found(&format!(
                "Authorization: Bearer {}",
                "f9K2mQ7xLp3ZrT8vWc4NbY6hJ"
            ))
            .contains(&"a bearer token")
        );
        assert!(
            found(&format!(
                "postgres://admin:{}@db:5432/app",
                "s3cr3tPassw0rd"
            ))
            .contains(&"a password in a URL")
        );
        assert!(
            found(&format!("api_key = {}", "x7Kq92LmZp4RtB8vNc3W")).contains(&"a token or key")
        );
        assert!(found(&format!("password: {}", "Tr0ub4dor&3x")).contains(&"a password"));
        assert!(!found(&format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8")).is_empty());
        // Environment-variable style.
        assert_eq!(
            found(&format!("export PGPASSWORD={}", "Qz8vN2xLr4Tm")),
            ["a password"]
        );
        assert_eq!(
            found(&format!(
                "AWS_SECRET_ACCESS_KEY={}",
                "wJalrXUtnF3MI9K7MDENGbPxRfiCY2x8q"
            )),
            ["a token or key"]
        );
    }

    #[test]
    fn needles_skip_nothing_the_patterns_find() {
        // Upper case, and characters that case-insensitive matching folds onto ASCII letters.
        assert_eq!(
            found(&format!("PASSWORD: {}", "Qz8vN2xLr4Tm")),
            ["a password"]
        );
        assert_eq!(
            found(&format!("API_\u{212A}EY = {}", "x7Kq92LmZp4RtB8vNc3W")),
            ["a token or key"]
        );
        assert_eq!(
            found(&format!("pa\u{17F}\u{17F}word: {}", "Qz8vN2xLr4Tm")),
            ["a password"]
        );
    }

    #[test]
    fn a_private_key_is_covered_to_its_end_line() {
        let key = format!(
            "-----BEGIN {kind}PRIVATE KEY-----\nMIIEow\nAbCd\n-----END {kind}PRIVATE KEY-----\nafter",
            kind = "RSA "
        );
        let spans = secrets(&key);
        assert_eq!(spans.len(), 1);
        assert_eq!(&key[spans[0].0.end..], "\nafter");
    }

    #[test]
    fn documentation_example_keys_are_placeholders() {
        assert!(found(&format!("AKIA{}EXAMPLE", "IOSFODNN7")).is_empty());
        assert!(found(&format!("ghp_{}", "x".repeat(36))).is_empty());
        assert!(found(&format!("sk_live_{}", "x".repeat(24))).is_empty());
    }

    #[test]
    fn passwords_in_urls_of_any_length() {
        for url in [
            "postgres://app:abc123@db/orders",
            "redis://:k9Q2@cache:6379",
            "https://u:x1@h/",
        ] {
            assert_eq!(found(url), ["a password in a URL"], "{url}");
        }
        for url in [
            "postgres://user:pass@localhost/db",
            "https://u:PW@h",
            "ssh://git@host:22/x",
        ] {
            assert!(found(url).is_empty(), "{url}: {:?}", found(url));
        }
    }

    #[test]
    fn ignores_placeholders_and_prose() {
        for text in [
            "Authorization: Bearer $TOKEN",
            "postgres://admin:<redacted>@db/app",
            "postgres://admin:${DB_PASSWORD}@db/app",
            "api_key = <your-api-key>",
            "password: changeme",
            "the secret: rotation happened at noon",
            "token: WebsiteSyntheticCheckFailing",
            "https://grafana.example.com/d/abc",
            "commit 4c1e9a2",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }
}
