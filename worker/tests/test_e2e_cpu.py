"""Real pipelines on CPU: tiny random-weight models saved to disk, loaded through our loader and sources,
run through the handler; the worker reports its phases to a local workerEvents before RunPod starts."""

import base64
import hashlib
import io
import json

import pytest

pytest.importorskip("diffusers")
from PIL import Image

from conftest import load_vectors_file, mp4_facts
from tiny_models import PIPELINES
from visgate_worker.job_input import VIDEO_FAMILIES, frame_step
from visgate_worker.main import run

pytestmark = pytest.mark.e2e
PROBE = {"prompt": "visgate health probe", "num_inference_steps": 1, "width": 64, "height": 64}


def env_for(sink, tmp_path, sources):
    return {
        "VISGATE_DEPLOYMENT_ID": "dep_test",
        "VISGATE_MODEL_ID": "test/tiny",
        "VISGATE_MODEL_REVISION": "0" * 40,
        "VISGATE_EVENTS_URL": sink.url,
        "VISGATE_EVENTS_TOKEN": "evt-token",
        "VISGATE_MODEL_SOURCES": json.dumps(sources),
        "VISGATE_DEVICE": "cpu",
        "VISGATE_MODELS_DIR": str(tmp_path / "models"),
        "VISGATE_RUNPOD_CACHE_DIR": str(tmp_path / "runpod-cache"),
        "RUNPOD_POD_ID": "worker-1",
    }


def boot_and_capture(env, sink):
    captured = {}

    def start(booted):
        captured["booted"] = booted
        captured["events_at_start"] = sink.types()

    assert run(env, start=start) == 0
    return captured


def decode(out):
    [img] = out["images"]
    return Image.open(io.BytesIO(base64.b64decode(img["base64"])))


# The closed list of pipeline classes the control plane accepts (shared/src/models/supported-pipelines.ts).
ACCEPTED = load_vectors_file("supported-pipelines.json")["pipeline_classes"]


@pytest.mark.parametrize("pipeline_class", ACCEPTED)
def test_serves_every_pipeline_class_the_control_plane_accepts(
    pipeline_class, tiny_model_dirs, event_sink, tmp_path
):
    if pipeline_class not in PIPELINES:
        pytest.fail(f"the control plane accepts {pipeline_class}: add its tiny pipeline")
    family = PIPELINES[pipeline_class][0]
    model = tiny_model_dirs[family]
    assert json.loads((model / "model_index.json").read_text())["_class_name"] == pipeline_class
    env = env_for(event_sink, tmp_path, [{"type": "local", "path": str(model)}])
    env["VISGATE_PIPELINE"] = pipeline_class
    video = family in VIDEO_FAMILIES
    if video:
        env["VISGATE_TASK"] = "text-to-video"
    got = boot_and_capture(env, event_sink)
    assert got["events_at_start"] == ["downloading", "loading", "warming_up", "ready"]
    assert got["booted"].family == family
    ready = event_sink.events[-1]
    assert (
        set(ready["timings"]) == {"fetch_s", "load_s", "warmup_s"}
        and ready["worker_id"] == "worker-1"
    )
    assert set(event_sink.auth) == {"Bearer evt-token"}
    if video:
        frames = 1 + frame_step(family)  # 5 (Wan, 4k+1) or 9 (CogVideoX, 8k+1)
        job = {**PROBE, "num_frames": frames, "fps": 12, "width": 96, "seed": 5}
        out = got["booted"].handler({"id": "v1", "input": job})
        video_out = out["video"]
        assert {k: v for k, v in video_out.items() if k != "base64"} == {
            "content_type": "video/mp4",
            "width": 96,
            "height": 64,
            "frames": frames,
            "fps": 12,
            "duration_s": round(frames / 12, 3),
            "seed": 5,
        }
        assert mp4_facts(base64.b64decode(video_out["base64"])) == {
            "codec": "h264",
            "pix_fmt": "yuv420p",
            "size": (96, 64),
            "fps": 12,
            "frames": frames,
        }
        return
    out = got["booted"].handler({"id": "probe", "input": PROBE})
    assert decode(out).size == (64, 64)
    assert out["images"][0]["nsfw_content_detected"] is None  # no safety checker in these
    out = got["booted"].handler(
        {"id": "j2", "input": {"prompt": "a cat", "width": 96, "height": 64, "seed": 3}}
    )
    assert decode(out).size == (96, 64) and out["images"][0]["seed"] == 3


def test_reports_failed_and_exits_when_no_source_has_the_model(event_sink, tmp_path):
    env = env_for(event_sink, tmp_path, [{"type": "local", "path": str(tmp_path / "empty")}])
    assert run(env, start=lambda booted: pytest.fail("must not start")) == 1
    assert event_sink.types() == ["downloading", "failed"]
    assert event_sink.events[-1]["error"]["code"] == "source_unavailable"


