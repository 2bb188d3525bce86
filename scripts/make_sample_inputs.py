"""Generate the sample directorate returns in ``inputs/`` from the Oxford Health FY18 Q2 seed.

The repository root is itself a planreports working folder, so a new user's first ``make run``
turns these files into a real board pack. They are built from the progress table of the seed
paper ``002_7cd7e795d20b740b.txt`` (Oxford Health NHS FT, Business Plan FY18 Q2): every row of
all seven priorities, continuation rows included, with the seed's own words. The only changes
to the seed text are that ``<p>...</p>`` paragraphs become paragraphs separated by a blank
line, and that the one seed row whose cells were shifted left by the flattening (Estates
Redevelopment: "Green" sat in the Priority column) is put back in its columns.

What is invented, because the seed does not have it, is what a directorate adds to a return:
the lead (a job title), due dates, one comment column, and how the rows are spread over files,
sheets and layouts. The layouts deliberately vary the way real returns do: title rows above
the header, the priority cell merged down its group or left blank below its first row, a table
starting in column B, one sheet per priority, a "RAG Key" sheet to skip, "Yellow" for Amber,
one RAG given only as a fill colour, real Excel dates in some files and free-text dates in
others, and a Windows-1252 CSV.

``SAMPLE_ROWS`` and ``expected_counts()`` describe exactly what is written, so tests can check
the reader against them without trusting the reader. Importing this module writes nothing.

Usage: ``python scripts/make_sample_inputs.py [--out DIR]`` (default: the repository's inputs/).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "inputs"
# The seed papers live beside the repository (SPEC: ../shared/seeds); only tests read it, to
# prove that SEED_TABLE below is the seed's table.
SEED_FILE = REPO.parent / "shared" / "seeds" / "002_7cd7e795d20b740b.txt"

TRUST = "Oxford Health NHS Foundation Trust"
PERIOD = "FY18 Q2"
AS_OF = dt.date(2017, 9, 30)  # config.yaml report.as_of: due dates before it are overdue
# Fixed so that re-running the generator gives identical files (and no git churn).
FIXED_TIMESTAMP = dt.datetime(2017, 10, 6, 9, 0, 0)
_ZIP_TIME = (2017, 10, 6, 9, 0, 0)

# Excel's standard palette colours, which is what people pick from the fill button.
RAG_FILLS: dict[str, str] = {"R": "FFFF0000", "A": "FFFFC000", "G": "FF00B050"}
RAG_KEY_OF_WORD: dict[str, str] = {"Red": "R", "Amber": "A", "Yellow": "A", "Green": "G"}

HEADERS: tuple[str, ...] = ("Priority", "RAG", "Project Title", "Progress Update", "Lead",
                            "Due date")
COLUMN_WIDTHS: dict[str, float] = {
    "Priority": 32,
    "RAG": 10,
    "Project Title": 36,
    "Progress Update": 100,
    "Lead": 30,
    "Due date": 16,
    "Comments": 36,
}


@dataclass(frozen=True)
class SeedRow:
    """One row of the seed's progress table, exactly as the seed has it (HTML included)."""

    priority: str
    rag: str
    project: str
    update: str


