#!/usr/bin/python3
"""test_abuse.py BATON EXAMPLES - `baton serve` under hostile clients.

Proves, against real servers on 127.0.0.1 (free ports, killed at the end):

* a slow client (half a request line, then nothing; or a body shorter than
  its Content-Length) is disconnected after `--timeout` seconds;
* `--max-connections` caps the connections: with the cap held by idle
  clients an extra request is not answered (queued or refused), and once
  they go the server answers again;
* 1,000 concurrent connections (asyncio, bounded in count and time) get
  no 5xx and leave the server answering a normal request with 200;
* targets and headers far beyond libmicrohttpd's buffer, and a chunked
  body over 16 KiB, are refused (414/431/413) and the server keeps serving;
* tokens: never in the server's output, even when sent in a query string or
  a malformed Authorization header; stored only as BLAKE2b-256 hashes, and
  so are session ids; absent from the event log;
* sessions expire (BATON_SESSION_SECONDS): an expired cookie is no longer
  signed in and cannot write (401);
* bad --timeout, --max-connections and BATON_SESSION_SECONDS are usage errors.

Every loop is bounded and every socket has a timeout. Prints
"abuse: N passed, N failed"; exits 1 on any failure.
"""
import asyncio
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlencode

BATON = os.path.abspath(sys.argv[1])
EXAMPLES = os.path.abspath(sys.argv[2])
ENV = dict(os.environ, BATON_NOW="2026-11-23T10:00:00Z", USER="tester")
ENV.pop("BATON_DB", None)
ENV.pop("BATON_SESSION_SECONDS", None)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

passed = 0
failed = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL abuse: %s" % what)
        if detail:
            print("     %s" % str(detail)[:600])


