"""Getting notifications to candidates: e-mail, the live stream, digests, job alerts, reminders."""
