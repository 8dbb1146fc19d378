"""Reskontro: customer and supplier sub-ledgers for Norwegian companies."""

__version__ = "0.1.0"
