"""Video jobs without a model: the MP4 encoder (decoded back with PyAV), the handler's video output
(base64, s3, the result limit) and the rules a text-to-video job must follow."""

import base64

import numpy as np
import pytest
from PIL import Image

from conftest import mp4_facts
from visgate_worker.handler import make_handler
from visgate_worker.job_input import Defaults, parse_job_input
from visgate_worker.main import warmup_input
from visgate_worker.pipelines import GeneratedVideo
from visgate_worker.video_encode import encode_mp4

DEFAULTS = Defaults(steps=4, guidance=5.0, resolution=832)


def frames(count, height, width):
    ramp = np.linspace(0.0, 1.0, count)[:, None, None, None]
    return np.broadcast_to(ramp, (count, height, width, 3)).copy()


def test_encodes_h264_yuv420p_with_the_index_first_and_every_frame():
    data = encode_mp4(frames(9, 48, 64), fps=8)
    assert mp4_facts(data) == {
        "codec": "h264",
        "pix_fmt": "yuv420p",
        "size": (64, 48),
        "fps": 8,
        "frames": 9,
    }
    assert 0 <= data.find(b"moov") < data.find(b"mdat")  # +faststart: playable while downloading


def test_crops_odd_sides_to_even_and_takes_pil_frames():
    pil = [Image.new("RGB", (65, 33), (i * 20, 0, 0)) for i in range(5)]
    assert mp4_facts(encode_mp4(pil, fps=16))["size"] == (64, 32)


class FakeVideo:
    def __init__(self):
        self.requests = []

    def generate(self, req):
        self.requests.append(req)
        return GeneratedVideo(frames(req.num_frames, req.height, req.width))


def video_handler(family="wan", **kw):
    gen = FakeVideo()
    return make_handler(gen, family=family, defaults=DEFAULTS, video=True, **kw), gen


def test_returns_the_video_object_of_the_contract_in_base64():
    handle, _ = video_handler()
    job = {"prompt": "a cat", "num_frames": 9, "fps": 12, "width": 96, "height": 64, "seed": 7}
    out = handle({"id": "v", "input": job})
    video = out["video"]
    assert {k: v for k, v in video.items() if k != "base64"} == {
        "content_type": "video/mp4",
        "width": 96,
        "height": 64,
        "frames": 9,
        "fps": 12,
        "duration_s": 0.75,
        "seed": 7,
    }
    assert mp4_facts(base64.b64decode(video["base64"]))["frames"] == 9
    assert set(out) == {"video", "timings"}


def test_a_bare_prompt_gets_the_familys_video_defaults():
    req = parse_job_input({"prompt": "a"}, family="cogvideox", defaults=DEFAULTS)
    assert (req.kind, req.width, req.height, req.num_frames, req.fps, req.output_format) == (
        "text-to-video",
        720,
        480,
        49,
        8,
        "mp4",
    )


def test_uploads_the_mp4_to_the_first_put_url():
    puts = []
    handle, _ = video_handler(put=lambda url, body, ctype: puts.append((url, body, ctype)))
    output = {"type": "s3", "put_urls": ["https://b.example/v.mp4?X-Amz-Signature=s"]}
    job = {"prompt": "a", "num_frames": 5, "width": 64, "height": 64, "output": output}
    out = handle({"id": "v", "input": job})
    [(url, body, ctype)] = puts
    assert (url, ctype) == (output["put_urls"][0], "video/mp4")
    assert out["video"]["url"] == "https://b.example/v.mp4" and "base64" not in out["video"]
    assert mp4_facts(body)["frames"] == 5


def test_refuses_base64_above_the_result_limit_and_points_to_s3():
    handle, _ = video_handler(max_base64_bytes=100)
    out = handle({"id": "v", "input": {"prompt": "a", "num_frames": 5, "width": 64, "height": 64}})
    assert out["error"]["code"] == "output_too_large"
    assert "output.type 's3'" in out["error"]["message"]


