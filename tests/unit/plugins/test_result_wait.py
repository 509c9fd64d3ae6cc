"""The strategies wait for task results instead of polling for them (ResultWait in
plugins/plugin_utils/strategy_bases.py, the free loop's clock in plugins/strategy/fast_free.py): a result wakes the
wait at once, nothing is looked for in between, a worker that died without a result is still found, and the free
loop looks again at once after a look that moved a host on."""

import threading
import time

import pytest
from ansible.errors import AnsibleError

from ansible_collections.anycast.network.plugins.plugin_utils.strategy_bases import ResultQueue, ResultWait
from ansible_collections.anycast.network.plugins.strategy.fast_free import _ResultClock


class FakeTQM:
    def __init__(self):
        self._terminated = False
        self.dead = False

    def has_dead_workers(self):
        return self.dead


class FakeBase:
    """What ResultWait needs of ansible-core's StrategyBase: its results queue and counter, and a
    _process_pending_results that counts its looks."""

    def __init__(self):
        self._results = ResultQueue()
        self._results_lock = threading.Lock()
        self._pending_results = 0
        self._tqm = FakeTQM()
        self.looks = 0

    def _process_pending_results(self, iterator):
        self.looks += 1
        done = []
        with self._results_lock:
            while self._results:
                done.append(self._results.popleft())
        self._pending_results -= len(done)
        return done


class Strategy(ResultWait, FakeBase):
    pass


def deliver(strategy, results, delay):
    """Results appended by another thread, as ansible-core's results thread does, one every `delay` seconds."""

    def run():
        for result in results:
            time.sleep(delay)
            with strategy._results_lock:
                strategy._results.append(result)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_the_queue_says_when_a_result_arrived():
    queue = ResultQueue(["a"])
    assert list(queue) == ["a"] and not queue.arrived.is_set()
    queue.append("b")
    assert queue.arrived.is_set() and queue.popleft() == "a"


def test_the_wait_ends_with_the_last_result_without_polling():
    strategy = Strategy()
    strategy._pending_results = 3
    start = time.monotonic()
    thread = deliver(strategy, ["r1", "r2", "r3"], 0.2)
    results = strategy._wait_on_pending_results(iterator=None)
    elapsed = time.monotonic() - start
    thread.join()
    assert results == ["r1", "r2", "r3"]
    assert strategy._pending_results == 0
    # Woken by the last result, not by the cap of a later look.
    assert elapsed < 0.6 + ResultWait.RESULT_WAIT_CAP
    # A look per result and one per cap at most: polling every millisecond would have looked some 600 times.
    assert strategy.looks <= 1 + 3 + int(0.6 / ResultWait.RESULT_WAIT_CAP) + 2


def test_a_dead_worker_is_still_found():
    strategy = Strategy()
    strategy._pending_results = 1
    threading.Timer(0.1, lambda: setattr(strategy._tqm, "dead", True)).start()
    with pytest.raises(AnsibleError, match="dead state"):
        strategy._wait_on_pending_results(iterator=None)


def test_a_stop_ends_the_wait():
    strategy = Strategy()
    strategy._pending_results = 1
    threading.Timer(0.1, lambda: setattr(strategy._tqm, "_terminated", True)).start()
    assert strategy._wait_on_pending_results(iterator=None) == []


def free_loop_clock(moved):
    """A strategy and the clock of its free loop, after a look that did or did not move a host on."""
    strategy = Strategy()
    strategy._anycast_moved = moved
    return strategy, _ResultClock(strategy)


def slept(clock):
    """How long the free loop's sleep between two looks lasted."""
    start = time.monotonic()
    clock.sleep(0.001)
    return time.monotonic() - start


def test_the_free_loop_waits_for_a_result_after_a_look_that_moved_nothing():
    strategy, clock = free_loop_clock(moved=False)
    # Nothing arrived: the wait lasted its cap.
    assert slept(clock) >= ResultWait.RESULT_WAIT_CAP * 0.9

    thread = deliver(strategy, ["r1"], 0.01)
    woken = slept(clock)
    thread.join()
    assert woken < ResultWait.RESULT_WAIT_CAP
    assert not strategy._results.arrived.is_set()


def test_the_free_loop_looks_again_at_once_after_a_look_that_moved_a_host():
    strategy, clock = free_loop_clock(moved=True)
    assert slept(clock) < ResultWait.RESULT_WAIT_CAP / 2
    # The next look that moves nothing waits again.
    assert strategy._anycast_moved is False
    # The clock is the free strategy's `time` for everything else.
    assert clock.monotonic() > 0
