"""stridekit's exceptions. Every message says what went wrong, where, and what to do."""

from __future__ import annotations

from pathlib import Path


class StridekitError(Exception):
    """The base of every error stridekit raises on purpose."""


class SchemaError(StridekitError, ValueError):
    """A frame does not match its table in :mod:`stridekit.schema`."""


class LogFormatError(StridekitError, ValueError):
    """A file could not be read as the training-log format it claims to be.

    Parameters
    ----------
    path
        The file that was being read.
    problem
        What is wrong, in words.
    line, column
        Where in the file, when known (1-based line; column name or number).
    fix
        What the runner can do about it.
    """

    def __init__(
        self,
        path: str | Path,
        problem: str,
        *,
        line: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        self.column = column
        self.fix = fix
        where = self.path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        message = f"{where}: {problem}"
        if fix:
            message += f". {fix}"
        super().__init__(message)


class UnsafeInputError(LogFormatError):
    """A file was refused because reading it could exhaust memory or escape its folder."""


class UnknownFormatError(LogFormatError):
    """A file's content matches none of the formats stridekit reads."""
