"""Reading and validating a broadcast file: a CSV whose rows are the recipients of one SMS broadcast.

Plain Python: what a number is worth is asked of the ``normalise_phone`` callable that the caller
gives (Odoo's phone_validation). Nothing is created here; the caller gets the rows and every
problem as (line, column, reason), and a file with a fatal problem has no rows worth keeping.
The format is described in mass_sms/readme/USAGE.md.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from odoo.tools.translate import LazyTranslate

from .delivery_report_file import neutralise

_lt = LazyTranslate(__name__)

PHONE, MESSAGE, DATE, CAMPAIGN, MEMBER_ID = 'phone', 'message', 'date', 'campaign', 'member_id'
# What a header may call each known column, compared after _column_key(); the seed's names included
COLUMN_NAMES = {
    PHONE: ('phone', 'phone_number', 'mobile', 'mobile_number', 'recipient', 'msisdn', 'number'),
    MESSAGE: ('message', 'message_text', 'text', 'body', 'sms'),
    DATE: ('date', 'send_date', 'send_at', 'schedule_date', 'date_time', 'time_stamp', 'timestamp'),
    CAMPAIGN: ('campaign', 'campaign_name', 'broadcast', 'broadcast_name'),
    MEMBER_ID: ('member_id', 'payback_member_id', 'member', 'card_number', 'cardnumber', 'customer_id'),
}
KNOWN_COLUMNS = {name: column for column, names in COLUMN_NAMES.items() for name in names}
DELIMITERS = ',;\t'
# Without an offset, a date is in the file source's time zone
DATE_FORMATS = (
    '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d',
    '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y',
)
MAX_MESSAGE_LENGTH = 1600  # ten concatenated SMS of GSM-7 text
PLACEHOLDER = re.compile(r'\{\{\s*([^{}]+?)\s*\}\}')


@dataclass(frozen=True, slots=True)
class FileProblem:
    line: int  # 1 is the header; 0 the file as a whole
    column: str
    reason: object  # a lazy translation: str() it in the reader's language


@dataclass(frozen=True, slots=True)  # a file may have 200,000 rows
class Recipient:
    line: int
    phone: str  # normalised, E.164
    raw_phone: str  # as the file writes it: how the partner knows the recipient
    message: str
    member_id: str


@dataclass
class BroadcastFile:
    recipients: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    row_count: int = 0
    fatal: bool = False
    date: datetime = None  # naive UTC, None when the file gives none
    campaign: str = ''

    def reject(self, line, column, reason):
        self.problems.append(FileProblem(line, column, reason))
        self.fatal = True

    @property
    def invalid_count(self):
        return len({problem.line for problem in self.problems if problem.line > 1})


@dataclass(frozen=True)
class FileRules:
    normalise_phone: object  # callable(raw number) -> E.164 number or a falsy value
    template: str = ''  # message for files without a message column: {{ column }} placeholders
    tz: object = timezone.utc  # the tzinfo (zoneinfo) of dates without an offset
    skip_invalid_rows: bool = False
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 200000


def _column_key(name):
    return re.sub(r'[^0-9a-z]+', '_', name.strip().lower()).strip('_')


def decode(content):
    """Text of the file: UTF-8 with or without a byte order mark, else Latin-1 (which decodes anything)."""
    try:
        return content.decode('utf-8-sig')
    except UnicodeDecodeError:
        return content.decode('latin-1')


def sniff_delimiter(header_line):
    """The delimiter of the header line among , ; and tab: the one that splits it most."""
    return max(DELIMITERS, key=header_line.count)


def parse_date(value, tz):
    """``value`` as a naive UTC datetime; None if no known format reads it."""
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace('Z', '+00:00'))
    except ValueError:
        parsed = None
    for date_format in DATE_FORMATS if parsed is None else ():
        try:
            parsed = datetime.strptime(value, date_format)
            break
        except ValueError:
            continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(timezone.utc).replace(tzinfo=None)


def render_template(template, values):
    return PLACEHOLDER.sub(lambda match: values.get(_column_key(match.group(1)), ''), template)


def read_broadcast_file(content, rules):
    """Read ``content`` (bytes) by ``rules``: a BroadcastFile, fatal when nothing of it may be sent."""
    result = BroadcastFile()
    if len(content) > rules.max_bytes:
        result.reject(0, '', _lt("The file has %(size)s bytes; a broadcast file may have %(max)s at most.",
                                 size=len(content), max=rules.max_bytes))
        return result
    if b'\x00' in content:
        result.reject(0, '', _lt("This is not a text file: save it as CSV."))
        return result
    text = decode(content)
    header_line = text.split('\n', 1)[0]
    if not header_line.strip():
        result.reject(1, '', _lt("The file is empty or its first line is not a header row."))
        return result
    reader = csv.reader(io.StringIO(text, newline=''), delimiter=sniff_delimiter(header_line))
    header = next(reader)
    columns, keys = _read_header(header, rules, result)
    if result.fatal:
        return result
    dates, campaigns, seen_phones = {}, {}, {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        result.row_count += 1
        if result.row_count > rules.max_rows:
            result.reject(line, '', _lt("The file has more than %(max)s rows.", max=rules.max_rows))
            return result
        if len(row) != len(header):
            result.problems.append(FileProblem(line, '', _lt(
                "The row has %(cells)s cells; the header has %(columns)s.", cells=len(row), columns=len(header))))
            continue
        _collect(row, columns, DATE, line, dates)
        _collect(row, columns, CAMPAIGN, line, campaigns)
        recipient = _read_row(row, line, header, columns, keys, rules, result)
        if recipient:
            first_line = seen_phones.setdefault(recipient.phone, line)
            if first_line != line:
                result.problems.append(FileProblem(line, header[columns[PHONE]], _lt(
                    "The number %(number)s is already on line %(line)s.", number=recipient.raw_phone, line=first_line)))
            else:
                result.recipients.append(recipient)
    if not result.row_count:
        result.reject(0, '', _lt("The file has a header but no rows."))
    result.campaign = _single_value(campaigns, header, columns, CAMPAIGN, result) or ''
    date = _single_value(dates, header, columns, DATE, result)
    if date:
        result.date = parse_date(date, rules.tz)
        if result.date is None:
            result.reject(dates[date], header[columns[DATE]], _lt(
                "%(value)s is not a date: write it as 2026-03-01 14:30:00 or 01/03/2026 14:30.", value=date))
    if result.problems and not rules.skip_invalid_rows:
        result.fatal = True
    if not result.fatal and not result.recipients:
        result.reject(0, '', _lt("No row of the file can be sent."))
    return result


def write_problems(problems):
    """The error report of a file (bytes): a CSV of (line, column, reason); line 0 is the whole file."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator='\r\n')
    writer.writerow(('Line', 'Column', 'Reason'))
    writer.writerows([neutralise(cell) for cell in problem] for problem in problems)
    return output.getvalue().encode()


