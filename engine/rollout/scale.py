"""Absolute-impact checks: what a percentage means per day at a given traffic (seeds 002 §16–18, 003 §3–6)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import require


def _nonneg(x: float, name: str) -> float:
    require(x >= 0, name, f"{x!r} is negative", "give a value ≥ 0")
    return float(x)


@dataclass(frozen=True)
class DailyCost:
    teacher_usd_per_day: float
    student_usd_per_day: float
    savings_usd_per_day: float
    savings_usd_per_month: float


def daily_cost(
    *, requests_per_day: float, teacher_usd: float, student_usd: float, days_per_month: float = 30.0
) -> DailyCost:
    """Seed 002 §16: 500,000/day × ($0.003 − $0.0001) = $1,450/day, $43,500 per 30-day month."""
    r = _nonneg(requests_per_day, "requests per day")
    t, s = r * _nonneg(teacher_usd, "teacher $"), r * _nonneg(student_usd, "student $")
    return DailyCost(t, s, t - s, (t - s) * days_per_month)


def extra_bad_outcomes_per_day(*, requests_per_day: float, rate_increase: float) -> float:
    """500,000 × 1.5% = 7,500; 50M × 1.5% = 750,000; 50M × 0.3% = 150,000 (seed 003 §3.1)."""
    return _nonneg(requests_per_day, "requests per day") * rate_increase


@dataclass(frozen=True)
class RecallDrop:
    class_events_per_day: float
    misses_before: float
    misses_after: float
    extra_misses_per_day: float


def recall_drop(
    *, requests_per_day: float, class_share: float, recall_before: float, recall_after: float
) -> RecallDrop:
    """Seed 003 §4.2: 50M × 0.4% = 200,000 events; recall 0.91 → 0.82 adds 18,000 misses/day."""
    events = _nonneg(requests_per_day, "requests per day") * class_share
    before, after = events * (1 - recall_before), events * (1 - recall_after)
    return RecallDrop(events, before, after, after - before)


def corrupted_targets(*, prompts: float, teacher_label_error_rate: float) -> float:
    """Seed 003 §4.1: 25M prompts × 0.2% bad teacher labels = 50,000 corrupted targets."""
    return _nonneg(prompts, "prompts") * teacher_label_error_rate


@dataclass(frozen=True)
class LabelCache:
    without_cache_usd: float
    with_cache_usd: float
    savings_usd: float


def label_cache_economics(*, teacher_labelling_usd: float, student_run_usd: float, variants: int) -> LabelCache:
    """Seed 003 §4.6: 8 × ($18,000 + $900) = $151,200 without caching vs $18,000 + 8 × $900 = $25,200."""
    without = variants * (teacher_labelling_usd + student_run_usd)
    with_cache = teacher_labelling_usd + variants * student_run_usd
    return LabelCache(without, with_cache, without - with_cache)


@dataclass(frozen=True)
class LogVolume:
    gb_per_day: float
    tb_per_month: float


def log_volume(*, events_per_day: float, kb_per_event: float, days_per_month: float = 30.0) -> LogVolume:
    """Seed 003 §4.7 (decimal units): 50M × 6 KB = 300 GB/day, 9 TB/month; 1.4 KB → 70 GB/day."""
    gb = _nonneg(events_per_day, "events per day") * _nonneg(kb_per_event, "KB per event") / 1e6
    return LogVolume(gb, gb * days_per_month / 1e3)


def sample_coverage(*, sample_rows: float, requests_per_day: float) -> float:
    """Seed 002 §18: 25,000 rows of 50M/day traffic cover 0.05% of one day."""
    require(requests_per_day > 0, "requests per day", "is 0", "give the daily traffic")
    return sample_rows / requests_per_day
