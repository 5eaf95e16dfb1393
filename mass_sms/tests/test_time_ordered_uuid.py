import uuid
from unittest.mock import patch

from odoo.tests import BaseCase, tagged

from ..tools.time_ordered_uuid import time_ordered_uuid


@tagged('post_install', '-at_install')
class TestTimeOrderedUuid(BaseCase):

    def test_version_7_uuids_ordered_by_time(self):
        with patch('time.time_ns', return_value=1_796_000_000_000 * 1_000_000):
            earlier = [time_ordered_uuid() for _index in range(1000)]
        with patch('time.time_ns', return_value=1_796_000_000_001 * 1_000_000):
            later = time_ordered_uuid()

        parsed = uuid.UUID(later)
        self.assertEqual((parsed.version, parsed.variant), (7, uuid.RFC_4122))
        self.assertEqual(len(later), 32)
        self.assertEqual(parsed.int >> 80, 1_796_000_000_001, "the first 48 bits are the milliseconds")
        self.assertEqual(len(set(earlier)), 1000, "random within a millisecond")
        self.assertLess(max(earlier), later)
