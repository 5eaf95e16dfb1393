from odoo import fields, models


class SmsComposer(models.TransientModel):
    _inherit = 'sms.composer'

    mass_batch_preparation = fields.Boolean(
        help="One batch of a mailing prepared in batches: blacklist, opt-out and duplicate numbers are "
             "looked up for the batch's recipients only, including the SMS earlier batches prepared.")

    def _get_unsubscribe_url(self, mailing_id, trace_code):
        return self.env['mailing.trace']._sms_optout_url(trace_code)

    def _prepare_mass_sms_values(self, records):
        result = super()._prepare_mass_sms_values(records)
        if self._is_mass_sms() and self.mailing_id.sms_gateway_bridge_id:
            for sms_values in result.values():
                sms_values['gateway_bridge_id'] = self.mailing_id.sms_gateway_bridge_id.id
        return result

    def _prepare_mass_sms_trace_values(self, record, sms_values):
        trace_values = super()._prepare_mass_sms_trace_values(record, sms_values)
        if self.mass_batch_preparation:
            trace_values['sms_prepared_in_batch'] = True
        return trace_values

    def _prepare_body_values(self, records):
        if not self.mass_batch_preparation:
            return super()._prepare_body_values(records)
        return super(SmsComposer, self.with_context(mass_sms_link_trackers={}))._prepare_body_values(records)

    def _get_blacklist_record_ids(self, records, recipients_info):
        if not (self.mass_batch_preparation and self.use_exclusion_list):
            return super()._get_blacklist_record_ids(records, recipients_info)
        numbers = {info['sanitized'] for info in recipients_info.values() if info['sanitized']}
        blacklisted = set(self.env['phone.blacklist'].sudo().search([('number', 'in', list(numbers))]).mapped('number'))
        return [record.id for record in records if recipients_info[record.id]['sanitized'] in blacklisted]

    def _get_optout_record_ids(self, records, recipients_info):
        """A contact is opted out when it opted out of every list of the mailing it is on."""
        lists = self.mailing_id.contact_list_ids
        if not (self.mass_batch_preparation and records._name == 'mailing.contact' and lists):
            return super()._get_optout_record_ids(records, recipients_info)
        groups = self.env['mailing.subscription'].sudo()._read_group(
            [('contact_id', 'in', records.ids), ('list_id', 'in', lists.ids)], ['contact_id'], ['opt_out:bool_and'])
        return [contact.id for contact, opted_out in groups if opted_out]

    def _get_done_record_ids(self, records, recipients_info):
        """A number this mailing already has a trace for, in this batch or an earlier one, is a duplicate.
        Recipients with a trace are left out of the batch before."""
        if not self.mass_batch_preparation:
            return super()._get_done_record_ids(records, recipients_info)
        numbers = {info['sanitized'] for info in recipients_info.values() if info['sanitized']}
        seen = set(self.env['mailing.trace'].sudo().search(
            [('mass_mailing_id', '=', self.mailing_id.id), ('trace_type', '=', 'sms'),
             ('sms_number', 'in', list(numbers))]).mapped('sms_number'))
        done_ids = []
        for record in records:
            sanitized = recipients_info[record.id]['sanitized']
            if sanitized in seen:
                done_ids.append(record.id)
            elif sanitized:
                seen.add(sanitized)
        return done_ids
