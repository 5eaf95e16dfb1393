"""The daily delivery report file of seed 003: a CSV with the seed's columns and formats.

    Sender,Recipient,Tracking ID,Campaign Name,Time Stamp,Delivery Status,Payback Member ID
    28776,5800000001,68822,testDate,2016-02-04 14:21:29.0,DELIVRD,581111

Delivery statuses are the SMPP delivery receipt words; every cell is neutralised against
spreadsheet formula injection. UTF-8 without a byte order mark, CRLF line ends (RFC 4180).
"""
import csv
import io
import re
from dataclasses import dataclass

HEADER = ('Sender', 'Recipient', 'Tracking ID', 'Campaign Name', 'Time Stamp', 'Delivery Status')
DEFAULT_MEMBER_ID_LABEL = 'Payback Member ID'
# cells a spreadsheet would read as a formula (OWASP CSV injection)
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')
INTERNATIONAL_NUMBER = re.compile(r'\+\d+')

DELIVERED, UNDELIVERABLE, EXPIRED, REJECTED, UNKNOWN, ACCEPTED = (
    'DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD', 'UNKNOWN', 'ACCEPTD')
# outbound message failure -> SMPP word
FAILURE_STATUS = {
    'number': UNDELIVERABLE, 'opt_out': REJECTED, 'expired': EXPIRED,
    'message': REJECTED, 'account': REJECTED, 'unavailable': UNDELIVERABLE,
}


@dataclass(frozen=True)
class ReportRow:
    sender: str
    recipient: str
    tracking_id: int
    campaign: str
    timestamp: object  # a datetime in the report's time zone
    status: str
    member_id: str


def delivery_status(state, failure):
    """The SMPP word for an outbound message in ``state`` (sms.outbound.message states)."""
    if state == 'delivered':
        return DELIVERED
    if state == 'failed':
        return FAILURE_STATUS.get(failure, UNDELIVERABLE)
    if state == 'no_report':
        return UNKNOWN
    return ACCEPTED


def format_timestamp(moment):
    """``yyyy-mm-dd hh24:mi:ss.f`` as in the seed: fractional seconds without trailing zeros, at least one digit."""
    fraction = ('%06d' % moment.microsecond).rstrip('0') or '0'
    return '%s.%s' % (moment.strftime('%Y-%m-%d %H:%M:%S'), fraction)


def bare_number(number):
    """An international number as the seed writes it, digits only: a leading + is no formula."""
    return number[1:] if number and INTERNATIONAL_NUMBER.fullmatch(number) else number or ''


def neutralise(value):
    """A cell a spreadsheet shows as text: a leading formula character is escaped with a quote."""
    value = '' if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_report(rows, member_id_label=DEFAULT_MEMBER_ID_LABEL):
    """The report file (bytes) of ``rows`` (ReportRow), in their order."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator='\r\n')
    writer.writerow([neutralise(label) for label in (*HEADER, member_id_label or DEFAULT_MEMBER_ID_LABEL)])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in (
            bare_number(row.sender), bare_number(row.recipient), row.tracking_id, row.campaign,
            format_timestamp(row.timestamp), row.status, row.member_id)])
    return output.getvalue().encode()
