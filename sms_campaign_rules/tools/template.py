"""Campaign messages: ``{parameter}`` placeholders, as in Fineract's SMS campaigns, and segments."""
import re

PARAMETER_RE = re.compile(r'\{([A-Za-z_][\w.]*)\}')
# GSM 03.38 basic character set and its extension table (each extension character counts twice)
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def parameters_of(message):
    """The parameter names a message uses, in order of first use."""
    return list(dict.fromkeys(PARAMETER_RE.findall(message or '')))


def render(message, values):
    """``message`` with each ``{parameter}`` replaced by its value; unknown ones are left as they are."""
    def value_of(match):
        value = values.get(match.group(1), match.group(0))
        return '' if value is None or value is False else str(value)
    return PARAMETER_RE.sub(value_of, message or '')


def sms_text(text):
    """``text`` formatted by Odoo for screens (amounts) with the no-break spaces and invisible
    characters it adds made plain: they are not GSM 03.38 and would double the SMS's segments."""
    return text.replace('\N{NO-BREAK SPACE}', ' ').replace('\N{ZERO WIDTH NO-BREAK SPACE}', '')


def segment_count(text):
    """SMS segments that ``text`` takes: 160/153 GSM-7 characters, or 70/67 UCS-2 characters."""
    if not text:
        return 0
    if set(text) <= GSM7_BASIC | GSM7_EXTENSION:
        length = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        single, multi = 160, 153
    else:
        length = sum(2 if ord(char) > 0xFFFF else 1 for char in text)
        single, multi = 70, 67
    return 1 if length <= single else -(-length // multi)
