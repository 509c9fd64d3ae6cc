"""The shared Vultr client: paging, retries, backoff, no duplicate after a lost answer, check mode, diff."""

import json
import random
import urllib.parse

import pytest

from ansible_collections.anycast.network.plugins.module_utils.vultr import client as vu

from vultr_unit_support import API_KEY


def _instance_body(label, **extra):
    body = {"region": "ams", "plan": "vc2-1c-1gb", "os_id": 2136, "label": label,
            "tags": ["anycast:t", "anycast-pop:ams"]}
    body.update(extra)
    return body


class ScriptedTransport:
    """Answers from a script: an int is a status with an error body, an exception is raised, a dict is a 200.

    A (status, headers) tuple sets headers. It stands at the client's transport seam, as UrlsTransport does.
    """

    def __init__(self, script):
        self.script = list(script)
        self.calls = []

    def __call__(self, method, url, headers, body, timeout):
        split = urllib.parse.urlsplit(url)
        self.calls.append((method, split.path, dict(urllib.parse.parse_qsl(split.query)), timeout))
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, tuple):
            status, headers = step
        elif isinstance(step, int):
            status, headers = step, {}
        else:
            status, headers = 200, {}
        payload = step if isinstance(step, dict) else {"error": "scripted %s" % status, "status": status}
        headers = dict(headers, **{"Content-Type": "application/json; charset=utf-8"})
        return status, headers, json.dumps(payload).encode()


def scripted_client(make_client, script, **kwargs):
    return make_client(transport=ScriptedTransport(script), **kwargs)


def test_list_follows_every_cursor(make_client, emulator):
    client = make_client()
    for n in range(7):
        client.create_instance(_instance_body("t-ams-%d" % n))
    before = len(emulator.log)
    items = client.list("/instances", "instances")
    assert [i["label"] for i in items] == ["t-ams-%d" % n for n in range(7)]
    gets = emulator.log[before:]
    assert len(gets) == 4  # pages of 2, 2, 2, 1: the emulator caps per_page
    assert emulator.snapshot()["violations"] == []


def test_list_asks_for_at_most_500_per_page(make_client, emulator):
    client = make_client(per_page=10000)
    assert client.per_page == 500
    client.list("/instances", "instances")
    assert "per_page=500" in client.transport.calls[0][1]
    assert emulator.snapshot()["violations"] == []


def test_list_passes_the_cursor_and_keeps_filters(make_client):
    client = scripted_client(make_client, [
        {"instances": [{"id": "a"}], "meta": {"total": 2, "links": {"next": "CUR1", "prev": ""}}},
        {"instances": [{"id": "b"}], "meta": {"total": 2, "links": {"next": "", "prev": "CUR0"}}},
    ])
    assert [i["id"] for i in client.list("/instances", "instances", params={"tag": "x"})] == ["a", "b"]
    first, second = client.transport.calls
    assert first[2] == {"tag": "x", "per_page": "500"}
    assert second[2] == {"tag": "x", "per_page": "500", "cursor": "CUR1"}


def test_a_repeated_cursor_is_an_error_not_a_loop(make_client):
    page = {"instances": [], "meta": {"total": 1, "links": {"next": "SAME", "prev": ""}}}
    client = scripted_client(make_client, [page, page, page])
    with pytest.raises(vu.VultrAPIError, match="same cursor"):
        client.list("/instances", "instances")


@pytest.mark.parametrize("failure", [429, 500, 502, 503, 504, TimeoutError("t"), ConnectionError("c")])
def test_retryable_failures_are_retried(make_client, clock, failure):
    ok = {"instances": [], "meta": {"total": 0, "links": {"next": "", "prev": ""}}}
    client = scripted_client(make_client, [failure, failure, ok])
    assert client.list("/instances", "instances") == []
    assert len(client.transport.calls) == 3
    assert len(clock.sleeps) == 2
    assert client.stats["retries"] == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(make_client, clock, status):
    client = scripted_client(make_client, [status])
    with pytest.raises(vu.VultrAPIError) as err:
        client.request("GET", "/instances")
    assert err.value.status == status
    assert len(client.transport.calls) == 1
    assert clock.sleeps == []


