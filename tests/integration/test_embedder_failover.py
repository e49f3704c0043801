"""The backend's embedder client on real sockets: keep-alive connections pin no embedder,
a closed port is skipped, an embedder that stops mid-stream or drops a request costs no
request, and a timeout is not repeated elsewhere."""

import contextlib
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend.domain import errors
from backend.infrastructure.http_embedder import HttpEmbedder
from facegate.processes import free_port

MODEL = {"model": "SFace", "dim": 128, "detector": "yunet", "thresholds": {}}


class ModelServer:
    """A stand-in embedder on loopback that answers /api/v1/model and counts its requests
    (HTTP/1.1, so the client keeps its connection alive)."""

    def __init__(self, name: str, served: Counter[str]) -> None:
        accepted: list[socket.socket] = []
        self.accepted = accepted

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                accepted.append(self.request)
                super().setup()

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                served[name] += 1
                body = json.dumps(MODEL).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """As a killed process would: no listener, and every open connection closed."""
        self.server.shutdown()
        self.server.server_close()
        for connection in self.accepted:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def servers() -> Iterator[tuple[list[ModelServer], Counter[str]]]:
    served: Counter[str] = Counter()
    made = [ModelServer("a", served), ModelServer("b", served)]
    yield made, served
    for server in made:
        with contextlib.suppress(OSError, ValueError):
            server.stop()


def test_keep_alive_pins_no_embedder_and_a_closed_port_is_skipped(servers) -> None:
    (a, b), served = servers
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    embedder = HttpEmbedder(f"{a.url},{closed},{b.url}")
    try:
        for _ in range(40):
            assert embedder.model_info().dim == 128
    finally:
        embedder.close()
    assert served["a"] + served["b"] == 40
    assert min(served["a"], served["b"]) >= 15


def test_an_embedder_stopping_mid_stream_costs_no_request(servers) -> None:
    (a, b), served = servers
    embedder = HttpEmbedder(f"{a.url},{b.url}")
    try:
        for _ in range(10):
            embedder.model_info()
        a.stop()  # its port now refuses connections; its kept-alive socket is dead
        for _ in range(20):
            assert embedder.model_info().model == "SFace"
    finally:
        embedder.close()
    assert served["a"] == 5
    assert served["b"] == 25


class SilentServer:
    """A stand-in embedder that reads each request and then, as told, closes the
    connection without a word (`drop`) or says nothing until the client gives up."""

    def __init__(self, drop: bool) -> None:
        self.requests = 0
        self.listener = socket.create_server(("127.0.0.1", free_port()))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.drop = drop
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.listener.accept()
                connection.recv(65536)
                self.requests += 1
                if self.drop:
                    connection.close()
                else:
                    self.held.append(connection)

    def stop(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


def test_an_embedder_dropping_the_connection_hands_the_request_on(servers) -> None:
    """An extraction is a pure function of the image: one the embedder dropped (it died
    mid-request) is asked of the next, and fails only when no embedder answers."""
    (a, _), served = servers
    dropper = SilentServer(drop=True)
    try:
        embedder = HttpEmbedder(f"{dropper.url},{a.url}")
        for _ in range(4):
            assert embedder.model_info().dim == 128
        embedder.close()
        assert served["a"] == 4
        assert dropper.requests == 4  # its two turns, each asked twice, then handed on
        alone = HttpEmbedder(dropper.url)
        with pytest.raises(errors.EmbedderUnavailable, match="not reachable"):
            alone.model_info()
        alone.close()
    finally:
        dropper.stop()


def test_a_timeout_is_not_repeated_on_another_embedder(servers) -> None:
    """A slow embedder's request is not handed to the next: that would double the work of
    a machine already too slow to answer."""
    (a, _), served = servers
    silent = SilentServer(drop=False)
    try:
        embedder = HttpEmbedder(f"{silent.url},{a.url}", timeout=0.3)
        with pytest.raises(errors.EmbedderUnavailable, match="not reachable"):
            embedder.model_info()  # the silent one's turn
        embedder.close()
        # the stand-in's thread may count the request after the client gave up on it
        deadline = time.monotonic() + 10
        while silent.requests < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert silent.requests == 1
        assert served["a"] == 0
    finally:
        silent.stop()


class OneAnswerAConnection:
    """A stand-in embedder that answers the first request on each connection (kept alive)
    and closes the connection when a second one comes on it: what a client sees when the
    embedder's keep-alive runs out just as its request goes out."""

    def __init__(self) -> None:
        self.answered = 0
        self.closed_under_a_request = 0
        self.listener = socket.create_server(("127.0.0.1", free_port()))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.listener.accept()
                threading.Thread(target=self._one, args=(connection,), daemon=True).start()

    def _one(self, connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            connection.recv(65536)
            body = json.dumps(MODEL).encode()
            self.answered += 1  # counted before the client can have the answer
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            if connection.recv(65536):  # a second request on the kept-alive connection
                self.closed_under_a_request += 1

    def stop(self) -> None:
        self.listener.close()


def test_a_kept_alive_connection_closed_under_a_request_costs_nothing() -> None:
    """The one embedder there is: its closed connection is replaced and the request asked
    again, not refused as "not reachable"."""
    server = OneAnswerAConnection()
    embedder = HttpEmbedder(server.url)
    try:
        for _ in range(5):
            assert embedder.model_info().dim == 128
    finally:
        embedder.close()
        server.stop()
    assert server.answered == 5
    assert server.closed_under_a_request == 4
