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
    'installable': True,
}
