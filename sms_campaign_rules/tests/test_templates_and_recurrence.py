"""Plain-Python tools: message parameters, segments, and occurrences across month ends and DST."""
from datetime import date, datetime

from odoo.tests import BaseCase

from ..tools import template
from ..tools.recurrence import Recurrence


def occurrences(recurrence, after, count):
    found = []
    for _ in range(count):
        after = recurrence.next_after(after)
        found.append(after)
    return found


class TestTemplate(BaseCase):

    def test_render_fills_known_parameters_only(self):
        self.assertEqual(template.parameters_of('Hello {fullName}, {amount} on {date} {amount}'),
                         ['fullName', 'amount', 'date'])
        self.assertEqual(template.render('Hello {fullName}, {unknown}', {'fullName': 'Ada'}), 'Hello Ada, {unknown}')

    def test_segments(self):
        self.assertEqual(template.segment_count('a' * 160), 1)
        self.assertEqual(template.segment_count('a' * 161), 2)
        self.assertEqual(template.segment_count('€' * 81), 2, 'extension characters count twice')
        self.assertEqual(template.segment_count('ç' * 70), 1, 'UCS-2')
        self.assertEqual(template.segment_count('ç' * 71), 2)

    def test_amounts_as_odoo_formats_them_stay_gsm(self):
        amount = template.sms_text('$\N{NO-BREAK SPACE}-\N{ZERO WIDTH NO-BREAK SPACE}1,150.00')
        self.assertEqual(amount, '$ -1,150.00')
        self.assertEqual(template.segment_count(amount + 'a' * 149), 1)


class TestRecurrence(BaseCase):

    def test_monthly_on_the_31st_falls_on_each_month_end(self):
        monthly = Recurrence('monthly', 1, date(2026, 1, 1), 9.0, 'UTC', month_day=31)
        self.assertEqual([moment.date() for moment in occurrences(monthly, datetime(2026, 1, 1), 4)],
                         [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)])

    def test_yearly_on_february_29(self):
        yearly = Recurrence('yearly', 1, date(2024, 2, 29), 9.0, 'UTC')
        self.assertEqual([moment.date() for moment in occurrences(yearly, datetime(2024, 1, 1), 3)],
                         [date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28)])

    def test_local_send_time_kept_across_dst(self):
        """09:00 in Brussels is 08:00 UTC in winter and 07:00 UTC in summer (DST on 29 March 2026)."""
        daily = Recurrence('daily', 1, date(2026, 3, 27), 9.0, 'Europe/Brussels')
        self.assertEqual(occurrences(daily, datetime(2026, 3, 27), 4), [
            datetime(2026, 3, 27, 8), datetime(2026, 3, 28, 8), datetime(2026, 3, 29, 7), datetime(2026, 3, 30, 7)])

    def test_time_skipped_by_dst_is_sent_once_an_hour_later(self):
        daily = Recurrence('daily', 1, date(2026, 3, 28), 2.5, 'Europe/Brussels')
        self.assertEqual(occurrences(daily, datetime(2026, 3, 28), 3), [
            datetime(2026, 3, 28, 1, 30), datetime(2026, 3, 29, 1, 30), datetime(2026, 3, 30, 0, 30)])

    def test_weekly_on_chosen_days_every_two_weeks(self):
        weekly = Recurrence('weekly', 2, date(2026, 11, 30), 18.0, 'UTC', weekdays=(0, 2))
        self.assertEqual(occurrences(weekly, datetime(2026, 11, 30), 4), [
            datetime(2026, 11, 30, 18), datetime(2026, 12, 2, 18), datetime(2026, 12, 14, 18), datetime(2026, 12, 16, 18)])
        self.assertEqual(weekly.as_rrule(), 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE')

    def test_no_occurrence_before_the_start_date(self):
        daily = Recurrence('daily', 3, date(2027, 1, 10), 9.0, 'UTC')
        self.assertEqual(daily.next_after(datetime(2026, 12, 1)), datetime(2027, 1, 10, 9))
