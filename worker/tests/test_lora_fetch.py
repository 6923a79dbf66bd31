"""Getting adapter files: the Hub through the model-source fetchers (a refusal is final, a network
failure is retried), the cache answering a pinned adapter without asking the Hub, and failures
reported as lora_fetch_failed naming the repo."""

import types

import pytest

from visgate_worker import model_source
from visgate_worker.errors import WorkerError
from visgate_worker.lora_cache import LoraCache
from visgate_worker.lora_fetch import AdapterSource, fetch_adapter
from visgate_worker.model_source import UrllibFetchers


def hub_error(status):
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    cls = RepositoryNotFoundError if status == 404 else HfHubHTTPError
    exc = cls.__new__(cls)
    Exception.__init__(exc, f"HTTP {status}")
    exc.response = types.SimpleNamespace(status_code=status)
    return exc


@pytest.mark.parametrize(
    ("failures", "calls", "ok"),
    [
        ([OSError("reset")], 2, True),
        ([hub_error(503), OSError("reset")], 3, True),
        ([hub_error(404)], 1, False),  # refused: retrying cannot help
        ([hub_error(401)], 1, False),
        ([OSError("down")] * 4, 4, False),  # retries spent
    ],
)
def test_hub_calls_retry_network_failures_but_not_refusals(monkeypatch, failures, calls, ok):
    monkeypatch.setattr(model_source.time, "sleep", lambda s: None)
    seen = []

    def call():
        seen.append(1)
        if len(seen) <= len(failures):
            raise failures[len(seen) - 1]
        return "done"

    fetchers = UrllibFetchers(retries=3)
    if ok:
        assert fetchers._hub_retry(call) == "done"
    else:
        with pytest.raises(OSError):
            fetchers._hub_retry(call)
    assert len(seen) == calls


class Hub:
    def __init__(self, files=None, error=None):
        self.files = files or {"pytorch_lora_weights.safetensors": 5}
        self.error = error
        self.calls = []

    def hf_listing(self, repo, revision, token):
        self.calls.append(("list", repo, revision))
        if self.error:
            raise self.error
        return "c" * 40, self.files

    def hf_file(self, repo, revision, filename, dest, token):
        self.calls.append(("file", repo, revision, filename))
        (dest / filename).write_bytes(b"lora!")
        return dest / filename


def test_a_pinned_adapter_in_the_cache_needs_no_hub_call(tmp_path):
    cache, hub = LoraCache(tmp_path), Hub()
    src = AdapterSource(repo="o/r", revision="c" * 40, file="pytorch_lora_weights.safetensors")
    first = fetch_adapter(src, cache, hub=hub)
    calls = len(hub.calls)
    again = fetch_adapter(src, cache, hub=hub)
    assert (first.cache_hit, again.cache_hit, again.sha256) == (False, True, first.sha256)
    assert len(hub.calls) == calls  # no listing, no download


def test_a_branch_is_resolved_to_its_commit_each_time(tmp_path):
    cache, hub = LoraCache(tmp_path), Hub()
    src = AdapterSource(repo="o/r")
    assert not fetch_adapter(src, cache, hub=hub).cache_hit
    assert fetch_adapter(src, cache, hub=hub).cache_hit
    assert [c[0] for c in hub.calls] == ["list", "file", "list"]
    assert hub.calls[1][2] == "c" * 40  # the file comes from the listed commit


@pytest.mark.parametrize(
    ("hub", "code", "words"),
    [
        (Hub(error=hub_error(404)), "lora_fetch_failed", "does not exist or is private"),
        (Hub(error=OSError("down")), "lora_fetch_failed", "the Hub download failed (OSError)"),
        (Hub(files={"a.safetensors": 1, "b.safetensors": 1}), "lora_invalid", "name one"),
        (
            Hub(files={"pytorch_lora_weights.safetensors": 600 * 1024**2}),
            "lora_fetch_failed",
            "larger than 512 MB",
        ),
    ],
)
def test_hub_failures_name_the_repo(tmp_path, hub, code, words):
    with pytest.raises(WorkerError) as err:
        fetch_adapter(AdapterSource(repo="o/r"), LoraCache(tmp_path), hub=hub)
    assert err.value.code == code and "o/r" in err.value.message and words in err.value.message


def test_a_refused_url_names_only_its_host(tmp_path):
    src = AdapterSource(url="https://10.0.0.1/l.safetensors?sig=secret")
    with pytest.raises(WorkerError) as err:
        fetch_adapter(src, LoraCache(tmp_path), hub=None)
    assert err.value.code == "lora_fetch_failed"
    assert "10.0.0.1" in err.value.message and "secret" not in err.value.message
