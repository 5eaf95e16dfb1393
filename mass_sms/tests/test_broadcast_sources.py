from datetime import date, datetime, timedelta

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from tests.fakes.file_servers import PASSWORD, USERNAME, FtpServer, SftpServer

from .common import MassSmsMixin
from .test_broadcast_file import SEED_FILE


@tagged('post_install', '-at_install')
class TestBroadcastSources(MassSmsMixin, TransactionCase):
    """Sources polling real FTP, FTPS and SFTP servers on 127.0.0.1."""

    def source(self, protocol, server, **values):
        return self.env['sms.broadcast.source'].create({
            'name': 'Payback %s' % protocol, 'protocol': protocol, 'host': '127.0.0.1', 'port': server.port,
            'username': USERNAME, 'password': PASSWORD, 'country_id': self.env.ref('base.mx').id,
            'tz': 'America/Mexico_City', 'message_template': 'Hola {{ Payback Member ID }}', **values,
        })

    def test_seed_file_dropped_on_ftp_is_sent_and_reported_back(self):
        bridge = self._bridge('twilio', report_poll_delay=0)
        with FtpServer() as server:
            source = self.source('ftp', server, bridge_id=bridge.id)
            server.put('inbound/payback_20260302.csv', SEED_FILE.replace(b'5512340002', b'5512340007'))
            server.put('inbound/notes.txt', b'not a broadcast')

            source._poll()
            self.assertFalse(source.broadcast_ids, 'a file is imported once its size stopped changing')
            source._poll()
            broadcast = source.broadcast_ids
            self.assertEqual((broadcast.name, broadcast.status, broadcast.valid_count), ('testDate', 'sending', 2))
            self.assertEqual(server.files('inbound'), ['notes.txt'])
            self.assertEqual(server.files('archive'), ['payback_20260302.csv'])

            broadcast.mailing_id.state = 'sending'
            broadcast.mailing_id._action_send_mail()
            self.env['sms.sms']._process_queue()
            self.twilio.settle()
            self.env['sms.outbound.message']._cron_get_delivery_reports()
            messages = self.env['sms.outbound.message'].search([('mailing_id', '=', broadcast.mailing_id.id)],
                                                               order='id')
            self.assertEqual(messages.mapped('state'), ['delivered', 'failed'])
            # the cron makes the report of the day before, once the source's report time has come
            yesterday = datetime.now() - timedelta(days=1)
            messages.write({'sent_date': yesterday, 'done_date': yesterday})
            source.report_hour = 0
            self.env['sms.broadcast.delivery.report']._cron_make_reports()

            report = self.env['sms.broadcast.delivery.report'].search([('source_id', '=', source.id)])
            self.assertEqual(server.files('outbound'), [report.file_name])
            lines = server.read('outbound/' + report.file_name).decode().splitlines()
            self.assertEqual(lines[0], 'Sender,Recipient,Tracking ID,Campaign Name,Time Stamp,Delivery Status,'
                                       'Payback Member ID')
            self.assertEqual([line.split(',')[1:4] + line.split(',')[5:] for line in lines[1:]], [
                ['525512340001', str(messages[0].id), 'testDate', 'DELIVRD', '581111'],
                ['525512340007', str(messages[1].id), 'testDate', 'UNDELIV', '582222'],
            ])
            self.assertTrue(report.pushed_date)
            self.env['sms.broadcast.delivery.report']._cron_make_reports()
            self.assertEqual(len(report.search([('source_id', '=', source.id)])), 1, 'once a day')

    def test_malformed_and_growing_files_on_ftp(self):
        with FtpServer() as server:
            source = self.source('ftp', server)
            server.put('inbound/bad.csv', b'name,message\nAnn,Hi\n')
            server.put('inbound/growing.csv', b'phone,message\n5512340001,Hi\n')
            self.env['sms.broadcast.source']._cron_poll()
            server.put('inbound/growing.csv', b'phone,message\n5512340001,Hi\n5512340002,Hi\n')
            self.env['sms.broadcast.source']._cron_poll()

            rejected = source.broadcast_ids
            self.assertEqual((rejected.file_name, rejected.status, rejected.mailing_id.id), ('bad.csv', 'failed', False))
            self.assertEqual(server.files('error'), ['bad.csv', 'bad.errors.csv'])
            self.assertIn(b'No column holds the phone numbers', server.read('error/bad.errors.csv'))
            self.assertEqual(server.files('inbound'), ['growing.csv'], 'still being uploaded')

            source._poll()
            self.assertEqual(source.broadcast_ids.filtered('mailing_id').valid_count, 2)
            self.assertEqual(server.files('archive'), ['growing.csv'])

    def test_ftp_server_without_mlsd(self):
        with FtpServer(mlsd=False) as server:
            source = self.source('ftp', server)
            server.put('inbound/a.csv', b'phone,message\n5512340001,Hi\n')
            (server.root / 'inbound' / 'old').mkdir()
            self.assertIn('1 files: a.csv', source.action_test_connection()['params']['message'])
            source._poll()
            source._poll()
            self.assertEqual(server.files('archive'), ['a.csv'])

    def test_file_imported_before_its_move_failed_is_only_moved(self):
        """A poller that committed an import and died before moving the file: the next one moves it."""
        with FtpServer() as server:
            source = self.source('ftp', server)
            content = b'phone,message\n5512340001,Hi\n'
            server.put('inbound/a.csv', content)
            broadcast, imported = source._import_file('a.csv', content)
            self.assertTrue(imported)
            source._poll()
            source._poll()
            self.assertEqual(source.broadcast_ids, broadcast)
            self.assertEqual(server.files('archive'), ['a.csv'])

    def test_ftps_checks_the_server_certificate(self):
        with FtpServer(tls=True) as server:
            source = self.source('ftps', server)
            server.put('inbound/a.csv', b'phone,message\n5512340001,Hi\n')
            source._poll()
            self.assertIn('certificate verify failed', source.poll_error)
            with self.assertRaisesRegex(UserError, 'certificate verify failed'):
                source.action_test_connection()

            source.certificate = server.certificate
            self.assertIn('a.csv', source.action_test_connection()['params']['message'])
            source._poll()
            source._poll()
            self.assertFalse(source.poll_error)
            self.assertEqual(source.broadcast_ids.valid_count, 1)
            self.assertEqual(server.files('archive'), ['a.csv'])

    def test_sftp_needs_the_pinned_host_key(self):
        with SftpServer() as server:
            source = self.source('sftp', server)
            server.put('inbound/a.csv', b'phone,message\n5512340001,Hi\n')
            with self.assertRaisesRegex(UserError, 'It offered %s' % server.ecdsa_host_key.replace('+', r'\+')):
                source.action_test_connection()
            other_rsa_key = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQOtherServer'
            source.host_key = other_rsa_key
            source._poll()
            self.assertIn('did not show the pinned host key. It offered %s' % server.host_key, source.poll_error,
                          'a server with several keys is asked for one of the pinned type')
            self.assertFalse(source.broadcast_ids)

            source.host_key = '127.0.0.1 %s comment' % server.host_key  # a known_hosts line
            self.assertIn('a.csv', source.action_test_connection()['params']['message'])
            source._poll()
            source._poll()
            self.assertFalse(source.poll_error)
            self.assertEqual(source.broadcast_ids.valid_count, 1)
            self.assertEqual(server.files('archive'), ['a.csv'])
            self.env['sms.broadcast.delivery.report']._make(source, date.today())
            self.assertEqual(server.files('outbound'), ['delivery_report_%s.csv' % date.today()])
