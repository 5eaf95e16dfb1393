from collections import defaultdict
from datetime import timedelta, timezone
from operator import attrgetter

from odoo import fields, models

from ..tools.send_window import number_time_zones, time_zone

# Nothing leaves so close to the end of its send window that it could reach its recipient after
# it: a claim holds what a bridge sends in a few seconds, and workers that claim at once share the
# bridge's rate, so the last SMS of a claim may wait for other workers' turns and slow answers.
WINDOW_CLOSING_MARGIN = timedelta(minutes=1)


class SmsSms(models.Model):
    """The queue hands an SMS to a bridge only inside its recipient's send window and when the
    frequency cap lets it: at claim time, so that a backlog drained late still keeps them."""
    _inherit = 'sms.sms'

    failure_type = fields.Selection(selection_add=[('sms_frequency_cap', 'Frequency Cap: Recent Marketing SMS')])

    def _lock_queued(self):
        """The locked SMS that may leave now. Those outside their send window wait for its next
        opening (send_after), those the frequency cap skips are cancelled; when none is left,
        None: the queue commits that and looks for the next queued SMS."""
        locked = super()._lock_queued()
        if not locked:
            return locked
        now = fields.Datetime.now()
        waiting = locked._wait_for_send_window(now)
        capped = (locked - waiting)._cancel_frequency_capped(now)
        return (locked - waiting - capped) or None

    # send window ---------------------------------------------------------------------

    def _wait_for_send_window(self, now):
        """Make the SMS whose send window is closed (or closes within WINDOW_CLOSING_MARGIN)
        wait for its next opening; return them."""
        windows = self._send_windows()
        ruled = self.filtered(lambda sms: windows[sms] and not windows[sms].always_open)
        zones = ruled._recipient_time_zones()
        due_by_rule = {}  # many SMS share a window and time zones
        ids_by_due = defaultdict(list)
        for sms in ruled:
            rule = (windows[sms], zones[sms])
            if rule not in due_by_rule:
                due_by_rule[rule] = rule[0].next_opening(now, rule[1], WINDOW_CLOSING_MARGIN)
            if due_by_rule[rule] > now:
                ids_by_due[due_by_rule[rule]].append(sms.id)
        for due, ids in ids_by_due.items():
            held = self.browse(ids)
            paced = held.filtered(lambda sms: sms.mailing_id.sms_max_per_minute)
            (held - paced).write({'send_after': due})
            for mailing, mailing_sms in paced.grouped('mailing_id').items():
                mailing._sms_hold_at_rate(mailing_sms, due)
        return self.browse(sms_id for ids in ids_by_due.values() for sms_id in ids)

    def _send_windows(self):
        """``{sms: SendWindow}``, None for the SMS that may leave any time: a mailing's SMS
        follow its window, the others their company's when it applies to all SMS."""
        windows = {}
        for (mailing, company), sms_group in self.grouped(lambda sms: (sms.mailing_id, sms.company_id)).items():
            company = company or self.env.company
            if mailing:
                window = mailing._sms_window_of(company)
            else:
                window = company._sms_send_window() if company.sms_window_transactional else None
            windows.update(dict.fromkeys(sms_group, window))
        return windows

    def _recipient_time_zones(self):
        """``{sms: (ZoneInfo, ...)}``: the recipient's time zone (the SMS's partner's, else the
        mailing recipient's or its partner's), else the zones of the number's country or region,
        else the company's, else UTC."""
        own_names = self._recipient_time_zone_names()
        zones = {}
        for sms in self:
            own = time_zone(own_names.get(sms.id))
            zones[sms] = (own,) if own else number_time_zones(sms.number) or (
                time_zone(sms.company_id.partner_id.tz) or timezone.utc,)
        return zones

    def _recipient_time_zone_names(self):
        """``{sms id: tz name}`` of the recipients whose record knows their time zone: the SMS's
        partner, else the record the mailing sent it to (its own time zone or its partner's)."""
        names = {sms.id: sms.partner_id.tz for sms in self if sms.partner_id.tz}
        unknown = self.filtered(lambda sms: sms.id not in names and sms.mailing_id)
        sms_id_by_uuid = {sms.uuid: sms.id for sms in unknown}
        trackers = self.env['sms.tracker'].sudo().search(
            [('sms_uuid', 'in', list(sms_id_by_uuid)), ('mailing_trace_id', '!=', False)])
        for model, model_trackers in trackers.grouped(lambda tracker: tracker.mailing_trace_id.model).items():
            tz_by_id = self._record_time_zones(model, model_trackers.mailing_trace_id.mapped('res_id'))
            for tracker in model_trackers:
                if tz_by_id.get(tracker.mailing_trace_id.res_id):
                    names[sms_id_by_uuid[tracker.sms_uuid]] = tz_by_id[tracker.mailing_trace_id.res_id]
        return names

    def _record_time_zones(self, model, ids):
        """``{id: tz name}`` of the records of ``model`` with a time zone, or a partner with one."""
        if model not in self.env:
            return {}
        Model = self.env[model].sudo()
        if 'tz' in Model._fields:
            tz_of = attrgetter('tz')
        elif getattr(Model._fields.get('partner_id'), 'comodel_name', None) == 'res.partner':
            tz_of = attrgetter('partner_id.tz')
        else:
            return {}
        return {record.id: tz_of(record) for record in Model.browse(ids).exists()}

    # frequency cap -------------------------------------------------------------------

    def _cancel_frequency_capped(self, now):
        """Cancel the SMS of capped mailings to numbers that received an SMS of another mailing
        within the mailing's cap, or that get one in this claim (the first SMS of a number
        leaves); return them."""
        hours_by_mailing = {mailing: mailing.sms_frequency_cap_hours
                            for mailing in self.mailing_id if mailing.sms_frequency_cap}
        if not hours_by_mailing:
            return self.browse()
        marketing = self.filtered('mailing_id')
        received = defaultdict(list)  # number: [(mailing id, when)]
        for message in self.env['sms.outbound.message'].sudo().search_fetch([
                ('number', 'in', marketing.mapped('number')), ('origin', '=', 'mailing'), ('state', '!=', 'failed'),
                ('claim_date', '>=', now - timedelta(hours=max(hours_by_mailing.values())))],
                ['number', 'mailing_id', 'claim_date']):
            received[message.number].append((message.mailing_id.id, message.claim_date))
        capped_ids = []
        for sms in marketing:
            if sms.mailing_id in hours_by_mailing:
                since = now - timedelta(hours=hours_by_mailing[sms.mailing_id])
                if any(mailing_id != sms.mailing_id.id and when >= since for mailing_id, when in received[sms.number]):
                    capped_ids.append(sms.id)
                    continue
            received[sms.number].append((sms.mailing_id.id, now))
        capped = self.browse(capped_ids)
        capped._update_sms_state_and_trackers('canceled', failure_type='sms_frequency_cap')
        return capped
