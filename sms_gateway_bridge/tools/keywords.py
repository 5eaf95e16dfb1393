"""The keywords by which recipients opt out of and back into SMS, as carriers and Twilio know
them: the whole message is the keyword, in any case, with any surrounding spaces."""

OPT_OUT_KEYWORDS = frozenset({'STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'})
OPT_IN_KEYWORDS = frozenset({'START', 'YES', 'UNSTOP'})


def keyword_of(text):
    return (text or '').strip().upper()
