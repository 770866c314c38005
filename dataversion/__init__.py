"""One number that changes whenever stored data changes, kept in the database
so that every process sees it (see :mod:`dataversion.version`)."""
