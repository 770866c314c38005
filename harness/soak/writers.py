"""Curators and editors writing through the API, and a pair of editors who
change the same object with the same ETag at once."""

import threading
import time

from .ledger import DESIGNS, DIRECTIONS, DOSES, EVIDENCE_TYPES, POPULATIONS, RUN, WORDS


def study_payload(rng, name, number):
    return {
        "title": f"Soak {RUN} {name} study {number}: {rng.choice(WORDS)} and mood",
        "authors": [f"Writer {name.title()}", "Soak T"],
        "year": rng.randint(1995, 2024),
        "journal": "Journal of Soak Testing",
        "doi": f"10.5555/soak.{RUN}.{name}.{number}",
        "design": rng.choice(DESIGNS),
        "population": rng.choice(POPULATIONS),
        "sample_size": rng.randint(5, 500),
        "dose": rng.choice(DOSES),
    }


def echoed(response, values):
    """The fields of ``values`` that the response body contradicts."""
    body = response.json()
    return {
        name: body.get(name)
        for name, value in values.items()
        if body.get(name) != value
    }


class Writer:
    """A curator or editor writing through the API, on its own objects.

    Only this writer changes its studies and links (the conflict pair shares
    its objects on purpose), so that its ledger holds their final values; the
    claims it links to are shared with every other writer.
    """

    def __init__(self, name, role, client, ledger, stats, claims, own_claim, rng):
        self.name, self.role, self.client = name, role, client
        self.ledger, self.stats, self.rng = ledger, stats, rng
        self.claims, self.own_claim = claims, own_claim
        self.editor = role == "editor"
        self.studies = {}  # id → ids of its links (any status)
        self.published_studies = set()  # new studies are drafts until published
        self.links = {}  # id → {"claim", "study", "status"}
        self.number = 0

    def run(self, deadline):
        actions = [
            (self.create_study, lambda: 3 if len(self.studies) < 3 else 1),
            (self.edit_study, lambda: 2 if self.studies else 0),
            (self.create_link, lambda: 5 if self._free_pair() else 0),
            (self.edit_link, lambda: 4 if self._links("draft", "in_review") else 0),
            (self.submit_link, lambda: 1 if self._links("draft") else 0),
        ]
        if self.editor:
            actions += [
                (self.publish_link, lambda: 3 if self._links("draft", "in_review") else 0),
                (self.edit_link_published, lambda: 3 if self._links("published") else 0),
                (self.remove_link, lambda: 2 if self._links("draft", "in_review", "published") else 0),
                (self.publish_study, lambda: 1 if self._draft_studies() else 0),
                (self.delete_study, lambda: 1 if self._unlinked_studies() else 0),
                (self.retract_study, lambda: 0.2 if self.studies else 0),
                (self.edit_own_claim, lambda: 0.5),
            ]  # fmt: skip
        while time.monotonic() < deadline:
            weights = [weight() for _, weight in actions]
            action = self.rng.choices([a for a, _ in actions], weights=weights)[0]
            action()

    # Helpers

    def _links(self, *statuses):
        return [pk for pk, link in self.links.items() if link["status"] in statuses]

    def _free_pair(self):
        taken = {(link["study"], link["claim"]) for link in self.links.values()}
        pairs = [
            (study, claim)
            for study in self.studies
            for claim in self.claims
            if (study, claim) not in taken
        ]
        return self.rng.choice(pairs) if pairs else None

    def _unlinked_studies(self):
        # Once published, a study is withdrawn, never deleted.
        return [
            pk
            for pk, links in self.studies.items()
            if not links and pk not in self.published_studies
        ]

    def _draft_studies(self):
        return [pk for pk in self.studies if pk not in self.published_studies]

    def _etag(self, path):
        response = self.client.get(path)
        return response.headers.get("ETag") if response is not None else None

    def _patch(self, path, values, *, expect=(200,)):
        """PATCH with If-Match from a fresh GET; the response, or None."""
        etag = self._etag(path)
        if etag is None:
            return None
        response = self.client.call(
            "PATCH", path, json=values, headers={"If-Match": etag}, expect=expect
        )
        if response is None or response.status_code != 200:
            return None
        wrong = echoed(response, values)
        if wrong:
            self.stats.fail(f"{self.name} PATCH {path} answered {wrong} for {values}")
        return response

    # Actions

    def create_study(self):
        self.number += 1
        values = study_payload(self.rng, self.name, self.number)
        response = self.client.call(
            "POST", "/api/v1/studies/", json=values, expect=(201,)
        )
        if response is None or response.status_code != 201:
            return
        pk = response.json()["id"]
        self.studies[pk] = set()
        self.ledger.study(
            pk,
            {**values, "retracted": False, "retraction_date": None, "status": "draft"},
        )
        self.stats.count("studies created")

    def edit_study(self):
        pk = self.rng.choice(list(self.studies))
        # The design and year are read by the certainty rule: changing them
        # refreshes every claim the study is linked to.
        values = self.rng.choice(
            [
                {"journal": f"Soak Letters {self.rng.randint(1, 999)}"},
                {"sample_size": self.rng.randint(5, 500)},
                {"design": self.rng.choice(DESIGNS)},
                {"year": self.rng.randint(1995, 2024), "dose": self.rng.choice(DOSES)},
            ]
        )
        if self._patch(f"/api/v1/studies/{pk}/", values):
            self.ledger.study(pk, values)
            self.stats.count("studies edited")

    def publish_study(self):
        pk = self.rng.choice(self._draft_studies())
        values = {"status": "published"}
        if self._patch(f"/api/v1/studies/{pk}/", values):
            self.published_studies.add(pk)
            self.ledger.study(pk, values)
            self.stats.count("studies published")

    def retract_study(self):
        pk = self.rng.choice(list(self.studies))
        values = {"retracted": True, "retraction_date": "2024-03-01"}
        if self._patch(f"/api/v1/studies/{pk}/", values):
            self.ledger.study(pk, values)
            self.stats.count("studies retracted")

    def delete_study(self):
        pk = self.rng.choice(self._unlinked_studies())
        path = f"/api/v1/studies/{pk}/"
        etag = self._etag(path)
        if etag is None:
            return
        response = self.client.call(
            "DELETE", path, headers={"If-Match": etag}, expect=(204,)
        )
        if response is not None and response.status_code == 204:
            del self.studies[pk]
            self.ledger.study_deleted(pk)
            self.stats.count("studies deleted")

    def create_link(self):
        study, claim = self._free_pair()
        status = self.rng.choice(
            ["draft", "in_review", "published"]
            if self.editor
            else ["draft", "in_review"]
        )
        values = {
            "claim": claim,
            "study": study,
            "evidence_type": self.rng.choice(EVIDENCE_TYPES),
            "direction": self.rng.choice(DIRECTIONS),
            "finding": f"Soak {RUN}: {self.name} finding {self.rng.randint(1, 10**6)}.",
            "status": status,
        }
        if self.rng.random() < 0.5:
            # A reported mean difference: shared claims then get meta-analyses,
            # which the verification recomputes.
            estimate = round(self.rng.uniform(-10, 10), 2)
            half = round(self.rng.uniform(0.5, 5), 2)
            values.update(
                effect_measure="md",
                reported_estimate=estimate,
                reported_ci_low=round(estimate - half, 2),
                reported_ci_high=round(estimate + half, 2),
            )
        response = self.client.call(
            "POST", "/api/v1/evidence/", json=values, expect=(201,)
        )
        if response is None or response.status_code != 201:
            return
        pk = response.json()["id"]
        wrong = echoed(response, values)
        if wrong:
            self.stats.fail(f"{self.name} POST evidence answered {wrong} for {values}")
        self.links[pk] = {"claim": claim, "study": study, "status": status}
        self.studies[study].add(pk)
        self.ledger.link(pk, {**values, "retraction_reason": ""})
        self.stats.count("links created")

    def _edit_link(self, pk, values, event):
        if self._patch(f"/api/v1/evidence/{pk}/", values):
            self.ledger.link(pk, values)
            if "status" in values:
                self.links[pk]["status"] = values["status"]
            self.stats.count(event)

    def edit_link(self):
        pk = self.rng.choice(self._links("draft", "in_review"))
        values = self.rng.choice(
            [
                {"finding": f"Soak {RUN}: {self.name} revised {self.rng.randint(1, 10**6)}."},
                {"direction": self.rng.choice(DIRECTIONS)},
                {"evidence_type": self.rng.choice(EVIDENCE_TYPES)},
            ]
        )  # fmt: skip
        self._edit_link(pk, values, "links edited")

    def submit_link(self):
        self._edit_link(
            self.rng.choice(self._links("draft")), {"status": "in_review"}, "links submitted"
        )  # fmt: skip

    def publish_link(self):
        pk = self.rng.choice(self._links("draft", "in_review"))
        self._edit_link(pk, {"status": "published"}, "links published")

    def edit_link_published(self):
        pk = self.rng.choice(self._links("published"))
        values = {
            "direction": self.rng.choice(DIRECTIONS),
            "evidence_type": self.rng.choice(EVIDENCE_TYPES),
        }
        self._edit_link(pk, values, "published links regraded")

    def remove_link(self):
        pk = self.rng.choice(self._links("draft", "in_review", "published"))
        path = f"/api/v1/evidence/{pk}/"
        etag = self._etag(path)
        if etag is None:
            return
        published = self.links[pk]["status"] == "published"
        reason = f"Soak {RUN}: withdrawn by {self.name}"
        response = self.client.call(
            "DELETE",
            path,
            params={"reason": reason} if published else None,
            headers={"If-Match": etag},
            expect=(200,) if published else (204,),
        )
        if response is None or response.status_code not in (200, 204):
            return
        if published:
            if response.json().get("status") != "retracted":
                self.stats.fail(f"{self.name} DELETE {path}: not retracted")
            self.links[pk]["status"] = "retracted"
            self.ledger.link(pk, {"status": "retracted", "retraction_reason": reason})
            self.stats.count("links retracted")
        else:
            self.studies[self.links.pop(pk)["study"]].discard(pk)
            self.ledger.link_deleted(pk)
            self.stats.count("links deleted")

    def edit_own_claim(self):
        """The description of this editor's claim, while everyone links to it.

        Other writers' links change the claim's representation (its profile,
        certainty, version) all the time, so a 412 here is expected: like a
        real client, the editor fetches it again and re-applies, a few times.
        """
        path = f"/api/v1/claims/{self.own_claim}/"
        values = {"description": f"Soak {RUN}: described by {self.name}, {self.rng.randint(1, 10**6)}."}  # fmt: skip
        for _ in range(5):
            response = self._patch(path, values, expect=(200, 412))
            if response is not None:
                self.ledger.claim(self.own_claim, values)
                self.stats.count("claim descriptions edited")
                return
            self.stats.count("claim edits re-applied after 412")
        self.stats.fail(f"{self.name}: claim {self.own_claim} refused 5 edits in a row")


