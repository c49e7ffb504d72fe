#!/usr/bin/env python3
"""gen.py PEOPLE OUTDIR [SEED] - a synthetic organisation in baton's YAML.

Deterministic for a seed. Scaled by the number of people: about 1 team per
100 people (a tree: the organisation, departments, teams), 1 role per 3
people with 1-3 holders, 1-3 responsibilities per role, 1 process per 6
people with 0-3 knownBy, 1 rule per 5 people mixing '**', '*' and literal
topics, absences, leavers, relationships, and processes that name people.
Files hold at most 5,000 documents each, as a real repository would split.
"""
import os
import random
import sys

SYL = ["an", "bel", "cor", "da", "el", "fin", "gar", "hal", "is", "jo", "ka",
       "lin", "mar", "no", "or", "pe", "quin", "ra", "sa", "tor", "ul", "ve",
       "wen", "xi", "yo", "zu"]
WORDS = ["invoice", "refund", "payroll", "access", "laptop", "supplier",
         "contract", "tender", "delivery", "complaint", "pricing", "audit",
         "backup", "onboarding", "expense", "credit", "stock", "shipment",
         "licence", "training", "recruitment", "budget", "forecast", "vpn"]
PARTIES = ["Acme Supplies", "Globex Logistics", "Initech Software",
           "Umbrella Health", "Stark Components", "Wayne Couriers"]


def name_of(r):
    return "".join(r.choice(SYL) for _ in range(r.randint(2, 3))).capitalize()


