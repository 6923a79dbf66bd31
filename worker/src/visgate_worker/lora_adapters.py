"""LoRA adapters on the live pipeline: the deployment's own (loaded before ready, always active) and a
job's (``loras``: fetched into the cache, loaded under a name derived from the file's hash, active
for that job only). The base model is never reloaded: adapters are added, switched with
``set_adapters`` and dropped with ``delete_adapters``. The few most recently used job adapters stay
loaded (inactive) so a repeat costs nothing; more are deleted, and an adapter whose file the cache
evicts is deleted too.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .errors import INVALID_INPUT, LORA_BASE_MISMATCH, WorkerError
from .job_input import LORA_FAMILIES
from .lora_cache import LoraCache
from .lora_fetch import AdapterSource, HubFiles, fetch_adapter
from .lora_files import check_adapter
from .lora_settings import DeploymentLora

log = logging.getLogger(__name__)

KEEP_LOADED = 4  # job adapters kept loaded between jobs (a few MB of VRAM each at typical ranks)
# ...and at most this many bytes of them: PEFT keeps an adapter's weights beside its base layer on
# the card, and a job may bring files up to 512 MB that the VRAM estimate does not count once idle.
KEEP_LOADED_BYTES = 256 * 1024**2


@dataclass(frozen=True)
class UsedAdapter:
    """One entry of a job result's ``loras``."""

    name: str
    source: str  # "deployment" | "request"
    scale: float
    cache_hit: bool
    load_s: float

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "load_s": round(self.load_s, 3)}


def request_name(sha: str) -> str:
    return f"req_{sha[:16]}"


