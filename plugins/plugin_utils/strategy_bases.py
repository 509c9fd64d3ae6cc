# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base classes of the collection's strategies: Ansible's own strategy through Mitogen when the mitogen package is
installed (and ANYCAST_STRATEGY_PLAIN is not set), else ansible-core's plain one."""

from __future__ import annotations

import os


def strategy_bases(name, plain):
    """(True, (Mitogen's mixin, Mitogen's `name` strategy)) or (False, (plain,)) when Mitogen is missing, switched off
    or incompatible."""
    if os.environ.get("ANYCAST_STRATEGY_PLAIN", "") in ("1", "true", "yes"):
        return False, (plain,)
    try:
        import ansible_mitogen.loaders
        import ansible_mitogen.strategy

        return True, (ansible_mitogen.strategy.StrategyMixin,
                      ansible_mitogen.loaders.strategy_loader.get(name, class_only=True))
    except Exception:  # mitogen missing or incompatible: plain
        return False, (plain,)
