"""The catchment report play's filters: what an instance said, and what the report draws per instance."""

from ansible_collections.anycast.network.plugins.filter.report import anycast_report_instances, anycast_report_read


def test_read_both_parts():
    out = "BIRD 2.15 ready.\nup0_v4 BGP --- up\n@@birdc-rc=0\n{\"announced\": true}\n@@announce-rc=0\n"
    assert anycast_report_read(out) == {"bird_protocols": "BIRD 2.15 ready.\nup0_v4 BGP --- up",
                                        "announce": {"announced": True}}


def test_read_failed_commands_give_empty_parts():
    assert anycast_report_read("birdc: cannot connect\n@@birdc-rc=1\nnope\n@@announce-rc=2\n") == {
        "bird_protocols": "", "announce": {}}
    assert anycast_report_read("") == {"bird_protocols": "", "announce": {}}
    assert anycast_report_read(None) == {"bird_protocols": "", "announce": {}}
    assert anycast_report_read("x\n@@birdc-rc=0\n{broken\n@@announce-rc=0") == {"bird_protocols": "x", "announce": {}}


def test_instances_from_verify_result_or_own_read():
    hostvars = {
        "ams-1": {"anycast_pop": "ams", "bird_verify_result": {
            "bird_state": {"sessions": [{"name": "up0_v4", "bgp_state": "Established", "routes_exported": 2,
                                         "neighbor_address": "169.254.169.254", "other": 1}]},
            "announce_status": {"announced": True}}},
        "lhr-1": {"anycast_pop": "lhr", "anycast_report_instance": {"pop": "lhr", "reachable": False,
                                                                    "bird_protocols": "", "announce": {}}},
        "fra-1": {"anycast_pop": "fra"},
    }
    assert anycast_report_instances(["ams-1", "lhr-1", "fra-1", "gone"], hostvars) == {
        "ams-1": {"pop": "ams", "reachable": True, "announce": {"announced": True},
                  "sessions": [{"name": "up0_v4", "state": "Established", "exported": 2,
                                "neighbor": "169.254.169.254"}]},
        "lhr-1": {"pop": "lhr", "reachable": False, "bird_protocols": "", "announce": {}},
        "fra-1": {},
        "gone": {},
    }
