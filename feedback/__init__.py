"""Readers' "report a problem" notes on claim and study pages, for editors.

No account is needed: a note is rate-limited per client address, CSRF-protected
and guarded by a honeypot field that people never see."""
