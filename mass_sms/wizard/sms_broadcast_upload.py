import base64

from odoo import fields, models
from odoo.exceptions import UserError


class SmsBroadcastUpload(models.TransientModel):
    _name = 'sms.broadcast.upload'
    _description = 'Upload a Broadcast File'

    source_id = fields.Many2one(
        'sms.broadcast.source', 'Source', required=True, domain="[('protocol', '=', 'upload')]",
        default=lambda self: self.env['sms.broadcast.source'].search([('protocol', '=', 'upload')], limit=1))
    file = fields.Binary(required=True)
    file_name = fields.Char(required=True)

    def action_import(self):
        self.ensure_one()
        content = base64.b64decode(self.file)
        broadcast, imported = self.source_id._import_file(self.file_name, content)
        if not imported:
            raise UserError(self.env._("This file was already imported: it is the broadcast %(broadcast)s.",
                                       broadcast=broadcast.name))
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'sms.broadcast',
            'res_id': broadcast.id,
            'views': [(False, 'form')],
        }
