//! A deterministic generator of realistic incident documents, for benchmarks and tests.
//!
//! Shared with `#[path]` by `examples/gen_corpus.rs` (the command line), `benches/pipeline.rs`
//! and `tests/gen_corpus.rs`, so it uses the standard library only. The same seed always
//! gives the same bytes: a small splitmix64 generator drives every choice, one stream for the
//! plan of the whole corpus (kinds, file names, ids, dates) and one per document for its text.
//!
//! The corpus follows the default opsbook schema and lints with zero errors against
//! [`TODAY`]: links point at documents and headings that exist, related ids exist, no
//! credentials, no blameful wording. A few follow-ups are overdue and a few runbooks are
//! stale, as in a real knowledge base, so the warnings path is exercised too.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The date the corpus is meant to be linted against (`opsbook lint --today 2026-11-25`).
pub const TODAY: &str = "2026-11-25";

/// How the files are laid out: opsbook's own, or the same text for a peer tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `content/runbooks/*.md`, `content/postmortems/*.md`, YAML front matter.
    Opsbook,
    /// A Hugo site: `hugo.toml`, minimal layouts, YAML front matter with the fields in `params`.
    /// Only the document pages are marked `data-pagefind-body` for Pagefind, and code blocks
    /// are not highlighted (opsbook and Zola do not highlight either; mdBook does it in the
    /// browser).
    Hugo,
    /// A Zola site: `config.toml` with the search index on, minimal templates, TOML front
    /// matter with the fields in `[extra]`.
    Zola,
    /// An mdBook: `book.toml` (search on, the one-page print version off, as no peer writes
    /// one), `src/SUMMARY.md`, a `# Title` heading instead of front matter.
    Mdbook,
}

impl Layout {
    pub fn from_name(name: &str) -> Option<Layout> {
        match name {
            "opsbook" => Some(Layout::Opsbook),
            "hugo" => Some(Layout::Hugo),
            "zola" => Some(Layout::Zola),
            "mdbook" => Some(Layout::Mdbook),
            _ => None,
        }
    }
}

/// splitmix64: tiny, fast, and good enough for choosing words.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for item `index` of the stream `seed`.
    pub fn derive(seed: u64, index: u64) -> Rng {
        let mut rng = Rng(seed ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 11) as u128 * n as u128) >> 53) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Between `lo` and `hi` distinct items of `items`.
    pub fn sample_between<T: Clone>(&mut self, items: &[T], lo: usize, hi: usize) -> Vec<T> {
        let k = self.range(lo, hi);
        self.sample(items, k)
    }

    /// `k` distinct items of `items` (all of them when there are fewer).
    pub fn sample<T: Clone>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut indexes: Vec<usize> = (0..items.len()).collect();
        let k = k.min(items.len());
        for i in 0..k {
            let j = i + self.below(items.len() - i);
            indexes.swap(i, j);
        }
        indexes[..k].iter().map(|&i| items[i].clone()).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Calendar arithmetic (days since 1970-01-01), so no date crate is needed.

pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn parse_day(text: &str) -> i64 {
    let parts: Vec<i64> = text.split('-').map(|p| p.parse().unwrap()).collect();
    days_from_civil(parts[0], parts[1], parts[2])
}

pub fn date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339 UTC timestamp of `minute` minutes after midnight of `day` (may roll over).
pub fn timestamp(day: i64, minute: i64) -> String {
    let day = day + minute.div_euclid(1440);
    let minute = minute.rem_euclid(1440);
    format!("{}T{:02}:{:02}:00Z", date(day), minute / 60, minute % 60)
}

