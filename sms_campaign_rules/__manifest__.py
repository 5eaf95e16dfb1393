{
    'name': 'SMS Campaign Rules',
    'summary': 'Direct, scheduled and event-triggered SMS campaigns driven by business rules',
    'version': '19.0.1.0.0',
    'category': 'Marketing/SMS Marketing',
    'author': 'SMS Suite',
    'website': 'https://github.com/sms-suite/odoo-sms-suite',
    'license': 'LGPL-3',
    'depends': [
        'sms_gateway_bridge',
        'base_automation',
    ],
    'installable': True,
}
