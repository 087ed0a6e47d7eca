"""`python -m forecast` runs the command line."""

from .cli import main

main()
