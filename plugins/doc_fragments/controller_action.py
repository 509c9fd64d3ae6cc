# -*- coding: utf-8 -*-
# Copyright: contributors to anycast.network
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Attributes shared by the modules whose work an action plugin of the same name does on the controller
    # (intent_validate, cost_estimate, rpki_roas); each module documents its own check_mode and diff_mode.
    DOCUMENTATION = r"""
attributes:
  action:
    support: full
    description: The work is done by the action plugin of the same name, on the controller.
  platform:
    support: full
    platforms: all
    description: Runs on the controller.
"""
