"""What the writers write and report: the run's id, the values they choose
from, and the ledger of what they believe is stored."""

import secrets
import threading

RUN = secrets.token_hex(3)
STUDY_FIELDS = [
    "title",
    "authors",
    "year",
    "journal",
    "doi",
    "design",
    "population",
    "sample_size",
    "dose",
    "retracted",
    "retraction_date",
    "status",
]
LINK_FIELDS = [
    "claim",
    "study",
    "evidence_type",
    "direction",
    "finding",
    "status",
    "retraction_reason",
    "effect_measure",
    "reported_estimate",
    "reported_ci_low",
    "reported_ci_high",
]
DESIGNS = ["rct", "controlled", "open_label", "naturalistic", "survey", "animal"]
POPULATIONS = ["clinical", "healthy", "animal", "other"]
DOSES = ["micro", "macro", "na"]
EVIDENCE_TYPES = ["controlled", "self_report", "anecdotal"]
DIRECTIONS = ["supports", "contradicts", "mixed"]
WORDS = ["psilocybin", "amygdala", "microdosing", "plasticity", "depression", "mood"]


class Ledger:
    """What the writers believe is stored: each object's last written values."""

    def __init__(self):
        self.lock = threading.Lock()
        self.studies, self.links, self.claims = {}, {}, {}
        self.deleted_studies, self.deleted_links = set(), set()
        self.touched_claims = set()

    def study(self, pk, values):
        with self.lock:
            self.studies.setdefault(pk, {}).update(values)

    def link(self, pk, values):
        with self.lock:
            self.links.setdefault(pk, {}).update(values)
            self.touched_claims.add(self.links[pk]["claim"])

    def claim(self, slug, values):
        with self.lock:
            self.claims.setdefault(slug, {}).update(values)
            self.touched_claims.add(slug)

    def study_deleted(self, pk):
        with self.lock:
            self.studies.pop(pk)
            self.deleted_studies.add(pk)

    def link_deleted(self, pk):
        with self.lock:
            self.touched_claims.add(self.links.pop(pk)["claim"])
            self.deleted_links.add(pk)

    def study_ids(self):
        with self.lock:
            return list(self.studies) + list(self.deleted_studies)

    def link_ids(self):
        with self.lock:
            return list(self.links) + list(self.deleted_links)
