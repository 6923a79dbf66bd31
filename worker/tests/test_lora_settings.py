"""VISGATE_LORAS and the LoRA knobs: what the control plane sets is read, anything else refused by name."""

import json

import pytest

from visgate_worker.errors import WorkerError
from visgate_worker.lora_settings import DeploymentLora, LoraSettings

ENTRY = {
    "name": "lora_0",
    "repo": "o/r",
    "revision": "a" * 40,
    "file": "x.safetensors",
    "scale": 0.8,
    "bytes": 9,
}


def test_reads_the_deployment_adapters_and_the_knobs():
    s = LoraSettings.from_env(
        {
            "VISGATE_LORAS": json.dumps([ENTRY, {"repo": "o/s"}]),
            "VISGATE_LORA_CACHE_BYTES": "1000",
        }
    )
    assert s.deployment == (
        DeploymentLora("lora_0", "o/r", "a" * 40, "x.safetensors", 0.8, 9),
        DeploymentLora("lora_1", "o/s", "main", None, 1.0, 0),
    )
    assert s.cache_bytes == 1000


def test_defaults_without_the_variables():
    s = LoraSettings.from_env({})
    assert s == LoraSettings() and s.cache_bytes == 8 * 1024**3


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VISGATE_LORAS": "[{"}, "VISGATE_LORAS is not JSON"),
        ({"VISGATE_LORAS": json.dumps([ENTRY] * 6)}, "at most 5"),
        ({"VISGATE_LORAS": json.dumps([{"name": "x"}])}, "entry 0 has no repo"),
        ({"VISGATE_LORAS": json.dumps([{**ENTRY, "scale": 5}])}, "scale outside"),
        ({"VISGATE_LORAS": json.dumps([{**ENTRY, "name": "a.b"}])}, "name"),
        ({"VISGATE_LORAS": json.dumps([{**ENTRY, "file": "x.bin"}])}, ".safetensors"),
        ({"VISGATE_LORAS": json.dumps([ENTRY, ENTRY])}, "twice"),
        ({"VISGATE_LORA_CACHE_BYTES": "8G"}, "VISGATE_LORA_CACHE_BYTES"),
    ],
)
def test_refuses_a_bad_value_naming_the_variable(env, message):
    with pytest.raises(WorkerError) as err:
        LoraSettings.from_env(env)
    assert err.value.code == "config_invalid" and message in err.value.message
