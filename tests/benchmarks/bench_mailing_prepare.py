#!/usr/bin/env python3
"""Preparing an SMS mailing: Mass SMS's batched preparation against Odoo 19's own composer path.

    python3 tests/benchmarks/bench_mailing_prepare.py [--ours 10000,100000] [--odoo 10000] [--odoo-raised 100000]
                                                      [--end-to-end 100000] [--latency 0.1] [--senders 2]

Starts a throwaway PostgreSQL cluster, creates a database with mass_sms (no demo data), and for each
size a mailing list of that many contacts (inserted with SQL; 1 number in 100 repeated, 1 contact in
1,000 without a valid number, so that duplicate and invalid checks work), then prepares and queues the
mailing's SMS in a fresh process: ours as the mailing queue job runs it (runs of a 10-second budget,
committed per batch, until nothing remains), Odoo's by its composer on all remaining recipients in one
transaction (with --odoo-raised: its limit on the literal of recipient ids raised through its
ODOO_LIMIT_LITEVAL_BUFFER environment variable, else it fails above about 11,000). Prints seconds, recipients/s, SQL queries per recipient, peak RSS growth and commits, and
checks one trace per contact and one SMS per distinct valid number; also the processor seconds of the
preparing process and of its PostgreSQL backend, which what else runs on the machine barely changes.

With --end-to-end, the mailing of each size goes through an Infobip bridge (10,000 msgs/s, so that its
rate is not the limit) to the Infobip fake, which answers after --latency seconds in a process of its
own: one process prepares it as the mailing queue job runs while --senders others send its SMS as the
SMS queue job does, all started together. Prints the wall time until the fake accepted the last SMS,
the preparation's time, the SMS sent and recipients/s end to end, and checks that the fake received
each distinct valid number exactly once. Asserts nothing about time.
"""
import argparse
import multiprocessing
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPOSITORY), str(REPOSITORY / 'setup')]
from tests.benchmarks.bench_sending import (  # noqa: E402
    INFOBIP_FAKE, configure_infobip_bridge, exactly_once, fake_server, install_database, odoo_env,
    run_on_throwaway_cluster, sizes)

DATABASE, END_TO_END_DATABASE = 'bench_mailing_prepare', 'bench_mailing_end_to_end'
SPAWN = multiprocessing.get_context('spawn')  # fresh interpreters: each measure's own peak memory
JOB_BUDGET = 10  # seconds: the time the scheduler gives a job run (ir_cron's MIN_TIME_PER_JOB)
LABELS = {'ours': "Mass SMS", 'odoo': "Odoo 19", 'odoo-raised': "Odoo 19 raised"}
IDLE_POLL = 0.2  # seconds a sender waits when the preparation has queued nothing new yet