def test_retries_give_up_after_the_configured_number(make_client, clock):
    client = scripted_client(make_client, [429] * 10, retries=3)
    with pytest.raises(vu.VultrAPIError, match="gave up after 3 retries"):
        client.request("GET", "/instances")
    assert len(client.transport.calls) == 4


def test_backoff_doubles_with_jitter_and_is_capped(make_client):
    client = make_client(retry_base_delay=1.0, retry_max_delay=10, rng=random.Random(3))
    for attempt in range(8):
        step = min(10.0, 2.0 ** attempt)
        for _draw in range(50):
            delay = client.backoff_delay(attempt)
            assert step / 2 <= delay <= step
    delays = {round(client.backoff_delay(2), 6) for _draw in range(20)}
    assert len(delays) > 10  # jitter: not one fixed value


def test_retry_after_is_honoured_and_capped(make_client, clock):
    ok = {"instances": [], "meta": {"total": 0, "links": {"next": "", "prev": ""}}}
    client = scripted_client(make_client, [(429, {"Retry-After": "7"}), (429, {"Retry-After": "999"}), ok],
                             retry_max_delay=20)
    client.list("/instances", "instances")
    assert clock.sleeps[0] >= 7
    assert clock.sleeps[1] <= 20


def test_bad_key_is_401_and_the_key_never_appears(make_client):
    client = make_client(api_key="wrong-key-9d9d")
    with pytest.raises(vu.VultrAPIError) as err:
        client.list("/instances", "instances")
    assert err.value.status == 401
    assert "wrong-key-9d9d" not in str(err.value)
    assert API_KEY not in str(err.value)


def test_the_api_url_is_per_client():
    a = vu.VultrClient("k", api_url="http://127.0.0.1:1/v2/")
    b = vu.VultrClient("k", api_url="http://127.0.0.1:2/v2")
    assert a.api_url == "http://127.0.0.1:1/v2"
    assert b.api_url == "http://127.0.0.1:2/v2"
    assert vu.DEFAULT_API_URL == "https://api.vultr.com/v2"
    assert a.headers["Authorization"] == "Bearer k"


def test_lost_create_answer_does_not_duplicate(make_client, emulator):
    """The first POST is carried out but answered 500: the client finds the instance instead of posting again."""

    class FirstDraw:
        def __init__(self):
            self.draws = 0

        def random(self):
            self.draws += 1
            return 0.0 if self.draws == 1 else 1.0

        def choice(self, seq):
            return "500-after"

    emulator.fault_rate = 0.5
    emulator.rng = FirstDraw()
    client = make_client()
    inst = client.create_instance(_instance_body("t-ams-1"))
    labels = [i["label"] for i in emulator.snapshot()["instances"]]
    assert labels == ["t-ams-1"]
    assert inst["label"] == "t-ams-1"
    posts = [entry for entry in emulator.log if entry[0] == "POST"]
    assert len(posts) == 1


def test_stalled_create_is_looked_up_before_retrying(make_client, emulator):
    """A stall before the change: nothing exists, so the client posts again, once."""

    class Draws:
        def __init__(self):
            self.draws = 0

        def random(self):
            self.draws += 1
            return 0.0 if self.draws == 1 else 1.0

        def choice(self, seq):
            return "stall"

    emulator.fault_rate = 0.5
    emulator.rng = Draws()
    client = make_client()
    client.create_instance(_instance_body("t-ams-1"))
    assert [i["label"] for i in emulator.snapshot()["instances"]] == ["t-ams-1"]
    assert [e[0] for e in emulator.log] == ["POST", "GET", "POST"]


def test_many_faults_converge_without_duplicates(make_client, emulator):
    emulator.configure(fault_rate=0.3, seed=11)
    client = make_client(retries=10)
    for n in range(1, 9):
        client.create_instance(_instance_body("t-ams-%d" % n))
    labels = sorted(i["label"] for i in emulator.snapshot()["instances"])
    assert labels == sorted("t-ams-%d" % n for n in range(1, 9))
    snap = emulator.snapshot()
    assert snap["faults"] > 0
    assert snap["violations"] == []


