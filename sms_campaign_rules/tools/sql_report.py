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
    check_query(query)
    missing = set(placeholders(query)) - set(params)
    if missing:
        raise SqlReportError("no value for the parameters %s" % ', '.join(sorted(missing)))
    # the administrator's text, never a value: values are bound by the driver
    wrapped = "SELECT * FROM (%s) AS report" % query.strip().rstrip(';')
    if limit is not None:
        wrapped += " LIMIT %d" % limit
    cr.execute("SAVEPOINT sms_sql_report")
    try:
        cr.execute("SET LOCAL transaction_read_only = on")
        cr.execute("SET LOCAL statement_timeout = %s", (timeout_ms,))
        cr.execute(wrapped, params)
        columns = [column.name for column in cr.description]
        rows = [dict(zip(columns, row)) for row in cr.fetchall()]
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT sms_sql_report")
        cr.execute("RELEASE SAVEPOINT sms_sql_report")
    if PHONE_COLUMN not in columns:
        raise SqlReportError("the statement must return a column named \"phone\"")
    return rows, columns
