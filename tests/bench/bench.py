#!/usr/bin/env python3
"""bench.py BUILD_DIR - baton's benchmark: figures against floors.

For each organisation size (10k and 100k people; BENCH_PEOPLE=N adds N) it
generates a synthetic organisation (gen.py, fixed seed), then measures each
figure and the floor it is compared with, in the same run on the same files:

  import       baton import into an empty database  vs  raw libyaml parse
  reimport     baton import of unchanged files      vs  raw libyaml parse
  import-rss   peak memory of the import (MiB)      vs  the target in MiB
  route-cmd    `baton route` as a whole command      vs  `baton version`
  audit        `baton audit`                         vs  `sqlite3 DB .dump`
  busfactor    `baton busfactor`                     vs  `sqlite3 DB .dump`

Figures for commands this build does not have are skipped. It prints a
table (figure, value, floor, ratio, target) and writes BUILD_DIR/bench.json.
Timings are the best of several runs (wall clock); memory from GNU time.
"""
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def wall(cmd, runs=3, **kw):
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, **kw)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best


def peak_rss_mib(cmd):
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, check=False)
    return int(r.stderr.strip().splitlines()[-1]) / 1024.0


def has_command(baton, name):
    r = subprocess.run([baton, name, "--help"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
    return r.returncode == 0


def main():
    build = sys.argv[1]
    baton = os.path.join(build, "baton")
    parse = os.path.join(build, "yamlparse")
    sizes = [10000, 100000]
    if os.environ.get("BENCH_PEOPLE"):
        sizes.append(int(os.environ["BENCH_PEOPLE"]))
    rows = []

    def row(size, figure, value, floor, target, unit="s"):
        ratio = value / floor if floor else None
        rows.append({"people": size, "figure": figure, "value": round(value, 4),
                     "floor": round(floor, 4) if floor else None,
                     "ratio": round(ratio, 2) if ratio is not None else None,
                     "target": target, "unit": unit})
        print("%8d  %-12s %10.4f %-3s %10s %7s  %s" % (
            size, figure, value, unit, "%.4f" % floor if floor else "-",
            "%.2fx" % ratio if ratio is not None else "-", target), flush=True)

    print("%8s  %-12s %14s %10s %7s  %s" % ("people", "figure", "value", "floor", "ratio", "target"))
    for size in sizes:
        org = os.path.join(build, "bench-org-%d" % size)
        db = os.path.join(build, "bench-%d.db" % size)
        if not os.path.isdir(org):
            subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), str(size), org, "1"], check=True)
        floor = wall([parse, org])
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", baton, "--db", db, "import", org],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
        imp = time.perf_counter() - t0
        if r.returncode != 0:
            print("import failed:", r.stderr[-2000:])
            sys.exit(1)
        rss = int(r.stderr.strip().splitlines()[-1]) / 1024.0
        row(size, "import", imp, floor, "<= 3x")
        row(size, "import-rss", rss, None, "<= %d MiB" % (300 if size <= 100000 else 2048), "MiB")
        row(size, "reimport", wall([baton, "--db", db, "import", org]), floor, "<= 1.5x")
        start = wall([baton, "version"], runs=10)
        if has_command(baton, "route"):
            row(size, "route-cmd", wall([baton, "--db", db, "route", "--topic", "d7/refund/x"], runs=10),
                start, "<= 2x")
        dump = wall(["sqlite3", db, ".dump"], runs=1) if shutil.which("sqlite3") else None
        for cmd in ("audit", "busfactor"):
            if dump and has_command(baton, cmd):
                row(size, cmd, wall([baton, "--db", db, cmd, "--json"], runs=1), dump, "<= 1x")
    with open(os.path.join(build, "bench.json"), "w") as f:
        json.dump({"rows": rows}, f, indent=2)
    print("wrote %s" % os.path.join(build, "bench.json"))


if __name__ == "__main__":
    main()
