# Routing: baton route (topics, free text, absences, escalation, cycles,
# --explain, --json, no match), baton search and baton away, on examples/.
db=$(example_db)

# a topic: tom.okafor (primary) is absent 2026-11-20..30, so the backup answers
run "$BATON" --db "$db" route finance/invoices/suppliers/acme
expect_rc 0 "route topic exits 0"
expect_out "rule: supplier-invoices (finance/invoices/suppliers/*): Supplier invoices" "topic route names the rule and pattern"
expect_out "role: accounts-payable-lead (Accounts Payable Lead)" "topic route names the role"
expect_out "  marcus.bell  Marcus Bell <marcus.bell@northwind-health.example>  (backup)" "absent primary: backup is the contact"
expect_no_out "tom.okafor" "the absent primary is not a contact"

# a topic or text that is not UTF-8 is a usage error, not a failure
run "$BATON" --db "$db" route --topic "$(printf 'finance/\377')"
expect_rc 2 "a topic that is not UTF-8 exits 2"
expect_err "the topic is not valid UTF-8" "a topic that is not UTF-8 is named"
run "$BATON" --db "$db" route "$(printf 'refund \303')"
expect_rc 2 "text that is not UTF-8 exits 2"
expect_err "the text is not valid UTF-8" "text that is not UTF-8 is named"

# --explain says why tom.okafor was skipped
run "$BATON" --db "$db" route --explain --topic finance/invoices/suppliers/acme
expect_out "    skipped tom.okafor (primary): absent until 2026-11-30 (Annual leave)" "explain names the absence"
expect_out "  winner: rule supplier-invoices, pattern finance/invoices/suppliers/* (priority 0)" "explain names the winner's pattern"

# after the absence, tom.okafor is first again (--on)
run "$BATON" --db "$db" route --on 2026-12-01 --json finance/invoices/suppliers/acme
expect_eq "$(json_get 'd["contacts"][0]["person"], d["contacts"][0]["as"], d["query"]["on"]' <<<"$out")" \
	"('tom.okafor', 'primary', '2026-12-01')" "--on after the absence: primary first"

# specificity: the exact pattern beats finance/refunds/**; the legacy rule is shadowed by priority
run "$BATON" --db "$db" route --explain finance/refunds/enterprise
expect_rc 0 "route refunds/enterprise exits 0"
expect_out "rule: refunds-enterprise (finance/refunds/enterprise)" "most specific rule with higher priority wins"
expect_out "  lost: rule refunds-enterprise-legacy, pattern finance/refunds/enterprise (priority 0) -> role:billing-clerk: lower priority" "the shadowed rule lost on priority"
expect_out "  lost: rule refunds, pattern finance/refunds/** (priority 0) -> role:billing-lead: fewer literal segments" "the ** rule lost on literal segments"
run "$BATON" --db "$db" route finance/refunds/small-shop
expect_out "rule: refunds (finance/refunds/**)" "other refunds go to the ** rule"

# vacancy: credit-controller is vacant and escalates to billing-lead
run "$BATON" --db "$db" route --json finance/credit-control/acme
expect_rc 0 "vacant role escalation exits 0"
expect_eq "$(json_get 'd["role"]["name"], d["escalated"], d["contactRole"]["name"], [c["person"] for c in d["contacts"]]' <<<"$out")" \
	"('credit-controller', [{'role': 'credit-controller', 'reason': 'vacant', 'to': 'billing-lead'}], 'billing-lead', ['grace.kim', 'sofia.rossi'])" \
	"vacant role escalates along reportsTo"
# the JSON has exactly the contract's fields (and a few more)
expect_eq "$(json_get 'sorted(k for k in ["query","rule","role","contacts","escalated","process","alternatives"] if k in d), sorted(d["query"]), sorted(d["rule"])[:3], sorted(d["contacts"][0]), d["process"]["name"]' <<<"$out")" \
	"(['alternatives', 'contacts', 'escalated', 'process', 'query', 'role', 'rule'], ['on', 'text', 'topic'], ['name', 'priority', 'title'], ['as', 'displayName', 'email', 'person'], 'chase-overdue-accounts')" \
	"route --json has the fields of DESIGN.md section 4"

# person handler: rule it-purchases routes to person:raj.patel
run "$BATON" --db "$db" route it/purchases/laptop
expect_rc 0 "person handler routes"
expect_out "rule: it-purchases (it/purchases/*)" "person-routed rule wins"
expect_out "handler: person:raj.patel" "handler is the person"
expect_out "  raj.patel  Raj Patel <raj.patel@northwind-health.example>  (person)" "the person is the contact"

