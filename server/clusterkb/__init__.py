"""clusterkb: publish a knowledge base of European cluster organisations as Linked Data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("clusterkb")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
