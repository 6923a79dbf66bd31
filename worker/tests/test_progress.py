import json

from visgate_worker.progress import DownloadProgress, EventReporter


def make(post, **kw):
    sleeps = []
    r = EventReporter(
        "https://ctl/workerEvents",
        "tok-123",
        worker_id="w1",
        post=post,
        sleep=sleeps.append,
        now=lambda: "2026-01-01T00:00:00.000Z",
        **kw,
    )
    return r, sleeps


def test_posts_the_event_with_the_bearer_token_and_drops_empty_fields():
    calls = []
    r, _ = make(
        lambda url, headers, body, timeout: calls.append((url, headers, json.loads(body))) or 204
    )
    assert r.send("loading", source="local", bytes_done=None)
    _url, headers, body = calls[0]
    assert headers["Authorization"] == "Bearer tok-123"
    assert body == {
        "type": "loading",
        "at": "2026-01-01T00:00:00.000Z",
        "worker_id": "w1",
        "source": "local",
    }


def test_retries_with_backoff_then_gives_up_without_raising():
    def post(*_):
        raise ConnectionRefusedError()

    r, sleeps = make(post, attempts=4, backoff_s=0.5)
    assert r.send("ready") is False
    assert sleeps == [0.5, 1.0, 2.0]


def test_retries_a_503_and_succeeds():
    statuses = iter([503, 429, 200])
    r, sleeps = make(lambda *_: next(statuses))
    assert r.send("ready") is True
    assert len(sleeps) == 2


def test_stops_reporting_after_a_404_for_a_wrong_token():
    calls = []
    r, sleeps = make(lambda *a: calls.append(a) or 404)
    assert r.send("loading") is False
    assert r.send("ready") is False
    assert len(calls) == 1 and sleeps == []


def test_never_logs_the_token(caplog):
    caplog.set_level("DEBUG")
    r, _ = make(lambda *_: 500, attempts=2)
    r.send("ready")
    r2, _ = make(lambda *_: 404)
    r2.send("ready")
    assert "tok-123" not in caplog.text


def test_sends_nothing_without_an_events_url():
    r = EventReporter(None, None, post=lambda *_: 1 / 0)
    assert r.send("ready") is False


def test_throttles_download_events_but_always_sends_the_last():
    sent = []
    r, _ = make(lambda url, h, body, t: sent.append(json.loads(body)) or 200)
    now = [0.0]
    progress = DownloadProgress(r, every_s=5, clock=lambda: now[0])
    for done in (10, 20, 30):
        now[0] += 1
        progress("s3", done, 40)
    now[0] += 1
    progress("s3", 40, 40)
    assert [e["bytes_done"] for e in sent] == [10, 40]
    assert sent[-1]["throughput_bytes_per_s"] == 10.0
