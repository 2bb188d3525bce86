"""The sample board pack as a board member reads it: LibreOffice's PDF of the sample build.

What issue 16 asks of a pack a trust secretary would table: every item whole in at most 16
slides, exceptions in at most two, no data-quality slides outside the PMO's pack, one body
size of at least 12 pt on every table slide, no table slide under half full but a priority's
last, and the trackers' own project titles in every output.
"""

from __future__ import annotations

import json

RESEARCH = (
    "Biomedical Research Centre (BRC)",
    "Collaboration for Leadership in Applied Health Research & Care (CLAHRC)",
    "Clinical Research Facility (CRF)",
    "Clinical Research Network (CRN)",
    "Diagnostic Evidence Co-operative (DEC)",
    "Medtech & Invitro diagnostic Co-operative (MIC)",
)
PARTNERSHIPS = "Research partnerships (BRC, CLAHRC, CRF, CRN, DEC, MIC)"


def test_run_json_names_each_research_project_as_its_tracker_does(built: dict) -> None:
    manifest = json.loads((built["out_dir"] / "run.json").read_text("utf-8"))
    research = [(i["project"], i["workstream"]) for i in manifest["items"]
                if i["workstream"] == PARTNERSHIPS]
    assert research == [(name, PARTNERSHIPS) for name in RESEARCH]