fn clock(minute: i64) -> String {
    let minute = minute.rem_euclid(1440);
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

// ---------------------------------------------------------------------------------------
// Vocabulary.

const DOMAINS: &[&str] = &[
    "checkout",
    "payments",
    "inventory",
    "search",
    "auth",
    "notifications",
    "billing",
    "ledger",
    "shipping",
    "catalog",
    "pricing",
    "recommendations",
    "identity",
    "gateway",
    "edge",
    "media",
    "reporting",
    "warehouse",
    "fraud",
    "messaging",
];

const SUFFIXES: &[&str] = &["api", "web", "worker", "db", "queue"];

const FIRST_NAMES: &[&str] = &[
    "alice", "bob", "carlos", "dana", "elena", "farid", "grace", "hiro", "ines", "jonas", "kemi",
    "liam", "maya", "nils", "olga", "priya", "quentin", "rosa", "sven", "tariq", "uma", "victor",
    "wen", "yusuf",
];

const LAST_NAMES: &[&str] = &[
    "nguyen", "martin", "mendes", "okafor", "schmidt", "tanaka", "kowalski", "haddad", "larsen",
    "silva", "dubois", "novak", "ibrahim", "moreau", "patel", "rossi", "kim", "berg", "costa",
    "fischer", "lopez", "sato", "varga", "walsh",
];

const REGIONS: &[&str] = &["eu1", "us1", "ap1"];

const METRICS: &[&str] = &[
    "p99 latency",
    "5xx rate",
    "queue depth",
    "replication lag",
    "CPU saturation",
    "connection pool usage",
    "error budget burn",
    "disk usage",
    "GC pause time",
    "consumer lag",
    "cache hit ratio",
    "open file descriptors",
];

const TOOLS: &[&str] = &[
    "kubectl",
    "helm",
    "psql",
    "redis-cli",
    "Argo Rollouts",
    "Grafana",
    "the flag service",
    "Terraform",
    "the deploy pipeline",
    "Vault",
];

/// (file name part, title) of runbook topics; `{S}` is the service.
const RUNBOOK_TOPICS: &[(&str, &str)] = &[
    ("failover", "{S} primary failover"),
    ("replication-lag", "{S} replication lag"),
    ("high-latency", "{S} high latency"),
    ("error-rate-spike", "{S} error rate spike"),
    ("disk-full", "{S} disk nearly full"),
    ("certificate-expiry", "{S} TLS certificate expiry"),
    ("queue-backlog", "{S} queue backlog"),
    ("deploy-rollback", "Rolling back a bad {S} release"),
    ("memory-pressure", "{S} memory pressure and OOM kills"),
    (
        "connection-pool-exhaustion",
        "{S} connection pool exhaustion",
    ),
    ("cache-stampede", "{S} cache stampede"),
    ("dns-failures", "{S} DNS resolution failures"),
    ("rate-limiting", "{S} rate limited by a provider"),
    ("node-drain", "Draining {S} nodes safely"),
    ("restore-from-backup", "Restoring {S} from backup"),
    ("config-rollback", "Reverting a {S} config change"),
    ("dependency-outage", "{S} upstream dependency outage"),
    ("traffic-shift", "Shifting {S} traffic between regions"),
    ("scale-out", "Scaling out {S} under load"),
    ("stuck-jobs", "{S} stuck background jobs"),
    ("schema-migration", "{S} schema migration gone wrong"),
    ("hot-partition", "{S} hot partition"),
    ("slow-queries", "{S} slow queries"),
    ("crash-loop", "{S} pods in a crash loop"),
    ("feature-flag-kill", "Turning off a {S} feature flag"),
    ("capacity-alert", "{S} capacity alert"),
    ("clock-skew", "{S} clock skew"),
    ("log-pipeline-gap", "{S} missing logs and metrics"),
    ("canary-failure", "{S} canary analysis failure"),
    ("quota-exceeded", "{S} cloud quota exceeded"),
];

/// (file name part, title) of postmortem symptoms.
const SYMPTOMS: &[(&str, &str)] = &[
    ("elevated-5xx", "Elevated 5xx on {S}"),
    ("latency-regression", "{S} latency regression"),
    ("partial-outage", "Partial {S} outage"),
    ("full-outage", "{S} unavailable"),
    ("data-delay", "Delayed data from {S}"),
    ("duplicate-events", "Duplicate events from {S}"),
    ("failed-deploy", "Failed {S} release"),
    ("replication-lag", "{S} replication lag"),
    ("cert-expiry", "Expired certificate on {S}"),
    ("queue-backlog", "{S} queue backlog"),
    ("oom-kills", "{S} OOM kills"),
    ("config-push", "Bad config push to {S}"),
    ("provider-timeouts", "{S} provider timeouts"),
    ("cache-invalidation", "Stale responses from {S}"),
    ("capacity-exhaustion", "{S} ran out of capacity"),
    ("dns-misconfiguration", "{S} DNS misconfiguration"),
];

const TRIGGERS: &[&str] = &[
    "deploy",
    "deploy",
    "deploy",
    "config",
    "config",
    "dependency",
    "capacity",
    "hardware",
    "other",
];
const DETECTIONS: &[&str] = &[
    "alert", "alert", "alert", "alert", "customer", "internal", "other",
];
const TAGS: &[&str] = &[
    "database",
    "deploy",
    "kubernetes",
    "networking",
    "tls",
    "dns",
    "capacity",
    "queue",
    "cache",
    "canary",
    "feature-flags",
    "storage",
    "observability",
    "third-party",
    "config",
    "latency",
];

const ACTIONS: &[&str] = &[
    "Add a canary stage to {s} deploys",
    "Alert on {m} for {s} before customers notice",
    "Document the {s} failover steps in the runbook",
    "Load test {s} at twice the peak traffic",
    "Add a circuit breaker between {s} and {s2}",
    "Pin the {s} client timeouts below the {s2} idle timeout",
    "Run a game day for {s} in {r}",
    "Add {m} to the {s} dashboard",
    "Make the {s} migration tooling refuse unbounded updates",
    "Automate the {s} certificate renewal check",
    "Add a second provider for {s}",
    "Cap the {s} retry budget",
    "Review the {s} capacity plan with the platform team",
    "Move the {s} batch jobs out of business hours",
    "Add a config validation step for {s} to CI",
];

/// Prose sentences; `{s}`/`{s2}` services, `{t}` team, `{m}` metric, `{n}` number, `{p}`
/// percentage, `{min}` minutes, `{r}` region, `{tool}` a tool, `{a}` an alert.
const SENTENCES: &[&str] = &[
    "{s} depends on {s2} for every request, so a slow {s2} shows up as {m} on {s} within a minute.",
    "The {a} alert fires when {m} stays above its threshold for {min} minutes.",
    "Check the {s} dashboard in Grafana first: compare the {r} cluster with the other regions before changing anything.",
    "Most incidents on {s} in the last year started with a release, so look at the deploy history before anything else.",
    "{t} owns {s}; page the secondary on-call if the primary does not answer within {min} minutes.",
    "During peak hours {s} handles about {n} requests per second across {k} pods.",
    "A rollback with {tool} usually takes {min} minutes including the health checks.",
    "If {m} keeps rising after the rollback, the release was probably not the cause and {s2} is the next place to look.",
    "The connection pool of {s} is sized for {n} connections per pod, which leaves little headroom during a failover.",
    "Write down what you did and when in the incident channel as you go: the timeline in the postmortem is built from it.",
    "Traffic can be shifted away from {r} in about {min} minutes, at the cost of higher latency for customers in that region.",
    "The saturation signals to watch are {m} and CPU throttling; both have panels on the service overview.",
    "{s} keeps a retry queue, so a short outage of {s2} delays work rather than losing it.",
    "Customers notice within minutes: support usually opens a ticket before the second alert fires.",
    "The last change to this procedure came out of a game day in {r}, where the old steps took {min} minutes too long.",
    "Capacity was planned for {p}% growth this year, and the current trend is slightly above that.",
    "Avoid restarting every pod at once: a cold cache doubles the load on {s2} for about {min} minutes.",
    "The health endpoint of {s} only checks the process, not its dependencies, so green pods can still fail requests.",
    "Both regions run the same release; a difference in error rates between them points at data or traffic, not code.",
    "Metrics are scraped every 15 seconds and alerts evaluate over {min} minutes, so the first signal lags the impact.",
    "The {s} team reviewed these steps with {t2} after the last incident and added the verification section.",
    "Feature flags are the fastest lever: turning one off takes effect in under a minute and keeps the rest of the release.",
    "Error budgets are tracked per quarter; this kind of incident used about {p}% of the budget for {s}.",
    "The database behind {s} runs with one primary and two replicas per region, with automated failover disabled on purpose.",
    "When the queue grows faster than {n} messages per minute, add consumers before the backlog reaches the retention limit.",
    "Dashboards show {m} per pod and per region; the per-pod view makes a single bad node obvious.",
    "Escalate to {t2} if the problem is in {s2}: they can see the provider status and open a case with them.",
    "A change freeze applies during the end-of-month close, and only fixes for active incidents go out then.",
    "Requests from the mobile apps retry with backoff, which smooths short outages but hides them from the error rate.",
    "The service level objective for {s} is {slo}% of requests under 300 ms over 28 days.",
    "Run the commands below from the bastion host in {r}; your laptop does not have access to the production clusters.",
    "Keep the incident channel for coordination and move long investigations into a thread so the timeline stays readable.",
    "Synthetic checks hit {s} from three locations every minute and page after two consecutive failures.",
    "Read-only mode keeps {s} answering lookups while writes are paused, which buys time during a failover.",
    "The {s2} client library changed its defaults twice this year; check the changelog when a dependency bump ships.",
];

const POSTMORTEM_SENTENCES: &[&str] = &[
    "The first alert fired {min} minutes after impact began, and the on-call engineer acknowledged it within two minutes.",
    "About {n} requests failed during the incident, and {p}% of affected customers retried successfully.",
    "The change had passed review and the staging tests, because staging traffic never exercises this path.",
    "Mitigation took longer than it should have because the rollback command in the runbook pointed at an old cluster name.",
    "Nobody could tell from the dashboards whether {s2} or {s} was slow, which cost us about {min} minutes.",
    "The incident commander handed over to {t2} once it was clear the problem was in {s2}.",
    "We confirmed the cause by reproducing it in staging with the production configuration of {s}.",
    "Status page updates went out every 30 minutes, and support had a macro for customer questions after the first hour.",
    "No data was lost: the retry queue held the failed work and it was replayed after the fix.",
    "The same pattern appeared in an earlier incident, and the follow-up from that review had not been finished yet.",
    "The system allowed a single config change to reach every region at once; there was no staged rollout for config.",
    "Load on {s2} doubled during recovery as caches refilled, which extended the impact by {min} minutes.",
    "The alert threshold had been raised during a noisy week in the spring and never lowered again.",
    "Engineers followed the runbook as written; the gap was in the runbook, which did not cover this failure mode.",
    "Tooling made the risky path the easy one: the deploy command accepted a region list of `all` without confirmation.",
];

const BULLETS: &[&str] = &[
    "{m} on {s} above the alert threshold for more than {min} minutes",
    "customer reports of failed requests in the support queue",
    "a release of {s} in the last hour",
    "errors in {s2} that correlate with {s}",
    "the {a} alert paging the {t} rotation",
    "synthetic checks failing from more than one location",
    "pods restarting more than {k} times in ten minutes",
    "a jump in {m} right after a config change",
];

const GOOD: &[&str] = &[
    "Detection in {min} minutes, well within the target for this severity.",
    "The rollback worked the first time and took {min} minutes.",
    "Clear ownership: {t} took the incident commander role immediately.",
    "Support had a customer message ready within the first half hour.",
    "Dashboards for {s} showed the failing dependency at a glance.",
    "The retry queue protected the data; nothing had to be recovered by hand.",
];

const WRONG: &[&str] = &[
    "The runbook for {s} did not cover this failure mode.",
    "Alerts for {s2} were routed to a channel nobody watches on weekends.",
    "Staging does not have production-like traffic, so the problem could not show up there.",
    "The config change reached every region at once.",
    "It took {min} minutes to find the right dashboard.",
    "Two teams investigated the same lead in parallel without knowing it.",
];

const QUOTES: &[&str] = &[
    "Customers saw a generic error page with no retry advice; several contacted support twice.",
    "The graph looked normal because the errors were averaged across all regions.",
    "We were one replica away from a full outage when the failover finished.",
    "The fix was a one-line change; finding it took the rest of the time.",
];

// ---------------------------------------------------------------------------------------
// The plan: what documents exist, before any text is written.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Runbook,
    Postmortem,
}

