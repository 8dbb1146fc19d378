"""ISO 20022 messages: camt.053 / camt.054 in, pain.001 out, pain.002 in.

The official message schemas (ISO 20022 archive, free use under the ISO 20022 IPR policy) are in
``schemas/``; see ``schemas/SOURCES.md``.
"""
