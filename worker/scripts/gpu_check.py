"""GPU check, run by scripts/gpu-check.sh on a machine with CUDA and no network (see its header).

For each pipeline class the control plane accepts (shared/test-vectors/supported-pipelines.json) it
builds the tiny random pipeline of the CPU tests and boots the worker as RunPod would (sources →
fitness check → load → warm-up → ready) three times, once per memory plan the worker can choose: all
in VRAM, VAE tiling + slicing, and model CPU offload. The plan is reached the way production reaches
it, from VISGATE_VRAM_ESTIMATE_BYTES / VISGATE_MODEL_BYTES against the free VRAM. Then it runs one
job through the handler (timed: first image s) and the same job with float output to look for NaN.
With --model-dir, one real local diffusers model is checked the same way at 1024².

Prints one table row per boot (family, plan, dtype, load s, first image s, peak VRAM, result) and
exits 1 when any boot fails, any job fails, or any image is all black or has NaN.

    python3 scripts/gpu_check.py                       # on CUDA
    python3 scripts/gpu_check.py --cpu --only FluxPipeline   # dry run of this script on CPU
    python3 scripts/gpu_check.py requirements          # the pins gpu-check.sh prepare downloads
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORKER = Path(__file__).resolve().parents[1]
VECTORS = WORKER.parent / "shared" / "test-vectors"
sys.path[:0] = [str(WORKER / "src"), str(WORKER / "tests")]

# Memory plans to exercise: name → what plan_memory must answer (offload, VAE tiling).
MODES: dict[str, tuple[str, bool]] = {
    "vram": ("none", False),
    "vae-tiling": ("none", True),
    "model-offload": ("model", True),
}


def forcing_numbers(mode: str, free_bytes: int) -> tuple[int, int]:
    """(VRAM estimate, weights bytes) that make plan_memory choose ``mode`` at ``free_bytes`` free.

    vram: the estimate fits. vae-tiling: the weights fit but not the activations (tiling keeps 35 % of
    them). model-offload: the weights do not fit, their largest half does.
    """
    if mode == "vram":
        return 0, 0  # no estimate: load as is, all on the GPU
    if mode == "vae-tiling":
        return int(free_bytes * 1.2), int(free_bytes * 0.5)
    if mode == "model-offload":
        return int(free_bytes * 2.0), int(free_bytes * 1.2)
    raise ValueError(mode)


def image_problem(pixels: Any) -> str | None:
    """ "NaN" when any value is not finite, "black" when every value is 0 (the VAE's fp16 overflow or a
    safety-checker blank), else None. ``pixels``: the pipeline's float output in [0, 1]."""
    import numpy as np

    arr = np.asarray(pixels, dtype=np.float32)
    if not np.isfinite(arr).all():
        return "NaN"
    if float(arr.max(initial=0.0)) <= 0.5 / 255:
        return "black"
    return None


def gpu_requirements(worker: Path = WORKER) -> list[str]:
    """What the offline GPU run installs: the image's torch (Dockerfile TORCH_VERSION), the runtime
    pins (pyproject.toml) and pytest (its dev pin). Nothing for linting or the S3 tests."""
    docker = (worker / "Dockerfile").read_text("utf-8")
    torch = re.search(r"^ARG TORCH_VERSION=(\S+)$", docker, flags=re.MULTILINE)
    if torch is None:
        raise SystemExit("Dockerfile has no ARG TORCH_VERSION")
    project = tomllib.loads((worker / "pyproject.toml").read_text("utf-8"))["project"]
    pytest_pin = [d for d in project["optional-dependencies"]["dev"] if d.startswith("pytest==")]
    return [f"torch=={torch[1]}", *project["dependencies"], *pytest_pin]


@dataclass
class Row:
    name: str
    mode: str
    dtype: str = "-"
    load_s: float | None = None
    first_image_s: float | None = None
    peak_vram: str = "-"
    result: str = "ok"

    @property
    def ok(self) -> bool:
        return self.result == "ok"


def format_table(rows: list[Row]) -> str:
    head = ("family", "plan", "dtype", "load s", "first image s", "peak VRAM", "result")
    body = [
        (
            r.name,
            r.mode,
            r.dtype,
            "-" if r.load_s is None else f"{r.load_s:.2f}",
            "-" if r.first_image_s is None else f"{r.first_image_s:.2f}",
            r.peak_vram,
            r.result,
        )
        for r in rows
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), rule, *(line(b) for b in body)])


