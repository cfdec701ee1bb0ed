"""`onboarding --help` and `onboarding nudges run --help` start without building the app: the
console script lists the commands from onboarding.cli.COMMANDS and imports only the one it runs."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import click

from onboarding.cli import COMMANDS

HEAVY = ("onboarding.models", "onboarding.web", "onboarding.nudges", "sqlalchemy", "alembic", "apscheduler",
         "flask_sqlalchemy", "authlib", "wtforms")
PROBE = """
import json, sys
from onboarding.cli import main
sys.argv = ["onboarding", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "heavy": sorted(m for m in sys.modules if m.split(".")[0] in HEAVY_ROOTS
                                                or m.startswith(("onboarding.models", "onboarding.web", "onboarding.nudges")))}))
"""


def _probe(tmp_path, *args):
    env = os.environ | {"ONBOARDING_INSTANCE_PATH": str(tmp_path)}
    roots = sorted({m.split(".")[0] for m in HEAVY if not m.startswith("onboarding")})
    done = subprocess.run([sys.executable, "-c", f"HEAVY_ROOTS = {roots!r}\n" + PROBE, *args],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    *output, last = done.stdout.strip().splitlines()
    return "\n".join(output), json.loads(last)


def test_help_lists_every_command_without_building_the_app(tmp_path):
    output, seen = _probe(tmp_path, "--help")
    assert seen == {"code": 0, "heavy": []}
    for name in COMMANDS:
        assert f"  {name} " in output
    assert "Bring the database to the latest migration" in output


def test_nudges_run_help_imports_only_its_command(tmp_path):
    output, seen = _probe(tmp_path, "nudges", "run", "--help")
    assert seen == {"code": 0, "heavy": []}
    assert "--today" in output and "--dry-run" in output


def test_the_list_matches_the_commands_on_the_app(app):
    """COMMANDS is the one list: the app registers exactly these, and each line of
    `onboarding --help` is the command's own help."""
    assert set(app.cli.commands) == set(COMMANDS)
    for name, (_, _, line) in COMMANDS.items():
        command = app.cli.commands[name]
        assert click.Command(name, help=line).get_short_help_str(300) == command.get_short_help_str(300), name
