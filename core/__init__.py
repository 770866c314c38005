"""The shared layer: what every app uses and that knows no app.

Base API viewsets and their response cache, pagination, renderers, parsers,
content negotiation, throttling, the OpenAPI schema class, middleware, the
primary/replica database router, logging, error views and admin base classes.
Nothing here imports ``studies``, ``evidence`` or ``accounts``; they import it
(import-linter checks this, see ARCHITECTURE.md).
"""
