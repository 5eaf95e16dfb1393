"""The ready-made Triggered rules of Sales and Invoicing on the real flows of those apps, in a
database of their own where `sale` and `account` are installed after sms_campaign_rules (without
demo data): confirming an order, paying an invoice and receiving a payment each text the customer
once, with the rule's parameters rendered, through the fake Twilio; a confirmation rolled back
texts nobody."""
import subprocess
import sys
from datetime import date

import pytest

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name
from odoo.tools import config

from setup.harness.odoo_server import install_addons, odoo_command
from tests.fakes.twilio import FakeTwilio
from tests.workers.campaign_jobs import JOBS
from tests.workers.committed_queue import TWILIO_SID, TWILIO_TOKEN, Queue, sent_numbers

MESSAGES = {
    'rule_sale_order_confirmed': 'Hello {fullName}, your order {orderName} of {amount} is confirmed.',
    'rule_invoice_paid': 'Thank you {fullName}: invoice {invoiceNumber} of {amount} is paid.',
    'rule_payment_received': 'Dear {fullName}, we received {amount} on {paymentDate}.',
}


@pytest.fixture(scope='module')
def database():
    """Our addons, then Sales and Invoicing: the apps a customer installs after ours."""
    name = '%s_sale_account' % get_db_name()
    try:
        assert install_addons(config['config'], name, demo=False) == 0
        assert subprocess.run(odoo_command(config['config'], '--database', name, '--init', 'sale,account',
                                           '--stop-after-init', '--no-http', '--log-level', 'warn')).returncode == 0
        # loaded as pytest-odoo loads the suite's database: without the test_enable it sets around
        # test modules, which would run the tests of every module while loading
        test_enable, config['test_enable'] = config['test_enable'], False
        try:
            Registry(name)
        finally:
            config['test_enable'] = test_enable
        yield name
    finally:
        Registry.delete(name)
        sql_db.close_db(name)
        # Odoo's own drop, in a process whose --database option does not hide this database
        subprocess.run([sys.executable, '-m', 'odoo', 'db', '--config', config['config'], 'drop', name], check=True)


@pytest.fixture(scope='module')
def twilio():
    with FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as fake:
        yield fake


class Shop:
    """A Triggered campaign on each ready-made rule of Sales and Invoicing, sending through the
    fake Twilio, and what they sell: committed, as the apps' users commit their work."""

    def __init__(self, env, twilio):
        self.env = env
        bridge = Queue(env).bridge('twilio', twilio)
        self.campaigns = {}
        for xmlid, message in MESSAGES.items():
            rule = env.ref('sms_campaign_rules.%s' % xmlid)
            assert rule.is_available, 'installed after our addon, the app makes its ready-made rule available'
            campaign = env['sms.campaign'].create({
                'name': rule.name, 'trigger_type': 'triggered', 'rule_id': rule.id, 'message': message,
                'bridge_id': bridge.id})
            campaign.action_activate()
            self.campaigns[xmlid] = campaign
        self.product = env['product.product'].create({'name': 'Bike', 'list_price': 1000, 'taxes_id': [Command.clear()]})
        env.cr.commit()

    def customer(self, name, phone):
        customer = self.env['res.partner'].create({'name': name, 'phone': phone})
        self.env.cr.commit()
        return customer

    def quotation(self, customer):
        order = self.env['sale.order'].create({
            'partner_id': customer.id, 'order_line': [Command.create({'product_id': self.product.id})]})
        self.env.cr.commit()
        return order

    def invoice(self, customer, price):
        invoice = self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': customer.id, 'invoice_line_ids': [Command.create({
                'product_id': self.product.id, 'price_unit': price, 'tax_ids': [Command.clear()]})]})
        invoice.action_post()
        self.env.cr.commit()
        return invoice

    def messages(self, xmlid):
        self.env.cr.rollback()  # a fresh snapshot, with what the jobs committed
        self.env.invalidate_all()
        return self.campaigns[xmlid].message_ids


@pytest.fixture(scope='module')
def shop(database, twilio):
    with Registry(database).cursor() as cr:
        yield Shop(api.Environment(cr, SUPERUSER_ID, {}), twilio)


def run_jobs(database):
    """The campaign jobs and the bridge queue, each in its transaction, as cron workers run them."""
    for model, job in JOBS:
        with Registry(database).cursor() as cr:
            getattr(api.Environment(cr, SUPERUSER_ID, {})[model], job)()


def test_order_confirmed_invoice_paid_and_payment_received_text_once(database, shop, twilio):
    env = shop.env
    buyer = shop.customer('Ann Buyer', '+32476200001')
    order = shop.quotation(buyer)
    order.action_confirm()
    env.cr.commit()

    payer = shop.customer('Bob Payer', '+32476200002')
    invoice = shop.invoice(payer, 230)
    registered = env['account.payment.register'].with_context(
        active_model='account.move', active_ids=invoice.ids).create({})._create_payments()
    env.cr.commit()

    sender = shop.customer('Cid Sender', '+32476200003')
    payment = env['account.payment'].create({
        'payment_type': 'inbound', 'partner_type': 'customer', 'partner_id': sender.id, 'amount': 50,
        'journal_id': env['account.journal'].search([('type', '=', 'bank')], limit=1).id})
    env.cr.commit()  # a draft payment is not received yet
    payment.action_post()
    env.cr.commit()
    assert (order.state, invoice.payment_state, payment.state) == ('sale', 'paid', 'in_process')

    run_jobs(database)
    run_jobs(database)  # a rerun sends nothing again

    today = date.today().strftime('%m/%d/%Y')
    assert sorted((m['to'], m['body']) for m in twilio.messages) == [
        ('+32476200001', 'Hello Ann Buyer, your order %s of $ 1,000.00 is confirmed.' % order.name),
        ('+32476200002', 'Dear Bob Payer, we received $ 230.00 on %s.' % today),  # the payment registered
        ('+32476200002', 'Thank you Bob Payer: invoice %s of $ 230.00 is paid.' % invoice.name),
        ('+32476200003', 'Dear Cid Sender, we received $ 50.00 on %s.' % today),
    ]
    assert shop.messages('rule_sale_order_confirmed').mapped('res_id') == order.ids
    assert shop.messages('rule_invoice_paid').mapped('res_id') == invoice.ids
    assert sorted(shop.messages('rule_payment_received').mapped('res_id')) == sorted((registered | payment).ids)
    assert set(shop.messages('rule_payment_received').mapped('state')) == {'waiting'}


def test_a_rolled_back_confirmation_texts_nobody(database, shop, twilio):
    order = shop.quotation(shop.customer('Dee Undecided', '+32476200004'))
    with Registry(database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env['sale.order'].browse(order.id).action_confirm()
        env.flush_all()
        assert env['sms.campaign.message'].search([('res_model', '=', 'sale.order'), ('res_id', '=', order.id)]), \
            'the event happened in the transaction'
        cr.rollback()

    run_jobs(database)

    assert '+32476200004' not in sent_numbers(twilio)
    assert not shop.messages('rule_sale_order_confirmed').filtered(lambda message: message.res_id == order.id)
    assert order.state == 'draft'
