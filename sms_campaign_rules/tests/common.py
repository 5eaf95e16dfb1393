import json

from odoo import Command

from odoo.addons.sms_gateway_bridge.tests.common import BridgeMixin


class CampaignMixin(BridgeMixin):
    """Campaigns texting test contacts through the fake providers' bridges."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = cls.env['res.users'].create({
            'name': 'Marketer', 'login': 'sms_marketer', 'email': 'marketer@example.com',
            'group_ids': [Command.set([cls.env.ref('mass_mailing.group_mass_mailing_user').id])],
        })
        cls.tag = cls.env['res.partner.category'].create({'name': 'SMS campaign test'})
        cls.rule = cls.env['sms.campaign.rule'].create({
            'name': 'Tagged contacts', 'rule_type': 'records', 'model_id': cls.env.ref('base.model_res_partner').id,
            'phone_field': 'phone', 'domain': "[('category_id', 'in', [tag_id])]", 'template_fields': 'name, city',
            'parameter_ids': [Command.create({'name': 'tag_id', 'label': 'Tag', 'value_type': 'integer'})],
        })

    def _contacts(self, *phones, **values):
        return self.env['res.partner'].concat(*(
            self._partner(phone, name='Contact %s' % phone[-3:], category_id=[Command.link(self.tag.id)], **values)
            for phone in phones))

    def _campaign(self, trigger_type='direct', message='Hello {name}', **values):
        return self.env['sms.campaign'].create({
            'name': 'Campaign %s' % trigger_type, 'trigger_type': trigger_type, 'rule_id': self.rule.id,
            'param_value': json.dumps({'tag_id': self.tag.id}), 'message': message, **values,
        })

    def _run_jobs(self):
        """The seed's three jobs, in their order."""
        self.env['sms.campaign']._cron_generate_messages()
        self.env['sms.campaign.message']._cron_send_pending()
        self.env['sms.sms']._process_queue()

    def _counts(self, campaign):
        campaign.invalidate_recordset()
        return {state: campaign['%s_count' % state] for state in ('pending', 'waiting', 'sent', 'delivered', 'failed')}
