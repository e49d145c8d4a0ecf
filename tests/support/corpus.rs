//! A deterministic synthetic knowledge base in the default schema: about 30% runbooks and 70%
//! postmortems of 400 to 1,500 words, with headings, lists, a table, code blocks, blockquotes,
//! links between documents and follow-ups. Used by the browser test (one index against several
//! shards) and by `cargo run --release --example gen_corpus -- DIR N` for measurements.

use std::fmt::Write as _;
use std::path::Path;

/// splitmix64: small, fast, and the same numbers on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub fn range(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }
}

const SERVICES: &[&str] = &[
    "checkout-web",
    "payments-api",
    "inventory-db",
    "search-api",
    "auth-service",
    "notifications",
    "cdn-edge",
    "data-pipeline",
    "orders-api",
    "billing-worker",
    "profile-api",
    "shipping-api",
    "recommendations",
    "ledger-db",
    "gateway",
    "media-store",
];
const TEAMS: &[&str] = &[
    "team-checkout",
    "team-payments",
    "team-inventory",
    "team-search",
    "team-identity",
    "team-messaging",
    "team-edge",
    "team-data",
    "team-platform",
    "team-billing",
];
const PEOPLE: &[&str] = &[
    "alice.nguyen",
    "bob.martin",
    "carlos.mendes",
    "dana.kowalski",
    "emeka.obi",
    "fatima.haddad",
    "george.lin",
    "hana.sato",
    "ivan.petrov",
    "julia.romero",
    "kofi.mensah",
    "lena.fischer",
];
const SYMPTOMS: &[&str] = &[
    "elevated 5xx errors",
    "p99 latency above the SLO",
    "connection timeouts",
    "replication lag",
    "out of memory kills",
    "disk full on the primary",
    "expired TLS certificate",
    "stale cache entries",
    "duplicate messages",
    "a stuck consumer group",
    "DNS resolution failures",
    "thread pool exhaustion",
    "a failed schema migration",
    "rate limiting by the provider",
    "packet loss between zones",
];
const TOPICS: &[&str] = &[
    "latency",
    "errors",
    "failover",
    "backlog",
    "outage",
    "degradation",
    "timeouts",
    "saturation",
    "rollback",
    "expiry",
    "corruption",
    "throttling",
];
const TRIGGERS: &[&str] = &[
    "deploy",
    "config",
    "dependency",
    "capacity",
    "hardware",
    "other",
];
const DETECTIONS: &[&str] = &["alert", "customer", "internal", "other"];
const SEVERITIES: &[&str] = &["SEV1", "SEV2", "SEV2", "SEV3", "SEV3", "SEV3", "SEV4"];
const TAGS: &[&str] = &[
    "database",
    "kubernetes",
    "deploy",
    "network",
    "dns",
    "tls",
    "cache",
    "queue",
    "capacity",
    "provider",
    "config",
    "observability",
    "canary",
    "storage",
];
const ACTIONS: &[&str] = &[
    "roll back the release with helm rollback",
    "fail over to the replica in the other zone",
    "restart the stuck consumers one at a time",
    "scale the deployment out by two replicas",
    "purge the CDN cache for the affected paths",
    "rotate the certificate and reload the proxy",
    "raise the connection pool limit temporarily",
    "drain the node and cordon it",
    "disable the feature flag for the new code path",
    "pause the batch jobs until the lag recovers",
];
const VERBS: &[&str] = &[
    "noticed",
    "confirmed",
    "escalated",
    "mitigated",
    "rolled back",
    "investigated",
    "paged",
    "verified",
    "restarted",
    "drained",
    "throttled",
    "reconfigured",
];
const NOUNS: &[&str] = &[
    "the primary database",
    "the load balancer",
    "the message queue",
    "the canary",
    "the cache cluster",
    "the ingress controller",
    "the connection pool",
    "the batch scheduler",
    "the provider API",
    "the service mesh sidecar",
    "the read replicas",
    "the object store",
    "the DNS resolver",
];
const ADJECTIVES: &[&str] = &[
    "intermittent",
    "sustained",
    "partial",
    "regional",
    "gradual",
    "sudden",
    "unexpected",
    "silent",
];

