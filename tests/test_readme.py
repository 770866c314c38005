"""The README's API examples work as written."""

import os
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import CuratorFactory

pytestmark = pytest.mark.django_db(transaction=True)

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_api_examples():
    text = README.read_text()
    section = text.split("## The REST API", 1)[1].split("\n## ", 1)[0]
    block = re.search(
        r"```sh\n(.*?)```", section.split("Examples against `make run`", 1)[1], re.S
    ).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_curl_examples_work_against_a_live_server(live_server, tmp_path):
    call_command("seed", stdout=open(os.devnull, "w"))
    CuratorFactory(username="reader-of-readme", password="a long pass phrase 42")
    lines = readme_api_examples()
    assert len(lines) >= 6
    script = "set -euo pipefail\n" + "\n".join(
        line.replace("http://127.0.0.1:8000", live_server.url) + "\necho"
        for line in lines
    )
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env={
            **os.environ,
            "ATLAS_USER": "reader-of-readme",
            "ATLAS_PASSWORD": "a long pass phrase 42",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    outputs = [line for line in result.stdout.splitlines() if line.strip()]
    assert '"count":' in outputs[0]
    assert (
        '"evidence_type":"controlled"' in outputs[1]
        and '"direction":"contradicts"' in outputs[1]
    )
    assert (
        (tmp_path / "rct-evidence.csv")
        .read_text()
        .startswith(
            "id,claim,claim_id,study,study_citation,study_year,study_doi,study_pmid,"
        )
    )
    assert '"status":"draft"' in outputs[-1] and '"added_by":' in outputs[-1]
