//! What an alert's runbook URL points at. Runbook URLs are Go templates that Prometheus
//! expands when the alert fires (`https://kb.example.com/alerts/{{ $labels.alertname }}/`);
//! the parts that are known before then are expanded here, and the result is placed:
//!
//! | Runbook URL | Target |
//! |---|---|
//! | under `site.base_url` or one of `[alerts] site_urls` | a page of this site ([`Target::Site`]) |
//! | a path starting with `/` under the site's base path | the same |
//! | a file under the content folder in `site.repo_url` (`…/blob/<branch>/content/runbooks/x.md`) | a document ([`Target::Content`]) |
//! | any other web address | another site ([`Target::External`]) |
//! | a template using labels only set when the alert fires | unknown ([`Target::Dynamic`]) |
//!
//! Understood in templates: `$labels.NAME`, `.Labels.NAME`, `index $labels "NAME"` (the alert's
//! name for `alertname`, else its static labels), the same for `$externalLabels` and
//! `.ExternalLabels` (from `[alerts] external_labels`), the pipeline functions `toLower`,
//! `toUpper`, `title` and `urlquery`, `{{/* comments */}}` and `{{-`/`-}}` trimming.

use percent_encoding::percent_decode_str;

use super::Alert;
use crate::config::Config;

/// Where a runbook URL leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A page of this site: its path below the base path, decoded (`runbooks/db-failover/`,
    /// `alerts/PaymentsDown/`, `""` for the home page), and the anchor.
    Site {
        path: String,
        anchor: Option<String>,
    },
    /// A file of the content folder, as a link from the content folder's root would name it
    /// (percent-escapes, `?query` and `#anchor` as written).
    Content { link: String },
    /// Another site: not checked.
    External,
    /// Depends on what is only known when the alert fires (why, in words).
    Dynamic(String),
    /// Not a web address (why, in words).
    Invalid(String),
}

/// Where this knowledge base is published, for telling its URLs from others.
#[derive(Debug, Clone)]
pub struct Bases {
    /// Full URLs of the site, each ending in `/`, lower-case scheme and host.
    sites: Vec<String>,
    /// The site's base path (`/`, `/kb/`).
    base_path: String,
    /// Prefixes of the content folder's files in the repository's web view
    /// (`https://github.com/acme/kb/blob/`, then a branch, then `content/`).
    repo_blob: Vec<String>,
    content_prefix: String,
}

impl Bases {
    /// The addresses `config` publishes the site at; `content_prefix` is the content folder's
    /// path in the repository (`content`).
    pub fn new(config: &Config, content_prefix: &str) -> Bases {
        let base_path = crate::site::model::base_path(&config.site.base_url);
        let site = config.site.base_url.trim();
        let mut sites: Vec<String> = std::iter::once(site)
            .filter(|s| s.contains("://"))
            .chain(config.alerts.site_urls.iter().map(|s| s.trim()))
            .map(|s| normalize_origin(&format!("{}/", s.trim_end_matches('/'))))
            .collect();
        sites.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let repo = config
            .site
            .repo_url
            .trim()
            .trim_end_matches('/')
            .trim_end_matches(".git");
        let repo_blob = if repo.is_empty() {
            Vec::new()
        } else {
            ["/blob/", "/tree/", "/-/blob/", "/-/tree/", "/src/branch/"]
                .iter()
                .map(|sep| normalize_origin(&format!("{repo}{sep}")))
                .collect()
        };
        Bases {
            sites,
            base_path,
            repo_blob,
            content_prefix: content_prefix.trim_matches('/').to_string(),
        }
    }

    /// Where a runbook URL (already expanded) leads.
    pub fn place(&self, url: &str) -> Target {
        let url = url.trim();
        if url.is_empty() {
            return Target::Invalid("it is empty".into());
        }
        if url.starts_with('/') && !url.starts_with("//") {
            return match url.strip_prefix(self.base_path.as_str()) {
                Some(rest) => site_target(rest),
                None => Target::External,
            };
        }
        if !crate::document::links::is_external(url) {
            return Target::Invalid(
                "it is not a web address (Alertmanager and Grafana link to it as it is): start it with https://".into(),
            );
        }
        let normalized = normalize_origin(url);
        for site in &self.sites {
            if let Some(rest) = normalized.strip_prefix(site.as_str()) {
                return site_target(rest);
            }
            // The site's root written without its final slash.
            if normalized == site.trim_end_matches('/') {
                return site_target("");
            }
        }
        for blob in &self.repo_blob {
            let Some(rest) = normalized.strip_prefix(blob.as_str()) else {
                continue;
            };
            // After the branch: the content folder, then the file.
            let Some((_branch, path)) = rest.split_once('/') else {
                continue;
            };
            let inside = if self.content_prefix.is_empty() {
                Some(path)
            } else {
                path.strip_prefix(self.content_prefix.as_str())
                    .and_then(|p| p.strip_prefix('/'))
            };
            if let Some(link) = inside {
                return Target::Content {
                    link: link.to_string(),
                };
            }
        }
        Target::External
    }
}

