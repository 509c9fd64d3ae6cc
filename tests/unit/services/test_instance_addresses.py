"""The map of the instances' own addresses that the configure step builds once per run."""

from ansible_collections.anycast.network.plugins.filter.instances import anycast_instance_addresses


def test_each_instance_with_its_addresses_and_empty_where_it_has_none():
    hostvars = {"lhr-1": {"anycast_address": "192.0.2.11", "anycast_address6": "2001:db8:1::11"},
                "ams-1": {"anycast_address6": "2001:db8:2::11"},
                "other": {"anycast_address": "198.51.100.1"}}
    assert anycast_instance_addresses(["lhr-1", "ams-1", "gone"], hostvars) == {
        "lhr-1": {"address": "192.0.2.11", "address6": "2001:db8:1::11"},
        "ams-1": {"address": "", "address6": "2001:db8:2::11"},
        "gone": {"address": "", "address6": ""}}
    assert anycast_instance_addresses(None, hostvars) == {}
