"""The only module that imports diffusers and torch (lazily): load a pipeline with a memory plan, run it."""

from __future__ import annotations

import inspect
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import MODEL_LOAD_FAILED, WorkerError
from .job_input import JobRequest
from .memory_plan import MemoryPlan
from .model_source import choose_variant, variant_for_dtype

log = logging.getLogger(__name__)


def read_model_index(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / "model_index.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise WorkerError(MODEL_LOAD_FAILED, "model_index.json is missing or not JSON") from None


def cuda_free_bytes() -> int | None:
    """Free VRAM on the current device, or None without CUDA."""
    import torch

    if not torch.cuda.is_available():
        return None
    free, _total = torch.cuda.mem_get_info()
    return int(free)


def cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def peak_vram_bytes() -> int | None:
    import torch

    return int(torch.cuda.max_memory_allocated()) if torch.cuda.is_available() else None


@dataclass(frozen=True)
class Generated:
    """One job's images and, per image, whether the model's safety checker flagged it (and blanked
    it): True/False when the pipeline ran a checker, None when it has none."""

    images: list[Any]
    nsfw_content_detected: list[bool | None]


def nsfw_flags(output: Any, count: int) -> list[bool | None]:
    """The per-image flags of a diffusers output (``StableDiffusionPipelineOutput`` and its kin carry
    ``nsfw_content_detected``: a list, or None when the pipeline has no safety checker)."""
    flags = getattr(output, "nsfw_content_detected", None)
    if not isinstance(flags, (list, tuple)) or len(flags) != count:
        return [None] * count
    return [bool(f) for f in flags]


# Pipeline classes that make videos; their jobs are text-to-video (shared/src/job/job-kind.ts).
VIDEO_CLASSES = ("WanPipeline", "CogVideoXPipeline")


@dataclass(frozen=True)
class GeneratedVideo:
    """One text-to-video job's frames: (F, H, W, 3) floats in [0, 1]."""

    frames: Any


@dataclass
class LoadedPipeline:
    pipe: Any
    class_name: str
    device: str
    accepts: frozenset[str]
    offload: str = "none"
    # Image-to-image and inpainting pipelines made from ``pipe`` on first use (shared weights).
    variants: dict[str, tuple[Any, frozenset[str]]] = field(default_factory=dict)

    def variant(self, kind: str) -> tuple[Any, frozenset[str]]:
        """The pipeline for ``kind`` and the arguments it takes: ``pipe`` itself for text-to-image and
        text-to-video; for image-to-image/inpainting one built by ``from_pipe`` once and kept (the same
        modules, no reload, no extra weights)."""
        if kind in ("text-to-image", "text-to-video"):
            return self.pipe, self.accepts
        if kind not in self.variants:
            from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting

            auto = AutoPipelineForInpainting if kind == "inpainting" else AutoPipelineForImage2Image
            # from_pipe casts to float32 unless told the dtype.
            made = auto.from_pipe(self.pipe, dtype=self.pipe.dtype)
            if hasattr(made, "set_progress_bar_config"):
                made.set_progress_bar_config(disable=True)
            # Offload hooks follow a pipeline's own module order; diffusers says to re-apply them.
            if self.offload == "model":
                made.enable_model_cpu_offload()
            elif self.offload == "sequential":
                made.enable_sequential_cpu_offload()
            params = frozenset(inspect.signature(made.__call__).parameters)
            self.variants[kind] = (made, params)
            log.info("built %s from the loaded %s", type(made).__name__, self.class_name)
        return self.variants[kind]

    def generate_video(self, req: JobRequest) -> GeneratedVideo:
        import torch

        gen_device = "cpu" if self.device != "cuda" else "cuda"
        kwargs: dict[str, Any] = {
            "prompt": req.prompt,
            "num_inference_steps": req.num_inference_steps,
            "guidance_scale": req.guidance_scale,
            "width": req.width,
            "height": req.height,
            "num_frames": req.num_frames,
            "num_videos_per_prompt": 1,
            "generator": torch.Generator(gen_device).manual_seed(req.seed),
            "output_type": "np",
        }
        if req.negative_prompt:
            kwargs["negative_prompt"] = req.negative_prompt
        kwargs = {k: v for k, v in kwargs.items() if k in self.accepts}
        with torch.inference_mode():
            out = self.pipe(**kwargs)
        return GeneratedVideo(out.frames[0])

    def generate(self, req: JobRequest, output_type: str = "pil") -> Any:
        """Run one job: PIL images, one per seed of ``req.image_seeds()``, with the checker's flags
        (a GeneratedVideo for text-to-video).

        ``output_type="np"`` gives the float pixels instead (scripts/gpu_check.py looks for NaN)."""
        import torch

        if req.kind == "text-to-video":
            return self.generate_video(req)
        pipe, accepts = self.variant(req.kind)
        gen_device = "cpu" if self.device != "cuda" else "cuda"
        generators = [torch.Generator(gen_device).manual_seed(s) for s in req.image_seeds()]
        kwargs: dict[str, Any] = {
            "prompt": req.prompt,
            "num_inference_steps": req.num_inference_steps,
            "guidance_scale": req.guidance_scale,
            "width": req.width,
            "height": req.height,
            "num_images_per_prompt": req.num_images,
            "generator": generators,
            "output_type": output_type,
        }
        if req.negative_prompt and "negative_prompt" in accepts:
            kwargs["negative_prompt"] = req.negative_prompt
        if req.kind in ("image-to-image", "inpainting"):
            kwargs["image"] = req.image
            kwargs["strength"] = req.strength
        if req.kind == "inpainting":
            kwargs["mask_image"] = req.mask
        # PixArt would snap the size to its aspect-ratio bins and resize back; the job's size is
        # already checked against the family's alignment, so generate exactly what was asked for.
        kwargs["use_resolution_binning"] = False
        kwargs["clean_caption"] = (
            False  # PixArt's caption cleaning needs bs4 and ftfy; not worth it
        )
        kwargs = {k: v for k, v in kwargs.items() if k in accepts}
        with torch.inference_mode():
            out = pipe(**kwargs)
        images = list(out.images)
        return Generated(images, nsfw_flags(out, len(images)))


def load_pipeline(path: Path, plan: MemoryPlan) -> LoadedPipeline:
    """The text-to-image (or text-to-video) pipeline named by model_index.json, placed per ``plan``.

    AutoPipelineForText2Image maps the saved class to its text-to-image pipeline (SD 1.x/2.x, SDXL and
    turbo, SD3, FLUX, PixArt, Kandinsky, …); a video class, or a class it does not know, loads as
    DiffusionPipeline.
    """
    import torch
    from diffusers import AutoPipelineForText2Image, DiffusionPipeline

    index = read_model_index(path)
    dtype = getattr(torch, plan.dtype)
    files = [p.relative_to(path).as_posix() for p in path.glob("*/*.safetensors")]
    variant = choose_variant(files, variant_for_dtype(plan.dtype))
    opts: dict[str, Any] = {"dtype": dtype, "local_files_only": True, "use_safetensors": True}
    if variant:
        opts["variant"] = variant
    if index.get("_class_name") == "WanPipeline" and dtype != torch.float32:
        # Wan's VAE is meant to run in float32 (its model card and diffusers' examples); it is small.
        opts["dtype"] = {"default": dtype, "vae": torch.float32}
    started = time.monotonic()
    try:
        try:
            if index.get("_class_name") in VIDEO_CLASSES:
                pipe = DiffusionPipeline.from_pretrained(str(path), **opts)
            else:
                pipe = AutoPipelineForText2Image.from_pretrained(str(path), **opts)
        except ValueError as exc:  # "AutoPipeline can't find a pipeline linked to ..."
            log.info(
                "AutoPipeline does not map %s (%s); using DiffusionPipeline",
                index.get("_class_name"),
                exc,
            )
            pipe = DiffusionPipeline.from_pretrained(str(path), **opts)
    except WorkerError:
        raise
    except Exception as exc:
        log.exception("loading the pipeline failed")
        raise WorkerError(
            MODEL_LOAD_FAILED, f"loading the pipeline failed ({type(exc).__name__})"
        ) from exc
    if hasattr(pipe, "set_progress_bar_config"):
        pipe.set_progress_bar_config(disable=True)
    if plan.offload == "model":
        pipe.enable_model_cpu_offload()
    elif plan.offload == "sequential":
        pipe.enable_sequential_cpu_offload()
    else:
        pipe.to(plan.device)
    vae = getattr(pipe, "vae", None)
    if vae is not None and plan.vae_tiling and hasattr(vae, "enable_tiling"):
        vae.enable_tiling()
    if vae is not None and plan.vae_slicing and hasattr(vae, "enable_slicing"):
        vae.enable_slicing()
    accepts = frozenset(inspect.signature(pipe.__call__).parameters)
    log.info(
        "loaded %s in %.1fs (%s, offload=%s)",
        type(pipe).__name__,
        time.monotonic() - started,
        plan.dtype,
        plan.offload,
    )
    return LoadedPipeline(pipe, type(pipe).__name__, plan.device, accepts, plan.offload)
