"""A real HTTP receiver on loopback for the Teams and webhook tests: a threaded http.server that
records every request and answers 202, or 500 while an outage lasts; and a Standard Webhooks
verifier written from the specification (https://www.standardwebhooks.com/), not the app's signer."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    path: str
    headers: dict
    body: bytes
    answered: int

    def json(self):
        return json.loads(self.body)


class Receiver:
    def __init__(self, delay: float = 0.0):
        self.requests: list[Request] = []
        self.status = 202  # what a Teams Workflows webhook answers
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if delay:  # a slow receiver: widens the window in which two senders overlap
                    threading.Event().wait(delay)
                with receiver.lock:
                    status = receiver.status
                    receiver.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                     body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def accepted(self, path: str | None = None) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if 200 <= r.answered < 300 and (path is None or r.path == path)]

    def take(self) -> list[Request]:
        with self.lock:
            taken, self.requests = self.requests, []
        return taken


def verify(secret: str, headers: dict, body: bytes, now: int, tolerance: int = 300) -> bool:
    """Standard Webhooks, section "Verifying webhook authenticity": the key is the base64 after
    "whsec_"; the signed content is "<webhook-id>.<webhook-timestamp>.<raw body>"; the header holds
    space-delimited "v1,<base64 HMAC-SHA256>" signatures; the timestamp must be within tolerance."""
    msg_id, stamp, signatures = headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"]
    if abs(now - int(stamp)) > tolerance:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
    return any(version == "v1" and hmac.compare_digest(sig, expected)
               for version, _, sig in (s.partition(",") for s in signatures.split(" ")))
