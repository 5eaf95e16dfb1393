"""Commits of the bridges' jobs. Tests run the jobs inside their own transaction, which may not
be committed: there the jobs keep their work in that transaction instead."""
from odoo import modules


def can_commit():
    return not modules.module.current_test


def commit_progress(env, processed=0, remaining=None):
    """Commit and report progress like ``ir.cron._commit_progress``; the seconds left to the job."""
    if not can_commit():
        return float('inf')
    return env['ir.cron']._commit_progress(processed, remaining=remaining)
