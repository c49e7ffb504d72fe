# Foundation: init, check, import, export, ls, show, who, log, version, exit codes.

# version runs without a database
run "$BATON" version
expect_rc 0 "version exits 0"
expect_out "baton " "version prints its name"

# an unknown command is a usage error
run "$BATON" frobnicate
expect_rc 2 "unknown command exits 2"
expect_err "baton: baton: 'frobnicate' is not a baton command" "unknown command message"

# init creates the database
run "$BATON" --db new.db init
expect_rc 0 "init exits 0"
[ -f new.db ] && ok || ko "init creates the file"

# commands that read need an existing database
run "$BATON" --db missing.db ls people
expect_rc 1 "missing database exits 1"
expect_err "no database at 'missing.db'" "missing database message"

# a file that is not a database: exit 3, named, untouched
printf 'hello, not sqlite at all\n%.0s' $(seq 1 200) > notadb.db
sum=$(md5sum < notadb.db)
run "$BATON" --db notadb.db ls people
expect_rc 3 "not a database exits 3"
expect_err "'notadb.db' is not a baton database" "not a database message"
expect_eq "$(md5sum < notadb.db)" "$sum" "not-a-database file untouched"

# check: the examples are valid
run "$BATON" check "$EXAMPLES"
expect_rc 0 "check examples exits 0"
expect_out "ok: 136 entities valid" "check counts the examples"

# check: every error of a run, each with its exact location
mkdir bad
cat > bad/a.yaml <<'YAML'
apiVersion: baton/v1
kind: Team
metadata:
  name: finance
spec:
  displayName: Finance
  descripton: typo here
---
apiVersion: baton/v1
kind: Rol
metadata:
  name: x
spec: {}
---
apiVersion: baton/v1
kind: Role
metadata:
  name: ap-lead
spec:
  title: AP Lead
  team: finanse
  holders:
    - {person: alice, as: boss, since: 2024-02-30}
YAML
cat > bad/b.yaml <<'YAML'
apiVersion: baton/v1
kind: Team
metadata:
  name: finance
spec: {displayName: Again}
---
apiVersion: baton/v1
kind: Person
metadata:
  name: -bad-