def baton(*args, env=None):
    p = subprocess.run([BATON, "--db", DB] + list(args), env=env or ENV,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, *extra, env=None):
        self.port = free_port()
        self.logpath = os.path.join(SCRATCH, "serve-%d.log" % self.port)
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen(
            [BATON, "--db", DB, "serve", "--listen", "127.0.0.1:%d" % self.port]
            + list(extra), env=env or ENV, stdout=self.log,
            stderr=subprocess.STDOUT)
        for _ in range(150):  # at most ~15 s
            try:
                if self.req("GET", "/static/baton.css")[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("server on port %d did not start" % self.port)

    def req(self, method, path, body=None, headers=None, timeout=10):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read().decode("utf-8", "replace")
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def raw(self, data, timeout=10):
        """Send raw bytes, return everything read until close or timeout."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        out = b""
        try:
            s.sendall(data)
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        except OSError:
            pass
        finally:
            s.close()
        return out

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

    def output(self):
        self.log.flush()
        return open(self.logpath, errors="replace").read()


def closed_within(sock, seconds):
    """True when the server closes `sock` (EOF or reset) within `seconds`
    (a bound on how long we wait, not a timing assertion)."""
    sock.settimeout(seconds)
    try:
        while True:
            if not sock.recv(4096):
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


def slow_clients(srv):
    # Half a request line, then silence: closed after --timeout 2, well
    # before our 30 s bound (with the default 15 s it would still be open
    # at 10 s: see the control below).
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"GET /peo")
    check(closed_within(s, 30), "a client sending half a request line is disconnected")
    s.close()
    # A body shorter than its Content-Length, then silence.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
              b"application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ntoken=")
    check(closed_within(s, 30), "a client stalling mid-body is disconnected")
    s.close()
    st, _, _ = srv.req("GET", "/")
    check(st == 200, "the server answers after the slow clients", st)


def slow_control(srv):
    # Control: with the default timeout (15 s) a silent client is still
    # connected after 4 s, so the test above measures --timeout.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"GET /peo")
    check(not closed_within(s, 4), "with the default timeout a silent client stays connected for 4 s")
    s.close()


def connection_cap(srv, cap):
    idle = []
    try:
        for _ in range(cap):
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=10))
        time.sleep(1)  # let the server accept them all
        extra = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        extra.sendall(b"GET /api/v1/people HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        extra.settimeout(3)
        try:
            got = extra.recv(4096)
        except socket.timeout:
            got = None  # queued
        except OSError:
            got = b""   # refused
        check(got is None or got == b"",
              "with %d idle connections (the cap) an extra request is queued or refused" % cap,
              got)
        for s in idle:
            s.close()
        idle = []
        if got is None:  # queued: it is answered now that the idle ones left
            extra.settimeout(20)
            data = b""
            try:
                while True:
                    b = extra.recv(65536)
                    if not b:
                        break
                    data += b
            except OSError:
                pass
            check(data.startswith(b"HTTP/1.1 200"),
                  "the queued request is answered once the idle connections close",
                  data[:100])
        extra.close()
    finally:
        for s in idle:
            s.close()
    st, _, _ = srv.req("GET", "/api/v1/people")
    check(st == 200, "the server answers after the connection cap was reached", st)


async def one_client(port, i, results):
    try:
        r, w = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), timeout=30)
    except (OSError, asyncio.TimeoutError) as e:
        results.append(("connect", repr(e)))
        return
    try:
        w.write(b"GET /api/v1/teams HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        await w.drain()
        data = await asyncio.wait_for(r.read(), timeout=60)
        m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
        results.append(("status", int(m.group(1)) if m else 0))
    except (OSError, asyncio.TimeoutError) as e:
        results.append(("read", repr(e)))
    finally:
        w.close()
        try:
            await w.wait_closed()
        except OSError:
            pass


async def storm(port, n):
    results = []
    await asyncio.wait_for(
        asyncio.gather(*(one_client(port, i, results) for i in range(n))),
        timeout=150)
    return results


def thousand(srv):
    try:
        results = asyncio.run(storm(srv.port, 1000))
    except asyncio.TimeoutError:
        results = None
    check(results is not None and len(results) == 1000,
          "1,000 concurrent connections all finish within the bound",
          None if results is None else len(results))
    results = results or []
    statuses = [v for k, v in results if k == "status"]
    check(not [s for s in statuses if s >= 500],
          "no 5xx among the answers to 1,000 concurrent connections",
          sorted(set(statuses)))
    check(statuses.count(200) > 0, "some of the 1,000 connections are answered 200",
          (statuses.count(200), results[:5]))
    st, _, body = srv.req("GET", "/api/v1/people", timeout=10)
    check(st == 200 and "james.thornton" in body,
          "after 1,000 concurrent connections a normal request gets 200", st)


def oversized(srv):
    # Just inside the limits (a 2,000-byte target, 8,000 bytes of headers):
    # the 16 KiB connection buffer holds it and the request is answered.
    target = b"/api/v1/people?x=" + b"a" * (2000 - 17)
    got = srv.raw(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  b"X-Pad-1: " + b"b" * 3900 + b"\r\nX-Pad-2: " + b"c" * 3900 +
                  b"\r\n\r\n", timeout=20)
    check(got.startswith(b"HTTP/1.1 200"), "a request at the size limits is served", got[:80])
    # Far beyond the connection buffer: refused by libmicrohttpd.
    got = srv.raw(b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", timeout=20)
    check(got.startswith(b"HTTP/1.1 414"), "a 100 KB request target is 414", got[:80])
    got = srv.raw(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100000 +
                  b"\r\n\r\n", timeout=20)
    check(got.startswith(b"HTTP/1.1 431"), "a 100 KB header is 431", got[:80])
    # Chunked: no Content-Length to refuse early, the body counter does it.
    chunk = b"c" * 4096
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)) + b"0\r\n\r\n"
    got = srv.raw(b"POST /api/v1/roles/billing-lead/journal HTTP/1.1\r\nHost: x\r\n"
                  b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body,
                  timeout=20)
    check(got.startswith(b"HTTP/1.1 413"), "a 20 KiB chunked body is 413", got[:80])
    st, _, _ = srv.req("GET", "/")
    check(st == 200, "the server answers after oversized requests", st)


def tokens(srv, token):
    # Send the token every way a careless client might.
    srv.req("GET", "/people?token=" + token)
    srv.req("GET", "/api/v1/nothing?access_token=" + token)
    srv.req("POST", "/api/v1/roles/billing-lead/journal", "{}",
            {"Authorization": "Basic " + token})
    srv.req("POST", "/api/v1/roles/billing-lead/journal", "not json",
            {"Authorization": "Bearer " + token})
    srv.req("POST", "/api/v1/roles/no-such-role/journal", '{"text": "x"}',
            {"Authorization": "Bearer " + token})
    st, _, _ = srv.req("POST", "/api/v1/roles/billing-lead/journal",
                       '{"text": "written by the abuse test"}',
                       {"Authorization": "Bearer " + token})
    check(st == 201, "a bearer-token write works", st)
    srv.req("POST", "/login", urlencode({"token": token[:-1] + "0"}), FORM)
    st, h, _ = srv.req("POST", "/login", urlencode({"token": token}), FORM)
    check(st == 303 and "set-cookie" in h, "login with the token works", (st, h))
    sid = re.search(r"baton_session=([0-9a-f]{64})", h.get("set-cookie", ""))
    sid = sid.group(1) if sid else ""
    srv.req("GET", "/", headers={"Cookie": "baton_session=" + token})
    out = srv.output()
    check(token not in out, "the token never appears in the server's output", out[-800:])
    check(not sid or sid not in out, "the session id never appears in the server's output")
    # Stored only as hashes.
    db = sqlite3.connect("file:%s?mode=ro" % DB, uri=True)
    try:
        rows = db.execute("SELECT * FROM web_token").fetchall()
        sessions = db.execute("SELECT * FROM web_session").fetchall()
        events = db.execute("SELECT * FROM event").fetchall()
    finally:
        db.close()
    digest = hashlib.blake2b(token.encode(), digest_size=32).hexdigest()
    check(not [r for r in rows if token in repr(r)], "the token table never holds the token", rows)
    check([r for r in rows if digest in r], "the token table holds BLAKE2b-256 of the token", rows)
    sdigest = hashlib.blake2b(sid.encode(), digest_size=32).hexdigest()
    check(sid and not [r for r in sessions if sid in repr(r)] and
          [r for r in sessions if sdigest in r],
          "sessions are stored as BLAKE2b-256 of the session id", sessions)
    check(not [e for e in events if token in repr(e) or digest in repr(e)],
          "the event log holds neither the token nor its hash")


def sessions(token):
    env = dict(ENV, BATON_SESSION_SECONDS="2")
    srv = Server(env=env)
    try:
        st, h, _ = srv.req("POST", "/login", urlencode({"token": token}), FORM)
        cookie = h.get("set-cookie", "")
        check(st == 303 and "Max-Age=2" in cookie,
              "BATON_SESSION_SECONDS sets the session lifetime and the cookie's Max-Age",
              cookie)
        sid = re.search(r"baton_session=([0-9a-f]{64})", cookie)
        sid = sid.group(1) if sid else ""
        jar = {"Cookie": "baton_session=" + sid}
        st, _, body = srv.req("GET", "/", headers=jar)
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', body)
        check("signed in as abuse" in body and m, "a fresh session is signed in", body[:600])
        csrf = m.group(1) if m else ""
        time.sleep(3.5)  # past the 2 s lifetime (bounded wait, no timing assertion)
        st, _, body = srv.req("GET", "/", headers=jar)
        check(st == 200 and "signed in as" not in body,
              "an expired session cookie is no longer signed in", body[:600])
        st, _, body = srv.req("POST", "/roles/billing-lead/journal",
                              urlencode({"text": "late", "csrf": csrf}),
                              dict(FORM, **jar))
        check(st == 401, "a write with an expired session cookie is 401", (st, body[-300:]))
    finally:
        rc = srv.stop()
    check(rc == 0, "the session server stops cleanly", rc)


def usage():
    for args, env, msg in [
        (["--timeout", "0"], None, "--timeout must be 1 to 3600 seconds"),
        (["--timeout", "x"], None, "--timeout must be 1 to 3600 seconds"),
        (["--max-connections", "1"], None, "--max-connections must be 2 to 10000"),
        ([], dict(ENV, BATON_SESSION_SECONDS="0"), "BATON_SESSION_SECONDS must be 1 to 43200"),
        ([], dict(ENV, BATON_SESSION_SECONDS="43201"), "BATON_SESSION_SECONDS must be 1 to 43200"),
    ]:
        rc, out, err = baton("serve", "--listen", "127.0.0.1:%d" % free_port(),
                             *args, env=env)
        check(rc == 2 and msg in err, "serve %s is a usage error" % " ".join(args or [str(env.get("BATON_SESSION_SECONDS"))]),
              (rc, err))


def main():
    global SCRATCH, DB
    SCRATCH = tempfile.mkdtemp(prefix="baton-abuse-")
    DB = os.path.join(SCRATCH, "abuse.db")
    servers = []
    try:
        rc, out, err = baton("import", EXAMPLES)
        if rc != 0:
            raise RuntimeError("import failed: %s" % err)
        rc, out, err = baton("token", "create", "abuse")
        if rc != 0:
            raise RuntimeError("token create failed: %s" % err)
        token = out.strip().splitlines()[-1]
        usage()
        fast = Server("--timeout", "2")
        servers.append(fast)
        slow_clients(fast)
        oversized(fast)
        thousand(fast)
        tokens(fast, token)
        capped = Server("--max-connections", "8")
        servers.append(capped)
        slow_control(capped)
        connection_cap(capped, 8)
        sessions(token)
        for s in servers:
            out = s.output()
            rc = s.stop()
            check(rc == 0, "server on port %d stops cleanly on SIGTERM" % s.port, rc)
            check("Sanitizer" not in out and "runtime error" not in out,
                  "server on port %d has no sanitizer report" % s.port, out[-2000:])
            check(token not in out, "server on port %d never printed the token" % s.port)
        servers = []
    except Exception as e:  # a broken run is a failure, not a crash
        check(False, "test run aborted", repr(e))
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(SCRATCH, ignore_errors=True)
    print("abuse: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
