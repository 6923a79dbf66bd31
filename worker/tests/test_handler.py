import base64
import io

import pytest
from PIL import Image

from conftest import load_vectors
from visgate_worker.handler import make_handler
from visgate_worker.job_input import Defaults
from visgate_worker.pipelines import Generated, nsfw_flags

DEFAULTS = Defaults(steps=4, guidance=0.0, resolution=64)


class FakeGenerator:
    def __init__(self, error=None, nsfw=None):
        self.error = error
        self.nsfw = nsfw
        self.requests = []

    def generate(self, req):
        self.requests.append(req)
        if self.error:
            raise self.error
        images = [Image.new("RGB", (req.width, req.height), "red") for _ in range(req.num_images)]
        return Generated(images, self.nsfw or [None] * req.num_images)


def handler(gen, **kw):
    return make_handler(gen, family="sd1", defaults=DEFAULTS, **kw)


def test_answers_the_health_probe_with_a_decodable_png():
    probe = {"prompt": "visgate health probe", "num_inference_steps": 1, "width": 64, "height": 64}
    out = handler(FakeGenerator())({"id": "j1", "input": probe})
    [img] = out["images"]
    assert (img["content_type"], img["width"], img["height"]) == ("image/png", 64, 64)
    assert Image.open(io.BytesIO(base64.b64decode(img["base64"]))).size == (64, 64)
    assert out["timings"]["inference_s"] >= 0


def test_returns_an_error_object_for_bad_input_without_running_the_model():
    gen = FakeGenerator()
    out = handler(gen)({"id": "j1", "input": {"prompt": "a", "num_images": 9}})
    assert out == {"error": {"code": "invalid_input", "message": "num_images: must be at most 4"}}
    assert gen.requests == []


def test_returns_an_error_object_for_a_missing_input():
    assert handler(FakeGenerator())({"id": "j1"})["error"]["code"] == "invalid_input"


def test_asks_runpod_to_refresh_the_worker_after_a_cuda_oom():
    class OutOfMemoryError(RuntimeError):
        pass

    out = handler(FakeGenerator(OutOfMemoryError("CUDA out of memory. Tried to allocate")))(
        {"id": "j", "input": {"prompt": "a"}}
    )
    assert out["error"]["code"] == "out_of_memory" and out["refresh_worker"] is True


def test_hides_an_unexpected_exception_behind_a_code():
    out = handler(FakeGenerator(KeyError("secret prompt")))({"id": "j", "input": {"prompt": "a"}})
    assert out == {
        "error": {"code": "internal_error", "message": "unexpected KeyError in the worker"}
    }


def test_uploads_each_image_to_its_put_url_and_returns_the_get_url():
    puts = []
    out = handler(FakeGenerator(), put=lambda url, body, ct: puts.append((url, body[:4], ct)))(
        {
            "id": "j",
            "input": {
                "prompt": "a",
                "num_images": 2,
                "output_format": "jpeg",
                "output": {
                    "type": "s3",
                    "put_urls": ["https://b/1?sig=p1", "https://b/2?sig=p2"],
                    "get_urls": ["https://b/1?sig=g1", "https://b/2?sig=g2"],
                },
            },
        }
    )
    assert [p[0] for p in puts] == ["https://b/1?sig=p1", "https://b/2?sig=p2"]
    assert puts[0][1][:2] == b"\xff\xd8" and puts[0][2] == "image/jpeg"
    assert [i["url"] for i in out["images"]] == ["https://b/1?sig=g1", "https://b/2?sig=g2"]
    assert out["images"][1]["seed"] == (out["images"][0]["seed"] + 1) % 2**32


def test_returns_the_unsigned_object_url_without_get_urls():
    out = handler(FakeGenerator(), put=lambda *a: None)(
        {
            "id": "j",
            "input": {"prompt": "a", "output": {"type": "s3", "put_urls": ["https://b/1?sig=p"]}},
        }
    )
    assert out["images"][0]["url"] == "https://b/1"


def test_reports_a_failed_upload_as_retryable_upload_failed():
    def put(*_):
        raise ConnectionResetError()

    out = handler(FakeGenerator(), put=put)(
        {
            "id": "j",
            "input": {"prompt": "a", "output": {"type": "s3", "put_urls": ["https://b/1?sig=p"]}},
        }
    )
    assert out["error"] == {
        "code": "upload_failed",
        "message": "uploading image 0 failed (ConnectionResetError)",
    }


def test_refuses_base64_output_above_runpods_result_limit():
    out = handler(FakeGenerator(), max_base64_bytes=100)(
        {"id": "j", "input": {"prompt": "a", "num_images": 2}}
    )
    assert out["error"]["code"] == "output_too_large"


def test_logs_where_an_unexpected_error_happened_but_not_its_text(caplog):
    caplog.set_level("INFO")
    handler(FakeGenerator(KeyError("secret prompt")))(
        {"id": "j9", "input": {"prompt": "secret prompt"}}
    )
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.job_id == "j9" and "test_handler.py" in record.getMessage()
    assert "secret" not in caplog.text


def test_reports_per_image_which_ones_the_safety_checker_blanked(caplog):
    caplog.set_level("INFO")
    out = handler(FakeGenerator(nsfw=[False, True]))(
        {"id": "j", "input": {"prompt": "a", "num_images": 2}}
    )
    assert [i["nsfw_content_detected"] for i in out["images"]] == [False, True]
    assert "1 blanked by the safety checker" in caplog.text


def test_reports_null_when_the_model_has_no_safety_checker():
    out = handler(FakeGenerator())({"id": "j", "input": {"prompt": "a"}})
    assert out["images"][0]["nsfw_content_detected"] is None


def test_reads_the_flags_from_a_diffusers_output():
    from types import SimpleNamespace

    # StableDiffusionPipelineOutput's fields; None when the pipeline has no checker
    assert nsfw_flags(SimpleNamespace(images=[1, 2], nsfw_content_detected=[True, False]), 2) == [
        True,
        False,
    ]
    assert nsfw_flags(SimpleNamespace(images=[1, 2], nsfw_content_detected=None), 2) == [None] * 2
    assert nsfw_flags(object(), 1) == [None]


OUTPUT_VECTORS = [v for v in load_vectors("job-output.json") if v["current_worker"]]


@pytest.mark.parametrize("vector", OUTPUT_VECTORS, ids=[v["name"] for v in OUTPUT_VECTORS])
def test_returns_the_fields_the_control_plane_summarizes(vector):
    """shared/test-vectors/job-output.json: the same fields, so summarizeJobOutput keeps the flags."""
    images = vector["output"]["images"]
    job = {"prompt": "a", "num_images": len(images), "seed": images[0]["seed"]}
    if "url" in images[0]:
        job["output"] = {"type": "s3", "put_urls": [i["url"] + "?sig=p" for i in images]}
    gen = FakeGenerator(nsfw=[i["nsfw_content_detected"] for i in images])
    out = handler(gen, put=lambda *a: None)({"id": "j", "input": job})
    assert [sorted(i) for i in out["images"]] == [sorted(i) for i in images]
    assert [i["nsfw_content_detected"] for i in out["images"]] == [
        i["nsfw_content_detected"] for i in images
    ]
    assert sorted(out["timings"]) == sorted(vector["output"]["timings"])
