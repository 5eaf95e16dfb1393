from odoo import fields, models


class SmsOutboundMessage(models.Model):
    _inherit = 'sms.outbound.message'

    origin = fields.Selection(selection_add=[('mailing', 'SMS Mailing')], ondelete={'mailing': 'set default'})
    mailing_id = fields.Many2one('mailing.mailing', 'SMS Mailing', readonly=True, index='btree_not_null',
                                 ondelete='set null')
