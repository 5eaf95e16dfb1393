from datetime import datetime

from odoo.tests import TransactionCase, tagged

from ..tools.broadcast_file import read_broadcast_file

# The seed's sample rows (seed 003), in its columns; the seed's numbers are not valid Mexican
# numbers, these are in the same national shape
SEED_FILE = b"""Sender,Recipient,Tracking ID,Campaign Name,Time Stamp,Delivery Status,Payback Member ID
28776,5512340001,68822,testDate,2016-02-04 14:21:29.0,DELIVRD,581111
28776,5512340002,68823,testDate,2016-02-04 14:21:29.0,DELIVRD,582222
"""


@tagged('post_install', '-at_install')
class TestBroadcastFile(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.source = cls.env['sms.broadcast.source'].create({
            'name': 'Payback', 'protocol': 'upload', 'country_id': cls.env.ref('base.mx').id,
            'tz': 'America/Mexico_City', 'message_template': 'Hola, tu tarjeta {{ Payback Member ID }} tiene puntos',
        })

    def read(self, content, **rules):
        if rules:
            self.source.write(rules)
        return read_broadcast_file(content, self.source._file_rules())

    def problems(self, parsed):
        return [(problem.line, problem.column, self.env._(problem.reason)) for problem in parsed.problems]

    def test_seed_sample_rows(self):
        parsed = self.read(SEED_FILE)
        self.assertFalse(parsed.fatal, self.problems(parsed))
        self.assertEqual([(r.line, r.phone, r.member_id, r.message) for r in parsed.recipients], [
            (2, '+525512340001', '581111', 'Hola, tu tarjeta 581111 tiene puntos'),
            (3, '+525512340002', '582222', 'Hola, tu tarjeta 582222 tiene puntos'),
        ])
        self.assertEqual(parsed.campaign, 'testDate')
        # 14:21:29 in Mexico City (UTC-6)
        self.assertEqual(parsed.date, datetime(2016, 2, 4, 20, 21, 29))

    def test_encodings_and_delimiters(self):
        text = 'Phone;Message\n+525512340001;Señor, ¡hola!\n'
        for content in (text.encode(), b'\xef\xbb\xbf' + text.encode(), text.encode('latin-1'),
                        text.replace(';', '\t').encode()):
            parsed = self.read(content)
            self.assertFalse(parsed.fatal, self.problems(parsed))
            self.assertEqual(parsed.recipients[0].message, 'Señor, ¡hola!', content)

    def test_quoted_cells_and_known_column_names(self):
        parsed = self.read(b'Mobile Number,Message Text,Member ID,Date\r\n'
                           b'"55 1234 0001","Hi, ""you""\nline two",M1,01/03/2030 14:30\r\n')
        self.assertFalse(parsed.fatal, self.problems(parsed))
        self.assertEqual(parsed.recipients[0].message, 'Hi, "you"\nline two')
        self.assertEqual(parsed.date, datetime(2030, 3, 1, 20, 30))

    def test_dates(self):
        for value, expected in [
            ('2030-03-01T14:30:00Z', datetime(2030, 3, 1, 14, 30)),
            ('2030-03-01 14:30:00+02:00', datetime(2030, 3, 1, 12, 30)),
            ('2030-03-01', datetime(2030, 3, 1, 6, 0)),
            ('01/03/2030', datetime(2030, 3, 1, 6, 0)),
            ('', None),
        ]:
            parsed = self.read(b'phone,message,date\n5512340001,Hi,%s\n' % value.encode())
            self.assertFalse(parsed.fatal, self.problems(parsed))
            self.assertEqual(parsed.date, expected, value)

    def test_fatal_problems_of_the_file(self):
        cases = [
            (b'', [(1, '', 'The file is empty or its first line is not a header row.')]),
            (b'\x00\x01binary', [(0, '', 'This is not a text file: save it as CSV.')]),
            (b'name,message\nAnn,Hi\n', [(1, '', 'No column holds the phone numbers: name one phone, phone_number, '
                                                  'mobile, mobile_number, recipient, msisdn, number.')]),
            (b'phone,phone,message\n', [(1, 'phone', 'Two columns are named phone.')]),
            (b'phone,message\n', [(0, '', 'The file has a header but no rows.')]),
            (b'phone,message,date\n5512340001,Hi,tomorrow\n', [
                (2, 'date', 'tomorrow is not a date: write it as 2026-03-01 14:30:00 or 01/03/2026 14:30.')]),
            (b'phone,message,date\n5512340001,Hi,2030-01-01\n5512340002,Hi,2030-01-02\n', [
                (3, 'date', '2030-01-02 differs from 2030-01-01 on line 2: a file is one broadcast, give every row '
                            'the same value or leave it empty.')]),
        ]
        for content, problems in cases:
            parsed = self.read(content)
            self.assertTrue(parsed.fatal, content)
            self.assertEqual(self.problems(parsed), problems, content)

    def test_message_column_or_template(self):
        self.source.message_template = False
        parsed = self.read(b'phone\n5512340001\n')
        self.assertEqual(self.problems(parsed), [(1, '', "No column holds the message and the file source has no "
                                                         "default message: add a Message column or a default "
                                                         "message to the source.")])
        parsed = self.read(b'phone,points\n5512340001,7\n', message_template='Hi {{ name }}')
        self.assertEqual(self.problems(parsed), [
            (1, 'name', "The source's default message uses {{ name }} but the file has no such column.")])

    def test_invalid_rows_reject_the_file_unless_the_source_skips_them(self):
        content = (b'phone,message\n5512340001,Hi\nnot a number,Hi\n,Hi\n5512340001,Again\n5512340003,\n'
                   b'5512340004,%s\n5512340005,Hi,extra\n5512340006,Hi\n' % (b'x' * 1601))
        expected = [
            (3, 'phone', 'not a number is not a valid phone number.'),
            (4, 'phone', 'The phone number is empty.'),
            (5, 'phone', 'The number 5512340001 is already on line 2.'),
            (6, 'message', 'The message is empty.'),
            (7, 'message', 'The message has 1601 characters; 1600 at most.'),
            (8, '', 'The row has 3 cells; the header has 2.'),
        ]
        parsed = self.read(content)
        self.assertTrue(parsed.fatal)
        self.assertEqual(self.problems(parsed), expected)
        parsed = self.read(content, skip_invalid_rows=True)
        self.assertFalse(parsed.fatal)
        self.assertEqual(self.problems(parsed), expected)
        self.assertEqual([r.line for r in parsed.recipients], [2, 9])
        self.assertEqual((parsed.row_count, parsed.invalid_count), (8, 6))

    def test_size_limits(self):
        parsed = self.read(b'phone,message\n' + b''.join(b'551234000%d,Hi\n' % index for index in range(3)), max_rows=2)
        self.assertEqual(self.problems(parsed), [(4, '', 'The file has more than 2 rows.')])
        parsed = self.read(b'phone,message\n' + b'x' * 1024 * 1024, max_file_size=1)
        self.assertTrue(parsed.fatal)
        self.assertIn('a broadcast file may have 1048576 at most', self.problems(parsed)[0][2])
