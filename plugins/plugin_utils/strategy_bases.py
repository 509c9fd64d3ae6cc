# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base classes of the collection's strategies: Ansible's own strategy through Mitogen when the mitogen package is
installed (and ANYCAST_STRATEGY_PLAIN is not set), else ansible-core's plain one; both behind the run's caches
(template code, Jinja plugin look-ups) and woken by results instead of polling for them."""

from __future__ import annotations

import collections
import os
import threading

from ansible.errors import AnsibleError
from ansible_collections.anycast.network.plugins.plugin_utils import jinja_plugin_lookup_cache, template_code_cache


class RunCaches:
    """Installs the run's caches when the strategy is made, in the playbook's main process, before the first worker
    is forked: compiled templates (plugins/plugin_utils/template_code_cache.py) and the filters and tests the
    templates look up (plugins/plugin_utils/jinja_plugin_lookup_cache.py)."""

    def __init__(self, *args, **kwargs):
        template_code_cache.install()
        jinja_plugin_lookup_cache.install()
        super().__init__(*args, **kwargs)


class ResultQueue(collections.deque):
    """The strategy's queue of task results (ansible-core's results thread appends to it), which says when one
    arrived."""

    def __init__(self, *args):
        super().__init__(*args)
        self.arrived = threading.Event()

    def append(self, item):
        super().append(item)
        self.arrived.set()


class ResultWait:
    """A strategy that sleeps until a task result arrives instead of looking for one every millisecond.

    ansible-core's strategies poll their results (`internal_poll_interval`, 1 ms): while a worker runs, the
    playbook's main process wakes a thousand times a second, and the free strategy peeks at every host's next task
    on each wake. That polling is work of the controller for as long as the instances work, so it grows with the
    instances of a batch and with the time the batch takes. Here the wait ends as soon as the results thread
    queues a result; RESULT_WAIT_CAP bounds it for what polling also notices (a worker that died without a result, a
    stop asked by a signal)."""

    RESULT_WAIT_CAP = 0.05

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No task has been queued yet, so no result either: the queue is empty when it is swapped.
        self._results = ResultQueue(self._results)

    def _await_result(self):
        """Until a result is queued (or RESULT_WAIT_CAP). A result queued after the last look and before this call
        has already set the event; one queued between the wake and the clear is in the queue for the next look."""
        arrived = self._results.arrived
        arrived.wait(self.RESULT_WAIT_CAP)
        arrived.clear()

    def _wait_on_pending_results(self, iterator):
        """ansible-core's loop (StrategyBase._wait_on_pending_results), waking on results."""
        results = []
        while self._pending_results > 0 and not self._tqm._terminated:
            if self._tqm.has_dead_workers():
                raise AnsibleError("A worker was found in a dead state")
            results.extend(self._process_pending_results(iterator))
            if self._pending_results > 0:
                self._await_result()
        return results


def strategy_bases(name, plain):
    """(RunCaches, ResultWait, Mitogen's mixin, Mitogen's `name` strategy), or (RunCaches,
    ResultWait, plain) when Mitogen is missing, switched off or incompatible. The last class holds the strategy's own
    loop."""
    if os.environ.get("ANYCAST_STRATEGY_PLAIN", "") in ("1", "true", "yes"):
        return RunCaches, ResultWait, plain
    try:
        import ansible_mitogen.loaders
        import ansible_mitogen.strategy

        return (RunCaches, ResultWait, ansible_mitogen.strategy.StrategyMixin,
                ansible_mitogen.loaders.strategy_loader.get(name, class_only=True))
    except Exception:  # mitogen missing or incompatible: plain
        return RunCaches, ResultWait, plain
