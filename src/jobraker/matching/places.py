"""Places as a hierarchy, so "Middlesex" is in the London area and "Irvine" in California.

A job's place is stored as *keys*: its country code, the id of every place its location names
(``gb/london``), every place those lie within or commute to (their ancestors), and a loose
``*/name`` key for each name, known or not. A candidate's place becomes the ids it names (or
its loose key when the gazetteer does not know it); the job matches when the two sets meet.

Known places come from ISO 3166-2 via pycountry (states, provinces, regions, counties) and
from a small shipped gazetteer (``data/gazetteer.json``): Adzuna's own region names, major
cities with their coordinates, and aliases ("NYC", "München", "Co Antrim")."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import pycountry

from jobraker.domain.iso_codes import COUNTRY_ALIASES

LEVELS = ("country", "region", "county", "city", "district")
LOOSE = "*/"  # prefix of a key made from a name alone, known to the gazetteer or not
AREA = "~"  # prefix of a place whose commuting area the job is in (Middlesex: ~gb/london)
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_ISO_CODE = re.compile(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b")


def slug(name: str) -> str:
    """A name as compared: accents, case, punctuation and "&"/"and" differences ignored."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "").replace(".", "")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def place_id(code: str) -> str:
    """``cc/name`` with the name slugged, so the gazetteer may be written readably."""
    country, _, name = code.partition("/")
    return f"{country.lower()}/{slug(name)}" if name else country.lower()


@dataclass(frozen=True)
class Place:
    id: str
    level: str
    country: str
    within: tuple[str, ...] = ()
    area_of: tuple[str, ...] = ()  # places whose commuting area this one lies in
    lat: float | None = None
    lon: float | None = None


@dataclass
class Gazetteer:
    places: dict[str, Place] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # slug -> place ids
    countries: dict[str, str] = field(default_factory=dict)  # slug -> country code

    def add(self, place: Place, names: Iterable[str]) -> None:
        old = self.places.get(place.id)
        if old is not None:  # the shipped entry refines pycountry's: its level, links, coordinates
            place = Place(place.id, place.level, place.country, tuple(dict.fromkeys(old.within + place.within)),
                          place.area_of or old.area_of, place.lat if place.lat is not None else old.lat,
                          place.lon if place.lon is not None else old.lon)
        self.places[place.id] = place
        for name in names:
            if slug(name):
                self.names[slug(name)].add(place.id)

    def resolve(self, name: str, countries: Iterable[str] = ()) -> list[Place]:
        """The places a name may mean, in the given countries when any are given."""
        key = slug(name)
        if key in self.countries:
            return [self.places[self.countries[key]]]
        wanted = set(countries)
        found = [self.places[i] for i in sorted(self.names.get(key, ())) if i in self.places]
        return [p for p in found if not wanted or p.country in wanted]

    def ancestors(self, place_ids: Iterable[str]) -> set[str]:
        """The places, every place they lie within, and their countries."""
        return self._closure(place_ids, lambda p: (*p.within, p.country))

    def commuting_areas(self, place_ids: Iterable[str]) -> set[str]:
        """The places whose commuting area these places lie in, and everything those lie within."""
        return self.ancestors(a for pid in place_ids if pid in self.places for a in self.places[pid].area_of)

    def _closure(self, start: Iterable[str], links: Callable[[Place], Iterable[str]]) -> set[str]:
        seen, todo = set(), list(start)
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if current in self.places:
                todo.extend(links(self.places[current]))
        return seen


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    found = Gazetteer()
    for country in pycountry.countries:
        code = country.alpha_2.lower()
        found.add(Place(code, "country", code), [])
        for name in (country.name, getattr(country, "official_name", ""), getattr(country, "common_name", "")):
            if name:
                found.countries[slug(name)] = code
    for alias, code in COUNTRY_ALIASES.items():
        found.countries[slug(alias)] = code
    _add_subdivisions(found)
    _add_shipped(found)
    return found


def _add_subdivisions(found: Gazetteer) -> None:
    by_code = {s.code: s for s in pycountry.subdivisions}
    for sub in by_code.values():
        names = _subdivision_names(sub.name)
        country = sub.country_code.lower()
        parent = by_code.get(sub.parent_code) if getattr(sub, "parent_code", None) else None
        within = (place_id(f"{country}/{_subdivision_names(parent.name)[0]}"),) if parent else ()
        if sub.type == "London borough":  # ISO puts them under England; they are London
            within = ("gb/london",)
        # Top-level subdivisions are regions (states, provinces, Länder), except the UK's councils.
        top = parent is None and (country != "gb" or sub.type in ("Country", "Province"))
        level = "region" if top else "county"
        found.add(Place(place_id(f"{country}/{names[0]}"), level, country, within), names)


