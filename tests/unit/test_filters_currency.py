"""Salary floors compared in one currency, at dated reference rates (pure: no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobraker.matching.currency import RatesError, ReferenceRates, parse_ecb_csv, parse_file, parse_json, shipped_rates
from jobraker.matching.verdicts import pay_of

ECB_DAILY = (
    "Date, USD, JPY, GBP, INR, \n"
    "30 October 2026, 1.1172, 175.68, 0.83380, 106.0840, \n"
)
ECB_HISTORY = (
    "Date,USD,GBP,INR,CYP,\n"
    "2026-11-27,1.10,0.84,105.0,N/A,\n"
    "2026-11-26,1.09,0.83,104.0,N/A,\n"
)


@dataclass
class Wishes:
    salary_floor: int | None
    salary_currency: str


@dataclass
class Listing:
    salary_min: float | None
    salary_max: float | None
    salary_currency: str = ""
    country: str = ""
    salary_is_predicted: bool = False


def test_the_shipped_table_is_dated_sourced_and_knows_the_adzuna_currencies():
    rates = shipped_rates()
    assert rates.published_on == date(2026, 10, 30)
    assert "European Central Bank" in rates.source
    assert rates.base == "EUR" and rates.rates["EUR"] == 1.0
    assert {"GBP", "USD", "CAD", "AUD", "INR", "PLN", "BRL", "MXN", "SGD", "ZAR", "CHF", "NZD"} <= set(rates.rates)


def test_a_40000_eur_floor_keeps_a_job_paying_32_to_36k_pounds():
    pay = pay_of(Listing(32000, 36000, "GBP", "gb"), Wishes(40000, "EUR"), shipped_rates())
    assert pay.top == pytest.approx(36000 / 0.8338)  # ≈ €43,176
    assert pay.below_floor is False


def test_a_30000_pound_floor_drops_a_job_paying_1_8_to_2_4m_rupees():
    pay = pay_of(Listing(1_800_000, 2_400_000, "INR", "in"), Wishes(30000, "GBP"), shipped_rates())
    assert pay.top == pytest.approx(2_400_000 / 106.084 * 0.8338)  # ≈ £18,864
    assert pay.below_floor is True


def test_a_listing_without_a_currency_pays_in_its_countrys():
    pay = pay_of(Listing(None, 2_400_000, "", "in"), Wishes(30000, "GBP"), shipped_rates())
    assert pay.job_currency == "INR" and pay.below_floor is True


def test_a_listing_without_pay_is_never_below_a_floor():
    assert pay_of(Listing(None, None, "GBP", "gb"), Wishes(30000, "GBP"), shipped_rates()).below_floor is None


def test_a_currency_the_rates_do_not_know_is_not_compared_unless_it_is_the_candidates_own():
    rates = shipped_rates()
    assert not rates.knows("AED")
    assert pay_of(Listing(None, 1000, "AED"), Wishes(30000, "GBP"), rates).below_floor is None
    assert pay_of(Listing(None, 1000, "AED"), Wishes(30000, "AED"), rates).below_floor is True


def test_the_ecb_daily_and_historical_files_are_read():
    daily = parse_ecb_csv(ECB_DAILY)
    assert daily.published_on == date(2026, 10, 30) and daily.rates["GBP"] == 0.8338
    history = parse_file("eurofxref-hist.csv", ECB_HISTORY)
    assert history.published_on == date(2026, 11, 27)  # the newest day, first in the file
    assert history.rates["GBP"] == 0.84 and "CYP" not in history.rates  # N/A: no rate that day


def test_a_json_table_round_trips():
    rates = shipped_rates()
    import json

    assert parse_json(json.dumps(rates.as_dict())) == rates


@pytest.mark.parametrize("text", ["", "Date\n", "Currency, USD\nx, 1\n", "Date, USD\nyesterday, 1.1\n",
                                  "Date, USD\n30 October 2026, lots\n", "Date, XXQ\n30 October 2026, 1.1\n",
                                  "Date, USD\n30 October 2026, -1\n"])
def test_files_that_are_not_rate_tables_are_refused(text):
    with pytest.raises(RatesError):
        parse_ecb_csv(text)


@given(st.floats(1, 10_000_000), st.sampled_from(sorted(shipped_rates().rates)), st.sampled_from(sorted(shipped_rates().rates)))
def test_converting_there_and_back_gives_the_amount(amount, one, other):
    rates = shipped_rates()
    assert rates.convert(rates.convert(amount, one, other), other, one) == pytest.approx(amount, rel=1e-9)


@given(st.dictionaries(st.sampled_from(["USD", "GBP", "INR", "JPY"]), st.floats(0.001, 10_000), min_size=1))
def test_any_table_keeps_its_base_at_one(rates):
    assert ReferenceRates(date(2026, 1, 1), "test", rates).rates["EUR"] == 1.0