/// One planned document.
#[derive(Debug, Clone)]
pub struct Planned {
    pub kind: Kind,
    /// File name without `.md`.
    pub stem: String,
    /// Relative to the content folder, such as `runbooks/checkout-api-failover.md`.
    pub rel_path: String,
    /// What other documents use in `related_runbooks` / `related_postmortems`.
    pub id: String,
    pub title: String,
    /// Index in [`services`].
    pub service: usize,
    /// Incident day (postmortems) or last review day (runbooks), days since 1970-01-01.
    pub day: i64,
}

fn services() -> Vec<String> {
    DOMAINS
        .iter()
        .flat_map(|d| SUFFIXES.iter().map(move |s| format!("{d}-{s}")))
        .collect()
}

fn display_service(service: &str) -> String {
    let mut out = String::new();
    for (i, part) in service.split('-').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if i == 0 {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else if part == "api" || part == "db" {
            out.push_str(&part.to_uppercase());
        } else {
            out.push_str(part);
        }
    }
    out
}

fn unique(used: &mut HashSet<String>, base: String) -> String {
    if used.insert(base.clone()) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .expect("a free name")
}

/// The documents of a corpus of `n` documents: 30% runbooks, 70% postmortems.
pub fn plan(n: usize, seed: u64) -> Vec<Planned> {
    let mut rng = Rng::derive(seed, u64::MAX);
    let services = services();
    let today = parse_day(TODAY);
    let runbooks = (n * 3 + 5) / 10;
    let mut used = HashSet::new();
    let mut docs = Vec::with_capacity(n);
    for i in 0..n {
        let service = rng.below(services.len());
        let svc = &services[service];
        if i < runbooks {
            let (topic, title) = *rng.pick(RUNBOOK_TOPICS);
            let stem = unique(&mut used, format!("runbooks/{svc}-{topic}"))
                .trim_start_matches("runbooks/")
                .to_string();
            // Mostly reviewed within the default 180-day interval; about 2% are stale.
            let age = if rng.chance(0.02) {
                rng.range(200, 500)
            } else {
                rng.range(1, 170)
            };
            docs.push(Planned {
                kind: Kind::Runbook,
                rel_path: format!("runbooks/{stem}.md"),
                id: format!("rb-{stem}"),
                title: title.replace("{S}", &display_service(svc)),
                stem,
                service,
                day: today - age as i64,
            });
        } else {
            let (symptom, title) = *rng.pick(SYMPTOMS);
            // Years of history, more of it recent.
            let span = 8 * 365;
            let back = (rng.below(span) * rng.range(1, 100) / 100).max(3);
            let day = today - back as i64;
            let stem = unique(
                &mut used,
                format!("postmortems/{}-{svc}-{symptom}", date(day)),
            )
            .trim_start_matches("postmortems/")
            .to_string();
            docs.push(Planned {
                kind: Kind::Postmortem,
                rel_path: format!("postmortems/{stem}.md"),
                id: stem.clone(),
                title: title.replace("{S}", &display_service(svc)),
                stem,
                service,
                day,
            });
        }
    }
    docs
}

// ---------------------------------------------------------------------------------------
// Front matter, kept as data so every layout can write it in its own format.

