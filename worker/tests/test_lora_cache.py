"""The adapter cache on disk: keyed by content, bounded in bytes, least recently used out first,
never what is pinned (the deployment's adapters, the current job's)."""

import hashlib
import itertools

from visgate_worker.lora_cache import LoraCache


def put(cache, key, data):
    sha = hashlib.sha256(data).hexdigest()
    staged = cache.staging(hashlib.sha256(key.encode()).hexdigest()[:16])
    staged.write_bytes(data)
    cache.add(key, sha, staged)
    return sha


def make(tmp_path, max_bytes, evicted):
    ticks = itertools.count()
    return LoraCache(tmp_path, max_bytes, on_evict=evicted.append, clock=lambda: next(ticks))


def test_evicts_the_least_recently_used_files_to_stay_under_its_bound(tmp_path):
    evicted = []
    cache = make(tmp_path, 250, evicted)
    a = put(cache, "k:a", b"a" * 100)
    b = put(cache, "k:b", b"b" * 100)
    assert cache.lookup("k:a") == a  # a is now more recent than b
    c = put(cache, "k:c", b"c" * 100)
    assert evicted == [b]
    assert cache.lookup("k:b") is None and not cache.path(b).exists()
    assert cache.lookup("k:a") == a and cache.lookup("k:c") == c
    assert cache.total_bytes() == 200


def test_never_evicts_a_pinned_file(tmp_path):
    evicted = []
    cache = make(tmp_path, 150, evicted)
    a = put(cache, "k:a", b"a" * 100)
    cache.pinned.add(a)
    b = put(cache, "k:b", b"b" * 100)  # over the bound, but a is pinned and b is the newest
    assert evicted == [] and cache.total_bytes() == 200
    put(cache, "k:c", b"c" * 100)
    assert evicted == [b] and cache.lookup("k:a") == a


def test_one_file_for_the_same_content_under_two_sources(tmp_path):
    cache = make(tmp_path, 10_000, [])
    a = put(cache, "hf:x/y@c/f.safetensors", b"same")
    assert put(cache, "url:123", b"same") == a
    assert cache.total_bytes() == 4 and len(list((tmp_path / "blobs").iterdir())) == 1


def test_the_index_survives_a_restart_and_ignores_files_that_are_gone(tmp_path):
    cache = make(tmp_path, 10_000, [])
    a = put(cache, "k:a", b"a" * 10)
    b = put(cache, "k:b", b"b" * 10)
    cache.path(b).unlink()
    again = make(tmp_path, 10_000, [])
    assert again.lookup("k:a") == a and again.lookup("k:b") is None
    (tmp_path / "index.json").write_text("{broken")
    assert make(tmp_path, 10_000, []).lookup("k:a") is None


def test_writes_nothing_until_a_file_arrives(tmp_path):
    cache = LoraCache(tmp_path / "loras")
    assert cache.lookup("k:a") is None and not (tmp_path / "loras").exists()