/// A URL with its scheme and host in lower case (they are case-insensitive; the path is not).
fn normalize_origin(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    format!(
        "{}://{}{}",
        scheme.to_ascii_lowercase(),
        rest[..host_end].to_ascii_lowercase(),
        &rest[host_end..]
    )
}

/// A path below the base path (still escaped, maybe with `?query` and `#anchor`) as a page.
fn site_target(rest: &str) -> Target {
    let (rest, anchor) = match rest.split_once('#') {
        Some((rest, anchor)) => (rest, Some(anchor)),
        None => (rest, None),
    };
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    let Ok(path) = percent_decode_str(path).decode_utf8() else {
        return Target::Invalid("its %-escapes are not UTF-8 text".into());
    };
    let anchor = anchor
        .filter(|a| !a.is_empty())
        .map(|a| percent_decode_str(a).decode_utf8_lossy().into_owned());
    let path = path.strip_suffix("index.html").unwrap_or(&path);
    let mut path = path.trim_start_matches('/').to_string();
    if !path.is_empty() && !path.ends_with('/') {
        path.push('/');
    }
    Target::Site { path, anchor }
}

/// The alert's runbook URL with what is known before it fires filled in, or why it cannot
/// be: see the module documentation.
pub fn expand(template: &str, alert: &Alert, config: &Config) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err("a `{{` is never closed".into());
        };
        let action = after[..close].trim_start_matches('-').trim_end_matches('-');
        out.push_str(&action_value(action.trim(), alert, config)?);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    // Go's template engine removes the white space `{{-` and `-}}` trim; runbook URLs have none
    // worth keeping.
    Ok(out.trim().to_string())
}

/// The value of one `{{ ... }}` action.
fn action_value(action: &str, alert: &Alert, config: &Config) -> Result<String, String> {
    if action.starts_with("/*") && action.ends_with("*/") {
        return Ok(String::new());
    }
    let mut stages = action.split('|').map(str::trim);
    let source = stages.next().unwrap_or_default();
    let mut value = variable(source, alert, config)?;
    for function in stages {
        value = match function {
            "toLower" => value.to_lowercase(),
            "toUpper" => value.to_uppercase(),
            "title" => title(&value),
            "urlquery" => {
                percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
            }
            other => {
                return Err(format!(
                    "it calls `{other}`, which opsbook does not evaluate"
                ));
            }
        };
    }
    Ok(value)
}

/// The value of `$labels.x`, `.Labels.x`, `index $labels "x"` and their external-label twins.
fn variable(source: &str, alert: &Alert, config: &Config) -> Result<String, String> {
    let (map, name) = match source.split_once('.') {
        Some((prefix @ ("$labels" | "$externalLabels"), name)) => (prefix, name),
        Some(("", rest)) => match rest.split_once('.') {
            Some(("Labels", name)) => ("$labels", name),
            Some(("ExternalLabels", name)) => ("$externalLabels", name),
            _ => {
                return Err(format!(
                    "it uses `{source}`, known only when the alert fires"
                ));
            }
        },
        _ => match source.strip_prefix("index ").map(str::trim) {
            Some(args) => index_args(args)?,
            None => {
                return Err(format!(
                    "it uses `{source}`, known only when the alert fires"
                ));
            }
        },
    };
    if map == "$labels" {
        if name == "alertname" {
            return Ok(alert.name.value.clone());
        }
        return alert
            .labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                format!("it uses the label `{name}`, which the rule does not set (it comes from the series when the alert fires)")
            });
    }
    config
        .alerts
        .external_labels
        .get(name)
        .cloned()
        .ok_or_else(|| {
            format!("it uses the external label `{name}`; give its value in [alerts.external_labels] to have it checked")
        })
}

/// `$labels "name"` (the arguments of `index`) as (map, name).
fn index_args(args: &str) -> Result<(&'static str, &str), String> {
    let (map, name) = args
        .split_once(char::is_whitespace)
        .ok_or_else(|| format!("it uses `index {args}`, which opsbook does not evaluate"))?;
    let name = name.trim().trim_matches('"');
    match map {
        "$labels" | ".Labels" => Ok(("$labels", name)),
        "$externalLabels" | ".ExternalLabels" => Ok(("$externalLabels", name)),
        _ => Err(format!(
            "it uses `index {args}`, which opsbook does not evaluate"
        )),
    }
}

/// Go's `title`: the first letter of each word in upper case.
fn title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