# The seed's progress table (Priorities 1-7), row for row. Blank priority / project cells are
# continuation rows, as in the seed.
SEED_TABLE: tuple[SeedRow, ...] = (
    SeedRow(
        "1. To make care a joint endeavour with patients, families & carers",
        "Yellow",
        "Deliver patient involvement and experience (PEI) strategy",
        "PEI strategy objectives identified for commencement in 2016/2017 have not been fully "
        "achieved but a large number from 2017/18 have begun, this is due mainly to local "
        "priorities in areas that they have identified. In total, 8 out of the 61 objectives "
        "have been fully completed, 31 are currently in progress and a further 22 are yet to be "
        "started. The objectives which have been completed include improving the PEI pages on "
        "the internet, rolling out the use of IWGC across the trust, reporting and publishing "
        "feedback routinely and building a library of patient stories. The capacity of the PEI "
        "Team continues to grow and support the progression of outcomes across the Trust",
    ),
    SeedRow(
        "",
        "Green",
        "Deliver the carers strategy",
        "New strategy for families, friends and carers launched in Q1 including Linking "
        "Leaders, ICareYouCare video and promotional material. Detailed action plan created. "
        "All Q2/Q3 deliverables on track.",
    ),
    SeedRow(
        "2. To improve the quality of care by transforming services",
        "Green",
        "Deliver Oxfordshire Community Pathway : Locality & Bed Based services (OPD)",
        "District Nursing Service Efficiencies Workstreams for standardising clinical pathways "
        "and improved function of duty desk complete. Starting from home workstream on hold, "
        "with plan to move this to neighborhood teams pilots.",
    ),
    SeedRow(
        "",
        "Green",
        "",
        "Developing neighbourhood working (ILT Phase 2) Scoping of project, deciding on KPIs "
        "and implementation plan completed. Implementation of model planned for Q3.",
    ),
    SeedRow(
        "",
        "Green",
        "",
        "Development of District Nursing Workforce Scoping of project, deciding on KPIs and "
        "implementation plan completed. First project meeting took place during Q2. "
        "Implementation of model planned for Q3.",
    ),
    SeedRow(
        "",
        "Red",
        "",
        "Community Hospitals – Consultation Public consultation still planned for revised "
        "timetable, to start May 2018.",
    ),
    SeedRow(
        "",
        "Green",
        "Deliver new Learning Disability service (Adults)",
        "First 100 days post transition completed. Weekly updates to exec for first 3 months, "
        "process currently being reviewed. Transfer of Slade site completed at beginning of "
        "October. Working to and setting timescales through the Transforming Care Partnership "
        "Board.",
    ),
    SeedRow(
        "",
        "Yellow",
        "Deliver improved Adult MH pathway (reduce OATS) (Adults)",
        "During Q2, pilot patient status at a glance (PSAG) board has been placed on Wintle "
        "Ward but not yet rolled out to all wards. It is likely that this piece of work will be "
        "transferable across all inpatient units (Forensic, ED, CAMHS, Community Hospitals). "
        "Peer Support Project delayed and the first cohort of patients will now be in January "
        "2018. Employment process for adult inpatient social workers has started and this piece "
        "of work is being operationalised. Further work required to refine the AMHT model. "
        "Single point of access go live for OMHP delayed as further consideration required, in "
        "particular how MIND can help support this piece of work.",
    ),
    SeedRow(
        "",
        "Green",
        "Deliver CAMHS Transformation (CYP)",
        "Swindon, Wiltshire, Bath & NE Somerset Online referrals now live in Swindon, Wiltshire "
        "to go live by end of October.",
    ),
    SeedRow(
        "",
        "Green",
        "",
        "Buckinghamshire School link workers in place for all state schools, with a plan to "
        "roll out to other (independent) educational establishments Oxfordshire New pathways in "
        "process of being set up, with particular focus on neuro-development. Staff "
        "consultation to be completed by end November. Single Point of Access recruitment "
        "underway.",
    ),
    SeedRow(
        "",
        "Yellow",
        "New Care Models",
        "Thames Valley & Wessex Forensic Network (Adults) During Q2, 12 repatriations (or "
        "similar), 4 patients placed out of network hence net positive position of a reduction "
        "of 8 our of network beds. This is in line with business plan projections. NHSE have "
        "released M4 expenditure figures which reflect a positive financial position (subject "
        "to validation of this data). Initial budget offer to be signed off during October (in "
        "line with other pilots). SMH database project due to commence early October, to "
        "deliver database to track patient movements and financial progress. Network governance "
        "structure working well: collaboration amongst provider partners is positive; "
        "collaborative relationship with NHSE is developing.",
    ),
    SeedRow(
        "",
        "Green",
        "",
        "Eating Disorders New Care Model (CYP) During Q2, engagement event with provider "
        "partners took place to build relationships and identify any quick wins. £100,000 "
        "support package awarded by NHSE which will be used for project management support and "
        "clinical backfill. Business plan in development by OHFT; first draft to be shared with "
        "all partners in October prior to submitting to OHFT board in November. Milestones for "
        "Q3 on track for delivery. If business plan is approved expected 'go-live' is April "
        "2018.",
    ),
    SeedRow(
        "",
        "Green",
        "Estates Redevelopment",
        "Warneford redevelopment master plan approved. Team to consider future requirements for "
        "healthcare to progress the phasing programme and financial case. Proposal submitted "
        "for consideration and adoption in to local plan. Littlemore redevelopment master plan "
        "included within draft estates strategy.",
    ),
    SeedRow(
        "3. To support teams to improve the safety and quality of care they provide",
        "Green",
        "Deliver Quality Account priorities",
        "Full Q2 update currently being compiled and is due to be presented at the Quality "
        "Committee.",
    ),
    SeedRow(
        "",
        "Yellow",
        "Deliver Oxford Centre for Quality Improvement",
        "<p>Organisational change process complete with one redeployment within the structure "
        "for OCPSQ, and one redeployment outside of OCPSQ, but within Oxford Health. One "
        "researcher post to be filled by doctoral student from University of Oxford, "
        "mathematical statistician JD to be written and honorary contract in place for Prof. "
        "Charles Vincent. Movement of staff to new base delayed until November due to "
        "contractual issues. Contract for collaboration with Uox nearing completion.</p> "
        "<p>Featured presentation at trust AGM in support of launching the Centre; CEO article "
        "featured in the trust Insight magazine; agreement of soft-launch approach with "
        "Professor Vincent while staffing and accommodation being resolved.</p> <p>Awaiting a "
        "meeting with IHI and Extended Exec to agree on preference of partner and funding "
        "approach.</p> <p>Attended second collaborative national engagement and observation "
        "event.</p> <p>Patient and staff experience questionnaires have been designed which we "
        "are using to give a baseline and support our first test of change.</p> <p>Project "
        "management support agreed</p> <p>Data collected so far has been reviewed and will be "
        "put into the baseline programme to support looking at the data in a meaningful way and "
        "to identify developmental areas.</p>",
    ),
    SeedRow(
        "",
        "Green",
        "Implement the recommendations from the Mazars review",
        "<p>New screening tool including categorisation tool finalised and rolled out from July "
        "2017. Revised policy on the reporting and management of incidents and deaths was "
        "finalised and published in Sept 2017. Recommendations from national guidance on "
        "learning from deaths completed. Paper with evidence of work against national guidance "
        "taken to the Quality Committee and Trust Board in Sept 2017 - this included a summary "
        "of the work of the trust-wide MRG over the last 18 months. On-going actions e.g. staff "
        "training workshops to fully embed new process and categorisation tool.</p> "
        "<p>Trust-wide MRG established and ToR last reviewed in July 2017. Directorate level "
        "MRG processes were put in place weekly in each of the three clinical directorates from "
        "August 2017. These processes report into the Directorate quality groups monthly and "
        "the Trust-wide MRG bi-monthly.</p> <p>Work plan for Trust-wide MRG agreed in August "
        "2017 and reported to the Quality Committee and Trust Board in Sept 2017. So far 5 "
        "thematic reviews have been presented and discussed at the Trust-wide MRG.</p>",
    ),
    SeedRow(
        "4. To support leaders to maintain a positive culture for teams",
        "Yellow",
        "Deliver recruitment & flexible workforce management solutions",
        "The Carter work continues and very good collaborative work is taking place between the "
        "Operations, Nursing and HR Directorates around safe staffing and awareness at all "
        "levels of the benefits of e-rostering and in particular the early finalisation of "
        "rosters. Positive feedback has been received about the approach taken by our teams to "
        "maximise the value of the programme.",
    ),
    SeedRow(
        "",
        "Yellow",
        "Deliver workforce strategy to attract and retain staff",
        "<p>The Extraordinary Executive Meetings focused on Recruitment and Retention have "
        "continued. They now take place once per month. The HRD and Heads of Recruitment and "
        "Staffing Solutions also attend the OMT once per month to ensure an appropriate focus "
        "on working with senior operational leaders on the Recruitment and Retention agenda. "
        "Improvements to Bank pay were announced in September, as part of the strategy to build "
        'our Bank and reduce reliance on agency staff.</p> <p>A new "recommend a friend" scheme '
        "was launched in September, which pays £300 to staff who recommend friends or family "
        "members to join the Trust.</p> <p>OHFT has been invited to take part in an NHSI "
        "programme focused on Retention. This launches on 31 October 2017. Feedback from "
        "Berkshire Healthcare Trust is positive – they were participants in the first wave of "
        "Trusts to take part in the programme earlier this year. The HR team is being "
        "restructured to put all Employee Relations staff under one leader (previous structure "
        "had 4 teams, one facing each Directorate). This should improve consistency in the way "
        "that cases are managed and provide better opportunities for staff development. It "
        "should also free up the SHRBPs to contribute on Reward, Engagement, Talent Management "
        "and Succession Planning. The need for this wider contribution was acknowledged in the "
        'recent PwC "Well Led" audit.</p> <p>Work is ongoing with staff side around Stress and '
        "around Bullying and Harassment.</p>",
    ),
    SeedRow(
        "",
        "Green",
        "Deliver Leadership and Management Development pathways",
        "<p>Apprentices: Not with OHFT as providers because of resolving HR issues</p> "
        "<p>Graduate status: Graduate programmes have not yet been implemented as the MAGNET "
        "standards are being changed and new ones being published. We need to match programmes "
        "to the new standards.</p> <p>Leadership pathways: The leadership programme commenced "
        "as planned on 29/09/17 with 20 participants.</p> <p>Coaches: The 360 tool has been "
        "developed and coaches identified.</p>",
    ),
    SeedRow(
        "",
        "Green",
        "Deliver Equality, Diversity & Inclusion Workplan",
        "<p>Workforce Race Equality Standard (WRES) During Q2, the 2017 WRES submission was "
        "made to NHSE. Implementation of the race equality action plan is underway, including "
        "establishing a pre-screening process to review potential disciplinary cases lead by "
        "the DoN.</p> <p>Accessible Information Standard (AIS) New 'Alert System' on CareNotes "
        "now live. New trust wide mailing system required, work underway to ensure this meets "
        "the standards required for the AIS. Procurement preparing business case to support "
        "this. On track for delivery of standards 2 and 3 by the end of Q3.</p> <p>Stonewall "
        "Workplace Equality Index (WEI) This years WEI submitted during Q2 with the aim to "
        "improve the trust ranking in the index. Good response received from staff across the "
        "trust who submitted evidence of work in their own services to promote/improve LGBT "
        "equality and inclusion for patients, service users or staff. Much of this information "
        "was used in the submission to Stonewall.</p> <p>Staff Equality Networks Ongoing "
        "promotion of staff equality networks including pull up banner, pens and posters. "
        "Meetings taking place bi-monthly with good attendance. Recent increase in membership. "
        "Work to establish a learning difficulties/disabilities group underway. Working in "
        "collaboration with network members on actions from the race equality and LGBT equality "
        "action plans.</p> <p>Inclusive Leadership Equality and Diversity session delivered to "
        "the first cohort of candidates in the Leadership Development Pathway. 3 successful "
        "linking leaders conferences focussing on LGBT equality and inclusion.</p> <p>Equality "
        "& Diversity Steering Group and Delivery Group purpose and membership reviewed and ToR "
        "agreed. First meetings to take place during Q3.</p>",
    ),
    SeedRow(
        "5. To ensure Oxford Health NHS FT is high performing and financially viable",
        "Red",
        "Cost Improvement Programme",
        "<p>Adults Directorate In Q2 delivered £582,164 Vs plan of £511,203 (+14%), in FY18 "
        "forecast to deliver £1,194,817 Vs Target of £2,100,000. The reason for YTD variance is "
        "in relation to over performance for Forensic Services New Care model. This will be "
        "reviewed on a monthly basis. The main risk for the adult directorate CIP's is around "
        "the Haleacre Estates move as this has already been delayed several times. Adults are "
        "forecasting to deliver below target due to limited opportunities and lack of plans.</p>",
    ),
    SeedRow(
        "",
        "Red",
        "",
        "<p>Children & Young People Directorate In Q2 delivered £314,500 Vs target of £314,500 "
        "(100%), in FY18 forecast to deliver £632,000 (of which £378,000 is non recurrent) Vs "
        "Target of £1,700,000. There has been no slippage YTD. Children and Young People are "
        "forecasting to deliver below target due to limited opportunities and lack of plans.</p>",
    ),
    SeedRow(
        "",
        "Red",
        "",
        "<p>Older Adults Directorates In Q2 delivered £290,259 Vs target of £543,818 (-47%), in "
        "FY18 forecast to deliver £736,229 (of which £150,000 is non recurrent) Vs Target of "
        "£2,100,000. The reasons for YTD slippage include cost pressures in relation to "
        "Community Hospital agency staffing. Integrated Locality Teams have identified skill "
        "mixing opportunities and posts to be removed but they are currently occupied or "
        "covered by pay protection. Older Adults are forecasting to deliver below target due to "
        "the slippage outlined above, limited opportunities and lack of plans.</p>",
    ),
    SeedRow(
        "",
        "Red",
        "",
        "<p>Support Services In Q2 delivered £270,936 Vs plan of £270,936 (100%), in FY18 "
        "forecast to deliver £504,541 (of which £100,991 is non recurrent) Vs Target of "
        "£1,500,000. There has been no slippage YTD. Support Services are forecasting to "
        "deliver below target due to limited opportunities and lack of plans.</p>",
    ),
    SeedRow(
        "",
        "Green",
        "Embed New Performance Team and Performance Management Framework",
        "<p>The restructure of the Performance Service was completed as planned at the end of "
        "May 2017. The project has now been officially closed. There are still a small number "
        "of staff (3) that have yet to be redeployed but we expect to have all staff redeployed "
        "by the end of November. ESR has been configured for the new establishment but the "
        "budgets are still not finalised. Agreement has been reached with the Directorates so "
        "the Accountants are currently working to complete the transfers. A transition plan has "
        "now been produced and work to redevelop the service change and delivery team is now "
        "underway. A performance framework has been created and was recently audited as part of "
        "the Well-Led Review. Changes have been recommended and we will be adopting them where "
        "appropriate. The Head of Business Services has now started work in the Trust and the "
        "development of a business front door is a principal objective. Progress to be reported "
        "during Q3 and Q4.</p>",
    ),
    SeedRow(
        "",
        "Green",
        "Embed Patient-level costing and Service Line Reporting",
        "A launch event has taken place for the new integrated Financial Management structure "
        "and vacancies are currently being recruited to. The first of a series of workshops has "
        "taken place to discuss how SLR reports get rolled out to the organisation and more "
        "workshops will be taking place over the next few months.",
    ),
    SeedRow(
        "6. To lead research and adopt evidence that improves the quality of care",
        "Green",
        "Biomedical Research Centre (BRC)",
        "Individual theme meetings are commencing. All theme leaders meet on monthly basis. "
        "Patient & Public Involvement manager has resigned, role is currently out to advert to "
        "minimise gap. Current manager working to progress the strategy as far as possible",
    ),
    SeedRow(
        "",
        "Green",
        "Collaboration for Leadership in Applied Health Research & Care (CLAHRC)",
        "Ongoing work to continue to deliver the objectives of themes 1-6. NIHR is extending "
        "funding until the renewal and discussion are ongoing regarding opportunities for pull "
        "through of activity including looking at potential of enabling pull through from OH "
        "and OUH BRCs",
    ),
    SeedRow(
        "",
        "Green",
        "Clinical Research Facility (CRF)",
        "Ongoing discussions with partners to identify clinical research space in OUH. BRC "
        "studies are supporting the CRF. Business plan has been approved for late phase "
        "research studies to be undertaken at the Whiteleaf Centre in Aylesbury",
    ),
    SeedRow(
        "",
        "Green",
        "Clinical Research Network (CRN)",
        "Business case for studies to take place at Whiteleaf Centre for late phase research "
        "studies approved. Ongoing work to support the integration of True Colours. work "
        "continues to increase research engagement within the Trust clinical services.",
    ),
    SeedRow(
        "",
        "Green",
        "Diagnostic Evidence Co-operative (DEC)",
        "Ongoing work in the following areas: Horizon Scan programme, unmet clinical needs "
        "assessment, point-of-care testing and attitudes to implementing IVDs in primary care. "
        "For delivery during Q3.",
    ),
    SeedRow(
        "",
        "Green",
        "Medtech & Invitro diagnostic Co-operative (MIC)",
        "Application for funding successful. Contract process ongoing. Funding due to commence "
        "in Q4.",
    ),
    SeedRow(
        "",
        "Green",
        "Deliver Case Records Interactive Search",
        "UK CRIS is fully operational. Work continues to engage Trust Audit, Information and "
        "Performance teams to look at potential utilisation of CRIS across the Trust and to "
        "increase research engagement within the Trust clinical services",
    ),
    SeedRow(
        "",
        "Green",
        "Deliver effective Research Management Group",
        "Good attendance and engagement continues at the Research Management Group. Highlight "
        "reports of the various elements of research within the Trust presented on a quarterly "
        "basis. Meeting provides good forum to inform collaborative opportunities.",
    ),
    SeedRow(
        "7. To embed and enhance the electronic health record",
        "Amber",
        "Refine and enhance existing EHR functionality",
        "<p>Q2 has focused on optimising Carenotes and Aadastra to improve end user experience, "
        "support the reporting of key contractual data and mobile working. Enabling Carenotes "
        "for Community Hospitals is now underway with the first phase planned to go live in "
        "November 17. The Child Health Service has now migrated away from Carenotes, with an "
        "element of dual entry being agreed to support operational processes.</p> "
        "<p>E-correspondence is being rolled out further within Oxfordshire to include Part 1 "
        "and 2 discharge summaries. Wider county deployment has a dependency for the Docman "
        "Managed Service which is linked to a version of Carenotes to be deployed early "
        "2018.</p> <p>Viewing primary care data directly from Carenotes and Aadastra via the "
        "MIG is in the final stages of issue resolution with go live dates scheduled for "
        "October 17.</p> <p>Deployment of a patch has resolved the majority of Carenotes issues "
        "when accessed via the iPad using Web@Work and Safari. Carenotes iOS App for Community "
        "instance is now deployed and tested, one key issue remains to be resolved for go "
        "live.</p> <p>E-prescribing workshops have been held to review the functionality "
        "against current processes.</p>",
    ),
    SeedRow(
        "",
        "Green",
        "Deliver New Data Warehouse",
        "<p>The third party tool has been decommissioned and the legacy BI solution is running "
        "smoothly. At the same time, a BI Roadmap for the next 14 months has been finalised by "
        "working closely with the head of performance and information. The BI roadmap "
        "identifies themes that need to be delivered in order to decommission the legacy "
        "reporting. As a result, the new data warehouse built continues but the focus has been "
        "shifted to being able to decommission the legacy BI solution in Q4 2018.</p>",
    ),
    SeedRow(
        "",
        "Green",
        "Reporting Presentation Layer",
        "<p>In Q2 the main projects that the BI team has been focusing on are: Appointments SLA "
        "reports have been identified as a theme on the BI Roadmap. An initial draft of "
        "appointments dashboard has been produced by working closely with the Performance & "
        "Information team.</p> <p>Decommission legacy inpatient reporting - business analysis "
        "has been carried out to identify which legacy inpatient reports are still being used "
        "and additional data items have been added to the inpatient dashboards in order to be "
        "able to decommission legacy inpatient reporting solution.</p> <p>Safer Care / incident "
        "reporting business analysis has been carried out on existing reports and the scope has "
        "been defined. Additional data items have been added to the data warehouse. Further "
        "work is required to finalise the dashboards.</p> <p>Information governance reports are "
        "currently produced manually and consume a lot of time. Work is underway to produce "
        "information governance dashboards which highlight potential patient access "
        "breaches.</p>",
    ),
    SeedRow(
        "",
        "Green",
        "Enhance core IT infrastructure",
        "<p>The focus of work on Office 365 has continued, with several trials of alternative "
        "security overlays having taken place, including offerings from market-leading Identity "
        "Provider Services. This work has concluded that the trust still has a significant "
        "investment and reliance upon legacy non-cloud services and that as such a more legacy "
        "solution for single Sign On (SSO), Self Service Password Reset (SSPR) and Multi Factor "
        "Authentication (MFA) is required, such as Imprivata. For the device-specific controls "
        "required, MobileIron Access will be utilised. Central configuration has taken place to "
        "enable this and the rollout of Office 2016 has commenced to an advanced pilot "
        "group.</p> <p>Q2 spend on replacement PC devices remains lower than expected, however "
        "departmental spend still appears to be high, representing approximately a quarter of "
        "overall spend. The IT Service continues to only replace hardware at end-of-life rather "
        "than pro-actively based on age, and this approach is not being experienced as "
        "problematic in nature.</p> <p>Legacy Wi-Fi Access Points are now fully replaced, and "
        "planned work to replace legacy Local Area Network (LAN) switching has commenced, with "
        "priority on in-patient areas. Plans to re-procure the trust's network continue to make "
        "little progress due to the speed of progress of the national programme supporting the "
        "delivery of Health and Social Care network (HSCN)-compliant solutions. To date there "
        "is only a single provider that can deliver HSCN, although more are currently going "
        "through the certification process required by NHS Digital. Any new investments in "
        "networking that are required are being procured on low-term contracts at somewhat "
        "elevated expense.</p>",
    ),
)

