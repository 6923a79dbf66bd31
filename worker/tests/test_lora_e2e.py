"""LoRA adapters on a real tiny pipeline (CPU): the deployment's loaded before ready, a job's loaded
onto the warm pipeline without reloading the base model, cached by content, evicted by bytes, and
refused when they target another model family."""

import base64
import hashlib
import io
import json
import shutil
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("diffusers")
from PIL import Image

from test_e2e_cpu import boot_and_capture, env_for
from tiny_loras import build_lora
from visgate_worker import pipelines
from visgate_worker.main import run

pytestmark = pytest.mark.e2e
JOB = {"prompt": "a cat", "num_inference_steps": 2, "width": 64, "height": 64, "seed": 5}
COMMIT = "c" * 40


class FakeHub:
    """The Hub as model_source.UrllibFetchers' hf_listing/hf_file see it, from local directories."""

    def __init__(self, repos: dict[str, Path]) -> None:
        self.repos = repos
        self.downloads: list[tuple[str, str, str | None]] = []

    def hf_listing(self, repo, revision, token):
        root = self.repos[repo]
        return COMMIT, {p.name: p.stat().st_size for p in root.iterdir()}

    def hf_file(self, repo, revision, filename, dest, token):
        self.downloads.append((repo, filename, token))
        return Path(shutil.copy(self.repos[repo] / filename, dest / filename))


@pytest.fixture(scope="module")
def loras(tiny_model_dirs, tmp_path_factory):
    """Three Hub repos: two different SD1 LoRAs (UNet and text encoder; UNet only) and one for SDXL."""
    root = tmp_path_factory.mktemp("loras")
    name = "pytorch_lora_weights.safetensors"
    return {
        "test/lora-a": build_lora(tiny_model_dirs["sd1"], root / "a" / name, seed=1).parent,
        "test/lora-b": build_lora(
            tiny_model_dirs["sd1"], root / "b" / name, seed=7, text_encoders=False
        ).parent,
        "test/lora-xl": build_lora(tiny_model_dirs["sdxl"], root / "xl" / name, seed=3).parent,
    }


def pixels(out):
    assert "error" not in out, out
    [img] = out["images"]
    return list(Image.open(io.BytesIO(base64.b64decode(img["base64"]))).getdata())


def sd1_env(sink, tmp_path, tiny_model_dirs, **extra):
    env = env_for(sink, tmp_path, [{"type": "local", "path": str(tiny_model_dirs["sd1"])}])
    env["HF_TOKEN"] = "hf_deploy"
    return {**env, **extra}


def deployment_lora(repo, scale=1.0):
    return json.dumps(
        [
            {
                "name": "lora_0",
                "repo": repo,
                "revision": COMMIT,
                "file": "pytorch_lora_weights.safetensors",
                "scale": scale,
                "bytes": 1,
            }
        ]
    )


def test_a_deployment_lora_is_loaded_before_ready_and_changes_the_images(
    tiny_model_dirs, loras, event_sink, tmp_path
):
    plain = boot_and_capture(sd1_env(event_sink, tmp_path / "plain", tiny_model_dirs), event_sink)
    base = plain["booted"].handler({"id": "j0", "input": JOB})
    assert "loras" not in base  # no adapters, no entry

    hub = FakeHub(loras)
    env = sd1_env(
        event_sink, tmp_path, tiny_model_dirs, VISGATE_LORAS=deployment_lora("test/lora-a")
    )
    captured = {}

    def start(booted):
        captured["booted"] = booted
        captured["adapters_at_start"] = booted.loaded.pipe.get_list_adapters()

    event_sink.events.clear()
    assert run(env, start=start, fetchers=hub) == 0
    assert event_sink.types() == ["downloading", "loading", "warming_up", "ready"]
    assert hub.downloads == [("test/lora-a", "pytorch_lora_weights.safetensors", "hf_deploy")]
    assert "lora_0" in captured["adapters_at_start"]["unet"]
    handler = captured["booted"].handler
    out = handler({"id": "j1", "input": JOB})
    assert pixels(out) != pixels(base)
    assert out["loras"] == [
        {"name": "lora_0", "source": "deployment", "scale": 1.0, "cache_hit": True, "load_s": 0.0}
    ]
    # lora_scale overrides the deployment's scale for one job: 0 is the base model's image.
    zero = handler({"id": "j2", "input": {**JOB, "lora_scale": 0}})
    assert pixels(zero) == pixels(base) and zero["loras"][0]["scale"] == 0.0
    assert pixels(handler({"id": "j3", "input": JOB})) == pixels(out)
    # A job's adapter joins the deployment's for that job only.
    both = handler({"id": "j5", "input": {**JOB, "loras": [{"hf_repo": "test/lora-b"}]}})
    assert [(u["name"], u["source"]) for u in both["loras"]] == [
        ("lora_0", "deployment"),
        (both["loras"][1]["name"], "request"),
    ]
    assert pixels(both) not in (pixels(out), pixels(base))
    assert pixels(handler({"id": "j6", "input": JOB})) == pixels(out)
    bad = handler({"id": "j4", "input": {**JOB, "lora_scale": [1, 1]}})
    assert bad["error"]["code"] == "invalid_input" and "one scale per" in bad["error"]["message"]


