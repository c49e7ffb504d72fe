# Audit: baton audit / busfactor / whatif on examples/ (today 2026-11-23).
DB=$(example_db)

# Every deliberate gap of examples/README.md is found, on the entity named
# there, with its severity. Proves the checks agree with the documented data.
run "$BATON" --db "$DB" audit --format json --on 2026-11-23
expect_rc 0 "audit without --fail-on exits 0 even with errors"
AUDIT=$out
has() { # has CHECK ENTITY SEVERITY
	got=$(json_get "sorted(set(f['severity'] for f in d['findings'] if f['check']=='$1' and f['entity']=='$2'))" <<<"$AUDIT")
	expect_eq "$got" "['$3']" "$1 on $2 is a $3"
}
has leaving-without-handover person/james.thornton error
has knowledge-silo process/submit-hospital-tender warning
has relationship-at-risk role/enterprise-account-manager warning
has relationship-at-risk role/tender-desk-lead warning
has relationship-at-risk role/logistics-coordinator warning
has vacant-role role/credit-controller error
has escalation-dead-end role/quality-lead error
has escalation-dead-end role/compliance-officer error
for r in head-of-people payroll-specialist sales-director enterprise-account-manager \
	tender-desk-lead sales-operations-analyst quality-lead inventory-controller; do
	has single-holder role/$r warning
done
for r in finance-director it-manager payroll-specialist sales-director; do
	has undocumented-responsibility role/$r warning
done
has person-routing rule/it-purchases error
has person-in-process process/month-end-close warning
has stale-process process/test-backup-restore warning
has stale-process process/handle-cold-chain-excursion warning
has shadowed-rule rule/refunds-enterprise-legacy warning

# Exact counts: 3 + 2 relationships at risk of the leaver plus the red one,
# 8 single holders, 4 undocumented responsibilities, no compliance-officer
# vacant-role (nothing routes to it), nobody overloaded.
expect_eq "$(json_get "len([f for f in d['findings'] if f['check']=='relationship-at-risk'])" <<<"$AUDIT")" 6 "six relationships at risk"
expect_eq "$(json_get "len([f for f in d['findings'] if f['check']=='single-holder'])" <<<"$AUDIT")" 8 "eight single holders"
expect_eq "$(json_get "len([f for f in d['findings'] if f['check']=='undocumented-responsibility'])" <<<"$AUDIT")" 4 "four undocumented responsibilities"
expect_eq "$(json_get "[f['entity'] for f in d['findings'] if f['check']=='vacant-role']" <<<"$AUDIT")" "['role/credit-controller']" "only credit-controller is vacant"
expect_eq "$(json_get "len([f for f in d['findings'] if f['check']=='overloaded-person'])" <<<"$AUDIT")" 0 "nobody overloaded"
expect_eq "$(json_get "d['summary']" <<<"$AUDIT")" "{'error': 6, 'warning': 23, 'info': 0}" "summary counts"
expect_eq "$(json_get "sorted(d['findings'][0].keys())" <<<"$AUDIT")" "['check', 'entity', 'message', 'severity', 'team']" "finding keys as DESIGN"
expect_eq "$(json_get "d['findings'][0]['entity'], d['findings'][0]['team']" <<<"$AUDIT")" "('role/credit-controller', 'billing')" "first finding: error of the first team"

# chief-executive's single holder is silenced on purpose, with its reason.
expect_eq "$(json_get "[(s['check'], s['entity']) for s in d['silenced']]" <<<"$AUDIT")" "[('single-holder', 'role/chief-executive')]" "chief-executive silenced"
expect_eq "$(json_get "len([f for f in d['findings'] if f['entity']=='role/chief-executive' and f['check']=='single-holder'])" <<<"$AUDIT")" 0 "chief-executive not reported"

# Text: grouped by severity with a summary line that counts the silenced.
run "$BATON" --db "$DB" audit
expect_rc 0 "text audit exits 0"
expect_out "Errors (6)" "text groups errors"
expect_out "Warnings (23)" "text groups warnings"
expect_out "6 errors, 23 warnings, 0 info; 1 silenced" "text summary line"
expect_no_out $'\033[' "no colour when not a terminal"

