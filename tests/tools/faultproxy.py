#!/usr/bin/env python3
"""faultproxy — a fault-injecting HTTP proxy for AWS API traffic (stdlib only).

It sits between driftmap and the moto emulator (or replays recorded
responses without moto) and speaks AWS's real throttling and error formats:

  EC2      503  <Response><Errors><Error><Code>RequestLimitExceeded</Code>...
  IAM/STS  400  <ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>...
  EKS      429  {"message": "Rate exceeded"} + x-amzn-ErrorType: ThrottlingException
  S3       503  <Error><Code>SlowDown</Code>...
  plain    503/500 HTML pages, connection resets, Retry-After

The service of a request is read from the credential scope of its SigV4
Authorization header (as AWS and moto do); the API name is
"service:Action" for Query APIs (Action= in the body or query) and
"service:METHOD /path" (EKS: ListClusters, DescribeCluster, ...) for REST.

Usage:
  faultproxy.py --upstream http://127.0.0.1:PORT [--port 0] [--seed 1]
                [--throttle-rate 0.2] [--fail-rate 0.1] [--fail-kind 503html]
                [--retry-after SECONDS] [--fail-api ec2:DescribeSubnets]...
                [--fail-api-kind throttle|500html|503html|reset|denied]
                [--delay-ms 50] [--log FILE] [--record DIR | --replay DIR]

The first line on stdout is the port it listens on (127.0.0.1). GET
/__faultproxy/stats answers JSON counters; POST /__faultproxy/config with a
JSON object changes throttle_rate, fail_rate, fail_kind, fail_api,
fail_api_kind, delay_ms and retry_after at run time.
"""
import argparse
import base64
import hashlib
import http.client
import http.server
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid

HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
       "trailers", "transfer-encoding", "upgrade", "content-length"}

EKS_ROUTES = [
    (re.compile(r"^GET /clusters$"), "ListClusters"),
    (re.compile(r"^GET /clusters/[^/]+$"), "DescribeCluster"),
    (re.compile(r"^GET /clusters/[^/]+/node-groups$"), "ListNodegroups"),
    (re.compile(r"^GET /clusters/[^/]+/node-groups/[^/]+$"), "DescribeNodegroup"),
    (re.compile(r"^GET /clusters/[^/]+/addons$"), "ListAddons"),
    (re.compile(r"^GET /clusters/[^/]+/access-entries$"), "ListAccessEntries"),
]


def service_of(headers, body):
    auth = headers.get("Authorization", "")
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", auth)
    if m:
        return m.group(2).lower(), m.group(1)
    if b"Action=AssumeRoleWithWebIdentity" in body or b"Action=AssumeRoleWithSAML" in body:
        return "sts", "us-east-1"
    return "s3", "us-east-1"


def api_of(service, method, path, body):
    parsed = urllib.parse.urlsplit(path)
    params = urllib.parse.parse_qs(parsed.query)
    if "Action" in params:
        return "%s:%s" % (service, params["Action"][0])
    try:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    except Exception:
        form = {}
    if "Action" in form:
        return "%s:%s" % (service, form["Action"][0])
    line = "%s %s" % (method, parsed.path.rstrip("/") or "/")
    if service == "eks":
        for rx, name in EKS_ROUTES:
            if rx.match(line):
                return "eks:" + name
    return "%s:%s" % (service, line)


def throttle_response(service):
    rid = str(uuid.UUID(int=random.getrandbits(128)))
    if service == "ec2":
        return 503, [("Content-Type", "text/xml;charset=UTF-8")], (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            "<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
            "</Error></Errors><RequestID>%s</RequestID></Response>" % rid).encode()
    if service in ("iam", "sts"):
        ns = "https://%s.amazonaws.com/doc/%s/" % (
            service, "2010-05-08" if service == "iam" else "2011-06-15")
        return 400, [("Content-Type", "text/xml")], (
            '<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>Throttling</Code>'
            "<Message>Rate exceeded</Message></Error><RequestId>%s</RequestId>"
            "</ErrorResponse>" % (ns, rid)).encode()
    if service == "eks":
        return 429, [("Content-Type", "application/json"),
                     ("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/"),
                     ("x-amzn-RequestId", rid)], b'{"message":"Rate exceeded"}'
    return 503, [("Content-Type", "application/xml")], (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please '
        "reduce your request rate.</Message><RequestId>%s</RequestId></Error>" % rid).encode()


