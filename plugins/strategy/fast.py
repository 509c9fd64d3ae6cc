# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: fast
short_description: The linear strategy, run through Mitogen when it is installed
version_added: 1.0.0
description:
  - Behaves exactly like C(ansible.builtin.linear). When the C(mitogen) Python package is installed on the
    controller, tasks run through Mitogen's connection multiplexer, which on small controllers is several times
    faster (a 24-task play on 8 hosts took about 60 s with plain linear and about 8 s with Mitogen on 2 cores).
  - Without Mitogen (for example in an AWX execution environment that lacks it) it is plain linear, so the
    collection's playbooks always work.
  - Set C(ANYCAST_STRATEGY_PLAIN=1) to force plain linear.
author:
  - anycast.network developers
"""

from ansible.plugins.strategy.linear import StrategyModule as _Linear
from ansible_collections.anycast.network.plugins.plugin_utils.strategy_bases import strategy_bases

_BASES = strategy_bases("linear", _Linear)


class StrategyModule(*_BASES):
    """Mitogen's linear strategy, or plain linear."""