#[derive(Debug, Clone)]
enum Value {
    /// Written as is: identifiers, dates, timestamps.
    Plain(String),
    /// Free text, always quoted.
    Text(String),
    List(Vec<String>),
    Maps(Vec<Vec<(&'static str, Value)>>),
}

type Fields = Vec<(&'static str, Value)>;

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn yaml_fields(out: &mut String, fields: &Fields, indent: &str) {
    for (key, value) in fields {
        match value {
            Value::Plain(v) => {
                let _ = writeln!(out, "{indent}{key}: {v}");
            }
            Value::Text(v) => {
                let _ = writeln!(out, "{indent}{key}: {}", quote(v));
            }
            Value::List(items) => {
                let _ = writeln!(out, "{indent}{key}: [{}]", items.join(", "));
            }
            Value::Maps(maps) => {
                let _ = writeln!(out, "{indent}{key}:");
                for map in maps {
                    let inner = format!("{indent}    ");
                    let mut item = String::new();
                    yaml_fields(&mut item, map, &inner);
                    // The first key of each item sits on the `- ` line.
                    let item = item.replacen(&inner, &format!("{indent}  - "), 1);
                    out.push_str(&item);
                }
            }
        }
    }
}

fn toml_value(value: &Value) -> String {
    match value {
        Value::Plain(v) | Value::Text(v) => quote(v),
        Value::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| quote(i))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Maps(maps) => format!(
            "[{}]",
            maps.iter()
                .map(|m| format!(
                    "{{ {} }}",
                    m.iter()
                        .map(|(k, v)| format!("{k} = {}", toml_value(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Text.

/// Everything a document's text may refer to.
struct Ctx<'a> {
    services: &'a [String],
    plan: &'a [Planned],
    runbooks_by_service: &'a HashMap<usize, Vec<usize>>,
    runbooks: &'a [usize],
    postmortems: &'a [usize],
}

struct Writer<'a> {
    rng: Rng,
    ctx: &'a Ctx<'a>,
    doc: &'a Planned,
    service: String,
    other: String,
    team: String,
    other_team: String,
}

fn team_of(service: &str) -> String {
    format!("team-{}", service.split('-').next().unwrap_or(service))
}

fn alert_name(service: &str, what: &str) -> String {
    let mut out = String::new();
    for part in service.split('-').chain(what.split('-')) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

fn tags(rng: &mut Rng) -> Vec<String> {
    let count = rng.range(1, 4);
    rng.sample(TAGS, count)
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

impl Writer<'_> {
    fn fill(&mut self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').expect("closed slot");
            let slot = &rest[open + 1..close];
            let rng = &mut self.rng;
            match slot {
                "s" => out.push_str(&self.service),
                "s2" => out.push_str(&self.other),
                "t" => out.push_str(&self.team),
                "t2" => out.push_str(&self.other_team),
                "m" => out.push_str(rng.pick::<&str>(METRICS)),
                "n" => {
                    let _ = write!(out, "{}", rng.range(2, 90) * 50);
                }
                "k" => {
                    let _ = write!(out, "{}", rng.range(3, 40));
                }
                "p" => {
                    let _ = write!(out, "{}", rng.range(2, 60));
                }
                "min" => {
                    let _ = write!(out, "{}", rng.range(2, 45));
                }
                "slo" => out.push_str(rng.pick::<&str>(&["99", "99.5", "99.9", "99.95"])),
                "r" => out.push_str(rng.pick::<&str>(REGIONS)),
                "tool" => out.push_str(rng.pick::<&str>(TOOLS)),
                "a" => {
                    let what = *rng.pick(&["high-error-rate", "latency-high", "saturation"]);
                    let _ = write!(out, "`{}`", alert_name(&self.service, what));
                }
                other => panic!("unknown slot {other}"),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    fn sentence(&mut self, pool: &[&str]) -> String {
        let template = *self.rng.pick(pool);
        self.fill(template)
    }

    fn paragraph(&mut self, extra: &[&str]) -> String {
        let count = self.rng.range(3, 6);
        let mut sentences = Vec::with_capacity(count);
        for _ in 0..count {
            let pool = if !extra.is_empty() && self.rng.chance(0.5) {
                extra
            } else {
                SENTENCES
            };
            sentences.push(self.sentence(pool));
        }
        sentences.join(" ")
    }

    fn bullets(&mut self, pool: &[&str], count: usize) -> String {
        let mut out = String::new();
        for item in self.rng.sample(pool, count) {
            let line = self.fill(item);
            let mut chars = line.chars();
            let first = chars.next().map(|c| c.to_uppercase().to_string());
            let _ = writeln!(out, "- {}{}", first.unwrap_or_default(), chars.as_str());
        }
        out
    }

    fn runbook_link(&mut self, index: usize, anchor: &str) -> String {
        let target = &self.ctx.plan[index];
        let prefix = if self.doc.kind == Kind::Runbook {
            ""
        } else {
            "../runbooks/"
        };
        format!(
            "[the {} runbook]({prefix}{}.md#{anchor})",
            target.title.to_lowercase(),
            target.stem
        )
    }

    fn postmortem_link(&mut self, index: usize, anchor: &str) -> String {
        let target = &self.ctx.plan[index];
        let prefix = if self.doc.kind == Kind::Postmortem {
            ""
        } else {
            "../postmortems/"
        };
        format!(
            "[{} ({})]({prefix}{}.md#{anchor})",
            target.title,
            date(target.day),
            target.stem
        )
    }

    fn commands(&mut self) -> String {
        let svc = self.service.clone();
        let ns = svc.split('-').next().unwrap_or(&svc).to_string();
        let region = *self.rng.pick(REGIONS);
        let ctx = format!("prod-{region}");
        let pool: Vec<String> = vec![
            format!("kubectl --context {ctx} -n {ns} get pods -l app={svc} -o wide"),
            format!(
                "kubectl --context {ctx} -n {ns} logs -l app={svc} --since=15m --tail=2000 | grep -E '\"level\":\"error\"' | jq -r '.msg' | sort | uniq -c | sort -rn | head -20"
            ),
            format!("helm --kube-context {ctx} -n {ns} history {svc} --max 5"),
            format!("helm --kube-context {ctx} -n {ns} rollback {svc} 0 --wait --timeout 8m"),
            format!("kubectl argo rollouts get rollout {svc} -n {ns} --context {ctx}"),
            format!(
                "kubectl --context {ctx} -n {ns} top pods -l app={svc} --sort-by=memory | head -15"
            ),
            format!(
                "kubectl --context {ctx} -n {ns} rollout restart deployment/{svc} && kubectl --context {ctx} -n {ns} rollout status deployment/{svc} --timeout=10m"
            ),
            format!(
                "curl -sS -o /dev/null -w '%{{http_code}} %{{time_total}}\\n' https://{svc}.internal.acme.example/healthz"
            ),
            format!("flagctl get --env prod --service {svc} | grep -i enabled"),
            format!(
                "kubectl --context {ctx} -n {ns} scale deployment/{svc} --replicas={}",
                self.rng.range(6, 48)
            ),
            format!(
                "promtool query instant http://prometheus.{region}.internal.acme.example 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{service=\"{svc}\"}}[5m])))'"
            ),
            format!("dig +short {svc}.internal.acme.example @10.0.0.2"),
        ];
        let lines = self.rng.range(3, 6);
        let mut out = String::from("```bash\n");
        for line in self.rng.sample(&pool, lines) {
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str("```\n");
        out
    }

    fn sql(&mut self) -> String {
        let table = *self
            .rng
            .pick(&["orders", "payments", "sessions", "events", "jobs"]);
        let minutes = self.rng.range(5, 60);
        format!(
            "```sql\nSELECT state, count(*) AS n, max(now() - updated_at) AS oldest\nFROM {table}\nWHERE updated_at > now() - interval '{minutes} minutes'\nGROUP BY state\nORDER BY n DESC;\n```\n"
        )
    }

    fn logs(&mut self, day: i64, minute: i64) -> String {
        let mut out = String::from("```text\n");
        for i in 0..self.rng.range(3, 7) {
            let ts = timestamp(day, minute + i as i64 / 3);
            let trace = format!("{:016x}{:016x}", self.rng.next_u64(), self.rng.next_u64());
            let status = *self.rng.pick(&["502", "503", "504", "500"]);
            let ms = self.rng.range(20, 30_000);
            let _ = writeln!(
                out,
                "{{\"ts\":\"{ts}\",\"level\":\"error\",\"service\":\"{}\",\"msg\":\"upstream request failed\",\"upstream\":\"{}.{}.svc:8080\",\"status\":{status},\"duration_ms\":{ms},\"trace_id\":\"{trace}\",\"pod\":\"{}-{:x}\"}}",
                self.service,
                self.other,
                self.other.split('-').next().unwrap_or("default"),
                self.service,
                self.rng.next_u64() & 0xff_ffff
            );
        }
        out.push_str("```\n");
        out
    }

    fn alerts_table(&mut self, alerts: &[String]) -> String {
        let mut out = String::from("| Alert | Threshold | Notes |\n|---|---|---|\n");
        for alert in alerts {
            let metric = *self.rng.pick(METRICS);
            let minutes = self.rng.range(2, 15);
            let note = *self.rng.pick(&[
                "Pages the primary on-call",
                "Ticket only during business hours",
                "Often a dependency, not this service",
                "Aborts a running rollout automatically",
            ]);
            let _ = writeln!(
                out,
                "| `{alert}` | {metric} above threshold for {minutes} minutes | {note} |"
            );
        }
        out
    }
}

/// A generated document: its path, front matter and body.
pub struct Generated {
    pub planned: Planned,
    fields: Fields,
    pub body: String,
}

impl Generated {
    /// The document as opsbook reads it: YAML front matter, then the body.
    pub fn opsbook_text(&self) -> String {
        let mut out = String::with_capacity(self.body.len() + 1024);
        out.push_str("---\n");
        yaml_fields(&mut out, &self.fields, "");
        out.push_str("---\n\n");
        out.push_str(&self.body);
        out
    }

    fn hugo_text(&self) -> String {
        let mut out = String::with_capacity(self.body.len() + 1024);
        out.push_str("---\n");
        let _ = writeln!(out, "title: {}", quote(&self.planned.title));
        let _ = writeln!(out, "date: {}", self.date());
        out.push_str("params:\n");
        let fields: Fields = self
            .fields
            .iter()
            .filter(|(k, _)| *k != "title")
            .cloned()
            .collect();
        yaml_fields(&mut out, &fields, "  ");
        out.push_str("---\n\n");
        out.push_str(&self.body);
        out
    }

    fn zola_text(&self) -> String {
        let mut out = String::with_capacity(self.body.len() + 1024);
        out.push_str("+++\n");
        let _ = writeln!(out, "title = {}", quote(&self.planned.title));
        let _ = writeln!(out, "date = {}", self.date());
        let _ = writeln!(out, "slug = {}", quote(&self.planned.stem));
        out.push_str("\n[extra]\n");
        for (key, value) in self.fields.iter().filter(|(k, _)| *k != "title") {
            let _ = writeln!(out, "{key} = {}", toml_value(value));
        }
        out.push_str("+++\n\n");
        out.push_str(&self.body);
        out
    }

    fn mdbook_text(&self) -> String {
        format!("# {}\n\n{}", self.planned.title, self.body)
    }

    fn date(&self) -> String {
        date(self.planned.day)
    }

    pub fn words(&self) -> usize {
        word_count(&self.body)
    }
}

fn runbook(w: &mut Writer, target_words: usize) -> (Fields, String) {
    let doc = w.doc;
    let svc = w.service.clone();
    let severity = format!("SEV{}", w.rng.range(1, 4));
    let alerts: Vec<String> = w
        .rng
        .sample_between(
            &[
                "high-error-rate",
                "latency-high",
                "saturation",
                "availability-slo-burn",
            ],
            1,
            3,
        )
        .into_iter()
        .map(|what| alert_name(&svc, what))
        .collect();
    let mut services = vec![svc.clone()];
    if w.rng.chance(0.4) {
        services.push(w.other.clone());
    }
    let mut fields: Fields = vec![
        ("kind", Value::Plain("runbook".into())),
        ("id", Value::Plain(doc.id.clone())),
        ("title", Value::Text(doc.title.clone())),
        ("owner", Value::Plain(w.team.clone())),
        ("severity", Value::Plain(severity)),
        ("services", Value::List(services)),
        (
            "rollback",
            Value::Text(format!(
                "helm rollback {svc} to the last known good revision in every region; turn off new feature flags first if the release is flag-gated"
            )),
        ),
        ("last_reviewed", Value::Plain(date(doc.day))),
    ];
    if w.rng.chance(0.1) {
        fields.push(("review_interval", Value::Plain("365".into())));
    }
    fields.push(("alerts", Value::List(alerts.clone())));
    fields.push((
        "escalation",
        Value::Text(format!("#{}-oncall", svc.split('-').next().unwrap_or(&svc))),
    ));
    let status = if w.rng.chance(0.05) {
        "deprecated"
    } else {
        "active"
    };
    fields.push(("status", Value::Plain(status.into())));
    fields.push(("tags", Value::List(tags(&mut w.rng))));

    // Links: other runbooks (same folder) and postmortems.
    let mut runbook_links = Vec::new();
    for index in w.rng.sample(w.ctx.runbooks, 3) {
        if w.ctx.plan[index].stem != doc.stem {
            let anchor = *w
                .rng
                .pick(&["rollback", "diagnosis", "when-to-use", "escalation"]);
            runbook_links.push(w.runbook_link(index, anchor));
        }
    }
    let mut postmortem_links = Vec::new();
    for index in w.rng.sample_between(w.ctx.postmortems, 1, 3) {
        let anchor = *w.rng.pick(&["timeline", "root-cause", "impact"]);
        postmortem_links.push(w.postmortem_link(index, anchor));
    }

    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    sections.push((String::new(), vec![w.paragraph(&[])]));
    sections.push(("When to use".into(), {
        let count = w.rng.range(3, 5);
        vec![w.bullets(BULLETS, count)]
    }));
    sections.push((
        "Detection".into(),
        vec![
            w.alerts_table(&alerts),
            format!(
                "Dashboard: **{} / Golden signals**, with release annotations.",
                display_service(&svc)
            ),
        ],
    ));
    let mut diagnosis = vec![w.paragraph(&[]), w.commands()];
    let mut steps = String::new();
    for (i, q) in [
        "Did the errors start with a release, a config change or a traffic change?",
        "Is the problem in this service, or in a dependency (check `upstream` in the logs)?",
        "Is one region, one zone or one pod affected, or all of them?",
    ]
    .iter()
    .enumerate()
    {
        let _ = writeln!(steps, "{}. {q}", i + 1);
    }
    diagnosis.push(steps);
    if svc.ends_with("-db") || w.rng.chance(0.3) {
        diagnosis.push(w.sql());
    }
    sections.push(("Diagnosis".into(), diagnosis));
    sections.push(("Mitigation".into(), vec![w.paragraph(&[]), w.commands()]));
    sections.push((
        "Rollback".into(),
        vec![
            format!(
                "> [!WARNING]\n> If the release ran a schema migration, confirm with {} that the previous version works with the new schema before rolling back.\n",
                w.other_team
            ),
            w.commands(),
        ],
    ));
    sections.push((
        "Verification".into(),
        vec![format!(
            "- [ ] {} back to its baseline on the dashboard.\n- [ ] No new errors in {} for ten minutes.\n- [ ] The alert has resolved on its own.\n",
            display_service(&svc),
            w.other
        )],
    ));
    let mut escalation = vec![w.paragraph(&[])];
    if !postmortem_links.is_empty() {
        escalation.push(format!("Past incidents: {}.", postmortem_links.join(", ")));
    }
    if !runbook_links.is_empty() {
        escalation.push(format!("See also {}.", runbook_links.join(" and ")));
    }
    sections.push(("Escalation".into(), escalation));

    let fillers = ["Background", "Known issues", "Notes from drills"];
    pad(w, &mut sections, &fillers, &[1, 4, 8], target_words, &[]);
    (fields, join_sections(&sections))
}

fn postmortem(w: &mut Writer, target_words: usize) -> (Fields, String) {
    let doc = w.doc;
    let svc = w.service.clone();
    let today = parse_day(TODAY);
    let start = w.rng.range(0, 1439) as i64;
    let detected = start + w.rng.range(1, 30) as i64;
    let mitigated = detected + w.rng.range(5, 120) as i64;
    let resolved = mitigated + w.rng.range(0, 240) as i64;
    let owner = format!(
        "{}.{}@acme.example",
        w.rng.pick(FIRST_NAMES),
        w.rng.pick(LAST_NAMES)
    );
    let status = match w.rng.below(20) {
        0 => "draft",
        1 | 2 => "in_review",
        _ => "published",
    };
    let related_runbooks: Vec<usize> = {
        let own = w
            .ctx
            .runbooks_by_service
            .get(&doc.service)
            .cloned()
            .unwrap_or_default();
        let mut picked = w.rng.sample(&own, 2);
        if picked.is_empty() || w.rng.chance(0.3) {
            picked.extend(w.rng.sample(w.ctx.runbooks, 1));
        }
        picked.sort_unstable();
        picked.dedup();
        picked
    };
    let related_postmortems: Vec<usize> = w
        .rng
        .sample_between(w.ctx.postmortems, 0, 2)
        .into_iter()
        .filter(|&i| w.ctx.plan[i].stem != doc.stem)
        .collect();
    let mut follow_ups = Vec::new();
    let count = w.rng.range(1, 5);
    let old = today - doc.day > 365;
    for i in 0..count {
        let action = w.sentence(ACTIONS);
        let owner = format!(
            "{}.{}@acme.example",
            w.rng.pick(FIRST_NAMES),
            w.rng.pick(LAST_NAMES)
        );
        let closed = if old { 0.93 } else { 0.45 };
        let (status, due) = if w.rng.chance(closed) {
            let status = if w.rng.chance(0.9) { "done" } else { "wont_do" };
            (status, doc.day + w.rng.range(7, 90) as i64)
        } else {
            let status = if w.rng.chance(0.6) {
                "open"
            } else {
                "in_progress"
            };
            // Open work is mostly due in the future; about 3% is overdue.
            let due = if w.rng.chance(0.03) {
                today - w.rng.range(1, 60) as i64
            } else {
                today + w.rng.range(7, 180) as i64
            };
            (status, due)
        };
        let mut item: Vec<(&'static str, Value)> = vec![
            ("action", Value::Text(action)),
            ("owner", Value::Plain(owner)),
            ("due", Value::Plain(date(due))),
            ("status", Value::Plain(status.into())),
        ];
        if w.rng.chance(0.8) {
            item.push((
                "ticket",
                Value::Plain(format!("OPS-{}", 1000 + (doc.day % 9000) * 3 + i as i64)),
            ));
        }
        follow_ups.push(item);
    }
    let mut services = vec![svc.clone()];
    if w.rng.chance(0.5) {
        services.push(w.other.clone());
    }
    let trigger = *w.rng.pick(TRIGGERS);
    let fields: Fields = vec![
        ("kind", Value::Plain("postmortem".into())),
        ("title", Value::Text(doc.title.clone())),
        ("owner", Value::Plain(owner)),
        (
            "severity",
            Value::Plain(format!("SEV{}", w.rng.range(1, 4))),
        ),
        ("services", Value::List(services)),
        ("status", Value::Plain(status.into())),
        ("started_at", Value::Plain(timestamp(doc.day, start))),
        ("detected_at", Value::Plain(timestamp(doc.day, detected))),
        ("mitigated_at", Value::Plain(timestamp(doc.day, mitigated))),
        ("resolved_at", Value::Plain(timestamp(doc.day, resolved))),
        ("trigger", Value::Plain(trigger.into())),
        ("detection", Value::Plain((*w.rng.pick(DETECTIONS)).into())),
        (
            "rollback",
            Value::Text(if trigger == "deploy" || trigger == "config" {
                format!(
                    "Rolled back {svc} to the previous {}",
                    if trigger == "deploy" {
                        "release"
                    } else {
                        "configuration"
                    }
                )
            } else {
                format!("not applicable: the {trigger} problem was fixed forward")
            }),
        ),
        (
            "related_runbooks",
            Value::List(
                related_runbooks
                    .iter()
                    .map(|&i| w.ctx.plan[i].id.clone())
                    .collect(),
            ),
        ),
        (
            "related_postmortems",
            Value::List(
                related_postmortems
                    .iter()
                    .map(|&i| w.ctx.plan[i].id.clone())
                    .collect(),
            ),
        ),
        ("tags", Value::List(tags(&mut w.rng))),
        ("data_exposure", Value::Plain("none".into())),
        ("follow_ups", Value::Maps(follow_ups)),
    ];

    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    sections.push(("Summary".into(), vec![w.paragraph(POSTMORTEM_SENTENCES)]));
    let mut impact = String::new();
    let _ = writeln!(
        impact,
        "- {}-{} UTC: {}% of requests to {} failed or timed out.",
        clock(start),
        clock(mitigated),
        w.rng.range(2, 60),
        svc
    );
    let _ = writeln!(
        impact,
        "- About {} customer-facing errors; {}% of those customers retried successfully.",
        w.rng.range(2, 400) * 25,
        w.rng.range(40, 95)
    );
    let _ = writeln!(
        impact,
        "- {} support tickets opened during the incident.",
        w.rng.range(0, 80)
    );
    sections.push(("Impact".into(), vec![impact]));

    // The timeline, with a link to the runbook that was followed.
    let mut timeline = format!(
        "All times UTC, {}.\n\n| Time | Event |\n|---|---|\n",
        date(doc.day)
    );
    let followed = related_runbooks
        .first()
        .map(|&i| w.runbook_link(i, "rollback"));
    let rows = [
        (start, format!("Impact begins on {svc}")),
        (
            detected,
            format!(
                "`{}` pages the on-call engineer",
                alert_name(&svc, "high-error-rate")
            ),
        ),
        (
            detected + 3,
            "Incident declared; incident commander assigned".to_string(),
        ),
        (
            (detected + mitigated) / 2,
            match &followed {
                Some(link) => format!("Mitigation started, following {link}"),
                None => "Mitigation started".to_string(),
            },
        ),
        (
            mitigated,
            "Error rate back to baseline. Mitigated".to_string(),
        ),
        (
            resolved,
            "Backlog drained, monitoring normal. Resolved".to_string(),
        ),
    ];
    for (minute, event) in rows {
        let _ = writeln!(timeline, "| {} | {event} |", clock(minute));
    }
    sections.push(("Timeline".into(), vec![timeline]));

    let mut cause = vec![
        w.paragraph(POSTMORTEM_SENTENCES),
        w.logs(doc.day, start + 2),
    ];
    let mut table = String::from("| Setting | Before | After | Limit |\n|---|---|---|---|\n");
    for setting in w.rng.sample(
        &[
            "Idle timeout",
            "Pool size",
            "Retry budget",
            "Replica count",
            "Memory limit",
        ],
        2,
    ) {
        let _ = writeln!(
            table,
            "| {setting} | {} | {} | {} |",
            w.rng.range(10, 90),
            w.rng.range(10, 90),
            w.rng.range(10, 90)
        );
    }
    cause.push(table);
    if !related_postmortems.is_empty() {
        let links: Vec<String> = related_postmortems
            .iter()
            .map(|&i| w.postmortem_link(i, "root-cause"))
            .collect();
        cause.push(format!(
            "This is the same family of problem as {}.",
            links.join(" and ")
        ));
    }
    sections.push(("Root cause".into(), cause));
    sections.push((
        "Contributing factors".into(),
        vec![w.bullets(WRONG, 2), w.paragraph(POSTMORTEM_SENTENCES)],
    ));
    sections.push(("What went well".into(), vec![w.bullets(GOOD, 3)]));
    sections.push((
        "What went wrong".into(),
        vec![w.bullets(WRONG, 2), format!("> {}\n", w.rng.pick(QUOTES))],
    ));
    let mut follow = vec![w.paragraph(POSTMORTEM_SENTENCES)];
    if let Some(&index) = related_runbooks.first() {
        let link = w.runbook_link(index, "diagnosis");
        follow.push(format!(
            "The diagnosis steps in {link} were updated after the review."
        ));
    }
    sections.push(("Follow-ups".into(), follow));
    pad(
        w,
        &mut sections,
        &[],
        &[3, 4, 5],
        target_words,
        POSTMORTEM_SENTENCES,
    );
    (fields, join_sections(&sections))
}

/// Adds paragraphs (and now and then a code block) until the document reaches about
/// `target` words: into new filler sections inserted at `at`, or into existing sections.
fn pad(
    w: &mut Writer,
    sections: &mut Vec<(String, Vec<String>)>,
    fillers: &[&str],
    at: &[usize],
    target: usize,
    extra: &[&str],
) {
    let mut words: usize = sections
        .iter()
        .map(|(h, blocks)| word_count(h) + blocks.iter().map(|b| word_count(b)).sum::<usize>())
        .sum();
    // Filler sections, inserted back to front so the positions stay valid.
    let mut targets: Vec<usize> = Vec::new();
    if !fillers.is_empty() {
        for (name, &pos) in fillers.iter().zip(at).rev() {
            sections.insert(pos.min(sections.len()), (name.to_string(), Vec::new()));
        }
        let mut offset = 0;
        for (name, _) in fillers.iter().zip(at) {
            let pos = sections
                .iter()
                .skip(offset)
                .position(|(h, _)| h == name)
                .map(|p| p + offset)
                .expect("inserted");
            targets.push(pos);
            offset = pos + 1;
        }
    } else {
        targets.extend(at.iter().copied().filter(|&p| p < sections.len()));
    }
    let mut round = 0;
    while words + 40 < target {
        let section = targets[round % targets.len()];
        let block = if round % 4 == 3 {
            if w.rng.chance(0.5) {
                w.commands()
            } else {
                w.logs(w.doc.day, 600)
            }
        } else {
            w.paragraph(extra)
        };
        let block_words = word_count(&block);
        // Headings add a `##` and up to three words each: stay under 1,500 words in all.
        if words + block_words + 4 * sections.len() > 1_500 {
            break;
        }
        words += block_words;
        sections[section].1.push(block);
        round += 1;
    }
    // Filler sections that got nothing are dropped (an empty heading is odd).
    sections.retain(|(h, blocks)| !blocks.is_empty() || h.is_empty());
}

fn join_sections(sections: &[(String, Vec<String>)]) -> String {
    let mut out = String::with_capacity(12 * 1024);
    for (heading, blocks) in sections {
        if !heading.is_empty() {
            let _ = write!(out, "## {heading}\n\n");
        }
        for block in blocks {
            out.push_str(block.trim_end());
            out.push_str("\n\n");
        }
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Generates the text of document `index` of `plan`.
fn generate_one(plan: &[Planned], ctx: &Ctx, seed: u64, index: usize) -> Generated {
    let doc = &plan[index];
    let mut rng = Rng::derive(seed, index as u64);
    let service = ctx.services[doc.service].clone();
    let other = loop {
        let candidate = rng.pick(ctx.services);
        if *candidate != service {
            break candidate.clone();
        }
    };
    let team = team_of(&service);
    let other_team = team_of(&other);
    // 400 to 1,500 words, skewed towards longer documents.
    let target = 400 + rng.below(1101).max(rng.below(1101));
    let target = target.min(1_420);
    let mut writer = Writer {
        rng,
        ctx,
        doc,
        service,
        other,
        team,
        other_team,
    };
    let (fields, body) = match doc.kind {
        Kind::Runbook => runbook(&mut writer, target),
        Kind::Postmortem => postmortem(&mut writer, target),
    };
    Generated {
        planned: doc.clone(),
        fields,
        body,
    }
}

/// Every document of a corpus of `n` documents, in plan order.
pub fn documents(n: usize, seed: u64) -> Vec<Generated> {
    let mut out = Vec::with_capacity(n);
    for_each_document(n, seed, |doc| {
        out.push(doc);
        Ok(())
    })
    .expect("no I/O");
    out
}

/// Calls `f` with each generated document in turn (one in memory at a time).
pub fn for_each_document(
    n: usize,
    seed: u64,
    mut f: impl FnMut(Generated) -> io::Result<()>,
) -> io::Result<()> {
    let plan = plan(n, seed);
    let services = services();
    let runbooks: Vec<usize> = (0..plan.len())
        .filter(|&i| plan[i].kind == Kind::Runbook)
        .collect();
    let postmortems: Vec<usize> = (0..plan.len())
        .filter(|&i| plan[i].kind == Kind::Postmortem)
        .collect();
    let mut runbooks_by_service: HashMap<usize, Vec<usize>> = HashMap::new();
    for &i in &runbooks {
        runbooks_by_service
            .entry(plan[i].service)
            .or_default()
            .push(i);
    }
    let ctx = Ctx {
        services: &services,
        plan: &plan,
        runbooks_by_service: &runbooks_by_service,
        runbooks: &runbooks,
        postmortems: &postmortems,
    };
    for index in 0..plan.len() {
        f(generate_one(&plan, &ctx, seed, index))?;
    }
    Ok(())
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub documents: usize,
    pub runbooks: usize,
    pub postmortems: usize,
    /// Bytes of the documents (front matter and body), not counting config files.
    pub bytes: u64,
    /// Words of the bodies.
    pub words: u64,
    pub min_words: usize,
    pub max_words: usize,
}

/// Writes a corpus of `n` documents under `dir` in `layout`. Refuses a folder whose content
/// (or mdBook `src`) folder already holds files, so a smaller corpus never mixes with an
/// older, larger one.
pub fn generate(dir: &Path, n: usize, seed: u64, layout: Layout) -> io::Result<Stats> {
    let content = match layout {
        Layout::Mdbook => dir.join("src"),
        _ => dir.join("content"),
    };
    if content.exists() && fs::read_dir(&content)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} is not empty; choose an empty folder", content.display()),
        ));
    }
    for folder in ["runbooks", "postmortems"] {
        fs::create_dir_all(content.join(folder))?;
    }
    write_site_files(dir, layout)?;
    let mut stats = Stats {
        min_words: usize::MAX,
        ..Stats::default()
    };
    let mut summary = (String::new(), String::new());
    for_each_document(n, seed, |doc| {
        let text = match layout {
            Layout::Opsbook => doc.opsbook_text(),
            Layout::Hugo => doc.hugo_text(),
            Layout::Zola => doc.zola_text(),
            Layout::Mdbook => doc.mdbook_text(),
        };
        let words = doc.words();
        stats.documents += 1;
        stats.bytes += text.len() as u64;
        stats.words += words as u64;
        stats.min_words = stats.min_words.min(words);
        stats.max_words = stats.max_words.max(words);
        let line = format!("- [{}]({})\n", doc.planned.title, doc.planned.rel_path);
        match doc.planned.kind {
            Kind::Runbook => {
                stats.runbooks += 1;
                summary.0.push_str(&line);
            }
            Kind::Postmortem => {
                stats.postmortems += 1;
                summary.1.push_str(&line);
            }
        }
        fs::write(content.join(&doc.planned.rel_path), text)
    })?;
    if stats.documents == 0 {
        stats.min_words = 0;
    }
    if layout == Layout::Mdbook {
        let text = format!(
            "# Summary\n\n[Introduction](README.md)\n\n# Runbooks\n\n{}\n# Postmortems\n\n{}",
            summary.0, summary.1
        );
        fs::write(content.join("SUMMARY.md"), text)?;
        fs::write(
            content.join("README.md"),
            "# Incident knowledge base\n\nGenerated runbooks and postmortems.\n",
        )?;
    }
    Ok(stats)
}

const TITLE: &str = "Generated incident knowledge base";

fn write_site_files(dir: &Path, layout: Layout) -> io::Result<()> {
    let files: Vec<(PathBuf, String)> = match layout {
        Layout::Opsbook => vec![(
            dir.join("opsbook.toml"),
            format!("[site]\ntitle = \"{TITLE}\"\n"),
        )],
        Layout::Hugo => {
            // Only the documents carry `data-pagefind-body`, so Pagefind indexes the same
            // pages as opsbook's search (not the home page and section lists).
            let page = |main: &str, body: &str| {
                format!(
                    "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{{{{ .Title }}}}</title></head>\n<body>\n<main{body}>\n{main}\n</main>\n</body>\n</html>\n"
                )
            };
            vec![
                (
                    dir.join("hugo.toml"),
                    format!(
                        "baseURL = \"http://localhost/\"\ntitle = \"{TITLE}\"\ndisableKinds = [\"taxonomy\", \"term\"]\n\n[markup.highlight]\ncodeFences = false\n"
                    ),
                ),
                (
                    dir.join("layouts/_default/single.html"),
                    page(
                        "<h1>{{ .Title }}</h1>\n{{ .Content }}",
                        " data-pagefind-body",
                    ),
                ),
                (
                    dir.join("layouts/_default/list.html"),
                    page(
                        "<h1>{{ .Title }}</h1>\n<ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>",
                        "",
                    ),
                ),
                (
                    dir.join("layouts/index.html"),
                    page(
                        "<h1>{{ .Site.Title }}</h1>\n<ul>{{ range .Site.Sections }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>",
                        "",
                    ),
                ),
            ]
        }
        Layout::Zola => {
            let page = |main: &str| {
                format!(
                    "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{{{{ config.title }}}}</title></head>\n<body>\n<main>\n{main}\n</main>\n</body>\n</html>\n"
                )
            };
            vec![
                (
                    dir.join("config.toml"),
                    format!(
                        "base_url = \"http://localhost\"\ntitle = \"{TITLE}\"\ncompile_sass = false\nbuild_search_index = true\n"
                    ),
                ),
                (dir.join("content/_index.md"), "+++\n+++\n".into()),
                (
                    dir.join("content/runbooks/_index.md"),
                    "+++\ntitle = \"Runbooks\"\nsort_by = \"title\"\n+++\n".into(),
                ),
                (
                    dir.join("content/postmortems/_index.md"),
                    "+++\ntitle = \"Postmortems\"\nsort_by = \"date\"\n+++\n".into(),
                ),
                (
                    dir.join("templates/index.html"),
                    page("<h1>{{ config.title }}</h1>"),
                ),
                (
                    dir.join("templates/section.html"),
                    page(
                        "<h1>{{ section.title }}</h1>\n<ul>{% for p in section.pages %}<li><a href=\"{{ p.permalink }}\">{{ p.title }}</a></li>{% endfor %}</ul>",
                    ),
                ),
                (
                    dir.join("templates/page.html"),
                    page("<h1>{{ page.title }}</h1>\n{{ page.content | safe }}"),
                ),
            ]
        }
        Layout::Mdbook => vec![(
            dir.join("book.toml"),
            format!(
                "[book]\ntitle = \"{TITLE}\"\nsrc = \"src\"\n\n[output.html.search]\nenable = true\n\n[output.html.print]\nenable = false\n"
            ),
        )],
    };
    for (path, text) in files {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, text)?;
    }
    Ok(())
}
