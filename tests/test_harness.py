"""The harness is real: the addons are installed in a real database and build as wheels."""
import subprocess
import sys
import zipfile
from pathlib import Path

from odoo.tests import TransactionCase, tagged

REPOSITORY = Path(__file__).resolve().parents[1]
ADDONS = ('sms_gateway_bridge', 'mass_sms', 'sms_campaign_rules')


@tagged('post_install', '-at_install')
class TestAddonsInstalled(TransactionCase):

    def test_addons_installed_with_manifest_data(self):
        modules = self.env['ir.module.module'].search([('name', 'in', ADDONS)])
        self.assertEqual(sorted(modules.mapped('name')), sorted(ADDONS))
        for module in modules:
            self.assertEqual(module.state, 'installed', module.name)
            self.assertEqual(module.latest_version, '19.0.1.0.0', module.name)
            self.assertEqual(module.license, 'LGPL-3', module.name)
            self.assertTrue(module.summary and module.website and module.author, module.name)
        self.assertTrue(modules.filtered(lambda m: m.name == 'mass_sms').application)

    def test_apps_menu_shows_icon_and_description(self):
        for module in self.env['ir.module.module'].search([('name', 'in', ADDONS)]):
            self.assertEqual(module.icon, '/%s/static/description/icon.png' % module.name)
            self.assertTrue(module.icon_image, module.name)
            self.assertIn('<section', module.description_html, module.name)


def test_addons_build_as_whool_wheels(tmp_path):
    for addon in ADDONS:
        subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps', '--no-build-isolation',
                        '--wheel-dir', str(tmp_path), str(REPOSITORY / addon)], check=True)
    metadata = {}
    for wheel in tmp_path.glob('*.whl'):
        with zipfile.ZipFile(wheel) as archive:
            addon = wheel.name.split('-')[0].removeprefix('odoo_addon_')
            assert 'odoo/addons/%s/__manifest__.py' % addon in archive.namelist()
            metadata[addon] = next(archive.read(name).decode() for name in archive.namelist()
                                   if name.endswith('.dist-info/METADATA'))
    assert sorted(metadata) == sorted(ADDONS)
    for addon, text in metadata.items():
        assert 'Name: odoo-addon-%s\n' % addon in text
        assert 'Version: 19.0.1.0.0' in text  # whool may append a post-release to it
        assert 'Requires-Dist: odoo==19.0.*' in text
    assert 'Requires-Dist: twilio' in metadata['sms_gateway_bridge']
    assert 'Requires-Dist: odoo-addon-sms_gateway_bridge' in metadata['mass_sms']
