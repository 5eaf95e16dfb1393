from odoo import api, models


class LinkTracker(models.Model):
    _inherit = 'link.tracker'

    @api.model
    def search_or_create(self, vals_list):
        """In a batch of a mailing's preparation, each link of the SMS is looked up once, not once per
        recipient: the batch gives a dictionary to keep them in (context key mass_sms_link_trackers)."""
        trackers = self.env.context.get('mass_sms_link_trackers')
        if trackers is None or not isinstance(vals_list, list) or len(vals_list) != 1:
            return super().search_or_create(vals_list)
        key = tuple(sorted(vals_list[0].items()))
        if key not in trackers:
            trackers[key] = super().search_or_create(vals_list)
        return trackers[key]
