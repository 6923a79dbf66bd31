from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "shared" / "test-vectors"


def load_vectors_file(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text("utf-8"))


def load_vectors(name: str) -> list[dict[str, Any]]:
    return load_vectors_file(name)["vectors"]


class EventSink:
    """A local workerEvents: records each POST's headers and JSON body, answers ``status``."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.auth: list[str] = []
        self.status = 200
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                sink.auth.append(self.headers.get("Authorization", ""))
                sink.events.append(json.loads(self.rfile.read(length)))
                self.send_response(sink.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/workerEvents"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]


@pytest.fixture
def event_sink() -> Iterator[EventSink]:
    """Also checks every event it received against WorkerEventSchema (exported from shared/)."""
    from jsonschema import Draft202012Validator

    from visgate_worker.job_input import load_schema

    sink = EventSink()
    yield sink
    sink.server.shutdown()
    validator = Draft202012Validator(load_schema("worker_event.schema.json"))
    for event in sink.events:
        assert not list(validator.iter_errors(event)), event


@pytest.fixture(scope="session")
def tiny_model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each family's tiny random pipeline, built once per session and saved as a diffusers repo."""
    pytest.importorskip("diffusers")
    from tiny_models import BUILDERS

    root = tmp_path_factory.mktemp("tiny-models")
    return {family: build(root / family) for family, build in BUILDERS.items()}


def mp4_facts(data: bytes) -> dict[str, Any]:
    """What a player sees in an MP4: decoded back with PyAV (the frames are counted by decoding)."""
    import io

    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        facts = {
            "codec": ctx.name,
            "pix_fmt": ctx.pix_fmt,
            "size": (stream.width, stream.height),
            "fps": stream.average_rate,
        }
        facts["frames"] = sum(1 for _ in container.decode(video=0))
    return facts
