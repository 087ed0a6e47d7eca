"""`python -m forecast` runs the command line."""

from .cli import console

console()
