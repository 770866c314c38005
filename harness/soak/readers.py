"""Readers of the pages and of the API, as the public reads them."""

import time
from urllib.parse import parse_qs, urlencode, urlsplit

from .ledger import DESIGNS, DIRECTIONS, EVIDENCE_TYPES, WORDS


class Reader:
    """Reads pages or the API as the public does; writers' objects may vanish."""

    def __init__(self, client, ledger, claims, studies, rng, api):
        self.client, self.ledger, self.rng = client, ledger, rng
        self.claims, self.studies = claims, studies
        self.api = api
        self.etags = {}

    def run(self, deadline):
        actions = self.api_actions() if self.api else self.page_actions()
        while time.monotonic() < deadline:
            self.rng.choices(
                [action for action, _ in actions], [weight for _, weight in actions]
            )[0]()

    def page_actions(self):
        get, rng = self.client.get, self.rng
        return [
            (lambda: get("/"), 1),
            (lambda: get("/claims/"), 1),
            (lambda: get(f"/claims/?topic={rng.choice(['mechanism', 'effect', 'risk'])}&evidence_type={rng.choice(EVIDENCE_TYPES)}"), 2),
            (lambda: get(f"/claims/?q={rng.choice(WORDS)}&ordering=-strength"), 1),
            (lambda: get(f"/claims/{rng.choice(self.claims)}/"), 4),
            (lambda: get(f"/claims/{rng.choice(self.claims)}/?evidence_type={rng.choice(EVIDENCE_TYPES)}&direction={rng.choice(DIRECTIONS)}"), 1),
            (lambda: get(f"/claims/{rng.choice(self.claims)}/v/1/"), 1),
            (lambda: get(f"/studies/?q={rng.choice(WORDS)}"), 1),
            (lambda: get(f"/studies/?design={rng.choice(DESIGNS)}&ordering=-year"), 1),
            (lambda: get(f"/studies/{rng.choice(self.studies)}/"), 2),
            (self.writers_study_page, 2),
        ]  # fmt: skip

    def writers_study_page(self):
        ids = self.ledger.study_ids()
        if ids:
            self.client.get(f"/studies/{self.rng.choice(ids)}/", expect=(200, 404))

    def api_actions(self):
        get, rng = self.client.get, self.rng
        return [
            (lambda: get(f"/api/v1/claims/?page_size={rng.choice([5, 10])}&page={rng.randint(1, 2)}&ordering={rng.choice(['-strength', 'statement', '-updated'])}"), 2),
            (lambda: get(f"/api/v1/claims/?topic=effect&certainty={rng.choice(['low', 'very_low', 'moderate'])}"), 1),
            (lambda: self.conditional(f"/api/v1/claims/{rng.choice(self.claims)}/"), 3),
            (lambda: get(f"/api/v1/claims/{rng.choice(self.claims)}/versions/"), 1),
            (lambda: self.pages(f"/api/v1/evidence/?claim={rng.choice(self.claims)}&page_size=5"), 2),
            (lambda: self.pages(f"/api/v1/evidence/?evidence_type={rng.choice(EVIDENCE_TYPES)}&direction={rng.choice(DIRECTIONS)}&cursor="), 1),
            (lambda: get(f"/api/v1/studies/?q={rng.choice(WORDS)}&design={rng.choice(DESIGNS)}"), 1),
            (lambda: self.conditional(f"/api/v1/studies/{rng.choice(self.studies)}/"), 2),
            (self.writers_objects, 2),
            (lambda: self.csv(f"/api/v1/evidence/?format=csv&claim={rng.choice(self.claims)}"), 1),
            (lambda: self.csv(f"/api/v1/studies/?format=csv&design={rng.choice(DESIGNS)}"), 0.5),
            (lambda: self.csv("/api/v1/claims/?format=csv"), 0.5),
            (lambda: get("/api/v1/schema/"), 0.1),
        ]  # fmt: skip

    def conditional(self, path):
        etag = self.etags.get(path)
        response = self.client.get(
            path, headers={"If-None-Match": etag} if etag else {}, expect=(200, 304)
        )
        if response is not None and response.status_code == 200:
            self.etags[path] = response.headers.get("ETag")

    def pages(self, path, limit=3):
        for _ in range(limit):
            numbered = "page=" in path
            response = self.client.get(path, expect=(200, 404) if numbered else (200,))
            if response is None:
                return
            if response.status_code == 404:
                self.shrank_meanwhile(path)
                return
            if response.status_code != 200:
                return
            path = response.json().get("next")
            if not path:
                return

    def shrank_meanwhile(self, path):
        """A numbered page past the end is right only if writers removed links
        since the page before offered it: the list must now end before it."""
        query = parse_qs(urlsplit(path).query)
        number, size = int(query["page"][0]), int(query.get("page_size", ["20"])[0])
        del query["page"]
        first = self.client.get(
            urlsplit(path)._replace(query=urlencode(query, doseq=True)).geturl()
        )
        if first is not None and first.status_code == 200:
            count = first.json()["count"]
            if count > (number - 1) * size:
                self.client.stats.fail(f"{path}: 404, but the list now holds {count}")

    def csv(self, path):
        response = self.client.get(path)
        if response is not None and response.status_code == 200:
            if not response.headers.get("Content-Type", "").startswith("text/csv"):
                self.client.stats.fail(f"{path}: not CSV")

    def writers_objects(self):
        # Anonymous readers see published links only; drafts answer 404, and
        # links retracted or studies withdrawn by an editor 410.
        if self.rng.random() < 0.5:
            ids = self.ledger.study_ids()
            path = "/api/v1/studies/{}/"
        else:
            ids = self.ledger.link_ids()
            path = "/api/v1/evidence/{}/"
        if ids:
            self.client.get(path.format(self.rng.choice(ids)), expect=(200, 404, 410))
