"""Backups of the whole database and restoring them: ``manage.py backup`` and
``manage.py restore``. An app of its own above the domain apps: it reads
every app's models (through the app registry, and Release for its files),
and nothing imports it. The files it writes go to the git-ignored backups/
folder at the top of the checkout (a volume in docker-compose.yml), which is
why this package is named ``backup``, not ``backups``.
"""