# --fail-on: exit 1 when a finding at or above the level exists.
run "$BATON" --db "$DB" audit --fail-on error
expect_rc 1 "--fail-on error with errors exits 1"
run "$BATON" --db "$DB" audit --fail-on warning --check stale-process
expect_rc 1 "--fail-on warning with warnings exits 1"
run "$BATON" --db "$DB" audit --fail-on error --check stale-process
expect_rc 0 "--fail-on error with only warnings exits 0"
run "$BATON" --db "$DB" audit --fail-on warning --check overloaded-person
expect_rc 0 "--fail-on warning with no findings exits 0"
# The same with --json, whose report is written as text by the audit's
# threads (audit_run_text): the exit follows its summary.
run "$BATON" --db "$DB" audit --json --fail-on error
expect_rc 1 "--json --fail-on error with errors exits 1"
expect_eq "$(json_get "d['summary']['error']" <<<"$out")" 6 "--json --fail-on still prints the report"
run "$BATON" --db "$DB" audit --json --fail-on warning --check stale-process
expect_rc 1 "--json --fail-on warning with warnings exits 1"
run "$BATON" --db "$DB" audit --json --fail-on error --check stale-process
expect_rc 0 "--json --fail-on error with only warnings exits 0"
run "$BATON" --db "$DB" audit --json --fail-on warning --check overloaded-person
expect_rc 0 "--json --fail-on warning with no findings exits 0"
expect_eq "$(json_get "d['findings'], d['summary']" <<<"$out")" "([], {'error': 0, 'warning': 0, 'info': 0})" "--json with no findings"
run "$BATON" --db "$DB" audit --json --team nope
expect_rc 1 "--json: unknown team exits 1"
expect_eq "$out" "" "--json: nothing on stdout for an unknown team"
expect_err "baton: audit: no such team 'nope'" "--json: unknown team message"
run "$BATON" --db "$DB" audit --fail-on info
expect_rc 2 "--fail-on info is a usage error"
expect_err "baton: audit: --fail-on must be error or warning, got 'info'" "--fail-on message"
run "$BATON" --db "$DB" audit --check nope
expect_rc 2 "unknown check exits 2"
expect_err "no audit check is called 'nope'" "unknown check message"
run "$BATON" --db "$DB" audit --team nope
expect_rc 1 "unknown team exits 1"
expect_err "baton: audit: no such team 'nope'" "unknown team message"
run "$BATON" --db "$DB" audit --on 2026-02-30
expect_rc 2 "bad date exits 2"

# --check runs one check only.
run "$BATON" --db "$DB" audit --json --check stale-process
expect_eq "$(json_get "sorted(f['entity'] for f in d['findings'])" <<<"$out")" "['process/handle-cold-chain-excursion', 'process/test-backup-restore']" "--check stale-process"

# --team: a team and its sub-teams (finance has billing and accounts-payable).
run "$BATON" --db "$DB" audit --json --team finance
expect_eq "$(json_get "sorted(set(f['team'] for f in d['findings']))" <<<"$out")" "['billing', 'finance']" "--team finance keeps sub-teams"
expect_eq "$(json_get "d['summary']['error']" <<<"$out")" 1 "--team finance: one error (credit-controller)"

# --on: before 2023-08-13 test-backup-restore was not overdue yet.
run "$BATON" --db "$DB" audit --json --check stale-process --on 2023-03-01
expect_eq "$(json_get "[f['entity'] for f in d['findings']]" <<<"$out")" "['process/handle-cold-chain-excursion']" "--on moves the review date"

# Markdown: headings per severity and a table.
run "$BATON" --db "$DB" audit --format md
expect_out "# Audit report" "md title"
expect_out "## Errors (6)" "md errors heading"
expect_out "| Check | Entity | Team | Finding |" "md table header"
expect_out "| \`vacant-role\` | \`role/credit-controller\` | billing | role/credit-controller has no active holder but 2 responsibilities and 1 rule routing to it: appoint a holder |" "md row"
expect_out "## Silenced (1)" "md silenced section"

# CSV: header, CRLF, RFC 4180 quoting (messages with commas or quotes).
run "$BATON" --db "$DB" audit --format csv --check relationship-at-risk
expect_eq "$(head -1 <<<"$out")" $'severity,check,entity,team,message\r' "csv header with CRLF"
expect_out 'warning,relationship-at-risk,role/logistics-coordinator,logistics,"role/logistics-coordinator: the relationship with party:""Swift Couriers Ltd"" is red: agree a recovery plan with them"' "csv doubles quotes"
expect_eq "$(python3 -c 'import csv,sys; print(len(list(csv.reader(sys.stdin))))' <<<"$out")" 7 "csv parses: header + 6 rows"
run "$BATON" --db "$DB" audit --format xml
expect_rc 2 "unknown format exits 2"

