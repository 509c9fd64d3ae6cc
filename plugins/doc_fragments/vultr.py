# -*- coding: utf-8 -*-
# Copyright: anycast.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Options of every Vultr module (anycast.network.vultr_*). The environment fallbacks are done in Python
    # (module_utils/vultr/client.py, vultr_argument_spec) and named in the descriptions.
    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - The Vultr API key (sent as a bearer token).
      - If not set, the environment variable E(VULTR_API_KEY) is used.
      - Never logged and never returned.
    type: str
    required: true
  api_url:
    description:
      - Base URL of the Vultr API v2.
      - If not set, the environment variable E(VULTR_API_URL) is used, then the default.
    type: str
    default: https://api.vultr.com/v2
  api_timeout:
    description:
      - Seconds to wait for one answer of the API (environment E(VULTR_API_TIMEOUT)).
      - A call that times out is retried like a 5xx answer.
    type: float
    default: 60
  api_retries:
    description:
      - How many times a call is retried after HTTP 429, 500, 502, 503, 504, a timeout or a dropped connection
        (environment E(VULTR_API_RETRIES)).
      - The delay doubles each time, with jitter, up to O(api_retry_max_delay); a C(Retry-After) header is honoured.
    type: int
    default: 6
  api_retry_max_delay:
    description:
      - Longest delay in seconds between two retries (environment E(VULTR_API_RETRY_MAX_DELAY)).
    type: float
    default: 30
  api_per_page:
    description:
      - Items requested per page when listing (environment E(VULTR_API_PER_PAGE)). The API allows at most 500.
      - Every list follows the cursor to its last page whatever this value is.
    type: int
    default: 500
  validate_certs:
    description:
      - Whether to check the TLS certificate of the API.
    type: bool
    default: true
notes:
  - The API is rate limited (30 requests per second per source address at the time of writing); the retries and
    their backoff absorb short bursts of HTTP 429.
"""

    # Options of the inventory plugin: the same options with the configuration sources a plugin needs
    # (environment variables are declared here, not read by hand).
    PLUGIN = r"""
options:
  api_key:
    description:
      - The Vultr API key (sent as a bearer token).
      - May be a template, for example a lookup of a vault variable.
    type: str
    required: true
    env:
      - name: VULTR_API_KEY
  api_url:
    description:
      - Base URL of the Vultr API v2.
    type: str
    default: https://api.vultr.com/v2
    env:
      - name: VULTR_API_URL
  api_timeout:
    description:
      - Seconds to wait for one answer of the API.
    type: float
    default: 60
    env:
      - name: VULTR_API_TIMEOUT
  api_retries:
    description:
      - How many times a call is retried after HTTP 429, 5xx, a timeout or a dropped connection.
    type: int
    default: 6
    env:
      - name: VULTR_API_RETRIES
  api_retry_max_delay:
    description:
      - Longest delay in seconds between two retries.
    type: float
    default: 30
    env:
      - name: VULTR_API_RETRY_MAX_DELAY
  api_per_page:
    description:
      - Items requested per page when listing; the API allows at most 500. Every page is read.
    type: int
    default: 500
    env:
      - name: VULTR_API_PER_PAGE
  validate_certs:
    description:
      - Whether to check the TLS certificate of the API.
    type: bool
    default: true
    env:
      - name: VULTR_VALIDATE_CERTS
"""

    # Attributes shared by the Vultr modules.
    ATTRIBUTES = r"""
attributes:
  action_group:
    description: Use C(group/anycast.network.vultr) in C(module_defaults) to set the API options once.
    support: full
    membership:
      - anycast.network.vultr
  platform:
    description: The module talks to the Vultr API from the host it runs on.
    support: full
    platforms: all
"""
