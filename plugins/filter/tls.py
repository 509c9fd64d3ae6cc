# -*- coding: utf-8 -*-
# Copyright: contributors to the anycast.network collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared certificates: what the instances hold (read back), and what each instance is to hold."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping

_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.*?-----END \1-----", re.S)


def split_pem(text):
    """A bundle's private key and its certificate chain, apart (each PEM, newline-terminated, or empty)."""
    key, chain = [], []
    for block in _BLOCK.finditer(text or ""):
        (key if block.group(1).endswith("PRIVATE KEY") else chain).append(block.group(0))
    return ("\n".join(key[:1]) + "\n") if key else "", ("\n".join(chain) + "\n") if chain else ""


def _decode(result):
    if not isinstance(result, Mapping) or result.get("failed") or result.get("unreachable") or result.get("skipped"):
        return ""
    try:
        return base64.b64decode(result.get("content") or "").decode()
    except (ValueError, UnicodeDecodeError):
        return ""


def anycast_tls_held(hosts, hostvars, register="__caddy_tls_read"):
    """Per service: the bundles the instances hold and the first ACME account key found."""
    out = {}
    for host in hosts or []:
        facts = hostvars[host] if host in hostvars else {}
        read = facts.get(register) if isinstance(facts, Mapping) else None
        for result in (read or {}).get("results", []) if isinstance(read, Mapping) else []:
            item = result.get("item") if isinstance(result, Mapping) else None
            if not item or len(item) != 2:
                continue
            service, kind = item[0].get("name") if isinstance(item[0], Mapping) else item[0], item[1]
            entry = out.setdefault(str(service), {"held": [], "account_key": ""})
            text = _decode(result)
            if kind == "pem" and text:
                # Apart: the key goes to a no_log option, and a result that held it would come back masked.
                key, chain = split_pem(text)
                entry["held"].append({"instance": str(host), "certificate": chain, "private_key": key})
            elif kind == "account.key" and text and not entry["account_key"]:
                entry["account_key"] = text
    return out


def anycast_tls_bundles(plans, held, issued=None):
    """Per service: ``{"pem": key and chain, "account_key": ...}`` to install, from the plan step's results (kept
    certificate: its key is the held entry's), the finish step's (a new certificate) and the read-back."""
    out = {}
    finished = {}
    for result in (issued or {}).get("results", []) if isinstance(issued, Mapping) else []:
        if isinstance(result, Mapping) and result.get("certificate") and result.get("private_key"):
            finished[str(result["item"]["item"]["name"])] = result
    for result in (plans or {}).get("results", []) if isinstance(plans, Mapping) else []:
        if not isinstance(result, Mapping) or result.get("failed") or result.get("skipped"):
            continue
        name = str(result["item"]["name"])
        known = held.get(name, {}) if isinstance(held, Mapping) else {}
        account_key = known.get("account_key") or result.get("account_key") or ""
        if name in finished:
            key, chain = finished[name]["private_key"], finished[name]["certificate"]
        elif "source_index" in result and result.get("certificate"):
            key, chain = known["held"][result["source_index"]]["private_key"], result["certificate"]
        else:
            continue
        out[name] = {"pem": key.strip() + "\n" + chain.strip() + "\n", "account_key": account_key}
    return out


class FilterModule:
    def filters(self):
        return {"anycast_tls_held": anycast_tls_held, "anycast_tls_bundles": anycast_tls_bundles}
