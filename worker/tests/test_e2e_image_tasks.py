"""Image-to-image and inpainting on CPU: tiny pipelines booted with the deployment's task (its warm-up
runs that task), then both image job kinds on the same warm worker, made from the loaded model
without loading anything again."""

import base64
import io
import json

import pytest

pytest.importorskip("diffusers")
from PIL import Image, ImageDraw

from test_e2e_cpu import boot_and_capture, env_for

pytestmark = pytest.mark.e2e


def b64_png(image):
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


INIT = Image.new("RGB", (96, 64), (30, 90, 200))
MASK = Image.new("L", (96, 64), 0)
ImageDraw.Draw(MASK).rectangle((24, 16, 72, 48), fill=255)  # repaint the middle, keep the rest


@pytest.mark.parametrize(
    ("family", "task"),
    [("sd1", "image-to-image"), ("sdxl", "inpainting"), ("flux", "image-to-image")],
)
def test_serves_image_to_image_and_inpainting_from_the_loaded_model(
    family, task, tiny_model_dirs, event_sink, tmp_path, monkeypatch
):
    env = env_for(event_sink, tmp_path, [{"type": "local", "path": str(tiny_model_dirs[family])}])
    env["VISGATE_TASK"] = task
    booted = boot_and_capture(env, event_sink)["booted"]
    loaded = booted.loaded
    assert list(loaded.variants) == [task]  # the warm-up ran the deployment's own task

    import diffusers

    def no_reload(*args, **kwargs):
        raise AssertionError("a job loaded weights again")

    for cls in (diffusers.DiffusionPipeline, diffusers.AutoPipelineForImage2Image):
        monkeypatch.setattr(cls, "from_pretrained", no_reload)
    base = {"prompt": "a cat", "num_inference_steps": 2, "seed": 1, "image": b64_png(INIT)}
    jobs = {
        "image-to-image": {**base, "strength": 0.5},
        "inpainting": {**base, "mask": b64_png(MASK)},
    }
    for kind, job in jobs.items():
        out = booted.handler({"id": kind, "input": job})
        [img] = out["images"]
        assert (img["width"], img["height"], img["seed"]) == (96, 64, 1), kind
        decoded = Image.open(io.BytesIO(base64.b64decode(img["base64"])))
        assert decoded.size == (96, 64)
    # A size the job asks for wins over the picture's, also where diffusers' pipeline takes no
    # width/height (SD, SDXL) and would run at the upload's own size.
    for kind, job in jobs.items():
        out = booted.handler({"id": f"{kind}-64", "input": {**job, "width": 64, "height": 64}})
        [img] = out["images"]
        decoded = Image.open(io.BytesIO(base64.b64decode(img["base64"])))
        assert (img["width"], img["height"], decoded.size) == (64, 64, (64, 64)), kind
    made = {kind: loaded.variants[kind][0] for kind in jobs}
    assert type(made["image-to-image"]).__name__.endswith("Img2ImgPipeline")
    assert type(made["inpainting"]).__name__.endswith("InpaintPipeline")
    denoiser = "unet" if hasattr(loaded.pipe, "unet") else "transformer"
    for pipe in made.values():  # the same modules: no second copy of the weights
        assert getattr(pipe, denoiser) is getattr(loaded.pipe, denoiser)
        assert pipe.vae is loaded.pipe.vae
    # Reused, not rebuilt, by the next job of the same kind.
    booted.handler({"id": "again", "input": jobs["inpainting"]})
    assert loaded.variants["inpainting"][0] is made["inpainting"]


def test_refuses_an_image_task_on_a_family_without_it(tiny_model_dirs, event_sink, tmp_path):
    from visgate_worker.main import run

    env = env_for(event_sink, tmp_path, [{"type": "local", "path": str(tiny_model_dirs["pixart"])}])
    env["VISGATE_TASK"] = "inpainting"
    assert run(env, start=lambda booted: pytest.fail("must not start")) == 1
    failed = event_sink.events[-1]
    assert failed["type"] == "failed" and failed["error"]["code"] == "config_invalid"
    assert json.dumps(failed).count("pixart") == 1