_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def paragraphs(update: str) -> str:
    """The seed's ``<p>a</p> <p>b</p>`` as "a\\n\\nb"; text without HTML is returned as is."""
    if "<p>" not in update:
        return update
    parts = _PARAGRAPH.findall(update)
    # Anything outside the <p> elements would be silently lost: refuse instead.
    leftover = _PARAGRAPH.sub("", update).strip()
    if leftover:
        raise ValueError(f"text outside <p> in seed update: {leftover[:60]!r}")
    return "\n\n".join(parts)


def parse_seed_table(text: str) -> tuple[SeedRow, ...]:
    """Read the progress table rows out of the seed paper's tab-separated text."""
    rows: list[SeedRow] = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("Priority\tRAG\tProject Title\tProgress Update"):
            in_table = True
            continue
        if not line.strip():
            in_table = False
            continue
        if not in_table:
            continue
        cells = line.split("\t")
        # The flattening lost the leading empty cell of one row (RAG landed under Priority and
        # a trailing empty cell appeared); put it back where the slide had it.
        if len(cells) == 4 and cells[0] in RAG_KEY_OF_WORD and cells[3] == "":
            cells = ["", *cells[:3]]
        if len(cells) != 4:
            raise ValueError(f"unexpected seed table row: {line[:80]!r}")
        rows.append(SeedRow(*cells))
    return tuple(rows)


