"""How `make run` starts its embedder on one machine (facegate/children.py)."""

import os

import pytest

from facegate.children import embedder_instances, one_machine_embedder

CORES = str(min(os.cpu_count() or 1, 4))


@pytest.fixture(autouse=True)
def unset(monkeypatch) -> None:
    for name in ("EMBEDDER_PROCESSES", "EMBEDDER_WORKERS", "EMBEDDER_MODEL", "EMBEDDER_SPIN"):
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


def test_one_process_is_one_instance_as_given() -> None:
    sface = {"EMBEDDER_PROCESSES": "1", "EMBEDDER_WORKERS": "2"}
    assert embedder_instances(sface) == [sface]


def test_several_processes_become_single_process_instances_that_do_not_spin() -> None:
    # each on its own port, so the backend's pool, not the kernel's accept, spreads the work
    one = {"EMBEDDER_PROCESSES": "1", "EMBEDDER_MODEL": "Dlib", "EMBEDDER_SPIN": "false"}
    assert embedder_instances({"EMBEDDER_PROCESSES": "3", "EMBEDDER_MODEL": "Dlib"}) == [one] * 3


def test_spinning_asked_for_is_kept(monkeypatch) -> None:
    monkeypatch.setenv("EMBEDDER_SPIN", "true")
    assert embedder_instances({"EMBEDDER_PROCESSES": "2"}) == [{"EMBEDDER_PROCESSES": "1"}] * 2
    given = {"EMBEDDER_PROCESSES": "2", "EMBEDDER_SPIN": "true"}
    assert embedder_instances(given) == [{"EMBEDDER_PROCESSES": "1", "EMBEDDER_SPIN": "true"}] * 2
