from odoo import api, fields, models


class SmsBroadcastRecipient(models.Model):
    """A row of a broadcast file: the recipient of one SMS of the broadcast's mailing. Any SMS
    mailing can target these records; a broadcast's mailing targets its own rows."""
    _name = 'sms.broadcast.recipient'
    _description = 'SMS Broadcast Recipient'
    _order = 'id'
    _rec_name = 'phone'
    _mailing_enabled = True

    broadcast_id = fields.Many2one('sms.broadcast', 'Broadcast', required=True, readonly=True, index=True,
                                   ondelete='cascade')
    line = fields.Integer(readonly=True, help="The line of the file that holds this recipient.")
    phone = fields.Char(required=True, readonly=True, help="The number of the file, normalised (E.164).")
    message = fields.Text(required=True, readonly=True)
    member_id = fields.Char('Member ID', readonly=True, help="The partner's id of the recipient, such as a card "
                            "number: the delivery report gives it back.")

    def _phone_get_number_fields(self):
        return ['phone']

    def _mailing_get_default_domain(self, mailing):
        return [('broadcast_id.mailing_id', '=', mailing.id)]

    @api.model
    def mail_allowed_qweb_expressions(self):
        """A broadcast's mailing says {{ object.message }}: marketers who are no template editors may too."""
        return super().mail_allowed_qweb_expressions() + ('object.message', 'object.member_id')
