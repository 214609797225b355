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
