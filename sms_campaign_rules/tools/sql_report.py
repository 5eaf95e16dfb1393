"""Read-only SQL reports: an administrator's parameterised SELECT that lists SMS recipients.

The query names its parameters as psycopg placeholders, ``%(name)s``; their values are always
bound by the database driver, never formatted into the text. It runs inside a savepoint made
read-only, with a statement timeout, and must return a ``phone`` column.
"""
import re

PLACEHOLDER_RE = re.compile(r'%\((\w+)\)s')
FIRST_WORD_RE = re.compile(r'^\s*(\w+)')
STATEMENT_TIMEOUT_MS = 10000
PHONE_COLUMN = 'phone'


class SqlReportError(ValueError):
    pass


def placeholders(query):
    return list(dict.fromkeys(PLACEHOLDER_RE.findall(query or '')))


def check_query(query):
    """Raise SqlReportError unless ``query`` is a single parameterised SELECT."""
    first_word = FIRST_WORD_RE.match(query or '')
    if not first_word or first_word.group(1).lower() not in ('select', 'with'):
        raise SqlReportError("only a SELECT statement is allowed")
    if ';' in query.strip().rstrip(';'):
        raise SqlReportError("only one statement is allowed")
    if not placeholders(query):
        raise SqlReportError("the statement has no parameter: name each value it depends on as %(name)s")
    if re.search(r'%(?!\(\w+\)s)', query.replace('%%', '')):
        raise SqlReportError("use %(name)s placeholders only, and %% for a literal percent sign")


def run(cr, query, params, limit=None, timeout_ms=STATEMENT_TIMEOUT_MS):
    """Rows of ``query`` as dicts, and its column names. Nothing it does can write or last longer
    than ``timeout_ms``: the savepoint is read-only and rolled back whatever happens."""
    wrapped = "SELECT * FROM (%s) AS report" % _statement(query, params)
    if limit is not None:
        wrapped += " LIMIT %d" % limit
    rows, columns = _execute(cr, wrapped, params, timeout_ms)
    if PHONE_COLUMN not in columns:
        raise SqlReportError("the statement must return a column named \"phone\"")
    return rows, columns


def run_batch(cr, query, params, after, size, timeout_ms=STATEMENT_TIMEOUT_MS):
    """The rows of ``query`` whose phone is among the ``size`` next phones after ``after`` (in
    text order; "" to start), and the last of those phones, or None when no phone is left after
    them: a report of any size is read batch by batch, each row in exactly one batch."""
    statement = _statement(query, params)
    phones, __ = _execute(cr, """SELECT array_agg(phone ORDER BY phone) AS phones FROM (
                                     SELECT DISTINCT phone::text AS phone FROM (%s) AS report
                                      WHERE phone::text > %%(sms_report_after)s ORDER BY 1 LIMIT %d) AS batch""" % (
        statement, size), {**params, 'sms_report_after': after}, timeout_ms)
    batch = phones[0]['phones']
    if not batch:
        return [], None
    rows, __ = _execute(cr, "SELECT * FROM (%s) AS report WHERE phone::text = ANY(%%(sms_report_phones)s)" % statement,
                        {**params, 'sms_report_phones': batch}, timeout_ms)
    return rows, batch[-1] if len(batch) == size else None


def count(cr, query, params, timeout_ms=STATEMENT_TIMEOUT_MS):
    """How many rows of ``query`` have a phone."""
    rows, __ = _execute(cr, "SELECT count(*) AS count FROM (%s) AS report WHERE phone IS NOT NULL" % _statement(
        query, params), params, timeout_ms)
    return rows[0]['count']


def _statement(query, params):
    """The administrator's text, checked, to be wrapped; never a value: values are bound by the driver."""
    check_query(query)
    missing = set(placeholders(query)) - set(params)
    if missing:
        raise SqlReportError("no value for the parameters %s" % ', '.join(sorted(missing)))
    return query.strip().rstrip(';')


def _execute(cr, statement, params, timeout_ms):
    cr.execute("SAVEPOINT sms_sql_report")
    try:
        cr.execute("SET LOCAL transaction_read_only = on")
        cr.execute("SET LOCAL statement_timeout = %s", (timeout_ms,))
        cr.execute(statement, params)
        columns = [column.name for column in cr.description]
        rows = [dict(zip(columns, row)) for row in cr.fetchall()]
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT sms_sql_report")
        cr.execute("RELEASE SAVEPOINT sms_sql_report")
    return rows, columns
