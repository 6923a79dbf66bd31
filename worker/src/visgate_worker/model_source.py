"""Where the model's files come from, in order: a local/volume path → an S3/R2 cache described by a
manifest → RunPod's model cache → the Hugging Face Hub at the pinned revision.

The decision (``candidates``) is pure; I/O goes through the injected ``Fetchers``. A cache copy is used
only when every file of its manifest is present with the right size and sha256: a partial copy is a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from . import cache_verify, file_space
from .errors import CHECKSUM_MISMATCH, CONFIG_INVALID, SOURCE_UNAVAILABLE, WorkerError
from .http_body import read_body

log = logging.getLogger(__name__)

# RunPod's cache is a directory on the host (a stat decides it), so it goes before the S3 download.
RANK = {"local": 0, "runpod_cache": 1, "s3": 2, "huggingface": 3}
CHUNK_BYTES = 32 * 1024 * 1024
# A presigned GET answering these will answer them again (expired, revoked, deleted): no retries.
REFUSED_STATUSES = frozenset({401, 403, 404})

# Files the worker needs from a diffusers repo: configs, tokenizers and the safetensors weights of each
# component (not single-file checkpoints at the root, .bin/.ckpt duplicates).
_WEIGHT = re.compile(
    r"^(?P<dir>[^/]+)/[^/]+?(?:\.(?P<variant>fp16|bf16))?(?:-\d{5}-of-\d{5})?\.safetensors$"
)


def choose_variant(files: Iterable[str], preferred: str | None) -> str | None:
    """The weights variant to load: ``preferred`` ("fp16"/"bf16") when every component has it, else
    plain weights; a variant only when some component has nothing else.

    Repos such as SDXL base ship fp32 and fp16 copies side by side: taking the variant halves the
    download; a repo without it for some component loads its plain weights (never a forced variant).
    """
    by_kind: dict[str | None, set[str]] = {}
    for f in files:
        m = _WEIGHT.match(f)
        if m:
            by_kind.setdefault(m["variant"], set()).add(m["dir"])
    components = set().union(*by_kind.values()) if by_kind else set()
    if not components:
        return None
    if preferred and by_kind.get(preferred, set()) >= components:
        return preferred
    if by_kind.get(None, set()) >= components:
        return None
    return next((v for v in ("fp16", "bf16") if by_kind.get(v, set()) >= components), None)


def hub_patterns(variant: str | None) -> tuple[list[str], list[str]]:
    """``allow_patterns`` and ``ignore_patterns`` for ``snapshot_download``."""
    allow = ["model_index.json", "*/*.json", "*/*.txt", "*/*.model", "*/*.safetensors"]
    ignore = ["*/*.bin", "*.ckpt", "*/*.msgpack", "*/*.onnx*"]
    if variant is None:
        ignore += [
            "*/*.fp16*.safetensors",
            "*/*.bf16*.safetensors",
            "*/*.safetensors.index.fp16.json",
        ]
    else:
        allow = [p for p in allow if p != "*/*.safetensors"] + [f"*/*.{variant}*.safetensors"]
    return allow, ignore


def variant_for_dtype(dtype: str) -> str | None:
    return {"float16": "fp16", "bfloat16": "bf16"}.get(dtype)


@dataclass(frozen=True)
class Candidate:
    type: str
    label: str
    # local: the model folder; runpod_cache: the cache root (hub/), with ``repo`` and ``revision``.
    path: str | None = None
    manifest_url: str | None = field(default=None, repr=False)
    # Our control plane's fresh-manifest URL (GET with the events token): presigned URLs minted now.
    manifest_endpoint: str | None = None
    repo: str | None = None
    revision: str | None = None


_SHA = re.compile(r"^[0-9a-f]{40}$")
# A branch, tag or ``refs/pr/N`` as huggingface_hub stores it under ``refs/``: no escape from the repo.
_REF = re.compile(r"^(?!.*\.\.)[\w][\w.\-/]{0,199}$")


def runpod_cache_repo(root: Path, repo: str) -> Path:
    """RunPod's cached-model layout is huggingface_hub's cache: ``models--org--name`` under ``hub/``."""
    return root / f"models--{repo.replace('/', '--')}"


def runpod_cache_path(root: Path, repo: str, revision: str) -> Path | None:
    """The snapshot folder of ``repo`` at ``revision`` in RunPod's cache, or None when there is none.

    huggingface_hub names snapshots by commit sha only (``snapshots/<sha>``); a branch or tag is a file
    ``refs/<name>`` holding the sha it points at (``refs/main``, ``refs/pr/1``). A revision that is
    neither a sha nor a readable ref has no snapshot.
    """
    repo_dir = runpod_cache_repo(root, repo)
    if _SHA.match(revision):
        return repo_dir / "snapshots" / revision
    if not _REF.match(revision):
        log.warning("RunPod cache: revision %r is not a sha or a ref name; skipped", revision[:64])
        return None
    try:
        sha = (repo_dir / "refs" / revision).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not _SHA.match(sha):
        log.warning("RunPod cache: refs/%s does not hold a commit sha; skipped", revision)
        return None
    return repo_dir / "snapshots" / sha


def candidates(sources: Iterable[dict[str, Any]], *, runpod_cache_root: Path) -> list[Candidate]:
    """The ordered candidates for the sources the control plane sent (``VISGATE_MODEL_SOURCES``).

    A Hugging Face source also implies RunPod's cache path for the same repo and revision, tried first.
    Unknown source types are skipped, so a newer control plane does not break an older worker.
    """
    found: list[Candidate] = []
    for i, src in enumerate(sources):
        kind = src.get("type")
        if kind == "local" and isinstance(src.get("path"), str):
            found.append(Candidate("local", f"local:{src['path']}", path=src["path"]))
        elif kind == "s3" and (
            isinstance(src.get("manifest_url"), str)
            or isinstance(src.get("manifest_endpoint"), str)
        ):
            url, endpoint = src.get("manifest_url"), src.get("manifest_endpoint")
            found.append(
                Candidate(
                    "s3",
                    f"s3:{i}",
                    manifest_url=url if isinstance(url, str) else None,
                    manifest_endpoint=endpoint if isinstance(endpoint, str) else None,
                )
            )
        elif kind == "huggingface" and isinstance(src.get("repo"), str):
            repo, rev = src["repo"], str(src.get("revision") or "main")
            # The snapshot folder is found at resolve time: a branch needs its refs/ file read.
            found.append(
                Candidate(
                    "runpod_cache",
                    "runpod_cache",
                    path=str(runpod_cache_root),
                    repo=repo,
                    revision=rev,
                )
            )
            found.append(Candidate("huggingface", "huggingface", repo=repo, revision=rev))
        else:
            log.warning("skipping model source %d of unknown type %r", i, kind)
    found.sort(key=lambda c: RANK[c.type])  # stable: the control plane's order within a type
    deduped: list[Candidate] = []
    for c in found:
        if c not in deduped:
            deduped.append(c)
    return deduped


@dataclass(frozen=True)
class ManifestFile:
    path: str
    size: int
    sha256: str
    url: str = field(repr=False)
    # One sha256 per ``part_size`` bytes (the last part may be shorter), when the manifest has them:
    # each range is then verified as it arrives. A manifest without them uses ``sha256``.
    part_size: int | None = None
    part_sha256: tuple[str, ...] = field(default=(), repr=False)
    # One CRC-32 per part (8 hex digits) beside ``part_sha256`` in manifests from fills that record
    # them: what ``VISGATE_CACHE_VERIFY=crc`` checks (cache_verify.py). Empty in older manifests.
    part_crc32: tuple[str, ...] = field(default=(), repr=False)


def _is_sha256(s: Any) -> bool:
    return isinstance(s, str) and re.fullmatch(r"[0-9a-f]{64}", s) is not None


def _is_crc32(s: Any) -> bool:
    return isinstance(s, str) and re.fullmatch(r"[0-9a-f]{8}", s) is not None


def parse_manifest(doc: Any) -> list[ManifestFile]:
    """``{"files": [{"path", "size", "sha256", "url"[, "part_size", "part_sha256"[,
    "part_crc32"]]}]}``; paths are relative and stay inside the model. ``part_size`` and ``part_sha256`` come together
    (one digest per part) or not at all (a manifest from before part digests); ``part_crc32``, one
    CRC-32 per part, only beside them (absent in manifests from before it)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list) or not doc["files"]:
        raise WorkerError(CONFIG_INVALID, "the cache manifest has no files")
    files = []
    for i, f in enumerate(doc["files"]):
        try:
            path, size, digest, url = f["path"], int(f["size"]), str(f["sha256"]).lower(), f["url"]
        except (KeyError, TypeError, ValueError):
            raise WorkerError(CONFIG_INVALID, f"cache manifest file {i} is malformed") from None
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or not path:
            raise WorkerError(CONFIG_INVALID, f"cache manifest file {i} has an unsafe path")
        if len(digest) != 64 or size < 0:
            raise WorkerError(CONFIG_INVALID, f"cache manifest file {i} has a bad size or sha256")
        part_size, parts, crcs = f.get("part_size"), f.get("part_sha256"), f.get("part_crc32")
        if part_size is None and parts is None and crcs is None:
            files.append(ManifestFile(path, size, digest, url))
            continue
        if (
            type(part_size) is not int
            or part_size <= 0
            or not isinstance(parts, list)
            or len(parts) != -(-size // part_size)
            or not all(_is_sha256(p) for p in parts)
            or (
                crcs is not None
                and (
                    not isinstance(crcs, list)
                    or len(crcs) != len(parts)
                    or not all(_is_crc32(c) for c in crcs)
                )
            )
        ):
            raise WorkerError(CONFIG_INVALID, f"cache manifest file {i} has bad part digests")
        files.append(
            ManifestFile(path, size, digest, url, part_size, tuple(parts), tuple(crcs or ()))
        )
    return files


def missing_files(
    root: Path,
    files: list[ManifestFile],
    *,
    check_hash: bool = True,
    verify: str = cache_verify.DEFAULT_MODE,
) -> list[str]:
    """Files of the manifest absent from ``root`` or with the wrong size or content (empty =
    complete); content is checked as a download would check it under ``verify``."""
    bad = []
    for f in files:
        p = root / f.path
        if (
            not p.is_file()
            or p.stat().st_size != f.size
            or (check_hash and not cache_verify.file_matches(p, f, verify))
        ):
            bad.append(f.path)
    return bad


def is_diffusers_dir(path: Path) -> bool:
    return (path / "model_index.json").is_file()


class RangedGet(Protocol):
    def __call__(self, url: str, start: int, end: int) -> bytes: ...


class RangeReader(Protocol):
    """Streams bytes ``start..end`` (inclusive) of ``url`` to ``sink`` in order, in pieces of at most
    ``WRITE_BYTES``; the memoryview is only valid during the call."""

    def __call__(
        self, url: str, start: int, end: int, sink: Callable[[memoryview], None]
    ) -> None: ...


ProgressFn = Callable[[int, int], None]
# Each range streams through one reused buffer of this size: received, checked and written while it
# is still in the core's cache. Copying it into the page cache is most of the fetch's CPU, and that
# copy is much cheaper from a small hot buffer than from a large one: on the 2-core bench machine
# (512 KiB of L2 per core, 8 ranges in flight, the S3 server on the same cores) 64 KiB took about
# 2.0 s of system time per 2 GB against 3.3 s for 128 KiB and ~5 s for 1 MiB; 32 KiB saved no
# more system time and cost more calls. s5cmd copies in 32 KiB pieces too.
WRITE_BYTES = 64 * 1024


def reader_from_get(get_range: RangedGet) -> RangeReader:
    """A RangeReader over a whole-range ``get_range`` (tests, simple fetchers)."""

    def read(url: str, start: int, end: int, sink: Callable[[memoryview], None]) -> None:
        view = memoryview(get_range(url, start, end))
        for off in range(0, len(view), WRITE_BYTES):
            sink(view[off : off + WRITE_BYTES])

    return read


class _FileHash:
    """sha256 of one file computed while its ranges download, in file order whatever order the
    ranges finish in: whichever worker completes the range at the hashed frontier reads the
    contiguous finished ranges back (from the page cache) and hashes them, while the other workers
    keep downloading. Every byte is hashed as it lies on disk; no second pass over the files."""

    def __init__(self, path: Path, ranges: list[tuple[int, int]]) -> None:
        self.path = path
        self.ranges = ranges
        self.finished = [False] * len(ranges)
        self.next = 0  # first range not hashed yet
        self.busy = False  # a worker is hashing
        self.lock = threading.Lock()
        self.sha = hashlib.sha256()

    def range_done(self, index: int, fd: int) -> None:
        with self.lock:
            self.finished[index] = True
            if self.busy:
                return  # the hashing worker will find it when it gets there
            self.busy = True
        buf = bytearray(WRITE_BYTES)
        while True:
            with self.lock:
                if self.next >= len(self.ranges) or not self.finished[self.next]:
                    self.busy = False
                    return
                start, end = self.ranges[self.next]
            pos = start
            while pos <= end:
                n = os.preadv(fd, [memoryview(buf)[: min(WRITE_BYTES, end + 1 - pos)]], pos)
                if n <= 0:
                    raise WorkerError(CHECKSUM_MISMATCH, "cache file shrank while hashing")
                self.sha.update(memoryview(buf)[:n])
                pos += n
            with self.lock:
                self.next += 1

    @property
    def complete(self) -> bool:
        return self.next == len(self.ranges)


class _Stopped(Exception):
    """Another range failed: this one stops early (the failure is what gets reported)."""


def download_manifest_files(
    files: list[ManifestFile],
    dest: Path,
    get_range: RangedGet | None = None,
    *,
    read_range: RangeReader | None = None,
    concurrency: int = 8,
    chunk_bytes: int = CHUNK_BYTES,
    on_progress: ProgressFn | None = None,
    verify: str = cache_verify.DEFAULT_MODE,
) -> int:
    """Fetch every file with parallel ranged GETs into ``dest``, verify sizes and content, return
    bytes.

    Each range streams to disk in ``WRITE_BYTES`` writes (``read_range``, or ``get_range``'s whole
    range sliced). A file with part digests is fetched one range per part, and each range is checked
    as its bytes arrive against its part's CRC-32 (``verify="crc"``, when the manifest has them) or
    sha256, when it ends: every worker thread checks its own range (zlib and hashlib release the GIL
    on large buffers), in any order, and the first mismatch stops the download. A file without them
    (an older manifest) gets its whole-file sha256 computed during the download (``_FileHash``).
    Files land under ``dest/.partial`` and move into place only when all of them verify, so an
    interrupted download never looks like a complete copy.
    """
    if read_range is None:
        if get_range is None:
            raise TypeError("download_manifest_files needs read_range or get_range")
        read_range = reader_from_get(get_range)
    staging = dest / ".partial"
    staging.mkdir(parents=True, exist_ok=True)
    total = sum(f.size for f in files)
    jobs: list[tuple[ManifestFile, int, int, int]] = []
    hashes: dict[str, _FileHash] = {}
    fds: dict[str, int] = {}
    try:
        for f in files:
            target = staging / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
            fds[f.path] = fd
            file_space.reserve(fd, f.size)
            step = f.part_size or chunk_bytes
            ranges = [(s, min(s + step, f.size) - 1) for s in range(0, f.size, step)]
            if not f.part_size:
                hashes[f.path] = _FileHash(target, ranges)
            jobs.extend((f, i, s, e) for i, (s, e) in enumerate(ranges))
        stop = threading.Event()

        def fetch(job: tuple[ManifestFile, int, int, int]) -> int:
            f, index, start, end = job
            fd = fds[f.path]
            pos = start
            checks = cache_verify.part_checks(f, verify)
            part = checks[0]() if checks else None

            def sink(piece: memoryview) -> None:
                nonlocal pos
                if stop.is_set():
                    raise _Stopped
                if pos + len(piece) > end + 1:
                    raise WorkerError(
                        CHECKSUM_MISMATCH, f"cache file {f.path}: long read", retryable=True
                    )
                if part is not None:
                    part.update(piece)
                written = 0
                while written < len(piece):
                    written += os.pwrite(fd, piece[written:], pos + written)
                pos += len(piece)

            read_range(f.url, start, end, sink)
            if pos != end + 1:
                raise WorkerError(
                    CHECKSUM_MISMATCH, f"cache file {f.path}: short read", retryable=True
                )
            if checks is None:
                hashes[f.path].range_done(index, fd)
            elif part is not None and part.hexdigest() != checks[1][index]:
                raise WorkerError(
                    CHECKSUM_MISMATCH,
                    f"cache files failed verification: {f.path} (part {index})",
                    retryable=True,
                )
            return end - start + 1

        done = 0
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            pending = [pool.submit(fetch, job) for job in jobs]
            try:
                for fut in as_completed(pending):
                    done += fut.result()
                    if on_progress:
                        on_progress(done, total)
            except BaseException:
                stop.set()  # the running ranges stop at their next piece, the queued never start
                for fut in pending:
                    fut.cancel()
                raise
        bad = [
            f.path
            for f in files
            if (f.part_size is None and not hashes[f.path].complete)
            or (f.part_size is None and hashes[f.path].sha.hexdigest() != f.sha256)
            or os.fstat(fds[f.path]).st_size != f.size
        ]
    finally:
        for fd in fds.values():
            os.close(fd)
    if bad:
        raise WorkerError(
            CHECKSUM_MISMATCH,
            f"cache files failed verification: {', '.join(bad[:5])}",
            retryable=True,
        )
    for f in files:
        target = dest / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / f.path, target)
    return total


