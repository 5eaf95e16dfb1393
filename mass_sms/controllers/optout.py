from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request


class SmsOptOutController(http.Controller):
    """The page behind the short opt-out link of an SMS mailing: one tap to unsubscribe, one to
    come back. The link's code (96 random bits, see mailing.trace) is the only credential."""

    def _trace(self, code):
        trace = request.env['mailing.trace']._sms_optout_find(code)
        if not trace:
            raise NotFound()
        return trace

    def _render(self, trace, done=None):
        if lang := trace._sms_optout_lang():
            request.update_context(lang=lang)
        mailing = trace._sms_optout_mailing()
        return request.render('mass_sms.sms_optout_page', {
            'code': trace.sms_code,
            'company': trace._sms_optout_company().sudo(),
            'lists': mailing.contact_list_ids,
            'number_end': trace.sms_number[-4:],
            'subscribed': trace._sms_optout_is_subscribed(),
            'is_test': trace.is_test_trace,
            'done': done,
        })

    @http.route('/so/<string:code>', type='http', auth='public', website=True, methods=['GET'], sitemap=False)
    def sms_optout_page(self, code):
        return self._render(self._trace(code))

    @http.route('/so/<string:code>/unsubscribe', type='http', auth='public', website=True, methods=['POST'], sitemap=False)
    def sms_optout_unsubscribe(self, code, **post):
        trace = self._trace(code)
        trace._sms_optout_unsubscribe()
        return self._render(trace, done='unsubscribed')

    @http.route('/so/<string:code>/resubscribe', type='http', auth='public', website=True, methods=['POST'], sitemap=False)
    def sms_optout_resubscribe(self, code, **post):
        trace = self._trace(code)
        trace._sms_optout_resubscribe()
        return self._render(trace, done='resubscribed')
