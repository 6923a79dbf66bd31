"""Where LoRA meets the worker's flow: ``boot_adapters`` (main.py, after the pipeline loads and before
the warm-up, so ``ready`` means the deployment's adapters are in) and ``with_adapters`` (around the
job handler: a job's adapters are active for it alone, and its result lists what it used)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import WorkerError, classify
from .job_input import check_schema
from .lora_adapters import LoraAdapters
from .lora_cache import LoraCache
from .lora_fetch import HubFiles
from .lora_settings import LoraSettings

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def boot_adapters(
    pipe: Any,
    family: str,
    settings: LoraSettings,
    *,
    cache_dir: Path,
    hub: HubFiles | None,
    hf_token: str | None,
    allow_private: bool = False,
) -> LoraAdapters:
    """The adapter manager for ``pipe``, with the deployment's adapters loaded and active."""
    cache = LoraCache(cache_dir, settings.cache_bytes)
    adapters = LoraAdapters(
        pipe,
        family,
        cache,
        hub=hub,
        hf_token=hf_token,
        allow_private=allow_private,
    )
    if settings.deployment:
        adapters.load_deployment(settings.deployment)
    return adapters


def with_adapters(handler: Handler, adapters: LoraAdapters) -> Handler:
    """``handler`` with the job's adapters active around it and ``loras`` added to its result."""

    def handle(job: dict[str, Any]) -> dict[str, Any]:
        raw = job.get("input")
        if not isinstance(raw, dict) or not (
            adapters.deployment or raw.get("loras") or "lora_scale" in raw
        ):
            return handler(job)
        try:
            check_schema(raw)
        except WorkerError:
            return handler(job)  # it answers the bad input the usual way, before any download
        try:
            used = adapters.begin_job(raw)
        except Exception as exc:
            err = classify(exc)
            log.info("job adapters failed: %s", err.code, extra={"job_id": str(job.get("id", "-"))})
            adapters.end_job()
            result: dict[str, Any] = {"error": err.to_dict()}
            if err.poisons_worker:
                result["refresh_worker"] = True
            return result
        try:
            result = handler(job)
        finally:
            adapters.end_job()
        if "error" not in result:
            result["loras"] = [u.to_dict() for u in used]
        return result

    return handle
