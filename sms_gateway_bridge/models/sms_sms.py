from collections import defaultdict

from odoo import api, fields, models

from ..tools.jobs import commit_progress, lock_unchanged
from ..tools.sms_api import SmsApiBridge

# Queued SMS one claim looks at: Odoo sends its own SMS in batches of 500 (sms.session.batch.size);
# a bridge takes from it what it sends in a few seconds (see sms.gateway.bridge._claim_size)
QUEUE_BATCH_SIZE = 2000
CONCURRENT_CLAIMS = 4  # workers expected to claim at the same moment


class SmsSms(models.Model):
    _inherit = 'sms.sms'

    company_id = fields.Many2one(
        'res.company', 'Sending Company', readonly=True, index='btree_not_null',
        help="The company whose SMS gateway bridges send this SMS.")
    gateway_bridge_id = fields.Many2one(
        'sms.gateway.bridge', 'SMS Gateway', readonly=True, index='btree_not_null', ondelete='set null',
        help="The bridge chosen to send this SMS; empty, the company's bridges route it by its number.")
    send_after = fields.Datetime(
        readonly=True, index='btree_not_null',
        help="The queue keeps this SMS until this time (a send window, a gradual mailing).")

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
            elif sms.company_id and (bridge_id := routers[sms.company_id].route(sms._e164_number())):
                ids_by_bridge_id[bridge_id].append(sms.id)
        bridges = bridges.sudo().browse(ids_by_bridge_id)
        return {bridges.browse(bridge_id): self.browse(ids) for bridge_id, ids in ids_by_bridge_id.items()}

    def _routed(self):
        """The SMS of ``self`` that a bridge serves."""
        return self.browse().concat(*self._group_by_bridge().values())

    def _wake_queue(self, at=None):
        self.env.ref('sms.ir_cron_sms_scheduler_action')._trigger(at)

    @api.model
    def _queued_domain(self):
        """The SMS the queue may send now."""
        return [('state', '=', 'outgoing'), ('to_delete', '!=', True),
                '|', ('send_after', '=', False), ('send_after', '<=', fields.Datetime.now())]

    def _wake_queue_when_due(self):
        """Run the queue again when the first SMS that waits for its time is due."""
        [waiting] = self._read_group([('state', '=', 'outgoing'), ('to_delete', '!=', True),
                                      ('send_after', '>', fields.Datetime.now())], aggregates=['send_after:min'])
        if waiting[0]:
            self._wake_queue(waiting[0])

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
        claimed = self._hand_to_bridges(outgoing._group_by_bridge())
        claimed._send_claim()
        claimed._notify_outcomes()
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
        """Send queued SMS in short committed steps that fit Odoo's cron time budget: claim what
        the bridges send in a few seconds (committed before any provider call), send it and
        commit the answers chunk by chunk, then tell Odoo (notifications, traces) in a step of its
        own. Several workers share the queue; what a dead worker claimed is recovered by asking
        the provider. The job returns when its time is up and resumes on its next run."""
        # the web client's view of a message shows all its notifications: refresh it once per run
        queue = self.with_context(sms_skip_msg_notification=True)
        Outbound = queue.env['sms.outbound.message'].sudo()
        Outbound._recover_interrupted_sends()
        Outbound._notify_outcomes()
        messages = self.env['mail.message']
        remaining = True
        while remaining and (time_left := commit_progress(self.env)) > 0:
            claim = queue._claim(time_left)
            if claim is None:
                continue  # another worker claimed the same rows at the same moment: look again
            claimed, odoo_sms = claim
            if not (claimed or odoo_sms):
                break  # nothing left to claim, or only SMS that other workers hold: see below
            messages |= claimed._sms().mail_message_id | odoo_sms.mail_message_id
            # Odoo's own providers (IAP, sms_twilio) send the rest as Odoo does
            (lock_unchanged(odoo_sms) or self.browse()).filtered(lambda sms: sms.state == 'outgoing').send()
            commit_progress(self.env)
            claimed._send_claim()
            Outbound._notify_outcomes()
            remaining = self.search_count(self._queued_domain())
            commit_progress(self.env, len(odoo_sms), remaining=remaining)
            self.env.invalidate_all()  # a long queue must not pile up in the cache
        messages.exists()._notify_message_notification_update()
        if remaining := remaining and self.search_count(self._queued_domain()):
            self._wake_queue()  # the time is up: run again right away, not at the job's next interval
        else:
            self._wake_queue_when_due()
        commit_progress(self.env, remaining=remaining)

    def _claim(self, time_left):
        """Claim the next queued SMS for their bridges, as many as each bridge sends in
        CLAIM_SECONDS (or the time left); commit the claim. Return the claimed outbound messages
        and the SMS that no bridge serves (left to Odoo's providers, not claimed), or None when
        another worker changed the same SMS since this transaction began."""
        sms_all = self._lock_queued()
        if sms_all is None:
            return None
        numberless = sms_all.filtered(lambda sms: not sms.number)
        numberless._update_sms_state_and_trackers('error', failure_type='sms_number_missing')
        routed = (sms_all - numberless)._group_by_bridge()
        outbound = self._hand_to_bridges({
            bridge: bridge_sms[:bridge._claim_size(time_left)] for bridge, bridge_sms in routed.items()})
        odoo_sms = sms_all - numberless - self.browse().concat(*routed.values())
        commit_progress(self.env, len(numberless))
        return outbound, odoo_sms

    def _hand_to_bridges(self, sms_by_bridge):
        """Claim the SMS of ``{bridge: sms}`` for their bridge: pending outbound messages."""
        outbound = self.env['sms.outbound.message'].sudo()._claim(sms_by_bridge)
        claimed = self.browse().concat(*sms_by_bridge.values())
        claimed.write({'state': 'process'})
        claimed.sms_tracker_id._action_update_from_sms_state('process')
        return outbound

    def _lock_queued(self):
        """Lock the next queued SMS, skipping those another worker is claiming."""
        batch_size = int(self.env['ir.config_parameter'].sudo().get_param(
            'sms_gateway_bridge.queue_batch_size', QUEUE_BATCH_SIZE))
        # look further than one batch so that workers claiming at once each find their own rows
        return lock_unchanged(self.search(self._queued_domain(), order='id', limit=batch_size * CONCURRENT_CLAIMS),
                              allow_referencing=True, limit=batch_size)

    def _e164_number(self):
        """The number in E.164, the one format of routing, the outbound log and the providers; as
        given when it does not parse (the provider then says what is wrong with it)."""
        country = self.partner_id.country_id or self.company_id.country_id
        return self._phone_format_number(self.number, country) or self.number

    def _prepare_outbound_values(self, bridge):
        return {
            'sms_uuid': self.uuid,
            'bridge_id': bridge.id,
            'number': self._e164_number(),
            'body': self.body,
            'partner_id': self.partner_id.id,
            'mail_message_id': self.mail_message_id.id,
            'origin': 'chatter' if self.mail_message_id else 'other',
        }
