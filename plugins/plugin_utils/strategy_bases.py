# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base classes of the collection's strategies: Ansible's own strategy through Mitogen when the mitogen package is
installed (and ANYCAST_STRATEGY_PLAIN is not set), else ansible-core's plain one; both behind the template cache."""

from __future__ import annotations

import os

from ansible_collections.anycast.network.plugins.plugin_utils import template_code_cache


class TemplateCodeCache:
    """Installs the run's template cache when the strategy is made, in the playbook's main process, before the
    first worker is forked (plugins/plugin_utils/template_code_cache.py)."""

    def __init__(self, *args, **kwargs):
        template_code_cache.install()
        super().__init__(*args, **kwargs)


def strategy_bases(name, plain):
    """(TemplateCodeCache, Mitogen's mixin, Mitogen's `name` strategy), or (TemplateCodeCache, plain) when Mitogen is
    missing, switched off or incompatible. The last class holds the strategy's own loop."""
    if os.environ.get("ANYCAST_STRATEGY_PLAIN", "") in ("1", "true", "yes"):
        return TemplateCodeCache, plain
    try:
        import ansible_mitogen.loaders
        import ansible_mitogen.strategy

        return (TemplateCodeCache, ansible_mitogen.strategy.StrategyMixin,
                ansible_mitogen.loaders.strategy_loader.get(name, class_only=True))
    except Exception:  # mitogen missing or incompatible: plain
        return TemplateCodeCache, plain
