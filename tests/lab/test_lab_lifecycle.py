"""Leftovers of a killed run and tear-down."""

import subprocess

from ansible_collections.anycast.network.plugins.module_utils.lab import podman


def test_lab_up_over_leftovers_of_a_killed_run(default_lab, lab_plan, lab_state_dir):
    subprocess.run([*podman.PODMAN, "kill", "anycast-lab-lhr-1", "anycast-lab-atlas-jfk", "anycast-lab-client-sea"],
                   check=True, capture_output=True)
    subprocess.run([*podman.PODMAN, "network", "create", "--internal", "--label", "anycast.network.lab=network",
                    "--subnet", "198.19.250.0/29", "anycast-lab-stale"], check=True, capture_output=True)
    result = podman.up(lab_plan("default"), str(lab_state_dir), timeout=90)
    assert set(result["started"]) == {"anycast-lab-lhr-1", "anycast-lab-atlas-jfk", "anycast-lab-client-sea"}
    assert "anycast-lab-stale" in result["networks_removed"]
    assert [s for s in podman.router_sessions(default_lab) if s["state"] != "Established"] == []
    assert "anycast-lab-stale" not in podman.list_networks()


def test_zz_tear_down_leaves_nothing_but_the_kept_image(default_lab, lab_plan, lab_state_dir):
    result = podman.down(keep_image=True)
    assert result["containers_removed"] and result["networks_removed"]
    assert podman.list_containers() == {}
    assert podman.list_networks() == {}
    assert any(name.endswith(":current") for name in podman.list_images())
    again = podman.down(keep_image=True)
    assert again["changed"] is False
    # The lab is shared with whoever works on the roles: bring it back.
    podman.up(lab_plan("default"), str(lab_state_dir), timeout=90)
