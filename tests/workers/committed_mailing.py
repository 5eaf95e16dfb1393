"""An SMS mailing to a large committed mailing list, for worker processes to prepare, removed
afterwards. Contacts are written with SQL: the ORM would take minutes for tens of thousands."""
import contextlib
import subprocess
import sys

import psycopg2.errors

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name
from odoo.tools import config

from tests.workers.committed_queue import REPOSITORY

BATCH_SIZE_PARAM = 'mass_sms.preparation_batch_size'


def insert_mailing_list(env, count, distinct=None, invalid_every=0):
    """A mailing list of ``count`` contacts whose numbers repeat every ``distinct`` contacts; every
    ``invalid_every``-th contact has an invalid number. The distinct valid numbers."""
    mailing_list = env['mailing.list'].create({'name': 'Committed mailing'})
    env.cr.execute("""
        WITH numbered AS (
            SELECT index, CASE WHEN %(invalid)s > 0 AND index %% %(invalid)s = 0 THEN NULL
                               ELSE '+3247' || lpad((index %% %(distinct)s)::text, 7, '0') END AS number
              FROM generate_series(1, %(count)s) AS index
        ), contacts AS (
            INSERT INTO mailing_contact (name, mobile, phone_sanitized, create_uid, write_uid, create_date, write_date)
            SELECT 'Contact ' || index, COALESCE(number, 'not a number ' || index), number, 1, 1, now(), now()
              FROM numbered
            RETURNING id
        )
        INSERT INTO mailing_subscription (contact_id, list_id, opt_out, create_uid, write_uid, create_date, write_date)
        SELECT id, %(list)s, false, 1, 1, now(), now() FROM contacts
    """, {'count': count, 'distinct': distinct or count, 'invalid': invalid_every, 'list': mailing_list.id})
    env.cr.execute("""
        SELECT DISTINCT phone_sanitized FROM mailing_contact c JOIN mailing_subscription s ON s.contact_id = c.id
         WHERE s.list_id = %s AND phone_sanitized IS NOT NULL""", [mailing_list.id])
    return mailing_list, sorted(number for number, in env.cr.fetchall())


class CommittedMailing:

    def __init__(self, env):
        self.env = env
        self.mailing = env['mailing.mailing']
        self.batch_size = env['ir.config_parameter'].get_param(BATCH_SIZE_PARAM)

    def create(self, count, distinct=None, invalid_every=0, batch_size=None):
        """A mailing in queue to ``count`` contacts whose numbers repeat every ``distinct`` contacts;
        every ``invalid_every``-th contact has an invalid number. The distinct valid numbers."""
        if batch_size:
            self.env['ir.config_parameter'].set_param(BATCH_SIZE_PARAM, batch_size)
        mailing_list, numbers = insert_mailing_list(self.env, count, distinct, invalid_every)
        self.mailing = self.env['mailing.mailing'].create({
            'name': 'Committed mailing', 'subject': 'Committed mailing', 'mailing_type': 'sms',
            'body_plaintext': 'Spring sale for {{ object.name }}',
            'mailing_model_id': self.env['ir.model']._get_id('mailing.list'),
            'contact_list_ids': [Command.link(mailing_list.id)], 'state': 'in_queue',
            # at any hour, to every number: the send window and the frequency cap are tested in mass_sms
            'sms_send_window': 'anytime', 'sms_frequency_cap': False,
        })
        self.env.cr.commit()
        return numbers

    def counts(self):
        """Traces, traced recipients, SMS and distinct SMS numbers of the mailing, as committed."""
        self.env.cr.rollback()
        self.env.cr.execute("""
            SELECT (SELECT count(*) FROM mailing_trace WHERE mass_mailing_id = %(id)s),
                   (SELECT count(DISTINCT res_id) FROM mailing_trace WHERE mass_mailing_id = %(id)s),
                   (SELECT count(*) FROM sms_sms WHERE mailing_id = %(id)s),
                   (SELECT count(DISTINCT number) FROM sms_sms WHERE mailing_id = %(id)s)
        """, {'id': self.mailing.id})
        return self.env.cr.fetchone()

    def sms_numbers(self):
        self.env.cr.rollback()
        return sorted(self.env['sms.sms'].search([('mailing_id', '=', self.mailing.id)]).mapped('number'))

    def control(self, action):
        """Call ``action`` on the mailing as a marketer's click does; retried when a worker
        changed the mailing since this transaction began, as Odoo retries a request."""
        for _attempt in range(10):
            self.env.cr.rollback()
            try:
                getattr(self.mailing, action)()
                self.env.cr.commit()
                return
            except psycopg2.errors.SerializationFailure:
                continue
        raise AssertionError('%s kept clashing with the workers' % action)

    def prepared(self):
        """Whether every recipient of the mailing is prepared, as committed."""
        self.env.cr.rollback()
        self.mailing.invalidate_recordset()
        return not self.mailing._get_remaining_recipients()

    def state(self):
        self.env.cr.rollback()
        self.mailing.invalidate_recordset()
        return self.mailing.state

    def remove(self):
        self.env.cr.rollback()
        if self.mailing:
            params = {'mailing': self.mailing.id, 'lists': tuple(self.mailing.contact_list_ids.ids) or (0,)}
            self.env.cr.execute("""
                DELETE FROM sms_tracker WHERE mailing_trace_id IN (SELECT id FROM mailing_trace WHERE mass_mailing_id = %(mailing)s);
                DELETE FROM sms_sms WHERE mailing_id = %(mailing)s;
                DELETE FROM sms_outbound_message WHERE mailing_id = %(mailing)s;
                DELETE FROM mailing_trace WHERE mass_mailing_id = %(mailing)s;
                DELETE FROM mailing_contact WHERE id IN (SELECT contact_id FROM mailing_subscription WHERE list_id IN %(lists)s);
                DELETE FROM mailing_list WHERE id IN %(lists)s;
                DELETE FROM mailing_mailing WHERE id = %(mailing)s;
            """, params)
        self.env['ir.config_parameter'].set_param(BATCH_SIZE_PARAM, self.batch_size or False)
        self.env.cr.commit()


@contextlib.contextmanager
def committed_mailing():
    with Registry(get_db_name()).cursor() as cr:
        mailing = CommittedMailing(api.Environment(cr, SUPERUSER_ID, {}))
        try:
            yield mailing
        finally:
            mailing.remove()


def start_preparing_worker(*args):
    """The mailing queue job in its own process; with ``'mailing', id``: that mailing's preparation."""
    return subprocess.Popen([sys.executable, '-m', 'tests.workers.mailing_preparation', config['config'],
                             get_db_name(), *(args or ['job'])], cwd=REPOSITORY)
