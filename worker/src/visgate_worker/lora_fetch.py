"""Getting an adapter file into the LoRA cache: from the Hub (the model-source fetchers, HF_TOKEN for
the deployment's own adapters, public repos for a job's) or from a URL a job names (safe_fetch: the
webhook address rules, ≤ 512 MB, 60 s)."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from . import safe_fetch
from .cache_verify import sha256_file
from .errors import LORA_FETCH_FAILED, WorkerError
from .lora_cache import LoraCache
from .lora_files import choose_file

log = logging.getLogger(__name__)

MAX_URL_BYTES = 512 * 1024 * 1024
URL_TIMEOUT_S = 60.0
_SHA = re.compile(r"^[0-9a-f]{40}$")


class HubFiles(Protocol):
    """model_source.UrllibFetchers' Hub methods (tests pass a local fake)."""

    def hf_listing(
        self, repo: str, revision: str, token: str | None
    ) -> tuple[str, dict[str, int]]: ...

    def hf_file(
        self, repo: str, revision: str, filename: str, dest: Path, token: str | None
    ) -> Path: ...


@dataclass(frozen=True)
class AdapterSource:
    """One adapter to fetch: a Hub file (``repo``) or a URL."""

    repo: str | None = None
    revision: str | None = None
    file: str | None = None
    url: str | None = None

    @property
    def label(self) -> str:
        """How messages name it: the repo, or only the URL's host (its query may be signed)."""
        if self.repo:
            return f"LoRA {self.repo}"
        host = (self.url or "").split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
        return f"LoRA from {host}"


@dataclass(frozen=True)
class Fetched:
    sha256: str
    cache_hit: bool


def fetch_adapter(
    src: AdapterSource,
    cache: LoraCache,
    *,
    hub: HubFiles | None,
    token: str | None = None,
    allow_private: bool = False,
    resolve: safe_fetch.Resolve = safe_fetch.system_resolve,
) -> Fetched:
    """The adapter's content hash, from the cache when its source is there, else downloaded into it."""
    if src.url:
        key = "url:" + hashlib.sha256(src.url.encode()).hexdigest()
        sha = cache.lookup(key)
        if sha is not None:
            return Fetched(sha, True)
        staging = cache.staging(key[4:20])
        try:
            got = safe_fetch.fetch_to_file(
                src.url,
                staging,
                max_bytes=MAX_URL_BYTES,
                timeout_s=URL_TIMEOUT_S,
                allow_private=allow_private,
                resolve=resolve,
                what="the LoRA file",
            )
        except safe_fetch.FetchRefused as exc:
            raise WorkerError(LORA_FETCH_FAILED, f"{src.label}: {exc}") from None
        except OSError as exc:
            raise WorkerError(
                LORA_FETCH_FAILED, f"{src.label}: saving it failed ({type(exc).__name__})"
            ) from None
        cache.add(key, got.sha256, staging)
        return Fetched(got.sha256, False)
    if hub is None or not src.repo:
        raise WorkerError(LORA_FETCH_FAILED, f"{src.label}: no Hub access in this worker")
    revision = src.revision or "main"
    key = f"hf:{src.repo}@{revision}/{src.file}"
    if _SHA.match(revision) and src.file:  # pinned: the cache answers without asking the Hub
        sha = cache.lookup(key)
        if sha is not None:
            return Fetched(sha, True)
    try:
        commit, files = hub.hf_listing(src.repo, revision, token)
        name = choose_file(list(files), src.file, src.label)
        if files.get(name, 0) > MAX_URL_BYTES:
            raise WorkerError(LORA_FETCH_FAILED, f"{src.label}: {name} is larger than 512 MB")
        key = f"hf:{src.repo}@{commit}/{name}"
        sha = cache.lookup(key)
        if sha is not None:
            return Fetched(sha, True)
        staging = cache.staging(hashlib.sha256(key.encode()).hexdigest()[:16])
        with tempfile.TemporaryDirectory(dir=cache.root) as tmp:
            path = hub.hf_file(src.repo, commit, name, Path(tmp), token)
            sha = sha256_file(path)
            shutil.move(path, staging)
            cache.add(key, sha, staging)
        return Fetched(sha, False)
    except WorkerError:
        raise
    except Exception as exc:
        log.warning("fetching %s failed: %s", src.label, type(exc).__name__)
        raise WorkerError(LORA_FETCH_FAILED, f"{src.label}: {_hub_reason(exc)}") from None


def _hub_reason(exc: Exception) -> str:
    name = type(exc).__name__
    reasons = {
        "RepositoryNotFoundError": "the repo does not exist or is private",
        "GatedRepoError": "the repo is gated (accept its terms, or set an HF token)",
        "RevisionNotFoundError": "the revision does not exist",
        "EntryNotFoundError": "the file does not exist at that revision",
        "RemoteEntryNotFoundError": "the file does not exist at that revision",
    }
    return reasons.get(name, f"the Hub download failed ({name})")
