"""Backing up and restoring the whole database.

SQLite: the online backup API, so a backup taken while the app runs is consistent and a
restore goes through SQLite's own locking (never a file copied under an open database).
PostgreSQL: ``pg_dump --format=custom`` of the app's schema (the first one on its search_path)
and ``pg_restore --clean --if-exists --no-owner --single-transaction``. Either way the target
is checked first and written in one step: a failure leaves it as it was.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# Tables every onboarding database has, whatever its migration: a file without them is not ours.
MARKER_TABLES = ("user", "plan")
# Bookkeeping, not data: a migrated but otherwise empty database may be restored over.
NOT_DATA = ("alembic_version",)


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says what is wrong and what to do."""


@dataclass
class Result:
    """What a backup wrote or a restore left in the database: rows per table."""

    path: Path
    size: int
    database: str  # described for people, without the password
    rows: dict[str, int]
    replaced: dict[str, int] = field(default_factory=dict)  # restore --force: the rows that were there

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def backup(url: sa.URL, path: Path, force: bool = False) -> Result:
    """Write a backup of the database at ``url`` to ``path``; refuse an existing file unless ``force``."""
    path = Path(path)
    _check_destination(path, force)
    if _backend(url) == "sqlite":
        return _sqlite_backup(url, path)
    return _pg_backup(url, path)


def restore(url: sa.URL, path: Path, force: bool = False) -> Result:
    """Replace the database at ``url`` with the backup at ``path``; refuse a database that
    holds data unless ``force``, and a file that is not a backup for this kind of database."""
    path = Path(path)
    backend = _backend(url)
    if not path.is_file():
        raise BackupError(f"there is no backup file at {path}")
    kind = _kind_of(path)
    if kind != backend:
        what = {"sqlite": "a SQLite backup", "postgresql": "a PostgreSQL backup (pg_dump custom format)"}
        if kind is None:
            raise BackupError(f"{path} is not a backup made by `onboarding backup`: expected {what[backend]}")
        raise BackupError(f"{path} is {what[kind]}, but this app's database is {_NAMES[backend]}: "
                          f"restore it into a {_NAMES[kind]} database")
    if backend == "sqlite":
        return _sqlite_restore(url, path, force)
    return _pg_restore(url, path, force)


# --- shared -------------------------------------------------------------------------------------

_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _backend(url: sa.URL) -> str:
    backend = url.get_backend_name()
    if backend not in _NAMES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")
    return backend


def _kind_of(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return None


def _check_destination(path: Path, force: bool) -> None:
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give the backup a file name")
    if not path.parent.is_dir():
        raise BackupError(f"folder {path.parent} does not exist")
    if path.exists() and not force:
        raise BackupError(f"{path} already exists: choose a new file name, or use --force to overwrite it")


def _write_beside(path: Path, write) -> int:
    """Call ``write(tmp)`` for a private temporary file next to ``path``, then move it into place,
    so a failed backup never leaves a partial file under the backup's name. Returns the size."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(fd)  # mode 0600: a backup holds password hashes and personal data
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.stat().st_size


def _refuse_if_holding_data(rows: dict[str, int], where: str, force: bool) -> None:
    data = {name: count for name, count in rows.items() if count and name not in NOT_DATA}
    if data and not force:
        raise BackupError(f"{where} already holds data ({sum(data.values())} rows in {len(data)} tables); "
                          "restoring would replace all of it. Stop the app, then run again with --force to overwrite it")


def _missing_markers(tables) -> str:
    missing = [name for name in MARKER_TABLES if name not in tables]
    return ", ".join(missing)


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _sqlite_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _sqlite_rows(conn: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _sqlite_backup(url: sa.URL, path: Path) -> Result:
    source = _sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    rows: dict[str, int] = {}

    def write(tmp: Path) -> None:
        src = _sqlite_read_only(source)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            # A self-contained file: no -wal beside it, whatever mode the live database uses.
            dst.execute("PRAGMA journal_mode=DELETE")
            rows.update(_sqlite_rows(dst))
        finally:
            dst.close()
            src.close()

    try:
        size = _write_beside(path, write)
    except sqlite3.Error as exc:
        raise BackupError(f"could not back up {source}: {exc}") from exc
    return Result(path, size, f"SQLite database {source}", rows)


def _sqlite_check_backup(path: Path) -> None:
    try:
        conn = _sqlite_read_only(path)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be read as a SQLite backup: {exc}") from exc
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged: {'; '.join(problems[:3])}")
    if missing := _missing_markers(tables):
        raise BackupError(f"{path} is a SQLite database but not an onboarding backup (no {missing} table)")


def _sqlite_restore(url: sa.URL, path: Path, force: bool) -> Result:
    target = _sqlite_path(url)
    where = f"SQLite database {target}"
    _sqlite_check_backup(path)
    existed = target.exists()
    try:
        before: dict[str, int] = {}
        if existed:
            conn = sqlite3.connect(target)
            try:
                before = _sqlite_rows(conn)
            finally:
                conn.close()
        _refuse_if_holding_data(before, where, force)
        if not target.parent.is_dir():
            raise BackupError(f"folder {target.parent} does not exist")
        src = _sqlite_read_only(path)
        dst = sqlite3.connect(target, timeout=30)
        try:
            # One write transaction on the target: readers see the old database or the new one.
            src.backup(dst)
            rows = _sqlite_rows(dst)
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as exc:
        if not existed:
            target.unlink(missing_ok=True)
        raise BackupError(f"could not restore into {where}: {exc}") from exc
    replaced = {k: v for k, v in before.items() if v and k not in NOT_DATA}
    return Result(path, path.stat().st_size, where, rows, replaced)


# --- PostgreSQL ---------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found: install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client) in the server's major version or newer")
    return found


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq URL for pg_dump/pg_restore and their environment. The password goes in the
    environment, never on the command line where other users could read it."""
    plain = sa.URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                          database=url.database, query=url.query)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip() or f'exit status {done.returncode}'}")
    return done.stdout


