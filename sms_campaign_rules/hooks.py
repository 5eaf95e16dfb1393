def post_init_hook(env):
    env['sms.campaign.rule']._load_ready_made_rules()
