{
    'name': 'Mass SMS',
    'summary': 'SMS mailings, metrics and file broadcasts through your own Twilio or Infobip account',
    'version': '19.0.1.0.0',
    'category': 'Marketing/SMS Marketing',
    'sequence': 244,
    'author': 'SMS Suite',
    'website': 'https://github.com/sms-suite/odoo-sms-suite',
    'license': 'LGPL-3',
    'depends': [
        'mass_mailing_sms',
        'sms_gateway_bridge',
    ],
    'data': [
        'views/sms_outbound_message_views.xml',
        'views/mass_sms_menus.xml',
    ],
    'assets': {
        'web.assets_tests': [
            'mass_sms/static/tests/tours/**/*',
        ],
    },
    'uninstall_hook': 'uninstall_hook',
    'application': True,
    'installable': True,
}
