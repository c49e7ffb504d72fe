#!/usr/bin/python3
"""http_test.py BATON EXAMPLES - HTTP tests of `baton serve` on 127.0.0.1.

Starts the built server in the background on a copy of the example
database (plus tests/web/fixtures/hostile.yaml) on a free port, waits until
it answers (bounded retries), runs every check, and stops the server at the
end even when a check or the script itself fails. Prints
"web: N passed, N failed" and exits 1 when anything failed.
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
import time

BATON = os.path.abspath(sys.argv[1])
EXAMPLES = os.path.abspath(sys.argv[2])
HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, BATON_NOW="2026-11-23T10:00:00Z", USER="tester")
ENV.pop("BATON_DB", None)

passed = 0
failed = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL web: %s" % what)
        if detail:
            print("     %s" % str(detail)[:400])


def baton(*args):
    p = subprocess.run([BATON, "--db", DB] + list(args), env=ENV,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, *extra):
        self.port = free_port()
        self.log = open(os.path.join(SCRATCH, "serve-%d.log" % self.port), "w")
        self.proc = subprocess.Popen(
            [BATON, "--db", DB, "serve", "--listen", "127.0.0.1:%d" % self.port]
            + list(extra), env=ENV, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):  # at most ~10 s
            try:
                st, _, _ = self.req("GET", "/static/baton.css")
                if st == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("server on port %d did not start" % self.port)

    def req(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.putrequest(method, path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                c.putheader(k, v)
            if body is not None:
                c.putheader("Content-Length", str(len(body)))
            c.endheaders(body.encode() if isinstance(body, str) else body)
            r = c.getresponse()
            data = r.read().decode("utf-8", "replace")
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def form(**kw):
    from urllib.parse import urlencode
    return urlencode(kw)


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def security_headers(h, what):
    check(h.get("content-security-policy", "").startswith("default-src 'none'"),
          what + ": Content-Security-Policy", h)
    check(h.get("x-content-type-options") == "nosniff", what + ": nosniff", h)
    check(h.get("referrer-policy") == "no-referrer", what + ": Referrer-Policy", h)


def run_tests(srv):
    # -- every page answers, with links to related pages -------------------
    pages = {
        "/": "Who handles",
        "/people": "James Thornton",
        "/people/james.thornton": "/roles/",
        "/roles": "Billing Lead",
        "/roles/billing-lead": "Responsibilities",
        "/teams": "class=\"tree\"",
        "/teams/finance": "/teams/billing",
        "/processes": "Pay supplier invoices",
        "/processes/pay-supplier-invoices": "<strong>Tuesday and Thursday</strong>",
        "/rules": "finance/refunds/**",
        "/map": "<svg",
        "/map?team=finance": "Barclays Corporate Banking",
        "/login": "name=\"token\"",
    }
    for path, needle in pages.items():
        st, h, body = srv.req("GET", path)
        check(st == 200, "GET %s is 200" % path, st)
        check(needle in body, "GET %s shows %r" % (path, needle), body[:300])
        check(h.get("content-type") == "text/html; charset=utf-8",
              "GET %s is HTML" % path, h.get("content-type"))
        check('name="viewport"' in body, "GET %s has a viewport meta" % path)
        security_headers(h, "GET " + path)
    st, h, body = srv.req("GET", "/static/baton.css")
    check(st == 200 and h.get("content-type", "").startswith("text/css")
          and "@media" in body, "stylesheet served, responsive", (st, h))
    # home: leaver and absent person of the examples
    _, _, body = srv.req("GET", "/")
    check('<a href="/people/james.thornton">James Thornton</a> <span class="mute">on 2026-12-18' in body,
          "home lists the leaver with the date", body)
    check('<a href="/people/tom.okafor">Tom Okafor</a>' in body and "Annual leave" in body,
          "home lists who is absent today", body)
    st, h, body = srv.req("HEAD", "/people")
    check(st == 200 and body == "", "HEAD answers without a body", (st, body[:50]))

    # -- the API is the CLI's JSON ------------------------------------------
    for path, args in [("/api/v1/people", ["ls", "people", "--json"]),
                       ("/api/v1/roles", ["ls", "roles", "--json"]),
                       ("/api/v1/teams", ["ls", "teams", "--json"]),
                       ("/api/v1/rules", ["ls", "rules", "--json"]),
                       ("/api/v1/processes", ["ls", "processes", "--json"]),
                       ("/api/v1/roles?team=billing", ["ls", "roles", "--team", "billing", "--json"]),
                       ("/api/v1/people/james.thornton", ["who", "person/james.thornton", "--json"]),
                       ("/api/v1/roles/billing-lead", ["who", "role/billing-lead", "--json"]),
                       ("/api/v1/teams/finance", ["who", "team/finance", "--json"]),
                       ("/api/v1/processes/pay-supplier-invoices",
                        ["who", "process/pay-supplier-invoices", "--json"])]:
        st, h, body = srv.req("GET", path)
        rc, out, err = baton(*args)
        check(st == 200 and h.get("content-type") == "application/json",
              "GET %s is JSON 200" % path, (st, h.get("content-type")))
        check(rc == 0 and json.loads(body) == json.loads(out),
              "GET %s equals baton %s" % (path, " ".join(args)), body[:200])
        security_headers(h, "GET " + path)
    st, _, body = srv.req("GET", "/api/v1/people")
    check(len(json.loads(body)) == 39, "39 people (38 in examples + mallory)",
          len(json.loads(body)))

    # -- unknown names and paths: 404 ----------------------------------------
    for path in ["/roles/nope", "/people/nobody", "/teams/x", "/processes/x",
                 "/nowhere", "/rules/refunds", "/static/x.css", "/map?team=nope"]:
        st, h, body = srv.req("GET", path)
        check(st == 404 and "<h1>404 Not Found</h1>" in body,
              "GET %s is a 404 page" % path, (st, body[:200]))
        security_headers(h, "404 " + path)
    st, _, body = srv.req("GET", "/roles/nope")
    check("no such role &#39;nope&#39;" in body or "no such role &#x27;nope&#x27;" in body
          or "no such role" in body, "404 page says what is missing", body)
    for path in ["/api/v1/roles/nope", "/api/v1/nowhere", "/api/v1/teams/x",
                 "/api/v1", "/api/v1/roles/a/b/c"]:
        st, h, body = srv.req("GET", path)
        check(st == 404 and h.get("content-type") == "application/json"
              and "error" in json.loads(body), "GET %s is a JSON 404" % path, (st, body))
    st, _, body = srv.req("GET", "/api/v1/roles/nope")
    check(json.loads(body) == {"error": "no such role 'nope'"}, "JSON 404 message", body)

    # -- malformed requests: 4xx, never a crash -------------------------------
    for path in ["/people/%zz", "/people/%4", "/people/%00x", "/roles?team=%g1",
                 "/people/..", "/a/b/c/d/e/f/g/h/i/j"]:
        st, _, body = srv.req("GET", path)
        check(st == 400 if path != "/a/b/c/d/e/f/g/h/i/j" else st in (400, 404),
              "GET %s is refused with 400" % path, st)
    st, h, body = srv.req("DELETE", "/people")
    check(st == 405 and "GET" in h.get("allow", ""), "DELETE is 405 with Allow", (st, h))
    st, h, body = srv.req("PUT", "/api/v1/people", "{}")
    check(st == 405 and json.loads(body).get("error"), "PUT on the API is a JSON 405", body)
    st, h, body = srv.req("POST", "/people", "", FORM)
    check(st == 405 and h.get("allow") == "GET, HEAD", "POST to a read page is 405", (st, h))
    st, _, _ = srv.req("GET", "/people?" + "a" * 3000)
    check(st == 414, "a 3000-byte URL is 414", st)
    st, _, _ = srv.req("GET", "/people", headers={"X-Big": "b" * 9000})
    check(st == 431, "9000 bytes of headers is 431", st)
    st, _, _ = srv.req("POST", "/login", "token=" + "c" * 20000, FORM)
    check(st == 413, "a 20000-byte body is 413", st)
    st, _, _ = srv.req("POST", "/login", "token=%zz", FORM)
    check(st == 400, "bad form encoding is 400", st)
    # raw garbage on the socket
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"\x00\x01garbage\r\n\r\n")
    try:
        reply = s.recv(100)
    except OSError:
        reply = b""
    s.close()
    check(reply == b"" or reply.startswith(b"HTTP/1.1 4"), "garbage gets a 4xx or a close", reply)
    st, _, _ = srv.req("GET", "/")
    check(st == 200, "the server still answers after the bad requests", st)

    # -- escaping of hostile data ---------------------------------------------
    for path in ["/people/mallory", "/people", "/roles/evil-role", "/roles",
                 "/teams", "/teams/evil", "/processes/evil-process", "/map",
                 "/map?team=evil"]:
        st, _, body = srv.req("GET", path)
        check(st == 200, "GET %s is 200" % path, st)
        check("<script" not in body and "<iframe" not in body and "<img" not in body
              and "<svg onload" not in body and "<b>" not in body,
              "GET %s has no injected markup" % path,
              re.findall(r".{40}<(?:script|iframe|img|b>|svg onload).{40}", body))
    _, _, body = srv.req("GET", "/people/mallory")
    check("<h1>&lt;script&gt;alert(1)&lt;/script&gt;" in body, "displayName printed escaped", body[:900])
    _, _, body = srv.req("GET", "/roles/evil-role")
    check("&lt;script&gt;alert(3)&lt;/script&gt; Role" in body, "role title escaped", body[:900])
    check("&lt;iframe src=&quot;https://evil.example&quot;&gt;" in body
          or "&lt;iframe src=&#34;https://evil.example&#34;&gt;" in body,
          "responsibility escaped", body)
    _, _, body = srv.req("GET", "/processes/evil-process")
    check("<!-- raw HTML omitted -->" in body, "cmark drops raw HTML from a process body", body)
    check("javascript:" not in body, "cmark drops javascript: links", body)
    check("<strong>carefully</strong>" in body, "Markdown is rendered", body)
    _, _, body = srv.req("GET", "/map?team=evil")
    check("&lt;script&gt;alert(4)&lt;/script&gt; Ltd" in body, "map party escaped", body)
    check('stroke="#c62828"' in body, "red relationship drawn red", body)

    # -- authentication ---------------------------------------------------------
    st, h, body = srv.req("POST", "/login", form(token="0" * 64), FORM)
    check(st == 401 and "unknown or revoked token" in body, "login with a wrong token is 401", (st, body[-300:]))
    check("set-cookie" not in h, "no cookie for a wrong token", h)
    st, h, body = srv.req("POST", "/login", form(token=TOKEN), FORM)
    cookie = h.get("set-cookie", "")
    check(st == 303 and h.get("location") == "/", "login redirects home", (st, h))
    check(re.match(r"baton_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200$", cookie),
          "session cookie is HttpOnly, SameSite=Strict, 12 h", cookie)
    sess = {"Cookie": cookie.split(";")[0]}
    st, _, body = srv.req("GET", "/", headers=sess)
    check("signed in as tester-token" in body, "the session shows who is signed in", body[:1200])
    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', body)
    check(m is not None, "pages carry a CSRF token when signed in", body[:1200])
    csrf = m.group(1) if m else ""
    rc, out, _ = baton("token", "list")
    check(rc == 0 and "last used 2026-11-23T10:00:00Z" in out, "login records the token's last use", out)
    st, _, body = srv.req("POST", "/logout", "", dict(FORM, **sess))
    check(st == 403 and "CSRF" in body, "logout without the CSRF token is 403", (st, body[-300:]))
    st, _, body = srv.req("POST", "/logout", form(csrf="f" * 64), dict(FORM, **sess))
    check(st == 403, "logout with a wrong CSRF token is 403", st)
    st, _, _ = srv.req("POST", "/logout", form(csrf=csrf), FORM)
    check(st == 303, "logout without a session just goes home", st)
    st, h, _ = srv.req("POST", "/logout", form(csrf=csrf), dict(FORM, **sess))
    check(st == 303 and "Max-Age=0" in h.get("set-cookie", ""), "logout clears the cookie", (st, h))
    st, _, body = srv.req("GET", "/", headers=sess)
    check("signed in as" not in body and 'href="/login"' in body,
          "the session is gone after logout", body[:1200])
    st, _, body = srv.req("GET", "/", headers={"Cookie": "baton_session=" + "a" * 64})
    check("signed in as" not in body, "a made-up session id is not a session", body[:1200])
    rc, out, _ = baton("token", "revoke", "tester-token")
    check(rc == 0, "token revoke exits 0", out)
    st, _, _ = srv.req("POST", "/login", form(token=TOKEN), FORM)
    check(st == 401, "a revoked token cannot log in", st)


def route_tests(srv):
    """Route: the search box, its page and /api/v1/route (= baton route --json)."""
    _, _, body = srv.req("GET", "/")
    check('action="/route"' in body and 'name="q"' in body, "home has the Who handles search box", body[:1500])
    st, h, body = srv.req("GET", "/route?q=refund+enterprise+customer")
    check(st == 200 and 'href="/roles/financial-controller"' in body,
          "route page names the handling role", (st, body[-1500:]))
    check('value="refund enterprise customer"' in body, "route page keeps the query", body[:1500])
    st, h, body = srv.req("GET", "/api/v1/route?q=refund%20enterprise%20customer")
    rc, out, _ = baton("route", "--json", "refund enterprise customer")
    check(st == 200 and json.loads(body) == json.loads(out), "API route equals baton route --json", body[:300])
    st, _, body = srv.req("GET", "/api/v1/route?topic=finance/refunds/enterprise")
    rc, out, _ = baton("route", "--json", "--topic", "finance/refunds/enterprise")
    check(st == 200 and json.loads(body) == json.loads(out), "API route by topic equals the CLI", body[:300])
    check(json.loads(body)["rule"]["name"] == "refunds-enterprise", "topic route picks the most specific rule", body[:300])
    st, _, body = srv.req("GET", "/api/v1/route")
    check(st == 400 and "error" in json.loads(body), "API route without topic or q is 400", (st, body))
    st, _, body = srv.req("GET", "/api/v1/route?topic=zzz/nothing")
    check(st == 404 and json.loads(body).get("error"), "API route with no match is 404 with an error", (st, body[:300]))
    for q, what in (("topic=%FF%FE", "topic"), ("q=refund%C3", "text")):
        st, _, body = srv.req("GET", "/api/v1/route?" + q)
        check(st == 400 and json.loads(body) == {"error": "the %s is not valid UTF-8" % what},
              "API route with a %s that is not UTF-8 is 400" % what, (st, body[:300]))
    st, _, body = srv.req("GET", "/route?q=%3Cscript%3Ealert(1)%3C/script%3E")
    check("<script" not in body and "&lt;script&gt;" in body, "route query is printed escaped", body[:1500])
    st, _, _ = srv.req("GET", "/route")
    check(st == 303, "an empty search goes back home", st)


CACHE_ORG = """---
apiVersion: baton/v1
kind: Person
metadata: {name: ann}
spec: {displayName: Ann}
---
apiVersion: baton/v1
kind: Person
metadata: {name: bob}
spec: {displayName: Bob}
---
apiVersion: baton/v1
kind: Role
metadata: {name: desk}
spec:
  title: Desk
  holders: [{person: %s}]
