# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of the intent, declared once.

Every key of `anycast_intent` is declared here with its type, whether it is required, its default, its allowed
values and one line of meaning. Three things read this declaration and nothing else:

- `validate.py` checks the structure from it (unknown keys, types, required keys, allowed values, number ranges);
  what a value means (a prefix's length, an address inside a prefix, a password bird.conf can hold) stays as code
  there, for the `Value` types below.
- `derive.normalize()` fills the defaults declared here.
- `reference.py` writes the reference section of docs/intent.md; a unit test fails when the two disagree.
"""

from __future__ import annotations

from . import rules

MISSING = object()

# Types whose meaning is checked by the validator's code; the words are what the reference prints.
VALUE_TYPES = {
    "name": "name (1-32 of `[a-z0-9-]`)",
    "asn": "AS number",
    "prefix": "prefix (`address/length`)",
    "address": "IP address",
    "ipv4": "IPv4 address",
    "ipv6": "IPv6 address",
    "hostname": "DNS name",
    "url": "URL",
    "email": "e-mail address",
    "community": "community (`ASN:value`, 0-65535 each)",
    "large_community": "large community (`ASN:value:value`)",
    "password": "password (at most 80 bytes; no quotes, backslashes or control characters)",
    "region": "region code",
    "text": "text (one line)",
    "urlpath": "URL path (starting with `/`)",
    "record_value": "text or number",
    "file": "file path or PEM text",
    "any": "text or list of text",
}


class Field:
    """One key of the intent. `required` is True, False, or a `When` (required when a sibling has a value)."""

    def __init__(self, doc, required=False, default=MISSING, kinds=None, why=None):
        self.doc = doc
        self.required = required
        self.default = default
        self.kinds = kinds      # service kinds this key belongs to (None: every kind)
        self.why = why          # completes "is required: ..." in a problem

    @property
    def type_words(self):
        raise NotImplementedError


class When:
    """Required only when the sibling `key` has one of `values`; `phrase` names the case, e.g. 'for a {value} PoP'."""

    def __init__(self, key, values, phrase):
        self.key = key
        self.values = tuple(values)
        self.phrase = phrase


class Value(Field):
    """A scalar whose meaning the validator checks in code (see VALUE_TYPES)."""

    def __init__(self, type_name, doc, block=False, secret=False, **kwargs):
        super().__init__(doc, **kwargs)
        if type_name not in VALUE_TYPES:
            raise ValueError("unknown value type %s" % type_name)
        self.type_name = type_name
        self.block = block      # several lines of free text (cloud-init user data): kept exactly as written
        self.secret = secret    # never repeated in a message

    @property
    def type_words(self):
        return VALUE_TYPES[self.type_name]


class Bool(Field):
    type_words = "boolean"


class Int(Field):
    def __init__(self, doc, lo, hi, meaning, too_low=None, too_high=None, **kwargs):
        super().__init__(doc, **kwargs)
        self.lo, self.hi, self.meaning = lo, hi, meaning
        self.too_low, self.too_high = too_low, too_high

    @property
    def type_words(self):
        return "integer %d-%d" % (self.lo, self.hi)


class Number(Field):
    """An amount: a whole or decimal number from `lo` to `hi` (money, in the budget's currency)."""

    def __init__(self, doc, lo, hi, meaning, **kwargs):
        super().__init__(doc, **kwargs)
        self.lo, self.hi, self.meaning = lo, hi, meaning

    @property
    def type_words(self):
        return "number %s-%s" % (self.lo, self.hi)


class Choice(Field):
    """One of a few words; `choices` maps each to what it means."""

    def __init__(self, doc, choices, label, **kwargs):
        super().__init__(doc, **kwargs)
        self.choices = dict(choices)
        self.label = label

    @property
    def type_words(self):
        return "one of " + ", ".join("`%s`" % c for c in self.choices)

    def use(self):
        words = ["%s (%s)" % (c, d) if d else str(c) for c, d in self.choices.items()]
        return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]


class List(Field):
    def __init__(self, doc, of, what, min_items=0, **kwargs):
        super().__init__(doc, **kwargs)
        self.of = of            # a Field for each element
        self.what = what        # "prefix", in "must list at least one prefix"
        self.min_items = min_items

    @property
    def type_words(self):
        inner = self.of.section if isinstance(self.of, Dict) else self.of.type_words
        return "list of %s" % inner


class Dict(Field):
    """Settings with fixed keys. `variant` names the key (e.g. kind) that selects which `kinds` keys apply;
    with `variant_from_name`, an entry of a Map named like a variant has that variant when the key is absent."""

    def __init__(self, doc, fields, section, what="a mapping of settings", variant=None, variant_from_name=False,
                 strict_kinds=True, **kwargs):
        super().__init__(doc, **kwargs)
        self.strict_kinds = strict_kinds  # False: a key of another kind is not unknown (the code explains it)
        self.fields = fields
        self.section = section  # the reference's section for these settings
        self.what = what
        self.variant = variant
        self.variant_from_name = variant_from_name

    type_words = "mapping"

    def allowed(self, variant=None):
        return tuple(k for k, f in self.fields.items()
                     if variant is None or not self.strict_kinds or f.kinds is None or variant in f.kinds)

    def applies(self, key, variant):
        """Whether the key's default and requirement apply to an entry of this variant."""
        kinds = self.fields[key].kinds
        return kinds is None or variant in kinds

    def variant_of(self, value, name=None):
        """The variant of one entry: its own variant key, else its name when that names a variant."""
        if self.variant is None:
            return None
        choices = self.fields[self.variant].choices
        if isinstance(value, dict) and self.variant in value:
            return value[self.variant] if isinstance(value[self.variant], str) else None
        if self.variant_from_name and isinstance(name, str) and name in choices:
            return name
        return None


class Map(Field):
    """Entries named by the operator (PoPs, services), each with the settings `of`."""

    def __init__(self, doc, of, what, hint="", min_items=1, **kwargs):
        super().__init__(doc, **kwargs)
        self.of = of
        self.what = what        # "PoP", in "a mapping of PoP name to its settings"
        self.hint = hint        # " (web or dns)", in "must define at least one service (web or dns)"
        self.min_items = min_items

    @property
    def type_words(self):
        return "mapping of name to %s" % self.of.section


def _te(scope):
    """Traffic engineering keys: on a PoP they apply to every session; on an upstream they override the PoP's."""
    where = "every export of the PoP" if scope == "pop" else "this session's exports; default: the PoP's"
    return {
        "communities": List("attached to %s, e.g. Vultr's `64600:X` (do not announce to AS X)" % where,
                            Value("community", ""), "community", default=[] if scope == "pop" else MISSING),
        "large_communities": List("attached to %s, e.g. `20473:6000:X`" % where, Value("large_community", ""),
                                  "large community", default=[] if scope == "pop" else MISSING),
        "prepend": Int("extra copies of your ASN on %s" % where, 0, 10, "the number of prepends",
                       default=0 if scope == "pop" else MISSING),
        "announce": Bool("`false`: sessions up, nothing exported (%s)" % where,
                         default=True if scope == "pop" else MISSING),
    }


# Routes learned from upstreams (docs/import-filters.md): what a generic upstream's session imports, its limit,
# and the RTR cache BIRD validates the origins of a full table against.
def _import_fields():
    return {
        "import": Choice("what to accept from the neighbour", {
            "none": "nothing", "default": "a default route only",
            "full": "a full table, through the import filters (bogons, our own prefixes, too long or too short, "
                    "private or reserved ASNs, too long AS paths, RPKI invalid with `rpki_rtr`)"},
            "import policy", default="none", kinds=("generic",)),
        "max_prefixes": Int("import full: the most routes accepted (BIRD's import limit); default %s for an IPv4 "
                            "neighbour, %s for IPv6" % tuple("{:,}".format(rules.FULL_TABLE_MAX_PREFIXES[f])
                                                             for f in (4, 6)),
                            1, rules.MAX_PREFIXES_LIMIT, "the most routes accepted", kinds=("generic",)),
        "max_prefixes_action": Choice(
            "import full: what BIRD does when `max_prefixes` is exceeded (default `%s`)"
            % rules.FULL_TABLE_LIMIT_ACTION, {
                "disable": "the session is shut down until `birdc enable`",
                "restart": "the session is restarted (after BIRD's error wait time)",
                "block": "the session stays up, routes beyond the limit are dropped",
                "warn": "only a log line"}, "limit action", kinds=("generic",)),
    }


RPKI_RTR = Dict(
    "the RTR cache for origin validation of learned routes", section="rpki_rtr", fields={
        "address": Value("address", "the cache's IP address (a relying party's RTR server, e.g. stayrtr, Routinator, "
                         "rpki-client with its RTR server); every instance connects to it", required=True,
                         why="the RTR cache's IP address"),
        "port": Int("its TCP port (plain RTR, RFC 8210)", 1, 65535, "the port", default=rules.RTR_PORT),
    })


UPSTREAM = Dict(
    "a BGP session", section="upstream", what="an upstream session (profile vultr or generic)", variant="profile",
    strict_kinds=False,
    fields=dict({
        "profile": Choice("which kind of neighbour", {"vultr": "Vultr's BGP service", "generic": "any neighbour"},
                          "profile", required=True, why="vultr or generic"),
        "neighbor": Value("address", "the neighbour's address (one session); vultr: fixed", kinds=("generic",),
                          required=When("profile", ["generic"], "for a {value} upstream"),
                          why="the neighbour's IP address"),
        "asn": Value("asn", "the neighbour's AS (eBGP, not your own); vultr: fixed (64515)", kinds=("generic",),
                     required=When("profile", ["generic"], "for a {value} upstream"),
                     why="the neighbour's AS number"),
        "multihop": Int("TTL of the session; vultr: fixed (2)", 1, 255, "multihop (the TTL for the session)",
                        default=1, kinds=("generic",)),
        "password": Value("password", secret=True,
                          doc="TCP-MD5 password (from a vault or the environment); vultr: from the instance's BGP tab",
                          required=When("profile", ["vultr"], "by the {value} profile"),
                          why="Vultr's sessions use a TCP-MD5 password (from the instance's BGP tab)"),
        "source": Value("address", "source address; default the instance's own address of that family; vultr: "
                        "fixed (the instance's own)", kinds=("generic",)),
        "bfd": Bool("BFD on the session", default=False),
        **_import_fields(),
        "host_routes": Bool("also announce the instance's own /32 and /128 to this neighbour", default=False,
                            kinds=("generic",)),
        "provider_name": Value("text", "the provider's name on the LOA; default Vultr's company, or `AS<asn>`"),
        "description": Value("text", "free text, for people"),
    }, **_te("upstream")))

VULTR = Dict(
    "Vultr instance settings", section="vultr", fields={
        "plan": Value("text", "plan id, e.g. `vc2-1c-1gb`"),
        "os_id": Int("OS id (set this or image_id)", 1, 10 ** 9, "the Vultr OS id"),
        "image_id": Value("text", "marketplace image id (set this or os_id)"),
        "ssh_keys": List("names of SSH keys at Vultr", Value("text", ""), "ssh_key"),
        "startup_script": Value("text", "name of a startup script at Vultr"),
        "user_data": Value("text", "cloud-init user data (several lines)", block=True),
        "enable_ipv6": Bool("give the instance an IPv6 address"),
        "tags": List("extra tags", Value("text", ""), "tag"),
    })

LOCATION = Dict(
    "a location", section="location",
    what="a location: {continent: SA} or {country: BR} or {country: US, subdivision: CA}", fields={
        "continent": Value("text", "continent code (AF, AN, AS, EU, NA, OC, SA); not with country"),
        "country": Value("text", "ISO 3166-1 alpha-2 country code, e.g. `ZA`"),
        "subdivision": Value("text", "with country US only: a state code, e.g. `CA`"),
    })

HOST = Dict(
    "a static host", section="host", what="a host with name and address", fields={
        "name": Value("hostname", "the instance's name (one DNS label)", required=True,
                      why="the host's name (lowercase letters, digits, dashes)"),
        "address": Value("ipv4", "its own unicast IPv4 address (address or address6 required)"),
        "address6": Value("ipv6", "its own unicast IPv6 address"),
        "ansible_host": Value("text", "where Ansible connects; default address or address6"),
        "ansible_user": Value("text", "the SSH user"),
    })

POP = Dict(
    "a PoP", section="pop", fields=dict({
        "provider": Choice("where its instances come from", {
            "vultr": "provisioned through the API", "static": "hosts bought elsewhere",
            "lab": "the local simulated internet"}, "provider", required=True,
            why="one of %s" % ", ".join(rules.PROVIDERS)),
        "region": Value("region", "Vultr region id (`ams`, `lhr`, `ewr`, ...) or lab region (from the lab topology)",
                        required=When("provider", ["lab", "vultr"], "for a {value} PoP"),
                        why="the region code, e.g. ams"),
        "instances": Int("how many instances (lab and vultr)", 1, rules.MAX_INSTANCES_PER_POP,
                         "the number of instances", required=When("provider", ["lab", "vultr"], "for a {value} PoP"),
                         why="how many instances this PoP runs",
                         too_low="must be at least 1 (to take a PoP out, drain it or remove it)",
                         too_high="%d instances in one PoP is almost certainly a typo (at most %d)"),
        "hosts": List("the hosts of a static PoP", HOST, "host", min_items=1,
                      required=When("provider", ["static"], "for a {value} PoP"),
                      why="list its hosts with name and address/address6"),
        "vultr": Dict("Vultr settings (vultr PoPs); merged over `defaults.vultr`", VULTR.fields, "vultr"),
        "upstreams": List("BGP sessions; default `defaults.upstreams`", UPSTREAM, "upstream session", min_items=1),
        "geodns_fallback": List("locations GeoDNS sends to this PoP's unicast addresses", LOCATION, "location",
                                min_items=1),
        "monthly_cost": Number("static PoPs: what the PoP's hosts cost per month, in the budget's currency (vultr "
                               "PoPs are priced from Vultr's plans, lab PoPs cost nothing)", 0, 10 ** 7,
                               "the monthly cost"),
        "description": Value("text", "free text, for people"),
    }, **_te("pop")))

RECORD = Dict(
    "a record", section="record", what="a record with name, type and value", fields={
        "name": Value("text", "owner name relative to the zone; `@` for the apex", required=True,
                      why="the owner name (@ for the zone apex)"),
        "type": Choice("record type", {t: "" for t in rules.RECORD_TYPES}, "record type", required=True,
                       why="one of %s" % ", ".join(rules.RECORD_TYPES)),
        "value": Value("record_value", "the record's data, one line", required=True),
        "ttl": Int("TTL in seconds; default the zone's", 0, 2147483647, "the TTL in seconds"),
    })

ZONE = Dict(
    "a zone", section="zone", fields={
        "name": Value("hostname", "the zone's origin", required=True, why="the zone's name, e.g. example.net"),
        "hostmaster": Value("hostname", "the SOA mailbox, e.g. `hostmaster.example.net`"),
        "ttl": Int("not supported yet (refused): every zone's default TTL is the DNS role's; set `ttl` on a record",
                   1, 2147483647, "the default TTL in seconds"),
        "records": List("the zone's records", RECORD, "record"),
    })

TLS = Dict(
    "TLS of a web service", section="tls", fields={
        "mode": Choice("how the certificate is obtained", {
            "acme": "from an ACME CA", "internal": "Caddy's own CA", "off": "plain HTTP"}, "TLS mode",
            default="acme"),
        "acme_directory": Value("url", "mode acme: the `https://` URL of the ACME directory"),
        "email": Value("email", "mode acme: the account's e-mail address"),
        "ca_root": Value("file", "mode acme: the ACME CA's root certificate (PEM text or a file), when it is private"),
    })

SERVICE = Dict(
    "a service", section="service", variant="kind", variant_from_name=True, fields={
        "kind": Choice("what the service runs; default the service's name when that is `web` or `dns`",
                       {"web": "Caddy", "dns": "NSD"}, "service kind", why="say whether the service is web or dns"),
        "addresses": List("the anycast addresses (inside the prefixes, each used by one service only)",
                          Value("address", ""), "address", min_items=1, required=True,
                          why="the anycast addresses the service answers on"),
        "prefixes": List("the intent's prefixes this service is gated on; default all of its family",
                         Value("prefix", ""), "prefix", min_items=1),
        "hostnames": List("names the service answers for and gets certificates for (required with tls mode acme)",
                          Value("hostname", ""), "hostname", kinds=("web",)),
        "health_path": Value("urlpath", "health endpoint", default="/healthz", kinds=("web",)),
        "proxy_to": Value("url", "`http(s)://` URL of an application on the instance to reverse-proxy to",
                          kinds=("web",)),
        "root": Value("text", "not supported yet (refused): a web service serves its own page or proxies to `proxy_to`",
                      kinds=("web",)),
        "tls": Dict(TLS.doc, TLS.fields, "tls", kinds=("web",)),
        "zones": List("the zones the service serves", ZONE, "zone", min_items=1, required=True, kinds=("dns",),
                      why="the zones this DNS service serves"),
        "nameservers": List("the name-server hostnames the parent zone delegates the service's zones to (NS), outside "
                            "those zones; with `geodns`, those inside `geodns.zone` get geolocation A/AAAA records",
                            Value("hostname", ""), "hostname", min_items=1, kinds=("dns",)),
    })

# -- Workloads: the operator's own containers on every instance (kind workload, docs/workloads.md) -------------
# The workload kind extends SERVICE here, in one place: its own keys, and hostnames and tls as for web.


class Names(Map):
    """Variables by name (environment, secrets): a mapping of name to one value each, possibly empty."""

    @property
    def type_words(self):
        return "mapping of name to %s" % self.of.type_words


WORKLOAD_PORT = Dict(
    "a port of a workload", section="workload_port", what="a port with port and protocol", fields={
        "port": Int("the port the workload listens on (host network), opened on the service's addresses only",
                    1, 65535, "the port", required=True, why="the port number, e.g. 27015"),
        "protocol": Choice("transport", {"tcp": "", "udp": ""}, "protocol", default="tcp"),
    })

WORKLOAD_HEALTH = Dict(
    "how the health gate checks a workload", section="workload_health", fields={
        "protocol": Choice("the check; default http with http_port, else the first port's protocol", {
            "http": "a GET of path answered 2xx/3xx (through Caddy on the service's addresses)",
            "tcp": "a connection to port", "udp": "a datagram (send) answered by any datagram"},
            "health check protocol"),
        "port": Int("tcp/udp: the port checked; default the first port of that protocol", 1, 65535, "the port"),
        "path": Value("urlpath", "http: the path", default="/healthz"),
        "send": Value("text", "udp: the datagram sent; default an empty one"),
    })

REGISTRY_AUTH = Dict(
    "registry credentials", section="registry_auth", what="credentials with username and password", fields={
        "username": Value("text", "the registry account", required=True, why="the registry account"),
        "password": Value("text", secret=True, required=True, why="the account's password or token",
                          doc="password or token (from a vault or a lookup; never shown, kept in a 0600 file)"),
    })

WORKLOAD_FIELDS = {
    "image": Value("text", "OCI image with its registry: `registry/path:tag` (resolved to a digest and recorded at "
                   "deploy) or `registry/path@sha256:...`", kinds=("workload",),
                   required=When("kind", ["workload"], "for a {value} service"),
                   why="the container image, e.g. registry.example.net/app:1.4"),
    "http_port": Int("the port the workload serves HTTP on (host network, loopback); Caddy proxies the service's "
                     "hostnames and addresses to it", 1, 65535, "the HTTP port", kinds=("workload",)),
    "ports": List("plain TCP/UDP ports on the service's anycast addresses (non-HTTP services)", WORKLOAD_PORT,
                  "port", kinds=("workload",)),
    "env": Names("environment variables", Value("text", ""), "variable", min_items=0, kinds=("workload",)),
    "secrets": Names("environment variables whose values are secret (from a vault or a lookup): never shown, "
                     "kept in a 0600 file", Value("text", "", secret=True), "secret", min_items=0,
                     kinds=("workload",)),
    "command": List("the command and its arguments; default the image's", Value("text", ""), "argument",
                    min_items=1, kinds=("workload",)),
    "cpus": Number("CPU limit in cores (systemd CPUQuota)", 0.01, 1024, "the CPU limit", default=1,
                   kinds=("workload",)),
    "memory_mb": Int("memory limit in MiB (systemd MemoryMax)", 16, 1048576, "the memory limit", default=512,
                     kinds=("workload",)),
    "stop_timeout": Int("seconds the workload has to stop after SIGTERM", 1, 600, "the stop timeout",
                        default=10, kinds=("workload",)),
    "health": Dict(WORKLOAD_HEALTH.doc, WORKLOAD_HEALTH.fields, "workload_health", kinds=("workload",)),
    "registry_auth": Dict(REGISTRY_AUTH.doc, REGISTRY_AUTH.fields, "registry_auth", kinds=("workload",)),
}
SERVICE.fields["kind"].choices["workload"] = "the operator's container (podman)"
SERVICE.fields["hostnames"].kinds = ("web", "workload")
SERVICE.fields["tls"].kinds = ("web", "workload")
SERVICE.fields.update(WORKLOAD_FIELDS)
# -- end of the workloads ---------------------------------------------------------------------------------------

HEALTH_CHECK = Dict(
    "Route53 health check", section="health_check", fields={
        "protocol": Choice("how Route53 checks each instance", {"http": "", "https": "", "tcp": ""}, "protocol",
                           default="http"),
        "port": Int("port; default that of the protocol", 1, 65535, "the port"),
        "path": Value("urlpath", "http(s): the path; default the web service's health_path"),
        "host": Value("hostname", "http(s): the Host header"),
    })

GEODNS = Dict(
    "Route53 GeoDNS fallback", section="geodns", fields={
        "zone": Value("hostname", "the Route53 hosted zone", required=True, why="the Route53 hosted zone"),
        "hostnames": List("web names inside the zone that get geolocation records (this, the DNS services' "
                          "`nameservers`, or both)", Value("hostname", ""), "hostname", min_items=1),
        "ttl": Int("TTL of the records in seconds", 1, 86400, "the TTL in seconds", default=60),
        "health_check": Dict(HEALTH_CHECK.doc, HEALTH_CHECK.fields, "health_check"),
    })

LOA = Dict(
    "Letters of Authorization", section="loa", fields={
        "holder": Value("text", "the resource holder", required=True,
                        why="the letter names the resource holder and who signs"),
        "signatory": Value("text", "who signs", required=True,
                           why="the letter names the resource holder and who signs"),
        "address": Value("any", "the holder's postal address (a line or a list of lines)"),
        "contact": Value("text", "contact for questions"),
        "validity_days": Int("how long the letter is valid", 1, 3660, "the validity in days", default=365),
        "template": Value("text", "branding file, relative to the project root; default `files/loa/default.yml`"),
        "output_dir": Value("text", "where the PDFs go; default `registry.output_dir`"),
    })

REGISTRY = Dict(
    "route objects and LOAs", section="registry", fields={
        "backend": Choice("the registry's API", {"ripe": "RIPE Database REST API", "irrd": "IRRd 4, e.g. RADB"},
                          "registry backend", required=True, why="ripe or irrd"),
        "url": Value("url", "the registry's base URL (required for irrd)"),
        "source": Value("text", "the registry source, e.g. `RIPE`, `TEST` or `RADB`", required=True,
                        why="the registry source, e.g. RIPE, TEST or RADB"),
        "mnt_by": Value("text", "the maintainer that protects the route objects, e.g. `EXAMPLE-MNT`", required=True,
                        why="the maintainer that protects the route objects"),
        "descr": Value("text", "descr of the route objects"),
        "api_key": Value("text", secret=True, doc="API key (from a vault or the environment); this or password"),
        "password": Value("text", secret=True,
                          doc="maintainer password (from a vault or the environment); this or api_key"),
        "loa": Dict(LOA.doc, LOA.fields, "loa"),
        "output_dir": Value("text", "where the LOAs go, relative to the project root", default="loa"),
    })

METRICS = Dict(
    "Prometheus exporters", section="metrics", fields={
        "enabled": Bool("run node_exporter and bird_exporter on every instance", default=False),
        "node_exporter_port": Int("node_exporter's port", 1024, 65535, "the port", default=9100),
        "bird_exporter_port": Int("bird_exporter's port", 1024, 65535, "the port", default=9324),
        "healthgate_port": Int("the health gate's metrics port (on the management address when metrics are enabled, "
                               "else on loopback)", 1024, 65535, "the port", default=9731),
        "caddy_port": Int("the port of Caddy's metrics for the scrapers (on the management address)", 1024, 65535,
                          "the port", default=9732),
        "scrape_from": List("prefixes allowed to scrape; default where SSH is allowed from", Value("prefix", ""),
                            "prefix"),
    })

BUDGET = Dict(
    "the spend cap", section="budget", fields={
        "monthly_limit": Number("the most the network may cost per month; the provision step refuses an intent "
                                "that costs more, before anything is created", 0, 10 ** 7, "the monthly limit",
                                required=True, why="the most the network may cost per month"),
        "currency": Choice("the currency of the limit and of `monthly_cost`", {
            "USD": "US dollars, the currency of Vultr's plan prices (API v2 `monthly_cost`)"}, "currency",
            default="USD"),
    })

RPKI = Dict(
    "RPKI checks of our own announcements", section="rpki", fields={
        "source": Choice("where the ROAs are read from", {
            "rpki-client": "a relying party's JSON output (rpki-client `-j`, Routinator `json`)",
            "ripe": "the RIPE NCC RPKI Management API (the ROAs of our own certificate authority)"},
            "ROA source", required=True, why="rpki-client or ripe"),
        "file": Value("text", "source rpki-client: the JSON file, relative to the project root or absolute"),
        "url": Value("url", "source ripe: the API's base URL", default="https://my.ripe.net/api/rpki"),
        "api_key": Value("text", secret=True, doc="source ripe: the API key (from a vault or the environment)"),
        "on_invalid": Choice("what a missing or wrong ROA does", {
            "fail": "the run stops before anything is announced", "warn": "a warning, the run goes on"},
            "on_invalid policy", default="fail"),
        "manage_roas": Bool("source ripe: create or update our ROAs through the API (the rpki step)", default=False),
    })

# -- Vantage points: who measures the catchment and where each should land (the verify step, docs/verify.md) ----
PLACE = Dict(
    "where a PoP is on the map", section="place", what="a place with latitude and longitude", fields={
        "latitude": Number("degrees north (south negative)", -90, 90, "the latitude", required=True,
                           why="degrees north, e.g. 51.5"),
        "longitude": Number("degrees east (west negative)", -180, 180, "the longitude", required=True,
                            why="degrees east, e.g. -0.12"),
        "city": Value("text", "the city's name, for people"),
    })

LAB_VANTAGE = Dict(
    "a lab vantage point", section="lab_vantage", fields={
        "expected_pop": Value("name", "the PoP this vantage point should land at; default the PoP of its region, "
                              "else the nearest by the lab topology's latencies", required=True,
                              why="the PoP this vantage point should land at"),
    })

ATLAS_POINT = Dict(
    "a RIPE Atlas vantage point", section="atlas_point",
    what=("a vantage point: {country: GB}, {city: London, latitude: 51.5, longitude: -0.12} or {probes: [6001]}, "
          "with its expected_pop"),
    fields={
        "expected_pop": Value("name", "the PoP this vantage point should land at", required=True,
                              why="the PoP this vantage point should land at"),
        "country": Value("text", "ISO 3166-1 alpha-2 code: probes in this country"),
        "city": Value("text", "the city's name; with latitude and longitude, probes within radius_km of it"),
        "latitude": Number("with city: degrees north", -90, 90, "the latitude"),
        "longitude": Number("with city: degrees east", -180, 180, "the longitude"),
        "radius_km": Int("with city: how far from it a probe may be", 1, 1000, "the radius in km", default=50),
        "probes": List("these Atlas probe ids (instead of country or city)", Int("", 1, 10 ** 9, "a probe id"),
                       "probe id", min_items=1),
        "asn": Int("only probes in this AS (with country or city)", 1, 4294967295, "the AS number"),
    })

ATLAS = Dict(
    "RIPE Atlas measurements of the catchment", section="atlas", fields={
        "credits_per_run": Int("the most credits one verify run may spend; a plan that costs more is refused "
                               "before anything is created", 1, 10 ** 7, "the credit budget", required=True,
                               why="the most credits one verify run may spend"),
        "points": Map("the vantage points, by name (e.g. `lon`)", ATLAS_POINT, "vantage point", required=True),
        "probes_per_point": Int("probes measuring from each vantage point", 1, 10, "the number of probes", default=1),
        "server": Value("text", "the Atlas API's host (and port)", default="atlas.ripe.net"),
        "dns_result_credits": Int("credits one DNS result costs (one-off, UDP); check RIPE Atlas's credits page",
                                  1, 10 ** 4, "credits per result", default=10),
        "traceroute_result_credits": Int("credits one traceroute result costs (one-off, 3 packets); check RIPE "
                                         "Atlas's credits page", 1, 10 ** 4, "credits per result", default=30),
        "wait": Int("seconds to wait for the results", 10, 3600, "the wait in seconds", default=600),
        "description": Value("text", "the measurements' description at Atlas; default `anycast <network> verify`"),
    })

VANTAGE = Dict(
    "vantage points of the verify step", section="vantage", fields={
        "atlas": ATLAS,
        "lab": Map("lab vantage points whose expected PoP is not the nearest one, by name", LAB_VANTAGE,
                   "lab vantage point"),
        "places": Map("where PoPs are on the map when their region is not a known city (static PoPs)", PLACE,
                      "PoP"),
    })
# -- end of the vantage points --------------------------------------------------------------------------------

DEFAULTS = Dict(
    "what every PoP inherits", section="defaults", fields={
        "upstreams": List("BGP sessions of every PoP that lists none", UPSTREAM, "upstream session", min_items=1),
        "vultr": Dict("Vultr settings every vultr PoP starts from", VULTR.fields, "vultr"),
    })

INTENT = Dict(
    "the intent", section="top", what="a mapping with network, asn, prefixes, services and pops", fields={
        "network": Value("name", "name of this network; part of Vultr labels and tags", required=True),
        "asn": Value("asn", "your AS number; 0, 23456, 65535, 4294967295 and 65552-131071 are refused",
                     required=True),
        "prefixes": List("IPv4 no longer than /24, IPv6 no longer than /48; no host bits, no overlaps, globally "
                         "routable", Value("prefix", ""), "prefix", min_items=1, required=True),
        "allow_documentation_resources": Bool("`true` lets documentation ASNs (RFC 5398) and prefixes (RFC 5737, "
                                              "RFC 3849) through: labs and examples only", default=False),
        "services": Map("the services, by name", SERVICE, "service", hint=" (web or dns)", required=True),
        "defaults": DEFAULTS,
        "pops": Map("the PoPs, by name (e.g. `lhr`)", POP, "PoP", required=True),
        "geodns": GEODNS,
        "registry": REGISTRY,
        "metrics": METRICS,
        "budget": BUDGET,
        "rpki": RPKI,
        "rpki_rtr": RPKI_RTR,
        "vantage": VANTAGE,
    })

# The reference's sections, in order: (section, title, the Dict, where it sits in the intent).
SECTIONS = [
    ("top", "Top level", INTENT, "anycast_intent"),
    ("service", "Services", SERVICE, "services.<name>"),
    ("tls", "TLS", TLS, "services.<name>.tls"),
    ("zone", "Zones", ZONE, "services.<name>.zones[]"),
    ("workload_port", "Workload ports", WORKLOAD_PORT, "services.<name>.ports[]"),
    ("workload_health", "Workload health checks", WORKLOAD_HEALTH, "services.<name>.health"),
    ("registry_auth", "Registry credentials", REGISTRY_AUTH, "services.<name>.registry_auth"),
    ("record", "Records", RECORD, "services.<name>.zones[].records[]"),
    ("defaults", "Defaults", DEFAULTS, "defaults"),
    ("pop", "PoPs", POP, "pops.<name>"),
    ("host", "Static hosts", HOST, "pops.<name>.hosts[]"),
    ("vultr", "Vultr settings", VULTR, "pops.<name>.vultr, defaults.vultr"),
    ("upstream", "Upstream sessions", UPSTREAM, "pops.<name>.upstreams[], defaults.upstreams[]"),
    ("location", "GeoDNS locations", LOCATION, "pops.<name>.geodns_fallback[]"),
    ("geodns", "GeoDNS", GEODNS, "geodns"),
    ("health_check", "GeoDNS health check", HEALTH_CHECK, "geodns.health_check"),
    ("registry", "Registry", REGISTRY, "registry"),
    ("loa", "Letters of Authorization", LOA, "registry.loa"),
    ("metrics", "Metrics", METRICS, "metrics"),
    ("budget", "Budget", BUDGET, "budget"),
    ("rpki", "RPKI", RPKI, "rpki"),
    ("rpki_rtr", "RPKI RTR cache", RPKI_RTR, "rpki_rtr"),
    ("vantage", "Vantage points", VANTAGE, "vantage"),
    ("atlas", "RIPE Atlas", ATLAS, "vantage.atlas"),
    ("atlas_point", "RIPE Atlas vantage points", ATLAS_POINT, "vantage.atlas.points.<name>"),
    ("lab_vantage", "Lab vantage points", LAB_VANTAGE, "vantage.lab.<name>"),
    ("place", "Places", PLACE, "vantage.places.<pop>"),
]

# -- Rollout: the configure step's waves (canary PoPs first, then waves that grow; docs/rollout.md) ------------
# Declared here in one place: the ROLLOUT settings, the top-level key and the reference's section.
ROLLOUT = Dict(
    "how the configure step rolls a change out", section="rollout", fields={
        "canary": List("the PoPs configured first, alone in the first wave; default the intent's first PoP",
                       Value("name", ""), "PoP", min_items=1),
        "growth": Int("the waves after the canary hold growth, growth², growth³, ... PoPs (`1`: one PoP at a "
                      "time)", 1, 10, "the growth factor", default=1),
        "max_wave": Int("the most PoPs in one wave after the canary; default no limit", 1, 1000,
                        "the largest wave"),
    })
INTENT.fields["rollout"] = ROLLOUT
SECTIONS.append(("rollout", "Rollout", ROLLOUT, "rollout"))
# -- end of the rollout ---------------------------------------------------------------------------------------

# -- The private mesh: WireGuard between every two instances (docs/mesh.md) -----------------------------------
# Declared here in one place: the MESH settings, the top-level key, the PoP's number and the reference's section.
MESH = Dict(
    "the private mesh between the instances", section="mesh", fields={
        "enabled": Bool("WireGuard between every two instances of the network (every PoP then needs its "
                        "`mesh_number`)", default=False),
        "ipv4": Value("prefix", "the mesh's IPv4 range, private (RFC 1918) or shared (RFC 6598), /8 to /16: an "
                      "instance has `range + 256 × mesh_number + instance index`"),
        "ipv6": Value("prefix", "the mesh's IPv6 range, a unique local (ULA, fc00::/7) /48 or shorter: an instance "
                      "has `range:<mesh_number>::<instance index>` (the PoP's number as the subnet)"),
        "port": Int("WireGuard's UDP port on every instance", 1024, 65535, "the port", default=51820),
    })
INTENT.fields["mesh"] = MESH
SECTIONS.append(("mesh", "Private mesh", MESH, "mesh"))
POP.fields["mesh_number"] = Int(
    "the PoP's number in the private mesh, part of its instances' mesh addresses; written once and never reused, "
    "so addresses stay as PoPs come and go; required with `mesh.enabled`", 1, 255, "the PoP's mesh number")
# -- end of the mesh ------------------------------------------------------------------------------------------

# -- Autoscaling: a PoP's instance count between min and max, decided from Prometheus (docs/autoscaling.md) -----
# Declared here in one place: the AUTOSCALE settings, the PoP's key and the reference's section.
AUTOSCALE = Dict(
    "how the scaler sizes a PoP", section="autoscale", fields={
        "min": Int("the fewest instances the scaler leaves", 1, rules.MAX_INSTANCES_PER_POP, "the minimum",
                   required=True, why="the fewest instances the scaler leaves"),
        "max": Int("the most instances the scaler makes (the spend cap still applies)", 1,
                   rules.MAX_INSTANCES_PER_POP, "the maximum", required=True,
                   why="the most instances the scaler makes"),
        "metric": Choice("what is measured, averaged over the PoP's instances", {
            "cpu": "CPU utilisation in % (node_exporter's `node_cpu_seconds_total`, all modes but idle)",
            "requests": "HTTP requests per second per instance (Caddy's `caddy_http_requests_total`)"},
            "metric", required=True, why="cpu or requests"),
        "target": Number("the level the metric is kept at: % for cpu, requests per second per instance for "
                         "requests", 0, 10 ** 7, "the target", required=True, why="the metric's target level"),
        "band": Number("hysteresis, in the metric's units: up when the metric stays above target + band for the "
                       "whole window, down when it stays below target - band", 0, 10 ** 7, "the band", default=10),
        "window": Int("seconds the metric must stay beyond the band before a step", 5, 86400,
                      "the window in seconds", default=300),
        "cooldown": Int("seconds after a step during which the scaler makes no other step in this PoP", 0,
                        7 * 86400, "the cooldown in seconds", default=900),
    })
POP.fields["autoscale"] = AUTOSCALE
SECTIONS.append(("autoscale", "Autoscaling", AUTOSCALE, "pops.<name>.autoscale"))
# -- end of autoscaling ---------------------------------------------------------------------------------------
