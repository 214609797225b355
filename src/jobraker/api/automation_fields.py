"""The API's names for the automation settings, turned into the settings' own fields
(domain/candidate.AutoApplySettings): a level such as ``min_score`` is the field
``min_score_override``. Both API forms are read here: the current one (mode, strategy,
overrides) and the older on/off one of ``/candidates/me/auto-apply`` (enabled, min_score,
daily_cap), kept for existing clients."""

from __future__ import annotations

from typing import Any

from jobraker.domain.automation import LEVEL_NAMES

LEGACY_LEVELS = ("min_score", "daily_cap")


def automation_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """API names (mode, strategy, a level's name) → the settings' fields."""
    return {f"{name}_override" if name in LEVEL_NAMES else name: value for name, value in changes.items()}


def legacy_automation_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The on/off form in API names: enabled=true is full mode, enabled=false is off."""
    translated = {name: value for name, value in changes.items() if name in LEGACY_LEVELS}
    if "enabled" in changes:
        translated["mode"] = "full" if changes["enabled"] else "off"
    return translated
