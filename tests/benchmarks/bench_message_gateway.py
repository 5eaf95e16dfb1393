#!/usr/bin/env python3
"""Fineract against Odoo's message gateway: 1,000 SMS through the reference's API, end to end.

    python3 tests/benchmarks/bench_message_gateway.py [--messages 1000] [--latency 0.05] [--max-per-second 200]

Starts a throwaway PostgreSQL cluster, a database with sms_gateway_bridge (no demo data), a fake
Infobip in a process of its own that pushes its delivery reports to Odoo's webhook every second,
and an Odoo server in prefork mode (2 HTTP workers, 1 cron worker). A client that speaks only the
openMF message-gateway's API, as Fineract does, then creates a tenant (POST /tenants with an
administrator's Odoo API key) and an Infobip bridge (POST /smsbridges), posts the messages 500 per
request (POST /sms) side by side with the first 500 again, as Fineract posts them when it boots, and polls
POST /sms/report 200 ids at a time until every status is final. It prints what the fake received
(each message exactly once?), the final statuses and the timings. Asserts nothing about time.
"""
import argparse
import contextlib
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'setup'))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from harness import odoo_server  # noqa: E402
from tests.benchmarks.bench_sending import fake_server, odoo_env, run_on_throwaway_cluster  # noqa: E402
from tests.fakes.infobip import FakeInfobip  # noqa: E402

DATABASE = 'bench_message_gateway'
LAUNCHER = Path(__file__).resolve().parents[1] / 'workers' / 'odoo_server.py'
INFOBIP_KEY = 'benchmark-api-key'
SEND_BATCH, REPORT_PAGE = 500, 200  # as Fineract's jobs
FINAL = {300, 400}


def push_reports(fake):
    """Infobip pushes the reports of what it took to their webhooks."""
    with contextlib.suppress(requests.RequestException):
        fake.send_delivery_reports()


def server_command(config):
    """Odoo's command line through the tests' launcher: in prefork mode Odoo starts its websocket
    process as ``sys.executable sys.argv[0] gevent``, which ``python -m odoo`` breaks."""
    command = odoo_server.odoo_command(config, '-d', DATABASE)
    return [sys.executable, str(LAUNCHER), *command[3:]]


@contextlib.contextmanager
def odoo_server_process(config, url):
    process = subprocess.Popen(server_command(config))
    try:
        for _attempt in range(120):
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(url + '/web/health', timeout=5).status_code == 200:
                    break
            time.sleep(1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=60)


class FineractClient:
    """Only the reference's headers, paths and payloads."""

    def __init__(self, url, tenant):
        self.url, self.tenant, self.app_key = url + '/messagegateway', tenant, None

    def _headers(self):
        return {'Fineract-Platform-TenantId': self.tenant, 'Fineract-Tenant-App-Key': self.app_key}

    def create_tenant(self, odoo_api_key):
        response = requests.post(self.url + '/tenants', json={'tenantId': self.tenant, 'description': 'Fineract'},
                                 headers={'Authorization': 'Bearer %s' % odoo_api_key}, timeout=60)
        response.raise_for_status()
        self.app_key = response.text

    def create_bridge(self, base_url):
        response = requests.post(self.url + '/smsbridges', headers=self._headers(), timeout=60, json={
            'phoneNo': 'InfoSMS', 'providerName': 'Infobip Provider', 'providerDescription': 'Benchmark',
            'providerKey': 'InfoBip', 'countryCode': '+32', 'bridgeConfigurations': [
                {'configName': 'Provider_API_Key', 'configValue': INFOBIP_KEY},
                {'configName': 'Provider_Url', 'configValue': base_url}]})
        response.raise_for_status()
        return response.json()

    def send(self, messages):
        for start in range(0, len(messages), SEND_BATCH):
            response = requests.post(self.url + '/sms', json=messages[start:start + SEND_BATCH],
                                     headers=self._headers(), timeout=120)
            assert response.status_code == 202, response.text

    def reports(self, internal_ids):
        statuses = {}
        for start in range(0, len(internal_ids), REPORT_PAGE):
            response = requests.post(self.url + '/sms/report', json=internal_ids[start:start + REPORT_PAGE],
                                     headers=self._headers(), timeout=120)
            response.raise_for_status()
            statuses.update((status['id'], status['deliveryStatus']) for status in response.json())
        return statuses


