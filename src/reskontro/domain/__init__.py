"""The sub-ledger's rules in plain Python: no database, no framework, no clock."""
