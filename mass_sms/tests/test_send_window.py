from datetime import datetime, timedelta

from odoo.tests import TransactionCase, tagged

from ..tools.send_window import SendWindow, number_time_zones, time_zone

BRUSSELS = (time_zone('Europe/Brussels'),)
TOKYO = (time_zone('Asia/Tokyo'),)
MINUTE = timedelta(minutes=1)


@tagged('post_install', '-at_install')
class TestSendWindow(TransactionCase):
    """The window arithmetic, without the ORM: times are naive UTC."""

    def test_night_in_asia_while_day_in_europe(self):
        window = SendWindow(8, 21)
        afternoon_in_brussels = datetime(2026, 12, 2, 14, 0)  # 15:00 in Brussels, 23:00 in Tokyo
        self.assertEqual(window.next_opening(afternoon_in_brussels, BRUSSELS), afternoon_in_brussels)
        self.assertEqual(window.next_opening(afternoon_in_brussels, TOKYO), datetime(2026, 12, 2, 23, 0),
                         '08:00 the next morning in Tokyo')

    def test_opening_follows_daylight_saving_time(self):
        window = SendWindow(8, 21)
        # Brussels moves from UTC+1 to UTC+2 in the night of 28-29 March 2026, and back on 25 October
        self.assertEqual(window.next_opening(datetime(2026, 3, 28, 21, 0), BRUSSELS), datetime(2026, 3, 29, 6, 0))
        self.assertEqual(window.next_opening(datetime(2026, 10, 24, 21, 0), BRUSSELS), datetime(2026, 10, 25, 7, 0))
        # a window that opens at an hour the change skips opens when the clock has moved on
        self.assertEqual(SendWindow(2.5, 21).next_opening(datetime(2026, 3, 28, 22, 0), BRUSSELS),
                         datetime(2026, 3, 29, 1, 30))

    def test_quiet_days(self):
        weekdays = SendWindow(8, 21, frozenset(range(5)))
        friday_evening = datetime(2026, 12, 4, 20, 30)  # 21:30 in Brussels
        self.assertEqual(weekdays.next_opening(friday_evening, BRUSSELS), datetime(2026, 12, 7, 7, 0), 'Monday 08:00')
        saturday_noon = datetime(2026, 12, 5, 11, 0)
        self.assertEqual(weekdays.next_opening(saturday_noon, BRUSSELS), datetime(2026, 12, 7, 7, 0))
        # the day of the week is the recipient's: Monday 06:00 UTC is still Sunday night in New York
        new_york = (time_zone('America/New_York'),)
        self.assertEqual(weekdays.next_opening(datetime(2026, 12, 7, 6, 0), new_york), datetime(2026, 12, 7, 13, 0))

    def test_nothing_leaves_so_close_to_the_end_that_it_arrives_after_it(self):
        window = SendWindow(8, 21)
        last_moment = datetime(2026, 12, 2, 19, 59)  # 20:59:00 in Brussels: a minute is left
        self.assertEqual(window.next_opening(last_moment, BRUSSELS, MINUTE), last_moment)
        next_morning = datetime(2026, 12, 3, 7, 0)
        self.assertEqual(window.next_opening(last_moment + timedelta(seconds=1), BRUSSELS, MINUTE), next_morning)
        self.assertEqual(window.next_opening(datetime(2026, 12, 2, 20, 0, 1), BRUSSELS), next_morning,
                         'not at 21:00:01')
        self.assertEqual(window.next_opening(datetime(2026, 12, 2, 6, 59, 59), BRUSSELS), datetime(2026, 12, 2, 7, 0))

    def test_round_the_clock_stays_open_across_midnight(self):
        just_before_midnight = datetime(2026, 12, 2, 22, 59, 30)  # 23:59:30 in Brussels
        self.assertEqual(SendWindow(0, 24).next_opening(just_before_midnight, BRUSSELS, MINUTE), just_before_midnight)
        self.assertTrue(SendWindow(0, 24).always_open)
        no_thursdays = SendWindow(0, 24, frozenset({0, 1, 2, 4, 5, 6}))
        self.assertEqual(no_thursdays.next_opening(just_before_midnight, BRUSSELS, MINUTE),
                         datetime(2026, 12, 3, 23, 0), 'closed on Thursday, open again on Friday at midnight')

    def test_number_spanning_several_zones_gets_the_hours_open_in_all(self):
        zones = (time_zone('Europe/Moscow'), time_zone('Asia/Vladivostok'))  # UTC+3 and UTC+10
        # 08:00 in Moscow is 05:00 UTC, 21:00 in Vladivostok is 11:00 UTC
        self.assertEqual(SendWindow(8, 21).next_opening(datetime(2026, 12, 2, 12, 0), zones),
                         datetime(2026, 12, 3, 5, 0))
        self.assertEqual(SendWindow(8, 21).next_opening(datetime(2026, 12, 2, 6, 0), zones), datetime(2026, 12, 2, 6, 0))
        # 10:00-12:00 never overlaps between them: Moscow's window decides
        self.assertEqual(SendWindow(10, 12).next_opening(datetime(2026, 12, 2, 12, 0), zones),
                         datetime(2026, 12, 3, 7, 0))

    def test_time_zones_of_numbers(self):
        self.assertEqual(number_time_zones('+32470000000'), BRUSSELS)
        self.assertEqual(number_time_zones('+81312345678'), TOKYO)
        self.assertEqual(number_time_zones('+14155550100'), (time_zone('America/Los_Angeles'),))
        russian_mobile = number_time_zones('+79161234567')
        self.assertIn(time_zone('Europe/Moscow'), russian_mobile)
        self.assertEqual(list(russian_mobile), sorted(russian_mobile, key=str), 'in a deterministic order')
        self.assertEqual(number_time_zones('0470000000'), (), 'without its country, a number has no zone')
        self.assertEqual(number_time_zones('not a number'), ())
        self.assertIsNone(time_zone('Mars/Olympus_Mons'))

    def test_windows_that_never_open_are_refused(self):
        for start, end, days in ((21, 8, range(7)), (8, 25, range(7)), (8, 21, ())):
            with self.assertRaises(ValueError):
                SendWindow(start, end, frozenset(days))
