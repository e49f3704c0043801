"""free_port's ports: free, never handed out twice by one process, and below the kernel's
range for outgoing connections, where no outgoing connection takes one before its owner
binds it (an etcd peer's connection once took HAProxy's port and the HA stack did not start)."""

import socket

from facegate.processes import (
    LOWEST_FREE_PORT,
    free_port,
    free_weed_port,
    outgoing_ports_start,
    weed_ports,
)


def test_free_ports_are_bindable_distinct_and_below_the_outgoing_range():
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(LOWEST_FREE_PORT <= port < outgoing_ports_start() for port in ports)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", ports[-1]))


def test_a_weed_block_is_not_handed_out_again_as_a_free_port():
    block = set(weed_ports(free_weed_port()))
    assert not block.intersection(free_port() for _ in range(500))


def test_weed_blocks_lie_below_the_outgoing_range_and_apart():
    blocks = [set(weed_ports(free_weed_port())) for _ in range(20)]
    assert all(LOWEST_FREE_PORT <= p < outgoing_ports_start() for b in blocks for p in b)
    assert sum(len(b) for b in blocks) == len(set().union(*blocks))


def test_outgoing_connections_take_their_ports_from_the_kernels_range():
    with socket.socket() as server, socket.socket() as client:
        server.bind(("127.0.0.1", free_port()))
        server.listen()
        client.connect(server.getsockname())
        assert client.getsockname()[1] >= outgoing_ports_start()
