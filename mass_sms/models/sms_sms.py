from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL


class SmsSms(models.Model):
    _inherit = 'sms.sms'

    mailing_test_id = fields.Many2one(
        'mailing.mailing', 'Test of SMS Mailing', readonly=True, index='btree_not_null', ondelete='set null',
        help="A sample of this mailing sent from its Test button: no part of the mailing's sending.")

    # a mailing's queued SMS: counted for its progress, spread, cancelled, awaited before it is done
    _mailing_queued_idx = models.Index("(mailing_id, send_after) WHERE state = 'outgoing'")

    @api.model_create_multi
    def create(self, vals_list):
        """A mailing's SMS leave through the bridges of the mailing's company (its responsible's),
        also when the mass-mailing job prepares them as OdooBot, in another company."""
        mailing_ids = {vals['mailing_id'] for vals in vals_list if vals.get('mailing_id') and not vals.get('company_id')}
        company_by_mailing = {mailing.id: mailing.user_id.company_id.id
                              for mailing in self.env['mailing.mailing'].sudo().browse(mailing_ids)}
        for vals in vals_list:
            if company_by_mailing.get(vals.get('mailing_id')) and not vals.get('company_id'):
                vals['company_id'] = company_by_mailing[vals['mailing_id']]
        return super().create(vals_list)

    @api.model
    def _queued_domain(self):
        """The SMS of a paused mailing wait: the queue neither claims nor counts them."""
        return Domain(super()._queued_domain()) & (
            Domain('mailing_id', '=', False) | Domain('mailing_id.sms_paused', '=', False))

    def _prepare_outbound_values(self, bridge):
        values = super()._prepare_outbound_values(bridge)
        if self.mailing_id:
            values.update(origin='mailing', mailing_id=self.mailing_id.id)
        elif self.mailing_test_id:
            values.update(origin='mailing_test', mailing_id=self.mailing_test_id.id)
        return values

    def _sms_track_links(self):
        """A tracked link of a mailing's SMS ends with the SMS's id (<base>/r/<code>/s/<id>), which
        only exists once the SMS does: add it to those that have one."""
        shortened = self.browse().get_base_url() + '/r/'
        tracked = self.filtered(lambda sms: shortened in (sms.body or ''))
        bodies = tracked._update_body_short_links()
        if not bodies:
            return
        # one statement for a whole batch: the ORM writes a different value per record 100 at a time
        self.env.cr.execute(SQL(
            "UPDATE sms_sms SET body = tracked.body FROM (VALUES %s) AS tracked(id, body) WHERE sms_sms.id = tracked.id",
            SQL(', ').join(SQL('(%s, %s)', sms_id, body) for sms_id, body in bodies.items())))
        tracked.invalidate_recordset(['body'])
