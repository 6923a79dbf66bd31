"""Where LoRA meets the worker's boot: ``boot_adapters`` (main.py, after the pipeline loads and before
the warm-up, so ``ready`` means the deployment's adapters are in). The handler (handler.py) activates
a job's adapters once its input is valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .lora_adapters import LoraAdapters
from .lora_cache import LoraCache
from .lora_fetch import HubFiles
from .lora_settings import LoraSettings


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