@dataclass(frozen=True)
class ReturnDetail:
    """What a directorate adds to a seed row: lead, due date (as written) and a comment.

    ``starts`` is the start of the row's project title (or, on a continuation row, of its
    update); it only guards against DETAILS drifting out of step with SEED_TABLE.
    ``due_date`` is the date a PMO analyst reads free text as (the end of a month or
    quarter); it lets tests work out which rows are overdue without a date parser.
    """

    starts: str
    lead: str
    due: str | dt.date | None = None
    due_date: dt.date | None = None
    comment: str = ""


def _d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


# One entry per SEED_TABLE row, in the same order. Real Excel dates go to the Nursing and
# Quality, Operations and Informatics files; free text to Workforce, R&D and the Finance CSV.
# Exactly three rows are due before AS_OF on rows that are not complete (none is), so the
# sample pack shows a few overdue findings without drowning in them.
DETAILS: tuple[ReturnDetail, ...] = (
    # Priority 1: Nursing and Quality, sheet "Priority 1"
    ReturnDetail("Deliver patient involvement", "Head of Patient Experience and Involvement",
                 _d(2018, 3, 31)),
    ReturnDetail("Deliver the carers strategy", "Head of Patient Experience", _d(2017, 12, 31)),
    # Priority 2: Operations
    ReturnDetail("Deliver Oxfordshire Community Pathway", "Service Director, Older People"),
    ReturnDetail("Developing neighbourhood working", "Head of Integrated Locality Teams",
                 _d(2017, 12, 31)),
    ReturnDetail("Development of District Nursing", "Head of Nursing, Older People",
                 _d(2017, 12, 31)),
    # Overdue: the consultation's original start; the update says it slipped to May 2018.
    ReturnDetail("Community Hospitals", "Service Director, Older People", _d(2017, 7, 31)),
    ReturnDetail("Deliver new Learning Disability", "Clinical Director, Learning Disabilities"),
    ReturnDetail("Deliver improved Adult MH pathway", "Service Director, Adult Mental Health",
                 _d(2018, 1, 31)),
    ReturnDetail("Deliver CAMHS Transformation", "Service Director, Children and Young People",
                 _d(2017, 10, 31)),
    ReturnDetail("Buckinghamshire School link", "Head of CAMHS, Buckinghamshire",
                 _d(2017, 11, 30)),
    ReturnDetail("New Care Models", "Clinical Director, Forensic Services"),
    ReturnDetail("Eating Disorders New Care Model", "Head of Eating Disorder Services",
                 _d(2018, 4, 1)),
    ReturnDetail("Estates Redevelopment", "Head of Estates"),
    # Priority 3: Nursing and Quality, sheet "Priority 3"
    ReturnDetail("Deliver Quality Account", "Deputy Director of Nursing", _d(2017, 10, 31)),
    # Overdue: the move to the new base, which the update says is delayed until November.
    ReturnDetail("Deliver Oxford Centre for Quality", "Head of Quality Improvement",
                 _d(2017, 9, 1)),
    ReturnDetail("Implement the recommendations", "Head of Clinical Governance"),
    # Priority 4: Workforce (free-text dates, a Comments column)
    ReturnDetail("Deliver recruitment & flexible", "Head of Staffing Solutions",
                 "Q3 2017/18", _d(2017, 12, 31),
                 comment="Carter programme: e-rostering roll-out continues"),
    # Overdue: written as free text, so the reader's date parsing decides whether it is seen.
    ReturnDetail("Deliver workforce strategy", "Head of Recruitment",
                 "end of August 2017", _d(2017, 8, 31),
                 comment="NHSI retention programme launches 31 October 2017"),
    ReturnDetail("Deliver Leadership and Management", "Head of Learning and Development",
                 "Nov 18", _d(2018, 11, 30)),
    ReturnDetail("Deliver Equality, Diversity", "Equality and Diversity Lead",
                 "end of March 2018", _d(2018, 3, 31),
                 comment="WRES action plan to the Board in Q3"),
    # Priority 5: Finance (the CSV)
    ReturnDetail("Cost Improvement Programme", "Head of Finance, Adults Directorate",
                 "end of March 2018", _d(2018, 3, 31)),
    ReturnDetail("Children & Young People Directorate",
                 "Head of Finance, Children and Young People"),
    ReturnDetail("Older Adults Directorates", "Head of Finance, Older Adults"),
    ReturnDetail("Support Services", "Deputy Director of Finance"),
    ReturnDetail("Embed New Performance Team", "Head of Performance",
                 "30/11/2017", _d(2017, 11, 30)),
    ReturnDetail("Embed Patient-level costing", "Head of Financial Management",
                 "TBC", None),
    # Priority 6: Research and Development (free-text dates)
    ReturnDetail("Biomedical Research Centre", "BRC Programme Manager"),
    ReturnDetail("Collaboration for Leadership", "Head of Research Partnerships",
                 "ongoing", None),
    ReturnDetail("Clinical Research Facility", "Research Facility Manager",
                 "Q4 2017/18", _d(2018, 3, 31)),
    ReturnDetail("Clinical Research Network", "Head of Research Delivery"),
    ReturnDetail("Diagnostic Evidence Co-operative", "DEC Programme Manager",
                 "Q3 2017/18", _d(2017, 12, 31)),
    ReturnDetail("Medtech & Invitro", "MIC Programme Manager",
                 "Q4 2017/18", _d(2018, 3, 31)),
    ReturnDetail("Deliver Case Records Interactive", "CRIS Programme Lead",
                 "ongoing", None),
    ReturnDetail("Deliver effective Research Management", "Head of Research and Development"),
    # Priority 7: Informatics
    ReturnDetail("Refine and enhance existing EHR", "Head of Clinical Systems", _d(2017, 11, 30)),
    ReturnDetail("Deliver New Data Warehouse", "Head of Business Intelligence", _d(2018, 3, 31)),
    ReturnDetail("Reporting Presentation Layer", "BI Development Manager"),
    ReturnDetail("Enhance core IT infrastructure", "Head of IT Infrastructure", _d(2018, 3, 31)),
)

