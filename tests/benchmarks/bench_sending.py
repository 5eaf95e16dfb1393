#!/usr/bin/env python3
"""Sending throughput: Odoo 19's sms_twilio against our bridges, on a queue of outgoing SMS.

    python3 tests/benchmarks/bench_sending.py [--messages 10000] [--sms-twilio-messages 1000] [--latency 0.1]
                                              [--workers 1,2,4]

Starts a throwaway PostgreSQL cluster, creates two databases with Odoo's command line (sms_twilio
alone; sms_gateway_bridge without demo data), serves each path's provider fake from its own process
(every API call answers after --latency seconds), queues N SMS as Odoo's chatter does (a partner,
a mail.notification and an sms.tracker each, one mail.message), then drains the queue with
sms.sms._process_queue() in fresh processes (1, 2 and 4 workers at once for the bridges, sharing the
bridge's rate), timing it and counting its SQL queries and peak memory, and checks that the fake
received every SMS exactly once. Asserts nothing about time.
"""
import argparse
import contextlib
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPOSITORY), str(REPOSITORY / 'setup')]
from harness import odoo_server, postgres, prerequisites  # noqa: E402
from tests.fakes.infobip import FakeInfobip  # noqa: E402
from tests.fakes.twilio import FakeTwilio  # noqa: E402

SMS_TWILIO_DB, BRIDGE_DB = 'bench_sms_twilio', 'bench_bridge'
DATABASES = {SMS_TWILIO_DB: 'sms_twilio', BRIDGE_DB: 'sms_gateway_bridge'}  # no --with-demo: no Simulator bridge
TWILIO_SID, TWILIO_TOKEN = 'AC' + '0123456789abcdef' * 2, 'benchmark-auth-token'
INFOBIP_KEY = 'benchmark-api-key'
SENDER = '+15005550006'
BODY = 'Your order has shipped and arrives tomorrow. Reply STOP to opt out.'  # one GSM-7 segment
TWILIO_API = 'https://api.twilio.com'
SPAWN = multiprocessing.get_context('spawn')  # fresh interpreters: no inherited Odoo state or DB connections


def numbers(count):
    """Distinct valid Belgian mobile numbers (E.164) ending in 1, which both fakes deliver."""
    return ['+3247%06d1' % i for i in range(count)]


# -- provider fakes, each in a process of its own so that it does not compete for Odoo's GIL ------------

def serve_fake(factory, latency, connection, tick=None):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # on Ctrl-C, fake_server terminates it
    with factory(latency=latency) as fake:
        connection.send(fake.base_url)
        while not connection.poll(1.0):  # until the benchmark asks what was received
            if tick:
                tick(fake)
        connection.recv()
        connection.send(fake.messages)


@contextlib.contextmanager
def fake_server(factory, latency, tick=None):
    """Yield (base_url, received) where received() lists every message the fake took, as it records
    them (its ``to``, its ``sent_at`` datetime...);
    ``tick(fake)``, if given, runs in the fake's process every second."""
    ours, theirs = SPAWN.Pipe()
    process = SPAWN.Process(target=serve_fake, args=(factory, latency, theirs, tick), daemon=True)
    process.start()
    theirs.close()  # so that recv() fails instead of hanging if the fake dies

    def received():
        ours.send('received?')
        return ours.recv()
    try:
        yield ours.recv(), received
    finally:
        process.terminate()
        process.join()


@contextlib.contextmanager
def twilio_redirected_to(base_url):
    """DNS-like redirection of https://api.twilio.com to the fake at the network edge: sms_twilio
    hard-codes Twilio's host, and its code runs unchanged; only the URL handed to requests changes."""
    import requests  # noqa: PLC0415
    request = requests.Session.request

    def redirected(session, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API):
            url = base_url + url[len(TWILIO_API):]
        return request(session, method, url, *args, **kwargs)
    requests.Session.request = redirected
    try:
        yield
    finally:
        requests.Session.request = request


# -- Odoo ---------------------------------------------------------------------------------------------

@contextlib.contextmanager
def odoo_env(config, database):
    """A superuser environment on a cursor of ``database``'s registry, committed at the end."""
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415 - importable once the prerequisites are checked
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config as odoo_config  # noqa: PLC0415
    odoo_config.parse_config(['--config', str(config)], setup_logging=True)
    with Registry(database).cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})
        cr.commit()


def create_databases(config):
    """Create the databases side by side with Odoo's command line; True when both succeed."""
    processes = [subprocess.Popen(odoo_server.odoo_command(
        config, '-d', database, '-i', modules, '--stop-after-init', '--no-http'))
        for database, modules in DATABASES.items()]
    try:
        return [process.wait() for process in processes] == [0] * len(processes)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait()


def configure_sms_twilio(env, base_url):
    """The company sends with Odoo's sms_twilio; its requests reach the fake by twilio_redirected_to."""
    env.company.write({'sms_provider': 'twilio', 'sms_twilio_account_sid': TWILIO_SID,
                       'sms_twilio_auth_token': TWILIO_TOKEN})
    env['sms.twilio.number'].create({'number': SENDER, 'country_id': env.ref('base.us').id})


