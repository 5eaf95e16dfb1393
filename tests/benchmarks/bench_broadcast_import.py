#!/usr/bin/env python3
"""Importing a broadcast file: reading and validating the CSV, then creating its broadcast, rows and mailing.

    python3 tests/benchmarks/bench_broadcast_import.py [--rows 10000,100000]

Starts a throwaway PostgreSQL cluster, creates a database with mass_sms (no demo data) and an upload
file source, then for each size imports a CSV file of that many rows (phone, message, member id, a
campaign name and no date: the broadcast waits for a marketer) in a fresh process, in one
transaction, as an upload or a poll does. Prints the seconds to read and validate the file alone,
the seconds of the whole import (reading included), rows/s, SQL queries per row, the file's size and
the peak RSS growth of the importing process, and checks that every row became a recipient.
Asserts nothing about time.
"""
import argparse
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

DATABASE = 'bench_broadcast_import'
SPAWN = multiprocessing.get_context('spawn')  # fresh interpreters: each measure's own peak memory


def broadcast_file(rows):
    return b'Phone,Message,Payback Member ID,Campaign Name\n' + b''.join(
        b'+3247%07d,"Hello, your card %d has 120 points: https://example.com/p",%d,Benchmark\n'
        % (index, 581111 + index, 581111 + index) for index in range(rows))


def create_source(config):
    with odoo_env(config, DATABASE) as env:
        return env['sms.broadcast.source'].create({
            'name': 'Benchmark uploads', 'protocol': 'upload', 'max_rows': 1000000, 'max_file_size': 200}).id


def import_file(config, source_id, rows):
    """Import a file of ``rows`` rows in this (fresh) process: its times, queries and memory growth."""
    content = broadcast_file(rows)
    with odoo_env(config, DATABASE) as env:
        from odoo import sql_db  # noqa: PLC0415 - importable once odoo_env has set Odoo up
        from odoo.addons.mass_sms.tools.broadcast_file import read_broadcast_file  # noqa: PLC0415
        source = env['sms.broadcast.source'].browse(source_id)
        rss_before = int(Path('/proc/self/statm').read_text().split()[1]) * os.sysconf('SC_PAGE_SIZE')
        start = time.perf_counter()
        parsed = read_broadcast_file(content, source._file_rules())
        read_seconds = time.perf_counter() - start
        del parsed
        start, start_queries = time.perf_counter(), sql_db.sql_counter
        broadcast, _imported = source._import_file('benchmark_%d.csv' % rows, content)
        env.cr.commit()
        seconds, queries = time.perf_counter() - start, sql_db.sql_counter - start_queries
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        recipients = env['sms.broadcast.recipient'].search_count([('broadcast_id', '=', broadcast.id)])
        return {'read_seconds': read_seconds, 'seconds': seconds, 'queries': queries, 'growth': peak - rss_before,
                'recipients': recipients, 'status': broadcast.status, 'bytes': len(content)}


def measure(config, source_id, rows):
    print('importing a file of %d rows...' % rows, flush=True)
    with SPAWN.Pool(1) as pool:
        result = pool.apply(import_file, (config, source_id, rows))
    print('%d rows: %d recipients, broadcast %s: %s' % (
        rows, result['recipients'], result['status'],
        'complete' if result['recipients'] == rows and result['status'] == 'pending' else 'WRONG'), flush=True)
    return dict(result, rows=rows)


def report(results):
    mib = 1024 * 1024
    print('\n%8s %9s %12s %10s %8s %9s %9s %9s' % (
        'rows', 'file MiB', 'read+check s', 'import s', 'rows/s', 'SQL/row', 'RSS +MiB', 'RSS/row'))
    for r in results:
        print('%8d %9.1f %12.1f %10.1f %8.0f %9.3f %9.0f %8.2fK' % (
            r['rows'], r['bytes'] / mib, r['read_seconds'], r['seconds'], r['rows'] / r['seconds'],
            r['queries'] / r['rows'], r['growth'] / mib, r['growth'] / r['rows'] / 1024))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=sizes, default=[10000, 100000], help='file sizes (default 10000,100000)')
    options = parser.parse_args()
    return run_on_throwaway_cluster('bench_broadcast_import', partial(benchmark, options=options))


def benchmark(config, options):
    if not install_database(config, DATABASE, 'bench_broadcast_import'):
        return 1
    source_id = create_source(config)
    report([measure(config, source_id, rows) for rows in options.rows])
    return 0


if __name__ == '__main__':
    sys.exit(main())
