"""The errors of lakmoes and the exit statuses of the `lakmoes` command, in
one place: the CLI returns an `ExitCode`, the release flow chooses among
them, and the CLI's help text is built from their descriptions."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit status of `lakmoes`, the same for every subcommand where it applies."""

    description: str

    def __new__(cls, value: int, description: str) -> ExitCode:
        member = int.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    OK = 0, "every input published (`redactions`: no high-severity finding)"
    FAILED = 1, ("the run failed: no new release is visible and `latest` is unchanged (`redactions`: a file "
                 "could not be read; `report`: no release in DIR; `normalise`: the file cannot be read or the "
                 "log written)")
    USAGE = 2, "usage error"
    QUARANTINED = 3, ("the run completed, but inputs were quarantined or held back (`redactions`: a high-severity "
                      "finding, which wins over 1). When no input at all could be published, the release is set "
                      "aside under `DIR/failed/<id>/` and `latest` stays where it was")
    QUALITY = 4, "the quality gate stopped the release: it is set aside under `DIR/failed/<id>/` with its report"


def exit_codes_text() -> str:
    """The exit statuses as the CLI's help lists them."""
    return "\n".join(f"  {code.value}  {code.description}" for code in ExitCode)


def exit_codes_markdown() -> str:
    """The exit statuses as the README lists them."""
    rows = [f"| {code.value} | {code.description} |" for code in ExitCode]
    return "\n".join(["| status | meaning |", "|---|---|", *rows]) + "\n"


class LakmoesError(Exception):
    """Base of every error lakmoes raises on purpose."""


class InputError(LakmoesError):
    """An input that cannot be processed. `reason` is short and stable (it
    is what the quarantine table and the manifest show); `detail` explains,
    and never quotes personal data."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:
        # Raised in a worker process and re-raised in the run's: without
        # this, unpickling would pass the joined message as the reason.
        return type(self), (self.reason, self.detail)


class PdfError(InputError):
    """A PDF that cannot be read: an input error raised by the PDF backend."""


class TooManyPages(LakmoesError):
    """A PDF with more pages than one work unit reads whole: raised before
    any page is walked, so that the run extracts it in chunks instead. The
    unit that finds it out has opened the file once, where asking for the
    page count first cost every PDF a second open and a round trip."""

    def __init__(self, pages: int):
        super().__init__(f"{pages} pages")
        self.pages = pages

    def __reduce__(self) -> tuple[type[TooManyPages], tuple[int]]:
        return type(self), (self.pages,)


class SuiteError(LakmoesError, ValueError):
    """A quality suite file that is not valid: a fault of lakmoes itself,
    found before any table is validated."""
