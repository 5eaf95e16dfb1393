from odoo import fields, models, tools
from odoo.tools import SQL

from .mailing_mailing_metrics import ACCEPTED_STATES


class MassSmsReport(models.Model):
    """Mass SMS Reporting: one row per SMS of a mailing in the outbound log, so that reports add up
    to the same figures as the mailings (see mailing_mailing_metrics) and the log itself."""
    _name = 'mass.sms.report'
    _description = 'SMS Mailing Analysis'
    _auto = False
    _order = 'date desc'

    mailing_id = fields.Many2one('mailing.mailing', 'SMS Mailing', readonly=True)
    campaign_id = fields.Many2one('utm.campaign', 'Campaign', readonly=True)
    bridge_id = fields.Many2one('sms.gateway.bridge', 'SMS Gateway', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    date = fields.Datetime(readonly=True)
    state = fields.Selection(related='outbound_id.state', readonly=True)
    failure = fields.Selection(related='outbound_id.failure', readonly=True)
    outbound_id = fields.Many2one('sms.outbound.message', readonly=True)
    sent = fields.Integer(readonly=True, aggregator='sum')
    delivered = fields.Integer(readonly=True, aggregator='sum')
    bounced = fields.Integer(readonly=True, aggregator='sum')
    exception = fields.Integer(readonly=True, aggregator='sum')
    opted_out = fields.Integer('Opted Out', readonly=True, aggregator='sum')
    clicked = fields.Integer(readonly=True, aggregator='sum')

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("""
            CREATE OR REPLACE VIEW %(table)s AS (
                SELECT message.id, message.id AS outbound_id, message.mailing_id, mailing.campaign_id,
                       message.bridge_id, message.company_id,
                       COALESCE(message.sent_date, message.claim_date, message.create_date) AS date,
                       (message.state IN %(accepted)s OR message.sent_date IS NOT NULL)::int AS sent,
                       (message.state = 'delivered')::int AS delivered,
                       (message.state = 'failed' AND message.failure = 'number')::int AS bounced,
                       (message.state = 'failed' AND message.failure = 'opt_out')::int AS opted_out,
                       (message.state = 'failed' AND message.failure IS DISTINCT FROM 'number'
                        AND message.failure IS DISTINCT FROM 'opt_out')::int AS exception,
                       EXISTS (SELECT 1 FROM sms_tracker tracker
                                 JOIN mailing_trace trace ON trace.id = tracker.mailing_trace_id
                                WHERE tracker.sms_uuid = message.sms_uuid
                                  AND trace.links_click_datetime IS NOT NULL)::int AS clicked
                  FROM sms_outbound_message message
                  JOIN mailing_mailing mailing ON mailing.id = message.mailing_id
                 WHERE message.origin = 'mailing' AND message.mailing_retried IS NOT TRUE
            )""", table=SQL.identifier(self._table), accepted=ACCEPTED_STATES))