/// A sentence about `service` and `symptom`, as incident documents mostly talk about their own
/// incident; now and then it mentions another symptom, as real ones do.
fn sentence(rng: &mut Rng, service: &str, own_symptom: &str) -> String {
    let symptom = if rng.below(8) == 0 {
        rng.pick(SYMPTOMS)
    } else {
        own_symptom
    };
    match rng.below(8) {
        0 => format!(
            "The on-call engineer {} {} on {} after the alert fired.",
            rng.pick(VERBS),
            symptom,
            service
        ),
        1 => format!(
            "We saw {} {} between {} and {}.",
            rng.pick(ADJECTIVES),
            symptom,
            rng.pick(NOUNS),
            service
        ),
        2 => format!(
            "To mitigate, {} and watch the error rate of {} for ten minutes.",
            rng.pick(ACTIONS),
            service
        ),
        3 => format!(
            "The dashboards showed {} traffic to {}, while {} looked healthy.",
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS),
            rng.pick(SERVICES)
        ),
        4 => format!(
            "Nobody is to blame: the system allowed {} to reach {} without a guard.",
            symptom, service
        ),
        5 => format!(
            "A change to {} {} the behaviour of {} under load.",
            rng.pick(NOUNS),
            rng.pick(&["altered", "degraded", "exposed", "hid"]),
            service
        ),
        6 => format!(
            "Customers reported {} when the {} of {} {}.",
            symptom,
            rng.pick(NOUNS).trim_start_matches("the "),
            service,
            rng.pick(&["spiked", "stalled", "recovered", "flapped"])
        ),
        _ => format!(
            "Next time, check {} first and {}.",
            rng.pick(NOUNS),
            rng.pick(ACTIONS)
        ),
    }
}

fn paragraph(rng: &mut Rng, service: &str, symptom: &str, words: &mut usize) -> String {
    let mut text = String::new();
    for _ in 0..rng.range(3, 6) {
        let s = sentence(rng, service, symptom);
        *words += s.split_whitespace().count();
        text.push_str(&s);
        text.push(' ');
    }
    text.pop();
    text
}

