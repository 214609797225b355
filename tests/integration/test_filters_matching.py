"""The filters in SQL over real Adzuna listings (the captures in ../shared/fixtures/adzuna),
posted and projected as ingestion does: salary in one currency, places on the hierarchy, work
mode from the description, on-site soft unless strict, predicted pay soft, no pay kept."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobraker.matching.filters import Wants, apply_filters, first_filter_removing, in_places, location_or_remote
from jobraker.matching.rates import current_rates
from jobraker.matching.verdicts import verdict
from jobraker.projections.models import JobRecord
from jobraker.sources.adzuna_models import AdzunaJob, AdzunaSearchResults

CAPTURES = Path("/work/shared/fixtures/adzuna")


def capture(name: str) -> dict[str, AdzunaJob]:
    body = json.loads((CAPTURES / name).read_text())
    return {job.id: job for job in AdzunaSearchResults.model_validate(body).results}


def moved(job: AdzunaJob, display_name: str, area: list[str]) -> AdzunaJob:
    """A real listing placed where a case needs it (the captures hold no Middlesex or Co Antrim)."""
    return job.model_copy(update={"id": f"{job.id}-{display_name}", "location": job.location.model_copy(
        update={"display_name": display_name, "area": area})})


def paid(job: AdzunaJob, low: float, high: float) -> AdzunaJob:
    """A real listing with the pay a case needs (the figures of issue 15)."""
    return job.model_copy(update={"id": f"{job.id}-{low:.0f}", "salary_min": low, "salary_max": high, "salary_is_predicted": False})


@pytest.fixture(scope="module")
def market(django_db_setup, django_db_blocker):
    gb, gb_mock, ca = capture("gb_josef5_realistic_50.json"), capture("gb_radjobss_mock_10.json"), capture("ca_idx7747931680_excerpt4.json")
    us = {**capture("us_idx31242102443_irvine2018_excerpt4.json"), **capture("us_idx45490351111_triforce.json"),
          **capture("us_idx55446063811_1.json"), **capture("us_idx8098542389_job.json")}
    india = capture("in_idx59658027313_excerpt5.json")
    listings = {
        "pounds_32_36k": ("gb", paid(gb["5336643649"], 32000, 36000)),
        "rupees_1_8_2_4m": ("in", paid(india["4900339690"], 1_800_000, 2_400_000)),
        "predicted_24k": ("gb", capture("gb_idx47267546518_justeat.json")["1199079571"]),
        "no_pay": ("in", india["4905982216"]),
        "remote_in_description": ("gb", gb["5340738563"]),  # "Remote: (HQ: London)"
        "fully_remote": ("gb", gb["5336643649"]),  # "– Fully Remote (UK-based candidates)"
        "hybrid_london": ("gb", gb["5340926577"]),  # "London - Hybrid"
        "london_unsaid": ("gb", gb["5346491964"]),  # Islington, nothing said of remote work
        "middlesex": ("gb", moved(gb["5346491964"], "Uxbridge, Middlesex", ["UK", "South East England", "Middlesex", "Uxbridge"])),
        "co_antrim": ("gb", moved(gb["5346491964"], "Lisburn, Co Antrim", ["UK", "Northern Ireland", "County Antrim", "Lisburn"])),
        "leeds": ("gb", moved(gb["5346491964"], "Leeds, West Yorkshire", ["UK", "Yorkshire And The Humber", "West Yorkshire", "Leeds"])),
        "daventry": ("gb", gb_mock["3204529416"]),
        **{f"ca_{jid}": ("ca", job) for jid, job in ca.items()},
        **{f"us_{jid}": ("us", job) for jid, job in us.items()},
    }
    with django_db_blocker.unblock():
        from jobraker.eventstore.app import get_jobraker
        from jobraker.projections.base import ProjectionRunner
        from jobraker.projections.registry import all_projections

        jobraker = get_jobraker()
        source = f"adzuna-{uuid.uuid4().hex[:8]}"  # apart from other tests' listings
        ids = {}
        for key, (country, job) in listings.items():
            ids[key], _ = jobraker.post_job(**{**job.as_listing(country), "source": source})
        ProjectionRunner(jobraker, all_projections()).catch_up()
    return SimpleNamespace(ids=ids, us=[ids[f"us_{j}"] for j in us], ca=ca, quebec=[ids[f"ca_{j}"] for j, job in ca.items()
                                                                                if "Québec" in job.location.area])


def jobs(market):
    return JobRecord.objects.filter(id__in=list(market.ids.values()))


def kept(market, wants: Wants) -> set:
    return set(apply_filters(jobs(market), wants, count=False)[0].values_list("id", flat=True))


def record(market, key: str) -> JobRecord:
    return JobRecord.objects.get(id=market.ids[key])


def wants(**fields) -> Wants:
    return Wants(candidate_id=uuid.uuid4(), **fields)


def test_the_listing_keeps_its_place_hierarchy_coordinates_and_work_mode(market):
    irvine = JobRecord.objects.filter(id__in=market.us, location__startswith="Irvine").first()
    assert irvine.location_area == ["US", "California", "Orange County", "Irvine"]
    assert irvine.latitude == pytest.approx(33.751486) and irvine.longitude == pytest.approx(-117.75493)
    assert {"us", "us/california", "us/orange county", "us/irvine"} <= set(irvine.places)
    described = record(market, "remote_in_description")
    assert described.work_mode == "remote" and described.remote  # the title and location say nothing
    assert "Remote: (HQ: London)" in described.work_mode_evidence[0]
    assert record(market, "hybrid_london").work_mode == "hybrid"


def test_a_40000_eur_floor_keeps_a_job_paying_32_to_36k_pounds(market):
    floor = wants(salary_floor=40000, salary_currency="EUR")
    assert market.ids["pounds_32_36k"] in kept(market, floor)
    assert market.ids["pounds_32_36k"] not in kept(market, wants(salary_floor=45000, salary_currency="EUR"))  # ≈ €43.2k


def test_a_30000_pound_floor_drops_a_job_paying_1_8_to_2_4m_rupees(market):
    floor = wants(salary_floor=30000, salary_currency="GBP")
    assert market.ids["rupees_1_8_2_4m"] not in kept(market, floor)
    assert first_filter_removing(record(market, "rupees_1_8_2_4m"), floor) == "salary_below_floor"
    assert market.ids["rupees_1_8_2_4m"] in kept(market, wants(salary_floor=15000, salary_currency="GBP"))  # ≈ £18.9k
    pay = verdict(record(market, "rupees_1_8_2_4m"), floor, current_rates()).pay
    assert pay.job_currency == "INR" and 18000 < pay.top < 19500 and pay.below_floor


def test_a_predicted_salary_below_the_floor_is_kept_ranked_lower_and_noted(market):
    floor = wants(salary_floor=30000, salary_currency="GBP")
    assert market.ids["predicted_24k"] in kept(market, floor)
    found = verdict(record(market, "predicted_24k"), floor, current_rates())
    assert found.pay.predicted and found.pay.below_floor and found.penalty > 0
    assert "estimate" in found.notes[0] and "below your floor" in found.notes[0]


def test_a_listing_without_pay_is_never_dropped_for_pay(market):
    for currency in ("GBP", "EUR", "INR", "AED"):
        assert market.ids["no_pay"] in kept(market, wants(salary_floor=10_000_000, salary_currency=currency))


def test_middlesex_is_in_the_london_area_and_co_antrim_in_belfasts(market):
    london = set(jobs(market).filter(in_places(wants(locations=("London",)))).values_list("id", flat=True))
    assert {market.ids["middlesex"], market.ids["london_unsaid"], market.ids["hybrid_london"]} <= london
    assert market.ids["co_antrim"] not in london and market.ids["leeds"] not in london
    belfast = set(jobs(market).filter(in_places(wants(locations=("Belfast",)))).values_list("id", flat=True))
    assert belfast == {market.ids["co_antrim"]}
    found = verdict(record(market, "middlesex"), wants(locations=("London",)), current_rates()).place
    assert (found.place, found.level, found.via) == ("London", "city", "area")


def test_quebec_and_california_match_their_regions(market):
    quebec = set(jobs(market).filter(in_places(wants(locations=("Québec",)))).values_list("id", flat=True))
    assert quebec == set(market.quebec) and len(quebec) == 3  # not Ottawa, Ontario
    california = set(jobs(market).filter(in_places(wants(locations=("California",)))).values_list("id", flat=True))
    in_california = set(JobRecord.objects.filter(id__in=market.us, location_area__1="California").values_list("id", flat=True))
    assert california == in_california and len(california) == 5  # not Milwaukee nor Chicago


def test_radius_reaches_a_town_the_hierarchy_does_not(market):
    assert market.ids["daventry"] not in set(jobs(market).filter(in_places(wants(locations=("Coventry",)))).values_list("id", flat=True))
    near = jobs(market).filter(in_places(wants(locations=("Coventry",), radius_km=40)))
    assert market.ids["daventry"] in set(near.values_list("id", flat=True))


def test_remote_read_from_the_description_keeps_the_job_for_a_remote_candidate(market):
    remote = kept(market, wants(remote="remote"))
    assert {market.ids["remote_in_description"], market.ids["fully_remote"]} <= remote
    assert market.ids["london_unsaid"] not in remote and market.ids["hybrid_london"] not in remote


def test_on_site_is_a_preference_that_ranks_lower_unless_strict(market):
    soft = wants(remote="onsite", locations=("Leeds",))
    assert {market.ids["fully_remote"], market.ids["leeds"]} <= kept(market, soft)
    found = verdict(record(market, "fully_remote"), soft, current_rates())
    assert found.work_mode.mode == "remote" and found.work_mode_penalty > 0 and found.work_mode.evidence
    assert verdict(record(market, "leeds"), soft, current_rates()).work_mode_penalty == 0
    strict = wants(remote="onsite", locations=("Leeds",), remote_strict=True)
    assert market.ids["fully_remote"] not in kept(market, strict) and market.ids["leeds"] in kept(market, strict)
    assert first_filter_removing(record(market, "fully_remote"), strict) == "location_or_remote"


def test_hybrid_in_the_candidates_city_is_kept_for_a_remote_candidate_who_named_it(market):
    named = wants(remote="remote", locations=("London",))
    assert market.ids["hybrid_london"] in kept(market, named)
    assert verdict(record(market, "hybrid_london"), named, current_rates()).work_mode_penalty > 0
    assert market.ids["hybrid_london"] not in kept(market, wants(remote="remote", locations=("London",), remote_strict=True))


def test_each_filter_is_a_sql_condition_that_counts(market):
    from jobraker.matching.filters import FILTERS, _count_removed

    candidate = wants(remote="onsite", locations=("London",), radius_km=30, salary_floor=80000, salary_currency="EUR", remote_strict=True)
    counts = _count_removed(jobs(market), [(name, keep(candidate)) for name, keep in FILTERS])
    one_by_one, remaining, narrowed = {}, jobs(market).count(), jobs(market)
    for name, keep in FILTERS:
        narrowed = narrowed.filter(keep(candidate))
        one_by_one[name], remaining = remaining - narrowed.count(), narrowed.count()
    assert counts == one_by_one and counts["location_or_remote"] > 0 and counts["salary_below_floor"] > 0
    assert location_or_remote(wants()) == location_or_remote(wants(remote="any"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(floor=st.integers(1, 3_000_000), currency=st.sampled_from(["GBP", "EUR", "USD", "INR", "CAD", "AED"]))
def test_the_sql_salary_filter_and_the_pure_verdict_agree(market, floor, currency):
    """The filter removes exactly the jobs whose stated (not predicted) pay the verdict finds below the floor."""
    candidate = wants(salary_floor=floor, salary_currency=currency)
    from jobraker.matching.filters import salary_floor

    in_sql = set(jobs(market).filter(salary_floor(candidate)).values_list("id", flat=True))
    rates = current_rates()
    for job in jobs(market):
        pay = verdict(job, candidate, rates).pay
        assert (job.id in in_sql) == (not (pay.below_floor and not pay.predicted)), (job.title, pay)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(places=st.lists(st.sampled_from(["London", "Belfast", "Québec", "California", "Coventry", "Leeds", "Islington",
                                        "NYC", "Bavaria", "UK", "Karnataka", "Orange County"]), min_size=1, max_size=3),
       radius_km=st.none() | st.integers(5, 300))
def test_the_sql_place_filter_and_the_pure_verdict_agree(market, places, radius_km):
    candidate = wants(locations=tuple(places), radius_km=radius_km)
    in_sql = set(jobs(market).filter(in_places(candidate)).values_list("id", flat=True))
    rates = current_rates()
    for job in jobs(market):
        assert (job.id in in_sql) == (verdict(job, candidate, rates).place is not None), (job.location, places)


def test_the_migration_derives_places_and_work_modes_for_listings_projected_before_it(market):
    import importlib
    import pkgutil

    from django.apps import apps

    import jobraker.projections.migrations as migrations

    [name] = [m.name for m in pkgutil.iter_modules(migrations.__path__) if "job_places_work_mode" in m.name]
    derive = importlib.import_module(f"{migrations.__name__}.{name}").derive_places_and_work_modes
    ids = [market.ids["middlesex"], market.ids["remote_in_description"]]
    JobRecord.objects.filter(id__in=ids).update(places=[], work_mode="", work_mode_evidence=[])
    derive(apps, None)
    middlesex, described = record(market, "middlesex"), record(market, "remote_in_description")
    assert "~gb/london" in middlesex.places and "gb/middlesex" in middlesex.places
    assert described.work_mode == "remote" and "Remote: (HQ: London)" in described.work_mode_evidence[0]
