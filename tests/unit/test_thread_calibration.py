"""Which thread count a lone request gets (embedder/thread_calibration.py): more threads
only where the timed work shows they pay."""

import itertools

from embedder.service import LONE_THREADS_CHOSEN, lone_threads_logged
from embedder.thread_calibration import MIN_GAIN, UNTIMED_ROUNDS, lone_request_threads


def timer(times: dict[int, list[float]]):
    """time_on(n) answering the next of `times[n]`, and the order it was asked in."""
    queues = {n: itertools.cycle(taken) for n, taken in times.items()}
    asked: list[int] = []

    def time_on(threads: int) -> float:
        asked.append(threads)
        return next(queues[threads])

    return time_on, asked


def test_a_second_thread_that_halves_the_time_is_given():
    time_on, _ = timer({1: [14.0], 2: [7.7]})  # the Intel machine
    assert lone_request_threads(time_on, (1, 2)) == 2


def test_a_second_thread_that_buys_a_few_per_cent_is_not():
    time_on, _ = timer({1: [24.7], 2: [22.8]})  # 8 % faster for half again the CPU
    assert lone_request_threads(time_on, (1, 2)) == 1


def test_a_second_thread_that_is_slower_is_not_given():
    time_on, _ = timer({1: [29.6], 2: [32.7]})
    assert lone_request_threads(time_on, (2, 1)) == 1


def test_the_gain_must_reach_the_minimum():
    just = 10.0 * (1 - MIN_GAIN)
    assert lone_request_threads(timer({1: [10.0], 2: [just]})[0], (1, 2)) == 2
    assert lone_request_threads(timer({1: [10.0], 2: [just + 0.1]})[0], (1, 2)) == 1


def test_an_odd_slow_call_does_not_decide():
    """The median of the rounds: one call slowed by a passing load changes nothing."""
    time_on, _ = timer({1: [14.0] * 6 + [2.0], 2: [8.0, 60.0] + [8.0] * 5})
    assert lone_request_threads(time_on, (1, 2), rounds=7) == 2


def test_the_first_round_is_not_counted():
    """A session's first run pays its lazy setup: a slow first call on one thread only."""
    time_on, _ = timer({1: [85.0] + [14.0] * 7, 2: [8.0, 13.0, 13.0, 13.0]})
    assert lone_request_threads(time_on, (1, 2), rounds=1) == 1


def test_the_counts_are_timed_in_turn():
    """Alternating, so a load that comes and goes weighs on every count alike."""
    time_on, asked = timer({1: [10.0], 2: [9.0]})
    lone_request_threads(time_on, (2, 1), rounds=3)
    assert asked == [1, 2] * (UNTIMED_ROUNDS + 3)


def test_each_further_count_must_pay_against_the_one_chosen():
    time_on, _ = timer({1: [20.0], 2: [12.0], 4: [11.0]})  # 4 is not 10 % faster than 2
    assert lone_request_threads(time_on, (1, 2, 4)) == 2
    time_on, _ = timer({1: [20.0], 2: [12.0], 4: [6.0]})
    assert lone_request_threads(time_on, (1, 2, 4)) == 4


def test_one_count_is_that_count():
    time_on, asked = timer({1: [10.0]})
    assert lone_request_threads(time_on, (1,)) == 1
    assert asked == []


def test_the_logged_choices_read_back_the_latest_per_process():
    log = "\n".join(
        [
            "2026-12-04 11:50:27 embedder " + LONE_THREADS_CHOSEN % (8434, 1),
            "2026-12-04 11:50:27 embedder embedder ready: {'model': 'SFace'}",
            "2026-12-04 11:50:28 embedder " + LONE_THREADS_CHOSEN % (8433, 1),
            "2026-12-04 11:50:37 embedder " + LONE_THREADS_CHOSEN % (8434, 2),
        ]
    )
    assert lone_threads_logged(log) == {8434: 2, 8433: 1}
    assert lone_threads_logged("no timing yet") == {}
