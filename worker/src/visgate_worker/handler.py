"""The edge: a RunPod job in, our output (or ``{"error": …}``) out. Never a traceback, never the prompt."""

from __future__ import annotations

import base64
import io
import logging
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol

from .errors import OUTPUT_TOO_LARGE, UPLOAD_FAILED, WorkerError, classify
from .input_image import attach_images
from .job_input import Defaults, JobRequest, parse_job_input

log = logging.getLogger(__name__)

CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}

# RunPod refuses job results above 20 MB (runpod-python rp_tips); keep a margin for the JSON around.
MAX_BASE64_BYTES = 18_000_000

# (url, body, content type) -> None; raises on failure.
PutFn = Callable[[str, bytes, str], None]


class Generation(Protocol):
    images: list[Any]
    nsfw_content_detected: list[bool | None]


class UsedAdapter(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class Adapters(Protocol):
    """What the handler needs of lora_adapters.LoraAdapters."""

    deployment: list[tuple[str, float]]

    def begin_job(self, raw: dict[str, Any]) -> list[UsedAdapter]: ...

    def end_job(self) -> None: ...


class Generator(Protocol):
    def generate(self, req: JobRequest) -> Generation: ...


def urllib_put(url: str, body: bytes, content_type: str) -> None:
    req = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": content_type}
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        if not 200 <= resp.status < 300:
            raise OSError(f"HTTP {resp.status}")


def encode_image(image: Any, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "jpeg" and getattr(image, "mode", "RGB") != "RGB":
        image = image.convert("RGB")
    image.save(buf, format=PIL_FORMATS[fmt], **({"quality": 95} if fmt != "png" else {}))
    return buf.getvalue()


def _unsigned(url: str) -> str:
    return url.split("?", 1)[0]


def _upload(put: PutFn, req: JobRequest, i: int, data: bytes, content_type: str, what: str) -> str:
    """PUT to the job's i-th URL; the URL a reader fetches it from (GET URL, else the unsigned PUT)."""
    try:
        put(req.output["put_urls"][i], data, content_type)
    except (OSError, urllib.error.URLError) as exc:
        raise WorkerError(
            UPLOAD_FAILED, f"uploading {what} failed ({type(exc).__name__})", retryable=True
        ) from None
    get_urls = req.output.get("get_urls")
    return get_urls[i] if get_urls else _unsigned(req.output["put_urls"][i])


def video_output(req: JobRequest, frames: Any, put: PutFn, max_base64_bytes: int) -> dict[str, Any]:
    """The contract's ``video`` object: an H.264 MP4 uploaded to put_urls[0] or inline as base64."""
    from .video_encode import CONTENT_TYPE, encode_mp4, to_uint8_frames

    array = to_uint8_frames(frames)
    count, height, width, _ = array.shape
    fps = req.fps or 16  # parse_job_input sets it for every video job
    data = encode_mp4(array, fps)  # takes the uint8 array as it is
    item: dict[str, Any] = {
        "content_type": CONTENT_TYPE,
        "width": width - width % 2,
        "height": height - height % 2,
        "frames": count,
        "fps": fps,
        "duration_s": round(count / fps, 3),
        "seed": req.seed,
    }
    if req.output["type"] == "s3":
        item["url"] = _upload(put, req, 0, data, CONTENT_TYPE, "the video")
        return item
    encoded = base64.b64encode(data).decode("ascii")
    if len(encoded) > max_base64_bytes:
        raise WorkerError(
            OUTPUT_TOO_LARGE,
            f"the video is {len(encoded) // 1_000_000} MB as base64, above RunPod's result limit; "
            "use output.type 's3' (a presigned PUT URL), fewer frames or a smaller size",
        )
    item["base64"] = encoded
    return item


def make_handler(
    generator: Generator,
    *,
    family: str,
    defaults: Defaults,
    put: PutFn = urllib_put,
    clock: Callable[[], float] = time.monotonic,
    max_base64_bytes: int = MAX_BASE64_BYTES,
    video: bool | None = None,
    allow_private: bool = False,
    adapters: Adapters | None = None,
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The function RunPod calls per job: ``{"id", "input"}`` → output dict (see API.md).

    ``video``: a text-to-video deployment (default: by family). ``allow_private``: init-image URLs may
    name private addresses (local development only; VISGATE_ALLOW_PRIVATE_URLS). ``adapters``: the
    LoRA manager (lora_adapters.py); a job's adapters are fetched only once its input is valid, are
    active for it alone, and its result lists what it used."""
    deployment_loras = len(adapters.deployment) if adapters is not None else 0

    def handle(job: dict[str, Any]) -> dict[str, Any]:
        job_id = str(job.get("id", "-"))
        extra = {"job_id": job_id}
        try:
            raw = job.get("input")
            req = parse_job_input(
                raw,
                family=family,
                defaults=defaults,
                video=video,
                deployment_loras=deployment_loras,
            )
            req = attach_images(req, family=family, allow_private=allow_private)
            if adapters is None or not (adapters.deployment or req.loras):
                return generate(req, extra)
            try:
                used = adapters.begin_job(raw)
                result = generate(req, extra)
            finally:
                adapters.end_job()
            result["loras"] = [u.to_dict() for u in used]
            return result
        except Exception as exc:
            err = classify(exc)
            if err is exc:
                log.info("job failed: %s", err.code, extra=extra)
            else:
                # Where it failed, without the exception's text (it may quote the input).
                where = " <- ".join(
                    f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}"
                    for f in reversed(traceback.extract_tb(exc.__traceback__)[-4:])
                )
                log.error(
                    "job failed: %s (%s at %s)", err.code, type(exc).__name__, where, extra=extra
                )
            result: dict[str, Any] = {"error": err.to_dict()}
            if err.poisons_worker:
                result["refresh_worker"] = True
            return result

    def generate(req: JobRequest, extra: dict[str, str]) -> dict[str, Any]:
        """Run the validated job and encode (or upload) what it made."""
        started = clock()
        generated = generator.generate(req)
        inference_s = clock() - started
        if req.kind == "text-to-video":
            item = video_output(req, generated.frames, put, max_base64_bytes)
            log.info("job done: %d frame(s) in %.2fs", item["frames"], inference_s, extra=extra)
            return {"video": item, "timings": {"inference_s": round(inference_s, 3)}}
        out = []
        flagged = 0
        for i, (image, seed, nsfw) in enumerate(
            zip(
                generated.images,
                req.image_seeds(),
                generated.nsfw_content_detected,
                strict=True,
            )
        ):
            data = encode_image(image, req.output_format)
            item: dict[str, Any] = {
                "content_type": CONTENT_TYPES[req.output_format],
                "width": image.width,
                "height": image.height,
                "seed": seed,
                # The model's safety checker replaced a flagged image with a black one; say so
                # (null: the model has no checker).
                "nsfw_content_detected": nsfw,
            }
            flagged += nsfw is True
            if req.output["type"] == "s3":
                item["url"] = _upload(put, req, i, data, item["content_type"], f"image {i}")
            else:
                item["base64"] = base64.b64encode(data).decode("ascii")
            out.append(item)
        inline = sum(len(i.get("base64", "")) for i in out)
        if inline > max_base64_bytes:
            raise WorkerError(
                OUTPUT_TOO_LARGE,
                f"the images are {inline // 1_000_000} MB as base64, above RunPod's result limit; "
                "use output.type 's3', jpeg/webp, fewer images or a smaller size",
            )
        log.info(
            "job done: %d image(s) in %.2fs, %d blanked by the safety checker",
            len(out),
            inference_s,
            flagged,
            extra=extra,
        )
        return {"images": out, "timings": {"inference_s": round(inference_s, 3)}}

    return handle
