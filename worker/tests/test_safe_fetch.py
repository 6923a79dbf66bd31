"""Fetching a URL a job names (safe_fetch.py): the webhook rules on every address and redirect, and
the body capped in bytes and in time."""

import hashlib
import http.server
import io
import threading
import time
from contextlib import contextmanager

import pytest

from visgate_worker.safe_fetch import (
    FetchRefused,
    check_target,
    fetch,
    fetch_to_file,
    is_public_address,
)

BODY = bytes(range(256)) * 400  # 100 KiB


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # CGNAT
        ("169.254.169.254", False),  # the metadata server
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("192.0.2.1", False),  # documentation
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:93.184.216.34", True),
        ("::7f00:1", False),  # IPv4-compatible
        ("64:ff9b::7f00:1", False),  # NAT64
        ("2002:7f00:1::", False),  # 6to4
        ("2001::1", False),  # Teredo
        ("not an address", False),
    ],
)
def test_only_public_unicast_addresses_pass(address, public):
    assert is_public_address(address) is public


def _resolver(table):
    return lambda host, _port: table[host]


@pytest.mark.parametrize(
    ("url", "table", "refusal"),
    [
        ("https://img.example/a.png", {"img.example": ["93.184.216.34"]}, None),
        ("http://img.example/a.png", {"img.example": ["93.184.216.34"]}, "only https"),
        ("ftp://img.example/a.png", {}, "only https"),
        ("https://user:pw@img.example/a.png", {}, "credentials"),
        ("https://localhost/a.png", {}, "internal"),
        ("https://metadata.google.internal/x", {}, "internal"),
        ("https://127.0.0.1/a.png", {}, "not public"),
        ("https://[::1]/a.png", {}, "not public"),
        ("https://rebind.example/a", {"rebind.example": ["93.184.216.34", "10.0.0.1"]}, "10.0.0.1"),
        ("https://nowhere.example/a", {"nowhere.example": []}, "does not resolve"),
        ("https://img.example:99999/a", {}, "not a valid URL"),
    ],
)
def test_targets_follow_the_webhook_rules(url, table, refusal):
    if refusal is None:
        target = check_target(url, allow_private=False, resolve=_resolver(table))
        assert (target.host, target.port, target.address) == ("img.example", 443, "93.184.216.34")
    else:
        with pytest.raises(FetchRefused, match=refusal):
            check_target(url, allow_private=False, resolve=_resolver(table))


def test_a_refusal_never_quotes_the_query_string():
    with pytest.raises(FetchRefused) as info:
        check_target("https://127.0.0.1/a.png?X-Amz-Signature=secret", allow_private=False)
    assert "secret" not in str(info.value)


class _Server(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/redirect"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/missing":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        if self.path != "/no-length":
            self.send_header("Content-Length", str(len(BODY)))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        for off in range(0, len(BODY), 10_000):
            if self.path == "/slow":
                time.sleep(0.2)
            try:
                self.wfile.write(BODY[off : off + 10_000])
            except OSError:
                return

    def log_message(self, *args):
        pass


@contextmanager
def _serve():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _get(url, **kwargs):
    buf = io.BytesIO()
    opts = {"max_bytes": 1_000_000, "timeout_s": 5, "allow_private": True, **kwargs}
    got = fetch(url, buf, **opts)
    return got, buf.getvalue()


def test_fetches_the_body_with_its_hash_and_type_following_redirects():
    with _serve() as base:
        got, body = _get(f"{base}/redirect/a.png")
    assert body == BODY
    assert (got.size, got.sha256, got.content_type) == (
        len(BODY),
        hashlib.sha256(BODY).hexdigest(),
        "image/png",
    )


def test_refuses_a_body_over_the_cap_declared_or_not():
    with _serve() as base:
        with pytest.raises(FetchRefused, match="larger than"):
            _get(f"{base}/a.png", max_bytes=50_000)
        with pytest.raises(FetchRefused, match="larger than"):
            _get(f"{base}/no-length", max_bytes=50_000)


def test_gives_up_at_the_deadline():
    with _serve() as base:
        started = time.monotonic()
        with pytest.raises(FetchRefused, match="longer than"):
            _get(f"{base}/slow", timeout_s=0.5)
    assert time.monotonic() - started < 2


def test_refuses_errors_and_endless_redirects():
    with _serve() as base:
        with pytest.raises(FetchRefused, match="HTTP 404"):
            _get(f"{base}/missing")
        with pytest.raises(FetchRefused, match="redirects"):
            _get(f"{base}/loop")


def test_without_local_mode_a_loopback_server_is_refused_before_connecting():
    with _serve() as base, pytest.raises(FetchRefused, match="only https"):
        _get(f"{base}/a.png", allow_private=False)


def test_a_file_is_written_whole_or_not_at_all(tmp_path):
    with _serve() as base:
        got = fetch_to_file(
            f"{base}/a.png",
            tmp_path / "a.bin",
            max_bytes=1_000_000,
            timeout_s=5,
            allow_private=True,
        )
        assert (tmp_path / "a.bin").read_bytes() == BODY and got.size == len(BODY)
        with pytest.raises(FetchRefused):
            fetch_to_file(
                f"{base}/a.png", tmp_path / "b.bin", max_bytes=1000, timeout_s=5, allow_private=True
            )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]