# The one row whose RAG is given only by the cell's colour (text left blank), as happens
# when someone recolours a cell and deletes the word.
FILL_ONLY_PROJECT = "Clinical Research Facility (CRF)"


@dataclass(frozen=True)
class SheetLayout:
    """How one sheet of a return is laid out."""

    name: str  # "" for the CSV, which has no sheets
    priorities: tuple[int, ...]
    subtitle: str = ""
    first_col: str = "A"
    title_rows: int = 3  # trust name, report title, blank row; 0 for the CSV
    merge_priority: bool = False  # merge the priority cell down its group of rows
    extra_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileLayout:
    """One return file and its sheets."""

    name: str
    sheets: tuple[SheetLayout, ...]


FILES: tuple[FileLayout, ...] = (
    FileLayout("Nursing and Quality - FY18 Q2 return.xlsx", (
        SheetLayout("Priority 1", (1,), "Priority 1", merge_priority=True),
        SheetLayout("Priority 3", (3,), "Priority 3", merge_priority=True),
    )),
    FileLayout("Operations - FY18 Q2 return.xlsx", (
        SheetLayout("Progress Updates", (2,), "Priority 2", merge_priority=True),
    )),
    FileLayout("Workforce - FY18 Q2 return.xlsx", (
        SheetLayout("Progress Updates", (4,), "Priority 4", first_col="B",
                    extra_headers=("Comments",)),
    )),
    FileLayout("Finance - FY18 Q2 return.csv", (
        SheetLayout("", (5,), title_rows=0),
    )),
    FileLayout("Research and Development - FY18 Q2 return.xlsx", (
        SheetLayout("Priority 6", (6,), "Priority 6", title_rows=2),
    )),
    FileLayout("Informatics - FY18 Q2 return.xlsx", (
        SheetLayout("Priority 7", (7,), "Priority 7", merge_priority=True),
    )),
)


