from odoo import fields, models


class ResCompany(models.Model):
    """The company's send window applies to its SMS mailings (and, when it says so, to all its
    SMS); its frequency cap is the default of its new mailings."""
    _name = 'res.company'
    _inherit = ['res.company', 'sms.sending.rules.mixin']

    sms_window_transactional = fields.Boolean(
        'Send Window for All SMS',
        help="Also hold the SMS sent one by one (chatter, automation rules, campaigns) outside the company's "
             "send window. Off, only SMS mailings wait for it.")
