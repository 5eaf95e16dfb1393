import uuid
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.jobs import can_commit, commit_progress
from ..tools.sms_api import SmsApiBridge

# SMS the queue job claims at once: Odoo sends its own SMS in batches of 500 (sms.session.batch.size);
# bridges take larger ones, each committed before it is sent
QUEUE_BATCH_SIZE = 2000


class SmsSms(models.Model):
    _inherit = 'sms.sms'

    company_id = fields.Many2one(
        'res.company', readonly=True, index='btree_not_null',
        help="The company whose SMS gateway bridges send this SMS.")
    gateway_bridge_id = fields.Many2one(
        'sms.gateway.bridge', 'SMS Gateway', readonly=True, index='btree_not_null', ondelete='set null',
        help="The bridge chosen to send this SMS; empty, the company's bridges route it by its number.")

    @api.model_create_multi
    def create(self, vals_list):
        messages = self.env['mail.message'].browse(
            {vals['mail_message_id'] for vals in vals_list if vals.get('mail_message_id')}).sudo()
        company_by_message = {message.id: message.record_company_id.id for message in messages}
        for vals in vals_list:
            if not vals.get('company_id'):
                vals['company_id'] = company_by_message.get(vals.get('mail_message_id')) or self.env.company.id
        return super().create(vals_list)

    def _get_sms_company(self):
        return self.company_id or super()._get_sms_company()

    # routing ------------------------------------------------------------------------

    def _group_by_bridge(self):
        """``{bridge: sms}`` for the SMS that a bridge of their company serves."""
        bridges = self.env['sms.gateway.bridge'].sudo().search([('company_id', 'in', self.company_id.ids)])
        routers = {company: bridges.filtered(lambda b: b.company_id == company)._router()
                   for company in self.company_id}
        ids_by_bridge_id = defaultdict(list)
        for sms in self:
            if sms.gateway_bridge_id.sudo().active:
                ids_by_bridge_id[sms.gateway_bridge_id.id].append(sms.id)
            elif sms.company_id and (bridge_id := routers[sms.company_id].route(sms.number)):
                ids_by_bridge_id[bridge_id].append(sms.id)
        bridges = bridges.sudo().browse(ids_by_bridge_id)
        return {bridges.browse(bridge_id): self.browse(ids) for bridge_id, ids in ids_by_bridge_id.items()}

    def _routed(self):
        """The SMS of ``self`` that a bridge serves."""
        return self.browse().concat(*self._group_by_bridge().values())

    def _wake_queue(self):
        self.env.ref('sms.ir_cron_sms_scheduler_action')._trigger()

    def _split_by_api(self):
        # Odoo's providers (IAP, sms_twilio) send per company, with that company's account.
        for company, sms in self.grouped('company_id').items():
            yield from super(SmsSms, sms.with_company(company))._split_by_api()

    # sending ----------------------------------------------------------------------------

    def resend_failed(self):
        routed = self.filtered(lambda sms: sms.state == 'error' and not sms.to_delete)._routed()
        if not routed:
            return super().resend_failed()
        super(SmsSms, self - routed).resend_failed()
        routed.action_set_outgoing()
        self._wake_queue()
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'title': self.env._("Queued"),
                'message': self.env._("%(count)s SMS Text Messages will be sent again through their SMS gateway "
                                      "in a moment.", count=len(routed)),
                'type': 'success',
            },
        }

    def send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """SMS that a bridge serves leave only through the queue job, which claims and commits them
        before calling the provider: sending them here, inside a transaction that may still be
        rolled back or retried, could send them twice. Wake the job up instead."""
        routed = self.filtered(lambda sms: sms.state == 'outgoing')._routed()
        if routed:
            self._wake_queue()
        return super(SmsSms, self - routed).send(
            unlink_failed=unlink_failed, unlink_sent=unlink_sent, raise_exception=raise_exception)

    def _send_with_api(self, sms_api, unlink_failed=False, unlink_sent=True, raise_exception=False):
        if isinstance(sms_api, SmsApiBridge):
            return self._send_immediately()
        return super()._send_with_api(
            sms_api, unlink_failed=unlink_failed, unlink_sent=unlink_sent, raise_exception=raise_exception)

    def _send_immediately(self):
        """Send in this transaction, for callers that need the outcome at once (the mailing test
        wizard). The SMS end in their final state, so the queue never sends them again."""
        outgoing = self.filtered(lambda sms: sms.state == 'outgoing')
        outgoing._claim_for_bridges()._send_through_bridges()
        super(SmsSms, outgoing.filtered(lambda sms: sms.state == 'outgoing')).send()

    def _sms_api_results(self):
        """The outcome of these SMS as Odoo's SMS API reports it (see SmsApi._send_sms_batch)."""
        reasons = {message.sms_uuid: message.error_message for message in self.env['sms.outbound.message'].sudo()
                   .search([('sms_uuid', 'in', self.mapped('uuid'))])}
        return [{'uuid': sms.uuid, 'state': 'success'} if sms.state in ('pending', 'sent') else
                {'uuid': sms.uuid, 'state': sms.failure_type or 'unknown', 'failure_reason': reasons.get(sms.uuid) or False}
                for sms in self]

    @api.model
    def _process_queue(self):
        """Send queued SMS, batch after batch. The SMS a bridge serves are claimed (committed as
        pending outbound messages) before any provider call, then sent while their rows stay
        locked; other workers skip locked and claimed rows, and a worker that dies leaves claims
        that the next run recovers without sending anything twice."""
        self.env['sms.outbound.message']._recover_interrupted_sends()
        # the web client's view of a message shows all its notifications: refresh it once per run
        queue = self.with_context(sms_skip_msg_notification=True)
        messages = self.env['mail.message']
        batch_size = int(self.env['ir.config_parameter'].sudo().get_param(
            'sms_gateway_bridge.queue_batch_size', QUEUE_BATCH_SIZE))
        while sms := queue._lock_queued(batch_size):
            messages |= sms.mail_message_id
            outbound = sms._claim_for_bridges()
            # Odoo's own providers send the rest in this transaction, as Odoo does.
            sms.filtered(lambda s: s.state == 'outgoing').send()
            commit_progress(self.env)
            outbound._send_claimed(lock=can_commit())
            remaining = self.search_count([('state', '=', 'outgoing'), ('to_delete', '!=', True)])
            if not commit_progress(self.env, len(sms), remaining=remaining):
                break
            self.env.invalidate_all()  # a long queue must not pile up in the cache
        messages._notify_message_notification_update()
        commit_progress(self.env)

    def _lock_queued(self, limit):
        self.flush_model(['state', 'to_delete'])
        self.env.cr.execute(SQL(
            "SELECT id FROM sms_sms WHERE state = 'outgoing' AND to_delete IS NOT TRUE "
            "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED", limit))
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _claim_for_bridges(self):
        """Hand the SMS a bridge serves to it as pending outbound messages. An SMS sent again
        (retried after a failure) keeps its outbound message, reset for the new attempt."""
        routed = self._group_by_bridge()
        if not routed:
            return self.env['sms.outbound.message']
        Outbound = self.env['sms.outbound.message'].sudo()
        previous = Outbound.search([('sms_uuid', 'in', self.mapped('uuid'))]).grouped('sms_uuid')
        values_list, outbound = [], Outbound
        for bridge, bridge_sms in routed.items():
            for sms in bridge_sms:
                values = sms._prepare_outbound_values(bridge)
                if sms.uuid in previous:
                    previous[sms.uuid].write({**Outbound._new_attempt_values(), **values})
                    outbound |= previous[sms.uuid]
                else:
                    values_list.append(values)
        outbound |= Outbound.create(values_list)
        # the state is the claim: other workers only take outgoing SMS
        self.browse().concat(*routed.values()).write({'state': 'process'})
        return outbound

    def _prepare_outbound_values(self, bridge):
        return {
            'sms_uuid': self.uuid,
            'attempt_id': uuid.uuid4().hex,
            'bridge_id': bridge.id,
            'number': self.number,
            'body': self.body,
            'partner_id': self.partner_id.id,
            'mail_message_id': self.mail_message_id.id,
            'origin': 'chatter' if self.mail_message_id else 'other',
            'claim_date': fields.Datetime.now(),
        }
