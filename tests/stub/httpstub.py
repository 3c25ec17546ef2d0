#!/usr/bin/env python3
"""httpstub.py - a scripted loopback HTTP server for testing treqs' drivers.

No Kubernetes API server, Ray cluster or GPU job service can be installed on
the machines these tests run on, which is why the driver tests talk to this
stub instead: it plays the engine's side of the conversation from a scenario
file, checks that the driver asks exactly what the scenario expects, and
logs every request so that the test can compare the bytes the driver sent
(the model is curl's test suite: what the server replies, and the exact
requests expected).  Python's standard library only.

Usage:
  httpstub.py serve --scenario FILE [--port N | --unix PATH] [--port-file F]
                    --log LOG [--lifetime SECONDS]
  httpstub.py check --log LOG [--partial]
  httpstub.py requests --log LOG
  httpstub.py body --log LOG N

serve listens on 127.0.0.1 (port 0, the default, picks a free one) or on a
unix socket, prints "port N" (or "unix PATH") on stdout once it accepts
connections and writes the port to --port-file (atomically).  It stops on
SIGTERM/SIGINT, or by itself after --lifetime seconds (default 300) so that
a test that dies never leaves it behind.

The scenario is JSON: a list of entries (or {"requests": [...]}), answered
in order.  Each entry:
  method        "GET", "POST", ... (required)
  path          the exact path and query string (required)
  body          optional: the JSON the request body must contain (objects
                match as subsets, recursively; anything else must be equal)
  headers       optional: {name: value}, value an exact string, or null for
                "must not be sent" (names are case-insensitive)
  status        the HTTP status to answer (default 200)
  response      a JSON value to answer with (application/json), or
  response_text a string to answer with verbatim (text/plain, or
                content_type); neither: an empty body
  content_type  optional: overrides the Content-Type of the answer
  delay         optional: seconds to wait before answering
  drop          optional: true closes the connection without an answer
  times         optional: how many consecutive requests the entry answers
                (default 1)
  min_times     optional: fewer will do (default: times); 0 makes the entry
                optional: a request it does not match goes to the next one
A request that does not match the next entry is answered with HTTP 599 and
{"error": "unexpected request", ...}, and logged as unexpected: the test
fails loudly at `check` even when the driver copes with the 599.

The log has one JSON object a line: {"event": "start", "entries": [...]}
(the scenario) first,
then for each request {"event": "request", "n", "method", "path",
"headers", "body" (text), "json" (the body parsed, or null), "entry" (the
scenario index it matched, or null), "status", "problem"}.

check exits 1 (and says why) when the log shows an unexpected request, or
when an entry of the scenario was not asked for as many times as it says
(--partial allows that).  requests prints "METHOD PATH" for each request;
body prints the Nth (1-based) request's JSON body with sorted keys.
"""

import argparse
import errno
import http.server
import json
import os
import signal
import socketserver
import sys
import threading
import time


