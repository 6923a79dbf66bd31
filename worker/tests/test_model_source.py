import hashlib
import http.server
import json
import logging
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest

from visgate_worker.errors import WorkerError
from visgate_worker.model_source import (
    Candidate,
    ManifestFile,
    UrllibFetchers,
    candidates,
    choose_variant,
    download_manifest_files,
    hub_patterns,
    parse_manifest,
    resolve,
    runpod_cache_path,
)

CACHE = Path("/cache/hub")


def test_orders_local_then_runpod_cache_then_s3_then_the_hub():
    found = candidates(
        [
            {"type": "huggingface", "repo": "org/m", "revision": "sha1"},
            {"type": "s3", "manifest_url": "https://r2/manifest?sig=x"},
            {"type": "local", "path": "/runpod-volume/m"},
            {"type": "gcs", "bucket": "future"},
        ],
        runpod_cache_root=CACHE,
    )
    assert [c.type for c in found] == ["local", "runpod_cache", "s3", "huggingface"]
    assert (found[1].path, found[1].repo, found[1].revision) == ("/cache/hub", "org/m", "sha1")
    assert (found[3].repo, found[3].revision) == ("org/m", "sha1")


def test_keeps_signed_urls_out_of_a_candidates_repr():
    [c] = candidates(
        [{"type": "s3", "manifest_url": "https://r2/m?sig=secret"}], runpod_cache_root=CACHE
    )
    assert "secret" not in repr(c)


def files_for(blobs):
    return {
        "files": [
            {
                "path": p,
                "size": len(b),
                "sha256": hashlib.sha256(b).hexdigest(),
                "url": f"https://r2/{p}?sig=1",
            }
            for p, b in blobs.items()
        ]
    }


class FakeFetchers:
    def __init__(self, blobs, manifest=None, corrupt=None):
        self.blobs = blobs
        self.manifest = manifest or files_for(blobs)
        self.corrupt = corrupt
        self.ranges = []
        self.hub_calls = []

    def get_json(self, url, bearer=None):
        return self.manifest

    def get_range(self, url, start, end):
        path = url.split("https://r2/", 1)[1].split("?", 1)[0]
        self.ranges.append((path, start, end))
        data = self.blobs[path][start : end + 1]
        return b"X" * len(data) if path == self.corrupt else data

    def hf_snapshot(self, repo, revision, dest, token, on_progress):
        self.hub_calls.append((repo, revision, token))
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "model_index.json").write_text("{}")
        return dest


BLOBS = {
    "model_index.json": b"{}",
    "unet/diffusion_pytorch_model.safetensors": bytes(range(256)) * 40,
}


def test_downloads_in_parallel_ranges_and_verifies_before_use(tmp_path):
    f = FakeFetchers(BLOBS)
    files = parse_manifest(f.manifest)
    seen = []
    n = download_manifest_files(
        files,
        tmp_path,
        f.get_range,
        chunk_bytes=1000,
        concurrency=4,
        on_progress=lambda d, t: seen.append((d, t)),
    )
    assert n == 10242
    assert (tmp_path / "unet/diffusion_pytorch_model.safetensors").read_bytes() == BLOBS[
        "unet/diffusion_pytorch_model.safetensors"
    ]
    assert len(f.ranges) == 12 and seen[-1] == (10242, 10242)


def test_treats_a_partial_cache_copy_as_a_miss_and_completes_it(tmp_path):
    (tmp_path / "s3-cache").mkdir()
    (tmp_path / "s3-cache" / "model_index.json").write_bytes(b"{}")
    f = FakeFetchers(BLOBS)
    got = resolve(
        candidates([{"type": "s3", "manifest_url": "https://r2/m"}], runpod_cache_root=CACHE),
        f,
        dest_root=tmp_path,
        hf_token=None,
    )
    assert got.source == "s3" and got.bytes_fetched == 10242 and f.ranges


