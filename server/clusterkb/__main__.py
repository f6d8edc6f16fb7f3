"""Allow ``python -m clusterkb``."""

from clusterkb.cli import main

main()
