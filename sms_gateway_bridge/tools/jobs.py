"""Commits and locks of the bridges' jobs. Tests run the jobs inside their own transaction, which
may not be committed: there the jobs keep their work in that transaction instead."""
import psycopg2.errors

from odoo import modules
from odoo.tools import mute_logger


def can_commit():
    return not modules.module.current_test


def commit_progress(env, processed=0, remaining=None):
    """Commit and report progress like ``ir.cron._commit_progress``; the seconds left to the job."""
    if not can_commit():
        return float('inf')
    return env['ir.cron']._commit_progress(processed, remaining=remaining)


def lock_unchanged(records, **options):
    """``records.try_lock_for_update(**options)``, or None when another transaction changed one of
    them since this transaction began: Odoo's repeatable-read transactions refuse to lock those
    rows, and the caller looks again in its next transaction."""
    try:
        # the refused lock is expected: not an error to log with its query
        with mute_logger('odoo.sql_db'), records.env.cr.savepoint():
            return records.try_lock_for_update(**options)
    except psycopg2.errors.SerializationFailure:
        return None
