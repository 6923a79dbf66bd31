import pytest

from conftest import load_vectors
from visgate_worker.job_input import Defaults
from visgate_worker.memory_plan import compute_dtype, family_of, inference_defaults, plan_memory

GIB = 1024**3


@pytest.mark.parametrize(
    "vector",
    load_vectors("model-families.json"),
    ids=lambda v: f"{v['pipeline_class']}-{v['model_id']}",
)
def test_the_shared_family_vector_matches_typescript(vector):
    family = family_of(
        vector["pipeline_class"], vector["model_id"], vector.get("text_encoder_params")
    )
    assert family == vector["family"]
    d = vector["defaults"]
    assert inference_defaults(family, vector["model_id"]) == Defaults(
        steps=d["steps"], guidance=float(d["guidance"]), resolution=d["resolution"]
    )


@pytest.mark.parametrize(
    ("family", "dtype"),
    [
        ("flux", "bfloat16"),
        ("sd3", "bfloat16"),
        ("sd1", "float16"),
        ("sdxl", "float16"),
        ("pixart", "float16"),
    ],
)
def test_uses_bf16_for_flux_and_sd3_and_fp16_otherwise(family, dtype):
    assert compute_dtype(family, "cuda") == dtype


def test_uses_fp32_on_cpu():
    plan = plan_memory(
        family="flux", device="cpu", free_vram_bytes=None, estimate_bytes=0, weights_bytes=0
    )
    assert (plan.dtype, plan.offload, plan.fits) == ("float32", "none", True)


def plan(free_gib: float, estimate_gib: float = 20, weights_gib: float = 12):
    return plan_memory(
        family="sdxl",
        device="cuda",
        free_vram_bytes=int(free_gib * GIB),
        estimate_bytes=int(estimate_gib * GIB),
        weights_bytes=int(weights_gib * GIB),
    )


def test_loads_everything_on_the_gpu_when_free_vram_covers_the_estimate():
    p = plan(24)
    assert (p.vae_tiling, p.vae_slicing, p.offload, p.fits) == (False, False, "none", True)


def test_enables_vae_tiling_when_only_the_activations_are_short():
    p = plan(16)
    assert (p.vae_tiling, p.vae_slicing, p.offload, p.fits) == (True, True, "none", True)


def test_offloads_models_to_cpu_when_the_weights_do_not_fit():
    p = plan(10)
    assert (p.vae_tiling, p.offload, p.fits) == (True, "model", True)


def test_reports_no_fit_below_half_the_weights():
    p = plan(4)
    assert (p.offload, p.fits) == ("sequential", False)


def test_loads_as_is_without_an_estimate():
    p = plan_memory(
        family="sd1", device="cuda", free_vram_bytes=GIB, estimate_bytes=0, weights_bytes=0
    )
    assert (p.offload, p.fits) == ("none", True)
