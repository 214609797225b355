"""A labelled set of employer mails as applicant-tracking systems and recruiters write them, in
English, German and French: (sender, subject, body, expected class, expected interview date)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


LABELLED = [
    # --- English
    ("Acme Careers <careers@acme.example>", "Thank you for applying to Acme",
     "Hi Ada,\n\nThank you for applying for the Senior Python Developer role at Acme. We have received your application "
     "and our team will review it. If your profile matches, we will invite you to an interview.\n\nBest,\nAcme Talent Team",
     "confirmation", None),
    ("no-reply@greenhouse.io", "Your application to Globex",
     "Dear Ada,\n\nThanks for your interest in Globex. Unfortunately, after careful consideration we have decided to move "
     "forward with other candidates whose experience more closely matches the Data Engineer position.\n\nKind regards",
     "rejection", None),
    ("Jane Recruiter <jane@initech.example>", "Interview invitation - Backend Engineer",
     "Hello Ada,\n\nWe were impressed by your application and would like to invite you to a video interview with our "
     "engineering lead on December 14, 2026 at 2:30 pm. Please confirm the slot works for you.\n\nJane",
     "interview", utc(2026, 12, 14, 14, 30)),
    ("hr@umbrella.example", "Offer of employment",
     "Dear Ada,\n\nWe are delighted and pleased to offer you the position of Platform Engineer at Umbrella. Your offer "
     "letter is attached; please sign by Friday.\n\nWarm regards, HR",
     "offer", None),
    ("talent@hooli.example", "Next steps: Site Reliability Engineer",
     "Hi Ada, thanks for your time so far. We'd like to schedule a 30 minute phone interview with the hiring manager. "
     "Interview is scheduled for 2026-12-09 09:00 (Europe/Berlin). Reply if you need another time.",
     "interview", utc(2026, 12, 9, 9, 0)),
    ("jobs@stark.example", "Update on your application",
     "Dear Ada, we regret to inform you that the position has been filled. We will keep your details on file.",
     "rejection", None),
    ("news@stark.example", "Stark Industries newsletter: December",
     "Our quarterly results, the new campus and the holiday party. See you there!",
     "other", None),
    # --- German
    ("Personal <bewerbung@beispiel-gmbh.example>", "Eingangsbestätigung Ihrer Bewerbung",
     "Sehr geehrte Frau Lovelace,\n\nvielen Dank für Ihre Bewerbung als Softwareentwicklerin. Ihre Bewerbung ist bei uns "
     "eingegangen. Sollten Sie in die engere Wahl kommen, laden wir Sie zu einem Vorstellungsgespräch ein.\n\nMit freundlichen Grüßen",
     "confirmation", None),
    ("karriere@muster-ag.example", "Ihre Bewerbung bei der Muster AG",
     "Sehr geehrte Frau Lovelace,\n\nleider müssen wir Ihnen mitteilen, dass wir uns für einen anderen Bewerber entschieden "
     "haben. Wir wünschen Ihnen für Ihre berufliche Zukunft alles Gute.",
     "rejection", None),
    ("recruiting@technik.example", "Einladung zum Vorstellungsgespräch",
     "Hallo Ada,\n\nwir freuen uns, Sie zu einem persönlichen Vorstellungsgespräch am 15.12.2026 um 14:00 Uhr in unser "
     "Büro in Berlin einzuladen. Bitte bestätigen Sie den Termin.",
     "interview", utc(2026, 12, 15, 14, 0)),
    ("hr@fabrik.example", "Ihr Vertragsangebot",
     "Liebe Ada,\n\nwir freuen uns sehr, Ihnen die Stelle als Data Scientist anzubieten. Den Arbeitsvertrag senden wir "
     "Ihnen in den nächsten Tagen zu.",
     "offer", None),
    ("jobs@werk.example", "Termin Bewerbungsgespräch",
     "Guten Tag, wir möchten Sie gerne zu einem Bewerbungsgespräch einladen. Wann passt es Ihnen in der kommenden Woche?",
     "interview", None),
    # --- French
    ("recrutement@exemple.example", "Votre candidature",
     "Bonjour Ada,\n\nNous avons bien reçu votre candidature au poste de Développeuse Python et nous vous en remercions. "
     "Notre équipe l'étudie avec attention.",
     "confirmation", None),
    ("rh@societe.example", "Réponse à votre candidature",
     "Madame,\n\nNous avons le regret de vous informer que votre candidature n'a pas été retenue. Malheureusement, "
     "nous ne pouvons pas donner une suite favorable.",
     "rejection", None),
    ("rh@entreprise.example", "Convocation à un entretien",
     "Bonjour Ada,\n\nNous souhaitons vous inviter à un entretien le 16 décembre 2026 à 9h30 dans nos locaux à Paris.",
     "interview", utc(2026, 12, 16, 9, 30)),
    ("direction@startup.example", "Proposition d'embauche",
     "Bonjour Ada,\n\nNous sommes ravis de vous adresser cette proposition d'embauche pour le poste d'ingénieure backend.",
     "offer", None),
]
