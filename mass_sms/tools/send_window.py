"""Send windows (quiet hours): the hours of the day and the days of the week when a recipient may
get a marketing SMS, in the recipient's own time zone.

Times are naive UTC datetimes, as Odoo stores them. The window's hours are local wall-clock
hours, so a window of 08:00-21:00 opens at 08:00 on both sides of a daylight saving change; a
local opening hour that a change skips (02:30 on a spring-forward night) opens one hour later.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_time_zones

DAYS_IN_WEEK = 7
# a window open at least one day a week opens within the next 7 local days, today included
DAYS_AHEAD = DAYS_IN_WEEK + 1


@dataclass(frozen=True)
class SendWindow:
    """Open from ``start`` to ``end`` o'clock (float hours: 8.5 is 08:30, 24 is midnight) on the
    ``open_days`` of the week (0 is Monday), in the recipient's local time."""
    start: float
    end: float
    open_days: frozenset = frozenset(range(DAYS_IN_WEEK))

    def __post_init__(self):
        if not 0 <= self.start < self.end <= 24:
            raise ValueError("A send window opens before it closes, within one day: %s-%s" % (self.start, self.end))
        if not self.open_days:
            raise ValueError("A send window opens on at least one day of the week.")

    @property
    def always_open(self):
        return self.start == 0 and self.end == 24 and len(self.open_days) == DAYS_IN_WEEK

    def next_opening(self, now, zones, margin=timedelta(0)):
        """The first time from ``now`` at which the window is open in every one of ``zones``
        (ZoneInfo; a number whose country spans several) and stays open for ``margin`` at least:
        ``now`` itself when it is open now. Where the zones' windows never overlap, the window of
        the first zone decides."""
        due = now
        for _round in range(DAYS_AHEAD * len(zones)):
            later = max(self._next_opening_in(due, zone, margin) for zone in zones)
            if later == due:
                return due
            due = later
        return self._next_opening_in(now, zones[0], margin)

    def _next_opening_in(self, now, zone, margin):
        today = now.replace(tzinfo=timezone.utc).astimezone(zone).date()
        for day in (today + timedelta(days=ahead) for ahead in range(DAYS_AHEAD)):
            if day.weekday() in self.open_days:
                opens = max(now, _utc(day, self.start, zone))
                if opens + margin <= self._closing(day, zone):
                    return opens
        raise ValueError("The send window %s-%s is shorter than %s." % (self.start, self.end, margin))

    def _closing(self, day, zone):
        """When the window opened on ``day`` closes: a window open round the clock stays open
        across midnight into the next open day."""
        if self.start == 0 and self.end == 24:
            for _day in range(DAYS_IN_WEEK):
                if (day + timedelta(days=1)).weekday() not in self.open_days:
                    break
                day += timedelta(days=1)
        return _utc(day, self.end, zone)


def _utc(day, hours, zone):
    """The naive UTC datetime of ``hours`` o'clock, local wall-clock time in ``zone``, on ``day``."""
    local = datetime.combine(day, time(), zone) + timedelta(hours=hours)  # wall-clock arithmetic
    return local.astimezone(timezone.utc).replace(tzinfo=None)


@lru_cache(maxsize=1024)
def time_zone(name):
    """The ZoneInfo named ``name``; None when the name is empty or unknown."""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=16384)  # the queue looks at an SMS again until a claim takes it
def number_time_zones(number):
    """The time zones of an international phone number (+32...) by its country or region, from
    phonenumbers' data, sorted by name; empty when they are unknown."""
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return ()
    names = sorted(set(phone_time_zones.time_zones_for_number(parsed)) - {phone_time_zones.UNKNOWN_TIMEZONE})
    return tuple(zone for zone in map(time_zone, names) if zone)