@dataclass(frozen=True)
class SampleRow:
    """One data row exactly as written to a sample return.

    ``project`` and ``rag_word`` are the cell text ('' on a continuation row / a fill-only
    RAG); ``rag_key`` is what the row means (config key R/A/G); ``due`` is the cell as written
    (a date in the Excel-date files, text elsewhere, None when empty) and ``due_date`` the
    date it stands for. ``row`` is the 1-based sheet row (for the CSV the record number, the
    header being 1). ``priority_text`` is the priority cell as written on this row ('' below
    the first row of a group, merged or not).
    """

    file: str
    sheet: str
    priority_id: str
    project: str
    rag_word: str
    rag_key: str
    update: str
    lead: str
    due: str | dt.date | None
    row: int
    col_letter_of_first_column: str
    priority_text: str = ""
    rag_fill: str | None = None  # ARGB fill of the RAG cell; None in the CSV
    comment: str = ""
    due_date: dt.date | None = None
    headers: tuple[str, ...] = HEADERS

    def cell(self, header: str) -> str:
        """The A1 reference of this row's cell under ``header``, e.g. ``cell("RAG")``."""
        index = column_index_from_string(self.col_letter_of_first_column)
        return f"{get_column_letter(index + self.headers.index(header))}{self.row}"

    @property
    def overdue(self) -> bool:
        # No seed row is complete (Blue), so any due date before as_of is overdue.
        return self.due_date is not None and self.due_date < AS_OF