def create_mailing(config, database, count, **values):
    with odoo_env(config, database) as env:
        from odoo import Command  # noqa: PLC0415 - importable once odoo_env has set Odoo up
        from tests.workers.committed_mailing import insert_mailing_list  # noqa: PLC0415
        mailing_list, numbers = insert_mailing_list(env, count, distinct=count - count // 100, invalid_every=1000)
        mailing = env['mailing.mailing'].create({
            'name': 'Benchmark %s' % count, 'subject': 'Benchmark', 'mailing_type': 'sms',
            'body_plaintext': 'Spring sale for {{ object.name }} on https://example.com/sale',
            'mailing_model_id': env['ir.model']._get_id('mailing.list'),
            'contact_list_ids': [Command.link(mailing_list.id)], 'state': 'in_queue',
            # at any hour, to every number: the send window and the frequency cap are tested in mass_sms
            'sms_send_window': 'anytime', 'sms_frequency_cap': False, **values,
        })
        return mailing.id, numbers


def cpu_seconds(pid):
    """Processor time (user and system) process ``pid`` used so far: unlike wall time, barely
    changed by what else runs on the machine."""
    utime, stime = Path('/proc/%d/stat' % pid).read_text().rpartition(')')[2].split()[11:13]
    return (int(utime) + int(stime)) / os.sysconf('SC_CLK_TCK')


def prepare(config, database, mailing_id, path, start_at=0):
    """Prepare the mailing in this (fresh) process from ``start_at`` (a time.time()); its time,
    queries, commits and memory growth."""
    with odoo_env(config, database) as env:
        from odoo import sql_db  # noqa: PLC0415 - importable once odoo_env has set Odoo up
        from odoo.addons.mass_mailing.models.mailing import MailingMailing as OdooMailing  # noqa: PLC0415
        cron = env.ref('mass_mailing.ir_cron_mass_mailing_queue')
        mailing = env['mailing.mailing'].browse(mailing_id)
        commits = []
        commit = env.cr.commit
        env.cr.commit = lambda: commits.append(commit())
        time.sleep(max(start_at - time.time(), 0))
        rss_before = int(Path('/proc/self/statm').read_text().split()[1]) * os.sysconf('SC_PAGE_SIZE')
        env.cr.execute("SELECT pg_backend_pid()")
        processes = {'odoo_cpu': os.getpid(), 'pg_cpu': env.cr.fetchone()[0]}
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        start, start_queries = time.perf_counter(), sql_db.sql_counter
        if path == 'ours':
            runs = 0
            while mailing._get_remaining_recipients():
                job, _progress = cron.with_context(
                    cron_id=cron.id, cron_end_time=time.monotonic() + JOB_BUDGET)._add_progress()
                job_mailing = mailing.with_env(job.env)
                job_mailing.state = 'sending'  # as _process_mass_mailing_queue does before preparing
                job_mailing.action_send_sms()
                runs += 1
        else:
            if path == 'odoo-raised':  # Odoo reads it on each literal_eval (odoo/_monkeypatches/ast.py)
                os.environ['ODOO_LIMIT_LITEVAL_BUFFER'] = str(1 << 30)
            runs = 1
            res_ids = OdooMailing._get_remaining_recipients(mailing)  # Odoo's own: every recipient id
            mailing.action_send_sms(res_ids=res_ids)
        env.cr.commit()
        seconds, queries = time.perf_counter() - start, sql_db.sql_counter - start_queries
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in processes.items()}
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        env.cr.execute("""SELECT (SELECT count(DISTINCT res_id) FROM mailing_trace WHERE mass_mailing_id = %(id)s),
                                 (SELECT count(*) FROM mailing_trace WHERE mass_mailing_id = %(id)s),
                                 (SELECT count(*) FROM sms_sms WHERE mailing_id = %(id)s AND state = 'outgoing'),
                                 (SELECT count(DISTINCT number) FROM sms_sms WHERE mailing_id = %(id)s)""",
                       {'id': mailing_id})
        recipients, traces, sms, numbers = env.cr.fetchone()
        return {**cpu, 'seconds': seconds, 'queries': queries, 'growth': peak - rss_before, 'commits': len(commits),
                'runs': runs, 'recipients': recipients, 'traces': traces, 'sms': sms, 'numbers': numbers}


def measure(config, path, count):
    mailing_id, numbers = create_mailing(config, DATABASE, count)
    print('%s path: preparing %d recipients...' % (path, count), flush=True)
    with SPAWN.Pool(1) as pool:
        result = pool.apply(prepare, (config, DATABASE, mailing_id, path))
    ok = result['recipients'] == result['traces'] == count and result['sms'] == result['numbers'] == len(numbers)
    print('%s path, %d recipients: %d traces for %d recipients, %d SMS for %d distinct valid numbers: %s' % (
        path, count, result['traces'], result['recipients'], result['sms'], len(numbers),
        'complete, no duplicate' if ok else 'WRONG'), flush=True)
    return dict(result, label=LABELS[path], count=count)


def send(config, database, mailing_id, start_at):
    """Run the SMS queue job from ``start_at`` until the mailing is prepared and none of its SMS is
    outgoing, as a worker of a deployment does while the mailing is being prepared."""
    with odoo_env(config, database) as env:
        mailing = env['mailing.mailing'].browse(mailing_id)
        env.cr.commit()
        time.sleep(max(start_at - time.time(), 0))
        while True:
            env.invalidate_all()
            prepared = not mailing._get_remaining_recipients()  # before the count, in the same snapshot
            if env['sms.sms'].search_count([('mailing_id', '=', mailing_id), ('state', '=', 'outgoing')]):
                env['sms.sms']._process_queue()
            elif prepared:
                return
            else:
                env.cr.commit()  # the next look sees what the preparation committed since
                time.sleep(IDLE_POLL)