def test_uses_a_complete_cache_copy_without_downloading(tmp_path):
    f = FakeFetchers(BLOBS)
    for p, b in BLOBS.items():
        (tmp_path / "s3-cache" / p).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "s3-cache" / p).write_bytes(b)
    got = resolve(
        candidates([{"type": "s3", "manifest_url": "https://r2/m"}], runpod_cache_root=CACHE),
        f,
        dest_root=tmp_path,
        hf_token=None,
    )
    assert (got.source, got.bytes_fetched, f.ranges) == ("s3", 0, [])


def test_falls_through_to_the_hub_when_the_cache_copy_is_corrupt(tmp_path):
    f = FakeFetchers(BLOBS, corrupt="unet/diffusion_pytorch_model.safetensors")
    sources = [
        {"type": "s3", "manifest_url": "https://r2/m"},
        {"type": "huggingface", "repo": "o/m", "revision": "s"},
    ]
    got = resolve(
        candidates(sources, runpod_cache_root=tmp_path / "none"),
        f,
        dest_root=tmp_path,
        hf_token="hf_x",
    )
    assert got.source == "huggingface" and f.hub_calls == [("o/m", "s", "hf_x")]
    assert not (tmp_path / "s3-cache" / "unet").exists()  # nothing unverified moved into place


def test_prefers_runpods_model_cache_over_the_hub(tmp_path):
    snap = runpod_cache_path(tmp_path, "o/m", SHA)
    snap.mkdir(parents=True)
    (snap / "model_index.json").write_text("{}")
    f = FakeFetchers(BLOBS)
    got = resolve(
        candidates(
            [{"type": "huggingface", "repo": "o/m", "revision": SHA}], runpod_cache_root=tmp_path
        ),
        f,
        dest_root=tmp_path / "models",
        hf_token=None,
    )
    assert (got.source, got.path, f.hub_calls) == ("runpod_cache", snap, [])


SHA = "a" * 40
NEWER = "b" * 40


def runpod_cache_repo_with(root, refs, snapshots):
    """A huggingface_hub cache folder as RunPod fills it: refs/<name> holds a sha, snapshots/<sha>/."""
    repo = root / "models--o--m"
    for name, sha in refs.items():
        (repo / "refs" / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / "refs" / name).write_text(sha)  # huggingface_hub writes no trailing newline
    for sha in snapshots:
        (repo / "snapshots" / sha).mkdir(parents=True)
        (repo / "snapshots" / sha / "model_index.json").write_text("{}")
    return repo


def resolve_hf(tmp_path, revision):
    f = FakeFetchers(BLOBS)
    got = resolve(
        candidates(
            [{"type": "huggingface", "repo": "o/m", "revision": revision}],
            runpod_cache_root=tmp_path / "hub",
        ),
        f,
        dest_root=tmp_path / "models",
        hf_token=None,
    )
    return got, f


def test_follows_refs_main_in_runpods_cache_to_the_snapshot_it_names(tmp_path):
    repo = runpod_cache_repo_with(tmp_path / "hub", {"main": SHA + "\n"}, [SHA])
    got, f = resolve_hf(tmp_path, "main")
    assert (got.source, got.path, f.hub_calls) == ("runpod_cache", repo / "snapshots" / SHA, [])


def test_follows_a_pull_request_ref_in_runpods_cache(tmp_path):
    # huggingface_hub keeps revision "refs/pr/3" at refs/refs/pr/3 (file_download.py: refs / revision)
    refs = {"main": SHA, "refs/pr/3": NEWER}
    repo = runpod_cache_repo_with(tmp_path / "hub", refs, [SHA, NEWER])
    got, _ = resolve_hf(tmp_path, "refs/pr/3")
    assert got.path == repo / "snapshots" / NEWER


def test_a_pinned_sha_ignores_where_main_points_now(tmp_path):
    repo = runpod_cache_repo_with(tmp_path / "hub", {"main": NEWER}, [SHA, NEWER])
    got, _ = resolve_hf(tmp_path, SHA)
    assert got.path == repo / "snapshots" / SHA


