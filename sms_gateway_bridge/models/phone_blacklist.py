from odoo import api, fields, models

# Set by the inbound webhook while it records a STOP reply: the only opt-out a START reply may lift.
BY_STOP_REPLY = 'sms_gateway_bridge_stop_reply'


class PhoneBlacklist(models.Model):
    _inherit = 'phone.blacklist'

    opted_out_by_sms_reply = fields.Boolean(
        'Opted Out by SMS Reply', readonly=True, copy=False,
        help="The number's owner replied STOP to an SMS, and nobody blacklisted it since: only such an "
             "opt-out may be lifted by a START reply. Opt-outs from a mailing link, an import, an "
             "administrator or the provider stay until an administrator lifts them.")

    @api.model_create_multi
    def create(self, vals_list):
        by_reply = bool(self.env.context.get(BY_STOP_REPLY))
        records = super().create([{**vals, 'opted_out_by_sms_reply': by_reply} for vals in vals_list])
        if not by_reply:  # someone else blacklists a number already blacklisted by a STOP reply: theirs now
            records.filtered(lambda entry: entry.active and entry.opted_out_by_sms_reply).write(
                {'opted_out_by_sms_reply': False})
        return records

    def write(self, vals):
        if vals.get('active'):
            vals = {**vals, 'opted_out_by_sms_reply': bool(self.env.context.get(BY_STOP_REPLY))}
        return super().write(vals)

    def _add_by_sms_reply(self, number, message):
        """Blacklist ``number``, whose owner replied STOP."""
        return self.with_context(**{BY_STOP_REPLY: True}).add(number, message=message)

    def _remove_by_sms_reply(self, number, message):
        """Lift the opt-out of ``number``, whose owner replied START, if a STOP reply made it; return
        whether the number may receive SMS again."""
        opt_out = self.search([('number', '=', number)])
        if opt_out and not opt_out.opted_out_by_sms_reply:
            opt_out.message_post(body=self.env._(
                "%(reply)s This opt-out was not made by an SMS reply, so it stays: an administrator may lift it.",
                reply=message))
            return False
        self.remove(number, message=message)
        return True
