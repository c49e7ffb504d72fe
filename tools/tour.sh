#!/bin/sh
# tour.sh BATON DB - what `make run` shows: the organisation at a glance.
# (The web UI replaces this as the main job once `baton serve` exists.)
set -eu
baton=$1; db=$2
echo
echo "== baton: the example organisation (database $db) =="
"$baton" --db "$db" ls teams
echo
echo "== roles and their holders =="
"$baton" --db "$db" ls roles
echo
echo "== who is james.thornton? =="
"$baton" --db "$db" who james.thornton
echo
echo "Try: $baton --db $db who billing-lead"
