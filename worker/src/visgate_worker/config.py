"""Settings from the template environment the control plane sets (functions/src/steps/provision/worker-env.ts)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache_verify import DEFAULT_MODE as DEFAULT_CACHE_VERIFY
from .cache_verify import parse_mode as parse_cache_verify
from .errors import CONFIG_INVALID, WorkerError
from .lora_settings import LoraSettings

log = logging.getLogger(__name__)

DEFAULT_RUNPOD_CACHE = "/runpod-volume/huggingface-cache/hub"
# shared/src/schemas/create-deployment.ts TASKS (issue 16 contract).
SUPPORTED_TASKS = ("text-to-image", "image-to-image", "inpainting", "text-to-video")


@dataclass(frozen=True)
class Settings:
    deployment_id: str
    model_id: str
    revision: str
    pipeline_class: str
    task: str
    vram_estimate_bytes: int
    model_bytes: int
    events_url: str | None
    sources: tuple[dict[str, Any], ...]
    worker_id: str | None
    models_dir: Path
    runpod_cache_dir: Path
    device: str
    download_concurrency: int
    events_token: str | None = field(default=None, repr=False)
    hf_token: str | None = field(default=None, repr=False)
    # How S3 cache reads are checked: per-part CRC-32 (default) or sha256 (cache_verify.py).
    cache_verify: str = DEFAULT_CACHE_VERIFY
    # VISGATE_LORAS, VISGATE_LORA_CACHE_BYTES (lora_settings.py).
    lora: LoraSettings = field(default_factory=LoraSettings)
    # Init-image URLs may name loopback/private hosts (and http): only the local control plane sets
    # VISGATE_ALLOW_PRIVATE_URLS, as its webhooks allow private hosts (WEBHOOK_ALLOW_PRIVATE_HOSTS).
    allow_private_urls: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read and check the environment; every problem names the variable, never its value."""

        def required(name: str) -> str:
            value = environ.get(name, "").strip()
            if not value:
                raise WorkerError(CONFIG_INVALID, f"{name} is not set")
            return value

        def integer(name: str, default: int) -> int:
            raw = environ.get(name, "").strip()
            if not raw:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise WorkerError(CONFIG_INVALID, f"{name} is not an integer") from None
            if value < 0:
                raise WorkerError(CONFIG_INVALID, f"{name} is negative")
            return value

        model_id = required("VISGATE_MODEL_ID")
        revision = environ.get("VISGATE_MODEL_REVISION", "").strip() or "main"
        raw_sources = environ.get("VISGATE_MODEL_SOURCES", "").strip()
        if raw_sources:
            try:
                sources = json.loads(raw_sources)
            except json.JSONDecodeError:
                raise WorkerError(CONFIG_INVALID, "VISGATE_MODEL_SOURCES is not JSON") from None
            if not isinstance(sources, list):
                raise WorkerError(CONFIG_INVALID, "VISGATE_MODEL_SOURCES is not a list of objects")
            # A newer control plane may send entries this worker cannot read: skip them, keep the rest
            # (candidates() does the same for objects of an unknown type).
            for i, src in enumerate(sources):
                if not isinstance(src, dict):
                    log.warning("VISGATE_MODEL_SOURCES entry %d is not an object; skipped", i)
            sources = [s for s in sources if isinstance(s, dict)]
        else:
            sources = [{"type": "huggingface", "repo": model_id, "revision": revision}]
        events_url = environ.get("VISGATE_EVENTS_URL", "").strip() or None
        if events_url is not None and not events_url.startswith(("https://", "http://")):
            raise WorkerError(CONFIG_INVALID, "VISGATE_EVENTS_URL is not an http(s) URL")
        concurrency = integer("VISGATE_DOWNLOAD_CONCURRENCY", 8)
        task = environ.get("VISGATE_TASK", "").strip() or "text-to-image"
        if task not in SUPPORTED_TASKS:
            raise WorkerError(
                CONFIG_INVALID, "VISGATE_TASK names a task this worker does not serve"
            )
        return cls(
            deployment_id=environ.get("VISGATE_DEPLOYMENT_ID", "").strip() or "local",
            model_id=model_id,
            revision=revision,
            pipeline_class=environ.get("VISGATE_PIPELINE", "").strip(),
            task=task,
            vram_estimate_bytes=integer("VISGATE_VRAM_ESTIMATE_BYTES", 0),
            model_bytes=integer("VISGATE_MODEL_BYTES", 0),
            events_url=events_url,
            events_token=environ.get("VISGATE_EVENTS_TOKEN", "").strip() or None,
            sources=tuple(sources),
            worker_id=environ.get("RUNPOD_POD_ID", "").strip() or None,
            models_dir=Path(environ.get("VISGATE_MODELS_DIR", "").strip() or "/models"),
            runpod_cache_dir=Path(
                environ.get("VISGATE_RUNPOD_CACHE_DIR", "").strip() or DEFAULT_RUNPOD_CACHE
            ),
            device=_device(environ.get("VISGATE_DEVICE", "")),
            download_concurrency=max(1, concurrency),
            hf_token=environ.get("HF_TOKEN", "").strip() or None,
            cache_verify=parse_cache_verify(environ.get("VISGATE_CACHE_VERIFY", "")),
            lora=LoraSettings.from_env(environ),
            allow_private_urls=_flag(environ, "VISGATE_ALLOW_PRIVATE_URLS"),
        )


def _device(raw: str) -> str:
    """``cpu`` (tests, dry runs) or ``cuda`` (the default). An unknown value is logged and read as
    ``cuda``: a GPU worker must not fall silently to CPU speed, and without CUDA the fitness check
    fails it loudly instead."""
    value = raw.strip().lower()
    if value in ("", "cuda") or value.startswith("cuda:"):
        return "cuda"
    if value == "cpu":
        return "cpu"
    log.warning("VISGATE_DEVICE %r is neither cuda nor cpu; using cuda", value[:32])
    return "cuda"


def _flag(environ: Mapping[str, str], name: str) -> bool:
    """``1``/``true``/``yes`` (any case) is on; empty is off; anything else is a configuration error."""
    value = environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise WorkerError(CONFIG_INVALID, f"{name} is not a boolean (1/0, true/false)")
