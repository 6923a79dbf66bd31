"""LoRA settings from the template environment: the deployment's own adapters (``VISGATE_LORAS``, set
by the control plane), the adapter cache's bound and whether job URLs may be private (local mode)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import CONFIG_INVALID, WorkerError
from .lora_cache import DEFAULT_CACHE_BYTES

MAX_ADAPTERS = 5
_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")


@dataclass(frozen=True)
class DeploymentLora:
    name: str
    repo: str
    revision: str
    file: str | None
    scale: float
    bytes: int


@dataclass(frozen=True)
class LoraSettings:
    deployment: tuple[DeploymentLora, ...] = ()
    cache_bytes: int = DEFAULT_CACHE_BYTES

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LoraSettings:
        raw = environ.get("VISGATE_LORAS", "").strip()
        entries = _parse_loras(raw) if raw else ()
        cache_raw = environ.get("VISGATE_LORA_CACHE_BYTES", "").strip()
        if cache_raw and not cache_raw.isdigit():
            raise WorkerError(CONFIG_INVALID, "VISGATE_LORA_CACHE_BYTES is not a byte count")
        return cls(
            deployment=entries,
            cache_bytes=int(cache_raw) if cache_raw else DEFAULT_CACHE_BYTES,
        )


def _parse_loras(raw: str) -> tuple[DeploymentLora, ...]:
    def bad(why: str) -> WorkerError:
        return WorkerError(CONFIG_INVALID, f"VISGATE_LORAS {why}")

    try:
        doc: Any = json.loads(raw)
    except json.JSONDecodeError:
        raise bad("is not JSON") from None
    if not isinstance(doc, list) or len(doc) > MAX_ADAPTERS:
        raise bad(f"is not a list of at most {MAX_ADAPTERS} objects")
    out = []
    for i, item in enumerate(doc):
        if not isinstance(item, dict) or not isinstance(item.get("repo"), str):
            raise bad(f"entry {i} has no repo")
        name = item.get("name", f"lora_{i}")
        if not isinstance(name, str) or not _NAME.match(name):
            raise bad(f"entry {i} has a name that is not [A-Za-z0-9_]{{1,64}}")
        scale = item.get("scale", 1)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not -4 <= scale <= 4:
            raise bad(f"entry {i} has a scale outside -4..4")
        file = item.get("file")
        if file is not None and (not isinstance(file, str) or not file.endswith(".safetensors")):
            raise bad(f"entry {i} has a file that is not .safetensors")
        revision = item.get("revision") or "main"
        size = item.get("bytes", 0)
        out.append(
            DeploymentLora(name, item["repo"], str(revision), file, float(scale), int(size or 0))
        )
    if len({e.name for e in out}) != len(out):
        raise bad("names an adapter twice")
    return tuple(out)