def _engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.NullPool)


def _pg_schema(conn: sa.Connection) -> str:
    """The schema the app's tables live in: the first on the search_path that exists, else
    (a new, empty database) the first one named there."""
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
    if schema:
        return schema
    user = conn.execute(sa.text("SELECT current_user")).scalar()
    for entry in conn.execute(sa.text("SHOW search_path")).scalar().split(","):
        entry = entry.strip()
        if entry == '"$user"' or entry == "$user":
            continue
        if entry.startswith('"') and entry.endswith('"'):
            entry = entry[1:-1].replace('""', '"')
        if entry:
            return entry
    return user


def _pg_rows(conn: sa.Connection, schema: str) -> dict[str, int]:
    quote = conn.dialect.identifier_preparer.quote
    names = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
                         {"s": schema}).scalars().all()
    return {name: conn.execute(sa.text(f"SELECT count(*) FROM {quote(schema)}.{quote(name)}")).scalar()
            for name in names}


def _pg_where(url: sa.URL, schema: str) -> str:
    return f"PostgreSQL database {url.database} (schema {schema}) on {url.host or 'the local socket'}"


def _pg_backup(url: sa.URL, path: Path) -> Result:
    pg_dump = _tool("pg_dump")
    dbname, env = _libpq(url)
    engine = _engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            schema = _pg_schema(conn)
            # pg_dump reads this transaction's snapshot, so the rows counted are the rows dumped.
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar()
            rows = _pg_rows(conn, schema)
            if missing := _missing_markers(rows):
                raise BackupError(f"{_pg_where(url, schema)} has no {missing} table: is the URL's search_path right?")
            # Quoted, the schema is a name, not a pattern; pg_dump ignores the URL's search_path.
            pattern = '"' + schema.replace('"', '""') + '"'
            size = _write_beside(path, lambda tmp: _run(
                [pg_dump, "--format=custom", f"--schema={pattern}", f"--snapshot={snapshot}",
                 f"--file={tmp}", f"--dbname={dbname}"], env))
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(f"could not read the database: {exc.orig or exc}") from exc
    finally:
        engine.dispose()
    return Result(path, size, _pg_where(url, schema), rows)


_TOC_SCHEMA = re.compile(r"^\d+; \d+ \d+ SCHEMA - (\S+) ", re.M)
_TOC_TABLE = re.compile(r"^\d+; 1259 \d+ TABLE (\S+) (\S+) ", re.M)  # 1259: pg_class, so not TABLE DATA


def _pg_restore(url: sa.URL, path: Path, force: bool) -> Result:
    pg_restore = _tool("pg_restore")
    dbname, env = _libpq(url)
    try:
        listing = _run([pg_restore, "--list", str(path)], env)
    except BackupError as exc:
        raise BackupError(f"{path} cannot be read as a pg_dump backup: {exc}") from exc
    schemas = set(_TOC_SCHEMA.findall(listing))
    tables = {name for schema, name in _TOC_TABLE.findall(listing)}
    if len(schemas) != 1 or _missing_markers(tables):
        raise BackupError(f"{path} is a pg_dump archive but not an onboarding backup "
                          "(`onboarding backup` writes one schema holding the user and plan tables)")
    (dumped,) = schemas
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            schema = _pg_schema(conn)
            before = _pg_rows(conn, schema)
        where = _pg_where(url, schema)
        if dumped != schema:
            # pg_restore cannot rename a schema: it would write into schema `dumped`, not the app's.
            raise BackupError(f"{path} holds schema {dumped}, but {where} uses schema {schema}: "
                              f"restore into a database whose search_path names {dumped}")
        _refuse_if_holding_data(before, where, force)
        if extra := sorted(set(before) - tables):
            # --clean drops only the backup's own objects; one of these may hold a foreign key to them.
            raise BackupError(f"{where} has tables the backup does not ({', '.join(extra)}), so pg_restore "
                              f"cannot replace it: restore into an empty database or schema, then run "
                              f"`onboarding init` to migrate it")
        try:
            _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                  f"--dbname={dbname}", str(path)], env)
        except BackupError as exc:
            raise BackupError(f"{exc}\nNothing was changed: the restore runs as one transaction.") from exc
        with engine.connect() as conn:
            rows = _pg_rows(conn, schema)
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(f"could not reach the database: {exc.orig or exc}") from exc
    finally:
        engine.dispose()
    replaced = {k: v for k, v in before.items() if v and k not in NOT_DATA}
    return Result(path, path.stat().st_size, where, rows, replaced)