def subset(want, got):
    """Whether got contains want: objects as subsets, the rest equal."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and subset(v, got[k]) for k, v in want.items())
    return want == got


class Scenario:
    def __init__(self, entries, log):
        self.entries = entries
        self.used = [0] * len(entries)
        self.pos = 0
        self.n = 0
        self.lock = threading.Lock()
        self.log = log

    def write(self, record):
        self.log.write(json.dumps(record, sort_keys=True) + "\n")
        self.log.flush()

    @staticmethod
    def mismatch(e, method, path, headers, parsed):
        """Why entry e does not answer this request, or None when it does."""
        want = "%s %s" % (e["method"], e["path"])
        if e["method"] != method or e["path"] != path:
            return "expected %s" % want
        if "body" in e and not subset(e["body"], parsed):
            return "%s: the body does not contain %s" % (want, json.dumps(e["body"], sort_keys=True))
        for name, value in e.get("headers", {}).items():
            got = headers.get(name.lower())
            if value is None and got is not None:
                return "%s: header %s must not be sent" % (want, name)
            if value is not None and got != value:
                return "%s: header %s is %r, expected %r" % (want, name, got, value)
        return None

    def match(self, method, path, headers, body, parsed):
        """The entry answering this request and why not (index or None, problem)."""
        problem = None
        while self.pos < len(self.entries):
            e = self.entries[self.pos]
            times = int(e.get("times", 1))
            if self.used[self.pos] >= times:
                self.pos += 1
                continue
            why = self.mismatch(e, method, path, headers, parsed)
            if why is None:
                self.used[self.pos] += 1
                return self.pos, None
            problem = problem or why
            if self.used[self.pos] < int(e.get("min_times", times)):
                return None, problem
            self.pos += 1  # it had its due: the request may be for the next entry
        return None, problem or "the scenario is over"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    scenario = None

    def log_message(self, fmt, *args):
        pass

    def handle_one(self):
        sc = self.scenario
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        text = raw.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        with sc.lock:
            sc.n += 1
            n = sc.n
            idx, problem = sc.match(self.command, self.path, headers, text, parsed)
            entry = sc.entries[idx] if idx is not None else None
            status = 599 if entry is None else int(entry.get("status", 200))
            sc.write({"event": "request", "n": n, "method": self.command, "path": self.path,
                      "headers": headers, "body": text, "json": parsed, "entry": idx,
                      "status": status, "problem": problem})
        if entry is None:
            sys.stderr.write("httpstub: unexpected request %d: %s %s (%s)\n" % (n, self.command, self.path, problem))
            self.answer(599, json.dumps({"error": "unexpected request", "problem": problem}), "application/json")
            return
        if entry.get("delay"):
            time.sleep(float(entry["delay"]))
        if entry.get("drop"):
            self.close_connection = True
            return
        if "response" in entry:
            body, ctype = json.dumps(entry["response"]), "application/json"
        elif "response_text" in entry:
            body, ctype = entry["response_text"], "text/plain; charset=utf-8"
        else:
            body, ctype = "", "application/json"
        self.answer(status, body, entry.get("content_type", ctype))

    def answer(self, status, body, ctype):
        data = body.encode("utf-8")
        try:
            self.send_response(status, "Stub")
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_one


class TCPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class UnixHandler(Handler):
    def address_string(self):
        return "unix"


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def serve(args):
    with open(args.scenario) as f:
        entries = json.load(f)
    if isinstance(entries, dict):
        entries = entries["requests"]
    for i, e in enumerate(entries):
        if "method" not in e or "path" not in e:
            sys.exit("httpstub: scenario entry %d has no method or path" % i)
    log = open(args.log, "a")
    sc = Scenario(entries, log)
    sc.write({"event": "start", "entries": entries})
    if args.unix:
        if os.path.exists(args.unix):
            os.unlink(args.unix)
        handler = type("H", (UnixHandler,), {"scenario": sc})
        server = UnixServer(args.unix, handler)
        where = "unix %s" % args.unix
    else:
        handler = type("H", (Handler,), {"scenario": sc})
        # a fixed port (the test reuses the first one it got) may be held
        # for a moment by a connection of another program: wait a little
        for attempt in range(50):
            try:
                server = TCPServer(("127.0.0.1", args.port), handler)
                break
            except OSError as e:
                if e.errno != errno.EADDRINUSE or not args.port or attempt == 49:
                    raise
                time.sleep(0.1)
        where = "port %d" % server.server_address[1]
        if args.port_file:
            write_atomic(args.port_file, "%d\n" % server.server_address[1])
    if args.unix and args.port_file:
        write_atomic(args.port_file, args.unix + "\n")

    def stop(*_):
        log.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Timer(args.lifetime, stop).start()
    print(where, flush=True)
    server.serve_forever()


def read_log(path):
    records = []
    with open(path) as f:
        for line in f:
            if line.strip():
                records.append(json.loads(line))
    return records


def check(args):
    records = read_log(args.log)
    problems = []
    entries = []
    used = {}
    for r in records:
        if r["event"] == "start":
            entries = r["entries"]
        elif r["event"] == "request":
            if r["entry"] is None:
                problems.append("unexpected request %d: %s %s (%s)" % (r["n"], r["method"], r["path"], r["problem"]))
            else:
                used[r["entry"]] = used.get(r["entry"], 0) + 1
    if not args.partial:
        for i, e in enumerate(entries):
            want = int(e.get("min_times", e.get("times", 1)))
            if used.get(i, 0) < want:
                problems.append("scenario entry %d (%s %s) was asked for %d times, expected %s%d" % (
                    i, e["method"], e["path"], used.get(i, 0), "at least " if "min_times" in e else "", want))
    for p in problems:
        print("httpstub: " + p, file=sys.stderr)
    if problems:
        print("httpstub: requests received:", file=sys.stderr)
        for r in records:
            if r["event"] == "request":
                print("  %d %s %s -> %s" % (r["n"], r["method"], r["path"], r["status"]), file=sys.stderr)
        sys.exit(1)


def requests(args):
    for r in read_log(args.log):
        if r["event"] == "request":
            print("%s %s" % (r["method"], r["path"]))


def body(args):
    reqs = [r for r in read_log(args.log) if r["event"] == "request"]
    if args.n < 1 or args.n > len(reqs):
        sys.exit("httpstub: there is no request %d (%d received)" % (args.n, len(reqs)))
    r = reqs[args.n - 1]
    if r["json"] is None:
        sys.exit("httpstub: request %d (%s %s) has no JSON body: %r" % (args.n, r["method"], r["path"], r["body"]))
    print(json.dumps(r["json"], sort_keys=True, indent=2))


def main():
    p = argparse.ArgumentParser(prog="httpstub.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--scenario", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--unix")
    s.add_argument("--port-file")
    s.add_argument("--log", required=True)
    s.add_argument("--lifetime", type=float, default=300)
    c = sub.add_parser("check")
    c.add_argument("--log", required=True)
    c.add_argument("--partial", action="store_true")
    r = sub.add_parser("requests")
    r.add_argument("--log", required=True)
    b = sub.add_parser("body")
    b.add_argument("--log", required=True)
    b.add_argument("n", type=int)
    args = p.parse_args()
    {"serve": serve, "check": check, "requests": requests, "body": body}[args.cmd](args)


if __name__ == "__main__":
    main()