@pytest.fixture
def s3_server():
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "s3",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket="models")
    yield client
    server.stop()


def test_serves_a_tiny_pipeline_from_an_s3_cache_via_presigned_urls(
    s3_server, tiny_model_dirs, event_sink, tmp_path
):
    root = tiny_model_dirs["sd1"]
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        s3_server.put_object(Bucket="models", Key=f"tiny/{rel}", Body=data)
        url = s3_server.generate_presigned_url(
            "get_object", Params={"Bucket": "models", "Key": f"tiny/{rel}"}
        )
        files.append(
            {"path": rel, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "url": url}
        )
    s3_server.put_object(
        Bucket="models", Key="tiny.manifest.json", Body=json.dumps({"files": files})
    )
    manifest_url = s3_server.generate_presigned_url(
        "get_object", Params={"Bucket": "models", "Key": "tiny.manifest.json"}
    )
    sources = [
        {"type": "huggingface", "repo": "nobody/unreachable", "revision": "x"},
        {"type": "s3", "manifest_url": manifest_url},
    ]
    got = boot_and_capture(env_for(event_sink, tmp_path, sources), event_sink)
    downloading = [e for e in event_sink.events if e["type"] == "downloading"]
    assert (
        downloading[-1]["bytes_done"]
        == sum(f["size"] for f in files)
        == downloading[-1]["bytes_total"]
    )
    assert event_sink.events[-1]["type"] == "ready" and event_sink.events[-1]["source"] == "s3"
    assert decode(got["booted"].handler({"id": "probe", "input": PROBE})).size == (64, 64)


def test_fails_the_fitness_check_when_cuda_is_asked_for_but_absent(
    tiny_model_dirs, event_sink, tmp_path
):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    env = env_for(event_sink, tmp_path, [{"type": "local", "path": str(tiny_model_dirs["sd1"])}])
    env["VISGATE_DEVICE"] = "cuda"
    assert run(env, start=lambda booted: pytest.fail("must not start")) == 1
    assert event_sink.types() == ["downloading", "loading", "failed"]
    assert event_sink.events[-1]["error"]["code"] == "fitness_failed"


def test_loads_a_repo_that_only_has_fp16_variant_weights(event_sink, tmp_path):
    from tiny_models import build_sd1

    model = build_sd1(tmp_path / "variant-only", variant="fp16")
    assert not list(model.glob("unet/diffusion_pytorch_model.safetensors"))
    got = boot_and_capture(
        env_for(event_sink, tmp_path, [{"type": "local", "path": str(model)}]), event_sink
    )
    assert decode(got["booted"].handler({"id": "probe", "input": PROBE})).size == (64, 64)


def test_reports_a_bad_configuration_as_failed(event_sink, tmp_path):
    env = env_for(event_sink, tmp_path, [])
    env["VISGATE_VRAM_ESTIMATE_BYTES"] = "lots"
    assert run(env, start=lambda booted: pytest.fail("must not start")) == 1
    assert event_sink.events[-1]["error"] == {
        "code": "config_invalid",
        "message": "VISGATE_VRAM_ESTIMATE_BYTES is not an integer",
    }


def test_runs_a_job_through_the_real_runpod_sdk_after_reporting_ready(
    tiny_model_dirs, event_sink, tmp_path
):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = env_for(event_sink, tmp_path, [{"type": "local", "path": str(tiny_model_dirs["sd1"])}])
    src = str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.run(
        [sys.executable, "-m", "visgate_worker.main", "--test_input", json.dumps({"input": PROBE})],
        env={**os.environ, **env, "PYTHONPATH": src},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "completed successfully" in proc.stdout
    assert (
        "visgate health probe" not in proc.stdout + proc.stderr
    )  # the SDK must not log the prompt
    assert event_sink.types() == ["downloading", "loading", "warming_up", "ready"]


@pytest.mark.parametrize("flags", [True, False])
def test_reports_the_images_the_models_safety_checker_blanked(flags, event_sink, tmp_path):
    from tiny_models import build_sd1

    model = build_sd1(tmp_path / "checked", safety_checker=flags)
    got = boot_and_capture(
        env_for(event_sink, tmp_path, [{"type": "local", "path": str(model)}]), event_sink
    )
    out = got["booted"].handler({"id": "j", "input": {**PROBE, "num_images": 2}})
    assert [i["nsfw_content_detected"] for i in out["images"]] == [flags, flags]
    pixels = [
        Image.open(io.BytesIO(base64.b64decode(i["base64"]))).getextrema() for i in out["images"]
    ]
    blank = [all(hi == 0 for _lo, hi in p) for p in pixels]
    assert blank == [flags, flags]  # what the flag explains: the checker's black image
