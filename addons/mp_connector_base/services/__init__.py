"""Algorithms of the order import that need the ORM but are no model."""

from . import stored_text
