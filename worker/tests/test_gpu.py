"""Runs only where CUDA is present (scripts/gpu-check.sh); skipped on CPU machines and in CI."""

import json

import pytest

from conftest import load_vectors_file

torch = pytest.importorskip("torch")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]


@pytest.mark.parametrize(
    "pipeline_class", load_vectors_file("supported-pipelines.json")["pipeline_classes"]
)
def test_boots_the_tiny_pipeline_on_cuda_and_answers_the_probe(
    pipeline_class, tiny_model_dirs, tmp_path
):
    from tiny_models import PIPELINES
    from visgate_worker.main import run

    family = PIPELINES[pipeline_class][0]

    env = {
        "VISGATE_MODEL_ID": "test/tiny",
        "VISGATE_MODEL_SOURCES": json.dumps(
            [{"type": "local", "path": str(tiny_model_dirs[family])}]
        ),
        "VISGATE_DEVICE": "cuda",
        "VISGATE_MODELS_DIR": str(tmp_path),
    }
    got = {}
    assert run(env, start=lambda b: got.update(b=b)) == 0
    assert got["b"].plan.dtype in ("float16", "bfloat16")
    out = got["b"].handler(
        {"id": "p", "input": {"prompt": "p", "num_inference_steps": 1, "width": 64, "height": 64}}
    )
    assert "error" not in out and out["images"][0]["width"] == 64
