"""VISGATE_CACHE_VERIFY: every part read from the cache is checked against its CRC-32 (default) or
its sha256; manifests without CRC-32s keep their sha256 checks (test_model_source.py covers them)."""

import hashlib
import zlib

import pytest

from test_model_source import PART_VECTORS, FakeFetchers, vector_bytes, with_parts
from visgate_worker.errors import WorkerError
from visgate_worker.model_source import (
    candidates,
    download_manifest_files,
    missing_files,
    parse_manifest,
    resolve,
)


def with_crcs(blobs, part_size, crc=lambda part: zlib.crc32(part)):
    """A manifest as today's fill writes it: part sha256s and part CRC-32s."""
    doc = with_parts(blobs, part_size)
    for entry in doc["files"]:
        b = blobs[entry["path"]]
        entry["part_crc32"] = [
            f"{crc(b[o : o + part_size]):08x}" for o in range(0, len(b), part_size)
        ]
    return doc


@pytest.mark.parametrize(
    "case", PART_VECTORS["digests"], ids=[c["name"] for c in PART_VECTORS["digests"]]
)
@pytest.mark.parametrize("mode", ["crc", "sha256"])
def test_verifies_each_part_against_the_checksums_the_fill_computes(case, mode, tmp_path):
    """The fill's CRC-32s for the shared vector (tested in jest) verify the same bytes here."""
    blob = vector_bytes(case["size"])
    f = FakeFetchers({"unet/w.safetensors": blob})
    entry = {k: v for k, v in case.items() if k != "name"}
    entry.update(path="unet/w.safetensors", url="https://r2/unet/w.safetensors")
    files = parse_manifest({"files": [entry]})
    n = download_manifest_files(files, tmp_path, f.get_range, verify=mode)
    assert n == case["size"] and (tmp_path / "unet/w.safetensors").read_bytes() == blob


# Which digest each mode checks: a manifest where only one of the two per-part digests is right.
WHICH = [
    ("crc", "crc32 right, sha256 wrong", True),
    ("crc", "sha256 right, crc32 wrong", False),
    ("sha256", "crc32 right, sha256 wrong", False),
    ("sha256", "sha256 right, crc32 wrong", True),
]


@pytest.mark.parametrize(("mode", "manifest", "passes"), WHICH)
def test_each_mode_checks_its_own_digest(tmp_path, mode, manifest, passes):
    blob = vector_bytes(40_000)
    blobs = {"unet/w.safetensors": blob}
    doc = with_crcs(blobs, 10_000)
    entry = doc["files"][0]
    if manifest.startswith("crc32 right"):
        entry["part_sha256"] = ["0" * 64] * 4
    else:
        entry["part_crc32"] = ["00000000"] * 4
    f = FakeFetchers(blobs, manifest=doc)
    run = lambda: download_manifest_files(  # noqa: E731
        parse_manifest(doc), tmp_path, f.get_range, verify=mode
    )
    if passes:
        assert run() == len(blob)
    else:
        with pytest.raises(
            WorkerError, match=r"failed verification: unet/w.safetensors \(part \d\)"
        ):
            run()


def flip_byte_at(offset):
    class FlipOneByte(FakeFetchers):
        def get_range(self, url, start, end):
            data = super().get_range(url, start, end)
            if "unet" in url and start <= offset <= end:
                i = offset - start
                data = data[:i] + bytes([data[i] ^ 1]) + data[i + 1 :]
            return data

    return FlipOneByte


def test_a_corrupted_part_fails_its_crc32_and_the_cache_falls_through_to_the_hub(tmp_path):
    blob = vector_bytes(100_000)
    blobs = {"model_index.json": b"{}", "unet/w.safetensors": blob}
    f = flip_byte_at(50_000)(blobs, manifest=with_crcs(blobs, 10_000))
    with pytest.raises(
        WorkerError, match=r"failed verification: unet/w.safetensors \(part 5\)"
    ) as e:
        download_manifest_files(parse_manifest(f.manifest), tmp_path / "d", f.get_range)
    assert e.value.code == "checksum_mismatch"
    assert not (tmp_path / "d" / "unet").exists()
    assert not (tmp_path / "d" / "model_index.json").exists()

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


@pytest.mark.parametrize("mode", ["crc", "sha256"])
def test_a_truncated_part_fails_the_read_loudly(tmp_path, mode):
    blob = vector_bytes(30_000)
    blobs = {"unet/w.safetensors": blob}

    class Truncating(FakeFetchers):
        def get_range(self, url, start, end):
            data = super().get_range(url, start, end)
            return data[:-1] if start == 10_000 else data

    f = Truncating(blobs, manifest=with_crcs(blobs, 10_000))
    with pytest.raises(WorkerError, match=r"unet/w\.safetensors: short read") as e:
        download_manifest_files(parse_manifest(f.manifest), tmp_path, f.get_range, verify=mode)
    assert e.value.code == "checksum_mismatch" and not (tmp_path / "unet").exists()


@pytest.mark.parametrize("mode", ["crc", "sha256"])
def test_a_local_copy_with_a_flipped_byte_is_not_a_complete_copy(tmp_path, mode):
    """The warm-restart check of an existing copy uses the same per-part check as a download."""
    blob = vector_bytes(30_000)
    files = parse_manifest(with_crcs({"unet/w.safetensors": blob}, 10_000))
    (tmp_path / "unet").mkdir()
    (tmp_path / "unet/w.safetensors").write_bytes(blob)
    assert missing_files(tmp_path, files, verify=mode) == []
    bad = bytearray(blob)
    bad[25_000] ^= 1
    (tmp_path / "unet/w.safetensors").write_bytes(bytes(bad))
    assert missing_files(tmp_path, files, verify=mode) == ["unet/w.safetensors"]


def test_a_manifest_without_crc32s_is_read_with_sha256_in_crc_mode(tmp_path):
    """Older fills: the part sha256s still catch a flipped byte under the default setting."""
    blob = vector_bytes(30_000)
    blobs = {"unet/w.safetensors": blob}
    doc = with_parts(blobs, 10_000)
    assert "part_crc32" not in doc["files"][0]
    f = flip_byte_at(15_000)(blobs, manifest=doc)
    with pytest.raises(WorkerError, match=r"\(part 1\)"):
        download_manifest_files(parse_manifest(doc), tmp_path, f.get_range, verify="crc")
    assert hashlib.sha256(blob).hexdigest() == doc["files"][0]["sha256"]