def test_a_deployment_lora_for_another_family_fails_the_boot(
    tiny_model_dirs, loras, event_sink, tmp_path
):
    env = sd1_env(
        event_sink, tmp_path, tiny_model_dirs, VISGATE_LORAS=deployment_lora("test/lora-xl")
    )
    assert run(env, start=lambda b: pytest.fail("must not start"), fetchers=FakeHub(loras)) == 1
    assert event_sink.types() == ["downloading", "loading", "failed"]
    error = event_sink.events[-1]["error"]
    assert error["code"] == "lora_base_mismatch"
    assert "sdxl" in error["message"] and "sd1" in error["message"]


def test_job_adapters_load_onto_the_warm_pipeline_and_come_from_the_cache_again(
    tiny_model_dirs, loras, event_sink, tmp_path, monkeypatch
):
    loads = []
    real_load = pipelines.load_pipeline
    monkeypatch.setattr(
        pipelines, "load_pipeline", lambda *a, **k: loads.append(1) or real_load(*a, **k)
    )
    hub = FakeHub(loras)
    captured = {}
    env = sd1_env(event_sink, tmp_path, tiny_model_dirs)
    assert run(env, start=lambda b: captured.setdefault("b", b), fetchers=hub) == 0
    handler, pipe = captured["b"].handler, captured["b"].loaded.pipe
    base = pixels(handler({"id": "j0", "input": JOB}))

    a1 = handler({"id": "a1", "input": {**JOB, "loras": [{"hf_repo": "test/lora-a"}]}})
    b1 = handler(
        {"id": "b1", "input": {**JOB, "loras": [{"hf_repo": "test/lora-b", "scale": 0.5}]}}
    )
    a2 = handler({"id": "a2", "input": {**JOB, "loras": [{"hf_repo": "test/lora-a"}]}})
    after = pixels(handler({"id": "j1", "input": JOB}))

    assert loads == [1] and captured["b"].loaded.pipe is pipe  # the base model loaded once
    assert len({str(pixels(o)) for o in (a1, b1)} | {str(base)}) == 3
    assert pixels(a2) == pixels(a1) and after == base  # a job's adapter is gone after it
    [ua1], [ub1], [ua2] = a1["loras"], b1["loras"], a2["loras"]
    assert (ua1["source"], ua1["scale"], ua1["cache_hit"]) == ("request", 1.0, False)
    assert (ub1["scale"], ub1["cache_hit"]) == (0.5, False) and ub1["name"] != ua1["name"]
    assert ua2["cache_hit"] is True and ua2["name"] == ua1["name"]
    assert [d[0] for d in hub.downloads] == ["test/lora-a", "test/lora-b"]
    assert {d[2] for d in hub.downloads} == {
        None
    }  # a job's adapters: public repos, no deploy token
    both = handler(
        {
            "id": "ab",
            "input": {**JOB, "loras": [{"hf_repo": "test/lora-a"}, {"hf_repo": "test/lora-b"}]},
        }
    )
    assert [u["cache_hit"] for u in both["loras"]] == [True, True]
    assert pixels(both) not in (pixels(a1), pixels(b1), base)


