# Audit golden outputs: audit, busfactor and whatif print, byte for byte,
# what they printed before the performance work of issue 7 (the hashes were
# taken from that build), on examples/ and on a generated organisation of
# 600 people (tests/bench/gen.py, seed 3). The optimised queries, the TEMP
# tables, the partial index of 008_audit.sql and the JSON printer of
# cli/cmd_audit.c must change no byte of any report.
EX=$(example_db)
/usr/bin/python3 "$ROOT/tests/bench/gen.py" 600 "$SCRATCH/org" 3 >/dev/null ||
	ko "golden" "gen.py failed"
"$BATON" --db "$SCRATCH/gen.db" import "$SCRATCH/org" >/dev/null 2>&1 ||
	ko "golden" "import of the generated organisation failed"
GEN=$SCRATCH/gen.db
# golden NAME HASH CMD...: sha256 of the command's stdout and stderr
golden() {
	local name=$1 want=$2
	shift 2
	expect_eq "$("$@" 2>&1 | sha256sum | cut -c1-64)" "$want" "$name as before"
}
golden ex-audit d9c25f9e0de88d71a91b1783fa00fa03b5de090a7377f6d2ecd7b5d1fc24240f \
	"$BATON" --db "$EX" audit --json --on 2026-11-23
golden ex-audit-text b847c39e79a046ac6a59a29958dffd22b1c2f09e5ba428e63a749c436d234bee \
	"$BATON" --db "$EX" audit --on 2026-11-23
golden ex-audit-md 5523cb48f90b55765e323394fa7859345c69433aba30ef1ed5fc19a2551125ea \
	"$BATON" --db "$EX" audit --format md --on 2026-11-23
golden ex-audit-later 86d82872edc3fe356bd312769e7b01b82920d3ad6aa8801ea076cc7e141562de \
	"$BATON" --db "$EX" audit --json --on 2027-09-01 --max-roles 1
golden ex-audit-team 732353ece5428dd0188e8366ab938caae5f7807b715c311be851412833efea61 \
	"$BATON" --db "$EX" audit --json --on 2026-11-23 --team sales
golden ex-busfactor f0b5bee4ce84c0d545fffe9dc313941b3eb309e93bbdf087d135c1eadcce6bef \
	"$BATON" --db "$EX" busfactor --json --on 2026-11-23
golden ex-whatif bcb785f42a090e0d4126154ea91f721fc77e5fa8f6f4ff16bd1317a6c822fd7a \
	"$BATON" --db "$EX" whatif --json --on 2026-11-23 james.thornton mei.lin
golden gen-audit e86a67937a61fb5db21665ff6e6292cbb952555e21ff95ea3fcb3c40049536f7 \
	"$BATON" --db "$GEN" audit --json --on 2026-11-23
golden gen-audit-later df72d144a59ed0309c095238fd63a64ed732036d2bdb1826cc8c24eb4c0385ed \
	"$BATON" --db "$GEN" audit --json --on 2027-09-01 --max-roles 2
golden gen-audit-csv 66c96988eb635677ca51693e65259c9e8b395e77b9c38542985ecfb9b958cdd5 \
	"$BATON" --db "$GEN" audit --format csv --on 2026-11-23
golden gen-audit-team e3a92b5f022cb37c811f264d058e450bb306f1306fd5fcf3df06bddbcb8e29df \
	"$BATON" --db "$GEN" audit --json --on 2026-11-23 --team dept001
golden gen-busfactor 4ad3a8ca099234ed2fd1b9874848b81d84ce01d830bd1f039bba21b0bcfcea48 \
	"$BATON" --db "$GEN" busfactor --json --on 2026-11-23
golden gen-busfactor-team 66fd569d96498f0db0ef05a34157d7ef1a1053173e0bb75191fd6606bf7d31a4 \
	"$BATON" --db "$GEN" busfactor --json --on 2026-11-23 --team dept001
golden gen-whatif c88c185912837deefea5f03a1f0ebbe3749ff179dd0658436f5407fe7fdcda74 \
	"$BATON" --db "$GEN" whatif --json --on 2026-11-23 p0000001 p0000002 p0000003
