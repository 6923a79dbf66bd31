"""Job input: the JSON Schema exported from shared/ (zod), then the checks JSON Schema cannot express.

Error messages name the field and the rule, never the value (a prompt or a signed URL must not be echoed).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import INVALID_INPUT, WorkerError

# Sides must be a multiple of this per family: transformer families patchify 2x2 latents (8x VAE).
SIDE_ALIGNMENT = {"sd3": 16, "flux": 16, "pixart": 16}
DEFAULT_ALIGNMENT = 8


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


def parse_job_input(
    raw: Any, *, family: str, defaults: Defaults, random_seed: int | None = None
) -> JobRequest:
    """Validate a job's input for a model of ``family`` and fill the model's defaults."""
    check_schema(raw)
    limit = int(family_defaults(family)["maxResolution"])
    align = SIDE_ALIGNMENT.get(family, DEFAULT_ALIGNMENT)
    sides = {}
    for key in ("width", "height"):
        side = int(raw.get(key, defaults.resolution))  # JSON 512.0 is an integer to the schema
        if side > limit:
            raise _fail(f"{key}: must be at most {limit} for a {family} model")
        if side % align:
            raise _fail(f"{key}: must be a multiple of {align} for a {family} model")
        sides[key] = side
    seed = raw.get("seed")
    if seed is None:
        seed = random_seed if random_seed is not None else secrets.randbelow(2**32)
    return JobRequest(
        prompt=raw["prompt"],
        negative_prompt=raw.get("negative_prompt") or None,
        num_inference_steps=int(raw.get("num_inference_steps", defaults.steps)),
        guidance_scale=float(raw.get("guidance_scale", defaults.guidance)),
        width=sides["width"],
        height=sides["height"],
        seed=int(seed),
        num_images=int(raw.get("num_images", 1)),
        output_format=raw.get("output_format", "png"),
        output=raw.get("output", {"type": "base64"}),
    )
