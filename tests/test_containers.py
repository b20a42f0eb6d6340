"""docker-compose.yml: a local demo that creates its database once and is reachable from this machine only."""

import os
import subprocess

import yaml

from repo_paths import ROOT


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_the_demo_is_published_on_this_machine_only():
    odoo = compose()["services"]["odoo"]
    assert all(str(port).startswith("127.0.0.1:") for port in odoo["ports"]), odoo["ports"]


def run_start(script, tmp_path):
    """One container start: the compose command with the image's entrypoint and volume faked."""
    volume, calls = tmp_path / "var-lib-odoo", tmp_path / "calls"
    volume.mkdir(exist_ok=True)
    entrypoint = tmp_path / "entrypoint.sh"
    entrypoint.write_text(f'#!/bin/bash\necho "$@" >> {calls}\n', encoding="utf-8")
    entrypoint.chmod(0o755)
    # compose turns $$ into $ before the shell sees the command
    script = script.replace("$$", "$").replace("/var/lib/odoo", str(volume)).replace("/entrypoint.sh", str(entrypoint))
    subprocess.run(["bash", "-c", script], check=True, env={"PATH": os.environ["PATH"]})
    lines = calls.read_text(encoding="utf-8").splitlines()
    calls.unlink()
    return lines


def test_only_the_first_start_creates_the_database(tmp_path):
    odoo = compose()["services"]["odoo"]
    assert odoo["entrypoint"] == ["/bin/bash", "-c"]
    (script,) = odoo["command"]
    first = run_start(script, tmp_path)
    assert len(first) == 2
    assert "--init=dealer_crm,dealer_service_lost_sales,dealer_loyalty" in first[0] and "--stop-after-init" in first[0]
    assert "--init" not in first[1] and "--no-database-list" in first[1]
    second = run_start(script, tmp_path)
    assert len(second) == 1 and "--init" not in second[0], "a restart must not reinstall the addons"
    assert "--db-filter=^dealer$" in second[0]