class ConflictPair:
    """Two editors changing the same object with the same ETag at once."""

    def __init__(self, clients, ledger, stats, claims, rng):
        self.clients, self.ledger, self.stats = clients, ledger, stats
        self.claims, self.rng = claims, rng
        self.round = 0

    def setup(self):
        first = self.clients[0]
        values = study_payload(self.rng, "pair", 0)
        response = first.call("POST", "/api/v1/studies/", json=values, expect=(201,))
        self.study = response.json()["id"]
        self.ledger.study(
            self.study,
            {**values, "retracted": False, "retraction_date": None, "status": "draft"},
        )
        self.targets = [(f"/api/v1/studies/{self.study}/", "journal", None)]
        for status in ("draft", "published"):
            link = {
                "claim": self.claims[0 if status == "draft" else 1],
                "study": self.study,
                "evidence_type": "controlled",
                "direction": "supports",
                "finding": f"Soak {RUN}: shared {status} link.",
                "status": status,
            }
            response = first.call("POST", "/api/v1/evidence/", json=link, expect=(201,))
            pk = response.json()["id"]
            self.ledger.link(pk, {**link, "retraction_reason": ""})
            field = "finding" if status == "draft" else "direction"
            self.targets.append((f"/api/v1/evidence/{pk}/", field, pk))

    def value(self, field, who, current):
        if field == "direction":
            # Never the stored value: a write that changes nothing stores
            # nothing, so the other writer's ETag would rightly still match.
            return self.rng.choice([d for d in DIRECTIONS if d != current])
        return f"Soak {RUN}: round {self.round} by editor {who}."

    def run(self, deadline):
        while time.monotonic() < deadline:
            self.round += 1
            path, field, link = self.rng.choice(self.targets)
            fetched = self.clients[0].get(path)
            if fetched is None or fetched.status_code != 200:
                continue
            etag, current = fetched.headers.get("ETag"), fetched.json().get(field)
            values = [{field: self.value(field, who, current)} for who in (0, 1)]
            statuses = [None, None]
            barrier = threading.Barrier(2)
            threads = [
                threading.Thread(
                    target=self._write,
                    args=(who, barrier, path, values[who], etag, statuses),
                )
                for who in (0, 1)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if statuses.count(200) == 1:
                # The other write failed, whatever the reason: this one stands.
                self._record(path, link, values[statuses.index(200)])
            if sorted(statuses, key=str) != [200, 412]:
                self.stats.fail(
                    f"conflict on {path}: statuses {statuses}, expected one 200 and one 412"
                )
                if statuses.count(200) != 1:
                    return  # which of the two writes stands is unknown
                continue
            loser = statuses.index(412)
            self.stats.count("conflicts: one won, one 412")
            # The loser does what the 412 tells it to: fetch again, re-apply.
            fresh = self.clients[loser].get(path).headers.get("ETag")
            response = self.clients[loser].call(
                "PATCH", path, json=values[loser], headers={"If-Match": fresh}
            )
            if response is not None and response.status_code == 200:
                self._record(path, link, values[loser])
                self.stats.count("conflicts: loser re-applied")

    def _write(self, who, barrier, path, values, etag, statuses):
        barrier.wait()
        response = self.clients[who].call(
            "PATCH", path, json=values, headers={"If-Match": etag}, expect=(200, 412)
        )
        statuses[who] = response.status_code if response is not None else None

    def _record(self, path, link, values):
        if link is None:
            self.ledger.study(self.study, values)
        else:
            self.ledger.link(link, values)
