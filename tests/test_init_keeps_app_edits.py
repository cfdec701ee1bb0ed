"""`onboarding init` runs on each deploy: it must never replace what HR edited in the
app with the repository's older playbook text (issue 10, item 5)."""
import shutil

import pytest
import sqlalchemy as sa
from flask_migrate import stamp

from onboarding import playbooks
from onboarding.extensions import db
from onboarding.playbooks import editor

from .conftest import ROOT, make_user

SLUG = "cdio-cio-26-weeks"
pytestmark = [
    # Alembic (stamp, and upgrade inside init) works on a connection of its own.
    pytest.mark.real_commits,
    # The migrations' env.py (Flask-Migrate's template) still calls a deprecated Flask-SQLAlchemy API.
    pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning"),
]


@pytest.fixture
def deployed(loaded, tmp_path):
    """The database at the latest migration (so `init` only loads playbooks), with the
    repository's playbooks in a directory the test may change."""
    directory = tmp_path / "playbooks"
    shutil.copytree(ROOT / "playbooks", directory)
    loaded.config["PLAYBOOK_DIR"] = str(directory)
    db.session.remove()  # alembic uses its own connection; SQLite would see this one's lock
    stamp()
    yield directory
    db.session.rollback()
    with db.engine.begin() as conn:  # the PostgreSQL schema is shared by later tests
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def edit_in_app(title: str):
    hr = make_user("hr@example.nhs.uk", "Helen HR", hr=True)
    content = editor.draft(playbooks.get_playbook(SLUG).latest)
    first = content.milestones[0]
    editor.edit_milestone(content, first["key"], first | {"title": title})
    version, created = editor.publish(content, hr)
    db.session.commit()
    assert created and version.number == 2
    return first["key"]


def latest_titles():
    db.session.expire_all()
    latest = playbooks.get_playbook(SLUG).latest
    return latest.number, {t.key: t.title for t in latest.templates}


def test_a_milestone_edited_in_the_app_survives_init(runner, deployed):
    key = edit_in_app("Meet the chief executive in week one")

    result = runner.invoke(args=["init"])

    assert result.exit_code == 0, result.output
    assert f"{SLUG}: edited in the app since; file not loaded" in result.output
    number, titles = latest_titles()
    assert number == 2
    assert titles[key] == "Meet the chief executive in week one"


def test_init_still_loads_a_changed_file_when_nobody_edited_in_the_app(runner, deployed):
    path = deployed / f"{SLUG}.yaml"
    content, _ = playbooks.parse_file(path)
    content.milestones[0]["title"] = "Retitled in the repository"
    path.write_text(playbooks.to_yaml(content))

    result = runner.invoke(args=["init"])

    assert f"{SLUG}: loaded as version 2" in result.output
    assert latest_titles()[0] == 2
    assert latest_titles()[1][content.milestones[0]["key"]] == "Retitled in the repository"
    assert "compressed-13-weeks: unchanged at version 1" in result.output


def test_init_does_not_roll_back_to_content_that_was_already_a_version(runner, deployed):
    path = deployed / f"{SLUG}.yaml"
    original = path.read_text()
    content, _ = playbooks.parse_text(original, str(path))
    content.milestones[0]["title"] = "Retitled in the repository"
    path.write_text(playbooks.to_yaml(content))
    assert f"{SLUG}: loaded as version 2" in runner.invoke(args=["init"]).output

    path.write_text(original)  # an old checkout deployed again
    result = runner.invoke(args=["init"])

    assert f"{SLUG}: same as earlier version 1; file not loaded" in result.output
    assert latest_titles()[0] == 2


def test_explicit_load_replaces_app_edits_and_says_so(runner, deployed):
    key = edit_in_app("Meet the chief executive in week one")

    result = runner.invoke(args=["playbooks", "load", str(deployed / f"{SLUG}.yaml")])

    assert result.exit_code == 0, result.output
    assert f"{SLUG}: loaded as version 3, replacing what HR published in the app (version 2)" in result.output
    number, titles = latest_titles()
    assert number == 3 and titles[key] != "Meet the chief executive in week one"


def test_load_help_says_it_replaces_app_edits(runner, app):
    result = runner.invoke(args=["playbooks", "load", "--help"])
    assert "over versions HR published in the" in " ".join(result.output.split())
