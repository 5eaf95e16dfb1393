import re

from odoo import Command, api, fields, models
from odoo.tools.mail import TEXT_URL_REGEX
from odoo.tools.misc import format_amount

from ..tools.segment_counter import count_segments

# Stand-ins of the same length as what sending puts in the text: a tracked link
# (<base>/r/<code>/s/<sms id>) and a recipient's opt-out code (see mailing.trace)
SAMPLE_LINK_PATH = '/r/xxxx/s/1234567'
SAMPLE_OPTOUT_CODE = 'x' * 16
OPTOUT_URL_MARK = '\x00optout-url\x00'  # where the link goes in the translated opt-out line
# what the composer's figures depend on, as the form holds them before they are saved
PREVIEW_FIELDS = ('body_plaintext', 'mailing_model_id', 'mailing_domain', 'contact_list_ids',
                  'sms_allow_unsubscribe', 'sms_gateway_bridge_id')


class MailingMailing(models.Model):
    """The SMS composer's figures: the text as a sample recipient gets it, its characters,
    encoding and segments, and the estimated messages and cost of the mailing."""
    _inherit = 'mailing.mailing'

    sms_char_count = fields.Integer('Characters', compute='_compute_sms_counter')
    sms_encoding = fields.Char('Encoding', compute='_compute_sms_counter')
    sms_segment_count = fields.Integer('SMS per Recipient', compute='_compute_sms_counter')
    sms_counter_summary = fields.Char('SMS Counter', compute='_compute_sms_counter')
    sms_recipient_count = fields.Integer('Recipients Count', compute='_compute_sms_recipient_count')
    sms_estimated_messages = fields.Integer('Estimated SMS', compute='_compute_sms_estimate')
    sms_estimated_cost = fields.Monetary('Estimated Cost', compute='_compute_sms_estimate',
                                         currency_field='sms_cost_currency_id')
    sms_cost_currency_id = fields.Many2one('res.currency', compute='_compute_sms_estimate')
    sms_estimate_summary = fields.Char('SMS Estimate', compute='_compute_sms_estimate')

    @api.depends('body_plaintext', 'mailing_model_id', 'mailing_domain', 'sms_allow_unsubscribe')
    def _compute_sms_counter(self):
        for mailing in self:
            body = mailing._sms_body_as_sent()
            count = count_segments(body)
            mailing.sms_char_count = count.characters
            mailing.sms_encoding = count.encoding
            mailing.sms_segment_count = count.segments
            mailing.sms_counter_summary = self.env._(
                "%(characters)s characters, %(units)s/%(capacity)s %(encoding)s | %(segments)s SMS",
                characters=count.characters, units=count.units, capacity=count.capacity,
                encoding=count.encoding, segments=count.segments)

    @api.depends('mailing_model_id', 'mailing_domain', 'contact_list_ids')
    def _compute_sms_recipient_count(self):
        # apart from the estimate, so that typing the text does not count the recipients again
        for mailing in self:
            mailing.sms_recipient_count = mailing._sms_recipient_count()

    @api.depends('sms_segment_count', 'sms_recipient_count', 'sms_gateway_bridge_id')
    def _compute_sms_estimate(self):
        for mailing in self:
            bridge = (mailing.sms_gateway_bridge_id or mailing._sms_default_routed_bridge()).sudo()
            mailing.sms_estimated_messages = mailing.sms_recipient_count * mailing.sms_segment_count
            mailing.sms_cost_currency_id = bridge.sms_price_currency_id or self.env.company.currency_id
            mailing.sms_estimated_cost = mailing.sms_estimated_messages * bridge.sms_price_per_segment
            mailing.sms_estimate_summary = self.env._(
                "Estimated: %(messages)s SMS for %(recipients)s recipients, %(cost)s",
                messages=mailing.sms_estimated_messages, recipients=mailing.sms_recipient_count,
                cost=format_amount(self.env, mailing.sms_estimated_cost, mailing.sms_cost_currency_id),
            ) if mailing.sms_estimated_messages else False

    @api.model
    @api.readonly
    def sms_counter_preview(self, values):
        """The composer's figures for the text being typed, before the form sends it: ``values``
        holds the form's current body, recipients, opt-out option and gateway (ids for relations)."""
        self.check_access('create')  # for those who write mailings
        values = {name: values[name] for name in PREVIEW_FIELDS if name in values}
        if 'contact_list_ids' in values:
            values['contact_list_ids'] = [Command.set(values['contact_list_ids'])]
        mailing = self.new({**values, 'mailing_type': 'sms'})
        return {'summary': mailing.sms_counter_summary, 'estimate': mailing.sms_estimate_summary}

    def _sms_default_routed_bridge(self):
        """The gateway most of a routed mailing goes through: the company's default one."""
        bridges = self.env['sms.gateway.bridge'].sudo().search([('company_id', '=', self.env.company.id)])
        return bridges.filtered('is_company_default')[:1] or bridges[:1]

    def _sms_recipient_count(self):
        if not self.mailing_model_real or self.mailing_type != 'sms':
            return 0
        try:
            return self.env[self.mailing_model_real].search_count(self._get_recipients_domain())
        except (ValueError, SyntaxError):  # a domain being edited
            return 0

    def _sms_sample_record(self):
        """The mailing's first recipient, else the first record of its model."""
        if not self.mailing_model_real:
            return None
        model = self.env[self.mailing_model_real]
        try:
            record = model.search(self._get_recipients_domain(), limit=1)
        except (ValueError, SyntaxError):
            record = model.browse()
        return record or model.search([], limit=1)

    def _sms_render_for_sample(self, body, record):
        if not record or not body:
            return body or ''
        return self.env['mail.render.mixin']._render_template(body, record._name, record.ids)[record.id] or ''

    def _sms_with_optout(self, bodies):
        """``bodies`` ({opt-out code: body}) each with its opt-out line appended, the line
        translated once for them all."""
        stop_line = self.env['sms.composer']._get_unsubscribe_info(OPTOUT_URL_MARK)
        urls = self.env['mailing.trace']._sms_optout_urls(bodies)
        return {code: '%s\n%s' % (body or '', stop_line.replace(OPTOUT_URL_MARK, urls[code]))
                for code, body in bodies.items()}

    def _sms_body_as_sent(self):
        """The body a sample recipient gets: placeholders rendered, links shortened, opt-out link
        appended. While the marketer types, a template that does not render yet counts as typed."""
        self.ensure_one()
        body = self.body_plaintext or ''
        try:
            body = self._sms_render_for_sample(body, self._sms_sample_record())
        except Exception:  # noqa: BLE001 - any rendering error while typing
            pass
        base_url = self.get_base_url()
        short_link = base_url + SAMPLE_LINK_PATH
        body = re.sub(TEXT_URL_REGEX, lambda match: match.group(0) if match.group(0).startswith(base_url + '/r/')
                      else short_link, body)
        if self.sms_allow_unsubscribe and body:
            body = self._sms_with_optout({SAMPLE_OPTOUT_CODE: body})[SAMPLE_OPTOUT_CODE]
        return body
