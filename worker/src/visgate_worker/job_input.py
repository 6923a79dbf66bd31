"""Job input: the JSON Schema exported from shared/ (zod), then the checks JSON Schema cannot express.

Error messages name the field and the rule, never the value (a prompt or a signed URL must not be echoed).
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import INVALID_INPUT, WorkerError

# Sides must be a multiple of this per family: transformer families patchify 2x2 latents (8x VAE).
SIDE_ALIGNMENT = {"sd3": 16, "flux": 16, "pixart": 16, "wan": 16, "cogvideox": 16}
DEFAULT_ALIGNMENT = 8

# shared/src/job/job-kind.ts: families with image-to-image/inpainting (from_pipe) and with LoRA loaders.
IMAGE_EDIT_FAMILIES = ("sd1", "sd2", "sdxl", "sd3", "flux")
LORA_FAMILIES = ("sd1", "sd2", "sdxl", "sd3", "flux")
VIDEO_FAMILIES = ("wan", "cogvideox")
# The schema's bounds on num_frames (shared/src/job/job-input.ts).
MAX_FRAMES = 257


@cache
def load_schema(name: str) -> dict[str, Any]:
    text = resources.files("visgate_worker").joinpath("schemas", name).read_text("utf-8")
    return json.loads(text)


def job_input_schema() -> dict[str, Any]:
    return load_schema("job_input.schema.json")


def family_defaults(family: str) -> dict[str, Any]:
    """Defaults and limits for a family (shared/src/memory/estimate-vram.ts FAMILY_DEFAULTS)."""
    table = load_schema("families.json")
    return table.get(family, table["other"])


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(job_input_schema())


@dataclass(frozen=True)
class JobRequest:
    prompt: str
    negative_prompt: str | None
    num_inference_steps: int
    guidance_scale: float
    width: int
    height: int
    seed: int
    num_images: int
    output_format: str
    output: dict[str, Any]
    # text-to-image | image-to-image | inpainting | text-to-video (job_kind below).
    kind: str = "text-to-image"
    # The init image and mask: the job's string (URL or base64) until input_image.attach_images
    # replaces them with decoded PIL images (RGB and L).
    image: Any = None
    mask: Any = None
    strength: float | None = None
    # Whether the job named its size; when it did not, an init image's size decides (input_image.py).
    size_given: tuple[bool, bool] = (True, True)
    num_frames: int | None = None
    fps: int | None = None
    # Per-request adapters and deploy-time adapter scales, as the job gave them (the LoRA code reads them).
    loras: tuple[dict[str, Any], ...] = ()
    lora_scale: float | tuple[float, ...] | None = None

    def image_seeds(self) -> list[int]:
        """One seed per image: seed, seed+1, … (mod 2^32), so each image is reproducible alone."""
        return [(self.seed + i) % 2**32 for i in range(self.num_images)]


@dataclass(frozen=True)
class Defaults:
    """What a job gets for fields it leaves out (the model's inference defaults)."""

    steps: int
    guidance: float
    resolution: int


def _where(error: ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    return path or "input"


def _describe(error: ValidationError) -> str:
    """A message from the failed rule only; jsonschema's own messages quote the instance."""
    where = _where(error)
    rule, limit = error.validator, error.validator_value
    if rule == "required":
        missing = [k for k in limit if isinstance(error.instance, dict) and k not in error.instance]
        return f"{where}: missing {', '.join(missing) or 'a required field'}"
    if rule == "additionalProperties":
        allowed = (error.schema or {}).get("properties", {})
        extra = sorted(k for k in error.instance if k not in allowed)
        return f"{where}: unknown field {', '.join(extra)}"
    if rule == "type":
        return f"{where}: must be of type {limit}"
    if rule == "oneOf":
        return f"{where}: must be {{'type': 'base64'}} or {{'type': 's3', 'put_urls': [...]}}"
    if rule == "enum":
        return f"{where}: must be one of {', '.join(map(str, limit))}"
    if rule in {
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "multipleOf",
    }:
        words = {
            "minimum": "at least",
            "maximum": "at most",
            "minLength": "at least this many characters:",
            "maxLength": "at most this many characters:",
            "minItems": "at least this many items:",
            "maxItems": "at most this many items:",
            "multipleOf": "a multiple of",
        }
        return f"{where}: must be {words[rule]} {limit}"
    if rule == "const":
        return f"{where}: must be {limit!r}"
    return f"{where}: fails {rule}"


def _fail(message: str) -> WorkerError:
    return WorkerError(INVALID_INPUT, message)


def check_schema(raw: Any) -> None:
    """The zod schema's rules as exported, plus the refinements JSON Schema cannot carry."""
    if not isinstance(raw, dict):
        raise _fail("input: must be an object")
    errors = sorted(_validator().iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        raise _fail(_describe(errors[0]))
    # JSON Schema's "uri" format is not asserted by default and zod's refinements are not exported.
    output = raw.get("output", {"type": "base64"})
    if output["type"] == "s3":
        for key in ("put_urls", "get_urls"):
            for i, url in enumerate(output.get(key, [])):
                if not url.lower().startswith(("https://", "http://")) or len(url) < 10:
                    raise _fail(f"output.{key}.{i}: must be an http(s) URL")
        if len(output["put_urls"]) < raw.get("num_images", 1):
            raise _fail("output.put_urls: needs one URL per image (num_images)")
        if "get_urls" in output and len(output["get_urls"]) != len(output["put_urls"]):
            raise _fail("output.get_urls: needs one GET URL per PUT URL")
    if "mask" in raw and "image" not in raw:
        raise _fail("mask: needs image (the picture the mask applies to)")
    if "strength" in raw and "image" not in raw:
        raise _fail("strength: needs image (strength is how far to move from it)")


def job_kind(raw: dict[str, Any], *, video: bool) -> str:
    if video:
        return "text-to-video"
    if "mask" in raw:
        return "inpainting"
    return "image-to-image" if "image" in raw else "text-to-image"


def check_for_deployment(
    raw: dict[str, Any], *, family: str, video: bool, deployment_loras: int | None = None
) -> None:
    """job-kind.ts checkJobForDeployment: the rules that depend on the deployment, checked again here
    (a job sent to RunPod directly skips the API). ``deployment_loras`` None skips the lora_scale count."""
    if video:
        for key in ("image", "mask", "strength"):
            if key in raw:
                raise _fail(f"{key}: not taken by a text-to-video deployment")
        if raw.get("num_images", 1) != 1:
            raise _fail("num_images: must be 1 for video (one MP4 per job)")
        if raw.get("output_format", "mp4") != "mp4":
            raise _fail("output_format: must be mp4 for video")
    else:
        for key in ("num_frames", "fps"):
            if key in raw:
                raise _fail(f"{key}: only for text-to-video deployments")
        if raw.get("output_format") == "mp4":
            raise _fail("output_format: mp4 is for video; use png, jpeg or webp")
        if "image" in raw and family not in IMAGE_EDIT_FAMILIES:
            raise _fail(
                f"image: image-to-image and inpainting are not available for {family} models"
            )
    if "loras" in raw and family not in LORA_FAMILIES:
        raise _fail(f"loras: LoRA adapters are not available for {family} models")
    if "lora_scale" in raw and deployment_loras is not None:
        scale = raw["lora_scale"]
        if deployment_loras == 0:
            raise _fail("lora_scale: the deployment has no adapters of its own (use loras[].scale)")
        if isinstance(scale, list) and len(scale) != deployment_loras:
            raise _fail(f"lora_scale: needs one scale per deployment adapter ({deployment_loras})")


def frame_step(family: str) -> int | None:
    """k of the family's "4k+1"/"8k+1" frame rule (the VAE's temporal compression), None without one."""
    rule = family_defaults(family).get("frameRule")
    return int(rule.split("k", 1)[0]) if rule else None


def check_frames(num_frames: int, family: str) -> None:
    """Refuse a count the family's VAE cannot decode, naming the nearest valid counts."""
    longest = family_defaults(family).get("maxFrames")
    if longest is not None and num_frames > int(longest):
        raise _fail(
            f"num_frames: must be at most {longest} for a {family} model (its trained length)"
        )
    step = frame_step(family)
    if step is None or (num_frames - 1) % step == 0:
        return
    below = num_frames - (num_frames - 1) % step
    above = below + step
    near = " or ".join(str(n) for n in (below, above) if 1 <= n <= MAX_FRAMES)
    raise _fail(
        f"num_frames: must be {step}k+1 for a {family} model (1, {1 + step}, {1 + 2 * step}, …); "
        f"nearest: {near}"
    )


def parse_job_input(
    raw: Any,
    *,
    family: str,
    defaults: Defaults,
    random_seed: int | None = None,
    video: bool | None = None,
    deployment_loras: int | None = None,
) -> JobRequest:
    """Validate a job's input for a model of ``family`` and fill the model's defaults.

    ``video``: whether the deployment is a text-to-video one (default: the family is a video family).
    """
    check_schema(raw)
    video = family in VIDEO_FAMILIES if video is None else video
    check_for_deployment(raw, family=family, video=video, deployment_loras=deployment_loras)
    table = family_defaults(family)
    limit = int(table["maxResolution"])
    align = SIDE_ALIGNMENT.get(family, DEFAULT_ALIGNMENT)
    kind = job_kind(raw, video=video)
    sides = {}
    for key in ("width", "height"):
        fallback = table.get(key, defaults.resolution) if video else defaults.resolution
        side = int(raw.get(key, fallback))  # JSON 512.0 is an integer to the schema
        if side > limit:
            raise _fail(f"{key}: must be at most {limit} for a {family} model")
        if side % align:
            raise _fail(f"{key}: must be a multiple of {align} for a {family} model")
        sides[key] = side
    steps = int(raw.get("num_inference_steps", defaults.steps))
    strength = None
    if kind in ("image-to-image", "inpainting"):
        strength = float(raw.get("strength", 0.8 if kind == "image-to-image" else 1.0))
        if "num_inference_steps" not in raw:
            # A one-step default (sd-turbo, sdxl-turbo) at strength 0.8 would run no step at all:
            # take the fewest steps that run one, as diffusers' turbo examples do (2 × 0.5).
            steps = max(steps, math.ceil(1 / strength - 1e-9))
        # diffusers runs int(steps × strength) steps; none at all is an error deep in the pipeline.
        if int(steps * strength) < 1:
            raise _fail("strength: num_inference_steps × strength must be at least 1")
    num_frames = fps = None
    if video:
        num_frames = int(raw.get("num_frames", table.get("numFrames", 1)))
        check_frames(num_frames, family)
        fps = int(raw.get("fps", table.get("fps", 16)))
    seed = raw.get("seed")
    if seed is None:
        seed = random_seed if random_seed is not None else secrets.randbelow(2**32)
    lora_scale = raw.get("lora_scale")
    return JobRequest(
        prompt=raw["prompt"],
        negative_prompt=raw.get("negative_prompt") or None,
        num_inference_steps=steps,
        guidance_scale=float(raw.get("guidance_scale", defaults.guidance)),
        width=sides["width"],
        height=sides["height"],
        seed=int(seed),
        num_images=int(raw.get("num_images", 1)),
        output_format=raw.get("output_format", "mp4" if video else "png"),
        output=raw.get("output", {"type": "base64"}),
        kind=kind,
        image=raw.get("image"),
        mask=raw.get("mask"),
        strength=strength,
        size_given=("width" in raw, "height" in raw),
        num_frames=num_frames,
        fps=fps,
        loras=tuple(
            {**lora, "scale": float(lora.get("scale", 1))} for lora in raw.get("loras", ())
        ),
        lora_scale=tuple(lora_scale) if isinstance(lora_scale, list) else lora_scale,
    )