def _read_header(header, rules, result):
    """{known column: index} and {column key: index} of the header row: the keys name the values
    that the source's default message may use."""
    columns, seen = {}, {}
    for index, name in enumerate(header):
        key = _column_key(name)
        if not key:
            result.reject(1, name, _lt("Column %(index)s has no name.", index=index + 1))
        elif key in seen:
            result.reject(1, name, _lt("Two columns are named %(name)s.", name=name))
        seen[key] = index
        if key in KNOWN_COLUMNS and KNOWN_COLUMNS[key] not in columns:
            columns[KNOWN_COLUMNS[key]] = index
    if PHONE not in columns:
        result.reject(1, '', _lt("No column holds the phone numbers: name one %(names)s.",
                                 names=', '.join(COLUMN_NAMES[PHONE])))
    if MESSAGE not in columns:
        if not rules.template:
            result.reject(1, '', _lt("No column holds the message and the file source has no default message: "
                                     "add a Message column or a default message to the source."))
        for placeholder in PLACEHOLDER.findall(rules.template or ''):
            if _column_key(placeholder) not in seen:
                result.reject(1, placeholder, _lt(
                    "The source's default message uses {{ %(name)s }} but the file has no such column.",
                    name=placeholder))
    return columns, seen


def _collect(row, columns, column, line, found):
    """Remember the first line of each distinct value of ``column``."""
    if column in columns:
        value = row[columns[column]].strip()
        if value:
            found.setdefault(value, line)


def _single_value(found, header, columns, column, result):
    """A file is one broadcast: all its rows give the same value of ``column``, or none."""
    if len(found) > 1:
        (first, first_line), (other, line) = list(found.items())[:2]
        result.reject(line, header[columns[column]], _lt(
            "%(other)s differs from %(first)s on line %(first_line)s: a file is one broadcast, give every row "
            "the same value or leave it empty.", other=other, first=first, first_line=first_line))
        return None
    return next(iter(found), None)


def _read_row(row, line, header, columns, keys, rules, result):
    raw_phone = row[columns[PHONE]].strip()
    if not raw_phone:
        result.problems.append(FileProblem(line, header[columns[PHONE]], _lt("The phone number is empty.")))
        return None
    phone = rules.normalise_phone(raw_phone)
    if not phone:
        result.problems.append(FileProblem(line, header[columns[PHONE]], _lt(
            "%(number)s is not a valid phone number.", number=raw_phone)))
        return None
    if MESSAGE in columns:
        message, message_column = row[columns[MESSAGE]].strip(), header[columns[MESSAGE]]
    else:
        values = {key: row[index].strip() for key, index in keys.items()}
        message, message_column = render_template(rules.template, values).strip(), ''
    if not message:
        result.problems.append(FileProblem(line, message_column, _lt("The message is empty.")))
        return None
    if len(message) > MAX_MESSAGE_LENGTH:
        result.problems.append(FileProblem(line, message_column, _lt(
            "The message has %(length)s characters; %(max)s at most.", length=len(message), max=MAX_MESSAGE_LENGTH)))
        return None
    member_id = row[columns[MEMBER_ID]].strip() if MEMBER_ID in columns else ''
    return Recipient(line, phone, raw_phone, message, member_id)
