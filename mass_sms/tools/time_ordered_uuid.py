import secrets
import time


def time_ordered_uuid():
    """A version 7 UUID (RFC 9562) in hex: 48 bits of Unix time in milliseconds, then 74 random
    bits. SMS created together get neighbouring uuids, so that the unique indexes on SMS and
    tracker uuids take a batch's entries on a few pages instead of on random pages all over
    indexes of millions of entries; the random bits keep each one unguessable."""
    milliseconds = time.time_ns() // 1_000_000
    random_a, random_b = secrets.randbits(12), secrets.randbits(62)
    return '%032x' % (milliseconds << 80 | 0x7 << 76 | random_a << 64 | 0b10 << 62 | random_b)
