from odoo import api, fields, models


class SmsOutboundMessage(models.Model):
    _inherit = 'sms.outbound.message'

    origin = fields.Selection(selection_add=[('campaign', 'SMS Campaign')], ondelete={'campaign': 'set default'})
    campaign_id = fields.Many2one('sms.campaign', 'SMS Campaign', readonly=True, index='btree_not_null',
                                  ondelete='set null')
    campaign_message_id = fields.Many2one('sms.campaign.message', 'SMS Campaign Message', readonly=True,
                                          index='btree_not_null', ondelete='set null')
    triggered_by_id = fields.Many2one('res.users', 'Triggered By User', readonly=True, ondelete='set null')
    triggered_by = fields.Char('Triggered By', compute='_compute_triggered_by',
                               help="The user whose action sent the message, or System for jobs and automation rules.")

    @api.depends('triggered_by_id')
    def _compute_triggered_by(self):
        for message in self:
            message.triggered_by = message.triggered_by_id.name or self.env._("System")