class LoraAdapters:
    def __init__(
        self,
        pipe: Any,
        family: str,
        cache: LoraCache,
        *,
        hub: HubFiles | None,
        hf_token: str | None = None,
        allow_private: bool = False,
        keep_loaded: int = KEEP_LOADED,
        keep_loaded_bytes: int = KEEP_LOADED_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pipe = pipe
        self.family = family
        self.cache = cache
        self.hub = hub
        self.hf_token = hf_token
        self.allow_private = allow_private
        self.keep_loaded = keep_loaded
        self.keep_loaded_bytes = keep_loaded_bytes
        self.clock = clock
        self.deployment: list[tuple[str, float]] = []
        self.loaded: OrderedDict[str, str] = OrderedDict()  # job adapter name → sha, LRU first
        # What set_adapters last made active; None: unknown (a load may change it).
        self._active: list[tuple[str, float]] | None = []
        self._enabled = True
        cache.on_evict = self._evicted

    def load_deployment(self, entries: tuple[DeploymentLora, ...]) -> None:
        """Fetch, check and load the deployment's adapters and make them active (boot, before ready)."""
        for e in entries:
            src = AdapterSource(repo=e.repo, revision=e.revision, file=e.file)
            got = fetch_adapter(src, self.cache, hub=self.hub, token=self.hf_token)
            self.cache.pinned.add(got.sha256)
            started = self.clock()
            self._load(e.name, got.sha256, src.label)
            self.deployment.append((e.name, e.scale))
            log.info("deployment LoRA %s loaded in %.2fs", e.name, self.clock() - started)
        self._activate(list(self.deployment))

    def _load(self, name: str, sha: str, label: str) -> None:
        path = self.cache.path(sha)
        check_adapter(path, self.family, label)
        self._active = None
        try:
            self.pipe.load_lora_weights(str(path), adapter_name=name)
        except Exception as exc:
            self._delete(name)
            log.warning("loading %s failed: %s", label, type(exc).__name__)
            raise WorkerError(
                LORA_BASE_MISMATCH,
                f"{label} does not fit this {self.family} model's layers ({type(exc).__name__})",
            ) from None
        if not any(name in names for names in self.pipe.get_list_adapters().values()):
            self._delete(name)
            raise WorkerError(
                LORA_BASE_MISMATCH, f"{label} matches none of this {self.family} model's layers"
            )

    def _delete(self, name: str) -> None:
        self._active = None  # PEFT picks another active adapter when it deletes an active one
        try:
            self.pipe.delete_adapters(name)
        except Exception as exc:  # never loaded into any component
            log.debug("delete_adapters(%s): %s", name, type(exc).__name__)

    def _activate(self, pairs: list[tuple[str, float]]) -> None:
        if pairs == self._active and (self._enabled or not pairs):
            return
        if not pairs:
            if self.loaded or self.deployment:
                self.pipe.disable_lora()
            self._enabled = False
        else:
            if not self._enabled:
                self.pipe.enable_lora()
                self._enabled = True
            self.pipe.set_adapters([n for n, _ in pairs], [s for _, s in pairs])
        self._active = pairs

    def _deployment_scales(self, lora_scale: Any) -> list[float]:
        if lora_scale is None:
            return [s for _, s in self.deployment]
        if not self.deployment:
            raise WorkerError(
                INVALID_INPUT, "lora_scale: the deployment has no adapters of its own"
            )
        if isinstance(lora_scale, list):
            if len(lora_scale) != len(self.deployment):
                raise WorkerError(
                    INVALID_INPUT,
                    f"lora_scale: needs one scale per deployment adapter ({len(self.deployment)})",
                )
            return [float(s) for s in lora_scale]
        return [float(lora_scale)] * len(self.deployment)

    def begin_job(self, raw: dict[str, Any]) -> list[UsedAdapter]:
        """Fetch and load the job's adapters, activate them with the deployment's; what the job used."""
        scales = self._deployment_scales(raw.get("lora_scale"))
        used = [
            UsedAdapter(n, "deployment", s, True, 0.0)
            for (n, _), s in zip(self.deployment, scales, strict=True)
        ]
        if raw.get("loras") and self.family not in LORA_FAMILIES:
            raise WorkerError(
                LORA_BASE_MISMATCH, f"LoRA adapters are not available for {self.family} models"
            )
        base = set(self.cache.pinned)
        try:
            self._fetch_and_load(raw.get("loras") or [], used)
        finally:
            self.cache.pinned = base
        self._activate([(u.name, u.scale) for u in used])
        return used

    def _fetch_and_load(self, items: list[dict[str, Any]], used: list[UsedAdapter]) -> None:
        for item in items:
            started = self.clock()
            src = AdapterSource(
                repo=item.get("hf_repo"),
                revision=item.get("revision"),
                file=item.get("weight_name"),
                url=item.get("url"),
            )
            got = fetch_adapter(src, self.cache, hub=self.hub, allow_private=self.allow_private)
            self.cache.pinned.add(got.sha256)  # the job's other downloads must not evict it
            name = request_name(got.sha256)
            if any(u.name == name for u in used):
                raise WorkerError(INVALID_INPUT, "loras: the same adapter is listed twice")
            if name not in self.loaded:
                self._load(name, got.sha256, src.label)
            self.loaded[name] = got.sha256
            self.loaded.move_to_end(name)
            scale = float(item.get("scale", 1))
            used.append(UsedAdapter(name, "request", scale, got.cache_hit, self.clock() - started))

    def end_job(self) -> None:
        """Back to the deployment's adapters; job adapters beyond ``keep_loaded`` (or, least
        recently used first, beyond KEEP_LOADED_BYTES of files) are deleted."""

        sizes = {
            n: int(self.cache.blobs.get(sha, {}).get("bytes", 0)) for n, sha in self.loaded.items()
        }
        kept = sum(sizes.values())
        while self.loaded and (
            len(self.loaded) > self.keep_loaded or kept > self.keep_loaded_bytes
        ):
            name, _ = self.loaded.popitem(last=False)
            kept -= sizes[name]
            self._delete(name)
        self._activate(list(self.deployment))

    def _evicted(self, sha: str) -> None:
        name = request_name(sha)
        if self.loaded.pop(name, None) is not None:
            self._delete(name)
