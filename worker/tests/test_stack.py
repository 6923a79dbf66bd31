"""One torch, one CUDA, one Python: the image (Dockerfile), the package (pyproject.toml) and what CI
installs to test it (requirements-ci.txt) name the same stack, and these tests run on it."""

from __future__ import annotations

import platform
import re
import sys
import tomllib
from pathlib import Path

import pytest

WORKER = Path(__file__).resolve().parents[1]


def dockerfile_args() -> dict[str, str]:
    text = (WORKER / "Dockerfile").read_text("utf-8")
    return dict(re.findall(r"^ARG (\w+)=(\S+)$", text, flags=re.MULTILINE))


def pins(lines: list[str]) -> dict[str, str]:
    """``name==version`` requirements by normalised name (extras kept out of the name)."""
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?==(\S+)", line)
        assert m, f"not an exact pin: {line!r}"
        found[m[1].lower().replace("_", "-")] = (m[2] or "") + "==" + m[3]
    return found


@pytest.fixture(scope="module")
def stack() -> dict[str, str]:
    args = dockerfile_args()
    return {k: args[k] for k in ("TORCH_VERSION", "CUDA_VERSION", "PYTHON_VERSION")}


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((WORKER / "pyproject.toml").read_text("utf-8"))


@pytest.fixture(scope="module")
def ci_pins() -> dict[str, str]:
    return pins((WORKER / "requirements-ci.txt").read_text("utf-8").splitlines())


def test_the_image_is_the_official_pytorch_build_of_that_torch_and_cuda(stack):
    base = dockerfile_args()["BASE_IMAGE"]
    assert base == "pytorch/pytorch:${TORCH_VERSION}-cuda${CUDA_VERSION}-cudnn9-runtime"
    assert re.fullmatch(r"\d+\.\d+\.\d+", stack["TORCH_VERSION"])
    assert re.fullmatch(r"\d+\.\d+", stack["CUDA_VERSION"])


def test_ci_installs_the_images_torch(stack, ci_pins):
    assert ci_pins["torch"] == "==" + stack["TORCH_VERSION"]


def test_ci_installs_exactly_the_packages_pinned_for_the_image(pyproject, ci_pins):
    project = pyproject["project"]
    declared = pins(project["dependencies"] + project["optional-dependencies"]["dev"])
    assert "torch" not in declared  # the image's own build, never reinstalled by pip
    assert {k: v for k, v in ci_pins.items() if k != "torch"} == declared


def test_the_package_and_its_linter_target_the_images_python(stack, pyproject):
    major, minor = stack["PYTHON_VERSION"].split(".")
    assert pyproject["project"]["requires-python"] == f">={major}.{minor}"
    assert pyproject["tool"]["ruff"]["target-version"] == f"py{major}{minor}"


def test_these_tests_run_on_the_images_python(stack):
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == stack["PYTHON_VERSION"]


def test_these_tests_run_on_the_images_torch_and_cuda(stack):
    torch = pytest.importorskip("torch")
    assert torch.__version__.split("+")[0] == stack["TORCH_VERSION"]
    # PyPI's Linux x86_64 wheel is the CUDA build, the same CUDA as the image's.
    if sys.platform == "linux" and platform.machine() == "x86_64":
        assert torch.version.cuda == stack["CUDA_VERSION"]