fn list<'a>(rng: &mut Rng, items: &[&'a str], count: usize) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    while out.len() < count.min(items.len()) {
        let item = rng.pick(items);
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// One generated document: its path under content/ and its text.
pub struct GeneratedDoc {
    pub rel_path: String,
    pub text: String,
}

/// Generates `n` documents; the same `n` and `seed` give the same bytes.
pub fn generate(n: usize, seed: u64) -> Vec<GeneratedDoc> {
    let mut rng = Rng::new(seed);
    let mut docs: Vec<GeneratedDoc> = Vec::with_capacity(n);
    let mut runbook_ids: Vec<String> = Vec::new();
    let mut postmortem_paths: Vec<String> = Vec::new();
    for i in 0..n {
        let service = rng.pick(SERVICES);
        let topic = rng.pick(TOPICS);
        let symptom = rng.pick(SYMPTOMS);
        let severity = rng.pick(SEVERITIES);
        let tag_count = rng.range(1, 3);
        let tags = list(&mut rng, TAGS, tag_count);
        let target_words = rng.range(400, 1500);
        let runbook = rng.below(10) < 3;
        let mut words = 0;
        let mut body = String::new();
        let mut front = String::from("---\n");
        let title;
        let rel_path;
        if runbook {
            title = format!("{service} {topic}: {symptom}");
            let id = format!("rb-{i:05}-{service}-{topic}");
            rel_path = format!("runbooks/{id}.md");
            let _ = write!(
                front,
                "kind: runbook\nid: {id}\ntitle: \"{title}\"\nowner: {}\nseverity: {severity}\nservices: [{service}]\n\
                 rollback: \"{}\"\nlast_reviewed: 2026-{:02}-{:02}\nalerts: [{}{}]\nescalation: \"#{}-oncall\"\n\
                 status: {}\ntags: [{}]\n---\n",
                rng.pick(TEAMS),
                rng.pick(ACTIONS),
                rng.range(1, 12),
                rng.range(1, 28),
                service.replace('-', "_"),
                rng.pick(&["HighErrorRate", "LatencyHigh", "Saturation", "Down"]),
                service,
                if rng.below(10) == 0 {
                    "deprecated"
                } else {
                    "active"
                },
                tags.join(", ")
            );
            runbook_ids.push(id);
        } else {
            let month = rng.range(1, 12);
            let day = rng.range(1, 28);
            let hour = rng.range(0, 20);
            let minute = rng.range(0, 40);
            let detect = minute + rng.range(1, 15);
            let resolve_h = hour + rng.range(1, 3);
            title = format!("{service} {topic} with {symptom}");
            let slug = format!("2026-{month:02}-{day:02}-{service}-{topic}-{i:05}");
            rel_path = format!("postmortems/{slug}.md");
            let related = if runbook_ids.is_empty() {
                String::new()
            } else {
                runbook_ids[rng.below(runbook_ids.len())].clone()
            };
            let owner = rng.pick(PEOPLE);
            let _ = write!(
                front,
                "kind: postmortem\ntitle: \"{title}\"\nowner: {owner}@acme.example\nseverity: {severity}\nservices: [{service}]\n\
                 status: {}\nstarted_at: 2026-{month:02}-{day:02}T{hour:02}:{minute:02}:00Z\n\
                 detected_at: 2026-{month:02}-{day:02}T{hour:02}:{detect:02}:00Z\n\
                 resolved_at: 2026-{month:02}-{day:02}T{resolve_h:02}:{minute:02}:00Z\n\
                 trigger: {}\ndetection: {}\nrollback: \"{}\"\nrelated_runbooks: [{related}]\ntags: [{}]\nfollow_ups:\n",
                rng.pick(&["published", "published", "published", "in_review", "draft"]),
                rng.pick(TRIGGERS),
                rng.pick(DETECTIONS),
                rng.pick(ACTIONS),
                tags.join(", ")
            );
            for f in 0..rng.range(1, 4) {
                let _ = write!(
                    front,
                    "  - action: \"{}\"\n    owner: {}@acme.example\n    due: 2026-{:02}-{:02}\n    status: {}\n    ticket: OPS-{}\n",
                    {
                        let a = rng.pick(ACTIONS);
                        let mut a = a.to_string();
                        a.replace_range(0..1, &a[0..1].to_uppercase());
                        format!("{a} for {service}")
                    },
                    rng.pick(PEOPLE),
                    rng.range(1, 12),
                    rng.range(1, 28),
                    rng.pick(&["open", "in_progress", "done", "done", "wont_do"]),
                    1000 + i * 4 + f
                );
            }
            front.push_str("---\n");
            postmortem_paths.push(slug);
        }

        let sections: &[&str] = if runbook {
            &[
                "When to use",
                "Detection",
                "Diagnosis",
                "Mitigation",
                "Rollback",
                "Escalation",
            ]
        } else {
            &[
                "Summary",
                "Impact",
                "Timeline",
                "Root cause",
                "Contributing factors",
                "What went well",
                "Lessons",
            ]
        };
        let mut s = 0;
        while words < target_words {
            let heading = sections[s % sections.len()];
            let _ = write!(
                body,
                "\n## {heading}{}\n\n",
                if s >= sections.len() {
                    " (continued)"
                } else {
                    ""
                }
            );
            words += 2;
            body.push_str(&paragraph(&mut rng, service, symptom, &mut words));
            body.push_str("\n\n");
            match s % 5 {
                0 => {
                    for _ in 0..rng.range(2, 4) {
                        let _ = writeln!(body, "- {}", sentence(&mut rng, service, symptom));
                        words += 12;
                    }
                    body.push('\n');
                }
                1 => {
                    body.push_str("| Time | Event |\n|---|---|\n");
                    for k in 0..rng.range(3, 5) {
                        let _ = writeln!(
                            body,
                            "| 10:{:02} | {} |",
                            k * 7,
                            sentence(&mut rng, service, symptom)
                        );
                        words += 12;
                    }
                    body.push('\n');
                }
                2 => {
                    let _ = write!(
                        body,
                        "```sh\nkubectl -n {service} rollout status deploy/{service}\nkubectl -n {service} logs deploy/{service} --since=15m | grep -i error\n```\n\n"
                    );
                    words += 14;
                }
                3 => {
                    let _ = write!(body, "> {}\n\n", sentence(&mut rng, service, symptom));
                    words += 12;
                }
                _ => {
                    if !postmortem_paths.is_empty() && !runbook {
                        let other = &postmortem_paths[rng.below(postmortem_paths.len())];
                        let _ = write!(body, "See also the [earlier incident]({other}.md).\n\n");
                        words += 5;
                    } else if let Some(id) = runbook_ids.first() {
                        let _ = write!(body, "See the [runbook](../runbooks/{id}.md).\n\n");
                        words += 3;
                    }
                }
            }
            s += 1;
        }
        docs.push(GeneratedDoc {
            rel_path,
            text: format!("{front}{body}"),
        });
    }
    docs
}

/// Writes `n` documents under `dir/content/` (and an opsbook.toml in `dir`).
pub fn write_corpus(dir: &Path, n: usize, seed: u64, config: &str) -> std::io::Result<()> {
    for sub in ["content/runbooks", "content/postmortems"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    std::fs::write(dir.join("opsbook.toml"), config)?;
    for doc in generate(n, seed) {
        std::fs::write(dir.join("content").join(&doc.rel_path), doc.text)?;
    }
    Ok(())
}
