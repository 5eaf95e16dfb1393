from odoo import models
from odoo.tools import SQL
from odoo.addons.sms.tools.sms_tools import sms_content_to_rendered_html

from ..tools.time_ordered_uuid import time_ordered_uuid


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
        recipients = self._sms_batch_recipients(records)
        failures = self._sms_batch_failures(records, recipients)
        to_send = records.filtered(lambda record: record.id not in failures)
        bodies = self._sms_batch_bodies(to_send)
        Trace = self.env['mailing.trace']
        codes = {record.id: Trace._get_random_code() for record in records}
        if self.sms_allow_unsubscribe:
            with_optout = self._sms_with_optout({codes[res_id]: body for res_id, body in bodies.items()})
            bodies = {res_id: with_optout[codes[res_id]] for res_id in bodies}
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
        self._sms_batch_create_traces(records._name, [
            self._sms_batch_trace_row(record, recipients[record.id], codes[record.id],
                                      sms_by_res_id.get(record.id), failures.get(record.id))
            for record in records])
        sms_all.invalidate_recordset(['mailing_trace_ids'])  # linked by the traces' sms_id_int
        if self.sms_force_send:
            sms_all.send(raise_exception=False)
        return sms_all

    def _sms_batch_recipients(self, records):
        """``{res_id: {'partner', 'sanitized', 'number'}}`` as ``_sms_get_recipients_info()`` gives it,
        taking the number phone-aware models keep formatted (``phone_sanitized``) rather than formatting
        every number again; a record without one of its own is looked up as Odoo does (its customer's)."""
        sanitized_field = records._fields.get('phone_sanitized')
        if not (sanitized_field and sanitized_field.store):
            return records._sms_get_recipients_info()
        with_number = records.filtered('phone_sanitized')
        partners = with_number._mail_get_partners()
        recipients = {
            record.id: {'partner': partners[record.id][:1], 'sanitized': record.phone_sanitized,
                        'number': record.phone_sanitized}
            for record in with_number
        }
        recipients.update((records - with_number)._sms_get_recipients_info())
        return recipients

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
            'uuid': time_ordered_uuid(),
            'mailing_id': self.id,
            'gateway_bridge_id': self.sms_gateway_bridge_id.id,
        }

    def _sms_batch_trace_row(self, record, recipient, code, sms, failure_type):
        """(res_id, code, number, SMS id, status, failure type, tracker uuid) of a recipient's
        trace: its SMS's uuid tracks it; a recipient without an SMS gets a uuid of its own, as
        Odoo's composer gives it."""
        number = recipient['sanitized'] or recipient['number'] or None
        if sms:
            return record.id, code, number, sms.id, 'outgoing', None, sms.uuid
        return record.id, code, number, None, 'cancel', failure_type, time_ordered_uuid()

    def _sms_batch_create_traces(self, model, rows):
        """Create a trace and its sms.tracker for each row of ``_sms_batch_trace_row`` in one
        statement, writing what the ORM would (the mailing's campaign too): they are statistics
        rows that nothing acts on at creation, and creating thousands through the ORM would take
        half of a batch's time."""
        res_ids, codes, numbers, sms_ids, statuses, failure_types, uuids = map(list, zip(*rows))
        self.env.cr.execute(SQL("""
            WITH recipient AS (
                SELECT * FROM unnest(%(res_ids)s::int[], %(codes)s::varchar[], %(numbers)s::varchar[],
                                     %(sms_ids)s::int[], %(statuses)s::varchar[], %(failures)s::varchar[],
                                     %(uuids)s::varchar[])
                           AS recipient(res_id, code, number, sms_id, status, failure_type, uuid)
            ), trace AS (
                INSERT INTO mailing_trace (mass_mailing_id, campaign_id, model, trace_type, sms_prepared_in_batch,
                                           res_id, sms_code, sms_number, sms_id_int, trace_status, failure_type,
                                           create_uid, write_uid, create_date, write_date)
                SELECT %(mailing)s, %(campaign)s, %(model)s, 'sms', TRUE,
                       res_id, code, number, sms_id, status, failure_type, %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM recipient
             RETURNING id, sms_code
            )
            INSERT INTO sms_tracker (mailing_trace_id, sms_uuid, create_uid, write_uid, create_date, write_date)
            SELECT trace.id, recipient.uuid, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM trace JOIN recipient ON recipient.code = trace.sms_code
        """, mailing=self.id, campaign=self.campaign_id.id or None, model=model, uid=self.env.uid, now=self.env.cr.now(),
            res_ids=res_ids, codes=codes, numbers=numbers, sms_ids=sms_ids, statuses=statuses,
            failures=failure_types, uuids=uuids))
        self.invalidate_recordset(['mailing_trace_ids'])
