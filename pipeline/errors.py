"""Errors that reject one input row (never a whole run)."""


class RejectRow(Exception):
    """A row cannot become a listing; `field` names the source column at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
