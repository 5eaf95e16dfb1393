from odoo import models


class SmsTracker(models.Model):
    _inherit = 'sms.tracker'

    def _update_sms_mailings(self, trace_status, traces):
        """Odoo marks the mailings of SMS handed to a gateway as sending on every claim: write
        only those that are not yet, so that the queue does not lock a mailing's row (and clash
        with a marketer pausing it) on every claim."""
        if trace_status == 'process':
            traces = traces.filtered(lambda trace: trace.mass_mailing_id.state != 'sending')
        return super()._update_sms_mailings(trace_status, traces)