spec: {}
---
key: [unclosed
YAML
run "$BATON" check bad
expect_rc 1 "check with errors exits 1"
expect_err "bad/a.yaml:7:3: error: unknown field 'descripton' in 'spec'; did you mean 'description'?" "unknown field with suggestion and location"
expect_err "bad/a.yaml:10:7: error: unknown kind 'Rol'; did you mean 'Role'?" "unknown kind with suggestion"
expect_err "bad/a.yaml:23:27: error: 'as' must be one of primary, backup, got 'boss'" "bad enum located"
expect_err "bad/a.yaml:23:40: error: 'since' must be a date (YYYY-MM-DD), got '2024-02-30'" "bad date located"
expect_err "bad/a.yaml:21:9: error: 'team': no such team 'finanse'; did you mean 'finance'?" "dangling reference with suggestion"
expect_err "bad/a.yaml:23:16: error: 'person': no such person 'alice'" "dangling person reference"
expect_err "bad/b.yaml:2:7: error: duplicate team 'finance' (first declared at bad/a.yaml:2:7)" "duplicate name"
expect_err "bad/b.yaml:10:9: error: '-bad-' is not a valid name" "bad name"
expect_err "bad/b.yaml:14:1: error: YAML syntax" "syntax error located"

# import of bad files writes nothing
run "$BATON" --db bad.db import bad
expect_rc 1 "import of bad files exits 1"
expect_err "nothing was written" "import says nothing was written"
run "$BATON" --db bad.db ls teams --json
expect_eq "$out" "[]" "failed import left the database empty"

# import, then re-import changes nothing and records no event
run "$BATON" --db org.db import "$EXAMPLES"
expect_rc 0 "import examples exits 0"
expect_out "136 created, 0 updated, 0 deleted, 0 unchanged" "import counts"
events1=$("$BATON" --db org.db log --limit 100000 --json | json_get 'len(d)')
run "$BATON" --db org.db import "$EXAMPLES"
expect_out "0 created, 0 updated, 0 deleted, 136 unchanged" "re-import changes nothing"
events2=$("$BATON" --db org.db log --limit 100000 --json | json_get 'len(d)')
expect_eq "$events2" "$events1" "re-import records no event"

# export round-trip: export -> import into empty -> export gives identical files
run "$BATON" --db org.db export --out exp1
expect_rc 0 "export --out exits 0"
"$BATON" --db rt.db import exp1 >/dev/null 2>&1
# (the YAML must be identical; log.jsonl is each database's own history)
"$BATON" --db rt.db export --out exp2 >/dev/null 2>&1
if diff -r -x log.jsonl exp1 exp2 >/dev/null; then ok; else ko "export round-trip is identical" "$(diff -r -x log.jsonl exp1 exp2 | head)"; fi
run "$BATON" --db org.db export
expect_out "kind: Rule" "export to stdout is one stream"
expect_eq "$(printf '%s\n' "$out" | grep -c '^---$')" "136" "export stream has one document per entity"

# dry-run prints the plan and writes nothing; prune deletes what is gone
cp -r exp1 edited
sed -i 's/^  title: Accounts Payable Lead$/  title: AP Lead/' edited/roles.yaml
/usr/bin/python3 - edited/rules.yaml <<'PY'
import sys
p = sys.argv[1]
docs = open(p).read().split('---\n')
docs = [d for d in docs if 'name: it-purchases\n' not in d]
open(p, 'w').write('---\n'.join(docs))
PY
run "$BATON" --db org.db import --dry-run --prune edited
expect_rc 0 "dry-run exits 0"
expect_out "~ role/accounts-payable-lead: title" "dry-run plan shows the update"
expect_out "- rule/it-purchases" "dry-run plan shows the deletion"
run "$BATON" --db org.db show rule/it-purchases
expect_rc 0 "dry-run wrote nothing"
run "$BATON" --db org.db import --prune edited
expect_out "0 created, 1 updated, 1 deleted" "prune import counts"
run "$BATON" --db org.db show rule/it-purchases
expect_rc 1 "pruned rule is gone"
expect_err "no such rule 'it-purchases'" "pruned rule message"
run "$BATON" --db org.db log rule/it-purchases --json
expect_eq "$(json_get 'd[0]["action"], d[0]["after"], d[0]["before"]["handler"]' <<<"$out")" "('delete', None, 'person:raj.patel')" "the delete event keeps the before-image"

# ls, show, who
db=$(example_db)
run "$BATON" --db "$db" ls roles --team finance --json
expect_rc 0 "ls roles --team exits 0"
expect_out '"name": "accounts-payable-lead"' "ls --team includes sub-team roles"
expect_no_out '"name": "account-manager"' "ls --team excludes other teams"
run "$BATON" --db "$db" ls widgets
expect_rc 2 "ls unknown kind exits 2"
run "$BATON" --db "$db" show role/accounts-payable-lead
expect_out "  title: Accounts Payable Lead" "show prints YAML"
run "$BATON" --db "$db" show role/nope
expect_rc 1 "show unknown exits 1"
run "$BATON" --db "$db" show nope
expect_rc 2 "show without kind exits 2"
run "$BATON" --db "$db" who james.thornton
expect_out "leaving on 2026-12-18" "who person shows the leaving date"
expect_out "enterprise-account-manager" "who person lists roles"
run "$BATON" --db "$db" who billing-lead --json
expect_eq "$(json_get 'd["kind"], d["holders"][0]["person"], d["pastHolders"][0]["person"]' <<<"$out")" "('role', 'grace.kim', 'wendy.clark')" "who role shows current and past holders"
run "$BATON" --db "$db" who finance
expect_out "sub-teams:" "who team lists sub-teams"
run "$BATON" --db "$db" who nobody-at-all
expect_rc 1 "who unknown exits 1"
expect_err "no person, role, team or process is called 'nobody-at-all'" "who unknown message"

# log records actor and time
run "$BATON" --db "$db" log --limit 1 --json
expect_eq "$(json_get 'd[0]["actor"], d[0]["at"]' <<<"$out")" "('tester', '2026-11-23T10:00:00Z')" "events carry actor and time"