def _priority_number(cell: str) -> int:
    match = re.match(r"(\d+)\.", cell)
    if not match:
        raise ValueError(f"priority cell without a number prefix: {cell!r}")
    return int(match.group(1))


def _seed_groups() -> dict[int, list[tuple[SeedRow, ReturnDetail]]]:
    """Seed rows with their details, grouped by priority number in seed order."""
    if len(DETAILS) != len(SEED_TABLE):
        raise ValueError(f"{len(DETAILS)} details for {len(SEED_TABLE)} seed rows")
    groups: dict[int, list[tuple[SeedRow, ReturnDetail]]] = {}
    number = 0
    for seed, detail in zip(SEED_TABLE, DETAILS, strict=True):
        if seed.priority:
            number = _priority_number(seed.priority)
        anchor = seed.project or paragraphs(seed.update)
        if not anchor.startswith(detail.starts):
            raise ValueError(f"DETAILS out of step: {detail.starts!r} vs {anchor[:40]!r}")
        groups.setdefault(number, []).append((seed, detail))
    return groups


def build_rows() -> list[SampleRow]:
    """Everything the generator writes, row by row, in file / sheet / row order."""
    groups = _seed_groups()
    placed = sorted(n for f in FILES for s in f.sheets for n in s.priorities)
    if placed != sorted(groups):
        raise ValueError(f"FILES place priorities {placed}, the seed has {sorted(groups)}")
    rows: list[SampleRow] = []
    for file in FILES:
        for sheet in file.sheets:
            headers = HEADERS + sheet.extra_headers
            row = sheet.title_rows + 2  # header row, then data
            for number in sheet.priorities:
                for seed, detail in groups[number]:
                    fill_only = seed.project == FILL_ONLY_PROJECT
                    key = RAG_KEY_OF_WORD[seed.rag]
                    is_csv = file.name.endswith(".csv")
                    rows.append(SampleRow(
                        file=file.name,
                        sheet=sheet.name,
                        priority_id=f"P{number}",
                        project=seed.project,
                        rag_word="" if fill_only else seed.rag,
                        rag_key=key,
                        update=paragraphs(seed.update),
                        lead=detail.lead,
                        due=detail.due,
                        row=row,
                        col_letter_of_first_column=sheet.first_col,
                        priority_text=seed.priority,
                        rag_fill=None if is_csv else RAG_FILLS[key],
                        comment=detail.comment,
                        due_date=(detail.due if isinstance(detail.due, dt.date)
                                  else detail.due_date),
                        headers=headers,
                    ))
                    row += 1
    return rows


SAMPLE_ROWS: list[SampleRow] = build_rows()


def expected_counts(rows: Iterable[SampleRow] = SAMPLE_ROWS) -> dict[str, dict[str, int]]:
    """Rows per priority id and RAG key, e.g. {"P1": {"A": 1, "G": 1}, ...}; zeros omitted."""
    counts: Counter[tuple[str, str]] = Counter((r.priority_id, r.rag_key) for r in rows)
    result: dict[str, dict[str, int]] = {}
    for (priority, key), n in sorted(counts.items(), key=lambda kv: _count_order(kv[0])):
        result.setdefault(priority, {})[key] = n
    return result


