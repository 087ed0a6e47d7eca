"""The project's own error types and their exit codes."""

from __future__ import annotations

EXIT_USER_ERROR = 2
EXIT_SAMPLER_TROUBLE = 3


class ForecastError(Exception):
    """A user mistake (bad file, bad option): reported without a traceback, exit code 2.

    ``where`` names the file (and row or key) at fault; the message says what was
    found and what was expected.
    """

    exit_code = EXIT_USER_ERROR

    def __init__(self, message: str, where: str | None = None):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class SamplerTrouble(Exception):
    """Raised under ``--strict`` when the sampler's diagnostics miss their thresholds (exit 3)."""

    exit_code = EXIT_SAMPLER_TROUBLE
