def uninstall_hook(env):
    """Give Odoo's SMS Marketing app back the menus, the reporting and the place in Apps that
    Mass SMS took over."""
    odoo_root = env.ref('mass_mailing_sms.mass_mailing_sms_menu_root')
    env.ref('mass_sms.mass_sms_menu_root').child_id.parent_id = odoo_root
    odoo_root.active = True
    env.ref('mass_mailing_sms.mass_mailing_sms_menu_reporting').action = env.ref(
        'mass_mailing_sms.mailing_trace_report_action_sms')
    env.ref('base.module_mass_mailing_sms').application = True