def test_the_cache_evicts_the_least_recently_used_adapter_by_bytes(
    tiny_model_dirs, loras, event_sink, tmp_path
):
    size = (loras["test/lora-a"] / "pytorch_lora_weights.safetensors").stat().st_size
    hub = FakeHub(loras)
    captured = {}
    env = sd1_env(event_sink, tmp_path, tiny_model_dirs, VISGATE_LORA_CACHE_BYTES=str(size + 100))
    assert run(env, start=lambda b: captured.setdefault("b", b), fetchers=hub) == 0
    handler, pipe = captured["b"].handler, captured["b"].loaded.pipe
    a1 = handler({"id": "a1", "input": {**JOB, "loras": [{"hf_repo": "test/lora-a"}]}})
    handler({"id": "b1", "input": {**JOB, "loras": [{"hf_repo": "test/lora-b"}]}})
    assert a1["loras"][0]["name"] not in pipe.get_list_adapters()["unet"]  # evicted: deleted
    blobs = list((tmp_path / "models" / "loras" / "blobs").iterdir())
    assert len(blobs) == 1 and blobs[0].stat().st_size <= size + 100
    a2 = handler({"id": "a2", "input": {**JOB, "loras": [{"hf_repo": "test/lora-a"}]}})
    assert a2["loras"][0]["cache_hit"] is False and pixels(a2) == pixels(a1)
    assert [d[0] for d in hub.downloads] == ["test/lora-a", "test/lora-b", "test/lora-a"]


def test_a_job_adapter_for_another_family_is_refused_and_the_worker_goes_on(
    tiny_model_dirs, loras, event_sink, tmp_path
):
    captured = {}
    env = sd1_env(event_sink, tmp_path, tiny_model_dirs)
    assert run(env, start=lambda b: captured.setdefault("b", b), fetchers=FakeHub(loras)) == 0
    handler = captured["b"].handler
    base = pixels(handler({"id": "j0", "input": JOB}))
    out = handler({"id": "x", "input": {**JOB, "loras": [{"hf_repo": "test/lora-xl"}]}})
    assert out["error"]["code"] == "lora_base_mismatch" and "refresh_worker" not in out
    assert "sdxl" in out["error"]["message"]
    missing = handler(
        {
            "id": "m",
            "input": {
                **JOB,
                "loras": [{"hf_repo": "test/lora-a", "weight_name": "other.safetensors"}],
            },
        }
    )
    assert missing["error"]["code"] == "lora_invalid"
    assert pixels(handler({"id": "j1", "input": JOB})) == base


def _https_server(tmp_path, body):
    """A loopback HTTPS server with a self-signed certificate for 127.0.0.1."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, cert_file, hits


def test_a_url_adapter_is_fetched_from_a_loopback_server_only_in_local_mode(
    tiny_model_dirs, loras, event_sink, tmp_path, monkeypatch
):
    body = (loras["test/lora-a"] / "pytorch_lora_weights.safetensors").read_bytes()
    server, cert_file, hits = _https_server(tmp_path, body)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    url = f"https://127.0.0.1:{server.server_address[1]}/a.safetensors?X-Sig=secret"
    job = {**JOB, "loras": [{"url": url, "scale": 1}]}
    try:
        captured = {}
        env = sd1_env(event_sink, tmp_path / "cloud", tiny_model_dirs)
        assert run(env, start=lambda b: captured.setdefault("b", b)) == 0
        refused = captured["b"].handler({"id": "u0", "input": job})
        assert refused["error"]["code"] == "lora_fetch_failed" and hits == []
        assert "not public" in refused["error"]["message"] and "secret" not in str(refused)

        env = sd1_env(
            event_sink, tmp_path / "local", tiny_model_dirs, VISGATE_ALLOW_PRIVATE_URLS="1"
        )
        assert run(env, start=lambda b: captured.update(b=b)) == 0
        first = captured["b"].handler({"id": "u1", "input": job})
        again = captured["b"].handler({"id": "u2", "input": job})
    finally:
        server.shutdown()
    assert len(hits) == 1 and again["loras"][0]["cache_hit"] is True
    sha = hashlib.sha256(body).hexdigest()
    assert (
        first["loras"][0]["name"] == f"req_{sha[:16]}" and first["loras"][0]["cache_hit"] is False
    )
