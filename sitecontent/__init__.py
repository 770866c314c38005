"""Site-wide text editors change in the admin: the home page's subject line,
its introduction and the order of the topics (the subject is data, never code)."""
