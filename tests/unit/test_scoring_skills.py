"""Skills under their common names (pure: no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jobraker.matching.skills import (
    SYNONYM_GROUPS,
    canonical,
    evidence,
    mentions,
    names_of,
    title_evidence,
)


def test_maths_meets_mathematics_both_ways():
    assert mentions("Teacher of Mathematics, 11-18 comprehensive", "maths")
    assert mentions("Maths Teacher (QTS) for KS3 and KS4", "mathematics")
    assert canonical("Maths") == canonical("MATHEMATICS") == "mathematics"


def test_rgn_meets_registered_general_nurse():
    assert mentions("Registered general nurse with active NMC PIN for a nursing home", "RGN")
    assert mentions("RGN required, days or nights", "registered general nurse")


def test_abbreviations_of_software_skills():
    assert mentions("Kubernetes platform on AWS with Terraform", "k8s")
    assert mentions("Postgres and Redis", "PostgreSQL")
    assert mentions("ASP.NET Core services on Azure", ".NET")
    assert mentions("We write C++17 on Linux", "C++")


def test_whole_words_only_no_false_friends():
    assert not mentions("Barista serving our house Java blend", "JavaScript")
    assert not mentions("a good team to go live with", "Golang")  # lower-case "go" is a word, not the language
    assert mentions("Backend services in Go and gRPC", "Golang")
    assert not mentions("Data entry clerk", "data science")


def test_a_snake_keeper_names_pythons_not_python():
    # "pythons" is not the word "python": whole words only.
    assert not mentions("care for our collection of pythons and boas", "Python")


def test_evidence_counts_named_and_similar_skills():
    found = evidence(["maths", "GCSE", "QTS", "rugby"], "Teacher of mathematics, GCSE and A level", similar=["QTS"])
    assert found.named == ("maths", "GCSE")
    assert found.similar == ("QTS",)
    assert found.missing == ("rugby",)
    assert found.coverage == (2 + 0.5) / 4


def test_title_evidence_reads_the_wished_for_title():
    assert title_evidence("Maths teacher", [], "Teacher of Mathematics") == 1.0
    assert title_evidence("Java developer", [], "Barista - Java Coffee House") < title_evidence("Java developer", [], "Java Developer")
    assert title_evidence("Data scientist", [], "Data Entry Clerk") < 1.0
    assert title_evidence("Barista", ["coffee"], "Senior Java Developer (Spring Boot)") == 0.0


@given(st.sampled_from(SYNONYM_GROUPS), st.data())
def test_every_name_of_a_group_finds_every_other(group, data):
    written = data.draw(st.sampled_from(group))
    asked = data.draw(st.sampled_from(group))
    text = f"We need someone with {written.upper() if written in ('go',) else written} experience."
    if written in {"go", "ts", "ci", "rn", "ai", "ui", "ml", "tps"}:
        text = f"We need someone with {written.upper() if written != 'go' else 'Go'} experience."
    assert mentions(text, asked), (written, asked)
    assert canonical(asked) == group[0]
    assert names_of(asked)[0] == asked.lower()
