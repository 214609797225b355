"""`jobraker rates show|refresh --file F`: the reference rates behind one-currency salary
floors are dated data, replaced by importing a file (no network)."""

from __future__ import annotations

from datetime import date

import pytest

from jobraker.cli import main
from jobraker.matching import rates
from jobraker.matching.filters import floors_by_currency
from jobraker.projections.models import ReferenceRateTable

NEWER = "Date, USD, GBP, INR, \n30 November 2026, 1.20, 0.90, 110.0, \n"
OLDER = "Date, USD, GBP, \n02 January 2020, 1.12, 0.85, \n"


@pytest.fixture
def imported():
    yield
    ReferenceRateTable.objects.filter(published_on__in=[date(2026, 11, 30), date(2020, 1, 2)]).delete()
    rates.forget()


def test_show_names_the_table_in_force(capsys):
    assert main(["rates", "show"]) == 0
    out = capsys.readouterr().out
    assert "in force: European Central Bank" in out and "2026-10-30" in out and "GBP" in out


def test_a_newer_table_imported_from_a_file_is_in_force_at_once(tmp_path, capsys, imported):
    path = tmp_path / "eurofxref.csv"
    path.write_text(NEWER)
    assert main(["rates", "refresh", "--file", str(path)]) == 0
    assert "imported 4 rates of 2026-11-30" in capsys.readouterr().out
    in_force = rates.current_rates()
    assert in_force.published_on == date(2026, 11, 30) and in_force.rates["GBP"] == 0.90
    assert floors_by_currency(40000, "EUR", in_force)["GBP"] == pytest.approx(36000)
    assert main(["rates", "refresh", "--file", str(path)]) == 0  # the same day again replaces it
    assert "replaced" in capsys.readouterr().out and ReferenceRateTable.objects.filter(published_on=date(2026, 11, 30)).count() == 1


def test_an_older_table_does_not_displace_the_shipped_one(tmp_path, imported):
    path = tmp_path / "old.csv"
    path.write_text(OLDER)
    assert main(["rates", "refresh", "--file", str(path)]) == 0
    assert rates.current_rates().published_on == date(2026, 10, 30)


@pytest.mark.parametrize("text", ["not, a, table\n", '{"published_on": "2026-11-30", "source": "x", "rates": {"QQQ": 1}}'])
def test_a_file_that_is_not_a_rates_table_changes_nothing(tmp_path, capsys, text):
    path = tmp_path / ("bad.json" if text.startswith("{") else "bad.csv")
    path.write_text(text)
    before = ReferenceRateTable.objects.count()
    assert main(["rates", "refresh", "--file", str(path)]) == 1
    assert "error" in capsys.readouterr().err and ReferenceRateTable.objects.count() == before