def test_update_sends_what_it_is_given_and_returns_the_answer(make_client, emulator):
    client = make_client()
    inst = client.create_instance(_instance_body("t-ams-1"))
    after = client.update("/instances/%s" % inst["id"], "instance", {"tags": ["x"]})
    fresh = after or client.get("/instances/%s" % inst["id"], "instance")
    assert fresh["tags"] == ["x"]
    assert emulator.log[-1][0] in ("PATCH", "GET")
    assert emulator.snapshot()["violations"] == []


def test_delete_treats_404_as_gone(make_client):
    client = make_client()
    client.delete("/instances/not-there")
    assert client.get("/instances/not-there", "instance") is None


def test_wait_instances_until_active(make_client, emulator, clock):
    emulator.configure(boot_delay=0.05)
    client = make_client()
    ids = [client.create_instance(_instance_body("t-ams-%d" % n))["id"] for n in (1, 2, 3)]
    import time

    time.sleep(0.06)
    ready = client.wait_instances(ids, timeout=60, poll_interval=1, tag="anycast-pop:ams")
    assert set(ready) == set(ids)
    assert all(i["status"] == "active" and i["main_ip"] != "0.0.0.0" for i in ready.values())


def test_wait_instances_times_out(make_client, emulator, clock):
    emulator.configure(boot_delay=3600)
    client = make_client()
    ident = client.create_instance(_instance_body("t-ams-1"))["id"]
    with pytest.raises(vu.VultrAPIError, match="timed out after 30"):
        client.wait_instances([ident], timeout=30, poll_interval=5)
    assert sum(clock.sleeps) == pytest.approx(30)


def test_names_and_labels():
    assert vu.instance_label("example", "fra-metal", 3) == "example-fra-metal-3"
    assert vu.instance_index("example-fra-metal-3", "example", "fra-metal") == 3
    assert vu.instance_index("example-fra-metal-03", "example", "fra-metal") is None
    assert vu.instance_index("example-fra-3", "example", "fra-metal") is None
    assert vu.instance_pop({"tags": ["anycast:example", "anycast-pop:ams"]}, "example") == "ams"
    assert vu.instance_pop({"tags": ["anycast:other", "anycast-pop:ams"]}, "example") is None
    assert vu.public_address("0.0.0.0") == ""
    assert vu.public_address("192.0.2.1") == "192.0.2.1"


def test_urls_transport_against_the_emulator_on_loopback(clock):
    """The real transport (ansible.module_utils.urls): statuses, bodies, a stall as a timeout, a closed port."""
    from vultr_emulator import Emulator

    with Emulator(api_key=API_KEY, boot_delay=0.0, max_page_size=2, stall_seconds=0.5, seed=3) as emu:
        client = vu.VultrClient(API_KEY, api_url=emu.url, timeout=0.2, retries=3, sleep=clock.sleep, clock=clock)
        for n in range(3):
            client.create_instance(_instance_body("t-ams-%d" % n))
        assert [i["label"] for i in client.list_instances(tag="anycast-pop:ams")] == ["t-ams-0", "t-ams-1", "t-ams-2"]
        assert client.get("/instances/not-there", "instance") is None
        with pytest.raises(vu.VultrAPIError) as err:
            vu.VultrClient("wrong-key", api_url=emu.url, retries=0).list("/instances", "instances")
        assert err.value.status == 401 and "Invalid API token" in str(err.value)
        emu.configure(fault_rate=1.0, faults=("stall",))
        with pytest.raises(vu.VultrAPIError, match="no answer within 0.2s .*gave up after 3 retries"):
            client.list("/instances", "instances")
        assert emu.auth_headers_seen == {"Bearer"}
        assert emu.snapshot()["violations"] == []
    closed = vu.VultrClient(API_KEY, api_url=emu.url, retries=1, sleep=clock.sleep, clock=clock)
    with pytest.raises(vu.VultrAPIError, match="connection failed.*gave up after 1 retries"):
        closed.list("/instances", "instances")
