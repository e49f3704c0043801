"""Requests that found the database unreachable are run again when that is safe (reads,
creates with an Idempotency-Key), and answered at once otherwise."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from backend.handler.retry import RetryWhenSafe
from facegate_shared.bodies import error_body


def flaky_app(failures: int, code: str = "database_unavailable") -> tuple[TestClient, list[bytes]]:
    """Answers 503 `code` `failures` times, then 200 with what it was sent; records bodies."""
    app = FastAPI()
    seen: list[bytes] = []

    @app.api_route("/thing", methods=["GET", "POST"])
    async def thing(request: Request) -> JSONResponse:
        seen.append(await request.body())
        if len(seen) <= failures:
            return JSONResponse(error_body(code, "the database is not reachable"), 503)
        return JSONResponse({"got": (await request.body()).decode()})

    app.add_middleware(RetryWhenSafe, seconds=2.0, pause=0.01)
    return TestClient(app), seen


def test_a_read_is_run_again_until_the_database_answers() -> None:
    client, seen = flaky_app(failures=3)
    answer = client.get("/thing")
    assert answer.status_code == 200 and len(seen) == 4


def test_a_create_with_an_idempotency_key_is_run_again_with_the_same_body() -> None:
    client, seen = flaky_app(failures=2)
    answer = client.post("/thing", content=b"photo", headers={"Idempotency-Key": "k1"})
    assert answer.status_code == 200 and answer.json() == {"got": "photo"}
    assert seen == [b"photo"] * 3


def test_a_create_without_a_key_answers_503_at_once() -> None:
    client, seen = flaky_app(failures=1)
    answer = client.post("/thing", content=b"frame")
    assert answer.status_code == 503 and len(seen) == 1
    assert answer.json()["error"]["code"] == "database_unavailable"


def test_commit_unknown_is_never_run_again() -> None:
    client, seen = flaky_app(failures=1, code="commit_unknown")
    answer = client.post("/thing", content=b"photo", headers={"Idempotency-Key": "k2"})
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "commit_unknown"
    assert len(seen) == 1


def test_past_its_time_the_503_goes_out() -> None:
    client, seen = flaky_app(failures=10_000)
    answer = client.get("/thing")
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "database_unavailable"
    assert len(seen) > 2  # it did try again meanwhile