@pytest.mark.parametrize(
    ("family", "frames_asked", "nearest"),
    [
        ("wan", 34, "33 or 37"),
        ("wan", 80, "77 or 81"),
        ("cogvideox", 42, "41 or 49"),
        ("cogvideox", 2, "1 or 9"),
    ],
)
def test_refuses_a_frame_count_off_the_familys_rule_naming_the_nearest(
    family, frames_asked, nearest
):
    handle, gen = video_handler(family)
    job = {"prompt": "a", "num_frames": frames_asked, "width": 64, "height": 64}
    out = handle({"id": "v", "input": job})
    assert out["error"]["code"] == "invalid_input" and gen.requests == []
    assert out["error"]["message"].endswith(f"nearest: {nearest}")


@pytest.mark.parametrize(
    ("family", "frames_asked", "longest"), [("wan", 85, 81), ("cogvideox", 57, 49)]
)
def test_refuses_a_clip_longer_than_the_family_was_trained_on(family, frames_asked, longest):
    handle, gen = video_handler(family)
    job = {"prompt": "a", "num_frames": frames_asked, "width": 64, "height": 64}
    out = handle({"id": "v", "input": job})
    assert out["error"]["code"] == "invalid_input" and gen.requests == []
    assert out["error"]["message"].startswith(f"num_frames: must be at most {longest}")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"image": "aGVsbG8gd29ybGQgaGVsbG8="}, "image: not taken by a text-to-video deployment"),
        ({"num_images": 2}, "num_images: must be 1 for video (one MP4 per job)"),
        ({"output_format": "png"}, "output_format: must be mp4 for video"),
        ({"loras": [{"hf_repo": "a/b"}]}, "loras: LoRA adapters are not available for wan models"),
    ],
)
def test_a_video_deployment_refuses_what_only_images_take(extra, message):
    handle, _ = video_handler()
    out = handle({"id": "v", "input": {"prompt": "a", **extra}})
    assert out["error"] == {"code": "invalid_input", "message": message}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"num_frames": 9}, "num_frames: only for text-to-video deployments"),
        ({"fps": 8}, "fps: only for text-to-video deployments"),
        ({"output_format": "mp4"}, "output_format: mp4 is for video; use png, jpeg or webp"),
        (
            {"image": "aGVsbG8gd29ybGQgaGVsbG8=", "num_inference_steps": 1, "strength": 0.5},
            "strength: num_inference_steps × strength must be at least 1",
        ),
    ],
)
def test_an_image_deployment_refuses_video_fields(extra, message):
    with pytest.raises(Exception, match=message.replace("×", ".")):
        parse_job_input({"prompt": "a", **extra}, family="sd1", defaults=DEFAULTS)


@pytest.mark.parametrize(
    ("task", "family", "keys", "frames"),
    [
        ("text-to-image", "sd1", set(), None),
        ("image-to-image", "sdxl", {"image", "strength"}, None),
        ("inpainting", "flux", {"image", "mask", "strength"}, None),
        ("text-to-video", "wan", {"num_frames"}, 5),
        ("text-to-video", "cogvideox", {"num_frames"}, 9),
    ],
)
def test_the_warm_up_runs_the_deployments_own_task_tiny(task, family, keys, frames):
    job = warmup_input(task, family)
    assert set(job) - {"prompt", "num_inference_steps", "width", "height"} == keys
    assert (job["num_inference_steps"], job["width"], job["height"]) == (1, 64, 64)
    assert job.get("num_frames") == frames
    parse_job_input(job, family=family, defaults=DEFAULTS, video=task == "text-to-video")


@pytest.mark.parametrize(("strength", "steps"), [(None, 2), (0.5, 2), (0.3, 4), (1.0, 1)])
def test_a_one_step_model_edits_with_the_fewest_steps_that_run_one(strength, steps):
    """sd-turbo's default is 1 step: at strength 0.8 diffusers would run int(0.8) = 0 steps."""
    turbo = Defaults(steps=1, guidance=0.0, resolution=512)
    raw = {"prompt": "a", "image": "aGVsbG8gd29ybGQgaGVsbG8="}
    if strength is not None:
        raw["strength"] = strength
    req = parse_job_input(raw, family="sd2", defaults=turbo)
    assert req.num_inference_steps == steps
    assert int(req.num_inference_steps * req.strength) >= 1
