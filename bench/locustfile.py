"""What the benchmark's simulated clients do (run by bench/run.py).

BENCH_TARGETS names a JSON file of claim slugs, search words and filter values
taken from the database under test. BENCH_MIX chooses the traffic:

- ``readers``: readers and API clients on every main read path, each waiting
  0.5–1.5 s between requests (run with 50 users);
- ``evidence``: the evidence list only, no waiting (run with 4 users, for
  requests per second against the baseline).
"""

import json
import os
import random

from locust import FastHttpUser, between, constant, tag, task

TARGETS = json.load(open(os.environ["BENCH_TARGETS"]))  # noqa: SIM115
MIX = os.environ.get("BENCH_MIX", "readers")


def evidence_url():
    # Designs with their own evidence type, so that no filter comes out empty.
    evidence_type, design = random.choice(TARGETS["filters"])
    page = random.randint(1, 5)
    return (
        f"/api/v1/evidence/?evidence_type={evidence_type}&design={design}&page={page}",
        "API evidence list (type, design)",
    )


class Reader(FastHttpUser):
    wait_time = between(0.5, 1.5) if MIX == "readers" else constant(0)

    def get(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(3 if MIX == "readers" else 1)
    def evidence_list(self):
        self.get(*evidence_url())

    if MIX == "readers":

        @task(2)
        def claims_list(self):
            query = random.choice(
                ["page=1", "page=2", "ordering=-strength", "topic=effect"]
            )
            self.get(f"/api/v1/claims/?{query}", "API claims list")

        @task(2)
        def claim_detail(self):
            slug = random.choice(TARGETS["claims"])
            self.get(f"/api/v1/claims/{slug}/", "API claim detail")

        @task(2)
        def study_search(self):
            word = random.choice(TARGETS["search_words"])
            self.get(f"/api/v1/studies/?q={word}", "API studies search")

        @task(2)
        def claims_page(self):
            query = random.choice(
                ["page=1", "page=2", "ordering=-strength", "topic=risk"]
            )
            self.get(f"/claims/?{query}", "page /claims/")

        @task(2)
        def claim_page(self):
            slug = random.choice(TARGETS["claims"])
            self.get(f"/claims/{slug}/", "page /claims/<slug>/")

        @tag("largest")
        @task(1)
        def largest_claim_page(self):
            slug = random.choice(TARGETS["largest_claims"])
            self.get(f"/claims/{slug}/", "page /claims/<slug>/ (5 largest claims)")
