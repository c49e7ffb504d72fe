# Data safety: backup, revert, the prune guard, a full disk, an unwritable
# database, and SIGKILL in the middle of an import.

db=$(example_db)

# backup: a consistent copy that opens and holds the same entities
run "$BATON" --db "$db" backup copy.db
expect_rc 0 "backup exits 0"
run "$BATON" --db copy.db ls roles --json
expect_eq "$(json_get 'len(d)' <<<"$out")" "31" "the backup holds every role"
run "$BATON" --db "$db" backup copy.db
expect_rc 3 "backup refuses to overwrite"
expect_err "'copy.db' already exists" "backup overwrite message"

# revert an update: the title comes back, and the revert is itself an event
"$BATON" --db "$db" export --out exp >/dev/null
sed -i 's/^  title: Billing Lead$/  title: Head of Billing/' exp/roles.yaml
"$BATON" --db "$db" import exp >/dev/null
id=$("$BATON" --db "$db" log role/billing-lead --json | json_get 'd[0]["id"]')
run "$BATON" --db "$db" revert "$id"
expect_rc 0 "revert of an update exits 0"
run "$BATON" --db "$db" show role/billing-lead --json
expect_eq "$(json_get 'd["spec"]["title"]' <<<"$out")" "Billing Lead" "revert restores the before-image"
run "$BATON" --db "$db" log role/billing-lead --limit 1 --json
expect_eq "$(json_get 'd[0]["action"]' <<<"$out")" "revert" "the revert is recorded as an event"
# reverting the same event again: the entity changed since (by the revert)
run "$BATON" --db "$db" revert "$id"
expect_rc 1 "revert of a superseded event is refused"
expect_err "role/billing-lead changed after event $id" "revert conflict message"

# revert a deletion made by --prune: the rule comes back from its before-image
rm exp/rules.yaml
"$BATON" --db "$db" export --out exp2 >/dev/null
/usr/bin/python3 - exp2/rules.yaml <<'PY'
import sys
p = sys.argv[1]
docs = open(p).read().split('---\n')
open(p, 'w').write('---\n'.join(d for d in docs if 'name: leave-requests\n' not in d))
PY
"$BATON" --db "$db" import --prune exp2 >/dev/null
run "$BATON" --db "$db" show rule/leave-requests
expect_rc 1 "the pruned rule is gone"
id=$("$BATON" --db "$db" log rule/leave-requests --json | json_get 'd[0]["id"]')
run "$BATON" --db "$db" revert "$id"
expect_rc 0 "revert of a prune deletion exits 0"
run "$BATON" --db "$db" show rule/leave-requests --json
expect_eq "$(json_get 'd["spec"]["handler"]' <<<"$out")" "role:hr-advisor" "the deleted rule is back"
run "$BATON" --db "$db" revert 999999
expect_rc 1 "revert of an unknown event exits 1"
run "$BATON" --db "$db" revert abc
expect_rc 2 "revert of a non-number exits 2"

# the prune guard: deleting more than a tenth of a kind asks for --yes
mkdir only-teams && cp exp2/teams.yaml only-teams/
before=$("$BATON" --db "$db" log --limit 1 --json | json_get 'd[0]["id"]')
run "$BATON" --db "$db" import --prune only-teams
expect_rc 1 "a large prune is refused"
expect_err "--prune would delete 38 of 38 people (more than a tenth): check the paths, or pass --yes" "prune guard message"
expect_eq "$("$BATON" --db "$db" log --limit 1 --json | json_get 'd[0]["id"]')" "$before" "the refused prune wrote nothing"

# a full disk: exit 3, the file named, the previous state kept
full=$SCRATCH/full.db
"$BATON" --db "$full" init >/dev/null
pages=$(sqlite3 "$full" 'PRAGMA page_count')
BATON_MAX_PAGES=$((pages + 3)) run "$BATON" --db "$full" import "$EXAMPLES"
expect_rc 3 "import on a full disk exits 3"
expect_err "database or disk is full" "full disk message"
expect_err "$full" "full disk message names the file"
expect_eq "$(sqlite3 "$full" 'SELECT count(*) FROM entity')" "0" "the full-disk import wrote nothing"
expect_eq "$(sqlite3 "$full" 'PRAGMA integrity_check')" "ok" "the database is intact after a full disk"

# an unwritable database (as an unprivileged user: root ignores modes)
cp "$db" ro.db && chmod 444 ro.db && chmod 755 "$SCRATCH"
sum=$(md5sum < ro.db)
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$BATON" --db "$SCRATCH/ro.db" import "$SCRATCH/exp2"
else
	run "$BATON" --db "$SCRATCH/ro.db" import "$SCRATCH/exp2"
fi
expect_rc 3 "import into an unwritable database exits 3"
expect_err "ro.db" "unwritable message names the file"
expect_eq "$(md5sum < ro.db)" "$sum" "the unwritable database is untouched"

# SIGKILL during a large import: integrity ok, and the old state or the whole new one
/usr/bin/python3 "$ROOT/tests/bench/gen.py" 3000 big 7 >/dev/null
"$BATON" --db crash.db import "$EXAMPLES" >/dev/null
old=$(sqlite3 crash.db 'SELECT count(*) FROM entity')
"$BATON" --db full-new.db import "$EXAMPLES" big >/dev/null 2>&1
new=$(sqlite3 full-new.db 'SELECT count(*) FROM entity')
for delay in 0.05 0.2 0.5 1 2; do
	cp crash.db crash-run.db
	"$BATON" --db crash-run.db import --prune --yes "$EXAMPLES" big >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	expect_eq "$(sqlite3 crash-run.db 'PRAGMA integrity_check')" "ok" "integrity after SIGKILL at ${delay}s"
	n=$(sqlite3 crash-run.db 'SELECT count(*) FROM entity')
	if [ "$n" = "$old" ] || [ "$n" = "$new" ]; then ok; else ko "SIGKILL at ${delay}s left $n entities (old $old, new $new)"; fi
	rm -f crash-run.db crash-run.db-wal crash-run.db-shm
done
