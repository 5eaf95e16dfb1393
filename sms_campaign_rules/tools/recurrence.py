"""Occurrences of a scheduled campaign: wall-clock times in the company's time zone, stored in UTC.

Occurrences are computed in local time and converted one by one, so that a campaign sent at 09:00
stays at 09:00 across DST changes; a monthly or yearly day that a month lacks (31, Feb 29) falls
on that month's last day.
"""
from dataclasses import dataclass
from datetime import date, datetime, time

import pytz
from dateutil import rrule

FREQUENCIES = {'daily': rrule.DAILY, 'weekly': rrule.WEEKLY, 'monthly': rrule.MONTHLY, 'yearly': rrule.YEARLY}
WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)
WEEKDAY_CODES = ('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')


@dataclass(frozen=True)
class Recurrence:
    frequency: str             # daily, weekly, monthly, yearly
    interval: int              # every N frequency units
    start: date                # first day that may have an occurrence
    send_time: float           # hours after midnight, local time (9.5 = 09:30)
    tz: str                    # IANA time zone of the local time
    weekdays: tuple = ()       # weekly: 0 = Monday ... 6 = Sunday
    month_day: int = 0         # monthly: day of the month (0 = the start date's day)

    def _rule(self):
        hours, minutes = divmod(round(self.send_time * 60), 60)
        dtstart = datetime.combine(self.start, time(min(hours, 23), minutes))
        options = {'dtstart': dtstart, 'interval': max(self.interval, 1)}
        if self.frequency == 'weekly':
            options['byweekday'] = [WEEKDAYS[day] for day in sorted(self.weekdays)] or [WEEKDAYS[self.start.weekday()]]
        elif self.frequency == 'monthly':
            day = self.month_day or self.start.day
            options.update(bymonthday=tuple(range(min(day, 28), day + 1)), bysetpos=-1)
        elif self.frequency == 'yearly':
            day = self.start.day
            options.update(bymonth=self.start.month, bymonthday=tuple(range(min(day, 28), day + 1)), bysetpos=-1)
        return rrule.rrule(FREQUENCIES[self.frequency], **options)

    def next_after(self, moment):
        """The first occurrence strictly after ``moment`` (naive UTC), as naive UTC."""
        zone = pytz.timezone(self.tz or 'UTC')
        local_moment = pytz.utc.localize(moment).astimezone(zone).replace(tzinfo=None)
        # a local time skipped or repeated by a DST change maps to one UTC instant
        for local in self._rule().xafter(local_moment, inc=False):
            utc = _to_utc(zone, local)
            if utc > moment:
                return utc
        return None

    def as_rrule(self):
        """The recurrence as an iCalendar RRULE, as Fineract's API shows it."""
        parts = ['FREQ=%s' % self.frequency.upper(), 'INTERVAL=%d' % max(self.interval, 1)]
        if self.frequency == 'weekly':
            parts.append('BYDAY=%s' % ','.join(WEEKDAY_CODES[day] for day in sorted(self.weekdays or (self.start.weekday(),))))
        elif self.frequency == 'monthly':
            parts.append('BYMONTHDAY=%d' % (self.month_day or self.start.day))
        return ';'.join(parts)


def _to_utc(zone, local):
    try:
        aware = zone.localize(local, is_dst=None)
    except pytz.NonExistentTimeError:  # spring forward: the hour does not exist, send an hour later
        aware = zone.normalize(zone.localize(local, is_dst=False))
    except pytz.AmbiguousTimeError:  # fall back: the hour exists twice, send at the first
        aware = zone.localize(local, is_dst=True)
    return aware.astimezone(pytz.utc).replace(tzinfo=None)