@pytest.mark.parametrize(
    ("refs", "snapshots", "revision"),
    [
        ({}, [SHA], "main"),  # no refs/main: RunPod has not cached this branch
        ({"main": SHA}, [], "main"),  # the ref names a snapshot that is not there
        ({"main": "not-a-sha"}, [SHA], "main"),
        ({"main": SHA}, [SHA], "../../../etc"),  # a revision that would leave the repo folder
        ({"main": SHA}, [], NEWER),  # the pinned sha is not cached
    ],
)
def test_falls_through_to_the_hub_when_runpods_cache_has_no_such_snapshot(
    tmp_path, refs, snapshots, revision
):
    runpod_cache_repo_with(tmp_path / "hub", refs, snapshots)
    got, f = resolve_hf(tmp_path, revision)
    assert got.source == "huggingface" and f.hub_calls == [("o/m", revision, None)]


def test_fails_with_every_reason_when_no_source_works(tmp_path):
    with pytest.raises(WorkerError, match=r"local: no model_index\.json") as caught:
        resolve(
            [Candidate("local", "local", path=str(tmp_path))],
            FakeFetchers(BLOBS),
            dest_root=tmp_path,
            hf_token=None,
        )
    assert caught.value.code == "source_unavailable"


@pytest.mark.parametrize("path", ["/etc/passwd", "../x", "a/../../x", ""])
def test_rejects_a_manifest_path_that_escapes_the_model_dir(path):
    with pytest.raises(WorkerError, match="unsafe path"):
        parse_manifest(
            {"files": [{"path": path, "size": 1, "sha256": "0" * 64, "url": "https://x"}]}
        )


def test_reports_hub_progress_against_the_control_planes_model_size(tmp_path):
    class Hub(FakeFetchers):
        def hf_snapshot(self, repo, revision, dest, token, on_progress):
            on_progress(5, 0)
            return super().hf_snapshot(repo, revision, dest, token, on_progress)

    seen = []
    resolve(
        candidates(
            [{"type": "huggingface", "repo": "o/m", "revision": "s"}],
            runpod_cache_root=tmp_path / "x",
        ),
        Hub(BLOBS),
        dest_root=tmp_path,
        hf_token=None,
        expected_bytes=100,
        on_progress=lambda *a: seen.append(a),
    )
    assert seen == [("huggingface", 5, 100), ("huggingface", 2, 2)]


SDXL_FILES = [
    "model_index.json",
    "sd_xl_base_1.0.safetensors",
    "unet/diffusion_pytorch_model.safetensors",
    "unet/diffusion_pytorch_model.fp16.safetensors",
    "vae/diffusion_pytorch_model.safetensors",
    "vae/diffusion_pytorch_model.fp16.safetensors",
    "text_encoder/model.safetensors",
    "text_encoder/model.fp16.safetensors",
]


def test_takes_the_fp16_variant_when_every_component_has_one():
    assert choose_variant(SDXL_FILES, "fp16") == "fp16"
    allow, _ignore = hub_patterns("fp16")
    assert "*/*.fp16*.safetensors" in allow and "*/*.safetensors" not in allow


def test_loads_plain_weights_when_a_component_lacks_the_variant():
    files = [*SDXL_FILES, "text_encoder_2/model.safetensors"]
    assert choose_variant(files, "fp16") is None
    _allow, ignore = hub_patterns(None)
    assert "*/*.fp16*.safetensors" in ignore


def test_recognises_sharded_variant_weights():
    files = [
        "transformer/diffusion_pytorch_model.bf16-00001-of-00003.safetensors",
        "vae/diffusion_pytorch_model.bf16.safetensors",
    ]
    assert choose_variant(files, "bf16") == "bf16"
    assert choose_variant(SDXL_FILES, None) is None


def test_loads_the_only_variant_a_repo_has_even_when_another_is_preferred():
    files = [
        "unet/diffusion_pytorch_model.fp16.safetensors",
        "vae/diffusion_pytorch_model.fp16.safetensors",
    ]
    assert choose_variant(files, "bf16") == "fp16"
    assert choose_variant(files, None) == "fp16"


