from odoo import SUPERUSER_ID, api, fields, models


class SmsSms(models.Model):
    _inherit = 'sms.sms'

    campaign_message_id = fields.Many2one('sms.campaign.message', 'SMS Campaign Message', readonly=True,
                                          index='btree_not_null', ondelete='set null')
    triggered_by_id = fields.Many2one('res.users', 'Triggered By', readonly=True, ondelete='set null',
                                      help="The user whose action sent this SMS; empty for jobs and automation rules.")

    @api.model_create_multi
    def create(self, vals_list):
        # sudo() keeps the uid: jobs run as the superuser, automation rules mark their context
        user_id = False if self.env.uid == SUPERUSER_ID or '__action_done' in self.env.context else self.env.uid
        for vals in vals_list:
            vals.setdefault('triggered_by_id', user_id)
        return super().create(vals_list)

    def _prepare_outbound_values(self, bridge):
        values = super()._prepare_outbound_values(bridge)
        values['triggered_by_id'] = self.triggered_by_id.id
        if self.campaign_message_id:
            values.update(origin='campaign', campaign_message_id=self.campaign_message_id.id,
                          campaign_id=self.campaign_message_id.campaign_id.id)
        return values
