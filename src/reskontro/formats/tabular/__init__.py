"""CSV and XLSX: the import files of the core sub-ledger, and report export as CSV and JSON."""
