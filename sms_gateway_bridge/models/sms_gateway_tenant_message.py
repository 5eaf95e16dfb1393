import uuid
from datetime import timedelta

from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError
from odoo.tools import mute_logger

from ..tools import message_gateway as gateway
from .sms_outbound_message import RETENTION_DAYS


class SmsGatewayTenantMessage(models.Model):
    """A message a tenant posted to POST /sms, under its internal id: sent once however often it
    is posted, and found again by the delivery report endpoint."""
    _name = 'sms.gateway.tenant.message'
    _description = 'Message Gateway Message'
    _order = 'id desc'
    _rec_name = 'internal_id'

    tenant_id = fields.Many2one('sms.gateway.tenant', required=True, readonly=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='tenant_id.company_id', store=True)
    internal_id = fields.Char('Internal ID', required=True, readonly=True, help="The tenant's id of the message.")
    mobile_number = fields.Char(required=True, readonly=True, help="The number as the tenant posted it.")
    number = fields.Char('Sent To', readonly=True, help="The number in E.164 form, when it is valid.")
    bridge_id = fields.Many2one('sms.gateway.bridge', 'Bridge', readonly=True, ondelete='set null',
                                help="The bridge the tenant chose (providerId); empty, the company's bridges route it.")
    sms_uuid = fields.Char('SMS UUID', readonly=True, index='btree_not_null')
    error_message = fields.Char(readonly=True, help="Why the message was refused before it was queued.")

    _internal_id_unique = models.Constraint('unique(tenant_id, internal_id)', "A tenant's internal ids are unique.")

    @api.model
    def _queue_messages(self, tenant, messages):
        """Queue ``messages`` (see tools.message_gateway.parse_messages) for ``tenant``; internal ids
        it posted before are skipped. Refused messages are recorded as failed, never dropped."""
        known = set(self.search([('tenant_id', '=', tenant.id),
                                 ('internal_id', 'in', [message[0] for message in messages])]).mapped('internal_id'))
        bridges = tenant.bridge_ids.filtered('active')
        company_phone_code = tenant.company_id.country_id.phone_code
        default_country_code = bridges[:1].country_code or (company_phone_code and '+%s' % company_phone_code)
        values_list, sms_values_list = [], []
        for internal_id, mobile_number, text, provider_id in messages:
            if internal_id in known:
                continue
            values = {'tenant_id': tenant.id, 'internal_id': internal_id, 'mobile_number': mobile_number or '-'}
            bridge_id = gateway.provider_id_of(provider_id)
            bridge = bridges.filtered(lambda b: b.id == bridge_id) if bridge_id else bridges.browse()
            if bridge_id is not None and not bridge:
                values['error_message'] = self.env._("SMSBridge with identifier %s does not exist", provider_id)
            else:
                try:
                    values['number'] = gateway.e164(mobile_number, bridge.country_code or default_country_code)
                except ValueError as error:
                    values['error_message'] = self.env._("Invalid number: %s", error)
            if 'number' in values:
                values.update(bridge_id=bridge.id, sms_uuid=uuid.uuid4().hex)
                sms_values_list.append({
                    'uuid': values['sms_uuid'], 'number': values['number'], 'body': text,
                    'company_id': tenant.company_id.id, 'gateway_bridge_id': bridge.id, 'state': 'outgoing',
                })
            values_list.append(values)
        records = self._record_once(values_list)
        self.env['sms.sms'].sudo().create(sms_values_list)
        if sms_values_list:
            self.env['sms.sms']._wake_queue()
        return records

    @api.model
    def _record_once(self, values_list):
        """Create the messages, or have the whole request retried when a concurrent request of the
        tenant recorded one of them first: the retry sees it and skips it, so it is sent once."""
        try:
            # the clash is expected, and answered by a retry: not an error to log with its query
            with mute_logger('odoo.sql_db'), self.env.cr.savepoint():
                records = self.create(values_list)
                records.flush_recordset()
        except UniqueViolation as error:
            if error.diag.table_name != self._table:
                raise
            raise ConcurrencyError("Message gateway: internal ids posted twice at once") from error
        return records

    @api.model
    def _delivery_statuses(self, tenant, internal_ids):
        """DeliveryStatusData of the tenant's messages among ``internal_ids``, from the committed
        outbound log that the bridges' state machine keeps."""
        messages = self.search([('tenant_id', '=', tenant.id), ('internal_id', 'in', list(internal_ids))])
        uuids = [uuid for uuid in messages.mapped('sms_uuid') if uuid]
        outbound = self.env['sms.outbound.message'].sudo().search([('sms_uuid', 'in', uuids)]).grouped('sms_uuid')
        unsent = self.env['sms.sms'].sudo().search([('uuid', 'in', list(set(uuids) - set(outbound)))]).grouped('uuid')
        return [gateway.delivery_status_data(message._status_values(outbound.get(message.sms_uuid),
                                                                    unsent.get(message.sms_uuid)))
                for message in messages]

    def _status_values(self, outbound, sms):
        values = {'internal_id': self.internal_id, 'tenant_id': self.tenant_id.id, 'external_id': None,
                  'delivered_on': None, 'bridge_id': self.bridge_id.id, 'error_message': self.error_message,
                  'status': gateway.FAILED if self.error_message else gateway.PENDING}
        if outbound:
            values.update(
                status=gateway.OUTBOUND_STATUS[outbound.state], external_id=outbound.provider_message_id,
                bridge_id=outbound.bridge_id.id, error_message=outbound.error_message,
                delivered_on=outbound.done_date if outbound.state == 'delivered' else None)
        elif sms and sms.state == 'error':  # refused before any bridge took it (no bridge serves it)
            values.update(status=gateway.FAILED, error_message=dict(
                sms._fields['failure_type']._description_selection(self.env)).get(sms.failure_type))
        return values

    @api.autovacuum
    def _gc_tenant_messages(self):
        """Forget messages as long after as the outbound log forgets its own."""
        days = int(self.env['ir.config_parameter'].sudo().get_param(
            'sms_gateway_bridge.outbound_retention_days', RETENTION_DAYS))
        if days > 0:
            self.sudo().search([('create_date', '<', fields.Datetime.now() - timedelta(days=days))]).unlink()
