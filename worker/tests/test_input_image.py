"""Init images and masks (input_image.py): base64, data URLs and https URLs (a loopback https server in
local mode; refused as private otherwise), decoded under a pixel cap, sized from the image."""

import base64
import io
import shutil
import ssl
import subprocess
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from visgate_worker.handler import make_handler
from visgate_worker.input_image import decode, size_for_image
from visgate_worker.job_input import Defaults
from visgate_worker.pipelines import Generated

DEFAULTS = Defaults(steps=4, guidance=0.0, resolution=64)


def png(size=(96, 64), mode="RGB", color=(200, 30, 30), fmt="PNG"):
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, format=fmt)
    return buf.getvalue()


def b64(data):
    return base64.b64encode(data).decode("ascii")


class Recorder:
    def __init__(self):
        self.requests = []

    def generate(self, req):
        self.requests.append(req)
        images = [Image.new("RGB", (req.width, req.height)) for _ in range(req.num_images)]
        return Generated(images, [None] * req.num_images)


def run_job(job_input, family="sd1", **kw):
    gen = Recorder()
    out = make_handler(gen, family=family, defaults=DEFAULTS, **kw)({"id": "j", "input": job_input})
    return out, gen.requests


@pytest.mark.parametrize(
    "encode",
    [b64, lambda d: "data:image/png;base64," + b64(d)],
    ids=["bare base64", "data URL"],
)
def test_an_image_in_base64_becomes_an_image_to_image_job_at_the_images_size(encode):
    out, [req] = run_job({"prompt": "a cat", "image": encode(png((96, 64)))})
    assert "error" not in out
    assert (req.kind, req.strength, req.image.mode, req.image.size) == (
        "image-to-image",
        0.8,
        "RGB",
        (96, 64),
    )
    assert (req.width, req.height) == (96, 64) and out["images"][0]["width"] == 96


def test_an_image_and_a_mask_make_an_inpainting_job_with_the_mask_in_gray():
    job = {"prompt": "a cat", "image": b64(png()), "mask": b64(png(color=(255, 255, 255)))}
    out, [req] = run_job(job)
    assert "error" not in out
    assert (req.kind, req.strength, req.mask.mode) == ("inpainting", 1.0, "L")


@pytest.mark.parametrize(
    ("image_size", "family", "given", "size"),
    [
        ((96, 64), "sd1", (None, None), (96, 64)),
        ((200, 120), "flux", (None, None), (192, 112)),  # floored to 16
        ((3000, 1500), "sd1", (None, None), (1024, 512)),  # scaled to the family's max side
        ((4000, 3000), "sdxl", (None, None), (1536, 1152)),
        ((30, 20), "sd1", (None, None), (64, 64)),  # never below the schema's 64
        ((1000, 500), "sd1", (512, None), (512, 256)),  # one side given: the image's aspect ratio
        ((1000, 500), "sd1", (None, 256), (512, 256)),
        ((1000, 500), "sd1", (320, 320), (320, 320)),
    ],
)
def test_sizes_a_job_from_its_image_when_it_names_no_size(image_size, family, given, size):
    assert size_for_image(image_size, family=family, width=given[0], height=given[1]) == size


def test_a_size_the_job_names_wins_over_the_images():
    _, [req] = run_job({"prompt": "a", "image": b64(png((96, 64))), "width": 128, "height": 128})
    assert (req.width, req.height) == (128, 128)


@pytest.mark.parametrize(
    ("field", "data", "message"),
    [
        ("image", b"not an image at all, just text", "not a readable PNG, JPEG or WebP"),
        ("image", png(fmt="GIF", mode="P", color=1), "not a readable PNG, JPEG or WebP"),
        ("image", png((4100, 8), mode="L", color=0), "larger than 4096×4096"),
        ("mask", png()[:40], "not a readable PNG, JPEG or WebP"),  # truncated
    ],
    ids=["text", "gif", "too many pixels", "truncated mask"],
)
def test_refuses_what_is_not_a_small_enough_png_jpeg_or_webp(field, data, message):
    job = {"prompt": "a", "image": b64(png()), field: b64(data)}
    out, requests = run_job(job)
    assert out["error"]["code"] == "image_invalid" and message in out["error"]["message"]
    assert out["error"]["message"].startswith(f"{field}:") and requests == []
    assert "refresh_worker" not in out


def test_reads_the_pixel_count_from_the_header_before_decoding_a_bomb():
    # 1 px high, 20 000 wide: tiny as PNG, refused from its header.
    with pytest.raises(Exception, match="larger than 4096"):
        decode(png((20_000, 1), mode="1", color=0), "image", "RGB")


def test_refuses_an_image_on_a_family_without_image_to_image_before_decoding_it():
    out, requests = run_job({"prompt": "a", "image": b64(b"x" * 30)}, family="pixart")
    assert out["error"] == {
        "code": "invalid_input",
        "message": "image: image-to-image and inpainting are not available for pixart models",
    }
    assert requests == []


def _self_signed(tmp_path):
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    args = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
    args += " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1"
    subprocess.run(
        ["openssl", *args.split(), "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextmanager
def https_server(tmp_path, monkeypatch, body):
    """A loopback https server with a certificate the worker's TLS checks trust (SSL_CERT_FILE)."""
    cert, key = _self_signed(tmp_path)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_fetches_an_image_url_from_a_loopback_server_in_local_mode_only(tmp_path, monkeypatch):
    with https_server(tmp_path, monkeypatch, png((96, 80))) as base:
        job = {"prompt": "a cat", "image": f"{base}/cat.png?X-Amz-Signature=secret"}
        out, [req] = run_job(job, allow_private=True)
        assert "error" not in out
        assert req.image.size == (96, 80) and (req.width, req.height) == (96, 80)
        out, requests = run_job(job)
    assert out["error"]["code"] == "image_fetch_failed" and requests == []
    assert "127.0.0.1, which is not public" in out["error"]["message"]
    assert "secret" not in out["error"]["message"] and "refresh_worker" not in out


def test_an_unreachable_image_url_is_image_fetch_failed():
    job = {"prompt": "a", "image": "https://127.0.0.1:9/none.png"}
    out, _ = run_job(job, allow_private=True)
    assert out["error"]["code"] == "image_fetch_failed"
    assert out["error"]["message"].startswith("image: 127.0.0.1 could not be reached")
