#!/usr/bin/env python3
"""replayserver — answers AWS API requests from a faultproxy.py recording after a fixed delay.

The benchmark's stand-in for a remote region (bench/aws_replay_bench.py): every
request is answered from memory exactly --delay-ms after it arrived, on one
asyncio loop (no thread per request, so 16 requests in flight all come back
at 50 ms, not spread over the GIL the way a threaded server spreads them).
Recordings are those of `faultproxy.py --record DIR` (same keys: service,
signing region, method, path, body).

Usage: replayserver.py --replay DIR [--delay-ms 50] [--port 0]
The first line on stdout is the port (127.0.0.1). GET /__faultproxy/stats and
POST /__faultproxy/config ({"delay_ms": N, "reset_stats": true}) work as in
faultproxy.py, so the bench drives either.
"""
import argparse
import asyncio
import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultproxy import api_of, rec_key, service_of  # noqa: E402

REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           500: "Internal Server Error", 503: "Service Unavailable"}


class Headers(dict):
    def get(self, k, d=None):
        return dict.get(self, k.lower(), d)


class Replay:
    def __init__(self, directory, delay_ms):
        self.delay = delay_ms / 1000.0
        self.cache = {}
        for name in os.listdir(directory):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(directory, name)) as f:
                rec = json.load(f)
            body = base64.b64decode(rec["body"])
            head = "HTTP/1.1 %d %s\r\n" % (rec["status"], REASONS.get(rec["status"], "Status"))
            for k, v in rec["headers"]:
                head += "%s: %s\r\n" % (k, v)
            head += "Content-Length: %d\r\n\r\n" % len(body)
            self.cache[name[:-len(".json")]] = head.encode() + body
        self.reset()

    def reset(self):
        self.stats = {"requests": 0, "replayed": 0, "replay_misses": 0, "per_api": {}}

    @staticmethod
    def plain(status, body, ctype="application/json"):
        return ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (
            status, REASONS.get(status, "Status"), ctype, len(body))).encode() + body

    def control(self, method, path, body):
        if method == "GET" and path.startswith("/__faultproxy/stats"):
            return self.plain(200, json.dumps(self.stats).encode())
        if method == "POST" and path.startswith("/__faultproxy/config"):
            cfg = json.loads(body or b"{}")
            if "delay_ms" in cfg:
                self.delay = cfg["delay_ms"] / 1000.0
            if cfg.get("reset_stats"):
                self.reset()
            return self.plain(200, b"{}")
        return self.plain(404, b"{}")

    def answer(self, method, path, headers, body):
        service, region = service_of(headers, body)
        api = api_of(service, method, path, body)
        st = self.stats
        st["requests"] += 1
        st["per_api"][api] = st["per_api"].get(api, 0) + 1
        resp = self.cache.get(rec_key(service, region, method, path, body))
        if resp is None:
            st["replay_misses"] += 1
            return self.plain(400, ("<Response><Errors><Error><Code>ReplayMiss</Code><Message>no "
                                    "recording for %s</Message></Error></Errors></Response>" % api
                                    ).encode(), "text/xml")
        st["replayed"] += 1
        return resp

    async def serve(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                t0 = asyncio.get_running_loop().time()
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = Headers()
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                n = int(headers.get("Content-Length") or 0)
                body = await reader.readexactly(n) if n else b""
                if path.startswith("/__faultproxy/"):
                    writer.write(self.control(method, path, body))
                else:
                    resp = self.answer(method, path, headers, body)
                    wait = self.delay - (asyncio.get_running_loop().time() - t0)
                    if wait > 0:
                        await asyncio.sleep(wait)
                    writer.write(resp)
                await writer.drain()
                if headers.get("Connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()


async def main_async(a):
    rp = Replay(a.replay, a.delay_ms)
    srv = await asyncio.start_server(rp.serve, "127.0.0.1", a.port, backlog=128)
    print(srv.sockets[0].getsockname()[1], flush=True)
    async with srv:
        await srv.serve_forever()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replay", required=True, help="directory of faultproxy.py --record")
    ap.add_argument("--delay-ms", type=int, default=50)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args(argv)
    try:
        asyncio.run(main_async(a))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
