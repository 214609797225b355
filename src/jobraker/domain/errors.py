"""Why the domain refuses a command. The API turns these into problem details."""


class DomainError(Exception):
    """A command the business rules refuse."""


class InvalidValue(DomainError, ValueError):
    """A value a command carries breaks a rule (e.g. an empty name)."""


class IllegalTransition(DomainError):
    """The command is not allowed in the aggregate's current state."""

    def __init__(self, action: str, state: str) -> None:
        super().__init__(f"cannot {action} when {state}")
        self.action = action
        self.state = state


class NotFound(DomainError):
    """No aggregate with this id."""


class StaleVersion(DomainError):
    """The caller's expected version is not the aggregate's current version."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the current version is {current}")
        self.current = current


class ConcurrentUpdate(DomainError):
    """Another command changed the aggregate while this one ran, more often than retried."""


class CandidateAlreadyRegistered(DomainError):
    """Another identity (candidate, staff member or auditor) holds this e-mail address."""


class ApplicationExists(DomainError):
    """The candidate already has an application for this job."""
