# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values as the roles' templates write them into BIRD, Caddy, NSD and nftables configurations: each checked
against what the template's syntax can hold, escaped where the syntax has an escape that keeps the value's meaning,
and refused (an error naming the value's path) where it has none. No template trusts that the intent was validated
(docs/hardening.md). Documented in the .yml files beside this one."""

from __future__ import annotations

import html
import ipaddress
import re
import urllib.parse

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # pragma: no cover - outside Ansible
    AnsibleFilterError = ValueError

# A DNS label as zones and host names use it (letters, digits, '-' and '_'), '*' as a wildcard label.
_LABEL = re.compile(r"^(?:\*|[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)$")
# A name used as an identifier inside a configuration (service names in snippet and file names).
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
# Characters a single unquoted token may hold in any of the configurations: no blanks, quotes, braces, comment or
# statement separators, escapes.
_TOKEN_BAD = set(" \t\"'`{}#;\\()<>|")
_URLPATH = re.compile(r"^/[A-Za-z0-9._~!$&'*+,=:@%/-]*$")
URLPATH_WHAT = "a URL path starting with '/' (no blanks, quotes, braces, '?' or '#')"
_EMAIL = re.compile(r"^[A-Za-z0-9.!$%&*+/=?^_~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_DURATION = re.compile(r"^(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|ms|s|m|h|d))+$")
# Line breaks and other characters that change how a line reads (Unicode line separators, bidirectional controls).
_INVISIBLE = set("\x85\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def _fail(path, reason, value=None, secret=False):
    shown = "" if secret or value is None else " (got %r)" % (value,)
    raise AnsibleFilterError("%s: %s%s" % (path, reason, shown))


def _text(value, path, secret=False, what="a string"):
    """A one-line string without control characters; numbers are written as they read."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list, tuple)):
        _fail(path, "must be %s" % what, value, secret)
    text = str(value)
    for ch in text:
        if ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0 or ch in _INVISIBLE:
            _fail(path, "must be one line without control characters (it holds %r)" % ch, value, secret)
    return text


def _int(value, path, minimum=None, maximum=None):
    if isinstance(value, bool):
        _fail(path, "must be an integer", value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.match(r"^[0-9]+$", value):
        number = int(value)
    else:
        _fail(path, "must be an integer", value)
    if minimum is not None and number < int(minimum) or maximum is not None and number > int(maximum):
        _fail(path, "must be between %s and %s" % (minimum, maximum), value)
    return number


def _address(value, path, version=None):
    text = _text(value, path)
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        _fail(path, "must be an IP%s address" % ("v%d" % version if version else ""), value)
    if "%" in text:
        _fail(path, "must be an address without a zone index", value)
    if version and ip.version != int(version):
        _fail(path, "must be an IPv%d address" % int(version), value)
    return str(ip)


def _prefix(value, path, version=None, hosts=False):
    text = _text(value, path)
    try:
        net = ipaddress.ip_network(text, strict=True)
    except ValueError:
        if hosts:
            try:
                return _address(value, path, version)
            except AnsibleFilterError:
                _fail(path, "must be an address or a prefix with its host bits zero", value)
        _fail(path, "must be a prefix with its host bits zero", value)
    if "%" in text:
        _fail(path, "must be a prefix without a zone index", value)
    if version and net.version != int(version):
        _fail(path, "must be an IPv%d prefix" % int(version), value)
    if hosts and "/" not in text:
        return str(net.network_address)
    return net.with_prefixlen


def _dns_name(value, path):
    text = _text(value, path)
    if text == "." or text == "@":
        return text
    labels = text[:-1].split(".") if text.endswith(".") else text.split(".")
    if len(text.rstrip(".")) > 253 or not all(_LABEL.match(label) for label in labels):
        _fail(path, "must be a domain name (labels of letters, digits, '-' and '_', separated by dots)", value)
    if "*" in labels[1:]:
        _fail(path, "may hold '*' only as its first label", value)
    return text


def _token(value, path):
    text = _text(value, path)
    if not text or any(ch in _TOKEN_BAD for ch in text):
        _fail(path, "must be one word without blanks, quotes, braces, brackets, '#', ';' or '\\'", value)
    return text


def _url(value, path):
    text = _token(value, path)
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        _fail(path, "must be an http:// or https:// URL with a host", value)
    try:
        parts.port  # pylint: disable=pointless-statement
    except ValueError:
        _fail(path, "has a port that is not a number from 0 to 65535", value)
    return text


def _nft_rule(value, path):
    """A rule of the operator's, written verbatim: one line whose braces balance, so it stays inside its chain."""
    text = _text(value, path)
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth != 0 or not text.strip():
        _fail(path, "must be one rule on one line whose braces balance (it is written verbatim into the input "
                    "chain and must not close it)", value)
    return text


def config_value(value, path, kind, choices=None, minimum=None, maximum=None):
    """``value`` checked as ``kind`` and written canonically; an error naming ``path`` when it is not one."""
    path = str(path)
    kinds = {
        "int": lambda: _int(value, path, minimum, maximum),
        "ip": lambda: _address(value, path),
        "ip4": lambda: _address(value, path, 4),
        "ip6": lambda: _address(value, path, 6),
        "prefix": lambda: _prefix(value, path),
        "prefix4": lambda: _prefix(value, path, 4),
        "prefix6": lambda: _prefix(value, path, 6),
        "net": lambda: _prefix(value, path, hosts=True),
        "community": lambda: _community(value, path, 2, 65535),
        "large_community": lambda: _community(value, path, 3, 4294967295),
        "dns_name": lambda: _dns_name(value, path),
        "name": lambda: _name(value, path),
        "token": lambda: _token(value, path),
        "url": lambda: _url(value, path),
        "urlpath": lambda: _pattern(value, path, _URLPATH, URLPATH_WHAT),
        "email": lambda: _pattern(value, path, _EMAIL, "an e-mail address"),
        "duration": lambda: _pattern(value, path, _DURATION, "a duration such as 10s or 1m30s"),
        "choice": lambda: _choice(value, path, choices),
        "nft_rule": lambda: _nft_rule(value, path),
    }
    if kind not in kinds:
        raise AnsibleFilterError("config_value: unknown kind %r (one of %s)" % (kind, ", ".join(sorted(kinds))))
    return kinds[kind]()


def _pattern(value, path, regex, what):
    text = _text(value, path)
    if not regex.match(text):
        _fail(path, "must be %s" % what, value)
    return text


def _name(value, path):
    return _pattern(value, path, _NAME, "a name of letters, digits, '.', '-' and '_' (at most 63)")


def _choice(value, path, choices):
    allowed = [str(c) for c in choices or []]
    text = _text(value, path)
    if text not in allowed:
        _fail(path, "must be one of %s" % ", ".join(allowed), value)
    return text


def _community(value, path, parts, maximum):
    text = _text(value, path)
    fields = text.split(":")
    if len(fields) != parts or not all(re.match(r"^[0-9]{1,10}$", f) and int(f) <= maximum for f in fields):
        _fail(path, "must be a %s community (%s, each 0 to %d)"
              % ("standard" if parts == 2 else "large", ":".join(["N"] * parts), maximum), value)
    return "(%s)" % ",".join(str(int(f)) for f in fields)


def bird_string(value, path, lossy=False, secret=False):
    """A BIRD string literal. BIRD's strings have no escapes (a double quote ends one, a line break is an error):
    free text (``lossy``: descriptions, comments) loses its quotes, backslashes and control characters; any other
    value holding them is refused. A ``secret`` is never shown in the error."""
    path = str(path)
    if lossy:
        text = "" if value is None else str(value)
        text = "".join(" " if (ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0 or ch in _INVISIBLE) else ch for ch in text)
        return '"%s"' % text.replace("\\", "").replace('"', "")
    text = _text(value, path, secret)
    if '"' in text:
        _fail(path, "cannot hold a double quote: BIRD's strings have no escape for it", value, secret)
    return '"%s"' % text


def caddy_token(value, path):
    """A quoted Caddyfile token. Double quotes are escaped; backslashes (Caddy's lexer keeps them before anything
    but a quote, so some values cannot be written back) and braces (placeholders, replaced at parse or request time)
    are refused, as are control characters."""
    path = str(path)
    text = _text(value, path)
    for ch in "\\{}":
        if ch in text:
            _fail(path, "cannot hold %r in a Caddyfile (it would be read as an escape or a placeholder)" % ch, value)
    return '"%s"' % text.replace('"', '\\"')


def caddy_html(value, path):
    """Text for the page Caddy serves, inside a backtick token: HTML-escaped, with backticks and braces as character
    references (a backtick would end the token, braces would be read as placeholders); the page shows the same
    characters."""
    text = _text(value, str(path))
    return html.escape(text, quote=True).replace("`", "&#96;").replace("{", "&#123;").replace("}", "&#125;")


def nsd_string(value, path):
    """A quoted string of nsd.conf: NSD's configuration strings have no escapes, so a double quote, a backslash or a
    control character is refused."""
    path = str(path)
    text = _text(value, path)
    if '"' in text or "\\" in text or not text:
        _fail(path, "must be a non-empty string without double quotes or backslashes (nsd.conf has no escapes)",
              value)
    return '"%s"' % text


_CHARSTRING = r'"(?:[^"\\]|\\[0-9]{3}|\\[^0-9])*"'
_RDATA = {
    "MX": re.compile(r"^[0-9]{1,5} \S+$"),
    "SRV": re.compile(r"^[0-9]{1,5} [0-9]{1,5} [0-9]{1,5} \S+$"),
    "CAA": re.compile(r"^[0-9]{1,3} (?:issue|issuewild|iodef) %s$" % _CHARSTRING),
    "TXT": re.compile(r"^%s(?: %s)*$" % (_CHARSTRING, _CHARSTRING)),
}


def zone_rdata(value, rtype, path):
    """A record's data as a zone file line holds it: checked for its type (addresses, names, quoted character
    strings whose quotes and escapes are complete), so no value can end the line, open a parenthesis, start a
    comment or add a record. Refused otherwise."""
    path = str(path)
    rtype = str(rtype).upper()
    text = _text(value, path)
    if rtype == "A":
        return _address(text, path, 4)
    if rtype == "AAAA":
        return _address(text, path, 6)
    if rtype in ("CNAME", "NS", "PTR"):
        return _dns_name(text, path)
    if rtype not in _RDATA:
        _fail(path, "record type %r is not one the zone writer knows" % rtype)
    if not _RDATA[rtype].match(text):
        _fail(path, "is not %s data this writer can put on one zone file line" % rtype, value)
    if rtype in ("MX", "SRV"):
        numbers = text.split()[:-1]
        for number in numbers:
            _int(number, path, 0, 65535)
        _dns_name(text.split()[-1], path)
    if rtype == "CAA":
        _int(text.split()[0], path, 0, 255)
    if rtype in ("TXT", "CAA"):
        for string in re.findall(_CHARSTRING, text):
            length = len(re.sub(r"\\[0-9]{3}|\\.", "x", string[1:-1]).encode("utf-8"))
            if length > 255:
                _fail(path, "has a character string longer than 255 octets", value)
    return text


class FilterModule:
    def filters(self):
        return {
            "config_value": config_value,
            "bird_string": bird_string,
            "caddy_token": caddy_token,
            "caddy_html": caddy_html,
            "nsd_string": nsd_string,
            "zone_rdata": zone_rdata,
        }
