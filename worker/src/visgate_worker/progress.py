"""Reports to the control plane's ``workerEvents`` (shared/src/schemas/worker-event.ts).

Every send is bounded (retries with backoff) and never raises: a callback failure must not kill the
worker, which keeps serving; the control plane's poller notices readiness on its own. The token goes
only into the Authorization header and is never logged.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

# (url, headers, body bytes, timeout seconds) -> HTTP status; raises OSError on a network failure.
PostFn = Callable[[str, dict[str, str], bytes, float], int]


def urllib_post(url: str, headers: dict[str, str], body: bytes, timeout: float) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class EventReporter:
    """POSTs events; ``send`` returns whether the control plane accepted the event (2xx)."""

    def __init__(
        self,
        url: str | None,
        token: str | None,
        *,
        worker_id: str | None = None,
        post: PostFn = urllib_post,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], str] = _now_iso,
        attempts: int = 4,
        backoff_s: float = 0.5,
        timeout_s: float = 10.0,
    ) -> None:
        self._url = url
        self._token = token
        self._worker_id = worker_id
        self._post = post
        self._sleep = sleep
        self._now = now
        self._attempts = max(1, attempts)
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._disabled = url is None or token is None
        self.sent: list[dict[str, Any]] = []

    def send(self, type_: str, **fields: Any) -> bool:
        body = {"type": type_, "at": self._now(), "worker_id": self._worker_id}
        body.update({k: v for k, v in fields.items() if v is not None})
        if isinstance(body.get("error"), dict):  # workerEvents caps both fields
            err = body["error"]
            body["error"] = {"code": str(err["code"])[:64], "message": str(err["message"])[:2000]}
        body = {k: v for k, v in body.items() if v is not None}
        if self._disabled:
            log.info("event %s (not reported: no events URL or token)", type_)
            return False
        data = json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}
        for attempt in range(self._attempts):
            try:
                status = self._post(self._url or "", headers, data, self._timeout_s)
            except Exception as exc:  # network trouble of any kind: retry, then give up quietly
                status, why = None, type(exc).__name__
            else:
                why = f"HTTP {status}"
            if status is not None and 200 <= status < 300:
                self.sent.append(body)
                return True
            if status == 404:
                # Wrong token or deleted deployment: retrying cannot help; stop reporting at all.
                log.error("workerEvents rejected the token (404); no further events are sent")
                self._disabled = True
                return False
            if status is not None and 400 <= status < 500 and status not in (408, 429):
                log.error("workerEvents refused event %s with %s", type_, why)
                return False
            if attempt + 1 < self._attempts:
                self._sleep(self._backoff_s * 2**attempt)
        log.warning("event %s not delivered after %d attempts (%s)", type_, self._attempts, why)
        return False


class DownloadProgress:
    """Turns byte counts into ``downloading`` events, at most one per ``every_s`` (plus the last)."""

    def __init__(
        self,
        reporter: EventReporter,
        *,
        every_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reporter = reporter
        self._every_s = every_s
        self._clock = clock
        self._started = clock()
        self._last: float | None = None

    def __call__(self, source: str, done: int, total: int) -> None:
        now = self._clock()
        final = total > 0 and done >= total
        if self._last is not None and now - self._last < self._every_s and not final:
            return
        self._last = now
        elapsed = max(now - self._started, 1e-6)
        self._reporter.send(
            "downloading",
            source=source,
            bytes_done=done,
            bytes_total=total or None,
            throughput_bytes_per_s=round(done / elapsed, 1),
        )
