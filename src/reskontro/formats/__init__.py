"""Codecs between bytes and plain records. Pure functions: no database, no network, no clock."""
