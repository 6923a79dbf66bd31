"""Pure decisions from numbers: the model's family, its inference defaults, dtype and memory fallbacks.

``family_of`` and ``inference_defaults`` restate shared/src/memory/estimate-vram.ts; the shared vectors in
shared/test-vectors/model-families.json keep the two in step (run by jest and pytest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .job_input import Defaults, family_defaults

SD2_TEXT_ENCODER_MIN_PARAMS = 200_000_000

_CLASS_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Flux"), "flux"),
    (re.compile(r"^StableDiffusion3"), "sd3"),
    (re.compile(r"^StableDiffusionXL"), "sdxl"),
    (re.compile(r"^PixArt"), "pixart"),
    (re.compile(r"^Kandinsky(?!3)"), "kandinsky"),
    (re.compile(r"^StableDiffusion(Img2Img|Inpaint)?Pipeline$"), "sd1-or-sd2"),
    (re.compile(r"^LatentConsistencyModel"), "sd1-or-sd2"),
    (re.compile(r"^Wan"), "wan"),
    (re.compile(r"^CogVideoX"), "cogvideox"),
)
_ID_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"flux"), "flux"),
    (re.compile(r"stable-diffusion-3|\bsd3"), "sd3"),
    (re.compile(r"pixart"), "pixart"),
    (re.compile(r"kandinsky-2"), "kandinsky"),
    (re.compile(r"sdxl|stable-diffusion-xl"), "sdxl"),
    (re.compile(r"stable-diffusion-2|sd-turbo|\bsd2"), "sd2"),
    (re.compile(r"stable-diffusion-v1|stable-diffusion-1|sd-v1|\bsd15|\bsd-1"), "sd1"),
    (re.compile(r"\bwan2|wan-ai/"), "wan"),
    (re.compile(r"cogvideox"), "cogvideox"),
)


def _match_id(model_id: str) -> str | None:
    lowered = model_id.lower()
    return next((fam for pattern, fam in _ID_FAMILIES if pattern.search(lowered)), None)


def family_of(
    pipeline_class: str | None, model_id: str, text_encoder_params: int | None = None
) -> str:
    """The family from model_index.json's ``_class_name`` (or the model id when that is unknown)."""
    if not pipeline_class:
        return _match_id(model_id) or "other"
    hit = next((fam for pattern, fam in _CLASS_FAMILIES if pattern.search(pipeline_class)), None)
    if hit is None:
        return "other"
    if hit != "sd1-or-sd2":
        return hit
    if text_encoder_params:
        return "sd2" if text_encoder_params >= SD2_TEXT_ENCODER_MIN_PARAMS else "sd1"
    return "sd2" if _match_id(model_id) == "sd2" else "sd1"


def inference_defaults(family: str, model_id: str) -> Defaults:
    """Steps, guidance and resolution a job gets when it leaves them out (distilled models by id)."""
    lowered = model_id.lower()
    base = family_defaults(family)
    if re.search(r"sd-turbo|sdxl-turbo", lowered):
        return Defaults(steps=1, guidance=0.0, resolution=512)
    if "schnell" in lowered:
        return Defaults(steps=4, guidance=0.0, resolution=1024)
    if re.search(r"turbo|lightning|hyper|lcm", lowered):
        return Defaults(steps=4, guidance=0.0, resolution=base["resolution"])
    if family == "sd2" and "base" in lowered:
        return Defaults(steps=30, guidance=7.5, resolution=512)
    return Defaults(
        steps=base["steps"], guidance=float(base["guidance"]), resolution=base["resolution"]
    )


@dataclass(frozen=True)
class MemoryPlan:
    """How to place the model. ``offload`` is "none", "model" (per component) or "sequential"."""

    device: str
    dtype: str
    vae_slicing: bool
    vae_tiling: bool
    offload: str
    fits: bool
    reason: str


# Fraction of the estimate's activation share kept when VAE tiling + slicing are on (decode dominates).
_TILED_ACTIVATION_SHARE = 0.35


def compute_dtype(family: str, device: str) -> str:
    """bf16 for FLUX/SD3 (trained in it; fp16 overflows), fp16 otherwise; fp32 on CPU."""
    if device != "cuda":
        return "float32"
    return "bfloat16" if family_defaults(family)["computeDtype"] == "BF16" else "float16"


def plan_memory(
    *,
    family: str,
    device: str,
    free_vram_bytes: int | None,
    estimate_bytes: int,
    weights_bytes: int,
) -> MemoryPlan:
    """Choose fallbacks from the numbers alone.

    ``estimate_bytes`` is the control plane's VRAM estimate (weights + activations); ``weights_bytes``
    the resident weights. Tiers: all on the GPU; + VAE tiling/slicing when only the activations are
    short; + model CPU offload when the weights do not fit but the largest part (≈ half) does;
    sequential offload below that, flagged ``fits=False`` so the fitness check fails the worker.
    """
    dtype = compute_dtype(family, device)
    if device != "cuda":
        return MemoryPlan(device, dtype, False, False, "none", True, "CPU: no VRAM to plan")
    if free_vram_bytes is None or estimate_bytes <= 0:
        return MemoryPlan(device, dtype, False, False, "none", True, "no estimate: load as is")
    weights = min(weights_bytes, estimate_bytes) if weights_bytes > 0 else estimate_bytes // 2
    activations = estimate_bytes - weights
    if free_vram_bytes >= estimate_bytes:
        return MemoryPlan(
            device, dtype, False, False, "none", True, "free VRAM covers the estimate"
        )
    if free_vram_bytes >= weights + activations * _TILED_ACTIVATION_SHARE:
        return MemoryPlan(device, dtype, True, True, "none", True, "activations short: VAE tiling")
    if free_vram_bytes >= weights // 2 + activations * _TILED_ACTIVATION_SHARE:
        return MemoryPlan(device, dtype, True, True, "model", True, "weights short: model offload")
    return MemoryPlan(
        device, dtype, True, True, "sequential", False, "free VRAM below half the weights"
    )
