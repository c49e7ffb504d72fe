# Handovers, onboarding, offboarding and the role journal (DESIGN.md section 5)
# on examples/: the full offboarding of james.thornton (leaving, sole holder
# of enterprise-account-manager and tender-desk-lead, sole knower of
# submit-hospital-tender) to mei.lin, drift after it, --force and refusal,
# onboarding, export and every error case.

db=$(example_db)
B() { "$BATON" --db "$db" "$@"; }

# --- errors before anything starts (each exits 1 or 2, writes nothing) ---
run B offboard james.thornton
expect_rc 2 "offboard without --to is a usage error"
expect_err "usage: baton offboard <person> --to <person>" "offboard usage"
run B handover start --from james.thornton --to james.thornton
expect_rc 1 "handover to oneself exits 1"
expect_err "baton: handover: cannot hand over from 'james.thornton' to themselves" "self message"
run B handover start --from james.thornton --to wendy.clark
expect_rc 1 "handover to a left person exits 1"
expect_err "cannot hand over to 'wendy.clark': they have left" "left message"
run B handover start --from james.thornton --to nobody.here
expect_rc 1 "unknown successor exits 1"
expect_err "no such person 'nobody.here'" "unknown successor message"
run B offboard nobody.here --to mei.lin
expect_rc 1 "unknown predecessor exits 1"
expect_err "baton: offboard: no such person 'nobody.here'" "unknown predecessor message"
run B handover start --from wendy.clark --to mei.lin
expect_rc 1 "handover from someone holding nothing exits 1"
expect_err "'wendy.clark' holds no role to hand over" "holds nothing message"
run B handover start --from james.thornton --to mei.lin --role account-manager
expect_rc 1 "a role the predecessor does not hold exits 1"
expect_err "'james.thornton' does not hold role 'account-manager'" "not held message"
run B handover start --from james.thornton --to mei.lin --due 2026-02-30
expect_rc 2 "a bad due date is a usage error"
run B handover show 1
expect_rc 1 "no handover yet"
expect_err "no such handover 1" "unknown handover message"
run B handover frob
expect_rc 2 "unknown handover subcommand"
run B handover list --json
expect_eq "$out" "[]" "nothing was written by the failed starts"

# --- offboarding: one handover of both roles, james marked leaving ---
run B offboard james.thornton --to mei.lin --on 2026-12-18
expect_rc 0 "offboard exits 0"
expect_out "james.thornton is leaving on 2026-12-18; started handover 1 of every role to mei.lin" "offboard message"
run B show person/james.thornton --json
expect_eq "$(json_get 'd["spec"]["status"], d["spec"]["leavingOn"]' <<<"$out")" "('leaving', '2026-12-18')" "james marked leaving"
run B handover show 1 --json
expect_eq "$(json_get 'd["from"], d["to"], d["state"], d["due"], d["roles"]' <<<"$out")" \
	"('james.thornton', 'mei.lin', 'open', '2026-12-18', ['enterprise-account-manager', 'tender-desk-lead'])" "handover header"
# 3 responsibilities, 2 processes (submit-hospital-tender once), 5
# relationships, 2 rules, 1 knowledge transfer; the roles have no journal
expect_eq "$(json_get 'sorted((k, [i["kind"] for i in d["items"]].count(k)) for k in set(i["kind"] for i in d["items"]))' <<<"$out")" \
	"[('knowledge', 1), ('process', 2), ('relationship', 5), ('responsibility', 3), ('rule', 2)]" "checklist counts per kind"
expect_eq "$(json_get '[i["item"] for i in d["items"]] == list(range(1, 14))' <<<"$out")" "True" "items numbered 1..13"
expect_eq "$(json_get 'd["items"][12]["entity"], d["items"][12]["kind"]' <<<"$out")" "('process/submit-hospital-tender', 'knowledge')" "knowledge item for the silo"
expect_eq "$(json_get 'sorted(d["items"][0].keys())' <<<"$out")" \
	"['done', 'doneAt', 'doneBy', 'entity', 'item', 'kind', 'note', 'role', 'skipped', 'text']" "item keys"
run B handover start --from james.thornton --to carlos.mendez --role tender-desk-lead
expect_rc 1 "a second open handover of the same role exits 1"
expect_err "role 'tender-desk-lead' is already in open handover 1" "second handover message"
run B handover list --open
expect_out "1    open       james.thornton       -> mei.lin                0/13  due 2026-12-18 enterprise-account-manager,tender-desk-lead" "list line"

