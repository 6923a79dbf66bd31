import pytest

from conftest import load_vectors
from visgate_worker.errors import INVALID_INPUT, WorkerError
from visgate_worker.job_input import Defaults, check_schema, parse_job_input

DEFAULTS = Defaults(steps=30, guidance=7.5, resolution=512)
JOB_VECTORS = load_vectors("job-input.json")


@pytest.mark.parametrize("vector", JOB_VECTORS, ids=lambda v: v["name"])
def test_the_shared_vector_gets_its_schema_verdict(vector):
    if vector["valid"]:
        check_schema(vector["input"])
    else:
        with pytest.raises(WorkerError) as caught:
            check_schema(vector["input"])
        assert caught.value.code == INVALID_INPUT


FAMILY_CASES = [(v, fam, ok) for v in JOB_VECTORS for fam, ok in v.get("families", {}).items()]


@pytest.mark.parametrize(
    ("vector", "family", "ok"), FAMILY_CASES, ids=[f"{v['name']}-{f}" for v, f, _ in FAMILY_CASES]
)
def test_the_shared_vector_gets_its_family_verdict(vector, family, ok):
    if ok:
        parse_job_input(vector["input"], family=family, defaults=DEFAULTS)
    else:
        with pytest.raises(WorkerError, match=family):
            parse_job_input(vector["input"], family=family, defaults=DEFAULTS)


def test_fills_the_model_defaults_for_a_bare_prompt():
    req = parse_job_input({"prompt": "a cat"}, family="sd1", defaults=DEFAULTS, random_seed=7)
    assert (req.num_inference_steps, req.guidance_scale, req.width, req.height) == (
        30,
        7.5,
        512,
        512,
    )
    assert (req.seed, req.num_images, req.output_format, req.output) == (
        7,
        1,
        "png",
        {"type": "base64"},
    )


def test_gives_each_image_its_own_seed_wrapping_at_two_to_the_32():
    req = parse_job_input(
        {"prompt": "a", "seed": 2**32 - 1, "num_images": 3}, family="sd1", defaults=DEFAULTS
    )
    assert req.image_seeds() == [2**32 - 1, 0, 1]


def test_never_echoes_the_prompt_or_a_signed_url_in_an_error():
    secret = "my secret prompt " * 200
    with pytest.raises(WorkerError) as caught:
        check_schema({"prompt": secret})
    assert "secret" not in caught.value.message
    assert caught.value.message == "prompt: must be at most this many characters: 2000"
    with pytest.raises(WorkerError) as caught:
        check_schema({"prompt": "a", "output": {"type": "s3", "put_urls": ["ftp://h/x?sig=abc"]}})
    assert "sig=abc" not in caught.value.message


def test_names_the_unknown_field():
    with pytest.raises(WorkerError, match="unknown field sampler"):
        check_schema({"prompt": "a", "sampler": "euler"})


def test_rejects_an_input_that_is_not_an_object():
    with pytest.raises(WorkerError, match="must be an object"):
        check_schema(["a cat"])


def test_treats_integral_floats_as_integers_as_json_does():
    req = parse_job_input(
        {"prompt": "a", "num_inference_steps": 4.0, "width": 512.0, "seed": 1.0},
        family="sd1",
        defaults=DEFAULTS,
    )
    assert (type(req.num_inference_steps), type(req.width), type(req.seed)) == (int, int, int)


def test_carries_adapters_and_scales_as_data_with_the_default_scale_filled():
    raw = {
        "prompt": "a",
        "loras": [
            {"hf_repo": "org/style", "weight_name": "style.safetensors"},
            {"url": "https://f.example/a.safetensors", "scale": -0.5},
        ],
        "lora_scale": [0.5, 1],
    }
    req = parse_job_input(raw, family="sdxl", defaults=DEFAULTS)
    assert req.loras == (
        {"hf_repo": "org/style", "weight_name": "style.safetensors", "scale": 1.0},
        {"url": "https://f.example/a.safetensors", "scale": -0.5},
    )
    assert req.lora_scale == (0.5, 1) and req.kind == "text-to-image"


@pytest.mark.parametrize(
    ("deployment_loras", "scale", "message"),
    [
        (0, 0.5, "lora_scale: the deployment has no adapters of its own"),
        (2, [0.5], "lora_scale: needs one scale per deployment adapter \\(2\\)"),
    ],
)
def test_checks_lora_scale_against_the_deployments_adapters_when_told_how_many(
    deployment_loras, scale, message
):
    raw = {"prompt": "a", "lora_scale": scale}
    parse_job_input(raw, family="sd1", defaults=DEFAULTS)  # count unknown: not checked here
    with pytest.raises(WorkerError, match=message):
        parse_job_input(raw, family="sd1", defaults=DEFAULTS, deployment_loras=deployment_loras)
