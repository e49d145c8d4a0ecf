#!/usr/bin/env python3
"""Writes a `git fast-import` stream: the history of a knowledge base whose documents are
those of a generated corpus (examples/gen_corpus), created and then edited over COMMITS
commits. Used by benches/git_history.sh:

    history_repo.py CORPUS_DIR COMMITS [--seed S] | git fast-import

The same arguments always give the same stream (and so the same commit ids). The history:

- The first commit holds the configuration, some code, CI, a .mailmap and an initial import of
  5% of the documents (at most 500), as a migration from an older wiki would.
- About 12% of the commits change only code, templates or CI configuration.
- The rest add documents (one, now and then two to four, sometimes with an edit of another
  document) or edit one to three existing ones (60% / 25% / 15%), preferring recent ones.
- 2% of the documents are first added under a draft name and renamed later; a few documents
  are added and later deleted; a folder of scripts under content/ is edited now and then.
- About one commit in a hundred starts a pull request: one to three commits on a side branch,
  interleaved in time with the main line, then a merge commit (now and then with a conflict
  resolution of its own).
- 24 people commit, a few of them under two names or addresses that the .mailmap unifies;
  some commit far more than others.

The last version of every document is the corpus file, byte for byte, so the last commit's
content folder equals the corpus.
"""

import os
import random
import sys

T0 = 1_609_459_200  # 2021-01-01T00:00:00Z

PEOPLE = [
    # (canonical name, canonical email, [extra identities the .mailmap maps to it])
    ("Alice Doe", "alice@acme.example", [("alice", "alice@users.noreply.github.com"), ("Alice Doe", "alice@old.example")]),
    ("Bob Martin", "bob@acme.example", [("Bob M", "bob.martin@old.example")]),
    ("Carol Ng", "carol@acme.example", []),
    ("Dave Okafor", "dave@acme.example", [("dokafor", "dave@users.noreply.github.com")]),
    ("Erin Park", "erin@acme.example", []),
    ("Frank Lopez", "frank@acme.example", []),
    ("Grace Kim", "grace@acme.example", [("Grace K.", "grace@acme.example")]),
    ("Heidi Varga", "heidi@acme.example", []),
    ("Ivan Petrov", "ivan@acme.example", []),
    ("Judy Chen", "judy@acme.example", []),
    ("Kemi Adeyemi", "kemi@acme.example", []),
    ("Liam Walsh", "liam@acme.example", []),
    ("Mallory Stone", "mallory@acme.example", []),
    ("Niaj Haddad", "niaj@acme.example", []),
    ("Olga Lopez", "olga@acme.example", []),
    ("Peggy Larsen", "peggy@acme.example", []),
    ("Quentin Roy", "quentin@acme.example", []),
    ("Rupert Field", "rupert@acme.example", []),
    ("Sybil Nguyen", "sybil@acme.example", []),
    ("Trent Moss", "trent@acme.example", []),
    ("Uma Iyer", "uma@acme.example", []),
    ("Victor Hugo", "victor@acme.example", []),
    ("Wendy Zhou", "wendy@acme.example", []),
    ("Yusuf Nguyen", "yusuf@acme.example", []),
]

# Files outside the content folder (not in templates/, which opsbook would take for overrides
# of its page templates).
CODE_FILES = (
    [f"src/{name}.rs" for name in ("main", "lib", "config", "parse", "lint", "site", "search", "git")]
    + [f"web/{name}.html" for name in ("base", "page", "index")]
    + [".github/workflows/ci.yml", ".github/workflows/pages.yml", "README.md", "Makefile"]
)
SCRIPTS = [f"content/runbooks/scripts/{name}.sh" for name in (
    "restart-api", "drain-node", "rotate-certs", "failover-db", "flush-cache",
    "scale-workers", "purge-queue", "check-replication", "rollback-deploy", "dump-heap",
)]


