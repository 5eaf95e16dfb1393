import csv
import io
from dataclasses import replace
from datetime import datetime

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_open

from ..tools.delivery_report_file import ReportRow, delivery_status, write_report


@tagged('post_install', '-at_install')
class TestDeliveryReportFile(TransactionCase):

    def test_seed_sample_byte_for_byte(self):
        """Seed 003's sample report, from the rows it shows."""
        rows = [ReportRow('28776', '5800000001', 68822, 'testDate', datetime(2016, 2, 4, 14, 21, 29), 'DELIVRD', '581111'),
                ReportRow('28776', '5800000002', 68823, 'testDate', datetime(2016, 2, 4, 14, 21, 29), 'DELIVRD', '582222')]
        with file_open('mass_sms/tests/data/seed_delivery_report.csv', 'rb') as expected:
            self.assertEqual(write_report(rows), expected.read())

    def test_cells_never_formulas(self):
        row = ReportRow('+15005550006', '+525512340001', 1, '=HYPERLINK("http://evil")',
                        datetime(2026, 1, 2, 3, 4, 5, 120000), 'UNDELIV', '@SUM(A1)')
        self.assertEqual(write_report([row], member_id_label='-Card').decode().split('\r\n')[:2], [
            "Sender,Recipient,Tracking ID,Campaign Name,Time Stamp,Delivery Status,'-Card",
            '15005550006,525512340001,1,"\'=HYPERLINK(""http://evil"")",2026-01-02 03:04:05.12,UNDELIV,\'@SUM(A1)',
        ])
        for cell in ('+1', '-1', '\tx', '\rx'):
            report = csv.reader(io.StringIO(write_report([replace(row, campaign=cell)]).decode(), newline=''))
            self.assertEqual(list(report)[1][3], "'" + cell)

    def test_smpp_words(self):
        self.assertEqual([delivery_status(*state) for state in (
            ('delivered', False), ('failed', 'number'), ('failed', 'expired'), ('failed', 'message'),
            ('failed', 'opt_out'), ('failed', 'unavailable'), ('no_report', False), ('waiting', False),
            ('sent', False), ('pending', False))],
            ['DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD', 'REJECTD', 'UNDELIV', 'UNKNOWN', 'ACCEPTD', 'ACCEPTD',
             'ACCEPTD'])
