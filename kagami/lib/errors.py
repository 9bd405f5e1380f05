"""The one error type workflow functions raise for a refused action."""


class DomainError(Exception):
    """A rule of the guideline or of the system refuses the action.

    `message` is written for the person who tried (already translated); views show it as is
    and change nothing.
    """

    def __init__(self, message: str, *, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
