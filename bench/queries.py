"""Queries per request, measured with Django's test client (bench/run.py).

For each URL: the queries of a first request (counts not yet cached) and of
a second one (as on every later request with the same filters), with the
response cache off, the streamed body consumed. Prints JSON.
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["API_RESPONSE_CACHE_SECONDS"] = "0"
django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        if response.streaming:
            for _ in response.streaming_content:
                pass
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries)


def main(urls):
    cache.clear()
    client = Client()
    result = {}
    for name, url in urls.items():
        first = queries(client, url)
        result[name] = {"url": url, "first": first, "later": queries(client, url)}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
