"""Write the RunPod simulator's video (sim/src/runpod-sim/assets/simulated.mp4) with the worker's own
encoder: what a video job returns in the simulator is a real MP4 of the same kind (H.264, yuv420p,
faststart), about a second long, visibly stamped SIMULATED so nobody mistakes it for a model's output.

    .tools/worker-venv/bin/python worker/scripts/make-sim-video.py [out.mp4]

Deterministic: the same encoder version writes the same bytes. Kept small (a few kB) because it is
committed and sent back as base64.
"""

from __future__ import annotations

import sys
from pathlib import Path

WORKER = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(WORKER / "src"))

from visgate_worker.video_encode import encode_mp4  # noqa: E402

OUT = WORKER.parent / "sim" / "src" / "runpod-sim" / "assets" / "simulated.mp4"
# 17 frames: 4k+1 and 8k+1, a count Wan and CogVideoX workers could both make; ~1 s at 16 fps.
WIDTH, HEIGHT, FRAMES, FPS = 96, 64, 17, 16


def frame(i: int):
    """A diagonal gradient that shifts each frame, a dark band and the word SIMULATED across it."""
    import numpy as np
    from PIL import Image, ImageDraw

    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    phase = (x + y + i * 6) % 160 / 160.0
    rgb = np.stack([40 + 150 * phase, 90 + 60 * (1 - phase), 200 - 80 * phase], axis=-1)
    image = Image.fromarray(rgb.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 24, WIDTH, 40), fill=(20, 20, 20))
    draw.text((21, 27), "SIMULATED", fill=(255, 220, 0))
    draw.text((2, 2), f"{i + 1:02d}", fill=(255, 255, 255))
    return image


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    data = encode_mp4([frame(i) for i in range(FRAMES)], FPS, crf=30, preset="veryslow")
    out.write_bytes(data)
    print(f"{out}: {len(data)} bytes, {FRAMES} frames {WIDTH}x{HEIGHT} at {FPS} fps")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
