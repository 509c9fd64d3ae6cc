"""The lab removes only what it made: containers of the lab's image made by someone else keep running."""

from ansible_collections.anycast.network.plugins.module_utils.lab import podman


def test_containers_made_from_the_lab_image_by_others_are_not_the_labs(monkeypatch):
    listed = [
        {"Names": ["anycast-lab-lhr-1"], "State": "running", "Id": "a",
         "Labels": {"anycast.network.lab": "instance", "anycast.network.lab.spec": "1234"}},
        {"Names": ["anycast-lab-edge-lhr"], "State": "exited", "Id": "b",
         "Labels": {"anycast.network.lab": "edge"}},
        # A Molecule scenario's container: the image's labels, and Molecule's own.
        {"Names": ["anycast-molecule-mesh-1"], "State": "running", "Id": "c",
         "Labels": {"anycast.network.lab": "image", "anycast.network.lab.definition": "48454a603275",
                    "anycast.network.molecule": "molecule"}},
        # Any other container run from the lab's image.
        {"Names": ["someone-elses"], "State": "running", "Id": "d",
         "Labels": {"anycast.network.lab": "image"}},
    ]
    calls = []

    def fake_json(*args):
        calls.append(args)
        return listed

    monkeypatch.setattr(podman, "_json", fake_json)
    assert sorted(podman.list_containers()) == ["anycast-lab-edge-lhr", "anycast-lab-lhr-1"]
    assert calls == [("ps", "-a", "--filter", "label=anycast.network.lab", "--format", "json")]
