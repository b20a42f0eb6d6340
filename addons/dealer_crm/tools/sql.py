"""SQL helpers shared by the suite's reports and batch jobs."""

from contextlib import contextmanager

from odoo import SUPERUSER_ID
from odoo.tools import SQL


@contextmanager
def without_jit(cr):
    """Run the statements of the block with PostgreSQL's JIT compiler off, then give the session
    its setting back.

    PostgreSQL compiles a statement with its JIT when the planner's *estimated* cost passes
    ``jit_above_cost`` (100,000 by default, on until PostgreSQL 19): a report over a few hundred
    thousand rows that runs in tens of milliseconds can spend half a second compiling (measured:
    the campaigns' incremental effect at 1M visits, 520 ms of which 482 ms JIT).  The setting is
    ``SET LOCAL``: after an error inside the block it stays off at most until the transaction
    (or the savepoint around the block) is rolled back.
    """
    cr.execute(
        SQL(
            "WITH session AS MATERIALIZED (SELECT current_setting('jit') AS jit)"
            " SELECT jit, set_config('jit', 'off', true) FROM session"
        )
    )
    jit = cr.fetchone()[0]
    yield
    cr.execute(SQL("SELECT set_config('jit', %s, true)", jit))


def in_reader_companies(env, column):
    """SQL condition: the company ``column`` (an ``SQL`` expression) is one the reader works in (the showrooms
    of their current selection), even when ``env`` is superuser for the read; for the superuser itself (the
    scheduled jobs), any company.

    For the figures of a group's effort (no showroom) read per showroom: a row of this showroom is credited with
    what the customer did in the showrooms its reader may see, not with another showroom's visits and money.
    """
    if env.uid == SUPERUSER_ID:
        return SQL("TRUE")
    return SQL("%s = ANY(%s)", column, reader_company_ids(env))


def reader_company_ids(env):
    """Ids of the companies the current user reads in: those of the current selection they work in (code running
    as superuser may have selected others, which are left out), all of theirs when none of those is (as Odoo's
    ``env.companies`` without a selection)."""
    mine = env.user._get_company_ids()
    selected = [cid for cid in env.companies.ids if cid in set(mine)]
    return selected or list(mine)
