"""Seniority: the level a listing asks for against a candidate's years (pure: no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobraker.matching.seniority import (
    GRADUATE,
    JUNIOR,
    LEAD,
    MID,
    SENIOR,
    asked_level,
    asked_years,
    fit,
    level_of_years,
)

# The real captures live in the steering repo's shared/ beside (or above) this checkout.
ADZUNA = next((p / "shared" / "fixtures" / "adzuna" for p in Path(__file__).resolve().parents
               if (p / "shared" / "fixtures" / "adzuna").is_dir()), Path("shared/fixtures/adzuna"))


@pytest.mark.parametrize("title, level", [
    ("Senior React Developer", SENIOR), ("Sr C#/NET Developer", SENIOR), ("Software Engineer III - Angular", SENIOR),
    ("Junior Javascript / Typescript Developer", JUNIOR), ("Graduate Frontend Engineer", GRADUATE),
    ("Software Engineer, Internship - Infrastructure", GRADUATE), ("Tech Lead (Java) - Surrey", LEAD),
    ("Head of Mathematics", LEAD), ("Software Principal Engineer", LEAD), ("Frontend Developer", None),
])
def test_level_from_the_title(title, level):
    assert asked_level(title) == level


def test_level_from_the_years_the_text_asks_for():
    assert asked_years("Requirements: At least 4 years of Frontend Web Development Experience") == 4
    assert asked_years("3-5 years of Java, Spring Boot") == 3
    assert asked_years("Founded 15 years ago, we now need 2+ years of Python") == 2
    assert asked_years("Examinierte Pflegefachkraft, 6+ Jahre Erfahrung") == 6
    assert asked_level("Frontend Developer", "At least 4 years of Frontend Web Development") == MID
    assert asked_level("Python Developer", "A great team.") is None


def test_a_one_year_junior_is_not_offered_a_senior_role():
    assert fit(1, asked_level("Senior React Developer")) < 0.3
    assert fit(1, asked_level("Junior Frontend Developer (React)")) == 1.0
    assert fit(0, asked_level("Junior Software Developer")) == 1.0  # a graduate's junior roles suit them


def test_real_adzuna_titles():
    """The real captures: the josef5 London IT search holds seniors, leads, a graduate and an internship."""
    path = ADZUNA / "gb_josef5_realistic_50.json"
    if not path.exists():
        pytest.skip("shared Adzuna fixtures not present")
    titles = {job["title"]: job.get("description", "") for job in json.loads(path.read_text())["results"]}
    levels = {title: asked_level(title, text) for title, text in titles.items()}
    assert levels["Graduate Frontend Engineer"] == GRADUATE
    assert levels["Senior Backend Engineer"] == SENIOR
    assert levels["Lead Backend Software Engineer (.net)"] == LEAD
    assert levels["Front-End Developer"] == MID  # "At least 4 years of Frontend Web Development Experience"


@given(st.integers(0, 70), st.one_of(st.none(), st.integers(GRADUATE, LEAD)))
def test_fit_is_a_share_and_reaching_up_never_fits_better(years, asked):
    value = fit(years, asked)
    assert 0.0 < value <= 1.0
    if asked is not None and asked < LEAD:
        assert fit(years, asked + 1) <= fit(years, asked) or asked + 1 <= level_of_years(years)


@given(st.integers(0, 69))
def test_levels_grow_with_years(years):
    assert level_of_years(years) <= level_of_years(years + 1)
