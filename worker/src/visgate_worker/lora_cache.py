"""The adapter files on local disk: one file per content (SHA-256), an index from source to content,
bounded in bytes with least-recently-used eviction.

Keying by content means two sources of the same file (a Hub repo and a URL to it, or a signed URL
that changes per job) share one file and one loaded adapter. ``pinned`` hashes (the deployment's own
adapters, the current job's) are never evicted; ``on_evict`` lets the pipeline drop an evicted
adapter. One job runs at a time (RunPod's handler), so there is no locking.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_CACHE_BYTES = 8 * 1024**3


class LoraCache:
    def __init__(
        self,
        root: Path,
        max_bytes: int = DEFAULT_CACHE_BYTES,
        *,
        on_evict: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.on_evict = on_evict
        self.clock = clock
        self.pinned: set[str] = set()
        self._index_path = root / "index.json"
        self.sources: dict[str, str] = {}  # source key → sha256
        self.blobs: dict[str, dict[str, float]] = {}  # sha256 → {"bytes", "used"}
        self._load()

    def _load(self) -> None:
        try:
            doc = json.loads(self._index_path.read_text("utf-8"))
            sources, blobs = dict(doc["sources"]), dict(doc["blobs"])
        except (OSError, ValueError, KeyError, TypeError):
            return  # no index (first job) or a damaged one: start empty
        self.blobs = {h: b for h, b in blobs.items() if self.path(h).is_file()}
        self.sources = {k: h for k, h in sources.items() if h in self.blobs}

    def _save(self) -> None:
        tmp = self._index_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"sources": self.sources, "blobs": self.blobs}), "utf-8")
        os.replace(tmp, self._index_path)

    def path(self, sha: str) -> Path:
        return self.root / "blobs" / f"{sha}.safetensors"

    def staging(self, name: str) -> Path:
        """Where a download goes before ``add`` (same file system: the move is a rename). The cache's
        folders are made here, on first use: a worker without adapters writes nothing."""
        (self.root / "blobs").mkdir(parents=True, exist_ok=True)
        return self.root / f"incoming-{name}"

    def lookup(self, key: str) -> str | None:
        """The content hash cached for ``key`` (marked used now), or None."""
        sha = self.sources.get(key)
        if sha is None or not self.path(sha).is_file():
            return None
        self.touch(sha)
        return sha

    def touch(self, sha: str) -> None:
        self.blobs[sha]["used"] = self.clock()
        self._save()

    def add(self, key: str, sha: str, file: Path) -> None:
        """Move ``file`` (content ``sha``) into the cache under ``key``, then evict down to the bound."""
        dest = self.path(sha)
        if dest.is_file():
            file.unlink(missing_ok=True)
        else:
            os.replace(file, dest)
        self.blobs[sha] = {"bytes": dest.stat().st_size, "used": self.clock()}
        self.sources[key] = sha
        self.evict(keep=self.pinned | {sha})

    def total_bytes(self) -> int:
        return int(sum(b["bytes"] for b in self.blobs.values()))

    def evict(self, keep: set[str]) -> list[str]:
        """Drop the least recently used files not in ``keep`` until the cache fits its bound."""
        gone = []
        for sha in sorted(self.blobs, key=lambda h: self.blobs[h]["used"]):
            if self.total_bytes() <= self.max_bytes:
                break
            if sha in keep:
                continue
            self.path(sha).unlink(missing_ok=True)
            del self.blobs[sha]
            self.sources = {k: h for k, h in self.sources.items() if h != sha}
            gone.append(sha)
            log.info("evicted LoRA %s from the adapter cache", sha[:12])
            if self.on_evict is not None:
                self.on_evict(sha)
        self._save()
        return gone
