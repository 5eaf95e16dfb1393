from . import sms_campaign_api