def _count_order(pair: tuple[str, str]) -> tuple[int, int]:
    # Priorities by number, RAG worst first, as config.yaml orders them.
    return int(pair[0][1:]), "RAGB".index(pair[1])


# --- writing ------------------------------------------------------------------------------

_THIN = Side(style="thin", color="FFBFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_HEADER_FILL = PatternFill("solid", fgColor="FF005EB8")  # NHS blue
_HEADER_FONT = Font(bold=True, color="FFFFFFFF")


def _solid(argb: str) -> PatternFill:
    return PatternFill("solid", fgColor=argb)


def _cell_value(header: str, row: SampleRow) -> object:
    values: dict[str, object] = {
        "Priority": row.priority_text or None,
        "RAG": row.rag_word or None,
        "Project Title": row.project or None,
        "Progress Update": row.update,
        "Lead": row.lead,
        "Due date": row.due,
        "Comments": row.comment or None,
    }
    return values[header]


def _write_titles(ws: Worksheet, layout: SheetLayout, first: int) -> None:
    if layout.title_rows == 0:
        return
    ws.cell(1, first, TRUST).font = Font(bold=True, size=14)
    title = f"Business Plan {PERIOD} \u2013 Progress Updates ({layout.subtitle})"
    ws.cell(2, first, title).font = Font(bold=True, size=12)


def _write_tracker_sheet(ws: Worksheet, layout: SheetLayout, rows: Sequence[SampleRow]) -> None:
    first = column_index_from_string(layout.first_col)
    headers = HEADERS + layout.extra_headers
    header_row = layout.title_rows + 1
    _write_titles(ws, layout, first)
    for offset, header in enumerate(headers):
        cell = ws.cell(header_row, first + offset, header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(first + offset)].width = COLUMN_WIDTHS[header]
    if first > 1:
        ws.column_dimensions["A"].width = 3  # a narrow margin column, as some teams keep
    for row in rows:
        for offset, header in enumerate(headers):
            cell = ws.cell(row.row, first + offset, _cell_value(header, row))
            cell.alignment = _WRAP_TOP
            cell.border = _BORDER
            if header == "RAG":
                cell.fill = _solid(row.rag_fill or RAG_FILLS[row.rag_key])
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="center")
            elif header == "Due date" and isinstance(row.due, dt.date):
                cell.number_format = "dd/mm/yyyy"  # UK display; the value is a real date
    if layout.merge_priority and len(rows) > 1:
        ws.merge_cells(start_row=rows[0].row, start_column=first,
                       end_row=rows[-1].row, end_column=first)
    ws.freeze_panes = ws.cell(header_row + 1, first)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"


def _write_rag_key(ws: Worksheet) -> None:
    key = (
        ("Red", "R", "Milestones delayed"),
        ("Amber", "A", "Milestones at risk of delay"),
        ("Green", "G", "Milestones complete and/or on track"),
    )
    for column, header in enumerate(("RAG", "Milestone status"), start=1):
        cell = ws.cell(1, column, header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
    for index, (word, rag, meaning) in enumerate(key, start=2):
        rag_cell = ws.cell(index, 1, word)
        rag_cell.fill = _solid(RAG_FILLS[rag])
        rag_cell.font = Font(bold=True)
        rag_cell.border = _BORDER
        ws.cell(index, 2, meaning).border = _BORDER
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 40


def _save_deterministic(wb: Workbook, path: Path) -> None:
    # openpyxl's save() stamps "modified" with now() and the zip entries with the current
    # time; writing through ExcelWriter and re-zipping with a fixed time avoids both.
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    path.write_bytes(out.getvalue())


def write_xlsx(path: Path, layout: FileLayout, rows: Sequence[SampleRow]) -> None:
    """Write one directorate return workbook: its tracker sheets, then the RAG Key."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in layout.sheets:
        _write_tracker_sheet(wb.create_sheet(sheet.name), sheet,
                             [r for r in rows if r.sheet == sheet.name])
    _write_rag_key(wb.create_sheet("RAG Key"))
    wb.properties.creator = "Business Planning Team"
    wb.properties.lastModifiedBy = "Business Planning Team"
    wb.properties.title = f"{TRUST} Business Plan {PERIOD} return"
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    _save_deterministic(wb, path)


def write_csv(path: Path, rows: Sequence[SampleRow]) -> None:
    """Write a CSV the way Excel's "CSV (Comma delimited)" does on Windows: cp1252, CRLF."""
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADERS)
        for row in rows:
            due = row.due.strftime("%d/%m/%Y") if isinstance(row.due, dt.date) else row.due
            writer.writerow([row.priority_text, row.rag_word, row.project, row.update, row.lead,
                             due or ""])


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder to write the returns into (default: %(default)s)")
    return parser.parse_args(argv)


def main(out_dir: Path | None = None) -> list[Path]:
    """(Re)write every sample return into ``out_dir`` (default: the repository's inputs/).

    Only the files named in FILES are written; anything else in the folder is left alone.
    """
    out_dir = DEFAULT_OUT if out_dir is None else out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for layout in FILES:
        path = out_dir / layout.name
        rows = [r for r in SAMPLE_ROWS if r.file == layout.name]
        if path.suffix == ".csv":
            write_csv(path, rows)
        else:
            write_xlsx(path, layout, rows)
        written.append(path)
    return written


if __name__ == "__main__":
    # main() itself never reads sys.argv, so tests and other scripts can call it safely.
    for written_path in main(parse_args().out):
        print(written_path)
