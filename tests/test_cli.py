"""The platsa command line: migrate, load the demo once, create users with working tokens."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from api.cli import COMMANDS, app, load_command
from api.cli_users import RoleName
from api.settings import get_settings
from models.db import make_engine
from models.org import Role, User
from models.participant import Participant
from models.repo_users import user_for_token

runner = CliRunner()


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PLATSA_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_every_command_has_help():
    for args in (
        ["--help"],
        ["serve", "--help"],
        ["db", "upgrade", "--help"],
        ["demo", "load", "--help"],
        ["users", "create", "--help"],
        ["replay", "--help"],
        ["train", "--help"],
        ["models", "list", "--help"],
        ["models", "activate", "--help"],
        ["users", "grant", "--help"],
        ["history", "import", "--help"],
        ["history", "export", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
        assert "Usage" in result.output


HEAVY = ("sklearn", "ortools", "matplotlib", "scipy", "pandas", "numpy", "matcher", "sqlalchemy")

PROBE = """
import json, sys
from api.cli import app
if sys.argv[1:]:  # without arguments: the bare import
    try:
        app(sys.argv[1:])
    except SystemExit as done:
        assert not done.code, done.code
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


@pytest.mark.parametrize(
    "args", [[], ["--help"], ["users", "create", "--help"], ["serve", "--help"]], ids=str
)
def test_help_loads_no_heavy_library(args):
    """`platsa --help` must stay fast: every worker of `serve --workers N` re-imports api.cli."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "typer" in loaded  # the probe saw the modules
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)


def test_listed_help_is_each_commands_own():
    for name, lazy in COMMANDS.items():
        command = load_command(name, lazy)
        assert command.name == name
        assert (command.help or "").strip().splitlines()[0] == lazy.help, name


def test_unknown_command_is_a_usage_error():
    result = runner.invoke(app, ["no-such-command"])
    assert result.exit_code == 2
    assert "no-such-command" in result.output


def test_cli_role_names_are_the_roles():
    assert [r.value for r in RoleName] == [r.value for r in Role]


def test_demo_load_fills_an_empty_database_once(database):
    result = runner.invoke(app, ["demo", "load", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "400 participants" in result.output
    with Session(make_engine(database)) as session:
        assert session.exec(select(func.count()).select_from(Participant)).one() == 400
    again = runner.invoke(app, ["demo", "load"])
    assert again.exit_code == 1
    assert "holds data" in again.output


def test_users_create_prints_a_token_that_authenticates(database):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["users", "create", "eva", "--role", "evaluator"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    with Session(make_engine(database)) as session:
        user = user_for_token(session, token)
        assert user is not None and user.username == "eva"
        assert user.token_hash != token  # only the hash is stored
        assert token not in {u.token_hash for u in session.exec(select(User)).all()}


def test_a_caseworker_needs_a_known_unit(database):
    result = runner.invoke(app, ["users", "create", "cw", "--role", "caseworker"])
    assert result.exit_code == 2
    assert "needs --unit" in result.output
    result = runner.invoke(app, ["users", "create", "cw", "--role", "caseworker", "--unit", "NOPE"])
    assert result.exit_code == 2
    assert "unknown unit" in result.output


def test_history_import_needs_the_grant_and_lists_problems(database, tmp_path):
    file = tmp_path / "history.jsonl"
    file.write_text(
        '{"kind": "decision", "decision_ref": "X-1", "participant_ref": "NOBODY", '
        '"placement_ref": "NOWHERE", "at": "2025-01-02", "status": "accepted"}\n'
    )
    for name, role in (("eva", "evaluator"), ("boss", "admin")):
        assert runner.invoke(app, ["users", "create", name, "--role", role]).exit_code == 0
    refused = runner.invoke(app, ["history", "import", str(file), "--by", "eva"])
    assert refused.exit_code == 1 and "history_import" in refused.output
    granted = runner.invoke(app, ["users", "grant", "eva", "history_import", "--by", "boss"])
    assert granted.exit_code == 0 and "gave history_import to eva" in granted.output
    checked = runner.invoke(app, ["history", "import", str(file), "--by", "eva"])
    assert checked.exit_code == 1
    assert "line 1, participant_ref: unknown participant reference 'NOBODY'" in checked.output
    assert "line 1, placement_ref" in checked.output
    not_admin = runner.invoke(app, ["users", "grant", "boss", "history_import", "--by", "eva"])
    assert not_admin.exit_code != 0


def test_replay_stores_its_run_and_draws_progress(tmp_path, monkeypatch):
    """On an empty database: the replay runs, shows its phases and is stored like the API's."""
    url = f"sqlite:///{tmp_path / 'replay.db'}"
    monkeypatch.setenv("PLATSA_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "160")
    get_settings.cache_clear()
    try:
        result = runner.invoke(
            app, ["replay", "--from", "2025-01-01", "--to", "2025-01-31", "--scorer", "policy",
                  "--progress", "--n-boot", "10"],
        )  # fmt: skip
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "stored as replay 1" in result.output
    assert "reading the history" in result.output and "ETA" in result.output
    from matcher import load_policy
    from models.registry import ReplayRun

    with Session(make_engine(url)) as session:
        run = session.get(ReplayRun, 1)
        assert run.scorer == load_policy().version and run.k == 10
        assert run.window_from.date().isoformat() == "2025-01-01"
