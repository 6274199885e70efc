"""Seller hub core: marketplace API clients, canonical records and the sandbox.

This package never imports Odoo. The Odoo addons under ``addons/`` turn
records into plain values for it and its results back into records.
"""

__version__ = "18.0.1.0.0"
