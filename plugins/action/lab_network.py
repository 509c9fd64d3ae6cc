# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run plugins/modules/lab_network.py in the worker process when the task runs on the controller
(see plugins/plugin_utils/controller_module.py)."""

from __future__ import annotations

from ansible_collections.anycast.network.plugins.modules import lab_network
from ansible_collections.anycast.network.plugins.plugin_utils.controller_module import ControllerModuleAction


class ActionModule(ControllerModuleAction):
    MODULE = lab_network