/// Where the alert's runbook URL leads, or `None` without one.
pub fn target(alert: &Alert, config: &Config, bases: &Bases) -> Option<(String, Target)> {
    let template = &alert.runbook_url.as_ref()?.value;
    Some(match expand(template, alert, config) {
        Ok(url) => {
            let target = bases.place(&url);
            (url, target)
        }
        Err(why) => (template.clone(), Target::Dynamic(why)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{Flavor, Spanned};

    fn alert(labels: &[(&str, &str)]) -> Alert {
        let spanned = |v: &str| Spanned {
            value: v.into(),
            span: 0..0,
        };
        Alert {
            name: spanned("PaymentsDown"),
            group: "g".into(),
            severity: None,
            runbook_url: None,
            summary: String::new(),
            description: String::new(),
            expr: String::new(),
            pending: String::new(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            flavor: Flavor::Prometheus,
        }
    }

    fn config() -> Config {
        let mut config = Config::default();
        config.site.base_url = "https://KB.example.com/ops".into();
        config.site.repo_url = "https://github.com/acme/kb".into();
        config.alerts.site_urls = vec!["https://runbooks.internal/".into()];
        config
            .alerts
            .external_labels
            .insert("cluster".into(), "prod-eu".into());
        config
    }

    #[test]
    fn templates_expand_what_is_known_before_the_alert_fires() {
        let config = config();
        let a = alert(&[("service", "payments-api")]);
        let ok = |t: &str| expand(t, &a, &config).unwrap();
        assert_eq!(
            ok("https://kb/alerts/{{ $labels.alertname }}/"),
            "https://kb/alerts/PaymentsDown/"
        );
        assert_eq!(
            ok("https://kb/{{- .Labels.alertname -}}"),
            "https://kb/PaymentsDown"
        );
        assert_eq!(
            ok("https://kb/{{ index $labels \"service\" }}/{{ $externalLabels.cluster }}"),
            "https://kb/payments-api/prod-eu"
        );
        assert_eq!(
            ok("https://kb/{{ $labels.alertname | toLower }}{{/* note */}}"),
            "https://kb/paymentsdown"
        );
        for dynamic in [
            "https://kb/{{ $labels.instance }}",
            "https://kb/{{ $externalLabels.region }}",
            "https://kb/{{ $value }}",
            "https://kb/{{ $labels.alertname | reReplaceAll \"a\" \"b\" }}",
            "https://kb/{{ $labels.alertname",
        ] {
            assert!(expand(dynamic, &a, &config).is_err(), "{dynamic}");
        }
    }

    #[test]
    fn urls_are_placed_in_this_site_the_repository_or_elsewhere() {
        let bases = Bases::new(&config(), "content");
        let site = |path: &str, anchor: Option<&str>| Target::Site {
            path: path.into(),
            anchor: anchor.map(str::to_string),
        };
        assert_eq!(
            bases.place("https://kb.example.com/ops/alerts/PaymentsDown/"),
            site("alerts/PaymentsDown/", None)
        );
        assert_eq!(
            bases.place("https://KB.EXAMPLE.com/ops/runbooks/db%20failover#roll-back"),
            site("runbooks/db failover/", Some("roll-back"))
        );
        assert_eq!(bases.place("https://kb.example.com/ops"), site("", None));
        assert_eq!(
            bases.place("https://runbooks.internal/runbooks/x/index.html?a=1"),
            site("runbooks/x/", None)
        );
        assert_eq!(bases.place("/ops/alerts/X/"), site("alerts/X/", None));
        assert_eq!(bases.place("/elsewhere/x"), Target::External);
        assert_eq!(
            bases.place("https://github.com/acme/kb/blob/main/content/runbooks/db.md#steps"),
            Target::Content {
                link: "runbooks/db.md#steps".into()
            }
        );
        assert_eq!(
            bases.place("https://github.com/acme/kb/blob/main/docs/x.md"),
            Target::External
        );
        assert_eq!(
            bases.place("https://runbooks.prometheus-operator.dev/runbooks/node/x"),
            Target::External
        );
        assert!(matches!(bases.place("runbooks/x.md"), Target::Invalid(_)));
        assert!(matches!(
            bases.place("https://kb.example.com/ops/%ff/"),
            Target::Invalid(_)
        ));
    }

    proptest::proptest! {
        #[test]
        fn any_runbook_url_is_expanded_and_placed_without_panicking(url in "\\PC{0,40}", braces in "[{}$. a-zA-Z|\"-]{0,30}") {
            let config = config();
            let bases = Bases::new(&config, "content");
            let a = alert(&[("team", "x")]);
            for template in [url.clone(), format!("https://kb.example.com/ops/{braces}"), format!("{url}{braces}")] {
                if let Ok(expanded) = expand(&template, &a, &config) {
                    let _ = bases.place(&expanded);
                }
                let _ = bases.place(&template);
            }
        }
    }
}
