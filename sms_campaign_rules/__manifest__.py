{
    'name': 'SMS Campaign Rules',
    'summary': 'Direct, scheduled and event-triggered SMS campaigns driven by business rules',
    'version': '19.0.1.0.0',
    'category': 'Marketing/SMS Marketing',
    'author': 'SMS Suite',
    'website': 'https://github.com/sms-suite/odoo-sms-suite',
    'license': 'LGPL-3',
    'depends': [
        'mass_sms',
        'base_automation',
    ],
    'data': [
        'security/sms_campaign_rules_security.xml',
        'security/ir.model.access.csv',
        'data/ir_cron_data.xml',
        'data/sms_campaign_rule_data.xml',
        'views/sms_campaign_message_views.xml',
        'views/sms_campaign_views.xml',
        'views/sms_campaign_rule_views.xml',
        'views/sms_outbound_message_views.xml',
        'views/sms_campaign_rules_menus.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'sms_campaign_rules/static/src/**/*',
        ],
        'web.assets_tests': [
            'sms_campaign_rules/static/tests/tours/**/*',
        ],
    },
    'application': False,
    'installable': True,
}