def configure_bridge(env, base_url, **values):
    env['sms.gateway.bridge'].search([]).active = False  # the previous path's bridge must not route
    return env['sms.gateway.bridge'].create({'name': 'Benchmark', 'company_id': env.company.id, 'sender': SENDER,
                                      'base_url': base_url, 'delivery_report_mode': 'polling', **values})


def queue_sms(env, recipients):
    """Outgoing SMS as the chatter queues them (MailThread._notify_thread_by_sms); the mail.message id."""
    from odoo import Command  # noqa: PLC0415
    env['sms.sms']._gc_device()  # as the autovacuum would, drop the SMS a previous path sent
    author = env.user.partner_id
    partners = env['res.partner'].create([{'name': 'Recipient %s' % number, 'phone': number} for number in recipients])
    message = env['mail.message'].create({'model': 'res.partner', 'res_id': author.id, 'message_type': 'sms',
                                          'body': BODY, 'author_id': author.id})
    sms_all = env['sms.sms'].create([{'body': BODY, 'mail_message_id': message.id, 'state': 'outgoing',
                                      'partner_id': partner.id, 'number': partner.phone} for partner in partners])
    env['mail.notification'].create([{
        'author_id': author.id, 'mail_message_id': message.id, 'res_partner_id': sms.partner_id.id,
        'notification_type': 'sms', 'sms_id_int': sms.id, 'sms_number': sms.number, 'is_read': True,
        'notification_status': 'ready', 'sms_tracker_ids': [Command.create({'sms_uuid': sms.uuid})],
    } for sms in sms_all])
    return message.id


def drain(config, database, twilio_redirect, start_at):
    """Call _process_queue() from ``start_at`` (a time.time(), so that workers start together) until
    no SMS is outgoing, in a fresh process so that its peak memory is the drain's; only the calls
    are timed and counted."""
    from odoo import sql_db  # noqa: PLC0415
    redirect = twilio_redirected_to(twilio_redirect) if twilio_redirect else contextlib.nullcontext()
    with redirect, odoo_env(config, database) as env:
        env.cr.commit()
        rss_before = int(Path('/proc/self/statm').read_text().split()[1]) * os.sysconf('SC_PAGE_SIZE')
        time.sleep(max(start_at - time.time(), 0))
        queries = 0
        while env['sms.sms'].search_count([('state', '=', 'outgoing')]):
            start_queries = sql_db.sql_counter
            env['sms.sms']._process_queue()
            queries += sql_db.sql_counter - start_queries
        end = time.time()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return {'end': end, 'queries': queries, 'peak': peak, 'growth': peak - rss_before}


def notification_statuses(config, database, message_id):
    with odoo_env(config, database) as env:
        notifications = env['mail.notification'].search([('mail_message_id', '=', message_id)])
        return dict(Counter(notifications.mapped('notification_status')))


def exactly_once(sent_to, numbers):
    """'each exactly once' when the numbers a fake sent to are ``numbers``, each once; else what is wrong."""
    taken, expected = Counter(number.lstrip('+') for number in sent_to), {number.lstrip('+') for number in numbers}
    duplicates, missing = sum(taken.values()) - len(taken), len(expected - taken.keys())
    if not duplicates and not missing and taken.keys() == expected:
        return 'each exactly once'
    return '%d duplicates, %d missing, %d unexpected' % (duplicates, missing, len(taken.keys() - expected))


def sizes(text):
    """An argparse type: comma-separated sizes."""
    return [int(n) for n in text.split(',') if n]


def install_database(config, database, name):
    """Create ``database`` with our addons, no demo data; False (said on stderr) when that fails."""
    print('creating database %s with Odoo...' % database, flush=True)
    if odoo_server.install_addons(config, database, demo=False) != 0:
        print('%s: creating the database failed' % name, file=sys.stderr)
        return False
    return True


