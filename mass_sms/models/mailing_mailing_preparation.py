import time

from odoo import fields, models
from odoo.fields import Domain

from odoo.addons.sms_gateway_bridge.tools.jobs import lock_unchanged

# Recipients prepared (and committed) together by default: a few seconds of work, a small transaction
PREPARATION_BATCH_SIZE = 2000


class MailingMailing(models.Model):
    """SMS mailings are prepared in batches of recipients read in id order, each batch committed
    with the last prepared id when the mailing queue job runs: no list of all recipients in
    memory, a crash resumes from the last committed batch, and two jobs never prepare the same
    mailing at once. Each batch creates its SMS itself (see _sms_create_batch). A/B tests keep Odoo's preparation, which picks its recipients at random."""
    _inherit = 'mailing.mailing'

    sms_prepared_last_id = fields.Integer(
        'Last Prepared Recipient', copy=False, readonly=True,
        help="Id of the last recipient whose SMS is prepared: preparation resumes after it.")

    def _sms_prepared_in_batches(self):
        return self.mailing_type == 'sms' and not self.ab_testing_enabled

    def _sms_unprepared_domain(self):
        return Domain(self._get_recipients_domain()) & Domain('id', '>', self.sms_prepared_last_id)

    def _get_remaining_recipients(self):
        """Whether recipients remain is all the mailing queue asks: for a mailing prepared in
        batches, answer with the next one instead of reading them all."""
        if not self._sms_prepared_in_batches():
            return super()._get_remaining_recipients()
        return self.env[self.mailing_model_real].search(self._sms_unprepared_domain(), order='id', limit=1).ids

    def action_send_sms(self, res_ids=None):
        batched = self.browse() if res_ids else self.filtered(lambda mailing: mailing._sms_prepared_in_batches())
        for mailing in batched:
            mailing._sms_prepare_in_batches()
        return super(MailingMailing, self - batched).action_send_sms(res_ids=res_ids)

    def action_retry_failed_sms(self):
        """Retried recipients are read again from the first one; those with a trace are skipped."""
        self.sms_prepared_last_id = 0
        return super().action_retry_failed_sms()

    def _sms_prepare_in_batches(self):
        """Prepare batches until none is left or, in the queue job, its time is nearly over; a
        mailing another job is preparing is left to it, a paused or cancelled one alone. In the
        job each batch is committed; called from elsewhere, every batch joins the caller's
        transaction."""
        self.ensure_one()
        in_job = bool(self.env.context.get('ir_cron_progress_id'))
        while True:
            started = time.monotonic()
            mailing = self._sms_lock_for_preparation()
            if not mailing:
                return
            mailing.invalidate_recordset(['sms_prepared_last_id', 'sms_paused', 'state'])
            if mailing.sms_paused or mailing.state == 'done' or not mailing._sms_prepare_batch():
                return
            if not in_job:
                continue
            time_left = self.env['ir.cron']._commit_progress()
            if time_left < 2 * (time.monotonic() - started):
                # the queue job marks a mailing done only once nothing remains: run it again soon
                self.env.ref('mass_mailing.ir_cron_mass_mailing_queue')._trigger()
                return

    def _sms_lock_for_preparation(self):
        """The mailing, locked; nothing when another job is preparing it or prepared it since this
        transaction began (its snapshot cannot lock a row changed after it)."""
        return lock_unchanged(self, allow_referencing=True) or self.browse()

    def _sms_prepare_batch(self):
        """Prepare the SMS of the next recipients after the last prepared one; False when none is left."""
        batch_size = int(self.env['ir.config_parameter'].sudo().get_param(
            'mass_sms.preparation_batch_size', PREPARATION_BATCH_SIZE))
        res_ids = self.env[self.mailing_model_real].search(
            self._sms_unprepared_domain(), order='id', limit=batch_size).ids
        if not res_ids:
            return False
        traced = set(self.env['mailing.trace'].sudo().search_fetch(
            [('mass_mailing_id', '=', self.id), ('model', '=', self.mailing_model_real),
             ('res_id', 'in', res_ids)], ['res_id']).mapped('res_id'))
        to_prepare = [res_id for res_id in res_ids if res_id not in traced]
        if to_prepare:
            self._sms_create_batch(self.env[self.mailing_model_real].browse(to_prepare))
        self.sms_prepared_last_id = res_ids[-1]
        return True
