#!/usr/bin/env python3
"""bench.py BUILD_DIR - baton's benchmark: figures against floors.

For each organisation size (10k and 100k people; BENCH_PEOPLE=N adds N) it
generates a synthetic organisation (gen.py, fixed seed), then measures each
figure and the floor it is compared with, in the same run on the same files:

  (each timed figure and its floor: the best of 3 runs up to 100k people,
   of 1 above)
  import       baton import into an empty database  vs  raw libyaml parse
  reimport     baton import of unchanged files      vs  raw libyaml parse
               (answered from the manifest of the last import: the files
               are read and hashed, not parsed)
  reimport-full  the same after forgetting that manifest: every file
               parsed and every entity compared, reported
  import-rss   peak memory of the import (MiB)      vs  the target in MiB
  route-cmd    `baton route` as a whole command      vs  `baton version`
  audit        `baton audit`                         vs  `sqlite3 DB .dump`
  busfactor    `baton busfactor`                     vs  `sqlite3 DB .dump`
  route-topic  route_resolve() by topic, p50/p99 in µs (routebench), the
               second pass over the same questions (a serving process);
               route-topic-cold the first pass (every page touched for the
               first time), reported; route-topic-json the same route and
               then its JSON document (route_result_to_json), reported
  route-text   route_resolve() by free text, the same two passes
  web-route    `baton serve` /api/v1/route requests/s (wrk, 32 connections,
               2 threads)  vs  nginx serving the same bytes as a static file
  web-p99      its p99 latency (ms)  vs  nginx's p99 in its run (wrk and
               the server share the 2 cores: a p99 of milliseconds is
               mostly waiting for a core); web-rss  the server's peak RSS
  web-mix      the same server asked 5,000 different topics in turn (a wrk
               script), so that its answer cache (128 answers per worker)
               nearly never holds the answer: the throughput of resolving
               routes, reported against nginx's figure but without a target;
               web-mix-p99 its p99 latency

Figures for commands this build does not have are skipped. It prints a
table (figure, value, floor, ratio, target) and writes BUILD_DIR/bench.json.
Timings are the best of several runs (wall clock); memory from GNU time.
"""
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

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


def sample_topic(db):
    """A concrete topic that the first rule (by name) matches."""
    con = sqlite3.connect(db)
    try:
        (t,) = con.execute("SELECT topic FROM rule WHERE topic IS NOT NULL ORDER BY name LIMIT 1").fetchone()
    finally:
        con.close()
    return re.sub(r"\*+", "x", t)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=20):
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read()
        except OSError:
            time.sleep(0.1)
    return None


