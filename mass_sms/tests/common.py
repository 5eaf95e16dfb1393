from odoo import Command

from odoo.addons.sms_gateway_bridge.tests.common import BridgeMixin


class MassSmsMixin(BridgeMixin):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # send windows and frequency caps are tested on their own: the other tests must not
        # depend on the hour they run at, nor on the SMS that another test sent
        cls.env.company.write({'sms_window_start': 0, 'sms_window_end': 24, 'sms_frequency_cap': False})

    def _mailing(self, phones, body='Spring sale: {{ object.name }}', **values):
        mailing_list = self.env['mailing.list'].create({
            'name': 'Customers',
            'contact_ids': [Command.create({'name': 'Contact %s' % phone[-4:], 'mobile': phone}) for phone in phones],
        })
        return self.env['mailing.mailing'].create({
            'name': 'Spring sale', 'subject': 'Spring sale', 'mailing_type': 'sms', 'body_plaintext': body,
            'mailing_model_id': self.env['ir.model']._get_id('mailing.list'),
            'contact_list_ids': [Command.link(mailing_list.id)], **values,
        })

    def _traces(self, mailing):
        return self.env['mailing.trace'].search([('mass_mailing_id', '=', mailing.id)])
