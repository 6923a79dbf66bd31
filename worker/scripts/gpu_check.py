"""GPU check, run in one go on a machine with CUDA (not part of the CPU test run):

    python3 -m pip install -r worker/requirements-ci.txt   # or inside the worker image
    python3 worker/scripts/gpu_check.py [--model-dir DIR | --hf-repo ORG/NAME --revision SHA]

For each tiny random pipeline (the CPU e2e tests' builders) and, if given, one real model, it boots the
worker as RunPod would (sources → fitness check → load → warm-up → ready, events to a local sink), runs
the control plane's probe job and a 1024² job (real model only), and prints load time, time per step
and peak VRAM. Exit code 1 when any check fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]


def main() -> int:
    import torch

    from visgate_worker.main import run

    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", help="a local diffusers model directory")
    parser.add_argument("--hf-repo", help="a Hub repo id (needs network; HF_TOKEN for gated ones)")
    parser.add_argument("--revision", default="main")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--cpu", action="store_true", help="dry-run the script itself on CPU")
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    if not cuda and not args.cpu:
        print("CUDA is not available: nothing to check")
        return 1
    device = "cuda" if cuda else "cpu"
    if cuda:
        free, total = torch.cuda.mem_get_info()
        print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
        print(f"VRAM free/total: {free / 2**30:.1f}/{total / 2**30:.1f} GiB")

    from tiny_models import BUILDERS

    work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    targets: list[tuple[str, str, list[dict]]] = []
    for family, build in BUILDERS.items():
        targets.append(
            (f"tiny-{family}", "test/tiny", [{"type": "local", "path": str(build(work / family))}])
        )
    if args.model_dir:
        targets.append(("model-dir", args.model_dir, [{"type": "local", "path": args.model_dir}]))
    if args.hf_repo:
        targets.append(
            (
                args.hf_repo,
                args.hf_repo,
                [{"type": "huggingface", "repo": args.hf_repo, "revision": args.revision}],
            )
        )

    rows, failures = [], 0
    for name, model_id, sources in targets:
        if cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        env = {
            "VISGATE_MODEL_ID": model_id,
            "VISGATE_MODEL_SOURCES": json.dumps(sources),
            "VISGATE_DEVICE": device,
            "VISGATE_MODELS_DIR": str(work / "models"),
        }
        booted = {}
        started = time.monotonic()
        code = run(env, start=lambda b, booted=booted: booted.update(b=b))
        if code != 0:
            rows.append((name, "BOOT FAILED", "", "", ""))
            failures += 1
            continue
        b = booted["b"]
        probe = b.handler(
            {
                "id": "probe",
                "input": {"prompt": "probe", "num_inference_steps": 1, "width": 64, "height": 64},
            }
        )
        size = 1024 if name in ("model-dir", args.hf_repo) else 128
        t0 = time.monotonic()
        out = b.handler(
            {
                "id": "job",
                "input": {
                    "prompt": "a red fox in the snow",
                    "num_inference_steps": args.steps,
                    "width": size,
                    "height": size,
                },
            }
        )
        step_s = (time.monotonic() - t0) / args.steps
        ok = "error" not in probe and "error" not in out
        failures += 0 if ok else 1
        rows.append(
            (
                name,
                "ok" if ok else f"FAILED {probe.get('error') or out.get('error')}",
                f"boot {time.monotonic() - started - step_s * args.steps:.1f}s load {b.timings['load_s']:.2f}s warm {b.timings['warmup_s']:.2f}s",
                f"{step_s * 1000:.1f} ms/step @{size}²",
                f"{torch.cuda.max_memory_allocated() / 2**20:.0f} MiB peak"
                if cuda
                else "no VRAM (CPU)",
            )
        )
    for row in rows:
        print(" | ".join(row))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
