"""Access to the app's configuration and store from inside a request."""

from __future__ import annotations

from flask import current_app

from clusterkb.config import Config
from clusterkb.store.base import Store


def config() -> Config:
    return current_app.extensions["clusterkb.config"]


def store() -> Store:
    return current_app.extensions["clusterkb.store"]