def html_response(status):
    title = {500: "500 Internal Server Error", 503: "503 Service Unavailable"}.get(status, str(status))
    return status, [("Content-Type", "text/html")], (
        "<!DOCTYPE html>\n<html><head><title>%s</title></head><body><h1>%s</h1></body></html>\n"
        % (title, title)).encode()


def denied_response(service):
    if service == "ec2":
        return 403, [("Content-Type", "text/xml")], (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>'
            "UnauthorizedOperation</Code><Message>You are not authorized to perform this "
            "operation.</Message></Error></Errors><RequestID>x</RequestID></Response>").encode()
    if service == "eks":
        return 403, [("Content-Type", "application/json"),
                     ("x-amzn-ErrorType", "AccessDeniedException")], \
            b'{"message":"User is not authorized to perform this action"}'
    return 403, [("Content-Type", "text/xml")], (
        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is "
        "not authorized to perform this action</Message></Error></ErrorResponse>").encode()


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.rng = random.Random(args.seed)
        self.cfg = {
            "throttle_rate": args.throttle_rate,
            "fail_rate": args.fail_rate,
            "fail_kind": args.fail_kind,
            "fail_api": list(args.fail_api or []),
            "fail_api_kind": args.fail_api_kind,
            "delay_ms": args.delay_ms,
            "retry_after": args.retry_after,
        }
        self.upstream = urllib.parse.urlsplit(args.upstream) if args.upstream else None
        self.record = args.record
        self.replay = args.replay
        self.log = args.log
        self.cache = {}
        if self.replay:
            # every recording in memory up front: a replayed request costs no file read,
            # JSON parse or base64 decode (the replay stands in for a remote API; its own
            # overhead should not count against the client)
            for name in os.listdir(self.replay):
                if not name.endswith(".json"):
                    continue
                try:
                    with open(os.path.join(self.replay, name)) as f:
                        rec = json.load(f)
                    rec["body"] = base64.b64decode(rec["body"])
                    rec["headers"] = [tuple(h) for h in rec["headers"]]
                    self.cache[name[:-len(".json")]] = rec
                except (OSError, ValueError, KeyError):
                    pass
        self.stats = {"requests": 0, "throttled": 0, "failed": 0, "forwarded": 0,
                      "replayed": 0, "replay_misses": 0, "per_api": {}}

    def decide(self, api):
        with self.lock:
            self.stats["requests"] += 1
            self.stats["per_api"][api] = self.stats["per_api"].get(api, 0) + 1
            cfg = dict(self.cfg)
            for pat in cfg["fail_api"]:
                if api == pat or api.split(":", 1)[-1] == pat or pat in api:
                    self.stats["failed"] += 1
                    return cfg, cfg["fail_api_kind"]
            r = self.rng.random()
            if r < cfg["throttle_rate"]:
                self.stats["throttled"] += 1
                return cfg, "throttle"
            if r < cfg["throttle_rate"] + cfg["fail_rate"]:
                self.stats["failed"] += 1
                return cfg, cfg["fail_kind"]
            return cfg, None

    def bump(self, key):
        with self.lock:
            self.stats[key] += 1


