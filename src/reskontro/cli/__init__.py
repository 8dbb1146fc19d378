"""The command line: thin, one service call per command."""