class Out:
    """Documents written to DIR/PREFIX-NNN.yaml, at most `per` a file."""

    def __init__(self, outdir, prefix, per=5000):
        self.outdir, self.prefix, self.per = outdir, prefix, per
        self.n, self.f = 0, None

    def doc(self, text):
        if self.n % self.per == 0:
            if self.f:
                self.f.close()
            path = os.path.join(self.outdir, "%s-%04d.yaml" % (self.prefix, self.n // self.per))
            self.f = open(path, "w")
        self.f.write(text)
        self.n += 1

    def close(self):
        if self.f:
            self.f.close()


def main():
    people = int(sys.argv[1])
    outdir = sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    r = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)

    nteams = max(3, people // 100)
    ndept = max(1, int(nteams ** 0.5))
    teams = ["org"] + ["dept%03d" % i for i in range(ndept)] + \
        ["team%05d" % i for i in range(nteams - ndept - 1)]
    out = Out(outdir, "teams")
    for i, t in enumerate(teams):
        parent = "" if i == 0 else ("  parent: org\n" if i <= ndept else
                                    "  parent: dept%03d\n" % r.randrange(ndept))
        out.doc("---\napiVersion: baton/v1\nkind: Team\nmetadata:\n  name: %s\nspec:\n"
                "  displayName: %s team\n%s" % (t, t.capitalize(), parent))
    out.close()

    handles = ["p%07d" % i for i in range(people)]
    display = {}
    status = {}
    out = Out(outdir, "people")
    for i, h in enumerate(handles):
        dn = "%s %s" % (name_of(r), name_of(r))
        display[h] = dn
        st = "active"
        extra = ""
        x = r.random()
        if x < 0.01:
            st = "leaving"
            extra = "  leavingOn: 2027-%02d-%02d\n" % (r.randint(1, 12), r.randint(1, 28))
        elif x < 0.02:
            st = "left"
        status[h] = st
        if r.random() < 0.03:
            m = r.randint(1, 12)
            extra += "  absences:\n  - {from: 2026-%02d-01, to: 2026-%02d-20, reason: leave}\n" % (m, m)
        out.doc("---\napiVersion: baton/v1\nkind: Person\nmetadata:\n  name: %s\nspec:\n"
                "  displayName: %s\n  email: %s@example.org\n  team: %s\n  status: %s\n%s"
                % (h, dn, h, teams[1 + r.randrange(len(teams) - 1)], st, extra))
    out.close()

    active = [h for h in handles if status[h] != "left"]
    nroles = max(1, people // 3)
    nproc = max(1, people // 6)
    procs = ["proc%06d" % i for i in range(nproc)]
    roles = ["role%06d" % i for i in range(nroles)]
    role_team = {}
    out = Out(outdir, "roles")
    for i, ro in enumerate(roles):
        team = teams[1 + r.randrange(len(teams) - 1)]
        role_team[ro] = team
        lines = ["---\napiVersion: baton/v1\nkind: Role\nmetadata:\n  name: %s\nspec:\n"
                 "  title: %s %s\n  team: %s\n" % (ro, r.choice(WORDS).capitalize(),
                                                   r.choice(["Lead", "Clerk", "Officer", "Analyst"]), team)]
        if i > 0 and r.random() < 0.9:
            lines.append("  reportsTo: %s\n" % roles[r.randrange(max(1, i // 2))] if i > 1 else "")
        nh = r.choice([0, 1, 1, 2, 2, 3]) if r.random() > 0.02 else 0
        if nh:
            lines.append("  holders:\n")
            for j in range(nh):
                lines.append("  - {person: %s, as: %s, since: 20%02d-%02d-01}\n"
                             % (r.choice(active), "primary" if j == 0 else r.choice(["primary", "backup"]),
                                r.randint(15, 26), r.randint(1, 12)))
        lines.append("  responsibilities:\n")
        for j in range(r.randint(1, 3)):
            w = r.choice(WORDS)
            lines.append("  - id: r%d\n    summary: Handle %s %s requests\n" % (j, w, r.choice(WORDS)))
            if r.random() < 0.8:
                lines.append("    processes: [%s]\n" % r.choice(procs))
        if r.random() < 0.2:
            lines.append("  relationships:\n  - with: party:\"%s\"\n    purpose: %s\n    health: %s\n"
                         "    priority: %d\n" % (r.choice(PARTIES), r.choice(WORDS),
                                                r.choice(["green", "green", "amber", "red"]), r.randint(1, 3)))
        out.doc("".join(lines))
    out.close()

    out = Out(outdir, "processes")
    for p in procs:
        kb = r.sample(active, r.randint(0, 3))
        w = r.choice(WORDS)
        steps = ["Open the %s queue" % w, "Check the %s against policy" % r.choice(WORDS),
                 "Record the outcome in the %s system" % r.choice(WORDS)]
        if r.random() < 0.05:
            h = r.choice(handles)
            steps.append("Ask %s (@%s) when in doubt" % (display[h], h))
        text = ("---\napiVersion: baton/v1\nkind: Process\nmetadata:\n  name: %s\nspec:\n"
                "  title: %s %s\n  owner: %s\n  steps:\n%s  reviewEvery: 180d\n"
                % (p, w.capitalize(), r.choice(["approval", "handling", "review", "close"]),
                   r.choice(roles), "".join("  - %s\n" % s for s in steps)))
        if kb:
            text += "  knownBy: [%s]\n" % ", ".join(kb)
        if r.random() < 0.8:
            text += "  lastReviewed: 2026-%02d-%02d\n" % (r.randint(1, 12), r.randint(1, 28))
        out.doc(text)
    out.close()

    out = Out(outdir, "rules")
    for i in range(max(1, people // 5)):
        a, b, c = r.choice(WORDS), r.choice(WORDS), r.choice(WORDS)
        x = r.random()
        if x < 0.2:
            topic = "d%d/%s/**" % (i % 200, a)
        elif x < 0.4:
            topic = "d%d/*/%s" % (i % 200, b)
        else:
            topic = "d%d/%s/%s/%d" % (i % 200, a, b, i)
        out.doc("---\napiVersion: baton/v1\nkind: Rule\nmetadata:\n  name: rule%06d\nspec:\n"
                "  title: %s %s %s\n  topic: %s\n  keywords: [%s, %s]\n  handler: role:%s\n"
                "  priority: %d\n" % (i, a, b, c, topic, a, c, r.choice(roles), r.randint(0, 3)))
    out.close()


if __name__ == "__main__":
    main()