class _ExpiredUrlServer(http.server.BaseHTTPRequestHandler):
    """Answers every GET like S3 does for a presigned URL past its X-Amz-Expires."""

    hits: ClassVar[list[str]] = []

    def do_GET(self):
        type(self).hits.append(self.path)
        body = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_an_expired_presigned_url_fails_the_cache_source_at_once_and_falls_back_to_the_hub(
    tmp_path, caplog
):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ExpiredUrlServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _ExpiredUrlServer.hits = []

    class Real(UrllibFetchers):
        hub_calls = 0

        def hf_snapshot(self, repo, revision, dest, token, on_progress):
            Real.hub_calls += 1
            return FakeFetchers(BLOBS).hf_snapshot(repo, revision, dest, token, on_progress)

    url = f"http://127.0.0.1:{server.server_port}/m.json?X-Amz-Signature=secret-sig"
    try:
        with caplog.at_level(logging.WARNING, logger="visgate_worker.model_source"):
            got = resolve(
                candidates(
                    [
                        {"type": "s3", "manifest_url": url},
                        {"type": "huggingface", "repo": "o/m", "revision": "s"},
                    ],
                    runpod_cache_root=tmp_path / "none",
                ),
                Real(timeout_s=5, retries=3),
                dest_root=tmp_path,
                hf_token=None,
            )
    finally:
        server.shutdown()
        server.server_close()
    assert got.source == "huggingface" and Real.hub_calls == 1
    assert len(_ExpiredUrlServer.hits) == 1  # a refused URL is not retried
    assert "model source s3:0 failed: cache URL refused (HTTP 403" in caplog.text
    assert "secret-sig" not in caplog.text


class _ControlPlane(http.server.BaseHTTPRequestHandler):
    """Our fresh-manifest endpoint (bearer events token) and the bucket's presigned file URLs."""

    token = "evt-token"
    has_copy = True
    hits: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self):
        auth = self.headers.get("Authorization")
        type(self).hits.append((self.path, auth))
        port = self.server.server_address[1]
        if self.path == "/internal/worker-manifest/dep_1":
            if auth != f"Bearer {self.token}" or not self.has_copy:
                return self._send(404, b'{"code":"NOT_FOUND"}')
            manifest = files_for(BLOBS)
            for f in manifest["files"]:
                f["url"] = f"http://127.0.0.1:{port}/bucket/{f['path']}?X-Amz-Signature=fresh"
            return self._send(200, json.dumps(manifest).encode())
        if self.path.startswith("/bucket/"):
            blob = BLOBS[self.path[len("/bucket/") :].split("?", 1)[0]]
            start, end = (int(x) for x in self.headers["Range"].split("=")[1].split("-"))
            return self._send(206, blob[start : end + 1])
        return self._send(403, b"expired")

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def control_plane():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ControlPlane)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _ControlPlane.hits, _ControlPlane.has_copy = [], True
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _resolve_s3(tmp_path, source, token="evt-token"):
    class Real(UrllibFetchers):
        hub_calls = 0

        def hf_snapshot(self, repo, revision, dest, token, on_progress):
            Real.hub_calls += 1
            return FakeFetchers(BLOBS).hf_snapshot(repo, revision, dest, token, on_progress)

    got = resolve(
        candidates(
            [source, {"type": "huggingface", "repo": "o/m", "revision": "s"}],
            runpod_cache_root=tmp_path / "none",
        ),
        Real(timeout_s=5, retries=0),
        dest_root=tmp_path,
        hf_token=None,
        manifest_token=token,
    )
    return got, Real.hub_calls


def test_a_late_cold_start_gets_fresh_urls_from_the_control_plane(tmp_path, control_plane):
    # Provision's presigned manifest has long expired; the endpoint mints URLs that work now.
    got, hub_calls = _resolve_s3(
        tmp_path,
        {
            "type": "s3",
            "manifest_url": f"{control_plane}/old-manifest?X-Amz-Signature=stale",
            "manifest_endpoint": f"{control_plane}/internal/worker-manifest/dep_1",
        },
    )
    assert (got.source, hub_calls) == ("s3", 0)
    assert (got.path / "unet/diffusion_pytorch_model.safetensors").read_bytes() == BLOBS[
        "unet/diffusion_pytorch_model.safetensors"
    ]
    assert _ControlPlane.hits[0] == ("/internal/worker-manifest/dep_1", "Bearer evt-token")
    assert not any(p.startswith("/old-manifest") for p, _ in _ControlPlane.hits)


