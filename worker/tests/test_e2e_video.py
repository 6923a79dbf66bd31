"""Wan on the GPU plan's dtype, run on CPU: bf16 weights with the VAE kept in float32 (Wan's card)."""

import pytest

pytest.importorskip("diffusers")

from visgate_worker.job_input import Defaults, parse_job_input
from visgate_worker.memory_plan import MemoryPlan
from visgate_worker.pipelines import load_pipeline

pytestmark = pytest.mark.e2e


def test_wan_loads_in_bfloat16_with_its_vae_in_float32_and_decodes_finite_frames(tiny_model_dirs):
    import numpy as np
    import torch

    plan = MemoryPlan("cpu", "bfloat16", False, False, "none", True, "as on a GPU")
    loaded = load_pipeline(tiny_model_dirs["wan"], plan)
    pipe = loaded.pipe
    assert (pipe.vae.dtype, pipe.transformer.dtype) == (torch.float32, torch.bfloat16)
    job = {"prompt": "a", "num_frames": 5, "width": 64, "height": 64, "num_inference_steps": 2}
    req = parse_job_input(job, family="wan", defaults=Defaults(2, 5.0, 64))
    frames = loaded.generate(req).frames
    assert frames.shape == (5, 64, 64, 3) and np.isfinite(frames).all()