def mailmap():
    lines = []
    for name, email, extra in PEOPLE:
        for alias_name, alias_email in extra:
            lines.append(f"{name} <{email}> {alias_name} <{alias_email}>")
    return "\n".join(lines) + "\n"


def identities(rng):
    """Every identity with a weight: a few people commit most of the changes."""
    out = []
    for rank, (name, email, extra) in enumerate(PEOPLE):
        weight = 1.0 / (rank + 1) ** 0.9
        ids = [(name, email)] + extra
        for k, ident in enumerate(ids):
            out.append((ident, weight / len(ids) * (1.5 if k == 0 else 1.0)))
    return [i for i, _ in out], [w for _, w in out]


class Planner:
    """Plans every commit (who, which paths it writes or deletes), then [`emit`] writes them."""

    def __init__(self, corpus, commits, seed):
        self.rng = random.Random(seed)
        self.corpus = corpus
        self.total = commits
        content = os.path.join(corpus, "content")
        docs = []
        for folder in ("runbooks", "postmortems"):
            for name in sorted(os.listdir(os.path.join(content, folder))):
                if name.endswith(".md"):
                    docs.append(f"content/{folder}/{name}")
        # Postmortems arrive in date order (their names start with the date), runbooks at
        # random moments in between.
        runbooks = [d for d in docs if "/runbooks/" in d]
        postmortems = [d for d in docs if "/postmortems/" in d]
        self.rng.shuffle(runbooks)
        queue, r = [], 0
        for i, p in enumerate(postmortems):
            while r < len(runbooks) and r * len(postmortems) <= i * len(runbooks):
                queue.append(runbooks[r])
                r += 1
            queue.append(p)
        queue.extend(runbooks[r:])
        self.queue = queue
        self.idents, self.weights = identities(self.rng)
        # Commits in stream order: {"mark", "branch", "ops", "message", "author", "committer",
        # "merge", "fork"}. An op is ("M", path) for a new version of the file, ("D", path) for
        # a deletion, and in a merge ("S", path) for the pull request's version of the file.
        self.plan = []

    def person(self):
        return self.rng.choices(self.idents, self.weights)[0]

    def pick(self, live, reserved):
        """A document to edit: half the time a recent one."""
        rng = self.rng
        for _ in range(8):
            if rng.random() < 0.5:
                path = live[-1 - min(len(live) - 1, int(rng.expovariate(1 / 150)))]
            else:
                path = rng.choice(live)
            if path not in reserved and "/retired-" not in path:
                return path
        return None

    def commit(self, branch, ops, message, author, committer=None, merge=None, fork=None):
        mark = len(self.plan) + 1
        self.plan.append({"mark": mark, "branch": branch, "ops": ops, "message": message,
                          "author": author, "committer": committer or author,
                          "merge": merge, "fork": fork})
        return mark

    def run(self):
        rng = self.rng
        initial = min(500, len(self.queue) // 20)
        live = []  # documents on the main line, oldest first
        reserved = set()  # documents an open pull request changes
        drafts = []  # (draft path, final path) waiting for their rename
        retired = []  # extra documents to delete later
        ops = [("M", p) for p in [".mailmap", "opsbook.toml"] + CODE_FILES + SCRIPTS]
        ops += [("M", p) for p in self.queue[:initial]]
        live += self.queue[:initial]
        self.queue = self.queue[initial:]
        self.commit("main", ops, "Import the runbooks and postmortems from the wiki", self.person())
        pr = None
        while len(self.plan) < self.total:
            remaining = self.total - len(self.plan)
            if pr is not None and (pr["left"] == 0 or remaining == 1):
                # The merge brings the pull request's versions; now and then it resolves a
                # conflict in one of them with a version of its own.
                ops = [("S", p) if k == "M" else (k, p) for p, k in pr["ops"].items()]
                docs = sorted(p for p in pr["ops"] if p.startswith("content/") and pr["ops"][p] == "M")
                if docs and rng.random() < 0.1:
                    resolved = rng.choice(docs)
                    ops = [(k, p) if p != resolved else ("M", p) for k, p in ops]
                for k, path in ops:
                    if path.startswith("content/") and path not in live:
                        live.append(path)
                reserved -= set(pr["ops"])
                user = pr["author"][1].split("@")[0]
                self.commit("main", ops, f"Merge pull request #{len(self.plan)} from {user}/kb-update",
                            pr["author"], ("GitHub", "noreply@github.com"), merge=pr["tip"])
                pr = None
                continue
            side = pr is not None and rng.random() < 0.5
            if pr is None and remaining > 10 and rng.random() < 0.01:
                pr = {"fork": self.plan[-1]["mark"], "tip": None, "left": rng.randint(1, 3),
                      "ops": {}, "author": self.person()}
                side = True
            author = pr["author"] if side else self.person()
            ops = []
            docs_left = len(self.queue)
            # Adds are spread so that the last document arrives at about 90% of the history.
            add_share = docs_left / max(1.0, (remaining - 0.1 * self.total) * 0.88 * 1.3)
            if rng.random() < 0.12:
                ops = [("M", p) for p in rng.sample(CODE_FILES, rng.choice((1, 1, 1, 2)))]
                message = rng.choice(("Fix the CI cache key", "Bump dependencies", "Tidy the templates",
                                      "Speed up the build", "Update the README", "Refactor the parser"))
            elif docs_left and rng.random() < add_share:
                added = []
                k = 1 if rng.random() < 0.8 else rng.randint(2, 4)
                # A short history adds more at a time.
                k *= max(1, round(add_share + 0.5))
                for _ in range(min(docs_left, k)):
                    path = self.queue.pop(0)
                    if rng.random() < 0.02 and not side:
                        path = path.replace("/runbooks/", "/runbooks/draft-").replace(
                            "/postmortems/", "/postmortems/draft-")
                        drafts.append(path)
                    elif rng.random() < 0.01 and not side:
                        self.queue.insert(0, path)
                        path = f"content/runbooks/retired-{len(retired) + 1}.md"
                        retired.append(path)
                    added.append(path)
                if live and rng.random() < 0.2:
                    other = self.pick(live, reserved)
                    if other and other not in added:
                        added.append(other)
                ops = [("M", p) for p in added]
                message = "Add " + added[0].rsplit("/", 1)[1][:-3]
            elif drafts and drafts[0] not in reserved and not side and rng.random() < 0.2:
                draft = drafts.pop(0)
                final = draft.replace("/draft-", "/")
                ops = [("D", draft), ("M", final)]
                message = "Rename " + draft.rsplit("/", 1)[1]
            elif retired and not side and rng.random() < 0.2 and retired[0] in live:
                path = retired.pop(0)
                ops = [("D", path)]
                message = f"Remove {path.rsplit('/', 1)[1]}, replaced by newer runbooks"
            elif rng.random() < 0.03:
                path = rng.choice(SCRIPTS)
                ops = [("M", path)]
                message = "Fix " + path.rsplit("/", 1)[1]
            else:
                chosen = []
                for _ in range(rng.choices((1, 2, 3), (60, 25, 15))[0]):
                    path = self.pick(live, reserved)
                    if path and path not in chosen:
                        chosen.append(path)
                if not chosen:
                    continue
                ops = [("M", p) for p in chosen]
                message = rng.choice(("Fix a typo in", "Clarify the steps in", "Add the follow-up tickets to",
                                      "Update the owner of", "Reword the summary of", "Add a timeline entry to",
                                      "Link the dashboard from")) + " " + chosen[0].rsplit("/", 1)[1][:-3]
            if side:
                for kind, path in ops:
                    pr["ops"][path] = kind
                    reserved.add(path)
                pr["tip"] = self.commit("pr", ops, message, author,
                                        fork=pr["fork"] if pr["tip"] is None else None)
                pr["left"] -= 1
            else:
                for kind, path in ops:
                    if not path.startswith("content/"):
                        continue
                    if kind == "D":
                        live.remove(path)
                    elif path not in live:
                        live.append(path)
                self.commit("main", ops, message, author)
        return self


def emit(planner, out):
    """Writes the planned commits as a fast-import stream, blobs first, each with a mark."""
    rng = random.Random(0)
    corpus = planner.corpus
    total = len(planner.plan)
    # How many versions each path gets, to know which one is the last.
    versions = {}
    for c in planner.plan:
        for kind, path in c["ops"]:
            if kind == "M":
                versions[path] = versions.get(path, 0) + 1
    written = {}
    side = {}  # path -> (mode, blob mark) on the pull request's branch
    next_mark = [total]

    def data(text):
        if isinstance(text, str):
            text = text.encode()
        out.write(b"data %d\n" % len(text))
        out.write(text)
        out.write(b"\n")

    def version_of(path):
        v = written.get(path, 0) + 1
        written[path] = v
        name = path.rsplit("/", 1)[-1]
        if path == ".mailmap":
            return mailmap()
        if path == "opsbook.toml":
            with open(os.path.join(corpus, "opsbook.toml"), "rb") as f:
                return f.read()
        if not path.endswith(".md") or not path.startswith("content/"):
            return "".join(f"# {path}, line {i}, revision {v}\n" for i in range(20 + v % 7))
        if name.startswith("retired-"):
            return f"---\nkind: runbook\ntitle: Retired runbook {name}\n---\n\nRevision {v}.\n"
        with open(os.path.join(corpus, path.replace("/draft-", "/")), "rb") as f:
            text = f.read()
        if v == versions[path] and "/draft-" not in path:
            return text
        # An earlier version: the first part of the text and a note.
        lines = text.split(b"\n")
        keep = max(12, len(lines) * (v + 2) // (versions[path] + 3))
        return b"\n".join(lines[:keep]) + b"\n\n<!-- draft %d -->\n" % v

    time = T0
    span = 5 * 365 * 86_400
    for i, c in enumerate(planner.plan):
        time = max(time + 60, T0 + span * i // total + rng.randrange(0, 3600))
        files = []
        for kind, path in c["ops"]:
            if kind == "D":
                files.append(b"D %s\n" % path.encode())
                continue
            if kind == "S":
                mode, mark = side[path]
            else:
                next_mark[0] += 1
                mark = next_mark[0]
                out.write(b"blob\nmark :%d\n" % mark)
                data(version_of(path))
                # Scripts become executable halfway through the history.
                mode = b"100755" if path.endswith(".sh") and i >= total // 2 else b"100644"
                if c["branch"] == "pr":
                    side[path] = (mode, mark)
            files.append(b"M %s :%d %s\n" % (mode, mark, path.encode()))
        (aname, aemail), (cname, cemail) = c["author"], c["committer"]
        out.write(b"commit refs/heads/%s\nmark :%d\n" % (c["branch"].encode(), c["mark"]))
        out.write(f"author {aname} <{aemail}> {time - rng.randrange(0, 600)} +0000\n".encode())
        out.write(f"committer {cname} <{cemail}> {time} +0000\n".encode())
        data(c["message"] + "\n")
        if c["fork"] is not None:
            out.write(b"from :%d\n" % c["fork"])
        if c["merge"] is not None:
            out.write(b"merge :%d\n" % c["merge"])
        out.writelines(files)
        out.write(b"\n")
        if c["merge"] is not None:
            side.clear()
    out.write(b"done\n")


def main(argv):
    args, seed = [], 1
    it = iter(argv)
    for arg in it:
        if arg == "--seed":
            seed = int(next(it))
        else:
            args.append(arg)
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    corpus, commits = args[0], int(args[1])
    planner = Planner(corpus, commits, seed).run()
    emit(planner, sys.stdout.buffer)
    merges = sum(1 for c in planner.plan if c["merge"] is not None)
    sys.stderr.write(f"history_repo: {len(planner.plan)} commits ({merges} merges), "
                     f"{len(planner.queue)} documents not yet created\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
