"""`onboarding playbooks check-links` against a real HTTPS server on loopback (a certificate made
for 127.0.0.1 and trusted through REQUESTS_CA_BUNDLE): never the internet."""
from __future__ import annotations

import ipaddress
import json
import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

LINKED = """\
slug: linked
title: Linked
weeks: 13
phases:
  - key: one
    title: One
milestones:
  - key: first
    title: Read the framework
    phase: one
    category: induction_governance
    owner: leader
    week: 1
    sources:
      - title: Works
        publisher: Test
        url: {base}/ok
        date: 2025-07
      - title: Moved, and works where it went
        publisher: Test
        url: {base}/moved
        date: 2025-07
  - key: second
    title: Read the guidance
    phase: one
    category: induction_governance
    owner: leader
    week: 2
    sources:
      - title: Gone
        publisher: Test
        url: {base}/gone
        date: 2025-07
      - title: Refuses HEAD, answers GET
        publisher: Test
        url: {base}/no-head
        date: 2025-07
"""


class Handler(BaseHTTPRequestHandler):
    def _answer(self, head: bool) -> None:
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif self.path == "/ok" or self.path == "/no-head" and not head:
            self.send_response(200)
        elif self.path == "/no-head":
            self.send_response(405)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):  # noqa: N802 (the standard library's name)
        self._answer(head=True)

    def do_GET(self):  # noqa: N802
        self._answer(head=False)

    def log_message(self, *args):
        pass


def _certificate(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def https_base(tmp_path, monkeypatch):
    cert_path, key_path = _certificate(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()
    server.server_close()


def test_check_links_lists_each_source_with_its_status_and_fails_on_a_broken_one(app, runner, https_base, tmp_path,
                                                                                   monkeypatch):
    path = tmp_path / "linked.yaml"
    path.write_text(LINKED.format(base=https_base))
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    result = runner.invoke(args=["playbooks", "check-links", str(path), "--timeout", "5"])
    assert result.exit_code == 1, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert lines == [
        "STATUS PLAYBOOK MILESTONE URL",
        f"404 failed linked second {https_base}/gone",  # failures first
        f"200 ok linked first {https_base}/ok",
        f"200 ok linked first {https_base}/moved",  # redirects followed
        f"200 ok linked second {https_base}/no-head",  # HEAD refused, GET answered
        "4 link(s) checked, 1 failed",
    ]
    kept = json.loads((tmp_path / "instance" / "link-check.json").read_text())
    assert [(r["milestone"], r["url"].rsplit("/", 1)[1], r["status"], r["ok"]) for r in kept["links"]] == [
        ("first", "ok", 200, True), ("first", "moved", 200, True), ("second", "gone", 404, False),
        ("second", "no-head", 200, True)]


def test_check_links_reports_a_site_that_does_not_answer(app, runner, tmp_path, monkeypatch):
    import socket

    with socket.socket() as closed:  # a port nothing listens on: refused at once, no waiting
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    path = tmp_path / "linked.yaml"
    path.write_text(LINKED.format(base=f"https://127.0.0.1:{port}"))
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    result = runner.invoke(args=["playbooks", "check-links", str(path), "--timeout", "2"])
    assert result.exit_code == 1
    assert "failed: ConnectionError" in result.output and "4 link(s) checked, 4 failed" in result.output


def test_check_links_refuses_an_invalid_file_and_checks_nothing(app, runner, tmp_path):
    path = tmp_path / "linked.yaml"
    path.write_text(LINKED.format(base="http://127.0.0.1:9"))
    result = runner.invoke(args=["playbooks", "check-links", str(path)])
    assert result.exit_code == 1
    assert f"{path}:17: milestone 'first': source 1: url 'http://127.0.0.1:9/ok' must start with https://" in result.output
    assert "no link was checked" in result.output


def test_check_links_without_paths_checks_the_latest_published_versions(app, runner, https_base, tmp_path,
                                                                          monkeypatch):
    from onboarding import playbooks
    from onboarding.extensions import db

    content, found = playbooks.parse_text(LINKED.format(base=https_base), "linked.yaml")
    assert found == []
    with app.app_context():
        playbooks.publish(content)
        db.session.commit()
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    result = runner.invoke(args=["playbooks", "check-links", "--timeout", "5"])
    assert result.exit_code == 1 and "4 link(s) checked, 1 failed" in result.output
    assert f"404 failed  linked    second     {https_base}/gone" in result.output
