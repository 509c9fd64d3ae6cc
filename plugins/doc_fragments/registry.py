# -*- coding: utf-8 -*-
# Copyright: contributors to anycast.network
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Options shared by the modules that talk to a routing registry (RIPE Database REST API, IRRd 4).
    DOCUMENTATION = r"""
options:
  backend:
    description:
      - The registry's software.
      - V(ripe) is the RIPE Database REST API (JSON).
      - V(irrd) is the HTTP API of IRRd 4, which RADB and other IRRd-based registries run.
    type: str
    choices: [ripe, irrd]
    required: true
  url:
    description:
      - Base URL of the registry's API.
      - For O(backend=ripe) it defaults to C(https://rest.db.ripe.net), or to the TEST database
        C(https://rest-test.db.ripe.net) when O(source=TEST).
      - Required for O(backend=irrd), for example C(https://irrd.example.net).
    type: str
  source:
    description:
      - The registry source the objects live in, for example C(RIPE), C(TEST), C(RADB).
    type: str
    required: true
  api_key:
    description:
      - For O(backend=ripe), a RIPE Database API key, either as C(KEYID:SECRET) or as the Base64 token of the
        Authorization header shown when the key was created. It is sent as HTTP Basic authentication.
      - For O(backend=irrd), an IRRd API key of the maintainer (IRRd 4.4 and later).
      - Never logged, never shown in results or diffs.
    type: str
  password:
    description:
      - The maintainer's password.
      - For O(backend=ripe) this is the legacy MD5 password, used only when O(api_key) is empty. The RIPE NCC is
        removing MD5 password authentication; prefer an API key.
      - For O(backend=irrd), the clear-text password of an C(MD5-PW), C(BCRYPT-PW) or C(CRYPT-PW) line of the maintainer.
      - Never logged, never shown in results or diffs.
    type: str
  timeout:
    description: Seconds to wait for one answer of the registry.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is repeated after a timeout, a refused connection, HTTP 429 or a 5xx answer,
        with exponential backoff.
    type: int
    default: 4
  validate_certs:
    description: Check the registry's TLS certificate.
    type: bool
    default: true
notes:
  - Free-text values are checked before anything is sent. A line break, a value starting with C(word:) or a C(#)
    would let the text add other RPSL attributes to the object, or cut it short; such values are refused.
"""
