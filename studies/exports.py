"""One study as a flat row, for the API's CSV export and the data releases.

The studies' part of the CSV column contract (evidence/columns.py has the
rest): typed values, spelled by core.renderers.csv_cell.
"""

STUDY_COLUMNS = [
    ("id", "Study identifier"),
    ("title", "Title"),
    ("authors", "Authors in order, separated by '; '"),
    ("year", "Publication year; empty for undated sources"),
    ("journal", "Journal or other container"),
    ("doi", "DOI, lower case, without https://doi.org/"),
    ("pmid", "PubMed ID"),
    ("url", "Other link"),
    (
        "design",
        "rct, controlled, open_label, naturalistic, survey, qualitative, case_report, "
        "testimonial, animal, in_vitro, review, meta_analysis",
    ),
    ("population", "clinical, healthy, animal, cells or other"),
    ("sample_size", "Participants (or units) studied; empty when not reported"),
    ("dose", "micro, macro or na (not applicable); empty when not recorded"),
    ("retracted", "true if the publisher retracted the study, else false"),
    ("retraction_date", "Date of the retraction notice"),
]


def study_row(study):
    """The values of :data:`STUDY_COLUMNS` for ``study``."""
    return [
        study.pk,
        study.title,
        "; ".join(study.authors or []),
        study.year,
        study.journal or None,
        study.doi or None,
        study.pmid or None,
        study.url or None,
        study.design or None,
        study.population or None,
        study.sample_size,
        study.dose or None,
        study.retracted,
        study.retraction_date,
    ]
