"""Make the checkout importable as the collection ansible_collections.anycast.network."""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
COLLECTIONS = ROOT / "collections"
link = COLLECTIONS / "ansible_collections" / "anycast" / "network"
if not link.exists():
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to("../../..")
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))
