import pytest

from visgate_worker.config import Settings
from visgate_worker.errors import WorkerError

ENV = {
    "VISGATE_DEPLOYMENT_ID": "dep_1",
    "VISGATE_MODEL_ID": "stabilityai/sd-turbo",
    "VISGATE_MODEL_REVISION": "abc123",
    "VISGATE_PIPELINE": "StableDiffusionPipeline",
    "VISGATE_TASK": "text-to-image",
    "VISGATE_VRAM_ESTIMATE_BYTES": "5000000000",
    "VISGATE_MODEL_BYTES": "2600000000",
    "VISGATE_EVENTS_URL": "https://ctl/workerEvents",
    "VISGATE_EVENTS_TOKEN": "evt-secret",
    "VISGATE_MODEL_SOURCES": '[{"type":"huggingface","repo":"stabilityai/sd-turbo","revision":"abc123"}]',
    "HF_TOKEN": "hf_secret",
}


def test_reads_the_template_environment_the_control_plane_sets():
    s = Settings.from_env(ENV)
    assert (s.model_id, s.revision, s.vram_estimate_bytes, s.model_bytes) == (
        "stabilityai/sd-turbo",
        "abc123",
        5_000_000_000,
        2_600_000_000,
    )
    assert s.sources == (
        {"type": "huggingface", "repo": "stabilityai/sd-turbo", "revision": "abc123"},
    )
    assert (s.events_token, s.hf_token) == ("evt-secret", "hf_secret")


def test_keeps_secrets_out_of_its_repr():
    text = repr(Settings.from_env(ENV))
    assert "evt-secret" not in text and "hf_secret" not in text


def test_defaults_to_the_hub_at_the_revision_without_sources():
    env = {k: v for k, v in ENV.items() if k != "VISGATE_MODEL_SOURCES"}
    assert Settings.from_env(env).sources[0]["revision"] == "abc123"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("VISGATE_MODEL_ID", "", "VISGATE_MODEL_ID is not set"),
        ("VISGATE_VRAM_ESTIMATE_BYTES", "lots", "VISGATE_VRAM_ESTIMATE_BYTES is not an integer"),
        ("VISGATE_MODEL_SOURCES", "{", "VISGATE_MODEL_SOURCES is not JSON"),
        ("VISGATE_MODEL_SOURCES", '{"a":1}', "not a list of objects"),
        ("VISGATE_MODEL_SOURCES", '"s3"', "not a list of objects"),
        ("VISGATE_TASK", "image-to-video", "VISGATE_TASK names a task this worker does not serve"),
        ("VISGATE_ALLOW_PRIVATE_URLS", "maybe", "VISGATE_ALLOW_PRIVATE_URLS is not a boolean"),
        ("VISGATE_EVENTS_URL", "ftp://x", "not an http\\(s\\) URL"),
    ],
)
def test_names_the_bad_variable_without_its_value(name, value, message):
    with pytest.raises(WorkerError, match=message) as caught:
        Settings.from_env({**ENV, name: value})
    assert value not in caught.value.message or not value


def test_skips_and_logs_a_source_entry_it_cannot_read_and_keeps_the_others(caplog):
    env = {
        **ENV,
        "VISGATE_MODEL_SOURCES": '["r2://a-future-shorthand", {"type": "local", "path": "/m"}]',
    }
    with caplog.at_level("WARNING"):
        s = Settings.from_env(env)
    assert s.sources == ({"type": "local", "path": "/m"},)
    assert "VISGATE_MODEL_SOURCES entry 0 is not an object" in caplog.text
    assert "future-shorthand" not in caplog.text


@pytest.mark.parametrize(
    ("value", "device", "warned"),
    [("", "cuda", False), ("cpu", "cpu", False), ("CUDA:0", "cuda", False), ("gpu", "cuda", True)],
)
def test_reads_an_unknown_device_as_cuda_and_logs_it(caplog, value, device, warned):
    with caplog.at_level("WARNING"):
        assert Settings.from_env({**ENV, "VISGATE_DEVICE": value}).device == device
    assert ("VISGATE_DEVICE" in caplog.text) == warned


@pytest.mark.parametrize(
    ("value", "mode", "warned"),
    [
        ("", "crc", False),
        ("crc", "crc", False),
        ("SHA256", "sha256", False),
        ("md5", "sha256", True),  # a typo never weakens the check
    ],
)
def test_reads_the_cache_verification_mode_and_a_typo_as_sha256(caplog, value, mode, warned):
    with caplog.at_level("WARNING"):
        assert Settings.from_env({**ENV, "VISGATE_CACHE_VERIFY": value}).cache_verify == mode
    assert ("VISGATE_CACHE_VERIFY" in caplog.text) == warned


@pytest.mark.parametrize(
    ("value", "allowed"), [("", False), ("0", False), ("false", False), ("1", True), ("TRUE", True)]
)
def test_allows_private_image_urls_only_when_the_local_control_plane_says_so(value, allowed):
    env = {**ENV, "VISGATE_ALLOW_PRIVATE_URLS": value}
    assert Settings.from_env(env).allow_private_urls is allowed


@pytest.mark.parametrize("task", ["text-to-image", "image-to-image", "inpainting", "text-to-video"])
def test_serves_every_task_of_the_contract(task):
    assert Settings.from_env({**ENV, "VISGATE_TASK": task}).task == task
