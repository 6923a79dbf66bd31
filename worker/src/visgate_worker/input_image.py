"""A job's init image and mask: fetched (https, webhook SSRF rules) or decoded from base64, checked,
and sized.

Only PNG, JPEG and WebP are opened, and the size in the header is checked before any pixel is
decoded (a small file can declare billions of pixels). EXIF orientation is applied, as a photo viewer
shows the picture.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import io
from collections.abc import Callable
from typing import Any

from .errors import IMAGE_FETCH_FAILED, IMAGE_INVALID, WorkerError
from .job_input import DEFAULT_ALIGNMENT, SIDE_ALIGNMENT, JobRequest, family_defaults
from .safe_fetch import FetchRefused, fetch_bytes

MAX_FETCH_BYTES = 20_000_000
FETCH_TIMEOUT_S = 15.0
MAX_SIDE = 4096
MAX_PIXELS = MAX_SIDE * MAX_SIDE
MIN_SIDE = 64  # the job schema's smallest side
FORMATS = ("PNG", "JPEG", "WEBP")

Fetch = Callable[..., bytes]


def read_bytes(value: str, field: str, *, allow_private: bool, fetch: Fetch = fetch_bytes) -> bytes:
    """The bytes behind a job's ``image``/``mask`` string: an https URL, a data URL or bare base64."""
    if value.startswith(("https://", "http://")):
        try:
            return fetch(
                value,
                max_bytes=MAX_FETCH_BYTES,
                timeout_s=FETCH_TIMEOUT_S,
                allow_private=allow_private,
                what=f"the {field}",
            )
        except FetchRefused as exc:
            raise WorkerError(IMAGE_FETCH_FAILED, f"{field}: {exc}") from None
    if value.startswith("data:"):
        value = value.split(",", 1)[-1]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise WorkerError(IMAGE_INVALID, f"{field}: not valid base64") from None


def decode(data: bytes, field: str, mode: str) -> Any:
    """A PIL image in ``mode`` (RGB for images, L for masks), or IMAGE_INVALID."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as img:
            width, height = img.size
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise WorkerError(
                    IMAGE_INVALID,
                    f"{field}: {width}×{height} is larger than {MAX_SIDE}×{MAX_SIDE} pixels",
                )
            img.load()
            return ImageOps.exif_transpose(img).convert(mode)
    except WorkerError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        raise WorkerError(
            IMAGE_INVALID, f"{field}: not a readable PNG, JPEG or WebP image"
        ) from None


def _floor(value: float, align: int, limit: int) -> int:
    side = int(value) // align * align
    return min(max(side, -(-MIN_SIDE // align) * align), limit // align * align)


def size_for_image(
    image_size: tuple[int, int], *, family: str, width: int | None, height: int | None
) -> tuple[int, int]:
    """The job's size when it left width and/or height out: the image's size (its aspect ratio when one
    side is given), scaled down to the family's max resolution and floored to its alignment."""
    limit = int(family_defaults(family)["maxResolution"])
    align = SIDE_ALIGNMENT.get(family, DEFAULT_ALIGNMENT)
    img_w, img_h = image_size
    if width is not None and height is not None:
        return width, height
    if width is not None:
        return width, _floor(width * img_h / img_w, align, limit)
    if height is not None:
        return _floor(height * img_w / img_h, align, limit), height
    scale = min(1.0, limit / max(img_w, img_h))
    return _floor(img_w * scale, align, limit), _floor(img_h * scale, align, limit)


def attach_images(
    req: JobRequest, *, family: str, allow_private: bool, fetch: Fetch = fetch_bytes
) -> JobRequest:
    """``req`` with its image (RGB) and mask (L) decoded and its size settled; as is without an image."""
    if not isinstance(req.image, str):
        return req
    image = decode(
        read_bytes(req.image, "image", allow_private=allow_private, fetch=fetch), "image", "RGB"
    )
    mask = None
    if isinstance(req.mask, str):
        mask = decode(
            read_bytes(req.mask, "mask", allow_private=allow_private, fetch=fetch), "mask", "L"
        )
    given_w, given_h = req.size_given
    width, height = size_for_image(
        image.size,
        family=family,
        width=req.width if given_w else None,
        height=req.height if given_h else None,
    )
    # The SD 1.x/2.x and SDXL image-to-image and inpainting pipelines take no width/height: they run
    # at the picture's own size (diffusers' image_processor.preprocess without a size). Resize here so
    # every family generates the size the job settled on, never a 4096² upload's.
    image = _fit(image, width, height)
    if mask is not None:
        mask = _fit(mask, width, height)
    return dataclasses.replace(req, image=image, mask=mask, width=width, height=height)


def _fit(picture, width: int, height: int):
    from PIL import Image

    if picture.size == (width, height):
        return picture
    return picture.resize((width, height), Image.Resampling.LANCZOS)
