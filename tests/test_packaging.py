"""`pip install -e .` must install every feature package: the `schwarm` command
runs outside the checkout, where only the installed packages can be imported."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_SHIPPED = {"tests", "bench", "migrations"}  # run from the checkout only


def test_every_top_level_package_is_installed():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    included = set(config["options.packages.find"]["include"].split())
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - NOT_SHIPPED
    missing = sorted(name for name in packages
                     if name not in included or f"{name}.*" not in included)
    assert missing == []
