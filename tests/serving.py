"""Serve a test app on a real loopback port and fire requests at it at the same moment.

Races (sign-in throttling, single-use links, HR rights) only show between real
concurrent requests, each with its own thread, app context and database connection.
"""
from __future__ import annotations

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from werkzeug.serving import make_server

# How often the server thread looks for shutdown(): the default half second was added to
# the end of every test that serves.
POLL_SECONDS = 0.05


@contextmanager
def serve(app):
    """The app on 127.0.0.1 in a thread (a thread per request); yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.socket.listen(128)  # room for every concurrent client without SYN retries
    thread = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@dataclass
class Answer:
    status: int
    location: str
    body: str


def post(base: str, path: str, data: dict, headers: dict | None = None) -> Answer:
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request("POST", path, urlencode(data),
                     {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        response = conn.getresponse()
        return Answer(response.status, response.getheader("Location") or "", response.read().decode())
    finally:
        conn.close()


def at_once(calls: list) -> list[Answer]:
    """Run each zero-argument call in its own thread, all released together; answers in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def session_cookie(app, email: str, password: str) -> str:
    """Sign in through a test client and return a Cookie header for the same session."""
    client = app.test_client()
    with app.app_context():  # its own, as each request has in production (Flask-Login keeps the user on g)
        response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return f"{cookie.key}={cookie.value}"
