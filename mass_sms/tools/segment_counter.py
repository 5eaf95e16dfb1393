"""How many SMS segments a text takes, by the GSM 03.38 rules (3GPP TS 23.038 / 23.040).

A text that the GSM 7-bit default alphabet and its extension table can encode travels as GSM-7:
160 septets in one SMS, 153 per segment when split; extension characters (``{ } [ ] ~ \\ | ^ €``
and the form feed) take 2 septets and are never split across segments. Any other character makes
the whole text UCS-2: 70 UTF-16 code units in one SMS, 67 per segment, surrogate pairs (emoji)
never split. The ``gsm0338`` codec decides which characters GSM-7 encodes.
"""
from dataclasses import dataclass

import gsm0338  # noqa: F401 (registers the 'gsm03.38' codec)

GSM7 = 'GSM-7'
UCS2 = 'UCS-2'
# (units in a single SMS, units per segment of a split SMS)
CAPACITY = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class SegmentCount:
    characters: int  # what the user typed, as people count characters
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2) on the air
    encoding: str
    segments: int

    @property
    def capacity(self):
        """Units the segments can hold: where the next segment starts."""
        single, split = CAPACITY[self.encoding]
        return single if self.segments <= 1 else split * self.segments


def _units(text):
    """``(encoding, units per character)`` of ``text``."""
    try:
        return GSM7, [len(char.encode('gsm03.38')) for char in text]
    except UnicodeEncodeError:
        return UCS2, [len(char.encode('utf-16-le')) // 2 for char in text]


def count_segments(text):
    text = text or ''
    encoding, units = _units(text)
    total = sum(units)
    single, split = CAPACITY[encoding]
    if not total:
        segments = 0
    elif total <= single:
        segments = 1
    else:
        segments, used = 1, 0
        for size in units:  # a character is never split across two segments
            if used + size > split:
                segments, used = segments + 1, 0
            used += size
    return SegmentCount(characters=len(text), units=total, encoding=encoding, segments=segments)
