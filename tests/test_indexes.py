"""Every index earns its keep: none repeats the first columns of another on the same table.

An index is written on every insert and on every update of its columns (the nudge sender
updates each nudge it sends); one whose columns begin a longer index or a unique constraint
speeds up no query, since the database uses the longer one for the same lookups, foreign-key
checks included. tests/test_setup.py checks that the migrations build exactly these models."""
from __future__ import annotations

import sqlalchemy as sa

from onboarding import models  # noqa: F401  (the tables, into db.metadata)
from onboarding.extensions import db


def _keys(table: sa.Table) -> list[tuple[str, list[str], bool]]:
    """(name, columns, is a plain index) of each index, unique constraint and primary key;
    partial indexes are left out: they hold only some rows, so nothing repeats them."""
    keys = [(index.name, [c.name for c in index.columns], not index.unique) for index in table.indexes
            if not any(options.get("where") is not None for options in index.dialect_options.values())]
    keys += [(c.name, [col.name for col in c.columns], False) for c in table.constraints
             if isinstance(c, sa.UniqueConstraint | sa.PrimaryKeyConstraint)]
    return keys


def repeated_indexes(metadata: sa.MetaData) -> list[str]:
    found = []
    for table in metadata.sorted_tables:
        keys = _keys(table)
        for name, columns, plain in keys:
            if not plain:
                continue  # a unique index or constraint is a rule, not only a way in
            for other, other_columns, other_plain in keys:
                # Of two plain indexes on the same columns, the one named later is the repeat.
                if other != name and other_columns[:len(columns)] == columns and (
                        len(other_columns) > len(columns) or not other_plain or other < name):
                    found.append(f"{table.name}.{name} {columns} begins {other} {other_columns}")
                    break
    return found


def test_no_index_repeats_the_start_of_another():
    assert {"plan", "milestone", "nudge"} <= db.metadata.tables.keys()  # the models are loaded
    assert repeated_indexes(db.metadata) == []


def test_the_check_finds_each_kind_of_repeat_and_nothing_else():
    metadata = sa.MetaData(naming_convention=db.metadata.naming_convention)
    sa.Table("t", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Integer, index=True),
             sa.Column("b", sa.Integer), sa.Column("c", sa.Integer), sa.Column("d", sa.Integer),
             sa.UniqueConstraint("a", "b"),
             sa.Index("ix_t_b_c", "b", "c"), sa.Index("ix_t_b_c_again", "b", "c"),
             sa.Index("ix_t_c_d", "c", "d"), sa.Index("ix_t_c_partial", "c", sqlite_where=sa.text("d = 1")),
             sa.Index("ix_t_d_b", "d", "b"), sa.Index("ix_t_d", "d", unique=True))
    assert sorted(repeated_indexes(metadata)) == [
        "t.ix_t_a ['a'] begins uq_t_a_b ['a', 'b']",  # the start of a unique constraint
        "t.ix_t_b_c_again ['b', 'c'] begins ix_t_b_c ['b', 'c']",  # the same columns twice
    ]  # a partial index, and a unique index (a rule), are not repeats