---
apiVersion: baton/v1
kind: Rule
metadata: {name: pay}
spec: {title: Pay, topic: "fin/pay", handler: "role:desk"}
"""


CACHE_SECOND = """---
apiVersion: baton/v1
kind: Role
metadata: {name: second}
spec:
  title: Second desk
  holders: [{person: ann}]
"""


def cache_tests():
    """The server keeps API route answers per worker; a commit by another
    process (here `baton import`) must show in the very next answer."""
    global DB
    saved = DB
    DB = os.path.join(SCRATCH, "cache.db")
    org = os.path.join(SCRATCH, "cache-org.yaml")
    srv = None
    try:
        with open(org, "w") as f:
            f.write(CACHE_ORG % "ann")
        rc, _, err = baton("import", org)
        check(rc == 0, "cache: fixture imports", err)
        srv = Server("--read-only")
        rc, out, _ = baton("audit", "--json")
        warnings = json.loads(out)["summary"]["warning"]
        for _ in range(4):  # both workers compute and keep the summary
            st, _, body = srv.req("GET", "/")
        check(st == 200 and "%d warnings</span>" % warnings in body,
              "cache: the home page shows the audit's %d warnings" % warnings, body[-800:])
        path = "/api/v1/route?topic=fin/pay"
        # several requests, so that each worker has answered (and kept) it
        bodies = [srv.req("GET", path)[2] for _ in range(6)]
        first = json.loads(bodies[0])
        check(first["contacts"][0]["person"] == "ann", "cache: ann answers fin/pay", bodies[0][:300])
        check(all(b == bodies[0] for b in bodies), "cache: the same answer each time", bodies)
        with open(org, "w") as f:
            # bob answers now, and one more single-holder role is one
            # more audit warning
            f.write(CACHE_ORG % "bob" + CACHE_SECOND)
        rc, _, err = baton("import", org)
        check(rc == 0, "cache: changed fixture imports", err)
        rc, out, _ = baton("audit", "--json")
        check(json.loads(out)["summary"]["warning"] == warnings + 1,
              "cache: the changed fixture has one more audit warning", out[:300])
        for i in range(4):
            st, _, body = srv.req("GET", "/")
            check(st == 200 and "%d warnings</span>" % (warnings + 1) in body,
                  "cache: home page %d after the import shows the new count" % i, body[-800:])
        for i in range(6):
            st, _, body = srv.req("GET", path)
            check(st == 200 and json.loads(body)["contacts"][0]["person"] == "bob",
                  "cache: request %d after the import sees bob" % i, body[:300])
        st, _, body = srv.req("GET", path + "&on=2026-11-24")
        check(st == 200 and json.loads(body)["query"]["on"] == "2026-11-24",
              "cache: another target is another answer", body[:300])
        st, _, body = srv.req("GET", "/api/v1/route?topic=zzz")
        st2, _, body2 = srv.req("GET", "/api/v1/route?topic=zzz")
        check(st == 404 and st2 == 404 and body == body2,
              "cache: a kept 404 keeps its status", (st, st2))
        check(srv.stop() == 0, "cache: server stops cleanly")
        srv = None
    finally:
        if srv:
            srv.stop()
        DB = saved


def handover_tests(srv, ro):
    """Handovers: list, checklist, ticking by bearer token and by form with CSRF, notes, journal."""
    rc, out, err = baton("offboard", "james.thornton", "--to", "sofia.rossi")
    check(rc == 0, "offboard starts a handover", err)
    rc, out, _ = baton("token", "create", "writer")
    tok = out.strip().split("\n")[-1]
    bearer = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
    st, _, body = srv.req("GET", "/handovers")
    check(st == 200 and 'href="/handovers/1"' in body, "handovers page lists #1", (st, body[-800:]))
    st, _, body = srv.req("GET", "/handovers/1")
    check(st == 200 and "Log in</a> to tick items" in body and 'action="/handovers/1/items/' not in body,
          "anonymous readers see the checklist without tick forms", body[-1500:])
    for path, args in [("/api/v1/handovers", ["handover", "list", "--json"]),
                       ("/api/v1/handovers/1", ["handover", "show", "1", "--json"])]:
        st, _, body = srv.req("GET", path)
        rc, out, _ = baton(*args)
        check(st == 200 and json.loads(body) == json.loads(out), "GET %s equals the CLI" % path, body[:300])
    for path in ["/handovers/99", "/handovers/abc", "/api/v1/handovers/0", "/handovers/1/items/x"]:
        st, _, _ = srv.req("GET", path)
        check(st == 404, "GET %s is 404" % path, st)
    item = "/api/v1/handovers/1/items/1"
    st, h, body = srv.req("POST", item, '{"done":true}', {"Content-Type": "application/json"})
    check(st == 401 and "www-authenticate" in h and json.loads(body)["error"], "a write without a token is 401", (st, body))
    st, _, _ = srv.req("POST", item, '{"done":true}', {"Authorization": "Bearer " + "1" * 64})
    check(st == 401, "a write with an unknown token is 401", st)
    st, _, _ = srv.req("POST", item, '{"done":true}', {"Authorization": "Basic abc"})
    check(st == 401, "a non-bearer Authorization is 401", st)
    st, _, body = ro.req("POST", item, '{"done":true}', bearer)
    check(st == 403 and "read-only" in json.loads(body)["error"], "--read-only refuses writes with 403", (st, body))
    st, _, body = srv.req("POST", item, '{"done":tru', bearer)
    check(st == 400 and "JSON" in json.loads(body)["error"], "bad JSON is 400", (st, body))
    st, _, body = srv.req("POST", item, '{"done":"yes"}', bearer)
    check(st == 400, "done must be a boolean", (st, body))
    st, _, body = srv.req("POST", "/api/v1/handovers/1/items/999", '{"done":true}', bearer)
    check(st == 404, "an unknown item is 404", (st, body))
    st, h, body = srv.req("GET", item)
    check(st == 405 and h.get("allow") == "POST", "GET on an item is 405", (st, h))
    st, _, body = srv.req("POST", item, '{"done":true,"note":"<script>alert(8)</script>"}', bearer)
    d = json.loads(body) if st == 200 else {}
    it = [i for i in d.get("items", []) if i["item"] == 1]
    check(st == 200 and it and it[0]["done"] is True and it[0]["doneBy"] == "writer",
          "a bearer token ticks an item, recorded as the token's name", (st, body[:400]))
    _, _, body = srv.req("GET", "/handovers/1")
    check("&lt;script&gt;alert(8)&lt;/script&gt;" in body and "<script" not in body,
          "item notes are printed escaped", body[-2500:])
    rc, out, _ = baton("token", "list", "--json")
    check([t["lastUsed"] for t in json.loads(out) if t["name"] == "writer"] == ["2026-11-23T10:00:00Z"],
          "a write records the token's last use", out)
    st, _, body = srv.req("POST", "/api/v1/handovers/1/notes", '{"text":"met the bank"}', bearer)
    check(st == 200 and json.loads(body)["notes"][-1]["text"] == "met the bank", "API adds a handover note", (st, body[-300:]))
    st, _, body = srv.req("POST", "/api/v1/roles/billing-lead/journal", '{"text":"journal via API"}', bearer)
    check(st == 201 and json.loads(body)[0]["text"] == "journal via API", "API adds a journal entry (201)", (st, body))
    st, _, body = srv.req("POST", "/api/v1/roles/nope/journal", '{"text":"x"}', bearer)
    check(st == 404, "journal of an unknown role is 404", (st, body))
    st, _, body = srv.req("POST", "/api/v1/roles/billing-lead/journal", '{"text":""}', bearer)
    check(st == 400, "an empty journal entry is 400", (st, body))

    # the same through the browser's way: session cookie + form + CSRF
    st, h, _ = srv.req("POST", "/login", form(token=tok), FORM)
    sess = {"Cookie": h.get("set-cookie", "").split(";")[0]}
    _, _, body = srv.req("GET", "/handovers/1", headers=sess)
    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', body)
    csrf = m.group(1) if m else ""
    check('<form method="post" action="/handovers/1/items/2">' in body, "signed in, items have tick forms", body[-2500:])
    st, _, _ = srv.req("POST", "/handovers/1/items/2", form(done="1"), dict(FORM, **sess))
    check(st == 403, "a form tick without the CSRF token is 403", st)
    st, _, _ = srv.req("POST", "/handovers/1/items/2", form(done="1", csrf="0" * 64), dict(FORM, **sess))
    check(st == 403, "a form tick with a wrong CSRF token is 403", st)
    st, _, _ = srv.req("POST", "/handovers/1/items/2", form(done="1", csrf=csrf), FORM)
    check(st == 401, "a form tick without a session is 401", st)
    st, h, _ = srv.req("POST", "/handovers/1/items/2", form(done="1", note="via form", csrf=csrf), dict(FORM, **sess))
    check(st == 303 and h.get("location") == "/handovers/1", "a form tick redirects to the checklist", (st, h))
    rc, out, _ = baton("handover", "show", "1", "--json")
    it = [i for i in json.loads(out)["items"] if i["item"] == 2]
    check(it and it[0]["done"] is True and it[0]["note"] == "via form", "the form tick is stored", out[:400])
    st, h, _ = srv.req("POST", "/roles/billing-lead/journal", form(text="**bold** <script>alert(9)</script>", csrf=csrf), dict(FORM, **sess))
    check(st == 303 and h.get("location") == "/roles/billing-lead", "journal form redirects to the role", (st, h))
    _, _, body = srv.req("GET", "/roles/billing-lead")
    check("<!-- raw HTML omitted -->" in body and "<strong>bold</strong>" in body and "<script" not in body,
          "journal entries render Markdown without raw HTML", body[-2000:])
    _, _, body = srv.req("GET", "/")
    check('Open handovers</h2><p><a href="/handovers/1">#1</a>' in body, "home lists open handovers", body[-1500:])


def audit_tests(srv):
    """Audit: page with filters and truck-factor chart, /api/v1/audit and busfactor."""
    st, _, body = srv.req("GET", "/audit")
    check(st == 200 and "<h1>Audit</h1>" in body and "Truck factor" in body and "<svg" in body,
          "audit page with the truck factor chart", (st, body[:500]))
    _, _, body = srv.req("GET", "/audit?severity=error")
    check('badge red">error</span>' in body and 'badge amber">warning</span>' not in body,
          "audit page filters by severity", body[-2000:])
    _, _, body = srv.req("GET", "/audit?team=finance")
    check('<option value="finance" selected>' in body, "audit page filters by team", body[:2500])
    st, _, body = srv.req("GET", "/audit?severity=bogus")
    check(st == 400, "unknown severity is 400", st)
    st, _, body = srv.req("GET", "/audit?team=nope")
    check(st == 404, "unknown team is 404", st)
    st, _, body = srv.req("GET", "/api/v1/audit")
    rc, out, _ = baton("audit", "--json")
    check(st == 200 and json.loads(body) == json.loads(out), "API audit equals baton audit --json", body[:300])
    st, _, body = srv.req("GET", "/api/v1/busfactor?team=finance")
    rc, out, _ = baton("busfactor", "--team", "finance", "--json")
    check(st == 200 and json.loads(body) == json.loads(out), "API busfactor equals baton busfactor --json", body[:300])
    _, _, body = srv.req("GET", "/")
    check("errors</span>" in body and 'href="/audit?severity=error"' in body, "home shows the audit summary", body[-1500:])


def cli_tests():
    rc, out, err = baton("token", "create", "tester-token")
    lines = out.strip().split("\n")
    check(rc == 0 and re.fullmatch(r"[0-9a-f]{64}", lines[-1]) is not None,
          "token create prints the token alone on the last line", out)
    token = lines[-1]
    rc, out, err = baton("token", "create", "tester-token")
    check(rc == 1 and "a token named 'tester-token' exists already" in err,
          "a second token with the same name is refused", (rc, err))
    rc, out, err = baton("token", "create", "bad name")
    check(rc == 1 and "not a valid token name" in err, "bad token name refused", (rc, err))
    rc, out, _ = baton("token", "list", "--json")
    lst = json.loads(out)
    check(rc == 0 and [t["name"] for t in lst] == ["tester-token"]
          and lst[0]["createdBy"] == "tester" and lst[0]["lastUsed"] is None,
          "token list --json names the token", out)
    check(token not in out, "token list never shows the token", out)
    conn = __import__("sqlite3").connect(DB)
    rows = conn.execute("SELECT hash FROM web_token").fetchall()
    conn.close()
    check(len(rows) == 1 and rows[0][0] != token and len(rows[0][0]) == 64,
          "only a hash of the token is stored", rows)
    rc, _, err = baton("token", "revoke", "nobody")
    check(rc == 1 and "no token named 'nobody'" in err, "revoking an unknown token exits 1", err)
    rc, _, err = baton("token", "frob")
    check(rc == 2, "unknown token subcommand is a usage error", rc)

    rc, out, _ = baton("graph", "--team", "finance")
    check(rc == 0 and out.startswith("digraph baton {"), "graph prints dot", out[:100])
    check('"role:finance-director" -> "party:Barclays Corporate Banking" [color="#2e8540"' in out,
          "dot edge coloured by health", out)
    rc, out, _ = baton("graph", "--format", "svg", "--team", "evil")
    check(rc == 0 and out.startswith("<svg xmlns=\"http://www.w3.org/2000/svg\"")
          and "&lt;script&gt;" in out and "<script" not in out, "graph --format svg, escaped", out[:300])
    rc, _, err = baton("graph", "--team", "nope")
    check(rc == 1 and "no such team 'nope'" in err, "graph of an unknown team exits 1", err)
    rc, _, err = baton("graph", "--format", "png")
    check(rc == 2, "graph --format png is a usage error", rc)
    rc, _, err = baton("serve", "--listen", "nonsense")
    check(rc == 2 and "--listen must be ADDRESS:PORT" in err, "serve --listen is checked", err)
    return token


def main():
    global SCRATCH, DB, TOKEN
    SCRATCH = tempfile.mkdtemp(prefix="baton-web-")
    DB = os.path.join(SCRATCH, "web.db")
    servers = []
    try:
        for src in (EXAMPLES, os.path.join(HERE, "fixtures", "hostile.yaml")):
            rc, out, err = baton("import", src)
            if rc != 0:
                raise RuntimeError("import %s failed: %s" % (src, err))
        TOKEN = cli_tests()
        srv = Server()
        servers.append(srv)
        ro = Server("--read-only")
        servers.append(ro)
        st, _, body = ro.req("POST", "/login", form(token=TOKEN), FORM)
        check(st == 403 and "read-only" in body, "--read-only refuses login with 403", (st, body[-200:]))
        st, _, body = ro.req("GET", "/")
        check(st == 200 and "read-only" in body, "--read-only still serves pages", st)
        run_tests(srv)
        route_tests(srv)
        cache_tests()
        audit_tests(srv)
        handover_tests(srv, ro)
        for s in servers:
            rc = s.stop()
            check(rc == 0, "server on port %d stops cleanly on SIGTERM" % s.port, rc)
        servers = []
    except Exception as e:  # a broken test run is a failure, not a crash
        check(False, "test run aborted", repr(e))
    finally:
        for s in servers:
            s.stop()
        for name in os.listdir(SCRATCH):
            if name.startswith("serve-") and os.path.getsize(os.path.join(SCRATCH, name)) > 0:
                log = open(os.path.join(SCRATCH, name)).read()
                if "ERROR" in log or "runtime error" in log or "Sanitizer" in log:
                    check(False, "server log %s is clean" % name, log[-2000:])
        shutil.rmtree(SCRATCH, ignore_errors=True)
    print("web: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