def test_no_cached_copy_yet_moves_on_to_the_next_source(tmp_path, control_plane, caplog):
    _ControlPlane.has_copy = False
    with caplog.at_level(logging.WARNING, logger="visgate_worker.model_source"):
        got, hub_calls = _resolve_s3(
            tmp_path,
            {"type": "s3", "manifest_endpoint": f"{control_plane}/internal/worker-manifest/dep_1"},
        )
    assert (got.source, hub_calls) == ("huggingface", 1)
    assert "no complete cached copy yet" in caplog.text
    assert "evt-token" not in caplog.text


def test_falls_back_to_provisions_manifest_when_the_endpoint_refuses(tmp_path, control_plane):
    # A wrong token (or our API down) still leaves the manifest provision presigned.
    manifest = files_for(BLOBS)
    for f in manifest["files"]:
        f["url"] = f"{control_plane}/bucket/{f['path']}?X-Amz-Signature=old"

    class Static(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(manifest).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    static = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Static)
    threading.Thread(target=static.serve_forever, daemon=True).start()
    try:
        got, hub_calls = _resolve_s3(
            tmp_path,
            {
                "type": "s3",
                "manifest_url": f"http://127.0.0.1:{static.server_port}/m.json",
                "manifest_endpoint": f"{control_plane}/internal/worker-manifest/dep_1",
            },
            token="wrong",
        )
    finally:
        static.shutdown()
        static.server_close()
    assert (got.source, hub_calls) == ("s3", 0)


WORKER_FILES = json.loads(
    (Path(__file__).resolve().parents[2] / "shared/src/cache/worker-files.vectors.json").read_text(
        "utf-8"
    )
)["vectors"]


@pytest.mark.parametrize("vector", WORKER_FILES, ids=[v["name"] for v in WORKER_FILES])
def test_downloads_from_the_hub_exactly_the_files_the_cache_fill_copies(vector):
    """The fill (selectWorkerFiles in shared/src/cache/layout.ts) is tested on the same vectors:
    a cache copy holds the files, and the weights variant, the worker would load from the Hub."""
    from huggingface_hub.utils import filter_repo_objects

    allow, ignore = hub_patterns(choose_variant(vector["files"], vector["preferred"]))
    got = filter_repo_objects(vector["files"], allow_patterns=allow, ignore_patterns=ignore)
    assert sorted(got) == vector["expected"]


def test_verifies_every_file_whatever_order_its_ranges_finish_in(tmp_path):
    """The sha256 is computed during the download: ranges finishing last-first still verify."""
    import time as _time

    blob = bytes(range(256)) * 400  # 100 KiB, 10 ranges
    blobs = {"model_index.json": b"{}", "unet/w.safetensors": blob}
    f = FakeFetchers(blobs)

    def slow_first(url, start, end):
        if start == 0 and "unet" in url:
            _time.sleep(0.3)  # the first range arrives after all the others
        return f.get_range(url, start, end)

    n = download_manifest_files(
        parse_manifest(f.manifest), tmp_path, slow_first, chunk_bytes=10240, concurrency=4
    )
    assert n == len(blob) + 2 and (tmp_path / "unet/w.safetensors").read_bytes() == blob


def test_a_corrupt_range_fails_verification_and_nothing_moves_into_place(tmp_path):
    f = FakeFetchers(BLOBS, corrupt="unet/diffusion_pytorch_model.safetensors")
    with pytest.raises(WorkerError, match="failed verification") as caught:
        download_manifest_files(parse_manifest(f.manifest), tmp_path, f.get_range, chunk_bytes=1000)
    assert caught.value.code == "checksum_mismatch"
    assert not (tmp_path / "unet").exists()