def run(config, url, options):
    with odoo_env(config, DATABASE) as env:
        env['ir.config_parameter'].set_param('web.base.url', url)
        env['ir.config_parameter'].set_param('web.base.url.freeze', True)
        admin_key = env['res.users.apikeys'].with_user(env.ref('base.user_admin'))._generate(None, 'bench', None)
    with fake_server(partial(FakeInfobip, INFOBIP_KEY), options.latency, push_reports) as (base_url, received), odoo_server_process(config, url):
        client = FineractClient(url, 'default')
        client.create_tenant(admin_key)
        bridge_id = client.create_bridge(base_url)
        with odoo_env(config, DATABASE) as env:  # the administrator sets the account's throughput
            env['sms.gateway.bridge'].browse(bridge_id).max_per_second = options.max_per_second
        messages = [{'internalId': internal_id, 'mobileNumber': '47%07d' % internal_id,
                     'message': 'Your repayment of %d is due tomorrow.' % internal_id, 'providerId': bridge_id}
                    for internal_id in range(1, options.messages + 1)]
        internal_ids = [message['internalId'] for message in messages]
        batches = [messages[start:start + SEND_BATCH] for start in range(0, len(messages), SEND_BATCH)]
        start = time.monotonic()
        # concurrently on the server's workers, with Fineract's resend at boot of the first batch
        with ThreadPoolExecutor(len(batches) + 1) as pool:
            list(pool.map(client.send, batches + batches[:1]))
        accepted = time.monotonic() - start
        statuses = {}
        while time.monotonic() - start < options.timeout:
            statuses = client.reports(internal_ids)
            if len(statuses) == len(internal_ids) and set(statuses.values()) <= FINAL:
                break
            time.sleep(2)
        final = time.monotonic() - start
        sent_to = [message['to'] for message in received()]
    print('fake Infobip received %d messages, %d distinct numbers, for %d posted: %s'
          % (len(sent_to), len(set(sent_to)), len(messages),
             'each exactly once' if len(sent_to) == len(set(sent_to)) == len(messages) else 'NOT exactly once'))
    print('delivery statuses reported: %d of %d, %s' % (len(statuses), len(messages), dict(Counter(statuses.values()))))
    print('%d messages (and %d again) accepted (202) in %.2f s: %.0f msgs/s'
          % (len(messages), min(SEND_BATCH, len(messages)), accepted, len(messages) / accepted))
    print('all final after %.1f s' % final if set(statuses.values()) <= FINAL and statuses
          else 'NOT all final after %.1f s' % final)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--messages', type=int, default=1000)
    parser.add_argument('--latency', type=float, default=0.05, help='seconds each fake API call takes')
    parser.add_argument('--max-per-second', type=int, default=200, help="the bridge's throughput")
    parser.add_argument('--timeout', type=float, default=600, help='seconds to wait for final statuses')
    options = parser.parse_args()
    port = odoo_server.free_port()
    return run_on_throwaway_cluster(
        'bench_message_gateway', partial(benchmark, url='http://127.0.0.1:%d' % port, options=options),
        http_port=port, workers=2, max_cron_threads=1, dbfilter='^%s$' % DATABASE)


def benchmark(config, url, options):
    print('creating database %s with Odoo...' % DATABASE, flush=True)
    if subprocess.run(odoo_server.odoo_command(
            config, '-d', DATABASE, '-i', 'sms_gateway_bridge', '--stop-after-init', '--no-http')).returncode:
        print('bench_message_gateway: creating the database failed', file=sys.stderr)
        return 1
    run(config, url, options)
    return 0

if __name__ == '__main__':
    sys.exit(main())