# --- refusal while items are open ---
run B handover complete 1
expect_rc 1 "complete with open items exits 1"
expect_err "handover 1 has 13 open items (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13); tick them or pass --force" "refusal message"
run B handover done 1 14
expect_rc 1 "unknown item exits 1"
expect_err "handover 1 has no item 14" "unknown item message"
run B handover done 1 x
expect_rc 2 "non-numeric item is a usage error"

# --- tick everything, with notes; undo and redo one ---
for i in 1 2 3 5 6 7 8 9 10 11 12; do B handover done 1 $i >/dev/null || ko "done $i"; done
run B handover done 1 4 --note "Read the tender process with James"
expect_out "handover 1: item 4 done" "done message"
run B handover done 1 13 --note "Portal log-ins moved to the shared vault"
run B handover undo 1 13
run B handover show 1 --json
expect_eq "$(json_get 'd["items"][12]["done"], d["items"][12]["doneBy"], d["items"][12]["note"]' <<<"$out")" \
	"(False, None, 'Portal log-ins moved to the shared vault')" "undo clears done, keeps the note"
run B handover done 1 13
run B handover add 1 "Return the laptop"
expect_out "handover 1: added item 14" "custom item numbered 14"
run B handover done 1 14
run B handover note 1 "James is reachable by phone until January"
run B handover complete 1 --json
expect_rc 0 "complete exits 0"
expect_eq "$(json_get 'd["state"], d["forced"], d["notes"][0]["text"]' <<<"$out")" "('completed', False, 'James is reachable by phone until January')" "completed state"

# --- the state after completion ---
run B show role/tender-desk-lead --json
expect_eq "$(json_get 'd["spec"]["holders"]' <<<"$out")" \
	"[{'as': 'primary', 'person': 'james.thornton', 'since': '2019-01-14', 'until': '2026-11-23'}, {'as': 'primary', 'person': 'mei.lin', 'since': '2026-11-23'}]" "holders: past row kept, successor primary"
run B show process/submit-hospital-tender --json
expect_eq "$(json_get 'd["spec"]["knownBy"]' <<<"$out")" "['james.thornton', 'mei.lin']" "knownBy gained mei.lin"
run B journal enterprise-account-manager --json </dev/null
expect_eq "$(json_get 'd[0]["author"], d[0]["at"]' <<<"$out")" "('tester', '2026-11-23T10:00:00Z')" "journal entry by the actor"
expect_eq "$(json_get '"- Read process '"'"'submit-hospital-tender'"'"' (Submit a hospital tender): Read the tender process with James" in d[0]["text"]' <<<"$out")" "True" "item note in the journal"
run B who james.thornton
expect_out "status: left" "james has left"
expect_out "holds no role" "james holds nothing"
expect_out "tender-desk-lead           until 2026-11-23" "past role shown"
run B who mei.lin
expect_out "tender-desk-lead" "mei.lin holds tender-desk-lead"
expect_out "enterprise-account-manager" "mei.lin holds enterprise-account-manager"
run B log --json --limit 500
expect_eq "$(json_get '[e["action"] for e in reversed(d) if e["entity"] == "handover/1"]' <<<"$out")" \
	"['start', 'done', 'done', 'done', 'done', 'done', 'done', 'done', 'done', 'done', 'done', 'done', 'done', 'done', 'undo', 'done', 'add', 'done', 'note', 'complete']" "handover events"
expect_eq "$(json_get 'sorted(e["entity"] for e in d if e["action"] == "handover")' <<<"$out")" \
	"['person/james.thornton', 'process/submit-hospital-tender', 'role/enterprise-account-manager', 'role/tender-desk-lead']" "entity events of the completion"
run B handover done 1 1
expect_rc 1 "a completed handover is read-only"
expect_err "handover 1 is completed" "read-only message"

# --- export for people ---
run B handover export 1
expect_rc 0 "export exits 0"
for s in "# Handover 1: james.thornton to mei.lin" "- State: completed" \
	"## Role: Tender Desk Lead (\`tender-desk-lead\`)" "### Responsibilities" \
	"- **public-tenders**: Find, qualify and submit public-sector tenders" \
	"### Relationships" "  - Contact: Category manager, Clinical Consumables <tenders@supplychain.example>" \
	"  - Health: amber" "### Journal" "## Processes" "### Submit a hospital tender (\`submit-hospital-tender\`)" \
	"5. Upload the submission at least 24 hours before the deadline" "## Checklist" \
	"- [x] 4. Read process 'submit-hospital-tender'" "  - Note: Read the tender process with James" \
	"## Open items" "## Notes" "James is reachable by phone until January"; do
	expect_out "$s" "export has '$s'"
