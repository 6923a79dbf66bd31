"""The cache fetcher reads a range's body straight from the socket (http_body.py): the same bytes,
in full buffers, never past the range, through http.client when the body is not a plain
Content-Length one, and a stalled server still times out."""

import http.server
import threading
import time
import urllib.request
from contextlib import contextmanager
from typing import ClassVar

import pytest

from visgate_worker.errors import WorkerError
from visgate_worker.http_body import read_body
from visgate_worker.model_source import UrllibFetchers

BLOB = bytes((i * 7 + i // 251) % 256 for i in range(300_000))


class _Bucket(http.server.BaseHTTPRequestHandler):
    """Serves ``BLOB`` (ranges honoured) in one of three ways set by the test: a plain
    Content-Length body sent in small writes, a chunked body, or one that stalls half-way."""

    protocol_version = "HTTP/1.1"
    style: ClassVar[str] = "plain"

    def do_GET(self):
        rng = self.headers.get("Range")
        start, end = (int(x) for x in rng.split("=")[1].split("-")) if rng else (0, len(BLOB) - 1)
        body = BLOB[start : end + 1]
        self.send_response(206 if rng else 200)
        if self.style == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for off in range(0, len(body), 10_000):
                piece = body[off : off + 10_000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = len(body) // 2 if self.style == "stall" else len(body)
        for off in range(0, cut, 7_000):  # many small sends: the reader must fill its buffer
            self.wfile.write(body[off : min(off + 7_000, cut)])
            self.wfile.flush()
        if self.style == "stall":
            time.sleep(1.5)  # longer than the reader's timeout, then hang up

    def log_message(self, *args):
        pass


@contextmanager
def bucket(style):
    _Bucket.style = style
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Bucket)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/b/w?X-Amz-Signature=s"
    finally:
        server.shutdown()
        server.server_close()


def fetch(url, rng, limit, size=64 * 1024, timeout_s=5.0):
    pieces = []
    req = urllib.request.Request(url, headers={"Range": rng} if rng else {})
    with urllib.request.urlopen(req, timeout=timeout_s) as resp:
        n = read_body(
            resp, memoryview(bytearray(size)), limit, lambda p: pieces.append(bytes(p)), timeout_s
        )
    return n, pieces


@pytest.mark.parametrize("style", ["plain", "chunked"])
def test_passes_the_body_in_full_buffers(style):
    with bucket(style) as url:
        n, pieces = fetch(url, "bytes=1000-200999", 200_000)
    assert n == 200_000 and b"".join(pieces) == BLOB[1000:201_000]
    if style == "plain":  # straight from the socket: every piece but the last fills the buffer
        assert [len(p) for p in pieces] == [65536, 65536, 65536, 3392]


def test_never_reads_past_the_limit_it_is_given():
    """A server that ignored the range (200, the whole object) gives only the bytes asked for."""
    with bucket("plain") as url:
        n, pieces = fetch(url, None, 100_000)
    assert n == 100_000 and b"".join(pieces) == BLOB[:100_000]


def test_a_stalled_body_times_out_after_passing_what_arrived():
    with bucket("stall") as url:
        pieces = []
        with (
            urllib.request.urlopen(url, timeout=0.5) as resp,
            pytest.raises(TimeoutError),
        ):
            read_body(resp, memoryview(bytearray(8192)), len(BLOB), pieces.append, 0.5)
    assert 0 < len(pieces) * 8192 <= len(BLOB) // 2


def test_a_stalled_range_is_retried_and_then_fails_the_source():
    with bucket("stall") as url:
        got = bytearray()
        started = time.monotonic()
        with pytest.raises(WorkerError, match=r"cache GET failed \(TimeoutError\)") as caught:
            UrllibFetchers(timeout_s=0.3, retries=1).read_range(
                url, 0, len(BLOB) - 1, lambda p: got.extend(p)
            )
    assert caught.value.retryable and time.monotonic() - started < 10
    # what arrived before the first stall was kept, and only the rest asked for again
    assert len(got) >= 131072 and got == BLOB[: len(got)]