def wrk(url, seconds, script=None):
    """(requests per second, p99 latency in ms) from wrk --latency."""
    r = subprocess.run(["wrk", "-t2", "-c32", "-d%ds" % seconds, "--latency"] +
                       (["-s", script] if script else []) + [url],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", r.stdout, re.M)
    if not rps or not p99:
        return None, None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return float(rps.group(1)), float(p99.group(1)) * scale


def mix_script(build, db, n=5000):
    """A wrk script asking /api/v1/route for n different topics in turn (the
    rules' own topics, '*' made concrete): far more targets than the
    server's answer cache keeps, so nearly every request is resolved."""
    con = sqlite3.connect(db)
    try:
        topics = [re.sub(r"\*+", "x", t) for (t,) in con.execute(
            "SELECT topic FROM rule WHERE topic IS NOT NULL ORDER BY name")]
    finally:
        con.close()
    step = max(1, len(topics) // n)
    paths = ["/api/v1/route?topic=" + t for t in topics[::step][:n]]
    path = os.path.join(build, "route-mix.lua")
    with open(path, "w") as f:
        f.write("paths = {%s}\n" % ", ".join(json.dumps(p) for p in paths))
        f.write("i = 0\n"
                "request = function()\n"
                "  i = i + 1\n"
                "  return wrk.format(\"GET\", paths[(i % #paths) + 1])\n"
                "end\n")
    return path, len(paths)


def web_figures(build, baton, db, path, seconds):
    """Serve db with baton and the same answer with nginx; wrk both."""
    if not shutil.which("wrk") or not shutil.which("nginx"):
        return None
    port = free_port()
    srv = subprocess.Popen([baton, "--db", db, "serve", "--listen", "127.0.0.1:%d" % port,
                            "--read-only"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nginx = None
    try:
        url = "http://127.0.0.1:%d%s" % (port, path)
        body = wait_http(url)
        if body is None:
            return None
        rps, p99 = wrk(url, seconds)
        with open("/proc/%d/status" % srv.pid) as f:
            hwm = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024.0
        script, ntopics = mix_script(build, db)
        mix_rps, mix_p99 = wrk("http://127.0.0.1:%d" % port, seconds, script)
        with open("/proc/%d/status" % srv.pid) as f:
            mix_hwm = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024.0
        prefix = os.path.abspath(os.path.join(build, "nginx"))
        os.makedirs(os.path.join(prefix, "html"), exist_ok=True)
        os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
        with open(os.path.join(prefix, "html", "route.json"), "wb") as f:
            f.write(body)
        nport = free_port()
        with open(os.path.join(prefix, "nginx.conf"), "w") as f:
            f.write("""worker_processes 2;
daemon off;
pid %(p)s/logs/nginx.pid;
error_log %(p)s/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(p)s/tmp; proxy_temp_path %(p)s/tmp;
    fastcgi_temp_path %(p)s/tmp; uwsgi_temp_path %(p)s/tmp; scgi_temp_path %(p)s/tmp;
    default_type application/json;
    server { listen 127.0.0.1:%(port)d; root %(p)s/html; }
}
""" % {"p": prefix, "port": nport})
        os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
        nginx = subprocess.Popen(["nginx", "-p", prefix, "-c", os.path.join(prefix, "nginx.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        nurl = "http://127.0.0.1:%d/route.json" % nport
        if wait_http(nurl) is None:
            return None
        nrps, np99 = wrk(nurl, seconds)
        return {"rps": rps, "p99": p99, "rss": hwm, "nginx_rps": nrps, "bytes": len(body),
                "nginx_p99": np99,
                "mix_rps": mix_rps, "mix_p99": mix_p99, "mix_topics": ntopics,
                "mix_rss": mix_hwm}
    finally:
        srv.terminate()
        srv.wait()
        if nginx:
            nginx.terminate()
            nginx.wait()


def main():
    build = sys.argv[1]
    baton = os.path.join(build, "baton")
    parse = os.path.join(build, "yamlparse")
    # BENCH_SIZES=10000 for a quick run of one size
    sizes = [int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
    if os.environ.get("BENCH_PEOPLE"):
        sizes.append(int(os.environ["BENCH_PEOPLE"]))
    rows = []

    def row(size, figure, value, floor, target, unit="s"):
        ratio = value / floor if floor else None
        rows.append({"people": size, "figure": figure, "value": round(value, 4),
                     "floor": round(floor, 4) if floor else None,
                     "ratio": round(ratio, 2) if ratio is not None else None,
                     "target": target, "unit": unit})
        print("%8d  %-16s %10.4f %-3s %10s %7s  %s" % (
            size, figure, value, unit, "%.4f" % floor if floor else "-",
            "%.2fx" % ratio if ratio is not None else "-", target), flush=True)

    print("%8s  %-16s %14s %10s %7s  %s" % ("people", "figure", "value", "floor", "ratio", "target"))
    for size in sizes:
        org = os.path.join(build, "bench-org-%d" % size)
        db = os.path.join(build, "bench-%d.db" % size)
        if not os.path.isdir(org):
            subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), str(size), org, "1"], check=True)
        # every figure and its floor: the best of `runs` runs (the same
        # number for both), as single runs move by a third on this machine
        runs = 3 if size <= 100000 else 1
        floor = wall([parse, org], runs=runs)
        imp, rss = None, 0.0
        for _ in range(runs):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
            t0 = time.perf_counter()
            r = subprocess.run(["/usr/bin/time", "-f", "%M", baton, "--db", db, "import", org],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               check=False)
            t = time.perf_counter() - t0
            if r.returncode != 0:
                print("import failed:", r.stderr[-2000:])
                sys.exit(1)
            imp = t if imp is None else min(imp, t)
            rss = max(rss, int(r.stderr.strip().splitlines()[-1]) / 1024.0)
        row(size, "import", imp, floor, "<= 3x")
        row(size, "import-rss", rss, None, "<= %d MiB" % (300 if size <= 100000 else 2048), "MiB")
        row(size, "reimport", wall([baton, "--db", db, "import", org]), floor, "<= 1.5x")
        # the same without the manifest of the last import: every file
        # parsed and every entity compared (what a re-import costs when
        # anything changed)
        best = None
        for _ in range(3):
            con = sqlite3.connect(db)
            try:
                con.execute("DELETE FROM import_manifest")
                con.commit()
            except sqlite3.OperationalError:
                pass
            finally:
                con.close()
            t = wall([baton, "--db", db, "import", org], runs=1)
            best = t if best is None else min(best, t)
        row(size, "reimport-full", best, floor, "(reported) files parsed again")
        start = wall([baton, "version"], runs=10)
        topic = sample_topic(db)
        if has_command(baton, "route"):
            row(size, "route-cmd", wall([baton, "--db", db, "route", "--topic", topic], runs=10),
                start, "<= 2x")
        dump = wall(["sqlite3", db, ".dump"], runs=runs) if shutil.which("sqlite3") else None
        for cmd in ("audit", "busfactor"):
            if dump and has_command(baton, cmd):
                row(size, cmd, wall([baton, "--db", db, cmd, "--json"], runs=runs), dump,
                    "<= 1x")
        rb = os.path.join(build, "routebench")
        if os.path.exists(rb):
            d = {}
            for mode, n in (("topic", 5000), ("text", 300)):
                r = subprocess.run([rb, db, str(n), mode], stdout=subprocess.PIPE, text=True, check=False)
                if r.returncode == 0:
                    d.update(json.loads(r.stdout))
            if len(d) == 2:
                row(size, "route-topic", d["topic"]["p99_us"], None,
                    "p99 <= 50 us (p50 %.1f)" % d["topic"]["p50_us"], "us")
                row(size, "route-topic-cold", d["topic"]["cold_p99_us"], None,
                    "(reported) first pass (p50 %.1f)" % d["topic"]["cold_p50_us"], "us")
                row(size, "route-topic-json", d["topic"]["json_p99_us"], None,
                    "(reported) route + JSON document (p50 %.1f)" % d["topic"]["json_p50_us"], "us")
                row(size, "route-text", d["text"]["p99_us"], None,
                    "p99 <= 2000 us (p50 %.1f)" % d["text"]["p50_us"], "us")
                row(size, "route-text-cold", d["text"]["cold_p99_us"], None,
                    "(reported) first pass (p50 %.1f)" % d["text"]["cold_p50_us"], "us")
        if has_command(baton, "serve"):
            w = web_figures(build, baton, db, "/api/v1/route?topic=" + topic,
                            int(os.environ.get("BENCH_WEB_SECONDS", "10")))
            if w:
                row(size, "web-route", w["rps"], w["nginx_rps"],
                    ">= 0.5x nginx (%d bytes)" % w["bytes"], "r/s")
                # the floor: nginx's p99 under the same wrk, on the same cores
                row(size, "web-p99", w["p99"], w["nginx_p99"], "<= 5 ms", "ms")
                row(size, "web-rss", w["rss"], None, "<= 100 MiB", "MiB")
                if w["mix_rps"]:
                    row(size, "web-mix", w["mix_rps"], w["nginx_rps"],
                        "(reported) %d topics in turn" % w["mix_topics"], "r/s")
                    row(size, "web-mix-p99", w["mix_p99"], None, "(reported)", "ms")
                    row(size, "web-mix-rss", w["mix_rss"], None,
                        "(reported) VmHWM, mapped database pages included", "MiB")
    with open(os.path.join(build, "bench.json"), "w") as f:
        json.dump({"rows": rows}, f, indent=2)
    print("wrote %s" % os.path.join(build, "bench.json"))


if __name__ == "__main__":
    main()
