"""Which bridge sends to which number: the longest matching prefix, then a matching country,
then a bridge serving every destination (the company default first); ties go to the lowest
sequence. Plain Python so that a batch is routed without a query per number."""
import re
from dataclasses import dataclass

from odoo.addons.phone_validation.tools import phone_validation


@dataclass(frozen=True)
class Route:
    key: int                 # the bridge id
    prefixes: tuple          # dialing prefixes, digits only
    country_codes: frozenset  # ISO codes
    is_default: bool
    sequence: int


class Router:

    def __init__(self, routes):
        self.routes = list(routes)
        self.uses_countries = any(route.country_codes for route in self.routes)

    def route(self, number):
        """The key of the route for ``number``, or None when no route serves it."""
        digits = re.sub(r'\D', '', number or '')
        country = phone_validation.phone_get_country_code_for_number(number) if self.uses_countries and digits else ''
        best_key, best_rank = None, None
        for route in self.routes:
            rank = self._specificity(route, digits, country)
            if rank is None:
                continue
            rank += (-route.sequence, -route.key)
            if best_rank is None or rank > best_rank:
                best_key, best_rank = route.key, rank
        return best_key

    @staticmethod
    def _specificity(route, digits, country):
        if not route.prefixes and not route.country_codes:
            return (0, 0, route.is_default)
        length = max((len(prefix) for prefix in route.prefixes if digits.startswith(prefix)), default=0)
        if length:
            return (2, length, False)
        if country in route.country_codes:
            return (1, 0, False)
        return None