def end_to_end(config, count, options):
    """Prepare and send a mailing of ``count`` recipients through the Infobip fake."""
    with fake_server(INFOBIP_FAKE, options.latency) as (base_url, received):
        with odoo_env(config, END_TO_END_DATABASE) as env:
            bridge_id = configure_infobip_bridge(env, base_url).id
        mailing_id, numbers = create_mailing(config, END_TO_END_DATABASE, count, sms_gateway_bridge_id=bridge_id)
        print('end to end: preparing and sending %d recipients...' % count, flush=True)
        start_at = time.time() + 15  # once every process has loaded Odoo
        with ProcessPoolExecutor(1 + options.senders, mp_context=SPAWN) as pool:  # fails, not hangs, if a process dies
            preparation = pool.submit(prepare, config, END_TO_END_DATABASE, mailing_id, 'ours', start_at)
            senders = [pool.submit(send, config, END_TO_END_DATABASE, mailing_id, start_at)
                       for _sender in range(options.senders)]
            preparation_seconds = preparation.result()['seconds']
            for sender in senders:
                sender.result()
        messages = received()
    sent_to = [message['to'] for message in messages]
    print('end to end, %d recipients: the fake received %d SMS for %d distinct valid numbers: %s' % (
        count, len(sent_to), len(numbers), exactly_once(sent_to, numbers)), flush=True)
    seconds = max(message['sent_at'] for message in messages).timestamp() - start_at if messages else float('nan')
    return {'count': count, 'seconds': seconds, 'preparation': preparation_seconds, 'sms': len(sent_to)}


def report_end_to_end(results, options):
    print('\nend to end, Infobip fake answering after %g s, %d sending processes:' % (options.latency, options.senders))
    print('%10s %9s %13s %9s %13s' % ('recipients', 'seconds', 'preparation s', 'SMS sent', 'recipients/s'))
    for r in results:
        print('%10d %9.1f %13.1f %9d %13.0f' % (
            r['count'], r['seconds'], r['preparation'], r['sms'], r['count'] / r['seconds']))


def report(results):
    mib = 1024 * 1024
    print('\n%-16s %10s %9s %13s %11s %11s %11s %10s %8s %6s' % (
        'path', 'recipients', 'seconds', 'recipients/s', 'Odoo CPU s', 'PG CPU s', 'SQL/recip.', 'RSS +MiB',
        'commits', 'runs'))
    for r in results:
        print('%-16s %10d %9.1f %13.0f %11.1f %11.1f %11.3f %10.0f %8d %6d' % (
            r['label'], r['count'], r['seconds'], r['count'] / r['seconds'], r['odoo_cpu'], r['pg_cpu'],
            r['queries'] / r['count'], r['growth'] / mib, r['commits'], r['runs']))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ours', type=sizes, default=[10000, 100000], help='sizes for our path (default 10000,100000)')
    parser.add_argument('--odoo', type=sizes, default=[10000], help="sizes for Odoo's path (default 10000)")
    parser.add_argument('--odoo-raised', type=sizes, default=[], help="sizes for Odoo's path with its literal "
                        "limit raised through ODOO_LIMIT_LITEVAL_BUFFER (default none)")
    parser.add_argument('--end-to-end', type=sizes, default=[], help='sizes of mailings prepared and sent through '
                        'the Infobip fake, timed until its last SMS is accepted (default none)')
    parser.add_argument('--latency', type=float, default=0.1,
                        help='seconds each call to the Infobip fake takes (default 0.1)')
    parser.add_argument('--senders', type=int, default=2,
                        help='processes sending the end-to-end mailing beside its preparation (default 2)')
    options = parser.parse_args()
    return run_on_throwaway_cluster('bench_mailing_prepare', partial(benchmark, options=options))


def benchmark(config, options):
    # the end-to-end mailings in a database of their own: their bridge must not send the SMS the
    # other paths leave queued, nor their SMS weigh on the other paths' figures
    for database, wanted in ((DATABASE, options.ours or options.odoo or options.odoo_raised),
                             (END_TO_END_DATABASE, options.end_to_end)):
        if wanted and not install_database(config, database, 'bench_mailing_prepare'):
            return 1
    results = ([measure(config, 'odoo', count) for count in options.odoo]
               + [measure(config, 'odoo-raised', count) for count in options.odoo_raised]
               + [measure(config, 'ours', count) for count in options.ours])
    if results:
        report(results)
    if options.end_to_end:
        report_end_to_end([end_to_end(config, count, options) for count in options.end_to_end], options)
    return 0


if __name__ == '__main__':
    sys.exit(main())
