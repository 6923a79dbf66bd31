"""A ranged GET's body read straight from its socket into the caller's reused buffer.

Through http.client every read of a body crosses three Python layers (``HTTPResponse.readinto``,
``BufferedReader``, ``SocketIO.readinto``), and a socket with a timeout polls before every
``recv``, releasing and retaking the GIL twice; with 8 ranges in flight on a small CPU that per-read
overhead is a good part of what the cache fetcher costs beside the copies. A ``Content-Length``
body is simply the next ``length`` bytes on the connection, so once the headers are parsed:

- what http.client already buffered past the headers is taken from its buffer;
- plain TCP: the socket is made blocking, its timeout becomes ``SO_RCVTIMEO`` (a stalled server
  still fails the read with an ``OSError``, as the timeout did), and each ``recv_into`` waits
  (``MSG_WAITALL``) until the whole buffer is full: one system call per buffer;
- TLS: ``SSLSocket.recv_into`` (one record per call, the socket's own timeout);
- anything else (a chunked body, no length, a socket of another kind): ``HTTPResponse.readinto``.

Each full buffer goes to ``sink`` while it is still in the core's cache.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import struct
from collections.abc import Callable

Sink = Callable[[memoryview], None]


def read_body(
    resp: http.client.HTTPResponse, view: memoryview, limit: int, sink: Sink, timeout_s: float
) -> int:
    """Pass the first ``limit`` bytes of ``resp``'s body (fewer if it ends sooner) to ``sink`` in
    pieces that fill ``view`` (the last may be shorter); return how many were passed. Bytes past
    ``limit`` are never read. Errors of the connection (resets, timeouts) raise ``OSError`` after
    the pieces already passed; the caller knows how far it got from its sink."""
    if resp.length is not None:
        limit = min(limit, resp.length)
    if limit <= 0:
        return 0
    raw = getattr(getattr(resp.fp, "raw", None), "_sock", None)
    if resp.chunked or resp.length is None or not isinstance(raw, socket.socket):
        return _via_response(resp, view, limit, sink)
    # What http.client buffered past the headers (when nothing, it waits for the first bytes): all
    # of it goes first, so it must fit in the buffer (it is at most io's 8 KiB).
    head = resp.fp.peek(1)
    if len(head) > len(view) and limit > len(view):
        return _via_response(resp, view, limit, sink)
    got = resp.fp.readinto(view[: min(len(head), limit)]) if head else 0
    if not got:
        return 0  # the body ended before its first byte
    if isinstance(raw, ssl.SSLSocket):

        def recv(piece: memoryview) -> int:
            return raw.recv_into(piece, len(piece))

    else:
        raw.settimeout(None)  # blocking, so that a read is one recv, not a poll and a recv
        secs = max(timeout_s, 0.001)
        raw.setsockopt(
            socket.SOL_SOCKET,
            socket.SO_RCVTIMEO,
            struct.pack("ll", int(secs), int(secs % 1 * 1_000_000)),
        )

        def recv(piece: memoryview) -> int:
            try:
                return raw.recv_into(piece, len(piece), socket.MSG_WAITALL)
            except BlockingIOError:  # SO_RCVTIMEO ran out with nothing received
                raise TimeoutError(f"no body bytes for {timeout_s:g} s") from None

    passed, size = 0, len(view)
    while True:
        want = min(size, limit - passed)
        ended = False
        while got < want:
            n = recv(view[got:want])
            if not n:
                ended = True
                break
            got += n
        if got:
            sink(view[:got])
            passed += got
            got = 0
        if ended or passed >= limit:
            return passed


def _via_response(resp: http.client.HTTPResponse, view: memoryview, limit: int, sink: Sink) -> int:
    passed, size = 0, len(view)
    while passed < limit:
        n = resp.readinto(view[: min(size, limit - passed)])
        if not n:
            break
        sink(view[:n])
        passed += n
    return passed
