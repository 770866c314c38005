"""One study as a flat row, for the API's CSV export and the data releases."""

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
    ("sample_size", "Participants (or units) studied"),
    ("dose", "micro, macro or na"),
    ("retracted", "yes if the publisher retracted the study"),
    ("retraction_date", "Date of the retraction notice"),
]


def study_row(study):
    """The values of :data:`STUDY_COLUMNS` for ``study``."""
    return [
        study.pk,
        study.title,
        "; ".join(study.authors or []),
        study.year or "",
        study.journal,
        study.doi,
        study.pmid,
        study.url,
        study.design,
        study.population,
        study.sample_size or "",
        study.dose,
        "yes" if study.retracted else "",
        study.retraction_date.isoformat() if study.retraction_date else "",
    ]
