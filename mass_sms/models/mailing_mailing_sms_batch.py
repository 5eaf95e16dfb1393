from uuid import uuid4

from odoo import models
from odoo.tools import SQL
from odoo.addons.sms.tools.sms_tools import sms_content_to_rendered_html


class MailingMailing(models.Model):
    """The SMS of one batch of recipients, as Odoo's SMS composer prepares a mailing's, but made
    for thousands at a time: bodies rendered for the whole batch, each link looked up once,
    blacklist, opt-out and duplicate numbers found by set lookups over the batch's numbers, and
    the SMS, traces and trackers created in a few statements each (the log of each recipient's
    SMS only when the mailing keeps archives)."""
    _inherit = 'mailing.mailing'

    def _sms_create_batch(self, records):
        """Create the SMS and traces of ``records``: an outgoing SMS per recipient whose number is
        valid, not excluded and not already texted by this mailing; a cancelled trace with its
        failure type for every other one."""
        self.ensure_one()
        recipients = records._sms_get_recipients_info()
        failures = self._sms_batch_failures(records, recipients)
        to_send = records.filtered(lambda record: record.id not in failures)
        bodies = self._sms_batch_bodies(to_send)
        Trace = self.env['mailing.trace']
        codes = {record.id: Trace._get_random_code() for record in records}
        if self.sms_allow_unsubscribe:
            bodies = {res_id: self._sms_with_optout(body, Trace._sms_optout_url(codes[res_id]))
                      for res_id, body in bodies.items()}
        sms_values = [self._sms_batch_sms_values(record, recipients[record.id], bodies[record.id]) for record in to_send]
        if self.keep_archives and to_send and isinstance(to_send, self.pool['mail.thread']):
            messages = to_send._message_log_batch(
                bodies={res_id: sms_content_to_rendered_html(body) for res_id, body in bodies.items()},
                message_type='sms')
            for values, message in zip(sms_values, messages):
                values['mail_message_id'] = message.id
        self._sms_batch_spread(sms_values)
        sms_all = self.env['sms.sms'].sudo().create(sms_values)
        sms_all._sms_track_links()
        sms_by_res_id = dict(zip(to_send.ids, sms_all))
        traces = Trace.sudo().create([
            self._sms_batch_trace_values(record, recipients[record.id], codes[record.id],
                                         sms_by_res_id.get(record.id), failures.get(record.id))
            for record in records])
        sms_all.invalidate_recordset(['mailing_trace_ids'])  # linked by the traces' sms_id_int
        self.env['sms.tracker'].sudo().create([
            {'mailing_trace_id': trace.id, 'sms_uuid': uuid}
            for trace, uuid in zip(traces, self._sms_batch_uuids(records, sms_by_res_id))])
        if self.sms_force_send:
            sms_all.send(raise_exception=False)
        return sms_all

    def _sms_batch_failures(self, records, recipients):
        """``{res_id: failure type}`` of the recipients that get no SMS, with the precedence of
        Odoo's composer: blacklisted, opted out, duplicate number, invalid or missing number."""
        numbers = {info['sanitized'] for info in recipients.values() if info['sanitized']}
        blacklisted = self._sms_batch_blacklisted(numbers)
        opted_out = self._sms_batch_opted_out(records)
        # numbers earlier batches traced, including cancelled recipients' (as Odoo's composer counts them)
        seen = set(self.env['mailing.trace'].sudo().search_fetch(
            [('mass_mailing_id', '=', self.id), ('trace_type', '=', 'sms'), ('sms_number', 'in', list(numbers))],
            ['sms_number']).mapped('sms_number'))
        failures = {}
        for record in records:
            info = recipients[record.id]
            sanitized = info['sanitized']
            duplicate = sanitized in seen
            seen.add(sanitized)
            if not sanitized:
                failures[record.id] = 'sms_number_format' if info['number'] else 'sms_number_missing'
            elif sanitized in blacklisted:
                failures[record.id] = 'sms_blacklist'
            elif record.id in opted_out:
                failures[record.id] = 'sms_optout'
            elif duplicate:
                failures[record.id] = 'sms_duplicate'
        return failures

    def _sms_batch_blacklisted(self, numbers):
        """The blacklisted ones of ``numbers``, already in E.164: read directly, as searching the
        blacklist's number field would format each of them again."""
        if not self.use_exclusion_list or not numbers:
            return set()
        self.env['phone.blacklist'].flush_model(['number', 'active'])
        self.env.cr.execute(SQL("SELECT number FROM phone_blacklist WHERE active AND number = ANY(%s)", list(numbers)))
        return {number for number, in self.env.cr.fetchall()}

    def _sms_batch_opted_out(self, records):
        """A contact is opted out when it opted out of every list of the mailing it is on; other
        models have Odoo's opt-out list, if any."""
        lists = self.contact_list_ids
        if records._name != 'mailing.contact' or not lists:
            return set(self._get_opt_out_list_sms())
        groups = self.env['mailing.subscription'].sudo()._read_group(
            [('contact_id', 'in', records.ids), ('list_id', 'in', lists.ids)], ['contact_id'], ['opt_out:bool_and'])
        return {contact.id for contact, opted_out in groups if opted_out}

    def _sms_batch_bodies(self, records):
        """``{res_id: body}``: the text rendered for all ``records`` at once (in each recipient's
        language when it is the template's text, as Odoo's composer does), links shortened."""
        if not records:
            return {}
        template = self.sms_template_id
        if template and self.body_plaintext == template.body:
            bodies = template._render_field('body', records.ids, compute_lang=True)
        else:
            bodies = self.env['mail.render.mixin']._render_template(self.body_plaintext, records._name, records.ids)
        tracker_values = self._get_link_tracker_values()
        render = self.env['mail.render.mixin'].sudo().with_context(mass_sms_link_trackers={})
        return {res_id: render._shorten_links_text(body, tracker_values) for res_id, body in bodies.items()}

    def _sms_batch_sms_values(self, record, recipient, body):
        return {
            'body': body,
            'number': recipient['sanitized'],
            'partner_id': recipient['partner'].id,
            'state': 'outgoing',
            'uuid': uuid4().hex,
            'mailing_id': self.id,
            'gateway_bridge_id': self.sms_gateway_bridge_id.id,
        }

    def _sms_batch_trace_values(self, record, recipient, code, sms, failure_type):
        values = {
            'mass_mailing_id': self.id,
            'model': record._name,
            'res_id': record.id,
            'sms_code': code,
            'sms_number': recipient['sanitized'] or recipient['number'],
            'trace_type': 'sms',
            'sms_prepared_in_batch': True,
        }
        if sms:
            values['sms_id_int'] = sms.id
        else:
            values.update(trace_status='cancel', failure_type=failure_type)
        return values

    def _sms_batch_uuids(self, records, sms_by_res_id):
        """The tracker uuid of each recipient: its SMS's; a recipient without one gets its own, as
        Odoo's composer gives it."""
        for record in records:
            sms = sms_by_res_id.get(record.id)
            yield sms.uuid if sms else uuid4().hex