class _DroppingBucket(http.server.BaseHTTPRequestHandler):
    """Serves ranges of BLOB; the first GET of each range sends half its body and hangs up."""

    protocol_version = "HTTP/1.1"
    blob = bytes(range(256)) * 4096  # 1 MiB
    ranges: ClassVar[list[str]] = []

    def do_GET(self):
        rng = self.headers["Range"]
        start, end = (int(x) for x in rng.split("=")[1].split("-"))
        first = not any(r.split("-")[1] == f"{end}" for r in type(self).ranges)
        type(self).ranges.append(rng)
        body = self.blob[start : end + 1]
        self.send_response(206)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if first:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_dropped_connection_resumes_the_range_where_it_stopped(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _DroppingBucket)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _DroppingBucket.ranges = []
    blob = _DroppingBucket.blob
    url = f"http://127.0.0.1:{server.server_port}/b/w?X-Amz-Signature=s"
    files = [ManifestFile("unet/w.safetensors", len(blob), hashlib.sha256(blob).hexdigest(), url)]
    fetchers = UrllibFetchers(timeout_s=5, retries=2)
    try:
        n = download_manifest_files(
            files, tmp_path, read_range=fetchers.read_range, chunk_bytes=512 * 1024
        )
    finally:
        server.shutdown()
        server.server_close()
    assert n == len(blob) and (tmp_path / "unet/w.safetensors").read_bytes() == blob
    # each 512 KiB range: the half that arrived is kept, only the rest is asked for again
    assert sorted(_DroppingBucket.ranges) == sorted(
        ["bytes=0-524287", "bytes=262144-524287", "bytes=524288-1048575", "bytes=786432-1048575"]
    )


PART_VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "shared/test-vectors/cache-part-digests.json").read_text(
        "utf-8"
    )
)


def vector_bytes(size):
    return bytes(i % 251 for i in range(size))


def with_parts(blobs, part_size, url=lambda p: f"https://r2/{p}?sig=1"):
    """A manifest with part digests, as the fill writes it."""
    return {
        "files": [
            {
                "path": p,
                "size": len(b),
                "sha256": hashlib.sha256(b).hexdigest(),
                "part_size": part_size,
                "part_sha256": [
                    hashlib.sha256(b[o : o + part_size]).hexdigest()
                    for o in range(0, len(b), part_size)
                ],
                "url": url(p),
            }
            for p, b in blobs.items()
        ]
    }


@pytest.mark.parametrize(
    "case", PART_VECTORS["files"], ids=[c["name"] for c in PART_VECTORS["files"]]
)
def test_reads_manifests_with_and_without_part_digests(case):
    """The control plane's schema (CacheManifestFileSchema) is tested on the same entries."""
    doc = {"files": [{**case["file"], "url": "https://r2/x?sig=1"}]}
    if case["valid"]:
        [f] = parse_manifest(doc)
        assert f.part_size == case["file"].get("part_size")
        assert list(f.part_sha256) == case["file"].get("part_sha256", [])
        assert list(f.part_crc32) == case["file"].get("part_crc32", [])
    else:
        with pytest.raises(WorkerError, match="bad part digests") as caught:
            parse_manifest(doc)
        assert caught.value.code == "config_invalid"


@pytest.mark.parametrize(
    "case", PART_VECTORS["digests"], ids=[c["name"] for c in PART_VECTORS["digests"]]
)
def test_verifies_each_part_against_the_digests_the_fill_computes(case, tmp_path):
    """The fill's digests for the shared vector (tested in jest) verify the same bytes here."""
    blob = vector_bytes(case["size"])
    blobs = {"unet/w.safetensors": blob}
    f = FakeFetchers(blobs)
    manifest = {"files": [{k: v for k, v in case.items() if k != "name"}]}
    manifest["files"][0].update(path="unet/w.safetensors", url="https://r2/unet/w.safetensors")
    n = download_manifest_files(parse_manifest(manifest), tmp_path, f.get_range)
    assert n == case["size"] and (tmp_path / "unet/w.safetensors").read_bytes() == blob
    # one ranged GET per part: each range is exactly one digest's bytes
    assert [(s, e) for _, s, e in f.ranges] == [
        (o, min(o + case["part_size"], case["size"]) - 1)
        for o in range(0, case["size"], case["part_size"])
    ]