def rec_key(service, region, method, path, body):
    # the region (SigV4 credential scope) is part of the key: the same Query body
    # (DescribeVpcs) answers differently in every region
    h = hashlib.sha256()
    h.update(("%s\n%s\n%s\n%s\n" % (service, region, method, path)).encode())
    h.update(body)
    return h.hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no Nagle/delayed-ACK stalls on small replies
    server_version = "faultproxy"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet
        pass

    def _send(self, status, headers, body, retry_after=None):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def _control(self, body):
        st = self.server.state
        if self.command == "GET" and self.path.startswith("/__faultproxy/stats"):
            with st.lock:
                data = json.dumps(st.stats).encode()
            return self._send(200, [("Content-Type", "application/json")], data)
        if self.command == "POST" and self.path.startswith("/__faultproxy/config"):
            upd = json.loads(body or b"{}")
            with st.lock:
                for k, v in upd.items():
                    if k in st.cfg:
                        st.cfg[k] = v
                if upd.get("reset_stats"):
                    st.stats = {"requests": 0, "throttled": 0, "failed": 0, "forwarded": 0,
                                "replayed": 0, "replay_misses": 0, "per_api": {}}
                data = json.dumps(st.cfg).encode()
            return self._send(200, [("Content-Type", "application/json")], data)
        return self._send(404, [("Content-Type", "text/plain")], b"unknown control path\n")

    def _handle(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        if self.path.startswith("/__faultproxy/"):
            return self._control(body)
        service, region = service_of(self.headers, body)
        api = api_of(service, self.command, self.path, body)
        if st.log:
            line = json.dumps({"service": service, "region": region, "method": self.command,
                               "path": self.path, "body": body.decode("utf-8", "replace")})
            with st.lock:
                with open(st.log, "a") as f:
                    f.write(line + "\n")
        cfg, fault = st.decide(api)
        if cfg["delay_ms"]:
            time.sleep(cfg["delay_ms"] / 1000.0)
        ra = cfg["retry_after"]
        if fault == "throttle":
            return self._send(*throttle_response(service), retry_after=ra)
        if fault in ("503html", "500html"):
            return self._send(*html_response(503 if fault == "503html" else 500), retry_after=ra)
        if fault == "reset":
            return self._reset()
        if fault == "denied":
            return self._send(*denied_response(service))

        key = rec_key(service, region, self.command, self.path, body)
        if st.replay:
            rec = st.cache.get(key)
            if rec is None:
                try:
                    with open(os.path.join(st.replay, key + ".json")) as f:
                        rec = json.load(f)
                    rec["body"] = base64.b64decode(rec["body"])
                    rec["headers"] = [tuple(h) for h in rec["headers"]]
                    st.cache[key] = rec
                except OSError:
                    rec = None
            if rec is None:
                st.bump("replay_misses")
                return self._send(400, [("Content-Type", "text/xml")], (
                    "<Response><Errors><Error><Code>ReplayMiss</Code><Message>no recording "
                    "for %s</Message></Error></Errors></Response>" % api).encode())
            st.bump("replayed")
            return self._send(rec["status"], rec["headers"], rec["body"])

        up = st.upstream
        conn = http.client.HTTPConnection(up.hostname, up.port or 80, timeout=120)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() not in HOP:
                    conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP]
            status = resp.status
        except (OSError, http.client.HTTPException) as e:
            return self._send(*html_response(503))
        finally:
            conn.close()
        st.bump("forwarded")
        if st.record:
            keep = [(k, v) for k, v in headers
                    if k.lower() in ("content-type", "x-amzn-errortype", "x-amz-bucket-region")]
            rec = {"service": service, "api": api, "status": status, "headers": keep,
                   "body": base64.b64encode(data).decode()}
            tmp = os.path.join(st.record, key + ".json.tmp%d" % threading.get_ident())
            with open(tmp, "w") as f:
                json.dump(rec, f)
            os.replace(tmp, os.path.join(st.record, key + ".json"))
        return self._send(status, headers, data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", help="base URL of moto, e.g. http://127.0.0.1:5000")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--throttle-rate", type=float, default=0.0)
    ap.add_argument("--fail-rate", type=float, default=0.0)
    ap.add_argument("--fail-kind", default="503html", choices=["503html", "500html", "reset"])
    ap.add_argument("--retry-after", type=int, default=None)
    ap.add_argument("--fail-api", action="append", help="fail this api always (repeatable)")
    ap.add_argument("--fail-api-kind", default="throttle",
                    choices=["throttle", "503html", "500html", "reset", "denied"])
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--log", help="append every request (service, method, path, body) as a JSON line")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--record", help="directory to record responses into")
    g.add_argument("--replay", help="directory to replay responses from (no upstream)")
    args = ap.parse_args(argv)
    if not args.replay and not args.upstream:
        ap.error("--upstream is required unless --replay is given")
    if args.record:
        os.makedirs(args.record, exist_ok=True)
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.state = State(args)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
