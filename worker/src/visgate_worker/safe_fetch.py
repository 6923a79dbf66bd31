"""Fetch a URL a job names (an init image, a LoRA file) under our webhook rules.

The same rules as the control plane's webhook guard (functions/src/policy/url-guard.ts): https only,
no credentials in the URL, no internal names, and every address the host resolves to must be public
unicast (no loopback, private, CGNAT, link-local/metadata, multicast, reserved, documentation, and no
IPv6 form that embeds an IPv4 address). The connection goes to the address that was checked (a
later DNS answer cannot swap it), each redirect is checked the same way (at most 3), and the body is
capped in bytes and in time. ``allow_private`` (local development only) lifts the address rules and
allows http, as the control plane's local mode does for webhooks.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

Resolve = Callable[[str, int], list[str]]

MAX_REDIRECTS = 3
_CHUNK = 64 * 1024
_EMBEDS_V4 = [
    ipaddress.ip_network(n)
    for n in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "2001::/32", "::ffff:0:0:0/96")
]


class FetchRefused(Exception):
    """Why a URL was not (fully) fetched; the message names the host at most, never the query."""


def system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(raw: str) -> bool:
    """Only public unicast passes (see the module doc); anything unparsable is not public."""
    try:
        ip = ipaddress.ip_address(raw.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif int(ip) >> 32 == 0 or any(ip in n for n in _EMBEDS_V4):
            return False
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def check_target(url: str, *, allow_private: bool, resolve: Resolve = system_resolve) -> Target:
    """The address to connect to for ``url``, or FetchRefused saying why it may not be fetched."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchRefused("not a valid URL") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise FetchRefused("only https URLs are fetched")
    if parts.username or parts.password:
        raise FetchRefused("credentials in the URL are not allowed")
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchRefused("the URL has no host")
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not allow_private and (
        host in ("localhost", "metadata.google.internal")
        or host.endswith((".localhost", ".internal"))
    ):
        raise FetchRefused(f"host {host} is internal")
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        try:
            addresses = resolve(host, port)
        except OSError:
            raise FetchRefused(f"host {host} does not resolve") from None
    if not addresses:
        raise FetchRefused(f"host {host} does not resolve")
    if not allow_private:
        bad = next((a for a in addresses if not is_public_address(a)), None)
        if bad is not None:
            raise FetchRefused(f"host {host} resolves to {bad}, which is not public")
    return Target(parts.scheme, host, port, path, addresses[0])


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, with the URL's host for SNI and certificate checks."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


@dataclass(frozen=True)
class Fetched:
    size: int
    sha256: str
    content_type: str | None


def fetch(
    url: str,
    sink: BinaryIO,
    *,
    max_bytes: int,
    timeout_s: float,
    allow_private: bool = False,
    resolve: Resolve = system_resolve,
    what: str = "the file",
) -> Fetched:
    """GET ``url`` into ``sink``: at most ``max_bytes``, all within ``timeout_s`` seconds."""
    deadline = time.monotonic() + timeout_s

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchRefused(f"{what} took longer than {timeout_s:g} s")
        return remaining

    for _hop in range(MAX_REDIRECTS + 1):
        target = check_target(url, allow_private=allow_private, resolve=resolve)
        conn_cls = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
        conn = conn_cls(target, timeout=left())
        try:
            try:
                conn.request("GET", target.path, headers={"User-Agent": "visgate-worker"})
                resp = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                raise FetchRefused(
                    f"{target.host} could not be reached ({type(exc).__name__})"
                ) from None
            if resp.status in (301, 302, 303, 307, 308):
                location = resp.getheader("Location")
                if not location:
                    raise FetchRefused(f"{target.host} redirected without a Location")
                url = urljoin(url, location)
                continue
            if resp.status != 200:
                raise FetchRefused(f"{target.host} answered HTTP {resp.status}")
            declared = resp.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchRefused(f"{what} is larger than {max_bytes // 1_000_000} MB")
            digest = hashlib.sha256()
            size = 0
            while True:
                if conn.sock is not None:
                    conn.sock.settimeout(left())
                try:
                    chunk = resp.read(_CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    if time.monotonic() >= deadline:
                        raise FetchRefused(f"{what} took longer than {timeout_s:g} s") from None
                    raise FetchRefused(f"reading {what} failed ({type(exc).__name__})") from None
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FetchRefused(f"{what} is larger than {max_bytes // 1_000_000} MB")
                digest.update(chunk)
                sink.write(chunk)
                left()
            return Fetched(size, digest.hexdigest(), resp.getheader("Content-Type"))
        finally:
            conn.close()
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")


def fetch_bytes(url: str, **kwargs) -> bytes:
    import io

    buf = io.BytesIO()
    fetch(url, buf, **kwargs)
    return buf.getvalue()


def fetch_to_file(url: str, path: Path, **kwargs) -> Fetched:
    """Into ``path`` (written whole or removed): for adapters, hashed as they arrive."""
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb") as f:
            got = fetch(url, f, **kwargs)
        partial.replace(path)
        return got
    finally:
        partial.unlink(missing_ok=True)