done

# --- drift: re-importing the stale YAML names the handover ---
run "$BATON" --db "$db" import "$EXAMPLES"
expect_rc 1 "stale import exits 1"
expect_err "roles/sales.yaml:64:7: error: role/tender-desk-lead: holders changed by handover 1 on 2026-11-23; run 'baton export' or pass --force" "drift names the handover"
expect_err "error: person/james.thornton: status changed by handover 1 on 2026-11-23" "person drift"
run B export --out exported
run B import exported
expect_rc 0 "import of the export is fine"
expect_out "0 created, 0 updated, 0 deleted" "export round-trips"
run B import "$EXAMPLES" --force
expect_rc 0 "--force overwrites"
run B show person/james.thornton --json
expect_eq "$(json_get 'd["spec"]["status"]' <<<"$out")" "leaving" "--force restored the files' status"

# --- onboarding and --force ---
run B onboard rachel.adeyemi --role account-manager --due 2026-12-01
expect_rc 0 "onboard exits 0"
expect_out "started handover 2 to rachel.adeyemi" "onboard message"
run B handover show 2 --json
expect_eq "$(json_get 'd["from"], d["due"], [i["kind"] for i in d["items"]]' <<<"$out")" \
	"(None, '2026-12-01', ['responsibility', 'responsibility', 'process', 'process', 'rule'])" "onboarding: the role's items, no knowledge items"
B handover done 2 1 >/dev/null
run B handover complete 2 --force
expect_rc 0 "complete --force exits 0"
expect_out "handover 2 completed (forced)" "forced message"
run B handover show 2 --json
expect_eq "$(json_get 'd["forced"], d["items"][0]["skipped"], all(i["skipped"] for i in d["items"][1:])' <<<"$out")" "(True, False, True)" "undone items recorded as skipped"
run B show role/account-manager --json
expect_eq "$(json_get '[h["person"] for h in d["spec"]["holders"] if "until" not in h]' <<<"$out")" "['mei.lin', 'carlos.mendez', 'rachel.adeyemi']" "onboarded holder added"
run B onboard rachel.adeyemi
expect_rc 2 "onboard without --role is a usage error"
run B onboard rachel.adeyemi --role account-manager
expect_rc 1 "onboarding into a held role exits 1"
expect_err "'rachel.adeyemi' already holds role 'account-manager'" "already holds message"

# --- cancel ---
run B handover start --from carlos.mendez --to hannah.wright --role account-manager
expect_out "started handover 3 from carlos.mendez to hannah.wright" "start message"
run B handover cancel 3
expect_out "handover 3 cancelled" "cancel message"
run B handover cancel 3
expect_rc 1 "cancel twice exits 1"
expect_err "handover 3 is cancelled" "cancel twice message"
run B handover list --open --json
expect_eq "$out" "[]" "no open handover left"

# --- journal: add by argument, by stdin, read newest first ---
run B journal tender-desk-lead "Portal passwords rotated"
expect_rc 0 "journal add exits 0"
expect_out "added to the journal of tender-desk-lead" "journal add message"
run B journal tender-desk-lead - <<<"From stdin"
expect_rc 0 "journal add from stdin"
run B journal tender-desk-lead </dev/null
expect_out "From stdin" "journal lists entries"
expect_eq "$(head -1 <<<"$out")" "2026-11-23T10:00:00Z  tester" "journal entry header"
run B show role/tender-desk-lead --json
expect_eq "$(json_get '[j["text"] for j in d["spec"]["journal"]][-2:]' <<<"$out")" "['Portal passwords rotated', 'From stdin']" "journal stored in the spec"
run B journal no-such-role x
expect_rc 1 "journal of an unknown role exits 1"
expect_err "baton: journal: no such role 'no-such-role'" "journal unknown role message"
run "$BATON" --db "$db" import "$EXAMPLES"
expect_err "role/tender-desk-lead: journal changed by 'baton journal' on 2026-11-23" "journal change is drift"
