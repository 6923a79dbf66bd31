import sys
import types

from visgate_worker.main import Booted, start_runpod


def test_registers_the_fitness_check_and_starts_runpod_with_the_handler(monkeypatch):
    calls = []
    serverless = types.SimpleNamespace(
        register_fitness_check=lambda fn: calls.append(("fitness", fn)),
        start=lambda config: calls.append(("start", config)),
    )
    monkeypatch.setitem(sys.modules, "runpod", types.SimpleNamespace(serverless=serverless))

    def handler(job):
        return {}

    def fitness():
        return None

    start_runpod(Booted(handler=handler, fitness=fitness, family="sd1", plan=None, timings={}))
    assert calls == [("fitness", fitness), ("start", {"handler": handler})]