@dataclass(frozen=True)
class Resolved:
    path: Path
    source: str
    bytes_fetched: int
    fetch_s: float


class Fetchers(Protocol):
    """The I/O ``resolve`` needs; tests pass fakes, main.py the real ones (``default_fetchers``)."""

    def get_json(self, url: str, bearer: str | None = None) -> Any: ...

    def get_range(self, url: str, start: int, end: int) -> bytes: ...

    def hf_snapshot(
        self, repo: str, revision: str, dest: Path, token: str | None, on_progress: ProgressFn
    ) -> Path: ...


def resolve(
    cands: list[Candidate],
    fetchers: Fetchers,
    *,
    dest_root: Path,
    hf_token: str | None,
    concurrency: int = 8,
    expected_bytes: int = 0,
    on_progress: Callable[[str, int, int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    manifest_token: str | None = None,
    verify: str = cache_verify.DEFAULT_MODE,
) -> Resolved:
    """Try each candidate in order; the first complete copy wins. Failures fall through to the next.

    ``manifest_token`` (the events token) authorises the control plane's fresh-manifest endpoint;
    ``verify`` (``VISGATE_CACHE_VERIFY``) is how an S3 cache copy is checked (cache_verify.py).
    """
    problems: list[str] = []
    for c in cands:
        started = clock()

        def progress(done: int, total: int, label: str = c.type) -> None:
            if on_progress:  # the Hub reports no total: use the control plane's model size
                on_progress(label, done, total or expected_bytes)

        try:
            if c.type == "runpod_cache":
                snap = runpod_cache_path(Path(c.path or ""), c.repo or "", c.revision or "main")
                if snap is not None and is_diffusers_dir(snap):
                    return Resolved(snap, c.type, 0, clock() - started)
                problems.append(f"{c.type}: no snapshot of {c.revision or 'main'}")
                continue
            if c.type == "local":
                path = Path(c.path or "")
                if is_diffusers_dir(path):
                    return Resolved(path, c.type, 0, clock() - started)
                problems.append(f"{c.type}: no model_index.json")
                continue
            if c.type == "s3":
                files = parse_manifest(s3_manifest(c, fetchers, manifest_token))
                dest = dest_root / "s3-cache"
                if not missing_files(dest, files, verify=verify):
                    return Resolved(dest, c.type, 0, clock() - started)
                n = download_manifest_files(
                    files,
                    dest,
                    fetchers.get_range,
                    read_range=getattr(fetchers, "read_range", None),
                    concurrency=concurrency,
                    on_progress=progress,
                    verify=verify,
                )
                if not is_diffusers_dir(dest):
                    raise WorkerError(SOURCE_UNAVAILABLE, "the cache copy has no model_index.json")
                return Resolved(dest, c.type, n, clock() - started)
            if c.type == "huggingface":
                dest = dest_root / "hf"
                path = fetchers.hf_snapshot(
                    c.repo or "", c.revision or "main", dest, hf_token, progress
                )
                if not is_diffusers_dir(path):
                    raise WorkerError(
                        SOURCE_UNAVAILABLE, "the Hub snapshot has no model_index.json"
                    )
                size = dir_bytes(path)
                progress(size, size)
                return Resolved(path, c.type, size, clock() - started)
        except WorkerError as err:
            problems.append(f"{c.type}: {err.message}")
            log.warning("model source %s failed: %s", c.label, err.message)
        except Exception as exc:  # a source failing must only move us to the next one
            problems.append(f"{c.type}: {type(exc).__name__}")
            log.warning("model source %s failed with %s", c.label, type(exc).__name__)
    raise WorkerError(SOURCE_UNAVAILABLE, "no model source worked: " + "; ".join(problems))


def s3_manifest(c: Candidate, fetchers: Fetchers, token: str | None) -> Any:
    """The manifest of an ``s3`` candidate: fresh from the control plane when it gives an endpoint
    (URLs minted now, and a fill finished after provision counts), else, or when the endpoint
    fails, the presigned manifest provision made (valid for its TTL after provision)."""
    if c.manifest_endpoint:
        try:
            return fetchers.get_json(c.manifest_endpoint, bearer=token)
        except WorkerError as err:
            if not c.manifest_url:
                raise
            log.warning("fresh cache manifest unavailable (%s); trying provision's", err.message)
    return fetchers.get_json(c.manifest_url or "")


class UrllibFetchers:
    """Real fetchers: presigned URLs over urllib, the Hub through huggingface_hub (imported lazily)."""

    def __init__(
        self, timeout_s: float = 60.0, retries: int = 3, prefer_variant: str | None = None
    ) -> None:
        self.timeout_s = timeout_s
        self.retries = retries
        self.prefer_variant = prefer_variant

    def _open(self, req: urllib.request.Request, refused: str | None = None) -> bytes:
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                    return resp.read()
            except urllib.error.HTTPError as exc:
                if exc.code in REFUSED_STATUSES:  # expired or revoked: retrying cannot help
                    why = refused or "the presigned URL expired or the object is gone"
                    raise WorkerError(
                        SOURCE_UNAVAILABLE, f"cache URL refused (HTTP {exc.code}: {why})"
                    ) from None
                if attempt == self.retries:
                    raise WorkerError(
                        SOURCE_UNAVAILABLE, f"cache GET failed (HTTP {exc.code})", retryable=True
                    ) from None
                time.sleep(0.5 * 2**attempt)
            except OSError as exc:  # URLError and timeouts; the URL is signed, never log it
                if attempt == self.retries:
                    raise WorkerError(
                        SOURCE_UNAVAILABLE,
                        f"cache GET failed ({type(exc).__name__})",
                        retryable=True,
                    ) from None
                time.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    def get_json(self, url: str, bearer: str | None = None) -> Any:
        if bearer is None:
            return json.loads(self._open(urllib.request.Request(url)))
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {bearer}"})
        return json.loads(self._open(req, refused="no complete cached copy yet"))

    def get_range(self, url: str, start: int, end: int) -> bytes:
        return self._open(urllib.request.Request(url, headers={"Range": f"bytes={start}-{end}"}))

    def read_range(
        self, url: str, start: int, end: int, sink: Callable[[memoryview], None]
    ) -> None:
        """Stream bytes ``start..end`` to ``sink`` in ``WRITE_BYTES`` pieces read into one reused
        buffer, straight from the socket once the headers are read (http_body.py). A connection
        that fails mid-body is retried from the first byte not yet delivered."""
        view = memoryview(bytearray(WRITE_BYTES))
        pos = start

        def deliver(piece: memoryview) -> None:
            nonlocal pos
            sink(piece)
            pos += len(piece)

        for attempt in range(self.retries + 1):
            req = urllib.request.Request(url, headers={"Range": f"bytes={pos}-{end}"})
            try:
                with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                    if resp.status != 206 and not (resp.status == 200 and pos == 0):
                        raise WorkerError(
                            SOURCE_UNAVAILABLE, f"cache GET ignored the range (HTTP {resp.status})"
                        )
                    read_body(resp, view, end + 1 - pos, deliver, self.timeout_s)
                if pos > end:
                    return
                why = "the body ended early"
            except urllib.error.HTTPError as exc:
                if exc.code in REFUSED_STATUSES:  # expired or revoked: retrying cannot help
                    raise WorkerError(
                        SOURCE_UNAVAILABLE,
                        f"cache URL refused (HTTP {exc.code}: "
                        "the presigned URL expired or the object is gone)",
                    ) from None
                why = f"HTTP {exc.code}"
            except OSError as exc:  # URLError, timeouts, resets; the URL is signed, never log it
                why = type(exc).__name__
            if attempt < self.retries:
                time.sleep(0.5 * 2**attempt)
        raise WorkerError(SOURCE_UNAVAILABLE, f"cache GET failed ({why})", retryable=True)

    def hf_snapshot(
        self, repo: str, revision: str, dest: Path, token: str | None, on_progress: ProgressFn
    ) -> Path:
        import threading

        from huggingface_hub import list_repo_files, snapshot_download

        files = list_repo_files(repo, revision=revision, token=token or False)
        allow, ignore = hub_patterns(choose_variant(files, self.prefer_variant))

        stop = threading.Event()

        def watch() -> None:  # the Hub client has no byte callback: report what is on disk
            while not stop.wait(2.0):
                on_progress(dir_bytes(dest), 0)

        on_progress(0, 0)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            path = snapshot_download(
                repo_id=repo,
                revision=revision,
                token=token or False,
                local_dir=str(dest),
                allow_patterns=allow,
                ignore_patterns=ignore,
            )
        finally:
            stop.set()
            watcher.join()
        return Path(path)

    def hf_listing(self, repo: str, revision: str, token: str | None) -> tuple[str, dict[str, int]]:
        """A repo's commit sha at ``revision`` and its files with their sizes (LoRA adapters)."""
        from huggingface_hub import HfApi

        info = self._hub_retry(
            lambda: HfApi().model_info(
                repo, revision=revision, files_metadata=True, token=token or False
            )
        )
        files = {s.rfilename: int(s.size or 0) for s in info.siblings or []}
        return str(info.sha or revision), files

    def hf_file(
        self, repo: str, revision: str, filename: str, dest: Path, token: str | None
    ) -> Path:
        """One file of a repo into ``dest`` (a directory); the Hub client resumes a partial file."""
        from huggingface_hub import hf_hub_download

        return Path(
            self._hub_retry(
                lambda: hf_hub_download(
                    repo, filename, revision=revision, token=token or False, local_dir=str(dest)
                )
            )
        )

    def _hub_retry(self, call: Callable[[], Any]) -> Any:
        """``call`` again after a network failure; a refusal (401/403/404) is final."""
        from huggingface_hub.errors import HfHubHTTPError

        for attempt in range(self.retries + 1):
            try:
                return call()
            except HfHubHTTPError as exc:
                status = getattr(getattr(exc, "response", None), "status_code", None)
                if status in REFUSED_STATUSES or attempt == self.retries:
                    raise
            except OSError:
                if attempt == self.retries:
                    raise
            time.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")


def dir_bytes(root: Path) -> int:
    """Bytes of the files under ``root`` (partial downloads included), 0 when it does not exist."""
    total = 0
    for p in root.rglob("*"):
        try:
            if p.is_file():
                total += p.stat().st_size
        except OSError:  # a temp file renamed under us
            pass
    return total
