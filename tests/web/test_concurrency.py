#!/usr/bin/python3
"""test_concurrency.py BATON EXAMPLES - readers and writers in real processes.

Proves that `baton serve` and command-line writers share one database
without losing anything:

* phase 1: reader threads hammer pages and API endpoints of the server
  while, in other processes, `baton import --force` of a generated
  organisation (tests/bench/gen.py 3000 people, seed 7, plus examples/)
  runs again and again, `baton offboard P --to Q` followed by
  `baton handover complete N --force` runs for several people, and journal
  entries are posted to the server with a bearer token. Every
  response must be 200 (never a 5xx, never "database is locked") and every
  write must exit 0 (a write waits for the lock instead of failing).
* phase 2: many parallel long reads (audit, bus factor, big lists) during
  several imports: every import exits 0 and every read is 200.
* afterwards the server sees the last committed state (no reader is stuck
  on an old WAL snapshot): its handover list equals the CLI's.
* the server's log has no "database is locked", no error and no sanitizer
  report, and the server stops cleanly on SIGTERM.

Bounded everywhere: fixed iteration counts, a request cap per reader
thread, a wall-clock guard, timeouts on every process and socket. The
server listens on 127.0.0.1 only, on a free port, and is killed at the end
whatever happens. Prints "concurrency: N passed, N failed"; exits 1 on any
failure.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BATON = os.path.abspath(sys.argv[1])
EXAMPLES = os.path.abspath(sys.argv[2])
HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "bench", "gen.py")
ENV = dict(os.environ, BATON_NOW="2026-11-23T10:00:00Z", USER="tester")
ENV.pop("BATON_DB", None)

IMPORTS = 3            # imports in phase 1 (and again in phase 2)
OFFBOARDS = 3          # offboard + handover complete rounds in phase 1
WEB_WRITES = 5         # journal entries posted to the server in phase 1
READERS = 4            # reader threads in phase 1
LONG_READERS = 12      # parallel long readers in phase 2
REQ_CAP = 400          # requests per reader thread at most
GUARD = 240            # seconds: a phase never runs longer than this

passed = 0
failed = 0
lock = threading.Lock()


def check(cond, what, detail=""):
    global passed, failed
    with lock:
        if cond:
            passed += 1
        else:
            failed += 1
            print("FAIL concurrency: %s" % what)
            if detail:
                print("     %s" % str(detail)[:600])


def baton(*args, timeout=180):
    p = subprocess.run([BATON, "--db", DB] + list(args), env=ENV,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self):
        self.port = free_port()
        self.logpath = os.path.join(SCRATCH, "serve.log")
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen(
            [BATON, "--db", DB, "serve", "--listen", "127.0.0.1:%d" % self.port],
            env=ENV, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(150):  # at most ~15 s
            try:
                if self.req("/static/baton.css")[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("server on port %d did not start" % self.port)

    def req(self, path, timeout=60, body=None, token=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Authorization": "Bearer " + token} if token else {}
            c.request("POST" if body else "GET", path,
                      body=json.dumps(body) if body else None, headers=headers)
            r = c.getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        finally:
            c.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class Readers:
    """Threads that GET `paths` in turn until stopped (or capped)."""

    def __init__(self, srv, n, paths):
        self.srv, self.paths = srv, paths
        self.stop_ev = threading.Event()
        self.count = 0
        self.bad = []
        self.threads = [threading.Thread(target=self.run, args=(i,))
                        for i in range(n)]
        self.deadline = time.time() + GUARD
        for t in self.threads:
            t.start()

    def run(self, i):
        k = i
        for _ in range(REQ_CAP):
            if self.stop_ev.is_set() or time.time() > self.deadline:
                return
            path = self.paths[k % len(self.paths)]
            k += 1
            try:
                st, body = self.srv.req(path)
            except OSError as e:
                st, body = 0, repr(e)
            with lock:
                self.count += 1
                if st != 200 or "database is locked" in body:
                    self.bad.append((path, st, body[:200]))

    def finish(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(timeout=GUARD)
        return self.count, self.bad


def writer(results, name, steps):
    """Run each argv list of `steps` in order, recording (name, argv, rc, err)."""
    for argv in steps:
        rc, out, err = baton(*argv)
        results.append((name, argv, rc, out, err))


def leavers(n):
    """n (leaver, successor) pairs of people who hold a role, all distinct,
    the successor holding none of the leaver's roles; taken from the
    database itself."""
    rc, out, err = baton("ls", "roles", "--json")
    if rc:
        raise RuntimeError("ls roles failed: %s" % err)
    roles = {}
    for role in json.loads(out):
        for h in role["holders"]:
            roles.setdefault(h["person"], set()).add(role["name"])
    people = sorted(roles)
    seen, pairs = set(), []
    for a in people:
        if a in seen:
            continue
        for b in people:
            if b != a and b not in seen and not roles[a] & roles[b]:
                pairs.append((a, b))
                seen.update((a, b))
                break
        if len(pairs) == n:
            break
    return pairs


def phase1(srv):
    pairs = leavers(OFFBOARDS)
    check(len(pairs) == OFFBOARDS, "the generated org has %d role-holding pairs" % OFFBOARDS, pairs)
    paths = ["/api/v1/people", "/", "/api/v1/handovers", "/audit",
             "/api/v1/roles", "/people/%s" % pairs[0][0], "/handovers",
             "/api/v1/route?q=refund", "/teams", "/api/v1/busfactor"]
    readers = Readers(srv, READERS, paths)
    results = []
    imp = [["import", "--force", ORG, EXAMPLES] for _ in range(IMPORTS)]
    # The handover writer needs the id printed by offboard: run it step by
    # step so that it can read the previous output.
    def hand_writer():
        for i, (a, b) in enumerate(pairs):
            rc, out, err = baton("offboard", a, "--to", b)
            results.append(("handover", ["offboard", a], rc, out, err))
            m = re.search(r"started handover (\d+)", out)
            if not m:
                continue
            rc, out, err = baton("handover", "complete", m.group(1), "--force")
            results.append(("handover", ["complete", m.group(1)], rc, out, err))

    # Writes through the server itself, by bearer token, at the same time.
    def web_writer():
        for i in range(WEB_WRITES):
            try:
                st, body = srv.req("/api/v1/roles/billing-lead/journal",
                                   body={"text": "concurrent note %d" % i},
                                   token=TOKEN)
            except OSError as e:
                st, body = 0, repr(e)
            results.append(("web", ["POST", "journal"], 0 if st == 201 else st,
                            body, "" if st == 201 else body))

    ts = [threading.Thread(target=writer, args=(results, "import", imp)),
          threading.Thread(target=hand_writer),
          threading.Thread(target=web_writer)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=GUARD)
    count, bad = readers.finish()
    check(len([r for r in results if r[0] == "import"]) == IMPORTS,
          "phase 1: %d imports ran" % IMPORTS, results)
    check(len([r for r in results if r[0] == "handover"]) == 2 * OFFBOARDS,
          "phase 1: %d offboards and completions ran" % OFFBOARDS,
          [(r[1], r[2], r[4]) for r in results if r[0] == "handover"])
    for name, argv, rc, out, err in results:
        check(rc == 0 and "locked" not in err,
              "phase 1: %s %s succeeds while the server reads" % (name, " ".join(argv[:2])),
              (rc, err[-400:]))
    check(len([r for r in results if r[0] == "web"]) == WEB_WRITES,
          "phase 1: %d journal entries were posted to the server" % WEB_WRITES,
          len(results))
    check(count > 0, "phase 1: the readers made requests", count)
    check(not bad, "phase 1: all %d reads during the writes are 200" % count, bad[:5])
    return pairs


def phase2(srv):
    paths = ["/api/v1/audit", "/api/v1/busfactor", "/audit",
             "/api/v1/people", "/api/v1/roles", "/api/v1/processes"]
    readers = Readers(srv, LONG_READERS, paths)
    results = []
    writer(results, "import", [["import", "--force", ORG, EXAMPLES]
                               for _ in range(IMPORTS)])
    count, bad = readers.finish()
    for i, (name, argv, rc, out, err) in enumerate(results):
        check(rc == 0 and "locked" not in err,
              "phase 2: import %d exits 0 under %d parallel long reads" % (i + 1, LONG_READERS),
              (rc, err[-400:]))
    check(len(results) == IMPORTS, "phase 2: %d imports ran" % IMPORTS, len(results))
    check(not bad, "phase 2: all %d long reads are 200" % count, bad[:5])


def fresh(srv, pairs):
    """The server reads the last committed state, not an old snapshot."""
    rc, out, err = baton("handover", "list", "--json")
    check(rc == 0, "handover list exits 0", err)
    st, body = srv.req("/api/v1/handovers")
    check(st == 200 and json.loads(body) == json.loads(out),
          "after the writes the server's handovers equal the CLI's", (st, body[:300]))
    check(len(json.loads(out)) == OFFBOARDS and
          all(h["state"] == "completed" for h in json.loads(out)),
          "every handover of phase 1 is completed", out[:600])
    # The last import (--force) brought the first leaver back to active.
    st, body = srv.req("/api/v1/people/%s" % pairs[0][0])
    rc, out, err = baton("who", "person/%s" % pairs[0][0], "--json")
    check(st == 200 and rc == 0 and json.loads(body) == json.loads(out),
          "the server's view of %s equals the CLI's" % pairs[0][0], (st, body[:300]))


def main():
    global SCRATCH, DB, ORG, TOKEN
    SCRATCH = tempfile.mkdtemp(prefix="baton-conc-")
    DB = os.path.join(SCRATCH, "conc.db")
    ORG = os.path.join(SCRATCH, "org")
    srv = None
    try:
        subprocess.run([sys.executable, GEN, "3000", ORG, "7"], check=True,
                       capture_output=True, timeout=120)
        rc, out, err = baton("import", ORG, EXAMPLES)
        if rc != 0:
            raise RuntimeError("import failed: %s" % err)
        rc, out, err = baton("token", "create", "conc")
        if rc != 0:
            raise RuntimeError("token create failed: %s" % err)
        TOKEN = out.strip().splitlines()[-1]
        srv = Server()
        pairs = phase1(srv)
        phase2(srv)
        fresh(srv, pairs)
        st, _ = srv.req("/")
        check(st == 200, "the server still answers after the writes", st)
        rc = srv.stop()
        check(rc == 0, "the server stops cleanly on SIGTERM", rc)
        log = open(srv.logpath).read()
        check("locked" not in log and "error" not in log.lower() and
              "Sanitizer" not in log, "the server log is clean", log[-2000:])
        check(TOKEN not in log, "the server log never shows the token")
        srv = None
    except Exception as e:  # a broken run is a failure, not a crash
        check(False, "test run aborted", repr(e))
    finally:
        if srv:
            srv.stop()
        shutil.rmtree(SCRATCH, ignore_errors=True)
    print("concurrency: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