def run_on_throwaway_cluster(name, body, **config_options):
    """``body(config)``, with the path of an Odoo configuration on a throwaway PostgreSQL cluster that
    is removed afterwards (also on Ctrl-C); the benchmark's exit status."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    reasons = prerequisites.missing(for_tests=False)
    for reason in reasons:
        print('%s: %s' % (name, reason), file=sys.stderr)
    if reasons:
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix='sms-bench-') as workdir:
            Path(workdir).chmod(0o755)  # the postgres system user must reach its cluster inside
            with postgres.Cluster(Path(workdir) / 'postgres', throwaway=True) as cluster:
                return body(odoo_server.write_config(
                    Path(workdir) / 'odoo.conf', data_dir=Path(workdir) / 'data', http_interface='127.0.0.1',
                    log_level='warn', **cluster.odoo_options, **config_options))
    except postgres.PostgresError as error:
        print('%s: %s' % (name, error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


# -- the benchmark --------------------------------------------------------------------------------------

INFOBIP_FAKE = partial(FakeInfobip, INFOBIP_KEY, balance=1e6)
configure_infobip_bridge = partial(configure_bridge, provider='infobip', max_per_second=10000,
                                   infobip_api_key=INFOBIP_KEY)


def paths(options):
    """(label, database, messages, workers, fake factory, configure(env, base_url)) of each path, in run order."""
    twilio = partial(FakeTwilio, TWILIO_SID, TWILIO_TOKEN)
    return [
        ('Odoo 19 sms_twilio', SMS_TWILIO_DB, options.sms_twilio_messages, 1, twilio, configure_sms_twilio),
        *(('bridge Twilio x%d' % workers, BRIDGE_DB, options.messages, workers, twilio,
           partial(configure_bridge, provider='twilio', max_per_second=1000,
                   twilio_account_sid=TWILIO_SID, twilio_auth_token=TWILIO_TOKEN)) for workers in options.workers),
        *(('bridge Infobip x%d' % workers, BRIDGE_DB, options.messages, workers, INFOBIP_FAKE,
           configure_infobip_bridge) for workers in options.workers),
    ]


def run_path(config, options, label, database, count, workers, factory, configure):
    recipients = numbers(count)
    with fake_server(factory, options.latency) as (base_url, received):
        with odoo_env(config, database) as env:
            configure(env, base_url)
            message_id = queue_sms(env, recipients)
        print('%s: draining %d queued SMS...' % (label, count), flush=True)
        start_at = time.time() + 15  # once every worker has loaded Odoo
        with ProcessPoolExecutor(workers, mp_context=SPAWN) as pool:  # fails, not hangs, if a process dies
            drains = [pool.submit(drain, config, database, base_url if database == SMS_TWILIO_DB else None, start_at)
                      for _worker in range(workers)]
            drains = [future.result() for future in drains]
        result = {'seconds': max(d['end'] for d in drains) - start_at, 'queries': sum(d['queries'] for d in drains),
                  'peak': max(d['peak'] for d in drains), 'growth': max(d['growth'] for d in drains),
                  'notifications': notification_statuses(config, database, message_id)}
        sent_to = [message['to'] for message in received()]
    print('%s: the fake received %d messages for %d SMS: %s; notifications %s' % (
        label, len(sent_to), count, exactly_once(sent_to, recipients), result['notifications']), flush=True)
    return dict(result, label=label, messages=count, rate=count / result['seconds'])


def report(results):
    mib = 1024 * 1024
    print('\n%-20s %9s %9s %9s %14s %13s %11s' % (
        'path', 'messages', 'seconds', 'msgs/s', 'SQL/1,000 SMS', 'peak RSS MiB', 'drain +MiB'))
    for r in results:
        print('%-20s %9d %9.1f %9.1f %14.0f %13.0f %11.0f' % (
            r['label'], r['messages'], r['seconds'], r['rate'], r['queries'] * 1000 / r['messages'],
            r['peak'] / mib, r['growth'] / mib))
    odoo, twilio, infobip = results[0], results[1], results[1 + len(results) // 2]  # one worker each
    per_1000 = {r['label']: r['queries'] * 1000 / r['messages'] for r in results}
    met = {True: 'met', False: 'NOT MET'}
    print('\n%s / sms_twilio rate: %.1f×  (target ≥ 20×: %s)' % (
        twilio['label'], twilio['rate'] / odoo['rate'], met[twilio['rate'] >= 20 * odoo['rate']]))
    print('%s rate: %.0f msgs/s  (target ≥ 1,000 msgs/s: %s)' % (
        infobip['label'], infobip['rate'], met[infobip['rate'] >= 1000]))
    for r in results[1:]:
        print('%s SQL queries per 1,000 SMS: %.0f vs sms_twilio %.0f  (target ≤: %s)' % (
            r['label'], per_1000[r['label']], per_1000[odoo['label']],
            met[per_1000[r['label']] <= per_1000[odoo['label']]]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--messages', type=int, default=10000, help='SMS per bridge path (default 10000)')
    parser.add_argument('--sms-twilio-messages', type=int, default=1000,
                        help="SMS for Odoo's sms_twilio, which sends about 10/s (default 1000)")
    parser.add_argument('--latency', type=float, default=0.1, help='seconds each fake API call takes (default 0.1)')
    parser.add_argument('--workers', type=lambda text: [int(n) for n in text.split(',')], default=[1, 2, 4],
                        help='numbers of workers draining the bridge queues at once (default 1,2,4)')
    options = parser.parse_args()
    return run_on_throwaway_cluster('bench_sending', partial(benchmark, options=options))


def benchmark(config, options):
    print('creating databases %s with Odoo...' % ', '.join(DATABASES), flush=True)
    if not create_databases(config):
        print('bench_sending: creating the databases failed', file=sys.stderr)
        return 1
    report([run_path(config, options, *path) for path in paths(options)])
    return 0

if __name__ == '__main__':
    sys.exit(main())
