"""How many threads a request alone in its process gets: timed at warm-up, not assumed.

A second thread nearly halves a lone check-in's model time on some 2-core machines (an
Intel Xeon: SFace 7.7 ms on 2 threads against 13.9 on one) and buys little or nothing on
others (an AMD EPYC guest: a frame 32.7 ms on 2 spinning threads against 29.6-32.8 on one,
for half again the CPU; bench/README.md). Nothing the process can read tells the two
apart, so the embedder times its own work on each thread count when it starts and gives
lone requests more threads only where they measurably pay. A virtual machine's second
core comes and goes with its host's load (the same guest timed 14 ms on 2 threads against
22 on one, and a minute later 29 against 26), so the embedder times again while it is idle
(EMBEDDER_RETIME_SECONDS).
"""

import statistics
from collections.abc import Callable, Sequence

# More threads must cut a lone request's wall time by at least this share: they cost
# 50-60 % more CPU (ORT's threads spin between layers), CPU another process or a request
# arriving next may want, so a few per cent are not worth it. Ten per cent is: on the AMD
# guest a second thread cut a lone frame's extraction from 11.2 to 9.5 ms (14 %, for 17.1
# ms of CPU against 11.2) for an hour on end, and 0.15 kept one thread all that time;
# when the host gave 7 %, one thread stays (bench/README.md, "a second thread at 14 %").
MIN_GAIN = 0.10
# Timed calls per thread count, alternating between the counts so a passing load or a
# clock change weighs on each alike; the median drops the odd slow call.
ROUNDS = 7
# Untimed rounds first: a session's first runs pay its lazy setup (38-85 ms against 22).
UNTIMED_ROUNDS = 1


def lone_request_threads(
    time_on: Callable[[int], float],
    counts: Sequence[int],
    rounds: int = ROUNDS,
    min_gain: float = MIN_GAIN,
    interrupted: Callable[[], bool] = lambda: False,
) -> int | None:
    """The thread count of `counts` a lone request should get: the fewest threads, unless
    more are faster by `min_gain` or more. `time_on(n)` runs the work on n threads and
    returns its wall time. None when `interrupted()` turns true before the timing ends
    (a request arrived: its work would skew the figures, and it should not wait)."""
    ordered = sorted(set(counts))
    if len(ordered) == 1:
        return ordered[0]  # nothing to choose: no time spent
    times: dict[int, list[float]] = {n: [] for n in ordered}
    for round_ in range(UNTIMED_ROUNDS + rounds):
        for threads in ordered:
            if interrupted():
                return None
            taken = time_on(threads)
            if round_ >= UNTIMED_ROUNDS:
                times[threads].append(taken)
    medians = {n: statistics.median(taken) for n, taken in times.items()}
    chosen = ordered[0]
    for threads in ordered[1:]:
        if medians[threads] <= (1 - min_gain) * medians[chosen]:
            chosen = threads
    return chosen
