"""Places matched on a normalised hierarchy (pure: no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobraker.matching.places import distance_km, job_place_keys, place_match, slug, wanted_places


def match(job: tuple[str, str, list[str]], *places: str, coordinates=(None, None), radius_km=None, countries=()):
    country, location, area = job
    return place_match(job_place_keys(country, location, area), location, coordinates,
                       wanted_places(places, countries), radius_km)


def test_middlesex_is_in_the_london_area():
    # Adzuna files some outer-London towns under the historic county, outside its London region.
    found = match(("gb", "Uxbridge, Middlesex", ["UK", "South East England", "Middlesex", "Uxbridge"]), "London")
    assert found is not None and found.via == "area" and found.level == "city"
    # A London borough is in London by the hierarchy itself.
    assert match(("gb", "Harrow, Middlesex", []), "London").via == "hierarchy"


def test_co_antrim_is_in_the_belfast_area_and_belfast_in_county_antrim():
    lisburn = ("gb", "Lisburn, Co Antrim", ["UK", "Northern Ireland", "County Antrim", "Lisburn"])
    assert match(lisburn, "Belfast").via == "area"
    assert match(("gb", "Belfast", ["UK", "Northern Ireland", "Belfast"]), "Co Antrim").via == "hierarchy"
    assert match(lisburn, "Leeds") is None


def test_quebec_and_california_match_at_the_region_level():  # real Adzuna areas
    montreal = ("ca", "Outremont, Montréal", ["Canada", "Québec", "Montréal", "Outremont"])
    ottawa = ("ca", "Carleton University, Ottawa", ["Canada", "Ontario", "Ottawa region", "Ottawa", "Carleton University"])
    found = match(montreal, "Québec")
    assert found.level == "region" and found.via == "hierarchy"
    assert match(montreal, "Quebec") is not None and match(ottawa, "Québec") is None
    irvine = ("us", "Irvine, Orange County", ["US", "California", "Orange County", "Irvine"])
    assert match(irvine, "California").level == "region"
    assert match(("us", "Milwaukee, Milwaukee County", ["US", "Wisconsin", "Milwaukee County", "Milwaukee"]), "California") is None


def test_aliases_and_local_names():
    assert match(("us", "New York, NY", []), "NYC") is not None
    assert match(("us", "Manhattan", ["US", "New York", "New York City", "Manhattan"]), "New York").level == "region"
    munich = ("de", "München", ["Deutschland", "Bayern", "München"])
    assert match(munich, "Munich") is not None and match(munich, "München") is not None and match(munich, "Bavaria") is not None
    assert match(("in", "Bangalore, Karnataka", ["India", "Karnataka", "Bangalore"]), "Bengaluru").level == "city"


def test_a_city_matches_its_districts_at_any_depth():
    assert match(("gb", "Shepherd's Bush, West London", ["UK", "London", "West London", "Shepherd's Bush"]), "London") is not None
    assert match(("gb", "London, UK", ["UK", "London"]), "Shepherd's Bush") is None  # narrower than the job
    assert match(("gb", "London, UK", ["UK", "London"]), "UK").level == "country"


def test_an_unknown_place_matches_by_name():
    found = match(("gb", "Eaton Socon, St. Neots", ["UK", "Eastern England", "Cambridgeshire", "St. Neots", "Eaton Socon"]), "St Neots")
    assert found is not None and found.level == "text"


def test_the_candidates_countries_decide_an_ambiguous_name():
    assert wanted_places(["Limburg"], ["nl"])[0].keys == ("nl/limburg",)  # a Dutch province, and a Belgian one
    assert wanted_places(["Limburg"], ["be"])[0].keys == ("be/limburg",)
    assert set(wanted_places(["Limburg"])[0].keys) == {"nl/limburg", "be/limburg"}
    assert wanted_places(["Manchester"])[0].keys == ("gb/manchester",)  # the major city, not Manchester, Jamaica


def test_radius_where_coordinates_exist():
    daventry = ("gb", "Daventry, Northamptonshire", ["UK", "East Midlands", "Northamptonshire", "Daventry"])
    coordinates = (52.258301, -1.16043)  # real capture
    assert match(daventry, "Coventry", coordinates=coordinates) is None
    near = match(daventry, "Coventry", coordinates=coordinates, radius_km=40)
    assert near.via == "radius" and 20 < near.distance_km < 30
    assert match(daventry, "Coventry", coordinates=(None, None), radius_km=40) is None


def test_distance_between_known_cities():
    assert distance_km((51.5074, -0.1278), (48.8566, 2.3522)) == pytest.approx(344, abs=3)  # London–Paris


@given(st.text(max_size=40))
def test_slug_is_idempotent(name):
    assert slug(slug(name)) == slug(name)


@given(st.sampled_from(["gb", "us", "ca", "de", "fr", "in"]), st.lists(st.text(min_size=1, max_size=20), max_size=4))
def test_a_job_is_always_in_its_own_country(country, area):
    assert country in job_place_keys(country, ", ".join(area), area)
