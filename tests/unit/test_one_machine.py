"""How `make run` starts its one embedder on one machine (facegate/children.py)."""

import os

import pytest

from facegate.children import one_machine_embedder

CORES = str(min(os.cpu_count() or 1, 4))


@pytest.fixture(autouse=True)
def unset(monkeypatch) -> None:
    for name in ("EMBEDDER_PROCESSES", "EMBEDDER_WORKERS", "EMBEDDER_MODEL"):
        monkeypatch.delenv(name, raising=False)


def test_sface_gets_one_process_with_a_worker_per_core() -> None:
    assert one_machine_embedder() == {"EMBEDDER_PROCESSES": "1", "EMBEDDER_WORKERS": CORES}


def test_dlib_which_holds_the_gil_gets_a_process_per_core(monkeypatch) -> None:
    assert one_machine_embedder("Dlib") == {"EMBEDDER_PROCESSES": CORES}
    monkeypatch.setenv("EMBEDDER_MODEL", "Dlib")
    assert one_machine_embedder() == {"EMBEDDER_PROCESSES": CORES}


def test_what_the_operator_set_is_kept(monkeypatch) -> None:
    monkeypatch.setenv("EMBEDDER_PROCESSES", "3")
    assert one_machine_embedder() == {"EMBEDDER_PROCESSES": "3"}
