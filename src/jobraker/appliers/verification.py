"""Did the employer's site confirm the application? Read from what Skyvern reports.

A run that Skyvern calls *completed* only says the browser got to the end of its steps.
Jobraker counts an application as submitted when the output shows the employer's
confirmation (a confirmation message or number, or a page saying the application was
received); otherwise it is recorded as *unverified*, with the reason shown to the candidate.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Asked of Skyvern with every task, so that its output names the confirmation when there is one.
CONFIRMATION_SCHEMA = {
    "type": "object",
    "properties": {
        "submitted": {"type": "boolean", "description": "True only if the application form was submitted."},
        "confirmation": {
            "type": "string",
            "description": "The confirmation message the employer's site showed after submitting, word for word; empty if none.",
        },
        "confirmation_number": {"type": "string", "description": "Any application or reference number shown; empty if none."},
    },
}

CONFIRMATION_KEYS = ("confirmation", "confirmation_text", "confirmation_message", "confirmation_number",
                     "confirmation_id", "reference", "reference_number", "application_reference")
# Fallback when the extraction names no confirmation: what employers' pages say, in the languages
# of the countries Jobraker searches. Each phrase is a confirmation only when no denial is near.
CONFIRMING_PHRASES = {
    "en": r"thanks? (you )?for (applying|your (application|interest))|application (has been |was )?(received|submitted|sent)"
          r"|(received|got) your application|successfully (submitted|applied)|confirmation (number|code|id)",
    "de": r"vielen dank für (ihre|deine) bewerbung|danke für (ihre|deine) bewerbung"
          r"|(ihre|deine) bewerbung (ist|wurde) (erfolgreich )?(eingegangen|übermittelt|versendet|gesendet|abgeschickt)"
          r"|bewerbung (erfolgreich )?(eingegangen|übermittelt|abgeschickt)|eingangsbestätigung",
    "fr": r"merci (pour|de) (votre|ta) candidature|(votre|ta) candidature (a bien été|a été) (envoyée|reçue|transmise|enregistrée)"
          r"|nous avons (bien )?reçu (votre|ta) candidature|candidature (envoyée|reçue|transmise) avec succès",
    "es": r"gracias por (tu|su) (solicitud|candidatura|postulación|aplicación)"
          r"|(tu|su) (solicitud|candidatura|postulación) (ha sido|fue|se ha) (enviada|recibida|registrada)"
          r"|hemos recibido (tu|su) (solicitud|candidatura|postulación)",
    "it": r"grazie per (la tua|la sua|aver inviato la) candidatura|(la tua|la sua) candidatura (è stata|e' stata) (inviata|ricevuta|registrata)"
          r"|abbiamo ricevuto (la tua|la sua) candidatura|candidatura inviata con successo",
    "nl": r"bedankt voor (je|jouw|uw) sollicitatie|dank (je|u) voor (je|jouw|uw) sollicitatie"
          r"|(je|jouw|uw) sollicitatie is (succesvol )?(ontvangen|verzonden|verstuurd|ingediend)"
          r"|we hebben (je|jouw|uw) sollicitatie (goed )?ontvangen",
    "pt": r"obrigad[oa] pela (sua|tua) candidatura|(sua|tua) candidatura (foi|já foi) (enviada|recebida|submetida|registrada|registada)"
          r"|recebemos (a sua|sua|a tua) candidatura|candidatura enviada com sucesso",
}
DENYING_PHRASES = {
    "en": r"\b(not|never|couldn't|could not|unable to|failed to) (be )?(submit|sent|send|apply)",
    "de": r"\bnicht (übermittelt|gesendet|versendet|abgeschickt|eingegangen)|\bfehlgeschlagen|\bkonnte nicht",
    "fr": r"\bn'a pas (pu )?être|\bpas (été )?(envoyée|transmise|reçue)|\béchec\b|\bimpossible d'envoyer",
    "es": r"\bno (se )?(ha podido|pudo|fue) (enviar|enviada|recibida)|\berror al enviar",
    "it": r"\bnon (è stata|e' stata|è possibile) (inviata|ricevuta|inviare)|\binvio non riuscito",
    "nl": r"\bniet (verzonden|verstuurd|ontvangen|ingediend)|\bmislukt",
    "pt": r"\bnão (foi|pôde ser|foi possível) (enviada|recebida|enviar)|\bfalha ao enviar",
}
CONFIRMING_WORDS = re.compile("|".join(f"(?:{p})" for p in CONFIRMING_PHRASES.values()), re.IGNORECASE)
DENYING_WORDS = re.compile("|".join(f"(?:{p})" for p in DENYING_PHRASES.values()), re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    confirmed: bool
    evidence: str  # the confirmation seen, or why none counts


def verify(output: Any) -> Verdict:
    """Whether Skyvern's output shows a confirmation from the employer's site: the structured
    extraction first (``submitted``, ``confirmation``…), then phrases in seven languages."""
    if output in (None, "", {}, []):
        return Verdict(False, "Skyvern finished but reported nothing from the employer's site, so there is no confirmation.")
    if isinstance(output, dict):
        if output.get("submitted") is False:
            return Verdict(False, f"Skyvern finished but reports the form was not submitted ({_excerpt(output)}).")
        for key in CONFIRMATION_KEYS:
            value = output.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                return Verdict(True, f"{key}: {str(value).strip()[:300]}")
    text = " ".join(_strings(output))
    found = CONFIRMING_WORDS.search(text)
    if found and not DENYING_WORDS.search(text):
        return Verdict(True, _around(text, found.start()))
    return Verdict(False, f"Skyvern finished, but the employer's site showed no confirmation ({_excerpt(output)}).")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _around(text: str, at: int) -> str:
    return text[max(0, at - 60): at + 200].strip()


def _excerpt(output: Any) -> str:
    text = output if isinstance(output, str) else json.dumps(output, ensure_ascii=False, default=str)
    return f"output: {text[:200]}" + ("…" if len(text) > 200 else "")
