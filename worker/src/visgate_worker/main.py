"""Wiring: settings → model sources → load (+ fitness check, warm-up) → events → runpod start.

The model is in memory before ``runpod.serverless.start``, so RunPod's "idle" means "ready to infer".
Run as ``python -m visgate_worker.main``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import CONFIG_INVALID, FITNESS_FAILED, WorkerError, classify
from .handler import make_handler
from .job_input import IMAGE_EDIT_FAMILIES, VIDEO_FAMILIES, frame_step
from .lora_jobs import boot_adapters
from .memory_plan import MemoryPlan, compute_dtype, family_of, inference_defaults, plan_memory
from .model_source import Fetchers, UrllibFetchers, candidates, resolve, variant_for_dtype
from .progress import DownloadProgress, EventReporter

log = logging.getLogger("visgate_worker")

WARMUP = {"prompt": "warm-up", "num_inference_steps": 1, "width": 64, "height": 64}


def _gray_png(mode: str, value: int) -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, (64, 64), value).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def warmup_input(task: str, family: str) -> dict[str, Any]:
    """The job the worker runs before it reports ready, through the handler (parse, decode, generate,
    encode): the deployment's own task, tiny; for video a few frames (the first valid count above 1)
    encoded to MP4, so a broken codec fails the boot instead of the first job."""
    job: dict[str, Any] = dict(WARMUP)
    if task == "text-to-video":
        job["num_frames"] = 1 + (frame_step(family) or 4)
    elif task in ("image-to-image", "inpainting"):
        job["image"] = _gray_png("RGB", 128)
        job["strength"] = 1.0  # with one step, anything less runs no step at all
        if task == "inpainting":
            job["mask"] = _gray_png("L", 255)
    return job


def check_task(task: str, family: str) -> None:
    """The deployment's task against the model's family (the control plane refuses these first)."""
    video = family in VIDEO_FAMILIES
    if (task == "text-to-video") != video:
        raise WorkerError(
            CONFIG_INVALID,
            f"VISGATE_TASK {task} is not served by a {family} model "
            f"({'text-to-video' if video else 'text-to-image, image-to-image, inpainting'})",
        )
    if task in ("image-to-image", "inpainting") and family not in IMAGE_EDIT_FAMILIES:
        raise WorkerError(CONFIG_INVALID, f"VISGATE_TASK {task} is not served by a {family} model")


class _JobIdDefault(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "job_id"):
            record.job_id = "-"
        return True


def setup_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_JobIdDefault())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s job=%(job_id)s %(name)s: %(message)s")
    )
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


@dataclass
class Booted:
    handler: Callable[[dict[str, Any]], dict[str, Any]]
    fitness: Callable[[], None]
    family: str
    plan: MemoryPlan
    timings: dict[str, float]
    loaded: Any = None  # the LoadedPipeline (scripts/gpu_check.py reads its raw output)


def fitness_check(settings: Settings, plan: MemoryPlan, model_dir: Path) -> Callable[[], None]:
    """CUDA present (when asked for), the plan fits the free VRAM, the model files are present."""

    def check() -> None:
        from . import pipelines

        if settings.device == "cuda" and not pipelines.cuda_available():
            raise WorkerError(FITNESS_FAILED, "CUDA is not available on this worker")
        if not plan.fits:
            raise WorkerError(FITNESS_FAILED, f"not enough free VRAM: {plan.reason}")
        if not (model_dir / "model_index.json").is_file():
            raise WorkerError(FITNESS_FAILED, "the model files are gone")

    return check


def boot(
    settings: Settings,
    reporter: EventReporter,
    *,
    fetchers: Fetchers | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Booted:
    """Fetch, load, check and warm up the model, reporting each phase; raises WorkerError on failure."""
    from . import pipelines

    cands = candidates(settings.sources, runpod_cache_root=settings.runpod_cache_dir)
    device = settings.device if settings.device == "cuda" else "cpu"
    hinted = family_of(settings.pipeline_class or None, settings.model_id)
    prefer_variant = variant_for_dtype(compute_dtype(hinted, device))
    reporter.send(
        "downloading",
        source=cands[0].type if cands else None,
        bytes_total=settings.model_bytes or None,
    )
    # One Hub/HTTP client for the model and the deployment's adapters.
    fetchers = fetchers or UrllibFetchers(prefer_variant=prefer_variant)
    resolved = resolve(
        cands,
        fetchers,
        dest_root=settings.models_dir,
        hf_token=settings.hf_token,
        concurrency=settings.download_concurrency,
        expected_bytes=settings.model_bytes,
        on_progress=DownloadProgress(reporter, clock=clock),
        clock=clock,
        manifest_token=settings.events_token,
        verify=settings.cache_verify,
    )
    index = pipelines.read_model_index(resolved.path)
    family = family_of(index.get("_class_name") or settings.pipeline_class, settings.model_id)
    check_task(settings.task, family)
    free = pipelines.cuda_free_bytes() if device == "cuda" else None
    plan = plan_memory(
        family=family,
        device=device,
        free_vram_bytes=free,
        estimate_bytes=settings.vram_estimate_bytes,
        weights_bytes=settings.model_bytes,
    )
    log.info("model from %s, family %s, plan %s", resolved.source, family, plan)
    reporter.send("loading", source=resolved.source)
    fitness = fitness_check(settings, plan, resolved.path)
    fitness()
    started = clock()
    loaded = pipelines.load_pipeline(resolved.path, plan)
    adapters = boot_adapters(  # the deployment's LoRAs, in before the warm-up and ready
        loaded.pipe,
        family,
        settings.lora,
        cache_dir=settings.models_dir / "loras",
        hub=fetchers,
        hf_token=settings.hf_token,
        allow_private=settings.allow_private_urls,  # VISGATE_ALLOW_PRIVATE_URLS, read once (config.py)
    )
    load_s = clock() - started
    defaults = inference_defaults(family, settings.model_id)
    reporter.send("warming_up", source=resolved.source)
    started = clock()
    handler = make_handler(
        loaded,
        family=family,
        defaults=defaults,
        video=settings.task == "text-to-video",
        allow_private=settings.allow_private_urls,
        adapters=adapters,
    )
    warm = handler({"id": "warm-up", "input": warmup_input(settings.task, family)})
    if "error" in warm:
        # Keep the job's code (out_of_memory says more than a generic failure).
        raise WorkerError(warm["error"]["code"], f"warm-up job: {warm['error']['message']}")
    warmup_s = clock() - started
    timings = {
        "fetch_s": round(resolved.fetch_s, 3),
        "load_s": round(load_s, 3),
        "warmup_s": round(warmup_s, 3),
    }
    reporter.send(
        "ready",
        source=resolved.source,
        timings=timings,
        peak_vram_bytes=pipelines.peak_vram_bytes(),
    )
    return Booted(handler, fitness, family, plan, timings, loaded)


def run(
    environ: Mapping[str, str],
    *,
    start: Callable[[Booted], None] | None = None,
    fetchers: Fetchers | None = None,
    reporter: EventReporter | None = None,
) -> int:
    """Boot, then hand over to RunPod (or ``start``). On a boot failure: report ``failed``, exit 1."""
    try:
        settings = Settings.from_env(environ)
    except WorkerError as err:
        log.error("bad configuration: %s", err.message)
        url = environ.get("VISGATE_EVENTS_URL", "")
        if reporter is None and url.startswith(("https://", "http://")):
            reporter = EventReporter(url, environ.get("VISGATE_EVENTS_TOKEN") or None)
        if reporter is not None:
            reporter.send("failed", error=err.to_dict())
        return 1
    reporter = reporter or EventReporter(
        settings.events_url, settings.events_token, worker_id=settings.worker_id
    )
    try:
        booted = boot(settings, reporter, fetchers=fetchers)
    except Exception as exc:
        err = classify(exc)
        log.error("boot failed: %s: %s", err.code, err.message)
        reporter.send("failed", error=err.to_dict())
        return 1
    (start or start_runpod)(booted)
    return 0


def start_runpod(booted: Booted) -> None:
    # The SDK logs each job's input and output at DEBUG (its default): prompts and signed URLs.
    os.environ.setdefault("RUNPOD_DEBUG_LEVEL", "INFO")
    import runpod

    register = getattr(runpod.serverless, "register_fitness_check", None)
    if register is not None:
        register(booted.fitness)
    runpod.serverless.start({"handler": booted.handler})


if __name__ == "__main__":
    setup_logging()
    sys.exit(run(os.environ))