# cycle: victor.huang away -> quality-lead all absent -> compliance-officer vacant -> quality-lead
run "$BATON" --db "$db" away victor.huang --from 2026-11-23 --to 2026-11-27 --reason Conference
expect_rc 0 "away exits 0"
expect_out "victor.huang: away 2026-11-23..2026-11-27 (Conference)" "away confirms"
run "$BATON" --db "$db" route --explain quality/recalls/gloves
expect_rc 1 "escalation cycle exits 1"
expect_err "baton: route: no one available: escalation cycle: quality-lead -> compliance-officer -> quality-lead" "cycle is reported"
expect_out "escalated: quality-lead (all absent) -> compliance-officer" "first step recorded"
expect_out "escalated: compliance-officer (vacant) -> quality-lead" "second step recorded"
expect_out "    skipped victor.huang (primary): absent until 2026-11-27 (Conference)" "explain shows the away absence"
# away shows in who, in the export, and makes import report drift
run "$BATON" --db "$db" who victor.huang
expect_out "2026-11-23 .. 2026-11-27  Conference" "who shows the absence"
run "$BATON" --db "$db" export --out exported
expect_eq "$(sed -n '/name: victor.huang/,/^---/p' exported/people.yaml | grep -A2 -- '- from: 2026-11-23' | tr -d '\n')" \
	"  - from: 2026-11-23    to: 2026-11-27    reason: Conference" "export writes the absence"
run "$BATON" --db "$db" import "$EXAMPLES"
expect_rc 1 "import of stale YAML stops"
expect_err "person/victor.huang: absences changed by 'baton away' on 2026-11-23" "drift names the away change"
# --clear removes it and routing works again
run "$BATON" --db "$db" away victor.huang --clear
expect_out "victor.huang: 1 absence removed" "away --clear"
run "$BATON" --db "$db" route quality/recalls/gloves
expect_rc 0 "route after --clear exits 0"
expect_out "  victor.huang  Victor Huang" "victor.huang answers again"
# away: bad arguments
run "$BATON" --db "$db" away victor.huang --from 2026-11-30 --to 2026-11-23
expect_rc 2 "from after to is a usage error"
expect_err "baton: away: --from 2026-11-30 is after --to 2026-11-23" "from after to message"
run "$BATON" --db "$db" away nobody.here --from 2026-11-23 --to 2026-11-24
expect_rc 1 "away for an unknown person exits 1"
expect_err "baton: away: no such person 'nobody.here'" "unknown person message"

# free text routes to the best hit; a responsibility routes to its role
run "$BATON" --db "$db" route --json refund for an enterprise customer
expect_eq "$(json_get 'd["via"], d["rule"]["name"], d["role"]["name"]' <<<"$out")" \
	"('text', 'refunds-enterprise', 'financial-controller')" "free text routes through the keyword rule"
run "$BATON" --db "$db" route --json "my laptop is broken"
expect_eq "$(json_get 'd["via"], d["rule"]["name"], d["contacts"][0]["person"]' <<<"$out")" \
	"('text', 'it-general', 'liam.walsh')" "free text: broken laptop goes to IT"

# hostile text is searched for, never parsed as FTS5 syntax
run "$BATON" --db "$db" route 'NEAR("x" AND (* OR ")'
expect_rc 1 "hostile text is a plain no-match"
expect_err "baton: route: nothing matches 'NEAR(\"x\" AND (* OR \")'" "hostile text message"
case $err in *fts5*|*syntax*) ko "hostile text reaches FTS5" "$err";; *) ok;; esac

# no match: exit 1, message and the nearest topics
run "$BATON" --db "$db" route finanse/refunds/enterprise
expect_rc 1 "no match exits 1"
expect_err "baton: route: no rule matches topic 'finanse/refunds/enterprise'" "no match message"
expect_err "  finance/refunds/enterprise  (rule refunds-enterprise)" "closest topic suggested"
run "$BATON" --db "$db" route --json zzz/qqq
expect_rc 1 "no match --json exits 1"
expect_eq "$(json_get 'd["outcome"], d["rule"], d["contacts"]' <<<"$out")" "('no-match', None, [])" "no match JSON"

# usage
run "$BATON" --db "$db" route
expect_rc 2 "route without a query is a usage error"
run "$BATON" --db "$db" route --on 2026-13-01 finance/refunds/x
expect_rc 2 "bad --on is a usage error"

# search ranks with snippets
run "$BATON" --db "$db" search --json --limit 3 supplier invoice
expect_rc 0 "search exits 0"
expect_eq "$(json_get 'len(d["results"]), d["results"][0]["kind"], d["results"][0]["name"], "[" in d["results"][0]["snippet"]' <<<"$out")" \
	"(3, 'rule', 'supplier-invoices', True)" "search ranks the keyword rule first, with a snippet"
run "$BATON" --db "$db" search xyzzyq
expect_rc 1 "search with no hit exits 1"
expect_err "baton: search: nothing matches 'xyzzyq'" "search no hit message"
run "$BATON" --db "$db" search --limit 0 x
expect_rc 2 "search --limit 0 is a usage error"
