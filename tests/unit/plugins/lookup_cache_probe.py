"""Run by test_jinja_plugin_lookup_cache.py in a process of its own: the collection loader that ansible-playbook
installs (init_plugin_loader), then the look-up cache, then templates. Prints what it saw as JSON."""

import json
import pathlib
import sys

COLLECTIONS = pathlib.Path(__file__).resolve().parents[3] / "collections"


def main():
    from ansible.plugins.loader import Jinja2Loader, filter_loader, init_plugin_loader, test_loader
    from ansible.template import Templar, trust_as_template

    init_plugin_loader([str(COLLECTIONS)])
    from ansible_collections.anycast.network.plugins.plugin_utils import jinja_plugin_lookup_cache as cache

    template, variables = json.loads(sys.argv[1])
    calls = []
    original = Jinja2Loader.get_with_context

    def counting(self, name, *args, **kwargs):
        calls.append([self.type, name])
        return original(self, name, *args, **kwargs)

    Jinja2Loader.get_with_context = counting

    def render(text):
        try:
            return Templar(variables=variables).template(trust_as_template(text))
        except Exception as exc:  # pylint: disable=broad-except
            return "error: %s" % exc

    out = {"plain": render(template)}
    out["plain_calls"] = list(calls)
    calls.clear()
    out["installed"] = cache.install()
    out["warmed"], calls[:] = list(calls), []
    out["first"] = render(template)
    out["first_calls"], calls[:] = list(calls), []
    out["second"] = render(template)
    out["second_calls"], calls[:] = list(calls), []
    out["unknown"] = [render("{{ 1 | anycast.network.no_such_filter }}") for _ in range(2)]
    out["unknown"] += [render("{{ 1 | no_such.collection.filter }}") for _ in range(2)]
    out["unknown_calls"], calls[:] = list(calls), []
    try:
        out["test_of_a_filter_name"] = repr(test_loader.get("anycast.network.anycast_services"))
    except KeyError as exc:  # the collection has no tests at all
        out["test_of_a_filter_name"] = "KeyError: %s" % exc
    out["same_answer"] = filter_loader.get_with_context("map") is filter_loader.get_with_context("map")
    out["last_calls"] = list(calls)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