def test_a_corrupted_part_is_detected_and_the_cache_falls_through_to_the_hub(tmp_path):
    """One flipped byte in one part: that range fails its part digest, nothing moves into place,
    and resolve moves on to the next source, as a whole-file mismatch does."""
    blob = vector_bytes(100_000)
    blobs = {"model_index.json": b"{}", "unet/w.safetensors": blob}

    class FlipOneByte(FakeFetchers):
        def get_range(self, url, start, end):
            data = super().get_range(url, start, end)
            if "unet" in url and start <= 50_000 <= end:
                i = 50_000 - start
                data = data[:i] + bytes([data[i] ^ 1]) + data[i + 1 :]
            return data

    f = FlipOneByte(blobs, manifest=with_parts(blobs, 10_000))
    with pytest.raises(
        WorkerError, match=r"failed verification: unet/w.safetensors \(part 5\)"
    ) as e:
        download_manifest_files(parse_manifest(f.manifest), tmp_path / "d", f.get_range)
    assert e.value.code == "checksum_mismatch"
    assert (
        not (tmp_path / "d" / "unet").exists()
        and not (tmp_path / "d" / "model_index.json").exists()
    )

    sources = [
        {"type": "s3", "manifest_url": "https://r2/m"},
        {"type": "huggingface", "repo": "o/m", "revision": "s"},
    ]
    got = resolve(
        candidates(sources, runpod_cache_root=tmp_path / "none"),
        f,
        dest_root=tmp_path,
        hf_token=None,
    )
    assert got.source == "huggingface" and f.hub_calls == [("o/m", "s", None)]
    assert not (tmp_path / "s3-cache" / "unet").exists()


def test_a_part_mismatch_stops_the_other_ranges_instead_of_finishing_the_download(tmp_path):
    blob = vector_bytes(64 * 1024)
    blobs = {"unet/w.safetensors": blob}
    f = FakeFetchers(blobs, manifest=with_parts(blobs, 1024), corrupt="unet/w.safetensors")

    def a_network_range(url, start, end):
        time.sleep(0.02)
        return f.get_range(url, start, end)

    with pytest.raises(WorkerError, match="failed verification"):
        download_manifest_files(
            parse_manifest(f.manifest), tmp_path, a_network_range, concurrency=2
        )
    assert len(f.ranges) < 64 // 2  # 64 parts: the first bad one ends it, not the last


def test_part_digests_verify_ranges_that_finish_in_any_order(tmp_path):
    import time as _time

    blob = vector_bytes(100 * 1024)
    blobs = {"model_index.json": b"{}", "unet/w.safetensors": blob}
    f = FakeFetchers(blobs, manifest=with_parts(blobs, 10 * 1024))

    def slow_first(url, start, end):
        if start == 0 and "unet" in url:
            _time.sleep(0.3)  # the first part arrives after all the others
        return f.get_range(url, start, end)

    n = download_manifest_files(parse_manifest(f.manifest), tmp_path, slow_first, concurrency=4)
    assert n == len(blob) + 2 and (tmp_path / "unet/w.safetensors").read_bytes() == blob


def test_a_dropped_connection_resumes_a_part_and_its_digest_still_verifies(tmp_path):
    """A part's digest runs over its bytes as they stream: a resumed range continues it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _DroppingBucket)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _DroppingBucket.ranges = []
    blob = _DroppingBucket.blob
    url = f"http://127.0.0.1:{server.server_port}/b/w?X-Amz-Signature=s"
    doc = with_parts({"unet/w.safetensors": blob}, 512 * 1024, url=lambda p: url)
    try:
        n = download_manifest_files(
            parse_manifest(doc),
            tmp_path,
            read_range=UrllibFetchers(timeout_s=5, retries=2).read_range,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert n == len(blob) and (tmp_path / "unet/w.safetensors").read_bytes() == blob
    assert len(_DroppingBucket.ranges) == 4  # each part: half, then the rest
