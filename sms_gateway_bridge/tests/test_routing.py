from odoo.tests import tagged

from ..tools.routing import Route, Router
from .common import BridgeCase


def route(key, prefixes=(), countries=(), is_default=False, sequence=10):
    return Route(key=key, prefixes=tuple(prefixes), country_codes=frozenset(countries),
                 is_default=is_default, sequence=sequence)


@tagged('post_install', '-at_install')
class TestRouter(BridgeCase):

    def test_longest_prefix_then_country_then_catch_all(self):
        router = Router([
            route(1),
            route(2, prefixes=['32']),
            route(3, prefixes=['3247', '44']),
            route(4, countries=['BE']),
            route(5, countries=['FR'], prefixes=['336']),
        ])
        self.assertEqual(router.route('+32470123456'), 3)  # 3247 beats 32
        self.assertEqual(router.route('+32 2 555 12 12'), 2)  # prefix beats country
        self.assertEqual(router.route('+33612345678'), 5)  # prefix of a bridge that also has countries
        self.assertEqual(router.route('+33123456789'), 5)  # country
        self.assertEqual(router.route('+4915112345678'), 1)  # catch-all

    def test_ties_go_to_default_then_sequence(self):
        self.assertEqual(Router([route(1, sequence=5), route(2, sequence=1)]).route('+32470123456'), 2)
        self.assertEqual(Router([route(1, sequence=1), route(2, sequence=5, is_default=True)]).route('+3247'), 2)
        self.assertEqual(Router([route(1, prefixes=['32'], sequence=9), route(2, prefixes=['32'], sequence=3)])
                         .route('+32470123456'), 2)

    def test_no_route(self):
        router = Router([route(1, prefixes=['32']), route(2, countries=['FR'])])
        self.assertIsNone(router.route('+4915112345678'))
        self.assertIsNone(router.route(''))
        self.assertIsNone(Router([]).route('+32470123456'))


@tagged('post_install', '-at_install')
class TestRouting(BridgeCase):

    def test_sms_go_to_their_company_bridge(self):
        """A batch mixing companies is split per company, in the queue job too."""
        company_b = self.env['res.company'].create({'name': 'Company B'})
        twilio = self._bridge('twilio')
        infobip = self._bridge('infobip', company_id=company_b.id)
        partner_a = self._partner('+32470000010')
        partner_b = self._partner('+32470000011', company_id=company_b.id)
        sms_a = self._chatter_sms(partner_a)
        sms_b = self._chatter_sms(partner_b.with_company(company_b))
        self.assertEqual((sms_a.company_id, sms_b.company_id), (self.env.company, company_b))

        self.env['sms.sms']._process_queue()

        self.assertEqual(self._sent_to(self.twilio), ['+32470000010'])
        self.assertEqual(self._sent_to(self.infobip), ['+32470000011'])
        self.assertEqual(self._outbound(sms_a).bridge_id, twilio)
        self.assertEqual(self._outbound(sms_b).bridge_id, infobip)

    def test_destinations_choose_the_bridge(self):
        belgium = self._bridge('infobip', destination_country_ids=[self.env.ref('base.be').id])
        uk_mobiles = self._bridge('twilio', destination_prefixes='447')
        catch_all = self._bridge('simulator', is_company_default=True)
        sms = self._chatter_sms(self._partner(phone) for phone in ('+32470000020', '+447700900021', '+33612000022'))

        self.env['sms.sms']._process_queue()

        bridge_by_number = {message.number: message.bridge_id for message in self._outbound(sms)}
        self.assertEqual(bridge_by_number, {
            '+32470000020': belgium, '+447700900021': uk_mobiles, '+33612000022': catch_all})

    def test_national_numbers_are_routed_as_international(self):
        self.env.company.country_id = self.env.ref('base.be')
        belgian_mobiles = self._bridge('twilio', destination_prefixes='3247')
        partner = self._partner(False)
        partner._message_sms('Your order is ready', sms_numbers=['0470 00 00 31'])

        self.env['sms.sms']._process_queue()

        self.assertEqual(self._sent_to(self.twilio), ['+32470000031'])
        self.assertEqual(self.env['sms.outbound.message'].search([('number', '=', '+32470000031')]).bridge_id,
                         belgian_mobiles)

    def test_no_bridge_leaves_odoo_iap(self):
        """Where no bridge serves a number, Odoo's own IAP service sends it (unavailable in tests)."""
        self._bridge('twilio', destination_prefixes='44')
        sms = self._chatter_sms(self._partner('+32470000030'))

        self.env['sms.sms']._process_queue()

        self.assertFalse(self._outbound(sms))
        self.assertFalse(self.twilio.messages)
        self.assertEqual((sms.state, sms.failure_type), ('error', 'sms_server'))
