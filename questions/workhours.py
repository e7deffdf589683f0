"""Working hours: "4 working hours after 16:00 on a Friday" is Monday 12:00.

The working week and day come from the configuration:
``QUESTION_WORKING_DAYS`` (Monday = 0, default Monday to Friday),
``QUESTION_WORKING_HOURS`` (start and end hour, default 9 to 17) and
``QUESTION_WORKING_TIMEZONE`` (default Europe/Berlin). Pure functions, so the
rules are tested without a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS_SCANNED = 3660  # a week without working days must not loop forever


@dataclass(frozen=True)
class WorkingTime:
    """When people work: week days, the hours of a day, and the time zone."""

    days: frozenset[int] = frozenset(range(5))
    start_hour: int = 9
    end_hour: int = 17
    timezone: str = "Europe/Berlin"

    @classmethod
    def from_config(cls, config) -> WorkingTime:
        start, end = config.get("QUESTION_WORKING_HOURS", (9, 17))
        return cls(days=frozenset(config.get("QUESTION_WORKING_DAYS", range(5))),
                   start_hour=int(start), end_hour=int(end),
                   timezone=config.get("QUESTION_WORKING_TIMEZONE", "Europe/Berlin"))

    def _bounds(self, day) -> tuple[datetime, datetime]:
        zone = ZoneInfo(self.timezone)
        return (datetime.combine(day, time(self.start_hour), tzinfo=zone),
                datetime.combine(day, time(self.end_hour), tzinfo=zone))

    def add(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` working hours after ``start`` (aware, in UTC)."""
        if not self.days or self.end_hour <= self.start_hour:
            raise ValueError("the working time has no hours")
        remaining = timedelta(hours=hours)
        current = start.astimezone(ZoneInfo(self.timezone))
        for _ in range(MAX_DAYS_SCANNED):
            day_start, day_end = self._bounds(current.date())
            if current.weekday() in self.days and current < day_end:
                current = max(current, day_start)
                available = day_end - current
                if remaining <= available:
                    return (current + remaining).astimezone(UTC)
                remaining -= available
            next_day = current.date() + timedelta(days=1)
            current = self._bounds(next_day)[0]
        raise ValueError("no working hours found")  # pragma: no cover

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end`` (zero if ``end`` is earlier)."""
        zone = ZoneInfo(self.timezone)
        current, end = start.astimezone(zone), end.astimezone(zone)
        total = timedelta()
        for _ in range(MAX_DAYS_SCANNED):
            if current >= end:
                return total
            day_start, day_end = self._bounds(current.date())
            if current.weekday() in self.days:
                lo, hi = max(current, day_start), min(end, day_end)
                if hi > lo:
                    total += hi - lo
            current = self._bounds(current.date() + timedelta(days=1))[0]
        return total
