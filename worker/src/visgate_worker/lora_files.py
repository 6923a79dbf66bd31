"""What a LoRA file is, from its safetensors header alone: a LoRA at all, and for which model family.

The header (8-byte length + JSON of names, dtypes and shapes) is read without loading a tensor, so a
wrong file is refused before it touches the pipeline. Families are the worker's (memory_plan.py
``family_of``); which families take LoRAs is job_input.LORA_FAMILIES (shared/src/job/job-kind.ts).
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

from .errors import LORA_BASE_MISMATCH, LORA_INVALID, WorkerError
from .job_input import LORA_FAMILIES

MAX_HEADER_BYTES = 100_000_000
PREFERRED_FILE = "pytorch_lora_weights.safetensors"

# The text-conditioning width the UNet's cross-attention (attn2.to_k/to_v) reads, per family.
_CROSS_DIM = {768: "sd1", 1024: "sd2", 2048: "sdxl"}
# FLUX's transformer is 3072 wide; SD3/3.5's is 1536 (medium) or 2432 (large).
_TRANSFORMER_DIM = {3072: "flux", 1536: "sd3", 2432: "sd3"}
# A LoRA's down/A matrix is [rank, in_features] (convs: [rank, in, kh, kw]).
_DOWN = re.compile(r"(lora_a|lora_down|lora\.down|lora_linear_layer\.down)(\.weight)?$")


def read_header(path: Path) -> dict[str, list[int]]:
    """Tensor name → shape, or LORA_INVALID when the file is not safetensors."""
    try:
        with open(path, "rb") as f:
            raw = f.read(8)
            if len(raw) != 8:
                raise ValueError("short")
            (length,) = struct.unpack("<Q", raw)
            if length > MAX_HEADER_BYTES or length > path.stat().st_size - 8:
                raise ValueError("bad length")
            doc = json.loads(f.read(length))
        if not isinstance(doc, dict):
            raise ValueError("not an object")
        return {
            k: list(v.get("shape", []))
            for k, v in doc.items()
            if k != "__metadata__" and isinstance(v, dict)
        }
    except (OSError, ValueError, UnicodeDecodeError):
        raise WorkerError(LORA_INVALID, "the adapter file is not a safetensors file") from None


def is_lora(shapes: dict[str, list[int]]) -> bool:
    return any("lora" in k.lower() for k in shapes) and not is_lycoris(shapes)


def is_lycoris(shapes: dict[str, list[int]]) -> bool:
    """LyCORIS LoHa/LoKr weights (``hada_w1``, ``lokr_w1``): diffusers 0.42 converts LoKr only for
    Z-Image and Flux2 and LoHa nowhere, so they would fail on our families' layers."""
    return any("hada_w1" in k.lower() or "lokr_w1" in k.lower() for k in shapes)


def _in_features(shapes: dict[str, list[int]], where: re.Pattern[str]) -> int | None:
    for key, shape in shapes.items():
        low = key.lower()
        if len(shape) >= 2 and where.search(low) and _DOWN.search(low):
            return int(shape[1])
    return None


def detect_family(shapes: dict[str, list[int]]) -> str | None:
    """The family a LoRA was trained for, or None when its names and shapes do not say."""
    keys = [k.lower() for k in shapes]

    def has(*parts: str) -> bool:
        return any(p in k for k in keys for p in parts)

    if has("single_transformer_blocks", "single_blocks", "double_blocks"):
        return "flux"
    if has("joint_blocks"):
        return "sd3"
    if has("transformer_blocks") and not has("unet", "attentions", "input_blocks", "output_blocks"):
        width = _in_features(shapes, re.compile(r"transformer_blocks.*attn.*to_q"))
        if width in _TRANSFORMER_DIM:
            return _TRANSFORMER_DIM[width]
        return "sd3" if has("context_embedder") else None
    if has("text_encoder_2", "lora_te2_") or has("lora_unet_input_blocks"):
        return "sdxl"
    cross = _in_features(shapes, re.compile(r"attn2.*to_[kv]"))
    if cross in _CROSS_DIM:
        return _CROSS_DIM[cross]
    text = _in_features(shapes, re.compile(r"(text_encoder|lora_te1?_|te1?\.).*(q_proj|k_proj)"))
    return {768: "sd1", 1024: "sd2"}.get(text or 0)


def check_adapter(path: Path, base_family: str, label: str) -> str | None:
    """Refuse a file that is no LoRA (LORA_INVALID) or that targets another family (LORA_BASE_MISMATCH);
    returns the detected family (None: unknown, left to the loader)."""
    if base_family not in LORA_FAMILIES:
        raise WorkerError(
            LORA_BASE_MISMATCH, f"LoRA adapters are not available for {base_family} models"
        )
    shapes = read_header(path)
    if is_lycoris(shapes):
        raise WorkerError(
            LORA_INVALID,
            f"{label} is a LyCORIS LoHa/LoKr adapter, which diffusers cannot load here",
        )
    if not is_lora(shapes):
        raise WorkerError(LORA_INVALID, f"{label} has no LoRA weights (no lora_* tensors)")
    family = detect_family(shapes)
    if family is not None and family != base_family:
        raise WorkerError(
            LORA_BASE_MISMATCH,
            f"{label} was trained for {family} models; this deployment serves a {base_family} model",
        )
    return family


def choose_file(files: list[str], weight_name: str | None, label: str) -> str:
    """The adapter file of a repo: ``weight_name``, else pytorch_lora_weights.safetensors, else the
    only ``.safetensors`` at the root."""
    if weight_name:
        if weight_name not in files:
            raise WorkerError(LORA_INVALID, f"{label} has no file {weight_name}")
        return weight_name
    if PREFERRED_FILE in files:
        return PREFERRED_FILE
    root = [f for f in files if "/" not in f and f.endswith(".safetensors")]
    if len(root) == 1:
        return root[0]
    why = "no .safetensors file" if not root else f"{len(root)} .safetensors files"
    raise WorkerError(LORA_INVALID, f"{label} has {why} at its root; name one with weight_name")
