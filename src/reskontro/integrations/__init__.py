"""Things that talk to the outside world (register, SMTP, collection agencies); each behind a Protocol."""
