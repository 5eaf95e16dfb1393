from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..tools.segment_counter import GSM7, UCS2, count_segments
from .common import MassSmsMixin


@tagged('post_install', '-at_install')
class TestSegmentCounter(TransactionCase):

    def assertCount(self, text, encoding, units, segments):
        count = count_segments(text)
        self.assertEqual((count.encoding, count.units, count.segments), (encoding, units, segments), repr(text))

    def test_gsm7_single_and_split(self):
        self.assertCount('', GSM7, 0, 0)
        self.assertCount('a' * 160, GSM7, 160, 1)
        self.assertCount('a' * 161, GSM7, 161, 2)
        self.assertCount('a' * 306, GSM7, 306, 2)
        self.assertCount('a' * 307, GSM7, 307, 3)
        self.assertCount('Ça coûte 5 € ?', UCS2, 14, 1)  # û is not GSM-7
        self.assertCount('éàüÑ¿§\n@£$¥', GSM7, 11, 1)

    def test_extension_characters_count_two_and_never_split(self):
        self.assertCount('€' * 80, GSM7, 160, 1)
        self.assertCount('€' * 81, GSM7, 162, 2)
        self.assertCount('{}[]~\\|^', GSM7, 16, 1)
        # 152 septets, then an extension character that does not fit in the first segment's last septet
        self.assertCount('a' * 152 + '€' + 'a' * 10, GSM7, 164, 2)
        self.assertCount('a' * 152 + '€' * 77, GSM7, 306, 3)

    def test_ucs2(self):
        self.assertCount('ç' * 70, UCS2, 70, 1)
        self.assertCount('ç' * 71, UCS2, 71, 2)
        self.assertCount('Привет' * 23, UCS2, 138, 3)
        self.assertCount('😀' * 35, UCS2, 70, 1)
        self.assertCount('😀' * 36, UCS2, 72, 2)  # surrogate pairs never split
        self.assertCount('a' * 69 + '😀', UCS2, 71, 2)


@tagged('post_install', '-at_install')
class TestComposerCounter(MassSmsMixin, TransactionCase):

    def test_counter_on_the_text_as_sent(self):
        mailing = self._mailing(['+32470000801'], body='Hello {{ object.name }}, 20% off today!')
        mailing.sms_allow_unsubscribe = False
        sent = 'Hello Contact 0801, 20% off today!'
        self.assertEqual(mailing._sms_body_as_sent(), sent)
        self.assertEqual((mailing.sms_char_count, mailing.sms_encoding, mailing.sms_segment_count),
                         (len(sent), GSM7, 1), 'placeholders are rendered, not counted as typed')

        mailing.sms_allow_unsubscribe = True
        body = mailing._sms_body_as_sent()
        self.assertRegex(body, r'/so/x{16}$', 'the opt-out link is appended, as long as a real one')
        self.assertEqual(mailing.sms_char_count, len(body))

        mailing.body_plaintext = 'See https://www.example.com/a/very/long/path/to/our/spring/sale/page?utm=1 €'
        mailing.sms_allow_unsubscribe = False
        self.assertEqual(mailing._sms_body_as_sent(), 'See %s/r/xxxx/s/1234567 €' % mailing.get_base_url())
        self.assertEqual(mailing.sms_segment_count, 1)

    def test_counter_unicode_and_estimate(self):
        bridge = self._bridge('twilio', sms_price_per_segment=0.05)
        mailing = self._mailing(['+32470000811', '+32470000812', '+32470000813'], body='Привет ' * 15,
                                sms_gateway_bridge_id=bridge.id, sms_allow_unsubscribe=False)
        self.assertEqual((mailing.sms_encoding, mailing.sms_segment_count), (UCS2, 2))
        self.assertEqual(mailing.sms_recipient_count, 3)
        self.assertEqual(mailing.sms_estimated_messages, 6)
        self.assertAlmostEqual(mailing.sms_estimated_cost, 0.3)
        self.assertIn('2 SMS', mailing.sms_counter_summary)

    def test_counter_survives_a_template_being_typed(self):
        mailing = self._mailing(['+32470000821'], body='Hello {{ object.', sms_allow_unsubscribe=False)
        self.assertEqual(mailing.sms_char_count, len('Hello {{ object.'))

    def test_preview_of_the_text_being_typed(self):
        """While the marketer types, the form asks for the figures of its unsaved text: they are
        those the mailing gets once the text is saved."""
        bridge = self._bridge('twilio', sms_price_per_segment=0.05)
        mailing = self._mailing(['+32470000831', '+32470000832'], body='Hi', sms_gateway_bridge_id=bridge.id)
        typed = 'Hello {{ object.name }}, ' + 'sale! ' * 30
        preview = self.env['mailing.mailing'].sms_counter_preview({
            'body_plaintext': typed, 'mailing_model_id': mailing.mailing_model_id.id,
            'mailing_domain': mailing.mailing_domain, 'contact_list_ids': mailing.contact_list_ids.ids,
            'sms_allow_unsubscribe': True, 'sms_gateway_bridge_id': bridge.id, 'name': 'ignored',
        })
        self.assertEqual(mailing.body_plaintext, 'Hi', 'the preview saves nothing')
        mailing.body_plaintext = typed
        self.assertEqual(preview, {'summary': mailing.sms_counter_summary, 'estimate': mailing.sms_estimate_summary})
        self.assertIn('2 SMS', preview['summary'])
        self.assertIn('4 SMS for 2 recipients', preview['estimate'])
        self.assertIn('0.20', preview['estimate'])
        employee = new_test_user(self.env, login='not_a_marketer', groups='base.group_user')
        with self.assertRaises(AccessError):
            self.env['mailing.mailing'].with_user(employee).sms_counter_preview({'body_plaintext': typed})
