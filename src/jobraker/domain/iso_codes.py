"""ISO 3166 country and ISO 4217 currency codes, checked against pycountry's maintained tables
rather than a hand-written list. Pure Python: the domain validates with these too."""

from __future__ import annotations

from functools import lru_cache

import pycountry

# The currency each job market Jobraker reads pays in: a listing that names no currency is taken
# to pay in its country's.
MARKET_CURRENCIES = {"gb": "GBP", "us": "USD", "de": "EUR", "fr": "EUR", "nl": "EUR", "es": "EUR", "it": "EUR",
                     "at": "EUR", "be": "EUR", "ca": "CAD", "au": "AUD", "nz": "NZD", "in": "INR", "pl": "PLN",
                     "br": "BRL", "mx": "MXN", "sg": "SGD", "za": "ZAR", "ch": "CHF"}

# Codes in use that ISO 3166-1 reserves rather than assigns: Adzuna and most job boards say
# "uk" for the United Kingdom.
COUNTRY_ALIASES = {"uk": "gb"}


@lru_cache(maxsize=512)
def known_country(code: str) -> bool:
    return len(code) == 2 and code.isascii() and code.isalpha() and (
        code.lower() in COUNTRY_ALIASES or pycountry.countries.get(alpha_2=code.upper()) is not None)


@lru_cache(maxsize=512)
def known_currency(code: str) -> bool:
    return len(code) == 3 and code.isascii() and code.isalpha() and code.isupper() and (
        pycountry.currencies.get(alpha_3=code) is not None)


def country_code(code: str) -> str:
    """The lower-case alpha-2 code Jobraker stores ("uk" becomes "gb")."""
    code = code.lower()
    return COUNTRY_ALIASES.get(code, code)


@lru_cache(maxsize=512)
def country_of_name(name: str) -> str | None:
    """The alpha-2 code of a country named in English, by its official or common name, or its
    alpha-2/alpha-3 code ("UK", "United States", "Deutschland" is handled by the gazetteer)."""
    text = name.strip()
    if text.lower() in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[text.lower()]
    try:
        found = pycountry.countries.lookup(text)
    except LookupError:
        return None
    return found.alpha_2.lower()