def check_one(
    name: str,
    model_id: str,
    model_dir: Path,
    mode: str,
    *,
    device: str,
    size: int,
    steps: int,
    work: Path,
) -> Row:
    import torch

    from visgate_worker.main import run

    row = Row(name, mode)
    env = {
        "VISGATE_MODEL_ID": model_id,
        "VISGATE_MODEL_SOURCES": json.dumps([{"type": "local", "path": str(model_dir)}]),
        "VISGATE_DEVICE": device,
        "VISGATE_MODELS_DIR": str(work / "models"),
        "VISGATE_RUNPOD_CACHE_DIR": str(work / "no-runpod-cache"),
    }
    from visgate_worker.pipelines import VIDEO_CLASSES

    index = json.loads((model_dir / "model_index.json").read_text("utf-8"))
    video = index.get("_class_name") in VIDEO_CLASSES
    if video:
        env["VISGATE_TASK"] = "text-to-video"
    cuda = device == "cuda"
    if cuda:
        gc.collect()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        estimate, weights = forcing_numbers(mode, torch.cuda.mem_get_info()[0])
        if estimate:
            env["VISGATE_VRAM_ESTIMATE_BYTES"] = str(estimate)
            env["VISGATE_MODEL_BYTES"] = str(weights)
    booted: dict[str, Any] = {}
    if run(env, start=lambda b: booted.update(b=b)) != 0:
        row.result = "BOOT FAILED"
        return row
    b = booted["b"]
    row.dtype = b.plan.dtype
    row.load_s = b.timings["load_s"]
    want = MODES[mode]
    if cuda and (b.plan.offload, b.plan.vae_tiling) != want:
        row.result = f"PLAN {b.plan.offload}/tiling={b.plan.vae_tiling}, wanted {want}"
        return row
    job = {
        "prompt": "a red fox in the snow",
        "num_inference_steps": steps,
        "width": size,
        "height": size,
        "seed": 1,
    }
    if video:
        from visgate_worker.job_input import frame_step

        job["num_frames"] = 1 + 2 * (frame_step(b.family) or 4)  # 9 (Wan) or 17 (CogVideoX)
    started = time.monotonic()
    out = b.handler({"id": "first", "input": job})
    row.first_image_s = time.monotonic() - started
    if "error" in out:
        row.result = f"JOB FAILED {out['error']['code']}"
        return row
    from visgate_worker.job_input import parse_job_input
    from visgate_worker.memory_plan import inference_defaults

    req = parse_job_input(job, family=b.family, defaults=inference_defaults(b.family, model_id))
    generated = b.loaded.generate(req, output_type="np")
    raw = generated.frames if video else generated.images  # video frames are floats already
    problem = image_problem(raw)
    if problem:
        row.result = f"{problem.upper()} IMAGE"
    if cuda:
        row.peak_vram = f"{torch.cuda.max_memory_allocated() / 2**20:.0f} MiB"
    else:
        row.peak_vram = "n/a (CPU)"
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("command", nargs="?", choices=["check", "requirements"], default="check")
    parser.add_argument("--model-dir", help="also check this local diffusers model at 1024²")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--only", action="append", help="only this pipeline class (repeatable)")
    parser.add_argument("--cpu", action="store_true", help="dry-run this script on CPU (one plan)")
    args = parser.parse_args(argv)
    if args.command == "requirements":
        print("\n".join(gpu_requirements()))
        return 0

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import torch
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    from tiny_models import PIPELINES
    from visgate_worker.main import setup_logging

    setup_logging()
    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()
    cuda = torch.cuda.is_available()
    if not cuda and not args.cpu:
        print("CUDA is not available: nothing to check (--cpu dry-runs the script)")
        return 1
    device = "cuda" if cuda else "cpu"
    print(f"torch {torch.__version__} (CUDA {torch.version.cuda}), python {sys.version.split()[0]}")
    if cuda:
        free, total = torch.cuda.mem_get_info()
        print(
            f"device: {torch.cuda.get_device_name()}, VRAM free/total {free / 2**30:.1f}/{total / 2**30:.1f} GiB"
        )
    accepted = json.loads((VECTORS / "supported-pipelines.json").read_text("utf-8"))
    classes = [c for c in accepted["pipeline_classes"] if not args.only or c in args.only]
    modes = list(MODES) if cuda else ["vram"]
    work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    rows: list[Row] = []
    started = time.monotonic()
    for cls in classes:
        if cls not in PIPELINES:
            rows.append(Row(cls, "-", result="NO TINY PIPELINE"))
            continue
        family, build = PIPELINES[cls]
        model = build(work / family)
        for mode in modes:
            rows.append(
                check_one(
                    family,
                    "test/tiny",
                    model,
                    mode,
                    device=device,
                    size=128,
                    steps=args.steps,
                    work=work,
                )
            )
    if args.model_dir:
        for mode in modes:
            rows.append(
                check_one(
                    Path(args.model_dir).name,
                    args.model_dir,
                    Path(args.model_dir),
                    mode,
                    device=device,
                    size=1024,
                    steps=args.steps,
                    work=work,
                )
            )
    print(format_table(rows))
    failed = [r for r in rows if not r.ok]
    print(f"{len(rows) - len(failed)}/{len(rows)} ok in {time.monotonic() - started:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
