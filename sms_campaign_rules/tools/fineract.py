"""Fineract's conventions in its REST API: Java date patterns, and the paramValue it documents
as an unescaped JSON object inside a string."""
import json
import re
from datetime import datetime

# longest tokens first: Java's SimpleDateFormat letters to strftime directives
JAVA_TOKENS = [('yyyy', '%Y'), ('yy', '%y'), ('MMMM', '%B'), ('MMM', '%b'), ('MM', '%m'), ('M', '%m'),
               ('dd', '%d'), ('d', '%d'), ('EEEE', '%A'), ('EEE', '%a')]
JAVA_TOKEN_RE = re.compile('|'.join(re.escape(token) for token, _ in JAVA_TOKENS))
DEFAULT_DATE_FORMAT = 'dd MMMM yyyy'
OUTPUT_DATE_FORMAT = 'dd MMM yyyy'  # "22 Jan 2017", as the seed's responses show dates
UNESCAPED_PARAM_VALUE_RE = re.compile(r'("paramValue"\s*:\s*)"(\{[^{}]*\})"')


def strftime_pattern(java_pattern):
    directives = dict(JAVA_TOKENS)
    return JAVA_TOKEN_RE.sub(lambda match: directives[match.group(0)], java_pattern)


def parse_date(text, java_pattern=None):
    """The date ``text`` written in ``java_pattern`` (English month names), or ValueError."""
    return datetime.strptime(text.strip(), strftime_pattern(java_pattern or DEFAULT_DATE_FORMAT)).date()


def format_date(value, java_pattern=OUTPUT_DATE_FORMAT):
    return value.strftime(strftime_pattern(java_pattern)) if value else None


def loads(body):
    """The JSON ``body``; the documentation's ``"paramValue": "{"a":1}"`` is read as the object."""
    try:
        return json.loads(body)
    except ValueError:
        return json.loads(UNESCAPED_PARAM_VALUE_RE.sub(r'\1\2', body))