# busfactor: JSON shape and values for the examples.
run "$BATON" --db "$DB" busfactor --json --on 2026-11-23
expect_rc 0 "busfactor exits 0"
expect_eq "$(json_get "sorted(d['organisation'].keys())" <<<"$out")" "['people', 'responsibilities', 'truckFactor']" "organisation keys"
expect_eq "$(json_get "d['organisation']['responsibilities'], d['organisation']['truckFactor']" <<<"$out")" "(50, 23)" "organisation truck factor"
expect_eq "$(json_get "[(t['team'], t['truckFactor'], t['responsibilities']) for t in d['teams'] if t['team'] in ('sales','people-ops')]" <<<"$out")" "[('people-ops', 2, 6), ('sales', 4, 8)]" "team truck factors"
expect_eq "$(json_get "[t['people'] for t in d['teams'] if t['team']=='people-ops'][0]" <<<"$out")" "['amara.nwosu', 'ben.carter']" "people-ops removed people"
run "$BATON" --db "$DB" busfactor --json --team operations
expect_eq "$(json_get "[t['team'] for t in d['teams']]" <<<"$out")" "['logistics', 'operations', 'warehouse']" "--team keeps sub-teams"
run "$BATON" --db "$DB" busfactor
expect_out "(organisation)" "busfactor text"
run "$BATON" --db "$DB" busfactor --team nope
expect_rc 1 "busfactor unknown team exits 1"

# whatif james.thornton: the silo becomes an error, his roles go vacant,
# sales drops, his rules escalate to sales-director; nothing is written.
before=$(md5sum < "$DB")
run "$BATON" --db "$DB" whatif --json james.thornton
expect_rc 0 "whatif exits 0"
expect_eq "$(json_get "d['people']" <<<"$out")" "['james.thornton']" "whatif people"
expect_eq "$(json_get "sorted((f['check'], f['severity'], f['entity']) for f in d['newFindings'])" <<<"$out")" "[('knowledge-silo', 'error', 'process/submit-hospital-tender'), ('vacant-role', 'error', 'role/enterprise-account-manager'), ('vacant-role', 'error', 'role/tender-desk-lead')]" "whatif new findings"
expect_eq "$(json_get "[f['entity'] for f in d['resolvedFindings'] if f['check']=='leaving-without-handover']" <<<"$out")" "['person/james.thornton']" "whatif resolves the leaver finding"
expect_eq "$(json_get "[(t['team'], t['before'], t['after']) for t in d['truckFactors']]" <<<"$out")" "[(None, 23, 22), ('northwind', 23, 22), ('sales', 4, 3)]" "whatif truck factors"
expect_eq "$(json_get "[(r['rule'], r['role'], r['before'], r['after']) for r in d['routes']]" <<<"$out")" "[('enterprise-deals', 'enterprise-account-manager', 'available', 'escalates to sales-director'), ('tenders', 'tender-desk-lead', 'available', 'escalates to sales-director')]" "whatif routes"
expect_eq "$(md5sum < "$DB")" "$before" "whatif writes nothing"
run "$BATON" --db "$DB" whatif james.thornton
expect_out "New findings (3)" "whatif text"
expect_out "rule/tenders (role tender-desk-lead): available -> escalates to sales-director" "whatif text route"
run "$BATON" --db "$DB" whatif nobody.here
expect_rc 1 "whatif unknown person exits 1"
expect_err "baton: whatif: no such person 'nobody.here'" "whatif unknown person message"
run "$BATON" --db "$DB" whatif
expect_rc 2 "whatif without people exits 2"

# With the real handover module: offboarding james.thornton opens a handover
# of both roles, which clears leaving-without-handover; completing it with
# --force leaves skipped items, each a handover-skipped-item warning.
run "$BATON" --db "$DB" offboard james.thornton --to mei.lin
expect_rc 0 "offboard starts a handover"
run "$BATON" --db "$DB" audit --json --check leaving-without-handover
expect_eq "$(json_get "d['findings']" <<<"$out")" "[]" "an open handover clears leaving-without-handover"
run "$BATON" --db "$DB" audit --json --check handover-skipped-item
expect_eq "$(json_get "d['findings']" <<<"$out")" "[]" "no skipped item while the handover is open"
run "$BATON" --db "$DB" handover complete 1 --force
expect_rc 0 "complete --force"
run "$BATON" --db "$DB" audit --json --check handover-skipped-item
expect_eq "$(json_get "len(d['findings']) > 0 and all(f['severity']=='warning' and f['message'].startswith('handover 1 (james.thornton to mei.lin) was completed with item ') for f in d['findings'])" <<<"$out")" "True" "skipped items are reported"
