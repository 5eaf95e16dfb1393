{
    'name': 'SMS Gateway Bridge',
    'summary': 'Send every Odoo SMS through your own Twilio or Infobip account, with delivery reports and STOP replies',
    'version': '19.0.1.0.0',
    'category': 'Marketing/SMS Marketing',
    'author': 'SMS Suite',
    'website': 'https://github.com/sms-suite/odoo-sms-suite',
    'license': 'LGPL-3',
    'depends': [
        'sms',
        'phone_validation',
    ],
    'external_dependencies': {
        'python': ['twilio', 'requests', 'phonenumbers'],
    },
    'data': [
        'security/ir.model.access.csv',
        'security/sms_gateway_bridge_security.xml',
        'security/sms_gateway_tenant_security.xml',
        'data/ir_cron_data.xml',
        'views/sms_gateway_bridge_views.xml',
        'views/sms_outbound_message_views.xml',
        'views/sms_gateway_bridge_menus.xml',
        'views/sms_gateway_tenant_views.xml',
        'views/res_config_settings_views.xml',
        'views/phone_blacklist_views.xml',
        'views/sms_composer_views.xml',
    ],
    'demo': [
        'demo/sms_gateway_bridge_demo.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'sms_gateway_bridge/static/src/**/*',
        ],
        'web.assets_tests': [
            'sms_gateway_bridge/static/tests/tours/**/*',
        ],
    },
    'installable': True,
}
