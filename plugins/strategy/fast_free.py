# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: fast_free
short_description: Each host of a batch runs its tasks without waiting for the others; a failure stops every host
version_added: 1.0.0
description:
  - Ansible's C(free) strategy (through Mitogen when the C(mitogen) Python package is installed, as
    C(anycast.network.fast) does for linear). A host that finished a task starts its next one at once instead of
    waiting for the slowest host of its batch. On a controller with few cores this keeps the controller busy while
    an instance works (a cold converge of four instances per PoP batch on 2 cores took about 48 s in the configure
    step with linear and 39 s with this strategy).
  - Unlike C(ansible.builtin.free), a failure stops the run as C(any_errors_fatal) does with linear. When a host of
    the batch fails or is unreachable, the other hosts of the batch get no further task (a task already running
    finishes) and no later C(serial) batch runs. This holds whatever the play sets; C(any_errors_fatal) and
    C(max_fail_percentage) on the play are accepted (for the linear strategies) without the free strategy's
    warnings that it ignores them. A task with C(ignore_errors) or a failure handled by a C(rescue) section stops
    nothing.
  - Not for plays that need the hosts in step (C(run_once), C(delegate_to) across hosts of the batch, handlers
    shared by the batch); the configure play has none.
  - Set C(ANYCAST_STRATEGY_PLAIN=1) to run without Mitogen (plain C(free) with the same failure rule).
author:
  - anycast.network developers
"""

import time

from ansible.plugins.strategy.free import StrategyModule as _Free
from ansible.utils.display import Display
from ansible_collections.anycast.network.plugins.plugin_utils.strategy_bases import strategy_bases

display = Display()

_BASES = strategy_bases("free", _Free)
# The class whose run() holds the free strategy's loop (and its warnings).
FREE = _BASES[-1]
# The free strategy's warnings that this strategy makes untrue.
IGNORED_WARNINGS = ("Using any_errors_fatal with the free strategy", "Using max_fail_percentage with the free strategy")


class _Quiet:
    """The free strategy's display, without the warnings in IGNORED_WARNINGS."""

    def __init__(self, real):
        self._real = real

    def warning(self, msg, *args, **kwargs):
        if not str(msg).startswith(IGNORED_WARNINGS):
            self._real.warning(msg, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._real, name)


class _ResultClock:
    """The free strategy's `time`, whose sleep between two looks at the hosts waits for a task result
    (ResultWait in plugins/plugin_utils/strategy_bases.py) instead of polling every millisecond. A look that
    processed a result or ran a meta task (in the loop itself, without a worker) may have left a host with a task to
    queue: then the loop sleeps its usual interval and looks again."""

    def __init__(self, strategy):
        self._strategy = strategy

    def sleep(self, seconds):
        if self._strategy._anycast_moved:
            self._strategy._anycast_moved = False
            time.sleep(seconds)
        else:
            self._strategy._await_result()

    def __getattr__(self, name):
        return getattr(time, name)


class StopOnFailure:
    """The free strategy's loop, with linear's any_errors_fatal: the first failed or unreachable host of a batch
    marks every other host of the batch failed (nothing more is queued for them) and ends the play."""

    def run(self, iterator, play_context, *args, **kwargs):
        tqm = self._tqm
        self._anycast_seen = set(tqm._failed_hosts) | set(tqm._unreachable_hosts)
        self._anycast_stopped = None
        # The free strategy warns that it ignores any_errors_fatal (on every task) and max_fail_percentage; this
        # strategy does what they ask, so those two warnings are left out while it runs.
        globs = FREE.run.__globals__
        saved, saved_time = globs.get("display"), globs.get("time")
        globs["display"] = _Quiet(saved or display)
        # Between two looks at the hosts, the loop waits for a result instead of a millisecond (_ResultClock).
        self._anycast_moved = False
        globs["time"] = _ResultClock(self)
        try:
            result = super().run(iterator, play_context, *args, **kwargs)
        finally:
            globs["display"], globs["time"] = saved, saved_time
        if self._anycast_stopped:
            return tqm.RUN_FAILED_BREAK_PLAY
        return result

    def _execute_meta(self, *args, **kwargs):
        self._anycast_moved = True
        return super()._execute_meta(*args, **kwargs)

    def _process_pending_results(self, iterator, *args, **kwargs):
        results = super()._process_pending_results(iterator, *args, **kwargs)
        if results:
            self._anycast_moved = True
        if self._anycast_stopped is None:
            tqm = self._tqm
            new = (set(tqm._failed_hosts) | set(tqm._unreachable_hosts)) - self._anycast_seen
            if new:
                self._anycast_stopped = sorted(new)
                others = [h for h in self.get_hosts_left(iterator) if h.name not in new]
                if others:
                    display.display("%s failed: no further task for %s, and no later batch runs" % (
                        ", ".join(self._anycast_stopped), ", ".join(h.name for h in others)), color="red")
                for host in others:
                    tqm._failed_hosts[host.name] = True
                    iterator.mark_host_failed(host)
        return results


class StrategyModule(StopOnFailure, *_BASES):
    """Mitogen's free strategy, or plain free, stopping at the first failure."""
