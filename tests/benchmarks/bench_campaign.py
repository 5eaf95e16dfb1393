#!/usr/bin/env python3
"""A large Direct SMS campaign: the job "Update SMS outbound with campaign message" creating its messages.

    python3 tests/benchmarks/bench_campaign.py [--sizes 10000,100000]

Starts a throwaway PostgreSQL cluster, creates a database with our addons (no demo data) and, for
each size, a mailing list of that many contacts (inserted with SQL, as bench_mailing_prepare.py does)
and a Direct campaign whose business rule selects them. A fresh process then activates the campaign
(its first batch is created at once) and runs the job as the scheduler does (runs of a 10-second
budget, one commit per batch, until the campaign's activation is done). Prints seconds,
recipients/s, SQL queries per recipient, the process's peak RSS and its growth, commits and runs,
and checks one message per contact. Asserts nothing about time.
"""
import argparse
import json
import multiprocessing
import os
import resource
import sys
import time
from functools import partial
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPOSITORY), str(REPOSITORY / 'setup')]
from tests.benchmarks.bench_sending import (  # noqa: E402
    install_database, odoo_env, run_on_throwaway_cluster, sizes)

DATABASE = 'bench_campaign'
SPAWN = multiprocessing.get_context('spawn')  # fresh interpreters: each measure's own peak memory
JOB_BUDGET = 10  # seconds: the time the scheduler gives a job run (ir_cron's MIN_TIME_PER_JOB)
GENERATE_CRON = 'sms_campaign_rules.ir_cron_generate_campaign_messages'


def create_campaign(config, count):
    """A pending Direct campaign to a new mailing list of ``count`` contacts; its id."""
    with odoo_env(config, DATABASE) as env:
        from odoo import Command  # noqa: PLC0415 - importable once odoo_env has set Odoo up
        from tests.workers.committed_mailing import insert_mailing_list  # noqa: PLC0415
        mailing_list, __ = insert_mailing_list(env, count)
        rule = env['sms.campaign.rule'].create({
            'name': 'Benchmark %d' % count, 'model_id': env.ref('mass_mailing.model_mailing_contact').id,
            'phone_field': 'phone_sanitized', 'domain': "[('list_ids', 'in', [list_id])]", 'template_fields': 'name',
            'parameter_ids': [Command.create({'name': 'list_id', 'label': 'Mailing list'})]})
        campaign = env['sms.campaign'].create({
            'name': 'Benchmark %d' % count, 'rule_id': rule.id, 'message': 'Spring sale for {name}!',
            'param_value': json.dumps({'list_id': mailing_list.id})})
        return campaign.id


def generate(config, campaign_id):
    """Activate the campaign and run the job until its messages exist, in this (fresh) process."""
    with odoo_env(config, DATABASE) as env:
        from odoo import sql_db  # noqa: PLC0415 - importable once odoo_env has set Odoo up
        cron = env.ref(GENERATE_CRON)
        campaign = env['sms.campaign'].browse(campaign_id)
        commits = []
        commit = env.cr.commit
        env.cr.commit = lambda: commits.append(commit())
        rss_before = int(Path('/proc/self/statm').read_text().split()[1]) * os.sysconf('SC_PAGE_SIZE')
        start, start_queries = time.perf_counter(), sql_db.sql_counter
        campaign.action_activate()
        env.cr.commit()
        runs = 0
        while campaign.generated_activation < campaign.activation_count:
            job, _progress = cron.with_context(
                cron_id=cron.id, cron_end_time=time.monotonic() + JOB_BUDGET)._add_progress()
            env['sms.campaign'].with_env(job.env)._cron_generate_messages()
            campaign.invalidate_recordset()
            runs += 1
        seconds, queries = time.perf_counter() - start, sql_db.sql_counter - start_queries
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        env.cr.execute("""SELECT count(*), count(DISTINCT recipient_key), count(DISTINCT number)
                            FROM sms_campaign_message WHERE campaign_id = %s""", [campaign_id])
        messages, recipients, numbers = env.cr.fetchone()
        return {'seconds': seconds, 'queries': queries, 'peak': peak, 'growth': peak - rss_before,
                'commits': len(commits), 'runs': runs, 'messages': messages, 'recipients': recipients,
                'numbers': numbers}


def measure(config, count):
    campaign_id = create_campaign(config, count)
    print('creating the messages of a campaign to %d recipients...' % count, flush=True)
    with SPAWN.Pool(1) as pool:
        result = pool.apply(generate, (config, campaign_id))
    ok = result['messages'] == result['recipients'] == result['numbers'] == count
    print('%d recipients: %d messages to %d recipients and %d numbers: %s' % (
        count, result['messages'], result['recipients'], result['numbers'],
        'complete, no duplicate' if ok else 'WRONG'), flush=True)
    return dict(result, count=count)


def report(results):
    mib = 1024 * 1024
    print('\n%10s %9s %13s %11s %13s %10s %8s %6s' % (
        'recipients', 'seconds', 'recipients/s', 'SQL/recip.', 'peak RSS MiB', 'RSS +MiB', 'commits', 'runs'))
    for r in results:
        print('%10d %9.1f %13.0f %11.3f %13.0f %10.0f %8d %6d' % (
            r['count'], r['seconds'], r['count'] / r['seconds'], r['queries'] / r['count'], r['peak'] / mib,
            r['growth'] / mib, r['commits'], r['runs']))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=sizes, default=[10000, 100000], help='campaign sizes (default 10000,100000)')
    options = parser.parse_args()
    return run_on_throwaway_cluster('bench_campaign', partial(benchmark, options=options))


def benchmark(config, options):
    if not install_database(config, DATABASE, 'bench_campaign'):
        return 1
    report([measure(config, count) for count in options.sizes])
    return 0


if __name__ == '__main__':
    sys.exit(main())