def _subdivision_names(name: str) -> list[str]:
    """ISO writes "Catalunya [Cataluña]", "Cardiff [Caerdydd GB-CRD]", "London, City of"."""
    names = [_BRACKETS.sub("", name).strip()]
    names += [_ISO_CODE.sub("", inner).strip() for inner in _BRACKETS.findall(name)]
    if ", " in names[0]:
        head, tail = names[0].split(", ", 1)
        names.append(f"{tail} {head}")
    return [n for n in names if n]


def _add_shipped(found: Gazetteer) -> None:
    data = json.loads(resources.files("jobraker.matching").joinpath("data", "gazetteer.json").read_text("utf-8"))
    for code, aliases in data["countries"].items():
        for alias in aliases:
            found.countries[slug(alias)] = code
    for entry in data["places"]:
        pid = place_id(entry["id"])
        country, _, name = pid.partition("/")
        place = Place(pid, entry["level"], country, tuple(place_id(w) for w in entry.get("within", ())),
                      tuple(place_id(a) for a in entry.get("area_of", ())), entry.get("lat"), entry.get("lon"))
        found.add(place, [name, *entry.get("aliases", ())])


def job_place_keys(country: str, location: str, area: Iterable[str]) -> list[str]:
    """Every key a job's place answers to: its country, the known places it names and all they lie
    within, ``~id`` for each place whose commuting area it is in, and a loose key for each name."""
    places = gazetteer()
    area = [a for a in area if a and a.strip()]
    if area and (slug(area[0]) in places.countries or slug(area[0]) == country):  # the area starts with the country
        country = country or places.countries[slug(area[0])]
        area = area[1:]
    keys: set[str] = {country} if country else set()
    named: set[str] = set()
    for name in [*area, location, *location.split(",")]:  # the whole: "New York, NY" names the city
        if not slug(name):
            continue
        if slug(name) in places.countries:
            keys.add(places.countries[slug(name)])
            continue
        keys.add(LOOSE + slug(name))
        named |= {p.id for p in places.resolve(name, [country] if country else [])}
    within = places.ancestors(named)
    keys |= within
    keys |= {AREA + pid for pid in places.commuting_areas(within) - within}
    return sorted(keys)


@dataclass(frozen=True)
class WantedPlace:
    """One place a candidate named, as the keys a job's place must share to be in it."""

    text: str
    keys: tuple[str, ...]
    level: str  # the broadest level among the places the name may mean, or "text" if unknown
    coordinates: tuple[tuple[float, float], ...] = ()

    @property
    def known(self) -> bool:
        return self.level != "text"


def wanted_places(locations: Iterable[str], countries: Iterable[str] = ()) -> tuple[WantedPlace, ...]:
    places = gazetteer()
    countries = list(countries)
    wanted = []
    for text in locations:
        found = (countries and places.resolve(text, countries)) or _major(places.resolve(text))
        if not found:
            wanted.append(WantedPlace(text, (LOOSE + slug(text),), "text"))
            continue
        level = min((p.level for p in found), key=LEVELS.index)
        coordinates = tuple((p.lat, p.lon) for p in found if p.lat is not None and p.lon is not None)
        wanted.append(WantedPlace(text, tuple(p.id for p in found), level, coordinates))
    return tuple(wanted)


def _major(found: list[Place]) -> list[Place]:
    """Without a country to go by, "Manchester" means the city with coordinates in the shipped
    gazetteer (a major city), not a parish of Jamaica of the same name."""
    return [p for p in found if p.lat is not None] or found


@dataclass(frozen=True)
class PlaceMatch:
    """Where a job met one of the candidate's places."""

    place: str  # the candidate's words
    level: str  # country/region/county/city/district of the candidate's place, "text" or "radius"
    via: str  # "hierarchy", "area" (the job lies in the place's commuting area), "radius" or "text"
    distance_km: float | None = None

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"place": self.place, "level": self.level, "via": self.via}
        if self.distance_km is not None:
            found["distance_km"] = round(self.distance_km, 1)
        return found


def place_match(job_keys: Iterable[str], job_location: str, job_coordinates: tuple[float | None, float | None],
                wanted: Iterable[WantedPlace], radius_km: int | None = None) -> PlaceMatch | None:
    """The first of the candidate's places the job lies in (by hierarchy, commuting area, name,
    or radius), if any."""
    keys, wanted = set(job_keys), tuple(wanted)
    for place in wanted:
        if not place.known and keys & set(place.keys) or place.text.casefold() in job_location.casefold():
            return PlaceMatch(place.text, place.level, "text")
        if keys & set(place.keys):
            return PlaceMatch(place.text, place.level, "hierarchy")
        if keys & {AREA + k for k in place.keys}:
            return PlaceMatch(place.text, place.level, "area")
    lat, lon = job_coordinates
    if radius_km and lat is not None and lon is not None:
        for place in wanted:
            for centre in place.coordinates:
                distance = distance_km(centre, (lat, lon))
                if distance <= radius_km:
                    return PlaceMatch(place.text, place.level, "radius", distance)
    return None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) on a sphere of the Earth's mean radius."""
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


EARTH_RADIUS_KM = 6371.0
