"""How a job's adapters come and go on the live pipeline (a recording fake: the real one is in
test_lora_e2e.py): loaded once per content, active for their job only, a few kept loaded, the rest
deleted; the deployment's always active, their scales overridable per job."""

import pytest

from test_lora_files import header_file
from visgate_worker.errors import WorkerError
from visgate_worker.lora_adapters import LoraAdapters, request_name
from visgate_worker.lora_cache import LoraCache
from visgate_worker.lora_settings import DeploymentLora

KEY = "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight"


class FakePipe:
    def __init__(self):
        self.calls = []
        self.adapters = []

    def load_lora_weights(self, path, adapter_name):
        self.calls.append(("load", adapter_name))
        self.adapters.append(adapter_name)

    def get_list_adapters(self):
        return {"unet": list(self.adapters)}

    def set_adapters(self, names, weights):
        self.calls.append(("set", tuple(zip(names, weights, strict=True))))

    def delete_adapters(self, name):
        self.calls.append(("delete", name))
        self.adapters.remove(name)

    def disable_lora(self):
        self.calls.append(("disable",))

    def enable_lora(self):
        self.calls.append(("enable",))


class FakeHub:
    def __init__(self, files):
        self.files = files

    def hf_listing(self, repo, revision, token):
        return "c" * 40, {"pytorch_lora_weights.safetensors": 1}

    def hf_file(self, repo, revision, filename, dest, token):
        (dest / filename).write_bytes(self.files[repo].read_bytes())
        return dest / filename


@pytest.fixture
def make(tmp_path):
    def build(*, keep_loaded=4, deployment=(), keep_loaded_bytes=1 << 30):
        files = {
            repo: header_file(tmp_path / f"{i}.safetensors", {KEY: [4, 32 + i]})
            for i, repo in enumerate(["o/a", "o/b", "o/c", "o/dep"])
        }
        pipe = FakePipe()
        cache = LoraCache(tmp_path / "cache")
        adapters = LoraAdapters(
            pipe,
            "sd1",
            cache,
            hub=FakeHub(files),
            keep_loaded=keep_loaded,
            keep_loaded_bytes=keep_loaded_bytes,
        )
        adapters.load_deployment(deployment)
        pipe.calls.clear()
        return adapters, pipe

    return build


def job(*repos, **extra):
    return {"prompt": "x", "loras": [{"hf_repo": r, "scale": 0.5} for r in repos], **extra}


def test_a_job_adapter_is_active_for_its_job_only_and_loaded_once(make):
    adapters, pipe = make()
    [a] = adapters.begin_job(job("o/a"))
    adapters.end_job()
    [again] = adapters.begin_job(job("o/a"))
    adapters.end_job()
    assert (a.cache_hit, again.cache_hit, a.name) == (False, True, again.name)
    assert pipe.calls == [
        ("load", a.name),
        ("set", ((a.name, 0.5),)),
        ("disable",),
        ("enable",),
        ("set", ((a.name, 0.5),)),
        ("disable",),
    ]


def test_keeps_only_the_most_recently_used_job_adapters_loaded(make):
    adapters, pipe = make(keep_loaded=1)
    names = []
    for repo in ("o/a", "o/b", "o/a"):
        [used] = adapters.begin_job(job(repo))
        adapters.end_job()
        names.append(used.name)
    a, b, _ = names
    loads = [c[1] for c in pipe.calls if c[0] == "load"]
    deletes = [c[1] for c in pipe.calls if c[0] == "delete"]
    assert loads == [a, b, a] and deletes == [a, b] and pipe.adapters == [a]


def test_idle_job_adapters_are_also_capped_by_bytes_on_the_card(make):
    adapters, pipe = make(keep_loaded=4, keep_loaded_bytes=1)  # every file is over one byte
    [a] = adapters.begin_job(job("o/a"))
    assert pipe.adapters == [a.name]  # loaded for its job...
    adapters.end_job()
    assert pipe.adapters == []  # ...and off the card once it is idle and over the byte budget


def test_the_deployments_adapters_stay_active_with_scales_overridable_per_job(make):
    dep = (DeploymentLora("lora_0", "o/dep", "c" * 40, None, 0.8, 1),)
    adapters, pipe = make(deployment=dep)
    used = adapters.begin_job(job("o/a", lora_scale=[0.25]))
    adapters.end_job()
    assert [(u.name, u.source, u.scale) for u in used] == [
        ("lora_0", "deployment", 0.25),
        (used[1].name, "request", 0.5),
    ]
    assert pipe.calls[-2:] == [
        ("set", (("lora_0", 0.25), (used[1].name, 0.5))),
        ("set", (("lora_0", 0.8),)),
    ]
    assert [u.scale for u in adapters.begin_job({"lora_scale": 2})] == [2.0]
    for bad in ([1, 2], [1, 2, 3]):
        with pytest.raises(WorkerError) as err:
            adapters.begin_job({"lora_scale": bad})
        assert err.value.code == "invalid_input"


def test_lora_scale_needs_deployment_adapters_and_an_adapter_once_per_job(make):
    adapters, _pipe = make()
    with pytest.raises(WorkerError, match="no adapters of its own"):
        adapters.begin_job({"lora_scale": 1})
    with pytest.raises(WorkerError, match="listed twice"):
        adapters.begin_job(job("o/a", "o/a"))


def test_a_job_adapter_on_a_family_without_lora_is_refused_before_any_download(tmp_path):
    pipe = FakePipe()
    adapters = LoraAdapters(pipe, "pixart", LoraCache(tmp_path), hub=None)
    with pytest.raises(WorkerError) as err:
        adapters.begin_job(job("o/a"))
    assert err.value.code == "lora_base_mismatch" and pipe.calls == []
    assert request_name("ab" * 32) == "req_" + "ab" * 8


def test_a_job_is_validated_before_its_adapters_are_fetched(make):
    """A job the worker refuses anyway (a side over the family's limit) downloads nothing."""
    from visgate_worker.handler import make_handler
    from visgate_worker.job_input import Defaults

    class NoGeneration:
        def generate(self, req):
            raise AssertionError("a refused job ran")

    adapters, pipe = make()
    handle = make_handler(
        NoGeneration(),
        family="sd1",
        defaults=Defaults(steps=2, guidance=5.0, resolution=64),
        adapters=adapters,
    )
    out = handle({"id": "j", "input": job("o/a", width=4096)})
    assert out["error"]["code"] == "invalid_input" and out["error"]["message"].startswith("width")
    assert pipe.calls == [] and adapters.cache.total_bytes() == 0
