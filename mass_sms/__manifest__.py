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
    'external_dependencies': {'python': ['gsm0338']},
    'data': [
        'security/ir.model.access.csv',
        'views/sms_outbound_message_views.xml',
        'views/mailing_mailing_views.xml',
        'views/mailing_sms_test_views.xml',
        'views/mailing_contact_views.xml',
        'views/sms_consent_entry_views.xml',
        'views/sms_gateway_bridge_views.xml',
        'views/sms_optout_templates.xml',
        'views/mass_sms_report_views.xml',
        'views/res_config_settings_views.xml',
        'views/mass_sms_menus.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'mass_sms/static/src/**/*',
        ],
        'web.assets_tests': [
            'mass_sms/static/tests/tours/**/*',
        ],
    },
    'uninstall_hook': 'uninstall_hook',
    'application': True,
    'installable': True,
}
