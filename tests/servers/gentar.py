#!/usr/bin/env python3
"""Independent reference server for the GenTaR REST API (docs/gentar.txt).

Standard library only.  Usage:
    python3 tests/servers/gentar.py [--port 0] [--records N] [--seed S] [--token-ttl SECONDS]

Line references below ("gentar.txt:NNN") point at the reference document.
"""
import argparse
import base64
import copy
import gzip
import hashlib
import hmac
import json
import math
import os
import random
import re
import signal
import sys
import threading
import time
import uuid
from datetime import datetime, date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qsl, unquote, quote

# ---------------------------------------------------------------------------
# constants taken from the document
# ---------------------------------------------------------------------------

# gentar.txt:76 "The access token is short-lived and by default expires after 30 minutes."
DEFAULT_TOKEN_TTL = 30 * 60
# gentar.txt:1157 "by default a maximum of 20 results are returned"; gentar.txt:44 page starts with 0
DEFAULT_PAGE_SIZE = 20
# freedom: the document states no maximum page size; we cap at 2000.
MAX_PAGE_SIZE = 2000
MAX_BODY = 4 * 1024 * 1024

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1

# gentar.txt:967-995 intention names (also used for molecularMutationTypeName)
INTENTIONS = ["Point Mutation", "Deletion", "Exon Deletion", "Intra-exon deletion",
              "Inter-exon deletion", "Whole-gene deletion", "Copy Number Variant", "SNP",
              "Insertion", "Inverted insertion", "Inversion", "Indel", "Complex rearrangement"]
# gentar.txt:1011-1023 assignment statuses
ASSIGNMENT_STATUSES = ["Assigned", "Inspect - Conflict", "Inactive", "Abandoned",
                       "Inspect - Attempt", "Inspect - GLT Mouse"]
# gentar.txt:538 privacy levels
PRIVACIES = ["public", "protected", "restricted"]
# gentar.txt:574 categorization types
CATEGORIZATION_TYPES = ["allele_category", "repair_mechanism"]
# gentar.txt:658 / 5881-5887 sequence types
SEQUENCE_TYPES = ["complete", "partial", "5_prime_end", "3_prime_end"]
# gentar.txt:664 / 5897-5903 sequence categories
SEQUENCE_CATEGORIES = ["intention target sequence", "original starting sequence", "outcome sequence"]
# gentar.txt:3585-3589 plan types
PLAN_TYPES = ["production", "phenotyping"]
# gentar.txt:3597-3607 production attempt types
PRODUCTION_ATTEMPTS = ["crispr", "haplo-essential crispr", "es cell", "cre allele modification", "breeding"]
# gentar.txt:3621-3623 phenotyping attempt types
PHENOTYPING_ATTEMPTS = ["adult and embryo phenotyping", "haplo-essential phenotyping"]
# gentar.txt:4932 "An outcome can be either a colony or a specimen"
OUTCOME_TYPES = ["Colony", "Specimen"]

# gentar.txt:4322 order of the template variables of the plan list self link
PLAN_TEMPLATE_VARS = ["pin", "tpn", "workUnitName", "workGroupName", "statusName", "summaryStatusName",
                      "typeName", "attemptTypeName", "imitsMiAttemptId", "imitsPhenotypeAttemptId",
                      "phenotypingExternalRef", "doNotCountTowardsCompleteness"]

STATUS_TEXT = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
               405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 411: "LENGTH_REQUIRED",
               413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 500: "INTERNAL_SERVER_ERROR"}

HAL = "application/hal+json"
JSON = "application/json"


class ApiError(Exception):
    def __init__(self, status, message, debug=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.debug = debug
        self.headers = headers or {}


def bad(message, debug=None):
    return ApiError(400, message, debug or "Please check the request payload and parameters.")


def not_found(message):
    return ApiError(404, message, "The requested resource does not exist.")


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------

def fmt_ldt(dt):
    """LocalDateTime as Jackson prints it (gentar.txt:1923 "2021-08-12T14:05:21.357928"):
    the fraction is printed without trailing zeros, omitted when zero."""
    s = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if dt.microsecond:
        s += ("." + "%06d" % dt.microsecond).rstrip("0")
    return s


def now_ldt():
    return fmt_ldt(datetime.now())


def api_timestamp():
    # gentar.txt:165 "timestamp" : "12-08-2021 02:05:24" -> dd-MM-yyyy hh:mm:ss (12-hour clock; the
    # other examples of the same run are at 14:05, so the hour is printed on a 12-hour clock)
    return datetime.now().strftime("%d-%m-%Y %I:%M:%S")


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_dec(text):
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("bad base64url")
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)


def s(v):
    """History values are strings (gentar.txt:2051 "oldValue" : "false")."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return str(v)


def detail(field, old, new, note="Field changed"):
    return {"field": field, "oldValue": s(old), "newValue": s(new), "note": note}


MISSING = object()


def _kind_ok(kind, v):
    if kind == "str":
        return isinstance(v, str)
    if kind == "bool":
        return isinstance(v, bool)
    if kind == "int":
        return isinstance(v, int) and not isinstance(v, bool) and INT64_MIN <= v <= INT64_MAX
    if kind == "num":
        if isinstance(v, bool):
            return False
        if isinstance(v, int):
            return INT64_MIN <= v <= INT64_MAX
        return isinstance(v, float) and math.isfinite(v) and abs(v) < 1e300
    if kind == "list":
        return isinstance(v, list)
    if kind == "obj":
        return isinstance(v, dict)
    if kind == "strlist":
        return isinstance(v, list) and all(isinstance(x, str) for x in v)
    if kind == "date":
        return isinstance(v, str) and parse_date(v) is not None
    raise AssertionError(kind)


KIND_NAMES = {"str": "a string", "bool": "a boolean", "int": "an integer", "num": "a number",
              "list": "an array", "obj": "an object", "strlist": "an array of strings",
              "date": "a date (yyyy-MM-dd)"}


def fget(obj, key, kind, path, required=False, nullable=True, choices=None):
    """Read and type-check one field of a request payload."""
    full = (path + "." + key) if path else key
    if not isinstance(obj, dict):
        raise bad("%s must be an object" % (path or "The request body"))
    if key not in obj:
        if required:
            raise bad("%s is required" % full)
        return MISSING
    v = obj[key]
    if v is None:
        if required or not nullable:
            raise bad("%s must not be null" % full)
        return None
    if not _kind_ok(kind, v):
        raise bad("%s must be %s" % (full, KIND_NAMES[kind]))
    if kind == "num":
        v = float(v)
    if kind == "date":
        v = parse_date(v)
    if choices is not None and v not in choices:
        raise bad("%s has an invalid value '%s'. Possible values: %s" % (full, v, ", ".join(choices)))
    return v


def val(v, default=None):
    return default if v is MISSING else v


def parse_date(text):
    """Dates are shown as yyyy-MM-dd (gentar.txt:5326); requests may carry a date-time
    (gentar.txt:5628 "2020-06-08T15:49:52.0353"), of which the date part is kept."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?", text or "")
    if not m:
        return None
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m.group(4) is not None:
            if int(m.group(4)) > 23 or int(m.group(5)) > 59 or (m.group(6) and int(m.group(6)) > 59):
                return None
    except ValueError:
        return None
    return d.isoformat()


def fmt_tpn(n):
    return "TPN:%09d" % n          # gentar.txt:1066 TPN:000000001


def fmt_pin(n):
    return "PIN:%010d" % n         # gentar.txt:3658 PIN:0000000001


def fmt_tpo(n):
    return "TPO:%012d" % n         # gentar.txt:4045 TPO:000000000001


def fmt_min(n):
    return "MIN:%012d" % n         # gentar.txt:5361 MIN:000000000001


def fmt_psn(n):
    return "PSN:%012d" % n         # gentar.txt:6538 PSN:000000000001


def id_num(text, prefix, digits):
    m = re.fullmatch(prefix + r":(\d{%d})" % digits, text or "")
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------
# reference data (genes, orthologs, catalogues)
# ---------------------------------------------------------------------------

ORTHOLOG_SERVICES = ["HGNC", "OMA", "EggNOG", "HomoloGene", "OrthoMCL", "Panther", "NCBI", "Ensembl",
                     "Inparanoid", "OrthoInspector", "PhylomeDB", "Treefam"]

# (id, symbol, name, accession, [(human symbol, hgnc id, support count)...])
# gentar.txt:1113-1120 Serpinb10 is gene 1; gentar.txt:6056 Otog is gene 2; gentar.txt:6185 Dennd6b is gene 4.
GENES = [
    (1, "Serpinb10", "serine (or cysteine) peptidase inhibitor, clade B (ovalbumin), member 10", "MGI:2138648",
     [("SERPINB10", "HGNC:8942", 9)]),
    (2, "Otog", "otogelin", "MGI:1202064", [("OTOG", "HGNC:8516", 11)]),
    (4, "Dennd6b", "DENN/MADD domain containing 6B", "MGI:1916690", [("DENND6B", "HGNC:32690", 10)]),
    (7, "Vps37a", "VPS37A, ESCRT-I subunit", "MGI:1261835", [("VPS37A", "HGNC:24928", 12)]),
    (9, "Ikzf2", "IKAROS family zinc finger 2", "MGI:1342541", [("IKZF2", "HGNC:13177", 12)]),
    (13, "Gpr68", "G protein-coupled receptor 68", "MGI:2441763", [("GPR68", "HGNC:4519", 8), ("GPR4", "HGNC:4497", 2)]),
    (14, "Gpr173", "G-protein coupled receptor 173", "MGI:1934131", [("GPR173", "HGNC:18186", 10)]),
    (18, "Pax6", "paired box 6", "MGI:97490", [("PAX6", "HGNC:8620", 12)]),
    (21, "Trp53", "transformation related protein 53", "MGI:98834", [("TP53", "HGNC:11998", 11)]),
    (22, "Brca1", "breast cancer 1, early onset", "MGI:104537", [("BRCA1", "HGNC:1100", 10)]),
    (27, "Cdh23", "cadherin related 23 (otocadherin)", "MGI:1890219", [("CDH23", "HGNC:13733", 12)]),
    (30, "Myo7a", "myosin VIIA", "MGI:104510", [("MYO7A", "HGNC:7606", 11)]),
    (31, "Tmc1", "transmembrane channel-like gene family 1", "MGI:2151016", [("TMC1", "HGNC:16513", 9)]),
    (35, "Fgf8", "fibroblast growth factor 8", "MGI:99604", [("FGF8", "HGNC:3686", 12)]),
    (38, "Shh", "sonic hedgehog", "MGI:98297", [("SHH", "HGNC:10848", 12)]),
    (40, "Sox2", "SRY (sex determining region Y)-box 2", "MGI:98364", [("SOX2", "HGNC:11195", 12)]),
    (44, "Nf1", "neurofibromin 1", "MGI:97306", [("NF1", "HGNC:7765", 11)]),
    (47, "Apoe", "apolipoprotein E", "MGI:88057", [("APOE", "HGNC:613", 10)]),
    (51, "Lepr", "leptin receptor", "MGI:104993", [("LEPR", "HGNC:6554", 10)]),
    (52, "Mc4r", "melanocortin 4 receptor", "MGI:99457", [("MC4R", "HGNC:6932", 12)]),
    (56, "Kit", "KIT proto-oncogene receptor tyrosine kinase", "MGI:96677", [("KIT", "HGNC:6342", 12)]),
    (60, "Tyr", "tyrosinase", "MGI:98880", [("TYR", "HGNC:12442", 11)]),
    (63, "Pten", "phosphatase and tensin homolog", "MGI:109583", [("PTEN", "HGNC:9588", 12)]),
    (65, "Dmd", "dystrophin, muscular dystrophy", "MGI:94909", [("DMD", "HGNC:2928", 11)]),
    (70, "Cftr", "cystic fibrosis transmembrane conductance regulator", "MGI:88388", [("CFTR", "HGNC:1884", 10)]),
    (72, "Smn1", "survival motor neuron 1", "MGI:109257", [("SMN1", "HGNC:11117", 4), ("SMN2", "HGNC:11118", 4)]),
    (77, "Foxp2", "forkhead box P2", "MGI:2148705", [("FOXP2", "HGNC:13875", 12)]),
    (81, "Arid1b", "AT-rich interaction domain 1B", "MGI:1926129", [("ARID1B", "HGNC:18040", 9)]),
    (84, "Chd7", "chromodomain helicase DNA binding protein 7", "MGI:2444748", [("CHD7", "HGNC:20626", 10)]),
    (88, "Nlgn3", "neuroligin 3", "MGI:2444609", [("NLGN3", "HGNC:14289", 7)]),
    (90, "Shank3", "SH3 and multiple ankyrin repeat domains 3", "MGI:1930016", [("SHANK3", "HGNC:14294", 11)]),
    (93, "Mecp2", "methyl CpG binding protein 2", "MGI:99918", [("MECP2", "HGNC:6990", 12)]),
    (97, "Fmr1", "fragile X messenger ribonucleoprotein 1", "MGI:95564", [("FMR1", "HGNC:3775", 12)]),
    (101, "Gm4980", "predicted gene 4980", "MGI:3643405", []),
]

WORK_UNITS = {"BCM": "BaSH", "UCD": "DTCC", "JAX": "JAX", "TCP": "NorCOMM2", "HMGU": "Helmholtz GMC",
              "ICS": "Phenomin", "Harwell": "MRC", "RIKEN BRC": "RIKEN", "CCP-IMG": "CCP", "KMPC": "KMPC"}
CONSORTIA = ["CMG", "BaSH", "DTCC", "JAX", "MRC", "NorCOMM2"]
FUNDERS = ["KOMP", "MRC", "Wellcome Trust", "NIH", "Genome Canada", "Helmholtz", "ANR", "RIKEN"]
STRAINS = ["C57BL/6NJ", "C57BL/6N", "C57BL/6NTac", "C57BL/6NCrl", "BALB/cJ"]
CATEGORIZATIONS = [("Null Reporter", None, "allele_category"), ("Conditional Ready", None, "allele_category"),
                   ("Deletion", None, "allele_category"),
                   ("NHEJ", "non-homology end-joining", "repair_mechanism"),
                   ("HDR", "homology-directed repair", "repair_mechanism")]


def gene_orthologs(gene):
    allo = []
    for sym, hgnc, cnt in gene[4]:
        # gentar.txt:760 LOW < 5, MODERATE 5-8, GOOD 9-12
        cat = "LOW" if cnt < 5 else ("MODERATE" if cnt <= 8 else "GOOD")
        allo.append({"symbol": sym, "category": cat, "support": ",".join(ORTHOLOG_SERVICES[:cnt]),
                     "supportCount": cnt,
                     "link": "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/" + hgnc})
    # gentar.txt:742 best orthologs: support count > 4
    top = max([o["supportCount"] for o in allo] or [0])
    best = [dict(o) for o in allo if o["supportCount"] > 4 and o["supportCount"] == top]
    return best, allo


def render_gene(gene):
    # gentar.txt:1113-1120 key order
    return {"id": gene[0], "symbol": gene[1], "speciesName": "Mus musculus", "accessionId": gene[3],
            "name": gene[2], "externalLink": "http://www.mousephenotype.org/data/genes/" + gene[3]}


GENE_BY_ID = {g[0]: g for g in GENES}


def find_gene(symbol=None, accession=None):
    for g in GENES:
        if accession and g[3] == accession:
            return g
    for g in GENES:
        if symbol and g[1] == symbol:
            return g
    return None


# ---------------------------------------------------------------------------
# state machines (gentar.txt:6851-6950; transitions seen in the examples)
# ---------------------------------------------------------------------------

def T(action, description, next_status, user=True):
    return {"action": action, "description": description, "triggeredByUser": user, "nextStatus": next_status}


CRISPR_SM = {
    "Plan Created": [T("abandonWhenCreated", "Abandon a plan that has no attempt information", "Plan Abandoned"),
                     T("changeToInProgress", "Change the status to Attempt In Progress when attempt data is registered", "Attempt In Progress", False)],
    "Attempt In Progress": [T("changeToEmbryosObtained", "Change status to Embryos Obtained when embryo data is registered", "Embryos Obtained", False),
                            T("abortWhenInProgress", "Abort the plan while the attempt is in progress", "Attempt Aborted")],
    "Embryos Obtained": [T("changeToFounderObtained", "Change status to Founder Obtained when founders are registered", "Founder Obtained", False),
                         T("abortWhenEmbryosObtained", "Abort the plan after embryos obtained", "Attempt Aborted")],
    # gentar.txt:3767-3773
    "Founder Obtained": [T("abortWhenFounderObtained", "Abort the plan after a founder obtained", "Attempt Aborted")],
    "Attempt Aborted": [T("reverseAbortion", "Reverse the abortion of the plan", "Attempt In Progress")],
    "Plan Abandoned": [],
}
ESCELL_SM = {
    "Plan Created": [T("abandonWhenCreated", "Abandon a plan that has no attempt information", "Plan Abandoned"),
                     T("changeToInProgress", "Change the status to Attempt In Progress when attempt data is registered", "Attempt In Progress", False)],
    "Attempt In Progress": [T("changeToChimerasFounderObtained", "Change status when chimeras are obtained", "Chimeras/Founder Obtained", False),
                            T("abortWhenInProgress", "Abort the plan while the attempt is in progress", "Attempt Aborted")],
    # gentar.txt:4309-4315
    "Chimeras/Founder Obtained": [T("abortWhenChimerasFounderObtained", "Abort the plan after a founder obtained", "Attempt Aborted")],
    "Attempt Aborted": [T("reverseAbortion", "Reverse the abortion of the plan", "Attempt In Progress")],
    "Plan Abandoned": [],
}
CRE_SM = {
    "Plan Created": [T("abandonWhenCreated", "Abandon a plan that has no attempt information", "Plan Abandoned"),
                     T("registerMouseAlleleModification", "Register the mouse allele modification", "Mouse Allele Modification Registered", False)],
    "Mouse Allele Modification Registered": [T("startCreExcision", "Cre excision started", "Cre Excision Started", False),
                                             T("abortWhenMouseAlleleModificationRegistered", "Abort an allele modification plan when registered", "Mouse Allele Modification Aborted")],
    "Cre Excision Started": [T("completeCreExcision", "Cre excision complete", "Cre Excision Complete", False),
                             T("abortWhenCreExcisionStarted", "Abort an allele modification plan when Cre excision has started", "Mouse Allele Modification Aborted")],
    # gentar.txt:4222-4235
    "Cre Excision Complete": [T("updateToMouseAlleleModificationGenotypeConfirmed", "Update to Mouse Allele Modification Genotype Confirmed.", "Mouse Allele Modification Genotype Confirmed", False),
                              T("abortWhenCreExcisionComplete", "Abort an allele modification plan when Cre excision is complete", "Mouse Allele Modification Aborted")],
    "Mouse Allele Modification Genotype Confirmed": [T("abortWhenMouseAlleleModificationGenotypeConfirmed", "Abort an allele modification plan with a genotype confirmed", "Mouse Allele Modification Aborted")],
    "Mouse Allele Modification Aborted": [],
    "Plan Abandoned": [],
}
BREEDING_SM = {
    "Plan Created": [T("abandonWhenCreated", "Abandon a plan that has no attempt information", "Plan Abandoned")],
    "Plan Abandoned": [],
}
PHENOTYPING_SM = {
    # gentar.txt:4076-4090
    "Plan Created": [T("abandonWhenCreated", "Abandon a phenotyping plan that has no associated phenotyping stage information", "Plan Abandoned"),
                     T("abortPhenotypingPlan", "Abort a phenotyping plan that has associated aborted phenotyping stage information", "Phenotyping Plan Aborted")],
    "Phenotyping Plan Aborted": [],
    "Plan Abandoned": [],
}
COLONY_SM = {
    # gentar.txt:5332-5354
    "Genotype In Progress": [T("confirmGenotypeWhenInProgress", "Confirm Genotype when Genotype In Progress", "Genotype Confirmed"),
                             T("updateFromGenotypeInProgressToGenotypeNotConfirmed", "Update from Genotype In Progress to Genotype Not Confirmed", "Genotype Not Confirmed"),
                             T("abortGenotypeInProgress", "Abort a colony that is Genotype In Progress", "Colony Aborted")],
    "Genotype Not Confirmed": [T("updateFromGenotypeNotConfirmedToGenotypeInProgress", "Update from Genotype Not Confirmed to Genotype In Progress", "Genotype In Progress"),
                               T("abortGenotypeNotConfirmed", "Abort a colony that is Genotype Not Confirmed", "Colony Aborted")],
    "Genotype Confirmed": [T("abortGenotypeConfirmed", "Abort a colony that is Genotype Confirmed", "Colony Aborted")],
    "Colony Aborted": [T("reverseColonyAbortion", "Reverse the abortion of a colony", "Genotype In Progress")],
}
SPECIMEN_SM = {
    # gentar.txt:5405-5411
    "Specimen Group In Progress": [T("abortSpecimenGroup", "Abort a specimen group", "Specimen Group Aborted")],
    "Specimen Group Aborted": [],
}
_REGISTERED = [T("updateToRederivationStarted", "Started rederivation of the colony for phenotyping", "Rederivation Started"),
               T("updateToPhenotypingStarted", "Marked as started when the DCC receives phenotype data", "Phenotyping Started"),
               T("abortWhenPhenotypeRegistered", "Abort phenotyping when a phenotype attempt has been registered", "Phenotype Production Aborted")]
STAGE_SM = {
    # gentar.txt:6686-6708
    "Phenotyping Registered": _REGISTERED,
    "Late Adult Phenotyping Registered": _REGISTERED,
    "Rederivation Started": [T("updateToRederivationComplete", "Rederivation of the colony for phenotyping complete", "Rederivation Complete"),
                             T("abortWhenRederivationStarted", "Abort phenotyping when rederivation has started", "Phenotype Production Aborted")],
    "Rederivation Complete": [T("updateToPhenotypingStarted", "Marked as started when the DCC receives phenotype data", "Phenotyping Started"),
                              T("abortWhenRederivationComplete", "Abort phenotyping when rederivation is complete", "Phenotype Production Aborted")],
    # gentar.txt:6569-6583
    "Phenotyping Started": [T("updateToPhenotypingAllDataSent", "No more phenotype data will be sent to the DCC.", "Phenotyping All Data Sent"),
                            T("rollbackPhenotypingStarted", "Rollback the state of phenotyping marked as having phenotyping started.", "Phenotyping Registered")],
    "Phenotyping All Data Sent": [T("updateToPhenotypingAllDataProcessed", "The DCC has processed all the phenotype data", "Phenotyping All Data Processed", False),
                                  T("rollbackPhenotypingAllDataSent", "Rollback the state of phenotyping marked as all data sent.", "Phenotyping Started")],
    # gentar.txt:6966 rollbackPhenotypingAllDataProcessed moves to Phenotyping All Data Sent
    "Phenotyping All Data Processed": [T("rollbackPhenotypingAllDataProcessed", "Rollback the state of phenotyping marked as all data processed.", "Phenotyping All Data Sent", False)],
    "Phenotype Production Aborted": [],
}


def plan_sm(plan):
    at = plan["attemptTypeName"]
    if plan["typeName"] == "phenotyping":
        return PHENOTYPING_SM
    if at in ("crispr", "haplo-essential crispr"):
        return CRISPR_SM
    if at == "es cell":
        return ESCELL_SM
    if at == "cre allele modification":
        return CRE_SM
    return BREEDING_SM


# ---------------------------------------------------------------------------
# the in-memory store
# ---------------------------------------------------------------------------

class Store:
    def __init__(self, records, seed, admin_email, admin_password):
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.projects = {}
        self.plans = {}
        self.outcomes = {}
        self.mutations = {}
        self.stages = {}
        self.users = {}
        self.counters = {}
        self.admin_email = admin_email
        self._seed_users(admin_email, admin_password)
        self._seed_doc_examples()
        self._seed_generated(max(records, 5))

    # -- ids ----------------------------------------------------------------
    def next_id(self, kind, start=1):
        n = self.counters.get(kind, start - 1) + 1
        self.counters[kind] = n
        return n

    def bump(self, kind, n):
        if self.counters.get(kind, 0) < n:
            self.counters[kind] = n

    def rank(self):
        # freedom: default list order is a hidden stable rank, not insertion/id order
        return self.rng.random()

    # -- users --------------------------------------------------------------
    @staticmethod
    def hash_pw(salt, pw):
        return hashlib.pbkdf2_hmac("sha256", pw.encode("utf-8"), salt, 2000).hex()

    def set_password(self, user, pw):
        salt = os.urandom(8)
        user["salt"] = salt
        user["pw"] = self.hash_pw(salt, pw) if pw is not None else None

    def check_password(self, user, pw):
        if user.get("pw") is None or not isinstance(pw, str):
            return False
        return hmac.compare_digest(user["pw"], self.hash_pw(user["salt"], pw))

    def add_user(self, email, name, pw, contactable, wus, cons, admin=False):
        u = {"email": email, "name": name, "contactable": contactable, "isAdmin": admin,
             "sub": "usr-" + str(uuid.UUID(int=self.rng.getrandbits(128))),
             "rolesWorkUnits": [{"id": self.next_id("rwu"), "workUnitName": w, "roleName": r} for w, r in wus],
             "rolesConsortia": [{"id": self.next_id("rcon"), "consortiumName": c, "roleName": r} for c, r in cons]}
        self.set_password(u, pw)
        self.users[email] = u
        return u

    def _seed_users(self, admin_email, admin_password):
        self.counters["rwu"] = 0
        self.counters["rcon"] = 0
        self.add_user("jax.producer@gentar-mock.org", "JAX production lead", None, True,
                      [("JAX", "manager")], [("JAX", "general")])
        # gentar.txt:398-444 gentar_test_user2 is a user managed by the signed-in manager;
        # its work unit role has id 2 (gentar.txt:405).
        self.add_user("gentar_test_user2@gentar.org", "Test user 2 name", None, True,
                      [("UCD", "general")], [("CMG", "general")])
        self.add_user(admin_email, "GenTaR mock curator", admin_password, True,
                      [("BCM", "manager"), ("UCD", "manager")], [("BaSH", "manager"), ("CMG", "general")],
                      admin=True)
        self.add_user("tcp.phenotyper@gentar-mock.org", "TCP phenotyping", None, False,
                      [("TCP", "general")], [("NorCOMM2", "general")])
        self.counters["rwu"] += 3          # freedom: role record ids are not contiguous
        self.counters["rcon"] += 5

    # -- history ------------------------------------------------------------
    # freedom: history ids are numbered per entity (gentar.txt:1946 "Id to see the order")
    def add_history(self, entity, user, comment, details, when=None):
        entity.setdefault("history", [])
        h = {"id": len(entity["history"]) + 1, "user": user, "date": when or now_ldt(),
             "comment": comment, "details": sorted(details, key=lambda d: d["field"])}
        entity["history"].append(h)
        return h

    # -- seeds: records shown in the document -------------------------------
    def _seed_doc_examples(self):
        R = self.rank
        self.counters.update({"consortiumRec": 0, "intSeq": 0, "seqLoc": 0, "loc": 0, "nuclease": 0,
                              "guide": 0, "donor": 0, "reagent": 0, "primer": 0, "assay": 0,
                              "distProduct": 0, "specProp": 0, "qc": 0, "mutSeq": 0, "mutSeqSeq": 0,
                              "tissue": 0})
        otog_seq = (">Otog TGGGACTAGGTCACAGACAGAAAAAGGGGGATGAGAAGGCCTTAGATCTAAGGGAGGTAAAGAGAGAATTAACCACAGGAA"
                    "TTAGCACACTGAAGGATCGTGCTCGCCAGACCTCAAACCATCTCCTTCTTGCGTCATGAGAAAGCCTTGACCCATCATTTTCCAGTT"
                    "TTCTGTGTTCTTGCCCCACTTTGGCCCCTGGATCCTGGGATCTCCCCAGAAATTCTTACCTAGCCCC")
        self.otog_seq = otog_seq
        # gentar.txt:1066-1153 project TPN:000000001
        p1 = {"tpn": fmt_tpn(1), "recovery": False, "esCellQcOnly": False, "comment": "Comment test",
              "reactivationDate": "2020-09-24T00:00:02", "privacyName": "public",
              "assignmentStatusName": "Assigned", "summaryStatusName": "Plan Created",
              "completionNote": None, "completionComment": None, "imitsMiPlanId": 27136,
              "assignmentStatusStamps": [],
              "projectIntentions": [{
                  "molecularMutationTypeName": "Point Mutation",
                  "mutationCategorizations": [{"name": "Null Reporter", "description": None, "typeName": "allele_category"}],
                  "gene": 1,
                  "intentionsBySequences": [{"index": 1, "sequence": {
                      "id": self.next_id("intSeq"), "sequence": otog_seq, "typeName": "complete",
                      "categoryName": "outcome sequence",
                      "sequenceLocations": [{"id": self.next_id("seqLoc"), "locationIndex": 1, "location": {
                          "id": self.next_id("loc"), "chr": "X", "start": 1234567, "stop": 7654321, "strand": "+",
                          "genomeBuild": "GRCm38", "strainName": "C57BL/6N", "speciesName": "Mus musculus"}}]}}]}],
              "speciesNames": ["Mus musculus"],
              "consortia": [{"id": self.next_id("consortiumRec"), "consortiumName": "CMG"}],
              "history": [], "_rank": R()}
        self.projects[p1["tpn"]] = p1
        # gentar.txt:1265-1370 TPN:000000002..5 (no plans, no intentions)
        for n, priv, assign, summ, species in [
                (2, "public", "Inspect - Conflict", "Attempt In Progress", ["Homo sapiens"]),
                (3, "public", "Assigned", "Plan Created", []),
                (4, "protected", "Inspect - Conflict", "Attempt In Progress", []),
                (5, "restricted", "Assigned", "Plan Created", [])]:
            p = {"tpn": fmt_tpn(n), "recovery": None, "esCellQcOnly": None, "comment": None,
                 "reactivationDate": None, "privacyName": priv, "assignmentStatusName": assign,
                 "summaryStatusName": summ, "completionNote": None, "completionComment": None,
                 "imitsMiPlanId": None, "assignmentStatusStamps": [], "projectIntentions": [],
                 "speciesNames": species,
                 "consortia": [{"id": self.next_id("consortiumRec"), "consortiumName": "CMG"}],
                 "history": [], "_rank": R()}
            self.projects[p["tpn"]] = p
        self.bump("tpn", 5)

        # gentar.txt:3658-3776 plan PIN:0000000001 (crispr)
        def crispr(mi, exp, mref, imits, guide, fmt, src, reagent, inj, surv, assay_type, truncated, pam, gseq):
            return {
                "miDate": mi, "experimental": exp, "comment": "crispr plan comment",
                "mutagenesisExternalRef": mref, "imitsMiAttemptId": imits, "attemptExternalRef": None,
                "embryoTransferDay": "Same Day", "totalTransferred": 72,
                "nucleases": [{"id": self.next_id("nuclease"), "typeName": "Cas9", "concentration": 250.0, "className": "protein"}],
                "guides": [dict(id=self.next_id("guide"), sequence=guide[0], guideSequence=gseq, pam=pam,
                                chr=guide[1], start=guide[2], stop=guide[3], strand="+", genomeBuild="GRCm38",
                                grnaConcentration=300.0, truncatedGuide=truncated, reversed=False,
                                sangerService=False, formatName=fmt, sourceName=src)],
                "mutagenesisDonors": [{"id": self.next_id("donor"), "concentration": 5.0,
                                       "vectorName": "pUC18_Ikzf2_conditional",
                                       "oligoSequenceFasta": "ATAATTGGCAGCCTGATTAGAAGAATGCCCATCTTGTCTAGTGACACATTAGAACAATGAGTAATTGCTCGATGCGGATCCATAACTTCGTATAGCATACATTATACGAAGTTATTCTCTGGGATTAAGAAAAAACTAACATATGAAACAGAAGCCCAGACATCTAAAACCACAAAGA",
                                       "preparationTypeName": "Circular"}],
                "reagents": [{"id": self.next_id("reagent"), "reagentName": reagent, "reagentDescription": "NHEJ Inhibitor", "concentration": 334.0}],
                "genotypePrimers": [{"id": self.next_id("primer"), "genomicStartCoordinate": 1, "genomicEndCoordinate": 200,
                                     "name": "Gpr68wtR", "sequence": "GTAGAGGGACAGGCAGTTGG"}],
                "totalEmbryosInjected": inj, "totalEmbryosSurvived": surv, "embryo2Cell": str(imits),
                "assay": {"id": self.next_id("assay"), "typeName": assay_type, "numFounderPups": 26,
                          "numFounderSelectedForBreeding": 1, "founderNumAssays": 26, "numDeletionG0Mutants": 1,
                          "numG0WhereMutationDetected": 1, "numHdrG0Mutants": 1, "numHdrG0MutantsAllDonorsInserted": 0,
                          "numHdrG0MutantsSubsetDonorsInserted": 0, "numHrG0Mutants": 0, "numNhejG0Mutants": 0},
                "strainInjectedName": "C57BL/6NJ"}

        def plan(n, at, tp, funders, status, summ, sdates, sdates2, attempt=None, start=None, extra=None):
            pl = {"pin": fmt_pin(n), "tpn": fmt_tpn(1), "attemptTypeName": at, "typeName": tp,
                  "funderNames": funders, "workUnitName": "BCM", "workGroupName": "BaSH", "comment": None,
                  "statusName": status, "summaryStatusName": summ,
                  "statusDates": [{"statusName": a, "date": b} for a, b in sdates],
                  "summaryStatusDates": [{"statusName": a, "date": b} for a, b in sdates2],
                  "attempt": attempt, "startingPoint": start, "imitsPhenotypeAttemptId": None,
                  "history": [], "_rank": R()}
            if extra:
                pl.update(extra)
            self.plans[pl["pin"]] = pl
            return pl

        plan(1, "crispr", "production", ["KOMP"], "Founder Obtained", "Founder Obtained",
             [("Plan Created", "2018-01-15T00:00:00.706639"), ("Attempt In Progress", "2018-01-16T00:00:00.706639"),
              ("Founder Obtained", "2018-02-22T20:18:00.706639"), ("Embryos Obtained", "2018-04-04T14:32:00.706639")],
             [("Founder Obtained", "2019-08-06T20:09:51.706639")],
             crispr("2019-02-26", True, "MF-26326", 20043, ("CTTCACGTACCAAGGAGGGGTGG", "X", 46245139, 46245161),
                    "sgRNA", "commercial", "Ligase IV", 72, 70, "T7EN1", True, "AGG", "CTTCACGTACCAAGGAGGGG"))
        p2 = plan(2, "crispr", "production", [], "Founder Obtained", "Plan Created",
                  [("Plan Created", "2020-04-14T12:46:24.706639")], [("Plan Created", "2020-04-14T12:46:24.706639")],
                  crispr("2018-03-26", False, "MF-26328", 20044, ("CCATGATCTAATCTGTGGTTAAA", "14", 56912859, 56912881),
                         "cr-tracrRNA", "in-house", "Xrcc5", 70, 64, "LOA", False, "AAA", "CCATGATCTAATCTGTGGTTAAA"))
        # gentar.txt:4617-4630 history of PIN:0000000002
        self.add_history(p2, "gentar_test_user1@gentar.org", "Plan updated",
                         [detail("comment", "comment", "New Plan comment")], "2020-06-17T15:08:56.643268")
        p2["comment"] = "New Plan comment"
        # gentar.txt:4029-4140 phenotyping plans PIN 3 and 4
        plan(3, "adult and embryo phenotyping", "phenotyping", ["KOMP"], "Plan Created", "Plan Created",
             [("Plan Created", "2020-04-14T12:46:24.706639")], [("Plan Created", "2020-04-14T12:46:24.706639")],
             {"doNotCountTowardsCompleteness": False, "phenotypingExternalRef": "CR10129",
              "phenotypingBackgroundStrainName": "C57BL/6NJ", "cohortProductionWorkUnitName": "BCM"},
             fmt_tpo(1), {"imitsPhenotypeAttemptId": 5101})
        plan(4, "adult and embryo phenotyping", "phenotyping", [], "Plan Created", "Plan Created",
             [("Plan Created", "2018-02-22T20:18:00.706639")], [("Plan Created", "2020-04-14T12:46:24.706639")],
             {"doNotCountTowardsCompleteness": False, "phenotypingExternalRef": "JR34077",
              "phenotypingBackgroundStrainName": "C57BL/6NJ", "cohortProductionWorkUnitName": "BCM"},
             fmt_tpo(2), {"imitsPhenotypeAttemptId": 5102})
        # gentar.txt:4157-4237 cre allele modification plan PIN 9
        cre_dates = [("Plan Created", "2012-11-06T12:01:00"), ("Mouse Allele Modification Registered", "2012-11-06T12:08:00"),
                     ("Cre Excision Started", "2013-02-02T12:42:00"), ("Cre Excision Complete", "2013-04-09T12:42:00")]
        plan(9, "cre allele modification", "production", ["KOMP"], "Cre Excision Complete", "Cre Excision Complete",
             cre_dates, cre_dates,
             {"modificationExternalRef": "GSF-EPD0045_1_B11-3-1", "numberOfCreMatingsSuccessful": 1,
              "tatCre": False, "deleterStrainName": "BALB/cJ"}, fmt_tpo(1))
        # gentar.txt:4239-4318 es cell plan PIN 10
        plan(10, "es cell", "production", ["KOMP"], "Chimeras/Founder Obtained", "Chimeras/Founder Obtained",
             [("Plan Created", "2007-04-24T00:00:00"), ("Attempt In Progress", "2007-05-18T00:00:00"),
              ("Chimeras/Founder Obtained", "2007-10-20T00:00:00")],
             [("Chimeras/Founder Obtained", "2007-10-21T00:00:00")],
             {"esCellName": "EPD0045_1_A11", "miDate": "2007-04-24", "experimental": False,
              "comment": "additional information", "blastStrainName": "C57BL/6NJ", "totalBlastsInjected": 44,
              "totalTransferred": 44, "numberSurrogatesReceiving": 0, "totalPupsBorn": 25,
              "totalFemaleChimeras": 5, "totalMaleChimeras": 2, "totalChimeras": 7,
              "numberOfMalesWith0To39PercentChimerism": 1, "numberOfMalesWith40To79PercentChimerism": 1,
              "numberOfMalesWith80To99PercentChimerism": 0, "numberOfMalesWith100PercentChimerism": 0,
              "testCrossStrainName": "BALB/cJ", "dateChimerasMated": "2007-06-18",
              "numberOfChimeraMatingsAttempted": 6, "numberOfChimeraMatingsSuccessful": 5,
              "numberOfChimerasWithGltFromCct": 1, "numberOfChimerasWithGltFromGenotyping": 1,
              "numberOfChimerasWith0To9PercentGlt": 0, "numberOfChimerasWith10To49PercentGlt": 1,
              "numberOfChimerasWith50To99PercentGlt": 0, "numberOfChimerasWith100PercentGlt": 0,
              "totalF1MiceFromMatings": 52, "numberOfCctOffspring": 3, "cassetteTransmissionVerified": "2007-10-21",
              "numberOfHetOffspring": 2, "numberOfLiveGltOffspring": 0, "imitsMiAttemptId": 2030,
              "attemptExternalRef": "MAKE"})
        self.bump("pin", 10)

        # outcomes gentar.txt:5310-5570 (TPO 1..5 belong to PIN:0000000001)
        dp = lambda c, s_, e: {"id": self.next_id("distProduct"), "distributionCentreName": c,
                               "productTypeName": "Live mice", "distributionNetworkName": "MMRRC",
                               "startDate": s_, "endDate": e}
        o1 = self._colony(1, 1, "jr34293", "An example comment for the genotyping.", "Genotype In Progress",
                          [("Genotype In Progress", "2019-08-06T20:09:51.896778")], "C57BL/6NJ",
                          [dp("BCM", "2018-04-19", "2018-11-09")])
        o2 = self._colony(2, 1, "jr34230", "Comment version 2", "Genotype Not Confirmed",
                          [("Genotype In Progress", "2019-08-06T20:09:51.896778"),
                           ("Genotype Not Confirmed", "2020-02-11T10:31:02.112")], "C57BL/6NJ", [])
        # gentar.txt:5589-5600 history of TPO:000000000002
        self.add_history(o2, "gentar_test_user1@gentar.org", "Outcome updated",
                         [detail("colony.genotypingComment", "Comment version 1", "Comment version 2")],
                         "2020-06-17T15:08:56.643268")
        # gentar.txt:5540-5570 TPO 3 and 5 are listed without details (freedom used: optional objects absent)
        self._light(3, 1, "Specimen")
        self._specimen(4, 1, "External reference", "Specimen Group In Progress",
                       [("Specimen Group In Progress", "2019-08-06T20:09:51.896778")], "C57BL/6NJ",
                       [("Property 1", "Value 1")])
        self._light(5, 1, "Colony")
        self._colony(6, 2, "CR10130", "Genotyped by LOA", "Genotype Confirmed",
                     [("Genotype In Progress", "2020-04-20T09:00:00"), ("Genotype Confirmed", "2020-05-02T16:12:40.5")],
                     "C57BL/6NJ", [dp("BCM", "2020-06-01", None)])
        self._colony(8, 9, "GSF-EPD0045_1_B11-3-1", None, "Genotype Confirmed",
                     [("Genotype Confirmed", "2013-04-09T12:42:00")], "C57BL/6NCrl", [])
        self._colony(11, 10, "EPD0045_1_A11-1", "Chimeras obtained", "Genotype In Progress",
                     [("Genotype In Progress", "2007-10-20T00:00:00")], "C57BL/6NJ", [])
        self.bump("tpo", 11)

        # mutations gentar.txt:6016-6062 MIN 2 (and MIN 1 linked from TPO 1 and 4, gentar.txt:5361, 5420)
        m1 = self._mutation(1, ["TPO:000000000001", "TPO:000000000004"], "em1(IMPC)Bay", "MGI:6342201", 266801,
                            "Not Tested", "Point Mutation", [("mutant_specific_sr_pcr", "pass")],
                            [(otog_seq.replace(">Otog", ">Serpinb10"), "complete", "outcome sequence")], "",
                            [("Null Reporter", None, "allele_category")], [1])
        m2 = self._mutation(2, ["TPO:000000000002"], "em1(IMPC)J", "MGI:6342258", 266843, "Not Tested", "Deletion",
                            [("mutant_specific_sr_pcr", "pass")], [(otog_seq, "complete", "outcome sequence")], "",
                            [("NHEJ", "non-homology end-joining", "repair_mechanism")], [2])
        # gentar.txt:6026-6040 record ids inside MIN 2 (QC result 1, sequence 2 / inner sequence 1)
        m1["mutationQcResults"][0]["id"], m2["mutationQcResults"][0]["id"] = 2, 1
        m1["mutationSequences"][0]["id"], m2["mutationSequences"][0]["id"] = 1, 2
        m1["mutationSequences"][0]["sequence"]["id"], m2["mutationSequences"][0]["sequence"]["id"] = 2, 1
        # gentar.txt:6082-6094 history of MIN 2
        self.add_history(m2, "gentar_test_user1@gentar.org", "Mutation updated",
                         [detail("geneticMutationTypeName", "Dominant", "Recessive")], "2020-06-17T15:08:56.643268")
        self._mutation(3, ["TPO:000000000006"], "em2(IMPC)Bay", None, None, "Null", "Deletion", [],
                       [], "Deletion of exon 3", [("NHEJ", "non-homology end-joining", "repair_mechanism")], [1])
        self._mutation(5, ["TPO:000000000008"], "tm1b(EUCOMM)Hmgu", "MGI:4842311", 101223, "Null", "Exon Deletion",
                       [], [], "", [("Null Reporter", None, "allele_category")], [1])
        self.bump("min", 5)

        # phenotyping stages gentar.txt:6538-6711 (PSN 1, 2 in PIN:0000000001)
        self._stage(1, 1, "Phenotyping Started", "early adult and embryo", "CR10129", "2020-02-24", "2015-11-23",
                    [("2020-04-13", "2021-05-15", "TCP", "Paraffin-embedded Sections")],
                    [("Phenotyping Registered", "2019-11-01T00:00:00"), ("Phenotyping Started", "2019-11-02T00:00:00")])
        st2 = self._stage(2, 1, "Late Adult Phenotyping Registered", "late adult", "CR10129", "2018-09-17", "2019-04-12",
                          [("2019-04-13", "2020-05-15", "UCD", "Fixed Tissue")],
                          [("Late Adult Phenotyping Registered", "2018-09-27T00:00:00")])
        # gentar.txt:6731-6743 history of PSN 2
        self.add_history(st2, "gentar_test_user1@gentar.org", "PhenotypingStage updated",
                         [detail("phenotyping_experiments_started", "2020-02-24", "2020-04-02")],
                         "2020-06-17T15:08:56.643268")
        self._stage(3, 3, "Phenotyping Registered", "early adult and embryo", "CR10129", None, None, [],
                    [("Phenotyping Registered", "2020-05-01T10:00:00")])
        self._stage(5, 4, "Rederivation Started", "early adult and embryo", "JR34077", None, None, [],
                    [("Phenotyping Registered", "2020-05-01T10:00:00"), ("Rederivation Started", "2020-07-11T08:30:00")])
        self.bump("psn", 5)

    def _colony(self, n, pin_n, name, comment, status, sdates, strain, products, pin=None):
        o = {"tpo": fmt_tpo(n), "pin": pin or fmt_pin(pin_n), "outcomeTypeName": "Colony",
             "details": {"name": name, "genotypingComment": comment, "statusName": status,
                         "statusDates": [{"statusName": a, "date": b} for a, b in sdates],
                         "backgroundStrainName": strain, "distributionProducts": products},
             "history": [], "_rank": self.rank()}
        self.outcomes[o["tpo"]] = o
        return o

    def _specimen(self, n, pin_n, ref, status, sdates, strain, props, pin=None):
        o = {"tpo": fmt_tpo(n), "pin": pin or fmt_pin(pin_n), "outcomeTypeName": "Specimen",
             "details": {"specimenExternalRef": ref, "specimenTypeName": "haplo-essential", "statusName": status,
                         "statusDates": [{"statusName": a, "date": b} for a, b in sdates],
                         "backgroundStrainName": strain,
                         "specimenProperties": [{"id": self.next_id("specProp"), "propertyTypeName": a, "value": b}
                                                for a, b in props]},
             "history": [], "_rank": self.rank()}
        self.outcomes[o["tpo"]] = o
        return o

    def _light(self, n, pin_n, typ, pin=None):
        o = {"tpo": fmt_tpo(n), "pin": pin or fmt_pin(pin_n), "outcomeTypeName": typ, "details": None,
             "history": [], "_rank": self.rank()}
        self.outcomes[o["tpo"]] = o
        return o

    def _mutation(self, n, tpos, symbol, mgi, imits, genetic, molecular, qcs, seqs, desc, cats, genes):
        m = {"id": n, "min": fmt_min(n), "mgiAlleleId": mgi, "imitsAllele": imits,
             "mgiAlleleSymbolWithoutImpcAbbreviation": False, "symbol": symbol, "description": desc,
             "mgiAlleleSymbolRequiresConstruction": True, "geneticMutationTypeName": genetic,
             "molecularMutationTypeName": molecular,
             "mutationQcResults": [{"id": self.next_id("qc"), "qcTypeName": a, "statusName": b} for a, b in qcs],
             "mutationSequences": [{"id": self.next_id("mutSeq"), "index": i + 1,
                                    "sequence": {"id": self.next_id("mutSeqSeq"), "sequence": a, "typeName": b,
                                                 "categoryName": c}} for i, (a, b, c) in enumerate(seqs)],
             "mutationCategorizations": [{"name": a, "description": b, "typeName": c} for a, b, c in cats],
             "genes": list(genes), "outcomes": list(tpos), "history": []}
        self.mutations[m["min"]] = m
        return m

    def _stage(self, n, pin_n, status, ptype, ref, started, release, tissues, sdates, pin=None):
        st = {"psn": fmt_psn(n), "pin": pin or fmt_pin(pin_n), "statusName": status, "phenotypingTypeName": ptype,
              "phenotypingExternalRef": ref, "phenotypingExperimentsStarted": started,
              "initialDataReleaseDate": release,
              "tissueDistributions": [{"id": self.next_id("tissue"), "startDate": a, "endDate": b, "workUnitName": c,
                                       "materialDepositedTypeName": d} for a, b, c, d in tissues],
              "statusDates": [{"statusName": a, "date": b} for a, b in sdates],
              "history": [], "_rank": self.rank()}
        self.stages[st["psn"]] = st
        return st

    # -- seeds: generated, deterministic for a seed --------------------------
    def _seed_generated(self, total):
        rng = self.rng
        tpn_n, pin_n, tpo_n, min_n, psn_n = 11, 13, 20, 9, 9
        used_genes = {1}
        wu_names = list(WORK_UNITS)
        base_day = datetime(2019, 3, 1, 9, 0, 0)

        def stamp(days):
            d = datetime.fromordinal(base_day.toordinal() + days).replace(
                hour=rng.randint(7, 19), minute=rng.randint(0, 59), second=rng.randint(0, 59),
                microsecond=rng.choice([0, rng.randint(1, 999999)]))
            return fmt_ldt(d)

        for i in range(total - 5):
            tpn_n += rng.randint(1, 6)          # freedom: non-contiguous identifiers
            gene = rng.choice(GENES)
            conflict = gene[0] in used_genes
            used_genes.add(gene[0])
            assign = "Inspect - Conflict" if conflict else rng.choice(
                ["Assigned"] * 6 + ["Inactive", "Abandoned", "Inspect - Attempt", "Inspect - GLT Mouse"])
            intention_type = rng.choice(INTENTIONS[:6] + ["Indel", "Point Mutation", "Deletion"])
            cats = rng.sample(CATEGORIZATIONS, rng.randint(0, 2))
            seqs = []
            if rng.random() < 0.35:
                seqs.append({"index": 1, "sequence": {
                    "id": self.next_id("intSeq"),
                    "sequence": ">%s %s" % (gene[1], "".join(rng.choice("ACGT") for _ in range(rng.randint(40, 90)))),
                    "typeName": rng.choice(SEQUENCE_TYPES), "categoryName": rng.choice(SEQUENCE_CATEGORIES[:2]),
                    "sequenceLocations": [{"id": self.next_id("seqLoc"), "locationIndex": 1, "location": {
                        "id": self.next_id("loc"), "chr": rng.choice(["1", "2", "7", "11", "14", "X"]),
                        "start": rng.randint(10 ** 6, 9 * 10 ** 7), "stop": None, "strand": rng.choice("+-"),
                        "genomeBuild": "GRCm38", "strainName": "C57BL/6N", "speciesName": "Mus musculus"}}]}})
                loc = seqs[0]["sequence"]["sequenceLocations"][0]["location"]
                loc["stop"] = loc["start"] + rng.randint(100, 20000)
            prj = {"tpn": fmt_tpn(tpn_n),
                   "recovery": rng.choice([False, False, True, None]),
                   "esCellQcOnly": rng.choice([False, False, None]),
                   "comment": rng.choice([None, None, "Requested by %s" % rng.choice(CONSORTIA),
                                          "High priority gene", "Re-attempt after failed QC"]),
                   "reactivationDate": rng.choice([None, None, None, "2020-%02d-%02dT00:00:%02d" % (
                       rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 59))]),
                   "privacyName": rng.choice(["public"] * 5 + ["protected", "restricted"]),
                   "assignmentStatusName": assign, "summaryStatusName": "Plan Created",
                   "completionNote": None, "completionComment": None,
                   "imitsMiPlanId": rng.choice([None, rng.randint(20000, 40000)]),
                   "assignmentStatusStamps": [],
                   "projectIntentions": [{"molecularMutationTypeName": intention_type,
                                          "mutationCategorizations": [{"name": a, "description": b, "typeName": c}
                                                                      for a, b, c in cats],
                                          "gene": gene[0], "intentionsBySequences": seqs}],
                   "speciesNames": ["Mus musculus"],
                   "consortia": [{"id": self.next_id("consortiumRec"), "consortiumName": c}
                                 for c in rng.sample(CONSORTIA, rng.choice([1, 1, 1, 2]))],
                   "history": [], "_rank": self.rank()}
            if rng.random() < 0.1:
                prj["projectIntentions"] = []          # freedom: some projects have no intention
            self.projects[prj["tpn"]] = prj
            colonies = []
            n_prod = rng.choice([0, 1, 1, 1, 1, 2, 2, 2, 3])
            summary = None
            for k in range(n_prod):
                pin_n += rng.randint(1, 4)
                wu = rng.choice(wu_names)
                at = rng.choice(["crispr"] * 7 + ["haplo-essential crispr", "es cell", "es cell", "breeding"])
                if at in ("crispr", "haplo-essential crispr"):
                    path = ["Plan Created", "Attempt In Progress", "Embryos Obtained", "Founder Obtained"]
                    final_choices = path + ["Attempt Aborted", "Plan Abandoned"]
                elif at == "es cell":
                    path = ["Plan Created", "Attempt In Progress", "Chimeras/Founder Obtained"]
                    final_choices = path + ["Attempt Aborted"]
                else:
                    path = ["Plan Created"]
                    final_choices = path + ["Plan Abandoned"]
                status = rng.choice(final_choices)
                if status in path:
                    walked = path[:path.index(status) + 1]
                elif status == "Plan Abandoned":
                    walked = ["Plan Created", "Plan Abandoned"]
                else:
                    walked = path[:rng.randint(2, len(path))] + [status]
                day = rng.randint(0, 400)
                sdates = []
                for st_name in walked:
                    day += rng.randint(1, 60)
                    sdates.append({"statusName": st_name, "date": stamp(day)})
                attempt = None
                if at in ("crispr", "haplo-essential crispr") and status != "Plan Created":
                    attempt = self._gen_crispr(rng, gene)
                elif at == "es cell" and status != "Plan Created":
                    attempt = self._gen_escell(rng, gene)
                pl = {"pin": fmt_pin(pin_n), "tpn": prj["tpn"], "attemptTypeName": at, "typeName": "production",
                      "funderNames": rng.sample(FUNDERS, rng.choice([0, 1, 1, 2])), "workUnitName": wu,
                      "workGroupName": rng.choice([WORK_UNITS[wu], WORK_UNITS[wu], None]),
                      "comment": rng.choice([None, None, "Plan for %s" % gene[1]]),
                      "statusName": status, "summaryStatusName": status,
                      "statusDates": sdates, "summaryStatusDates": [dict(sdates[-1])],
                      "attempt": attempt, "startingPoint": None, "imitsPhenotypeAttemptId": None,
                      "history": [], "_rank": self.rank()}
                self.plans[pl["pin"]] = pl
                summary = status
                if status in ("Founder Obtained", "Chimeras/Founder Obtained"):
                    for c in range(rng.choice([0, 1, 1, 2, 3])):
                        tpo_n += rng.randint(1, 3)
                        cstatus = rng.choice(["Genotype In Progress", "Genotype Confirmed", "Genotype Confirmed",
                                              "Genotype Not Confirmed", "Colony Aborted"])
                        name = "%s-%s%d" % (wu.replace(" ", ""), gene[1][:3].upper(), 1000 + tpo_n)
                        if at == "haplo-essential crispr" and rng.random() < 0.6:
                            o = self._specimen(tpo_n, 0, "SG-%d" % tpo_n, "Specimen Group In Progress",
                                               [("Specimen Group In Progress", stamp(day + 5))],
                                               rng.choice(STRAINS), [("Sex", rng.choice(["male", "female"]))],
                                               pin=pl["pin"])
                        elif rng.random() < 0.12:
                            o = self._light(tpo_n, 0, "Colony", pin=pl["pin"])
                        else:
                            cdates = [("Genotype In Progress", stamp(day + 3))]
                            if cstatus != "Genotype In Progress":
                                cdates.append((cstatus, stamp(day + 30)))
                            prods = []
                            if cstatus == "Genotype Confirmed" and rng.random() < 0.6:
                                prods.append({"id": self.next_id("distProduct"),
                                              "distributionCentreName": rng.choice(["BCM", "UCD", "JAX", "TCP", "Harwell"]),
                                              "productTypeName": rng.choice(["Live mice", "Cryopreserved embryos", "Cryopreserved sperm"]),
                                              "distributionNetworkName": rng.choice(["MMRRC", "EMMA", "CMMR"]),
                                              "startDate": "20%02d-%02d-%02d" % (rng.randint(19, 22), rng.randint(1, 12), rng.randint(1, 28)),
                                              "endDate": rng.choice([None, "2023-12-31"])})
                            o = self._colony(tpo_n, 0, name, rng.choice([None, "Genotyped by PCR", "Sanger sequenced"]),
                                             cstatus, cdates, rng.choice(STRAINS), prods, pin=pl["pin"])
                            colonies.append(o)
                        if o["details"] is not None and rng.random() < 0.85:
                            min_n += rng.randint(1, 2)
                            self._mutation(min_n, [o["tpo"]], "em%d(IMPC)%s" % (rng.randint(1, 3), wu[:3].title()),
                                           rng.choice([None, "MGI:%d" % rng.randint(6000000, 7000000)]),
                                           rng.choice([None, rng.randint(100000, 300000)]),
                                           rng.choice(["Not Tested", "Null", "Hypomorph", "Recessive"]),
                                           rng.choice(["Deletion", "Point Mutation", "Indel", "Exon Deletion"]),
                                           [(rng.choice(["loxp_screen", "mutant_specific_sr_pcr", "loa"]),
                                             rng.choice(["pass", "fail", "na"]))] if rng.random() < 0.6 else [],
                                           [], rng.choice(["", "Deletion of critical exon"]),
                                           [rng.choice(CATEGORIZATIONS)], [gene[0]])
            if summary:
                prj["summaryStatusName"] = summary
            # phenotyping plan on one of the colonies
            if colonies and rng.random() < 0.6:
                col = rng.choice(colonies)
                pin_n += rng.randint(1, 3)
                wu = rng.choice(wu_names)
                pl = {"pin": fmt_pin(pin_n), "tpn": prj["tpn"],
                      "attemptTypeName": rng.choice(PHENOTYPING_ATTEMPTS + [PHENOTYPING_ATTEMPTS[0]] * 3),
                      "typeName": "phenotyping", "funderNames": rng.sample(FUNDERS, rng.choice([0, 1])),
                      "workUnitName": wu, "workGroupName": WORK_UNITS[wu], "comment": None,
                      "statusName": "Plan Created", "summaryStatusName": "Plan Created",
                      "statusDates": [{"statusName": "Plan Created", "date": stamp(500)}],
                      "summaryStatusDates": [{"statusName": "Plan Created", "date": stamp(500)}],
                      "attempt": {"doNotCountTowardsCompleteness": rng.choice([False, False, True]),
                                  "phenotypingExternalRef": col["details"]["name"],
                                  "phenotypingBackgroundStrainName": rng.choice(STRAINS),
                                  "cohortProductionWorkUnitName": rng.choice([wu, self.plans[col["pin"]]["workUnitName"]])},
                      "startingPoint": col["tpo"],
                      "imitsPhenotypeAttemptId": rng.choice([None, rng.randint(1000, 9000)]),
                      "history": [], "_rank": self.rank()}
                self.plans[pl["pin"]] = pl
                for k in range(rng.choice([0, 1, 1, 2])):
                    psn_n += rng.randint(1, 3)
                    ptype = "late adult" if k == 1 else "early adult and embryo"
                    reg = "Late Adult Phenotyping Registered" if ptype == "late adult" else "Phenotyping Registered"
                    st_status = rng.choice([reg, reg, "Rederivation Started", "Phenotyping Started",
                                            "Phenotyping All Data Sent"])
                    sd = [(reg, stamp(520))]
                    if st_status != reg:
                        sd.append((st_status, stamp(560)))
                    self._stage(psn_n, 0, st_status, ptype, col["details"]["name"],
                                rng.choice([None, "2021-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))]),
                                rng.choice([None, "2022-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28))]),
                                [("2021-03-01", "2022-03-01", wu, "Fixed Tissue")] if rng.random() < 0.3 else [],
                                sd, pin=pl["pin"])
            # cre allele modification plan on a confirmed colony
            conf = [c for c in colonies if c["details"]["statusName"] == "Genotype Confirmed"]
            if conf and rng.random() < 0.3:
                col = rng.choice(conf)
                pin_n += rng.randint(1, 3)
                wu = self.plans[col["pin"]]["workUnitName"]
                pl = {"pin": fmt_pin(pin_n), "tpn": prj["tpn"], "attemptTypeName": "cre allele modification",
                      "typeName": "production", "funderNames": ["KOMP"], "workUnitName": wu,
                      "workGroupName": WORK_UNITS[wu], "comment": None,
                      "statusName": "Mouse Allele Modification Registered",
                      "summaryStatusName": "Mouse Allele Modification Registered",
                      "statusDates": [{"statusName": "Plan Created", "date": stamp(600)},
                                      {"statusName": "Mouse Allele Modification Registered", "date": stamp(601)}],
                      "summaryStatusDates": [{"statusName": "Mouse Allele Modification Registered", "date": stamp(601)}],
                      "attempt": {"modificationExternalRef": col["details"]["name"] + "-cre",
                                  "numberOfCreMatingsSuccessful": rng.randint(0, 4), "tatCre": rng.random() < 0.2,
                                  "deleterStrainName": rng.choice(STRAINS)},
                      "startingPoint": col["tpo"], "imitsPhenotypeAttemptId": None,
                      "history": [], "_rank": self.rank()}
                self.plans[pl["pin"]] = pl
        self.bump("tpn", tpn_n)
        self.bump("pin", pin_n)
        self.bump("tpo", tpo_n)
        self.bump("min", min_n)
        self.bump("psn", psn_n)

    def _gen_crispr(self, rng, gene):
        g = "".join(rng.choice("ACGT") for _ in range(20))
        pam = rng.choice(["AGG", "TGG", "CGG", "GGG"])
        start = rng.randint(10 ** 6, 9 * 10 ** 7)
        inj = rng.randint(30, 120)
        return {
            "miDate": "20%02d-%02d-%02d" % (rng.randint(17, 22), rng.randint(1, 12), rng.randint(1, 28)),
            "experimental": rng.random() < 0.2, "comment": rng.choice([None, "crispr attempt"]),
            "mutagenesisExternalRef": "MF-%d" % rng.randint(20000, 40000),
            "imitsMiAttemptId": rng.choice([None, rng.randint(15000, 30000)]),
            "attemptExternalRef": rng.choice([None, "ATT-%d" % rng.randint(100, 999)]),
            "embryoTransferDay": rng.choice(["Same Day", "Next Day"]), "totalTransferred": inj - rng.randint(0, 10),
            "nucleases": [{"id": self.next_id("nuclease"), "typeName": "Cas9",
                           "concentration": float(rng.choice([50, 100, 250])), "className": rng.choice(["protein", "mRNA"])}],
            "guides": [{"id": self.next_id("guide"), "sequence": g + pam, "guideSequence": g, "pam": pam,
                        "chr": rng.choice(["1", "5", "7", "11", "X"]), "start": start, "stop": start + 22,
                        "strand": rng.choice("+-"), "genomeBuild": "GRCm38",
                        "grnaConcentration": float(rng.choice([20, 100, 300])), "truncatedGuide": rng.random() < 0.2,
                        "reversed": False, "sangerService": rng.random() < 0.3, "formatName": rng.choice(["sgRNA", "cr-tracrRNA"]),
                        "sourceName": rng.choice(["commercial", "in-house"])} for _ in range(rng.randint(1, 2))],
            "mutagenesisDonors": [], "reagents": [], "genotypePrimers": [],
            "totalEmbryosInjected": inj, "totalEmbryosSurvived": inj - rng.randint(0, 15),
            "embryo2Cell": str(rng.randint(0, 60)),
            "assay": {"id": self.next_id("assay"), "typeName": rng.choice(["T7EN1", "LOA", "PCR"]),
                      "numFounderPups": rng.randint(0, 30), "numFounderSelectedForBreeding": rng.randint(0, 3),
                      "founderNumAssays": rng.randint(0, 30), "numDeletionG0Mutants": rng.randint(0, 5),
                      "numG0WhereMutationDetected": rng.randint(0, 5), "numHdrG0Mutants": rng.randint(0, 2),
                      "numHdrG0MutantsAllDonorsInserted": 0, "numHdrG0MutantsSubsetDonorsInserted": 0,
                      "numHrG0Mutants": 0, "numNhejG0Mutants": rng.randint(0, 3)} if rng.random() < 0.8 else None,
            "strainInjectedName": rng.choice(STRAINS)}

    def _gen_escell(self, rng, gene):
        a = {f: None for f, _ in ESCELL_FIELDS}
        a.update({"esCellName": "EPD%04d_%d_%s%02d" % (rng.randint(1, 999), rng.randint(1, 5), rng.choice("ABCDEFGH"), rng.randint(1, 12)),
                  "miDate": "20%02d-%02d-%02d" % (rng.randint(8, 15), rng.randint(1, 12), rng.randint(1, 28)),
                  "experimental": False, "blastStrainName": rng.choice(STRAINS),
                  "totalBlastsInjected": rng.randint(20, 90), "totalTransferred": rng.randint(20, 90),
                  "totalPupsBorn": rng.randint(0, 30), "totalMaleChimeras": rng.randint(0, 6),
                  "totalFemaleChimeras": rng.randint(0, 6), "imitsMiAttemptId": rng.choice([None, rng.randint(1000, 9000)])})
        a["totalChimeras"] = a["totalMaleChimeras"] + a["totalFemaleChimeras"]
        return a

    # -- relations --------------------------------------------------------------
    def plans_of(self, tpn):
        return sorted([p for p in self.plans.values() if p["tpn"] == tpn], key=lambda p: p["pin"])

    def outcomes_of(self, pin):
        return [o for o in self.outcomes.values() if o["pin"] == pin]

    def stages_of(self, pin):
        return [st for st in self.stages.values() if st["pin"] == pin]

    def mutations_of(self, tpo):
        return sorted([m for m in self.mutations.values() if tpo in m["outcomes"]], key=lambda m: m["min"])

    def colony_names(self):
        return {o["details"]["name"] for o in self.outcomes.values()
                if o["outcomeTypeName"] == "Colony" and o["details"]}


ESCELL_FIELDS = [
    ("esCellName", "str"), ("miDate", "date"), ("experimental", "bool"), ("comment", "str"),
    ("blastStrainName", "str"), ("totalBlastsInjected", "int"), ("totalTransferred", "int"),
    ("numberSurrogatesReceiving", "int"), ("totalPupsBorn", "int"), ("totalFemaleChimeras", "int"),
    ("totalMaleChimeras", "int"), ("totalChimeras", "int"), ("numberOfMalesWith0To39PercentChimerism", "int"),
    ("numberOfMalesWith40To79PercentChimerism", "int"), ("numberOfMalesWith80To99PercentChimerism", "int"),
    ("numberOfMalesWith100PercentChimerism", "int"), ("testCrossStrainName", "str"), ("dateChimerasMated", "date"),
    ("numberOfChimeraMatingsAttempted", "int"), ("numberOfChimeraMatingsSuccessful", "int"),
    ("numberOfChimerasWithGltFromCct", "int"), ("numberOfChimerasWithGltFromGenotyping", "int"),
    ("numberOfChimerasWith0To9PercentGlt", "int"), ("numberOfChimerasWith10To49PercentGlt", "int"),
    ("numberOfChimerasWith50To99PercentGlt", "int"), ("numberOfChimerasWith100PercentGlt", "int"),
    ("totalF1MiceFromMatings", "int"), ("numberOfCctOffspring", "int"), ("cassetteTransmissionVerified", "date"),
    ("numberOfHetOffspring", "int"), ("numberOfLiveGltOffspring", "int"), ("imitsMiAttemptId", "int"),
    ("attemptExternalRef", "str")]

# gentar.txt:2310-2690 crispr attempt fields, in the order of the example (gentar.txt:3665-3734)
CRISPR_FIELDS = [
    ("miDate", "date"), ("experimental", "bool"), ("comment", "str"), ("mutagenesisExternalRef", "str"),
    ("imitsMiAttemptId", "int"), ("attemptExternalRef", "str"), ("embryoTransferDay", "str"),
    ("totalTransferred", "int"),
    ("nucleases", ("list", "nuclease", [("typeName", "str"), ("concentration", "num"), ("className", "str")])),
    ("guides", ("list", "guide", [("sequence", "str"), ("guideSequence", "str"), ("pam", "str"), ("chr", "str"),
                                  ("start", "int"), ("stop", "int"), ("strand", "str"), ("genomeBuild", "str"),
                                  ("grnaConcentration", "num"), ("truncatedGuide", "bool"), ("reversed", "bool"),
                                  ("sangerService", "bool"), ("formatName", "str"), ("sourceName", "str")])),
    ("mutagenesisDonors", ("list", "donor", [("concentration", "num"), ("vectorName", "str"),
                                             ("oligoSequenceFasta", "str"), ("preparationTypeName", "str")])),
    ("reagents", ("list", "reagent", [("reagentName", "str"), ("reagentDescription", "str"), ("concentration", "num")])),
    ("genotypePrimers", ("list", "primer", [("genomicStartCoordinate", "int"), ("genomicEndCoordinate", "int"),
                                            ("name", "str"), ("sequence", "str")])),
    ("totalEmbryosInjected", "int"), ("totalEmbryosSurvived", "int"), ("embryo2Cell", "str"),
    ("assay", ("obj", "assay", [("typeName", "str"), ("numFounderPups", "int"), ("numFounderSelectedForBreeding", "int"),
                                ("founderNumAssays", "int"), ("numDeletionG0Mutants", "int"),
                                ("numG0WhereMutationDetected", "int"), ("numHdrG0Mutants", "int"),
                                ("numHdrG0MutantsAllDonorsInserted", "int"), ("numHdrG0MutantsSubsetDonorsInserted", "int"),
                                ("numHrG0Mutants", "int"), ("numNhejG0Mutants", "int")])),
    ("strainInjectedName", "str")]
# gentar.txt:3288-3310
CRE_FIELDS = [("modificationExternalRef", "str"), ("numberOfCreMatingsSuccessful", "int"), ("tatCre", "bool"),
              ("deleterStrainName", "str")]
# gentar.txt:3526-3548, order of gentar.txt:4049-4053
PHENO_FIELDS = [("doNotCountTowardsCompleteness", "bool"), ("phenotypingExternalRef", "str"),
                ("phenotypingBackgroundStrainName", "str"), ("cohortProductionWorkUnitName", "str")]


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------

def ls_href(url):
    return {"href": url}


class Renderer:
    def __init__(self, store, base):
        self.st = store
        self.base = base

    # -- state machine -------------------------------------------------------
    def transitions(self, kind, entity):
        st = self.st
        if kind == "plan":
            sm = plan_sm(entity)
        elif kind == "colony":
            sm = COLONY_SM
        elif kind == "specimen":
            sm = SPECIMEN_SM
        else:
            sm = STAGE_SM
        status = entity["details"]["statusName"] if kind in ("colony", "specimen") else entity["statusName"]
        out = []
        for t in sm.get(status, []):
            available, note = True, None
            a = t["action"]
            if not t["triggeredByUser"]:
                available = False
                note = ("A genotyped confirmed colony needs to be associated with the plan."
                        if a == "updateToMouseAlleleModificationGenotypeConfirmed"
                        else "This transition is executed by the system.")
            elif kind == "plan":
                if entity["typeName"] == "phenotyping":
                    has_stages = bool(st.stages_of(entity["pin"]))
                    if a == "abandonWhenCreated" and has_stages:
                        available, note = False, "The plan already has phenotyping stages. Please abort the plan."
                    elif a == "abortPhenotypingPlan" and not has_stages:
                        available, note = False, "The plan does not have phenotyping stages. Please abandon the plan."
                elif a.startswith("abort"):
                    # a production plan cannot be aborted while it has a confirmed colony
                    # (gentar.txt:4023 note "The plan has colonies that are not aborted...")
                    if any(o["outcomeTypeName"] == "Colony" and o["details"]
                           and o["details"]["statusName"] == "Genotype Confirmed"
                           for o in st.outcomes_of(entity["pin"])):
                        available, note = False, "The plan has colonies that are not aborted. Please abort them first"
            elif kind == "specimen" and a == "abortSpecimenGroup":
                available, note = False, "Specimen cannot be aborted [Not implemented yet.]"
            elif kind == "stage":
                if a == "updateToPhenotypingStarted":
                    available, note = False, "The current user does not have permission to move to 'Phenotyping Started'"
                elif a.startswith("rollback"):
                    target = t["nextStatus"]
                    available, note = False, "The current user does not have permission to rollback to '%s'" % target
                elif a == "updateToPhenotypingAllDataSent":
                    note = "Used to indicate all phenotype data has been sent to the DCC."
                elif a == "updateToRederivationStarted":
                    note = "executed by the user when rederivation is started."
            out.append({"action": a, "description": t["description"], "triggeredByUser": t["triggeredByUser"],
                        "available": available, "note": note, "nextStatus": t["nextStatus"]})
        return {"currentStatus": status, "transitions": out, "actionToExecute": None}

    # -- projects ------------------------------------------------------------
    def project_derived(self, p):
        plans = self.st.plans_of(p["tpn"])
        wus, wgs, cols, refs = [], [], [], []
        for pl in plans:
            if pl["workUnitName"] and pl["workUnitName"] not in wus:
                wus.append(pl["workUnitName"])
            if pl["workGroupName"] and pl["workGroupName"] not in wgs:
                wgs.append(pl["workGroupName"])
            if pl["typeName"] == "production":
                for o in sorted(self.st.outcomes_of(pl["pin"]), key=lambda o: o["tpo"]):
                    if o["outcomeTypeName"] == "Colony" and o["details"] and o["details"]["name"] not in cols:
                        cols.append(o["details"]["name"])
            elif pl["attempt"] and pl["attempt"].get("phenotypingExternalRef"):
                r = pl["attempt"]["phenotypingExternalRef"]
                if r not in refs:
                    refs.append(r)
        return plans, wus, wgs, cols, refs

    def intention(self, it):
        out = {"molecularMutationTypeName": it["molecularMutationTypeName"],
               "mutationCategorizations": copy.deepcopy(it["mutationCategorizations"])}
        if it["gene"] is not None:
            g = GENE_BY_ID[it["gene"]]
            best, allo = gene_orthologs(g)
            out["intentionByGene"] = {"bestOrthologs": best, "allOrthologs": allo, "gene": render_gene(g)}
        out["intentionsBySequences"] = copy.deepcopy(it["intentionsBySequences"])
        return out

    def project(self, p):
        b = self.base
        plans, wus, wgs, cols, refs = self.project_derived(p)
        links = {"self": ls_href("%s/api/projects/%s" % (b, p["tpn"]))}
        prod = [pl for pl in plans if pl["typeName"] == "production"]
        phen = [pl for pl in plans if pl["typeName"] == "phenotyping"]
        # gentar.txt:1277-1281 projects without plans only carry the self link
        if prod:
            links["productionPlans"] = [ls_href("%s/api/plans/%s" % (b, pl["pin"])) for pl in prod]
        if phen:
            links["phenotypingPlans"] = [ls_href("%s/api/plans/%s" % (b, pl["pin"])) for pl in phen]
        out = {k: p[k] for k in ("tpn", "recovery", "esCellQcOnly", "comment", "reactivationDate", "privacyName",
                                 "assignmentStatusName", "summaryStatusName")}
        out["relatedWorkUnitNames"] = wus
        out["relatedWorkGroupNames"] = wgs
        out["completionNote"] = p["completionNote"]
        out["completionComment"] = p["completionComment"]
        out["_links"] = links
        # gentar.txt:904 imitsMiPlanId "Present if the project was transferred from iMits"
        if p["imitsMiPlanId"] is not None:
            out["imitsMiPlanId"] = p["imitsMiPlanId"]
        out["assignmentStatusStamps"] = copy.deepcopy(p["assignmentStatusStamps"])
        out["projectIntentions"] = [self.intention(it) for it in p["projectIntentions"]]
        out["speciesNames"] = list(p["speciesNames"])
        out["consortia"] = copy.deepcopy(p["consortia"])
        out["colonyNames"] = cols
        out["phenotypingExternalRefs"] = refs
        return out

    # -- plans -----------------------------------------------------------------
    def starting_point(self, tpo):
        o = self.st.outcomes.get(tpo)
        pin = o["pin"] if o else None
        return {"_links": {"outcome": ls_href("%s/api/plans/%s/outcomes/%s" % (self.base, pin, tpo)),
                           "productionPlan": ls_href("%s/api/plans/%s" % (self.base, pin))},
                "outcomeTpo": tpo, "productionPlanPin": pin}

    def plan(self, pl):
        b = self.base
        out = {k: copy.deepcopy(pl[k]) for k in ("pin", "tpn", "attemptTypeName", "funderNames", "workUnitName",
                                                 "workGroupName", "comment")}
        at, a = pl["attemptTypeName"], pl["attempt"]
        if pl["typeName"] == "phenotyping":
            if pl["startingPoint"]:
                out["phenotypingStartingPoint"] = self.starting_point(pl["startingPoint"])
            out["phenotypingAttemptResponse"] = copy.deepcopy(a) if a else {f: None for f, _ in PHENO_FIELDS}
        elif at in ("crispr", "haplo-essential crispr"):
            if a:
                ca = copy.deepcopy(a)
                if ca.get("assay") is None:
                    ca.pop("assay", None)       # freedom: optional object absent
                out["crisprAttempt"] = ca
        elif at == "es cell":
            if a:
                out["esCellAttempt"] = copy.deepcopy(a)
        elif at == "cre allele modification":
            if pl["startingPoint"]:
                out["creAlleleModificationStartingPoint"] = self.starting_point(pl["startingPoint"])
            if a:
                out["creAlleleModificationAttempt"] = copy.deepcopy(a)
        out["typeName"] = pl["typeName"]
        out["statusName"] = pl["statusName"]
        out["summaryStatusName"] = pl["summaryStatusName"]
        out["_links"] = {"self": ls_href("%s/api/plans/%s" % (b, pl["pin"])),
                         "project": ls_href("%s/api/projects/%s" % (b, pl["tpn"]))}
        out["statusDates"] = copy.deepcopy(pl["statusDates"])
        out["summaryStatusDates"] = copy.deepcopy(pl["summaryStatusDates"])
        out["statusTransition"] = self.transitions("plan", pl)
        return out

    # -- outcomes ----------------------------------------------------------------
    def outcome(self, o):
        b = self.base
        out = {"pin": o["pin"], "tpo": o["tpo"], "outcomeTypeName": o["outcomeTypeName"]}
        d = o["details"]
        if d is not None:
            d = copy.deepcopy(d)
            if o["outcomeTypeName"] == "Colony":
                d["statusTransition"] = self.transitions("colony", o)
                out["colony"] = d
            else:
                d["statusTransition"] = self.transitions("specimen", o)
                out["specimen"] = d
        links = {"self": ls_href("%s/api/plans/%s/outcomes/%s" % (b, o["pin"], o["tpo"]))}
        muts = self.st.mutations_of(o["tpo"])
        if muts:
            links["mutations"] = [ls_href("%s/api/plans/%s/outcomes/%s/mutations/%s" % (b, o["pin"], o["tpo"], m["min"]))
                                  for m in muts]
        out["_links"] = links
        return out

    def mutation(self, m):
        b = self.base
        out = {"id": m["id"], "min": m["min"]}
        # freedom: READ ONLY iMits/MGI identifiers are absent when the mutation has none
        if m["mgiAlleleId"] is not None:
            out["mgiAlleleId"] = m["mgiAlleleId"]
        if m["imitsAllele"] is not None:
            out["imitsAllele"] = m["imitsAllele"]
        for k in ("mgiAlleleSymbolWithoutImpcAbbreviation", "symbol", "description",
                  "mgiAlleleSymbolRequiresConstruction", "geneticMutationTypeName", "molecularMutationTypeName",
                  "mutationQcResults", "mutationSequences", "mutationCategorizations"):
            out[k] = copy.deepcopy(m[k])
        outs = []
        for tpo in m["outcomes"]:
            o = self.st.outcomes.get(tpo)
            if o:
                outs.append(ls_href("%s/api/plans/%s/outcomes/%s" % (b, o["pin"], tpo)))
        # gentar.txt:6048 the self link of a mutation is /api/mutations/{min}
        out["_links"] = {"self": ls_href("%s/api/mutations/%s" % (b, m["min"])), "outcomes": outs}
        out["genes"] = [render_gene(GENE_BY_ID[g]) for g in m["genes"]]
        return out

    def stage(self, st):
        b = self.base
        out = {k: copy.deepcopy(st[k]) for k in ("pin", "psn", "statusName", "phenotypingTypeName",
                                                 "phenotypingExternalRef", "phenotypingExperimentsStarted",
                                                 "initialDataReleaseDate", "tissueDistributions")}
        out["_links"] = {"self": ls_href("%s/api/plans/%s/phenotypingStages/%s" % (b, st["pin"], st["psn"])),
                         "plan": ls_href("%s/api/plans/%s" % (b, st["pin"]))}
        out["statusDates"] = copy.deepcopy(st["statusDates"])
        out["statusTransition"] = self.transitions("stage", st)
        return out


def user_permissions(u):
    manager = any(r["roleName"] == "manager" for r in u["rolesWorkUnits"])
    if u["isAdmin"]:
        return {"manageUsers": True, "executeManagerTasks": True, "canManageGeneLists": True}
    return {"manageUsers": manager, "executeManagerTasks": manager, "canManageGeneLists": False}


def render_user(u):
    # gentar.txt:288-313 key order
    perms = user_permissions(u)
    return {"name": u["name"], "email": u["email"], "contactable": u["contactable"],
            "rolesWorkUnits": copy.deepcopy(u["rolesWorkUnits"]),
            "rolesConsortia": copy.deepcopy(u["rolesConsortia"]),
            "actionPermissions": [{"actionName": k, "value": perms[k]}
                                  for k in ("manageUsers", "executeManagerTasks", "canManageGeneLists")],
            "isAdmin": u["isAdmin"]}


# ---------------------------------------------------------------------------
# payload builders
# ---------------------------------------------------------------------------

def as_list(v):
    return [] if v in (MISSING, None) else v


def build_schema(store, obj, fields, path):
    out = {}
    for name, kind in fields:
        if isinstance(kind, tuple):
            k, idkind, sub = kind
            if k == "list":
                v = fget(obj, name, "list", path)
                items = []
                for j, it in enumerate(as_list(v)):
                    ip = "%s.%s[%d]" % (path, name, j)
                    if not isinstance(it, dict):
                        raise bad("%s must be an object" % ip)
                    rec = {"id": store.next_id(idkind)}
                    rec.update(build_schema(store, it, sub, ip))
                    items.append(rec)
                out[name] = items
            else:
                v = fget(obj, name, "obj", path)
                if v in (MISSING, None):
                    out[name] = None
                else:
                    rec = {"id": store.next_id(idkind)}
                    rec.update(build_schema(store, v, sub, path + "." + name))
                    out[name] = rec
        else:
            out[name] = val(fget(obj, name, kind, path))
    return out


def check_schema(obj, fields, path):
    """Validate without building (used before any state is changed)."""
    for name, kind in fields:
        if isinstance(kind, tuple):
            k, _, sub = kind
            if k == "list":
                for j, it in enumerate(as_list(fget(obj, name, "list", path))):
                    ip = "%s.%s[%d]" % (path, name, j)
                    if not isinstance(it, dict):
                        raise bad("%s must be an object" % ip)
                    check_schema(it, sub, ip)
            else:
                v = fget(obj, name, "obj", path)
                if v not in (MISSING, None):
                    check_schema(v, sub, path + "." + name)
        else:
            fget(obj, name, kind, path)


def check_categorizations(lst, path):
    out = []
    for j, c in enumerate(as_list(lst)):
        p = "%s[%d]" % (path, j)
        if not isinstance(c, dict):
            raise bad("%s must be an object" % p)
        name = fget(c, "name", "str", p, required=True)
        desc = val(fget(c, "description", "str", p))
        # gentar.txt:574 / 5937-5941 typeName allele_category or repair_mechanism
        typ = val(fget(c, "typeName", "str", p, choices=CATEGORIZATION_TYPES))
        if typ is None:
            known = [x for x in CATEGORIZATIONS if x[0] == name]
            typ = known[0][2] if known else None
            if typ is None:
                raise bad("%s.typeName is required" % p)
        out.append({"name": name, "description": desc, "typeName": typ})
    return out


def check_gene_ref(g, path):
    sym = val(fget(g, "symbol", "str", path))
    acc = val(fget(g, "accessionId", "str", path))
    if not sym and not acc:
        raise bad("%s needs a symbol or an accessionId" % path)
    gene = find_gene(sym, acc)
    # freedom: genes must exist in the reference data (gentar.txt:1870-1877 sends only symbol and
    # accession id; id, name, speciesName and externalLink are filled in by the server)
    if gene is None:
        raise bad("Gene %s does not exist" % (acc or sym), "The gene must exist in the reference data.")
    return gene[0]


def check_location(loc, path):
    return {"chr": val(fget(loc, "chr", "str", path)), "start": val(fget(loc, "start", "int", path)),
            "stop": val(fget(loc, "stop", "int", path)), "strand": val(fget(loc, "strand", "str", path)),
            "genomeBuild": val(fget(loc, "genomeBuild", "str", path)),
            "strainName": val(fget(loc, "strainName", "str", path)),
            "speciesName": val(fget(loc, "speciesName", "str", path))}


def check_intentions(lst, path="projectIntentions"):
    """Validate project intentions; returns a builder to call once validation of the whole
    payload is complete."""
    specs = []
    for i, it in enumerate(as_list(lst)):
        p = "%s[%d]" % (path, i)
        if not isinstance(it, dict):
            raise bad("%s must be an object" % p)
        # gentar.txt:967-995 names of intentions
        mmt = fget(it, "molecularMutationTypeName", "str", p, required=True, choices=INTENTIONS)
        cats = check_categorizations(fget(it, "mutationCategorizations", "list", p), p + ".mutationCategorizations")
        gene_id = None
        ibg = fget(it, "intentionByGene", "obj", p)
        if ibg not in (MISSING, None):
            g = fget(ibg, "gene", "obj", p + ".intentionByGene", required=True)
            gene_id = check_gene_ref(g, p + ".intentionByGene.gene")
        seqs = []
        for j, sq in enumerate(as_list(fget(it, "intentionsBySequences", "list", p))):
            sp = "%s.intentionsBySequences[%d]" % (p, j)
            if not isinstance(sq, dict):
                raise bad("%s must be an object" % sp)
            idx = val(fget(sq, "index", "int", sp), j + 1)
            so = fget(sq, "sequence", "obj", sp, required=True)
            seq = fget(so, "sequence", "str", sp + ".sequence", required=True)
            typ = val(fget(so, "typeName", "str", sp + ".sequence", choices=SEQUENCE_TYPES))
            # gentar.txt:664 "outcome sequence" (the last one only valid for outcomes)
            cat = val(fget(so, "categoryName", "str", sp + ".sequence", choices=SEQUENCE_CATEGORIES[:2]))
            locs = []
            for k, sl in enumerate(as_list(fget(so, "sequenceLocations", "list", sp + ".sequence"))):
                lp = "%s.sequence.sequenceLocations[%d]" % (sp, k)
                if not isinstance(sl, dict):
                    raise bad("%s must be an object" % lp)
                li = val(fget(sl, "locationIndex", "int", lp), k + 1)
                loc = check_location(fget(sl, "location", "obj", lp, required=True), lp + ".location")
                locs.append((li, loc))
            seqs.append((idx, seq, typ, cat, locs))
        # gentar.txt:1570 "It can be a gene and one or more sequences"
        if gene_id is None and not seqs:
            raise bad("%s must define a gene (intentionByGene) or at least one sequence" % p)
        specs.append((mmt, cats, gene_id, seqs))

    def build(store):
        out = []
        for mmt, cats, gene_id, seqs in specs:
            bs = []
            for idx, seq, typ, cat, locs in seqs:
                bs.append({"index": idx, "sequence": {
                    "id": store.next_id("intSeq"), "sequence": seq, "typeName": typ, "categoryName": cat,
                    "sequenceLocations": [{"id": store.next_id("seqLoc"), "locationIndex": li,
                                           "location": dict({"id": store.next_id("loc")}, **loc)}
                                          for li, loc in locs]}})
            out.append({"molecularMutationTypeName": mmt, "mutationCategorizations": cats, "gene": gene_id,
                        "intentionsBySequences": bs})
        return out
    return specs, build


def check_mutation_payload(m, path):
    if not isinstance(m, dict):
        raise bad("%s must be an object" % path)
    spec = {
        "symbol": val(fget(m, "symbol", "str", path)),
        "mgiAlleleSymbolWithoutImpcAbbreviation": val(fget(m, "mgiAlleleSymbolWithoutImpcAbbreviation", "bool", path), False),
        "mgiAlleleSymbolRequiresConstruction": val(fget(m, "mgiAlleleSymbolRequiresConstruction", "bool", path), False),
        "geneticMutationTypeName": val(fget(m, "geneticMutationTypeName", "str", path)),
        "molecularMutationTypeName": val(fget(m, "molecularMutationTypeName", "str", path)),
        "description": val(fget(m, "description", "str", path)),
    }
    fget(m, "alleleConfirmed", "bool", path)
    spec.update(check_mutation_lists(m, path))
    return spec


def check_mutation_lists(m, path):
    out = {}
    v = fget(m, "mutationQcResults", "list", path)
    if v is not MISSING:
        qcs = []
        for j, q in enumerate(as_list(v)):
            qp = "%s.mutationQcResults[%d]" % (path, j)
            if not isinstance(q, dict):
                raise bad("%s must be an object" % qp)
            qcs.append((val(fget(q, "id", "int", qp)), fget(q, "qcTypeName", "str", qp, required=True),
                        fget(q, "statusName", "str", qp, required=True)))
        out["mutationQcResults"] = qcs
    v = fget(m, "mutationSequences", "list", path)
    if v is not MISSING:
        seqs = []
        for j, q in enumerate(as_list(v)):
            qp = "%s.mutationSequences[%d]" % (path, j)
            if not isinstance(q, dict):
                raise bad("%s must be an object" % qp)
            idx = val(fget(q, "index", "int", qp), j + 1)
            so = fget(q, "sequence", "obj", qp, required=True)
            seqs.append((val(fget(q, "id", "int", qp)), idx,
                         fget(so, "sequence", "str", qp + ".sequence", required=True),
                         val(fget(so, "typeName", "str", qp + ".sequence", choices=SEQUENCE_TYPES)),
                         val(fget(so, "categoryName", "str", qp + ".sequence", choices=SEQUENCE_CATEGORIES))))
        out["mutationSequences"] = seqs
    v = fget(m, "mutationCategorizations", "list", path)
    if v is not MISSING:
        out["mutationCategorizations"] = check_categorizations(v, path + ".mutationCategorizations")
    v = fget(m, "genes", "list", path)
    if v is not MISSING:
        genes = []
        for j, g in enumerate(as_list(v)):
            gp = "%s.genes[%d]" % (path, j)
            if not isinstance(g, dict):
                raise bad("%s must be an object" % gp)
            gid = check_gene_ref(g, gp)
            if gid not in genes:
                genes.append(gid)
        out["genes"] = genes
    return out


def build_qcs(store, qcs, old=()):
    old_ids = {q["id"] for q in old}
    return [{"id": qid if qid in old_ids else store.next_id("qc"), "qcTypeName": t, "statusName": s_}
            for qid, t, s_ in qcs]


def build_mut_seqs(store, seqs, old=()):
    old_by_id = {q["id"]: q for q in old}
    out = []
    for sid, idx, seq, typ, cat in seqs:
        if sid in old_by_id:
            inner_id = old_by_id[sid]["sequence"]["id"]
        else:
            sid, inner_id = store.next_id("mutSeq"), store.next_id("mutSeqSeq")
        out.append({"id": sid, "index": idx, "sequence": {"id": inner_id, "sequence": seq, "typeName": typ,
                                                          "categoryName": cat}})
    return out


def check_dist_products(lst, path):
    out = []
    for j, d in enumerate(as_list(lst)):
        p = "%s[%d]" % (path, j)
        if not isinstance(d, dict):
            raise bad("%s must be an object" % p)
        out.append({"id": val(fget(d, "id", "int", p)),
                    "distributionCentreName": val(fget(d, "distributionCentreName", "str", p)),
                    "productTypeName": val(fget(d, "productTypeName", "str", p)),
                    "distributionNetworkName": val(fget(d, "distributionNetworkName", "str", p)),
                    "startDate": val(fget(d, "startDate", "date", p)),
                    "endDate": val(fget(d, "endDate", "date", p))})
    return out


def check_tissues(lst, path):
    out = []
    for j, d in enumerate(as_list(lst)):
        p = "%s[%d]" % (path, j)
        if not isinstance(d, dict):
            raise bad("%s must be an object" % p)
        out.append({"id": val(fget(d, "id", "int", p)), "startDate": val(fget(d, "startDate", "date", p)),
                    "endDate": val(fget(d, "endDate", "date", p)),
                    "workUnitName": val(fget(d, "workUnitName", "str", p)),
                    "materialDepositedTypeName": val(fget(d, "materialDepositedTypeName", "str", p))})
    return out


def check_props(lst, path):
    out = []
    for j, d in enumerate(as_list(lst)):
        p = "%s[%d]" % (path, j)
        if not isinstance(d, dict):
            raise bad("%s must be an object" % p)
        out.append({"id": val(fget(d, "id", "int", p)),
                    "propertyTypeName": fget(d, "propertyTypeName", "str", p, required=True),
                    "value": val(fget(d, "value", "str", p))})
    return out


def merge_records(store, kind, old, new, prefix):
    """Replace a list of id'd sub-records; returns (records, details)."""
    old_by_id = {r["id"]: r for r in old}
    out, details, kept = [], [], set()
    for r in new:
        rid = r["id"]
        if rid in old_by_id and rid not in kept:
            kept.add(rid)
            prev = old_by_id[rid]
            for k, v in r.items():
                if k != "id" and prev.get(k) != v:
                    details.append(detail("%s.[%d].%s" % (prefix, rid, k), prev.get(k), v))
            out.append(dict(r))
        else:
            rec = dict(r)
            rec["id"] = store.next_id(kind)
            details.append(detail("%s.[%d]" % (prefix, rec["id"]), None,
                                  ", ".join("%s:%s" % (k, v) for k, v in rec.items()), "Element added"))
            out.append(rec)
    for rid, prev in old_by_id.items():
        if rid not in kept:
            details.append(detail("%s.[%d]" % (prefix, rid), ", ".join("%s:%s" % (k, v) for k, v in prev.items()),
                                  None, "Element deleted"))
    return out, details


def check_action(body, path):
    stt = fget(body, "statusTransition", "obj", path)
    if stt in (MISSING, None):
        return None
    return val(fget(stt, "actionToExecute", "str", (path + "." if path else "") + "statusTransition"))


def resolve_action(renderer, kind, entity, action):
    """gentar.txt:6934 an action must be triggeredByUser = true and available = true."""
    if action is None:
        return None
    trs = renderer.transitions(kind, entity)
    for t in trs["transitions"]:
        if t["action"] == action:
            if not t["triggeredByUser"]:
                raise bad("The action '%s' cannot be executed by a user." % action,
                          t["note"] or "This transition is executed by the system.")
            if not t["available"]:
                raise bad("The action '%s' is not available." % action, t["note"] or "Transition not available.")
            return t["nextStatus"]
    raise bad("The action '%s' is not a valid transition from the status '%s'." % (action, trs["currentStatus"]),
              "Valid actions: %s" % (", ".join(t["action"] for t in trs["transitions"]) or "none"))


# ---------------------------------------------------------------------------
# JWT (HS256) -- gentar.txt:66-88
# ---------------------------------------------------------------------------

class Tokens:
    def __init__(self, ttl):
        self.secret = os.urandom(32)
        self.ttl = ttl

    def issue(self, user):
        now = int(time.time())
        header = {"alg": "HS256", "typ": "JWT"}
        payload = {"iss": "gentar-mock", "jti": b64u(os.urandom(16)), "iat": now, "sub": user["sub"],
                   "email": user["email"], "nickname": user["email"], "name": user["name"], "domains": [],
                   "exp": now + self.ttl}
        h = b64u(json.dumps(header, separators=(",", ":")).encode())
        p = b64u(json.dumps(payload, separators=(",", ":")).encode())
        sig = hmac.new(self.secret, ("%s.%s" % (h, p)).encode("ascii"), hashlib.sha256).digest()
        return "%s.%s.%s" % (h, p, b64u(sig))

    def verify(self, token):
        """Returns the e-mail in a valid token, raises ApiError(401) otherwise."""
        def fail(reason):
            return ApiError(401, "Invalid or expired JWT token.", reason,
                            {"WWW-Authenticate": 'Bearer realm="gentar", error="invalid_token"'})
        parts = token.split(".")
        if len(parts) != 3:
            raise fail("The token is not a signed JWT (header.payload.signature).")
        try:
            header = json.loads(b64u_dec(parts[0]))
            payload = json.loads(b64u_dec(parts[1]))
            sig = b64u_dec(parts[2])
        except Exception:
            raise fail("The token cannot be decoded.")
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise fail("The token cannot be decoded.")
        # unsigned ("alg": "none") and any algorithm other than the one we sign with are refused
        if header.get("alg") != "HS256":
            raise fail("Unsupported token algorithm.")
        expected = hmac.new(self.secret, ("%s.%s" % (parts[0], parts[1])).encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, sig):
            raise fail("The token signature is not valid.")
        exp = payload.get("exp")
        if not isinstance(exp, int) or isinstance(exp, bool):
            raise fail("The token has no expiry.")
        # gentar.txt:84 "After 30 minutes client gets a 401-Response"
        if exp <= time.time():
            raise fail("The token has expired. Please sign in again.")
        email = payload.get("email")
        if not isinstance(email, str):
            raise fail("The token has no subject.")
        return email


# ---------------------------------------------------------------------------
# query helpers: paging, sorting, filtering (gentar.txt:30-62)
# ---------------------------------------------------------------------------

def q_first(query, name):
    for k, v in query:
        if k == name:
            return v
    return None


def q_values(query, name):
    """gentar.txt:946 'Filter values can be supplied as a comma separated list'.
    freedom: values match exactly (case-sensitive); empty values are ignored; unknown
    filter names are ignored."""
    out = []
    for k, v in query:
        if k == name:
            out.extend(x.strip() for x in v.split(",") if x.strip() != "")
    return out


def parse_paging(query):
    def num(name, default, minimum):
        raw = q_first(query, name)
        if raw is None or raw == "":
            return default
        if not re.fullmatch(r"\d{1,30}", raw.strip()):
            raise bad("Parameter '%s' must be a non-negative integer" % name, "Invalid value '%s'" % raw[:50])
        v = int(raw.strip())
        if v < minimum:
            raise bad("Parameter '%s' must be at least %d" % (name, minimum))
        return v
    # freedom: invalid page/size values (not a number, negative, size 0) are refused with 400
    page = num("page", 0, 0)                         # gentar.txt:44 starts with 0 (the default)
    size = min(num("size", DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
    return page, size


def parse_sort(query, allowed, type_name):
    """gentar.txt:60 sort=column,direction (ASC or DESC)."""
    specs = []
    for k, v in query:
        if k != "sort" or v.strip() == "":
            continue
        parts = [x.strip() for x in v.split(",")]
        desc = False
        if len(parts) > 1 and parts[-1].lower() in ("asc", "desc"):
            desc = parts[-1].lower() == "desc"
            parts = parts[:-1]
        props = [x for x in parts if x]
        if not props:
            raise bad("Invalid sort parameter '%s'" % v[:60])
        for prop in props:
            if prop not in allowed:
                # freedom: unknown sort properties are a 400 (the document names only 'tpn')
                raise bad("No property '%s' found for type '%s'" % (prop[:60], type_name),
                          "Sortable properties: %s" % ", ".join(allowed))
            specs.append((prop, desc))
    return specs


def sort_key(v):
    if isinstance(v, bool):
        return (0, int(v))
    if isinstance(v, (int, float)):
        return (1, v)
    return (2, str(v))


def apply_sort(items, specs):
    for prop, desc in reversed(specs):
        present = [i for i in items if i.get(prop) is not None]
        nulls = [i for i in items if i.get(prop) is None]
        present.sort(key=lambda i: sort_key(i[prop]), reverse=desc)
        # freedom: nulls last when ascending, first when descending
        items = (nulls + present) if desc else (present + nulls)
    return items


def int_filter_values(query, name):
    vals = q_values(query, name)
    for v in vals:
        if not re.fullmatch(r"-?\d{1,18}", v):
            raise bad("Parameter '%s' must be a list of integers" % name, "Invalid value '%s'" % v[:50])
    return {str(int(v)) for v in vals}


def encode_query(pairs):
    return "&".join("%s=%s" % (quote(k, safe=""), quote(v, safe=",:")) for k, v in pairs)


# ---------------------------------------------------------------------------
# request handling
# ---------------------------------------------------------------------------

PROJECT_SORTABLE = ["tpn", "recovery", "esCellQcOnly", "comment", "reactivationDate", "privacyName",
                    "assignmentStatusName", "summaryStatusName", "imitsMiPlanId", "completionNote",
                    "completionComment"]
PLAN_SORTABLE = ["pin", "tpn", "typeName", "attemptTypeName", "comment", "statusName", "summaryStatusName",
                 "workUnitName", "workGroupName"]


class Api:
    def __init__(self, store, tokens):
        self.st = store
        self.tokens = tokens
        self.list_calls = 0

    # -- permissions -------------------------------------------------------------
    @staticmethod
    def related(user, work_units):
        # gentar.txt:2006 / 4795: writes need a relation to the work unit; admins may do everything
        if user["isAdmin"]:
            return True
        mine = {r["workUnitName"] for r in user["rolesWorkUnits"]}
        return bool(mine & set(work_units))

    def forbid(self, msg):
        return ApiError(403, msg, "The current user does not have the permission to perform this action.")

    # -- auth --------------------------------------------------------------------
    def signin(self, ctx):
        body = ctx.json_obj()
        name = body.get("userName")
        pw = body.get("password")
        u = self.st.users.get(name) if isinstance(name, str) else None
        if u is None or not self.st.check_password(u, pw):
            # gentar.txt:158-169
            raise ApiError(401, "Invalid userName/password provided.", "Please provide valid credentials.")
        # gentar.txt:122-127 {userName, accessToken}
        return 200, JSON, {"userName": u["email"], "accessToken": self.tokens.issue(u)}

    # -- people ------------------------------------------------------------------
    def current_person(self, ctx):
        return 200, JSON, render_user(ctx.user)

    def check_roles(self, body, key, name_key, path=""):
        v = fget(body, key, "list", path)
        if v in (MISSING,):
            return MISSING
        out = []
        for j, r in enumerate(as_list(v)):
            p = "%s[%d]" % (key, j)
            if not isinstance(r, dict):
                raise bad("%s must be an object" % p)
            out.append({"id": val(fget(r, "id", "int", p)),
                        name_key: fget(r, name_key, "str", p, required=True),
                        "roleName": fget(r, "roleName", "str", p, required=True)})
        return out

    def create_user(self, ctx):
        u = ctx.user
        if not user_permissions(u)["manageUsers"]:
            raise self.forbid("You do not have permission to create users.")
        body = ctx.json_obj()
        email = fget(body, "email", "str", "", required=True)
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
            raise bad("email '%s' is not a valid e-mail address" % email[:80])
        name = val(fget(body, "name", "str", ""))
        pw = val(fget(body, "password", "str", ""))
        contactable = val(fget(body, "contactable", "bool", ""), False)
        wus = as_list(self.check_roles(body, "rolesWorkUnits", "workUnitName"))
        cons = as_list(self.check_roles(body, "rolesConsortia", "consortiumName"))
        if email in self.st.users:
            raise bad("A user with the e-mail %s already exists." % email, "The e-mail must be unique.")
        nu = self.st.add_user(email, name, pw, contactable, [(r["workUnitName"], r["roleName"]) for r in wus],
                              [(r["consortiumName"], r["roleName"]) for r in cons])
        # gentar.txt:347-372 200 with the created user
        return 200, JSON, render_user(nu)

    def password_reset(self, ctx):
        # gentar.txt:382-386 body is the e-mail (raw); 200 with no body
        # freedom: 200 also for unknown addresses (no user enumeration)
        text = ctx.raw.decode("utf-8", "replace").strip()
        if text.startswith('"') and text.endswith('"') and len(text) >= 2:
            try:
                text = json.loads(text)
            except ValueError:
                pass
        if not isinstance(text, str) or not text.strip():
            raise bad("An e-mail address is required.")
        return 200, None, None

    def apply_roles(self, target, key, kind, roles):
        old = {r["id"]: r for r in target[key]}
        out = []
        for r in roles:
            rid = r["id"] if r["id"] in old else self.st.next_id(kind)
            rec = {"id": rid}
            rec.update({k: v for k, v in r.items() if k != "id"})
            out.append(rec)
        target[key] = out

    def update_managed(self, ctx, email):
        u = ctx.user
        target = self.st.users.get(email)
        if target is None:
            raise not_found("User %s does not exist." % email)
        perms = user_permissions(u)
        if not (u["isAdmin"] or (perms["manageUsers"] and self.related(
                u, [r["workUnitName"] for r in target["rolesWorkUnits"]]))):
            raise self.forbid("You are not a manager of the user %s." % email)
        body = ctx.json_obj()
        name = fget(body, "name", "str", "")
        contactable = fget(body, "contactable", "bool", "")
        wus = self.check_roles(body, "rolesWorkUnits", "workUnitName")
        cons = self.check_roles(body, "rolesConsortia", "consortiumName")
        if name is not MISSING:
            target["name"] = name
        if contactable not in (MISSING, None):
            target["contactable"] = contactable
        if wus is not MISSING:
            self.apply_roles(target, "rolesWorkUnits", "rwu", wus)
        if cons is not MISSING:
            self.apply_roles(target, "rolesConsortia", "rcon", cons)
        # gentar.txt:414-416 Content-Disposition header on this response
        return 200, JSON, render_user(target), {"Content-Disposition": "inline;filename=f.txt"}

    def update_own(self, ctx):
        u = ctx.user
        body = ctx.json_obj()
        name = fget(body, "name", "str", "")
        contactable = fget(body, "contactable", "bool", "")
        cur = val(fget(body, "currentPassword", "str", ""))
        new = val(fget(body, "newPassword", "str", ""))
        # gentar.txt:451 to change the password, currentPassword and newPassword are needed
        if new is not None:
            if new == "":
                raise bad("newPassword must not be empty")
            if cur is None or not self.st.check_password(u, cur):
                raise bad("The current password is not correct.", "Provide the current password to set a new one.")
        if name is not MISSING:
            u["name"] = name
        if contactable not in (MISSING, None):
            u["contactable"] = contactable
        if new is not None:
            self.st.set_password(u, new)
        return 200, JSON, render_user(u)

    # -- projects ----------------------------------------------------------------
    def get_project(self, tpn):
        p = self.st.projects.get(tpn)
        if p is None:
            raise not_found("Project %s does not exist." % tpn)
        return p

    def get_plan(self, pin):
        pl = self.st.plans.get(pin)
        if pl is None:
            raise not_found("Plan %s does not exist." % pin)
        return pl

    def get_outcome(self, pin, tpo):
        self.get_plan(pin)
        o = self.st.outcomes.get(tpo)
        if o is None or o["pin"] != pin:
            raise not_found("Outcome %s does not exist in plan %s." % (tpo, pin))
        return o

    def get_mutation(self, pin, tpo, mn):
        self.get_outcome(pin, tpo)
        m = self.st.mutations.get(mn)
        if m is None or tpo not in m["outcomes"]:
            raise not_found("Mutation %s does not exist in outcome %s." % (mn, tpo))
        return m

    def get_stage(self, pin, psn):
        self.get_plan(pin)
        st = self.st.stages.get(psn)
        if st is None or st["pin"] != pin:
            raise not_found("Phenotyping stage %s does not exist in plan %s." % (psn, pin))
        return st

    def page_response(self, ctx, items, key, self_link, extra_links=True):
        page, size = parse_paging(ctx.query)
        total = len(items)
        start = page * size
        chunk = items[start:start + size] if start < total else []
        pages = (total + size - 1) // size
        links = {"self": self_link}
        link_hdr = []
        if extra_links and pages > 1:
            # freedom: first/prev/next/last links (and a Link header) when there are several pages
            base_pairs = [(k, v) for k, v in ctx.query if k not in ("page", "size")]

            def href(n):
                return "%s%s?%s" % (ctx.base, ctx.path, encode_query(base_pairs + [("page", str(n)), ("size", str(size))]))
            links["first"] = ls_href(href(0))
            if 0 < page <= pages:
                links["prev"] = ls_href(href(page - 1))
            if page + 1 < pages:
                links["next"] = ls_href(href(page + 1))
            links["last"] = ls_href(href(pages - 1))
            for rel in ("first", "prev", "next", "last"):
                if rel in links:
                    link_hdr.append('<%s>; rel="%s"' % (links[rel]["href"], rel))
        body = {"_embedded": {key: chunk}, "_links": links,
                "page": {"size": size, "totalElements": total, "totalPages": pages, "number": page}}
        ctx.delay = True
        # gentar.txt:1170 list responses carry a Link header (empty in the examples)
        return 200, HAL, body, {"Link": ", ".join(link_hdr)}

    def list_projects(self, ctx):
        q = ctx.query
        specs = parse_sort(q, PROJECT_SORTABLE, "Project")
        imits = int_filter_values(q, "imitsMiPlanId")
        filters = {k: set(q_values(q, k)) for k in (
            "tpn", "intention", "gene", "workUnitName", "workGroupName", "assignmentStatusName",
            "summaryStatusName", "colonyName", "phenotypingExternalRef", "privacyName")}
        items = []
        for p in sorted(self.st.projects.values(), key=lambda p: p["_rank"]):
            r = ctx.r.project(p)
            values = {
                "tpn": [r["tpn"]],
                "intention": [i["molecularMutationTypeName"] for i in r["projectIntentions"]],
                "gene": [x for i in r["projectIntentions"] if "intentionByGene" in i
                         for x in (i["intentionByGene"]["gene"]["symbol"], i["intentionByGene"]["gene"]["accessionId"])],
                "workUnitName": r["relatedWorkUnitNames"], "workGroupName": r["relatedWorkGroupNames"],
                "assignmentStatusName": [r["assignmentStatusName"]], "summaryStatusName": [r["summaryStatusName"]],
                "colonyName": r["colonyNames"], "phenotypingExternalRef": r["phenotypingExternalRefs"],
                "privacyName": [r["privacyName"]],
            }
            if any(want and not (want & set(values[k])) for k, want in filters.items()):
                continue
            if imits and str(r.get("imitsMiPlanId")) not in imits:
                continue
            items.append(r)
        items = apply_sort(items, specs)
        # gentar.txt:1376 / 1555 the self link is the bare collection URL
        return self.page_response(ctx, items, "projects", ls_href("%s/api/projects" % ctx.base))

    def show_project(self, ctx, tpn):
        return 200, HAL, ctx.r.project(self.get_project(tpn))

    def write_response(self, url, entries):
        hist = []
        for i, h in enumerate(entries):
            h = copy.deepcopy(h)
            hist.append(h)
        return 200, HAL, {"_links": {"self": ls_href(url)}, "history": hist}

    def check_plan_common(self, body, path, creating):
        out = {}
        if creating:
            out["typeName"] = fget(body, "typeName", "str", path, required=True, choices=PLAN_TYPES)
            allowed = PRODUCTION_ATTEMPTS if out["typeName"] == "production" else PHENOTYPING_ATTEMPTS
            out["attemptTypeName"] = fget(body, "attemptTypeName", "str", path, required=True, choices=allowed)
            out["workUnitName"] = fget(body, "workUnitName", "str", path, required=True)
        out["workGroupName"] = fget(body, "workGroupName", "str", path)
        out["funderNames"] = fget(body, "funderNames", "strlist", path)
        out["comment"] = fget(body, "comment", "str", path)
        return out

    def create_project(self, ctx):
        body = ctx.json_obj()
        recovery = val(fget(body, "recovery", "bool", ""))
        esc = val(fget(body, "esCellQcOnly", "bool", ""))
        comment = val(fget(body, "comment", "str", ""))
        privacy = val(fget(body, "privacyName", "str", "", choices=PRIVACIES), "public")
        # gentar.txt:1570 "it is necessary to create at least one plan that is attached to it"
        pd = fget(body, "planDetails", "obj", "", required=True)
        plan_fields = self.check_plan_common(pd, "planDetails", True)
        if plan_fields["attemptTypeName"] in ("cre allele modification",) or plan_fields["typeName"] == "phenotyping":
            raise bad("planDetails: a %s plan needs a starting point outcome; create the project with a production plan"
                      % plan_fields["attemptTypeName"])
        if not self.related(ctx.user, [plan_fields["workUnitName"]]):
            raise self.forbid("You are not related to the work unit %s." % plan_fields["workUnitName"])
        specs, build_int = check_intentions(fget(body, "projectIntentions", "list", ""))
        species = val(fget(body, "speciesNames", "strlist", ""), [])
        cons = []
        for j, c in enumerate(as_list(fget(body, "consortia", "list", ""))):
            p = "consortia[%d]" % j
            if not isinstance(c, dict):
                raise bad("%s must be an object" % p)
            cons.append(fget(c, "consortiumName", "str", p, required=True))
        st = self.st
        genes = {g for (_, _, g, _) in specs if g is not None}
        # gentar.txt:874 in conflict if existing projects are working in the same gene
        conflict = any(it["gene"] in genes for p in st.projects.values()
                       if p["assignmentStatusName"] not in ("Abandoned", "Inactive") for it in p["projectIntentions"])
        tpn = fmt_tpn(st.next_id("tpn"))
        prj = {"tpn": tpn, "recovery": recovery, "esCellQcOnly": esc, "comment": comment,
               "reactivationDate": None, "privacyName": privacy,
               "assignmentStatusName": "Inspect - Conflict" if conflict else "Assigned",
               "summaryStatusName": None, "completionNote": None, "completionComment": None,
               "imitsMiPlanId": None, "assignmentStatusStamps": [], "projectIntentions": build_int(st),
               "speciesNames": species,
               "consortia": [{"id": st.next_id("consortiumRec"), "consortiumName": c} for c in cons],
               "history": [], "_rank": st.rank()}
        st.projects[tpn] = prj
        self._new_plan(ctx, tpn, plan_fields, None, None)
        user = ctx.user["email"]
        # gentar.txt:1915-1936 two history entries
        prj["summaryStatusName"] = "Plan Created"
        h1 = st.add_history(prj, user, "Project updated", [detail("summaryStatus.name", None, "Plan Created")])
        h2 = st.add_history(prj, user, "Project created", [])
        return self.write_response("%s/api/projects/%s" % (ctx.base, tpn), [h1, h2])

    # freedom / ambiguity: gentar.txt:26 says PUT replaces the whole representation, but
    # gentar.txt:6940 allows sending only the statusTransition.  Updates are partial: an absent
    # field is kept, a field sent as null is set to null (where null is allowed).
    def update_project(self, ctx, tpn):
        p = self.get_project(tpn)
        if not self.related(ctx.user, [pl["workUnitName"] for pl in self.st.plans_of(tpn)]):
            # gentar.txt:2006 only users related to the work units of the plans
            raise self.forbid("You are not related to any work unit of the plans of %s." % tpn)
        body = ctx.json_obj()
        # gentar.txt:514 tpn is "Not editable, just for reference in the payload."
        fget(body, "tpn", "str", "")
        changes = {}
        for key, kind, field in (("recovery", "bool", "recovery"), ("esCellQcOnly", "bool", "esCellQcOnly"),
                                 ("comment", "str", "comment")):
            v = fget(body, key, kind, "")
            if v is not MISSING:
                changes[key] = (field, v)
        v = fget(body, "privacyName", "str", "", nullable=False, choices=PRIVACIES)
        if v is not MISSING:
            changes["privacyName"] = ("privacy.name", v)
        details = []
        for key, (field, v) in changes.items():
            if p[key] != v:
                details.append(detail(field, p[key], v))
                p[key] = v
        entries = []
        # freedom: an update that changes nothing records no history entry (history: [])
        if details:
            entries.append(self.st.add_history(p, ctx.user["email"], "Project updated", details))
        return self.write_response("%s/api/projects/%s" % (ctx.base, tpn), entries)

    # -- plans ---------------------------------------------------------------
    def list_plans(self, ctx):
        q = ctx.query
        specs = parse_sort(q, PLAN_SORTABLE, "Plan")
        mi_ids = int_filter_values(q, "imitsMiAttemptId")
        ph_ids = int_filter_values(q, "imitsPhenotypeAttemptId")
        dnc = set()
        for v in q_values(q, "doNotCountTowardsCompleteness"):
            if v.lower() not in ("true", "false"):
                raise bad("Parameter 'doNotCountTowardsCompleteness' must be true or false")
            dnc.add(v.lower() == "true")
        # gentar.txt:3560-3589 common filters; gentar.txt:3575 names the work group filter 'workGroup'
        # while the template at gentar.txt:4322 says 'workGroupName': both are accepted.
        filters = {k: set(q_values(q, k)) for k in ("pin", "tpn", "workUnitName", "statusName",
                                                     "summaryStatusName", "typeName", "attemptTypeName",
                                                     "phenotypingExternalRef")}
        filters["workGroupName"] = set(q_values(q, "workGroupName")) | set(q_values(q, "workGroup"))
        items = []
        for pl in sorted(self.st.plans.values(), key=lambda p: p["_rank"]):
            a = pl["attempt"] or {}
            values = {"pin": [pl["pin"]], "tpn": [pl["tpn"]], "workUnitName": [pl["workUnitName"]],
                      "workGroupName": [pl["workGroupName"]], "statusName": [pl["statusName"]],
                      "summaryStatusName": [pl["summaryStatusName"]], "typeName": [pl["typeName"]],
                      "attemptTypeName": [pl["attemptTypeName"]],
                      "phenotypingExternalRef": [a.get("phenotypingExternalRef")] if pl["typeName"] == "phenotyping" else []}
            if any(want and not (want & set(values[k])) for k, want in filters.items()):
                continue
            if mi_ids and (pl["typeName"] != "production" or str(a.get("imitsMiAttemptId")) not in mi_ids):
                continue
            if ph_ids and str(pl.get("imitsPhenotypeAttemptId")) not in ph_ids:
                continue
            if dnc and (pl["typeName"] != "phenotyping" or bool(a.get("doNotCountTowardsCompleteness")) not in dnc):
                continue
            items.append(ctx.r.plan(pl))
        items = apply_sort(items, specs)
        # gentar.txt:4322 / 4589 templated self link listing the filters not used in the request
        used = [k for k, _ in q]
        remaining = [v for v in PLAN_TEMPLATE_VARS if v not in used]
        if q:
            href = "%s/api/plans?%s{&%s}" % (ctx.base, encode_query(q), ",".join(remaining))
        else:
            href = "%s/api/plans{?%s}" % (ctx.base, ",".join(remaining))
        if not remaining:
            href = href.rsplit("{", 1)[0]
        return self.page_response(ctx, items, "plans", {"href": href, "templated": bool(remaining)})

    def show_plan(self, ctx, pin):
        return 200, HAL, ctx.r.plan(self.get_plan(pin))

    def plan_history(self, ctx, pin):
        return 200, JSON, copy.deepcopy(self.get_plan(pin)["history"])

    def _new_plan(self, ctx, tpn, f, attempt, start):
        st = self.st
        pin = fmt_pin(st.next_id("pin"))
        now = now_ldt()
        pl = {"pin": pin, "tpn": tpn, "attemptTypeName": f["attemptTypeName"], "typeName": f["typeName"],
              "funderNames": val(f["funderNames"]) or [], "workUnitName": f["workUnitName"],
              "workGroupName": val(f["workGroupName"]), "comment": val(f["comment"]),
              "statusName": "Plan Created", "summaryStatusName": "Plan Created",
              "statusDates": [{"statusName": "Plan Created", "date": now}],
              "summaryStatusDates": [{"statusName": "Plan Created", "date": now}],
              "attempt": attempt, "startingPoint": start, "imitsPhenotypeAttemptId": None,
              "history": [], "_rank": st.rank()}
        st.plans[pin] = pl
        h = st.add_history(pl, ctx.user["email"], "Plan created", [])
        return pl, h

    def check_starting_point(self, body, key):
        sp = fget(body, key, "obj", "", required=True)
        tpo = fget(sp, "outcomeTpo", "str", key, required=True)
        o = self.st.outcomes.get(tpo)
        if o is None:
            raise bad("%s.outcomeTpo: outcome %s does not exist" % (key, tpo))
        if self.st.plans[o["pin"]]["typeName"] != "production":
            raise bad("%s.outcomeTpo: outcome %s does not belong to a production plan" % (key, tpo))
        return tpo

    def create_plan(self, ctx):
        body = ctx.json_obj()
        tpn = fget(body, "tpn", "str", "", required=True)
        if tpn not in self.st.projects:
            raise bad("Project %s does not exist." % tpn, "The plan must be attached to an existing project.")
        f = self.check_plan_common(body, "", True)
        if not self.related(ctx.user, [f["workUnitName"]]):
            raise self.forbid("You are not related to the work unit %s." % f["workUnitName"])
        at = f["attemptTypeName"]
        start, builder = None, None
        if f["typeName"] == "phenotyping":
            start = self.check_starting_point(body, "phenotypingStartingPoint")
            # gentar.txt:4763 the request object is 'phenotypingAttempt'
            pa = fget(body, "phenotypingAttempt", "obj", "")
            key = "phenotypingAttempt"
            if pa is MISSING:
                pa, key = fget(body, "phenotypingAttemptResponse", "obj", ""), "phenotypingAttemptResponse"
            pa = pa if isinstance(pa, dict) else {}
            check_schema(pa, PHENO_FIELDS, key)
            builder = lambda: dict(build_schema(self.st, pa, PHENO_FIELDS, key),
                                   doNotCountTowardsCompleteness=bool(pa.get("doNotCountTowardsCompleteness")))
        elif at in ("crispr", "haplo-essential crispr"):
            ca = fget(body, "crisprAttempt", "obj", "")
            if isinstance(ca, dict):
                check_schema(ca, CRISPR_FIELDS, "crisprAttempt")

                def builder():
                    a = build_schema(self.st, ca, CRISPR_FIELDS, "crisprAttempt")
                    for g in a["guides"]:
                        for k in ("reversed", "sangerService", "truncatedGuide"):
                            if g[k] is None:
                                g[k] = False
                    return a
        elif at == "es cell":
            ea = fget(body, "esCellAttempt", "obj", "")
            if isinstance(ea, dict):
                check_schema(ea, ESCELL_FIELDS, "esCellAttempt")
                builder = lambda: build_schema(self.st, ea, ESCELL_FIELDS, "esCellAttempt")
        elif at == "cre allele modification":
            start = self.check_starting_point(body, "creAlleleModificationStartingPoint")
            cm = fget(body, "creAlleleModificationAttempt", "obj", "")
            if isinstance(cm, dict):
                check_schema(cm, CRE_FIELDS, "creAlleleModificationAttempt")
                builder = lambda: build_schema(self.st, cm, CRE_FIELDS, "creAlleleModificationAttempt")
        attempt = builder() if builder else None
        pl, h = self._new_plan(ctx, tpn, f, attempt, start)
        return self.write_response("%s/api/plans/%s" % (ctx.base, pl["pin"]), [h])

    def update_plan(self, ctx, pin):
        pl = self.get_plan(pin)
        body = ctx.json_obj()
        # gentar.txt:4799 "If a value is provided for pin, the system will validate that it matches"
        bpin = fget(body, "pin", "str", "")
        if bpin not in (MISSING, None) and bpin != pin:
            raise bad("The pin %s in the payload does not match the pin %s in the URL." % (bpin, pin))
        fget(body, "tpn", "str", "")
        if not self.related(ctx.user, [pl["workUnitName"]]):
            raise self.forbid("You are not related to the work unit %s." % pl["workUnitName"])
        f = self.check_plan_common(body, "", False)
        wu = fget(body, "workUnitName", "str", "", nullable=False)
        changes = [("funderNames", "funders", val(f["funderNames"], MISSING)),
                   ("workUnitName", "workUnit.name", wu), ("workGroupName", "workGroup.name", f["workGroupName"]),
                   ("comment", "comment", f["comment"])]
        if changes[0][2] is None:
            changes[0] = ("funderNames", "funders", [])
        attempt_changes = []
        if pl["typeName"] == "phenotyping":
            # gentar.txt:4892-4895 flat phenotyping attempt fields in the update payload
            nested = fget(body, "phenotypingAttemptResponse", "obj", "")
            if nested in (MISSING, None):
                nested = fget(body, "phenotypingAttempt", "obj", "")
            for name, kind in PHENO_FIELDS:
                v = fget(body, name, kind, "")
                if v is MISSING and isinstance(nested, dict):
                    v = fget(nested, name, kind, "phenotypingAttemptResponse")
                if v is not MISSING:
                    if name == "doNotCountTowardsCompleteness" and v is None:
                        v = False
                    attempt_changes.append((name, v))
        action = check_action(body, "")
        next_status = resolve_action(ctx.r, "plan", pl, action)
        details = []
        for key, field, v in changes:
            if v is not MISSING and pl[key] != v:
                details.append(detail(field, pl[key], v))
                pl[key] = v
        if attempt_changes:
            if pl["attempt"] is None:
                pl["attempt"] = {f_: None for f_, _ in PHENO_FIELDS}
            for name, v in attempt_changes:
                if pl["attempt"].get(name) != v:
                    details.append(detail("phenotypingAttempt." + name, pl["attempt"].get(name), v))
                    pl["attempt"][name] = v
        if next_status:
            now = now_ldt()
            details.append(detail("status.name", pl["statusName"], next_status))
            pl["statusName"] = next_status
            pl["statusDates"].append({"statusName": next_status, "date": now})
            if pl["summaryStatusName"] != next_status:
                details.append(detail("summaryStatus.name", pl["summaryStatusName"], next_status))
                pl["summaryStatusName"] = next_status
                pl["summaryStatusDates"].append({"statusName": next_status, "date": now})
        entries = []
        if details:
            entries.append(self.st.add_history(pl, ctx.user["email"], "Plan updated", details))
        return self.write_response("%s/api/plans/%s" % (ctx.base, pin), entries)

    # -- outcomes --------------------------------------------------------------
    def list_outcomes(self, ctx, pin):
        self.get_plan(pin)
        items = [ctx.r.outcome(o) for o in sorted(self.st.outcomes_of(pin), key=lambda o: o["_rank"])]
        ctx.delay = True
        # gentar.txt:5441-5570 the outcome collection has no paging information
        return 200, HAL, {"_embedded": {"outcomes": items}}

    def show_outcome(self, ctx, pin, tpo):
        return 200, HAL, ctx.r.outcome(self.get_outcome(pin, tpo))

    def outcome_history(self, ctx, pin, tpo):
        return 200, JSON, copy.deepcopy(self.get_outcome(pin, tpo)["history"])

    def check_colony(self, col, path, current_name=None):
        name = fget(col, "name", "str", path, required=current_name is None, nullable=False)
        if name is not MISSING:
            if not name.strip():
                raise bad("%s.name must not be empty" % path)
            # gentar.txt:4982 "Name of the colony. It needs to be unique."
            # freedom: the status for a duplicate is 400 (not stated in the document)
            if name != current_name and name in self.st.colony_names():
                raise bad("A colony with the name %s already exists." % name, "The colony name must be unique.")
        out = {"name": name, "genotypingComment": fget(col, "genotypingComment", "str", path),
               "backgroundStrainName": fget(col, "backgroundStrainName", "str", path)}
        dp = fget(col, "distributionProducts", "list", path)
        out["distributionProducts"] = MISSING if dp is MISSING else check_dist_products(dp, path + ".distributionProducts")
        return out

    def check_specimen(self, sp, path):
        out = {"specimenExternalRef": fget(sp, "specimenExternalRef", "str", path),
               "specimenTypeName": fget(sp, "specimenTypeName", "str", path),
               "backgroundStrainName": fget(sp, "backgroundStrainName", "str", path)}
        pr = fget(sp, "specimenProperties", "list", path)
        out["specimenProperties"] = MISSING if pr is MISSING else check_props(pr, path + ".specimenProperties")
        return out

    def create_outcome(self, ctx, pin):
        pl = self.get_plan(pin)
        if not self.related(ctx.user, [pl["workUnitName"]]):
            raise self.forbid("You are not related to the work unit %s." % pl["workUnitName"])
        body = ctx.json_obj()
        typ = fget(body, "outcomeTypeName", "str", "", required=True, choices=OUTCOME_TYPES)
        if typ == "Colony":
            d = self.check_colony(fget(body, "colony", "obj", "", required=True), "colony")
        else:
            d = self.check_specimen(fget(body, "specimen", "obj", "", required=True), "specimen")
        muts = [check_mutation_payload(m, "mutations[%d]" % j)
                for j, m in enumerate(as_list(fget(body, "mutations", "list", "")))]
        st = self.st
        now = now_ldt()
        tpo = fmt_tpo(st.next_id("tpo"))
        if typ == "Colony":
            details = {"name": d["name"], "genotypingComment": val(d["genotypingComment"]),
                       "statusName": "Genotype In Progress",
                       "statusDates": [{"statusName": "Genotype In Progress", "date": now}],
                       "backgroundStrainName": val(d["backgroundStrainName"]),
                       "distributionProducts": [dict(x, id=st.next_id("distProduct"))
                                                for x in as_list(d["distributionProducts"])]}
        else:
            details = {"specimenExternalRef": val(d["specimenExternalRef"]),
                       "specimenTypeName": val(d["specimenTypeName"], "haplo-essential"),
                       "statusName": "Specimen Group In Progress",
                       "statusDates": [{"statusName": "Specimen Group In Progress", "date": now}],
                       "backgroundStrainName": val(d["backgroundStrainName"]),
                       "specimenProperties": [dict(x, id=st.next_id("specProp"))
                                              for x in as_list(d["specimenProperties"])]}
        o = {"tpo": tpo, "pin": pin, "outcomeTypeName": typ, "details": details, "history": [], "_rank": st.rank()}
        st.outcomes[tpo] = o
        entries = []
        user = ctx.user["email"]
        for spec in muts:
            n = st.next_id("min")
            m = {"id": n, "min": fmt_min(n), "mgiAlleleId": None, "imitsAllele": None,
                 "mgiAlleleSymbolWithoutImpcAbbreviation": spec["mgiAlleleSymbolWithoutImpcAbbreviation"],
                 "symbol": spec["symbol"], "description": spec["description"],
                 "mgiAlleleSymbolRequiresConstruction": spec["mgiAlleleSymbolRequiresConstruction"],
                 "geneticMutationTypeName": spec["geneticMutationTypeName"],
                 "molecularMutationTypeName": spec["molecularMutationTypeName"],
                 "mutationQcResults": build_qcs(st, spec.get("mutationQcResults", [])),
                 "mutationSequences": build_mut_seqs(st, spec.get("mutationSequences", [])),
                 "mutationCategorizations": spec.get("mutationCategorizations", []),
                 "genes": spec.get("genes", []), "outcomes": [tpo], "history": []}
            st.mutations[m["min"]] = m
            entries.append(st.add_history(m, user, "Mutation created", []))
        entries.append(st.add_history(o, user, "Outcome created", []))
        # gentar.txt:5669-5685 the response numbers the history entries in order
        entries = copy.deepcopy(entries)
        for i, h in enumerate(entries):
            h["id"] = i + 1
        return self.write_response("%s/api/plans/%s/outcomes/%s" % (ctx.base, pin, tpo), entries)

    def update_outcome(self, ctx, pin, tpo):
        o = self.get_outcome(pin, tpo)
        pl = self.st.plans[pin]
        if not self.related(ctx.user, [pl["workUnitName"]]):
            raise self.forbid("You are not related to the work unit %s." % pl["workUnitName"])
        body = ctx.json_obj()
        fget(body, "tpo", "str", "")
        fget(body, "outcomeTypeName", "str", "")
        typ = o["outcomeTypeName"]
        key = "colony" if typ == "Colony" else "specimen"
        sub = fget(body, key, "obj", "")
        details, action, d = [], None, None
        if isinstance(sub, dict):
            cur = o["details"]
            if typ == "Colony":
                d = self.check_colony(sub, key, current_name=cur["name"] if cur else None)
            else:
                d = self.check_specimen(sub, key)
            action = check_action(sub, key)
            if cur is None:
                if action:
                    raise bad("The outcome has no %s details yet; no status transition can be executed." % key)
        next_status = resolve_action(ctx.r, key, o, action) if action else None
        if d is not None:
            st = self.st
            now = now_ldt()
            if o["details"] is None:
                base = "Genotype In Progress" if typ == "Colony" else "Specimen Group In Progress"
                o["details"] = ({"name": None, "genotypingComment": None, "statusName": base,
                                 "statusDates": [{"statusName": base, "date": now}], "backgroundStrainName": None,
                                 "distributionProducts": []} if typ == "Colony" else
                                {"specimenExternalRef": None, "specimenTypeName": "haplo-essential", "statusName": base,
                                 "statusDates": [{"statusName": base, "date": now}], "backgroundStrainName": None,
                                 "specimenProperties": []})
                details.append(detail(key, None, typ, "Element added"))
            cur = o["details"]
            list_key = "distributionProducts" if typ == "Colony" else "specimenProperties"
            id_kind = "distProduct" if typ == "Colony" else "specProp"
            for k, v in d.items():
                if v is MISSING:
                    continue
                if k == list_key:
                    recs, dd = merge_records(st, id_kind, cur[k], v, "%s.%s" % (key, k))
                    cur[k] = recs
                    details.extend(dd)
                elif cur.get(k) != v:
                    details.append(detail("%s.%s" % (key, k), cur.get(k), v))
                    cur[k] = v
            if next_status:
                details.append(detail("%s.status.name" % key, cur["statusName"], next_status))
                cur["statusName"] = next_status
                cur["statusDates"].append({"statusName": next_status, "date": now})
        entries = []
        if details:
            entries.append(self.st.add_history(o, ctx.user["email"], "Outcome updated", details))
        return self.write_response("%s/api/plans/%s/outcomes/%s" % (ctx.base, pin, tpo), entries)

    # -- mutations ----------------------------------------------------------------
    def show_mutation(self, ctx, pin, tpo, mn):
        return 200, HAL, ctx.r.mutation(self.get_mutation(pin, tpo, mn))

    def show_mutation_by_min(self, ctx, mn):
        # freedom: the mutation self link (gentar.txt:6048) is served as well
        m = self.st.mutations.get(mn)
        if m is None:
            raise not_found("Mutation %s does not exist." % mn)
        return 200, HAL, ctx.r.mutation(m)

    def mutation_history(self, ctx, pin, tpo, mn):
        return 200, JSON, copy.deepcopy(self.get_mutation(pin, tpo, mn)["history"])

    def update_mutation(self, ctx, pin, tpo, mn):
        m = self.get_mutation(pin, tpo, mn)
        pl = self.st.plans[pin]
        if not self.related(ctx.user, [pl["workUnitName"]]):
            raise self.forbid("You are not related to the work unit %s." % pl["workUnitName"])
        body = ctx.json_obj()
        # gentar.txt:5763-5811 READ ONLY / SPECIFY ONLY WHEN CREATING fields are ignored on update
        for k, kind in (("id", "int"), ("min", "str"), ("mgiAlleleId", "str"), ("imitsAllele", "int"),
                        ("symbol", "str"), ("mgiAlleleSymbolWithoutImpcAbbreviation", "bool"),
                        ("mgiAlleleSymbolRequiresConstruction", "bool")):
            fget(body, k, kind, "")
        scal = {"geneticMutationTypeName": ("geneticMutationType.name", fget(body, "geneticMutationTypeName", "str", "")),
                "molecularMutationTypeName": ("molecularMutationType.name", fget(body, "molecularMutationTypeName", "str", "")),
                "description": ("description", fget(body, "description", "str", ""))}
        lists = check_mutation_lists(body, "")
        st = self.st
        details = []
        for k, (field, v) in scal.items():
            if v is not MISSING and m[k] != v:
                details.append(detail(field, m[k], v))
                m[k] = v
        if "genes" in lists:
            old, new = m["genes"], lists["genes"]
            for g in new:
                if g not in old:
                    gg = GENE_BY_ID[g]
                    details.append(detail("genes.[%d]" % g, None, "Gene(id=%d, symbol=%s, name=%s)" % (gg[0], gg[1], gg[2]),
                                          "Element added"))
                    details.append(detail("genes.[%d].symbol" % g, None, gg[1]))
            for g in old:
                if g not in new:
                    gg = GENE_BY_ID[g]
                    details.append(detail("genes.[%d]" % g, "Gene(id=%d, symbol=%s, name=%s)" % (gg[0], gg[1], gg[2]),
                                          None, "Element deleted"))
            m["genes"] = new
        if "mutationCategorizations" in lists:
            key = lambda c: (c["name"], c["typeName"])
            old = {key(c): c for c in m["mutationCategorizations"]}
            new = {key(c): c for c in lists["mutationCategorizations"]}
            for k, c in new.items():
                if k not in old:
                    details.append(detail("mutationCategorizations.[%s]" % c["name"], None,
                                          "name:%s, description: %s, mutationCategorizationTypeName:%s"
                                          % (c["name"], c["description"], c["typeName"]), "Element added"))
            for k, c in old.items():
                if k not in new:
                    details.append(detail("mutationCategorizations.[%s]" % c["name"],
                                          "name:%s, description: %s, mutationCategorizationTypeName:%s"
                                          % (c["name"], c["description"], c["typeName"]), None, "Element deleted"))
            m["mutationCategorizations"] = lists["mutationCategorizations"]
        if "mutationQcResults" in lists:
            new = build_qcs(st, lists["mutationQcResults"], m["mutationQcResults"])
            fmt = lambda q: "id:%s, QC type name:%s, QC status:%s" % (q["id"], q["qcTypeName"], q["statusName"])
            olds = {(q["qcTypeName"], q["statusName"]): q for q in m["mutationQcResults"]}
            news = {(q["qcTypeName"], q["statusName"]): q for q in new}
            for k, q in news.items():
                if k not in olds:
                    details.append(detail("mutationQcResults.[%s]" % fmt(q), None, fmt(q), "Element added"))
            for k, q in olds.items():
                if k not in news:
                    details.append(detail("mutationQcResults.[%s]" % fmt(q), fmt(q), None, "Element deleted"))
            m["mutationQcResults"] = new
        if "mutationSequences" in lists:
            new = build_mut_seqs(st, lists["mutationSequences"], m["mutationSequences"])
            strip = lambda l: [(q["index"], q["sequence"]["sequence"], q["sequence"]["typeName"],
                                q["sequence"]["categoryName"]) for q in l]
            if strip(new) != strip(m["mutationSequences"]):
                details.append(detail("mutationSequences", "%d sequence(s)" % len(m["mutationSequences"]),
                                      "%d sequence(s)" % len(new)))
            m["mutationSequences"] = new
        entries = []
        if details:
            entries.append(st.add_history(m, ctx.user["email"], "Mutation updated", details))
        # gentar.txt:6171 the update response links the nested mutation URL
        return self.write_response("%s/api/plans/%s/outcomes/%s/mutations/%s" % (ctx.base, pin, tpo, mn), entries)

    # -- phenotyping stages -------------------------------------------------------
    def list_stages(self, ctx, pin):
        self.get_plan(pin)
        items = [ctx.r.stage(s_) for s_ in sorted(self.st.stages_of(pin), key=lambda s_: s_["_rank"])]
        ctx.delay = True
        # gentar.txt:6603-6711 no paging information in this collection
        return 200, HAL, {"_embedded": {"phenotypingStages": items}}

    def show_stage(self, ctx, pin, psn):
        return 200, HAL, ctx.r.stage(self.get_stage(pin, psn))

    def stage_history(self, ctx, pin, psn):
        return 200, JSON, copy.deepcopy(self.get_stage(pin, psn)["history"])

    def create_stage(self, ctx, pin):
        pl = self.get_plan(pin)
        if not self.related(ctx.user, [pl["workUnitName"]]):
            raise self.forbid("You are not related to the work unit %s." % pl["workUnitName"])
        body = ctx.json_obj()
        ptype = fget(body, "phenotypingTypeName", "str", "", required=True)
        if not ptype.strip():
            raise bad("phenotypingTypeName must not be empty")
        ref = val(fget(body, "phenotypingExternalRef", "str", ""))
        if ref is None and pl["attempt"]:
            ref = pl["attempt"].get("phenotypingExternalRef")
        started = val(fget(body, "phenotypingExperimentsStarted", "date", ""))
        release = val(fget(body, "initialDataReleaseDate", "date", ""))
        tissues = check_tissues(fget(body, "tissueDistributions", "list", ""), "tissueDistributions")
        st = self.st
        status = "Late Adult Phenotyping Registered" if ptype == "late adult" else "Phenotyping Registered"
        n = st.next_id("psn")
        stage = {"psn": fmt_psn(n), "pin": pin, "statusName": status, "phenotypingTypeName": ptype,
                 "phenotypingExternalRef": ref, "phenotypingExperimentsStarted": started,
                 "initialDataReleaseDate": release,
                 "tissueDistributions": [dict(t, id=st.next_id("tissue")) for t in tissues],
                 "statusDates": [{"statusName": status, "date": now_ldt()}], "history": [], "_rank": st.rank()}
        st.stages[stage["psn"]] = stage
        h = st.add_history(stage, ctx.user["email"], "PhenotypingStage created", [])
        return self.write_response("%s/api/plans/%s/phenotypingStages/%s" % (ctx.base, pin, stage["psn"]), [h])

    def update_stage(self, ctx, pin, psn):
        stage = self.get_stage(pin, psn)
        pl = self.st.plans[pin]
        if not self.related(ctx.user, [pl["workUnitName"]]):
            raise self.forbid("You are not related to the work unit %s." % pl["workUnitName"])
        body = ctx.json_obj()
        fget(body, "psn", "str", "")
        changes = {"phenotypingExternalRef": fget(body, "phenotypingExternalRef", "str", ""),
                   "phenotypingExperimentsStarted": fget(body, "phenotypingExperimentsStarted", "date", ""),
                   "initialDataReleaseDate": fget(body, "initialDataReleaseDate", "date", "")}
        tl = fget(body, "tissueDistributions", "list", "")
        tissues = MISSING if tl is MISSING else check_tissues(tl, "tissueDistributions")
        action = check_action(body, "")
        next_status = resolve_action(ctx.r, "stage", stage, action)
        details = []
        for k, v in changes.items():
            if v is not MISSING and stage[k] != v:
                details.append(detail(k, stage[k], v))
                stage[k] = v
        if tissues is not MISSING:
            recs, dd = merge_records(self.st, "tissue", stage["tissueDistributions"], tissues, "tissueDistributions")
            stage["tissueDistributions"] = recs
            details.extend(dd)
        if next_status:
            details.append(detail("status.name", stage["statusName"], next_status))
            stage["statusName"] = next_status
            stage["statusDates"].append({"statusName": next_status, "date": now_ldt()})
        entries = []
        if details:
            entries.append(self.st.add_history(stage, ctx.user["email"], "PhenotypingStage updated", details))
        return self.write_response("%s/api/plans/%s/phenotypingStages/%s" % (ctx.base, pin, psn), entries)


SEG = r"([^/]+)"
ROUTES = [
    # (pattern, {method: (handler name, needs auth)})
    (r"/auth/signin", {"POST": ("signin", False)}),                                     # gentar.txt:110
    (r"/api/people/currentPerson", {"GET": ("current_person", True)}),                  # gentar.txt:281
    (r"/api/people/requestPasswordReset", {"POST": ("password_reset", False)}),         # gentar.txt:382
    (r"/api/people", {"POST": ("create_user", True), "PUT": ("update_own", True)}),     # gentar.txt:325, 457
    (r"/api/people/" + SEG, {"PUT": ("update_managed", True)}),                         # gentar.txt:398
    (r"/api/projects", {"GET": ("list_projects", True), "POST": ("create_project", True)}),   # gentar.txt:1163, 1844
    (r"/api/projects/" + SEG, {"GET": ("show_project", True), "PUT": ("update_project", True)}),  # gentar.txt:1055, 2012
    (r"/api/plans", {"GET": ("list_plans", True), "POST": ("create_plan", True)}),      # gentar.txt:3786, 4639
    (r"/api/plans/" + SEG, {"GET": ("show_plan", True), "PUT": ("update_plan", True)}),  # gentar.txt:3647, 4807
    (r"/api/plans/" + SEG + "/history", {"GET": ("plan_history", True)}),               # gentar.txt:4608
    (r"/api/plans/" + SEG + "/outcomes", {"GET": ("list_outcomes", True), "POST": ("create_outcome", True)}),
    (r"/api/plans/" + SEG + "/outcomes/" + SEG, {"GET": ("show_outcome", True), "PUT": ("update_outcome", True)}),
    (r"/api/plans/" + SEG + "/outcomes/" + SEG + "/history", {"GET": ("outcome_history", True)}),
    (r"/api/plans/" + SEG + "/outcomes/" + SEG + "/mutations/" + SEG,
     {"GET": ("show_mutation", True), "PUT": ("update_mutation", True)}),                # gentar.txt:6005, 6109
    (r"/api/plans/" + SEG + "/outcomes/" + SEG + "/mutations/" + SEG + "/history", {"GET": ("mutation_history", True)}),
    (r"/api/mutations/" + SEG, {"GET": ("show_mutation_by_min", True)}),
    (r"/api/plans/" + SEG + "/phenotypingStages", {"GET": ("list_stages", True), "POST": ("create_stage", True)}),
    (r"/api/plans/" + SEG + "/phenotypingStages/" + SEG, {"GET": ("show_stage", True), "PUT": ("update_stage", True)}),
    (r"/api/plans/" + SEG + "/phenotypingStages/" + SEG + "/history", {"GET": ("stage_history", True)}),
]
ROUTES = [(re.compile(p + r"\Z"), m) for p, m in ROUTES]


class Ctx:
    def __init__(self, store, base, path, query, raw, headers):
        self.store = store
        self.base = base
        self.path = path
        self.query = query
        self.raw = raw
        self.headers = headers
        self.user = None
        self.delay = False
        self.r = Renderer(store, base)

    def json_obj(self):
        # freedom: unknown attributes in a payload are ignored (the update examples at
        # gentar.txt:6109-6160 send '_links'; gentar.txt:6940 allows sending a whole GET body).
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype and not (ctype == "application/json" or ctype.endswith("+json")):
            raise ApiError(415, "Content type '%s' not supported" % ctype[:80],
                           "Use Content-Type: application/json.")
        if not self.raw.strip():
            raise bad("Required request body is missing", "Send a JSON document.")
        try:
            text = self.raw.decode("utf-8")

            def no_const(c):
                raise ValueError("invalid constant " + c)
            data = json.loads(text, parse_constant=no_const)
        except (ValueError, UnicodeDecodeError, RecursionError) as e:
            raise bad("Malformed JSON request", str(e)[:200])
        if not isinstance(data, dict):
            raise bad("Malformed JSON request", "The request body must be a JSON object.")
        return data


# ---------------------------------------------------------------------------
# HTTP layer
# ---------------------------------------------------------------------------

HTML_PAGE = ("<!DOCTYPE html><html><head><title>%d %s</title></head><body><h1>%d %s</h1>"
             "<p>%s</p><hr><address>GenTaR mock server</address></body></html>")


def accepts_gzip(header):
    for part in (header or "").split(","):
        bits = [b.strip() for b in part.split(";")]
        if bits[0].lower() in ("gzip", "*"):
            q = 1.0
            for b in bits[1:]:
                if b.startswith("q="):
                    try:
                        q = float(b[2:])
                    except ValueError:
                        q = 0.0
            if q > 0:
                return True
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GenTaR-mock/1.4"      # freedom: extra Server header
    sys_version = ""
    api = None
    store = None
    verbose = False
    counter = [0]

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_OPTIONS(self):
        self.dispatch("OPTIONS")

    # -- body --------------------------------------------------------------
    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            data = b""
            while True:
                line = self.rfile.readline(1024)
                try:
                    n = int(line.split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    raise ApiError(400, "Malformed chunked body")
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                if len(data) + n > MAX_BODY:
                    self.close_connection = True
                    raise ApiError(413, "Request body too large")
                data += self.rfile.read(n)
                self.rfile.readline(8)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        if not re.fullmatch(r"\s*\d{1,12}\s*", cl):
            self.close_connection = True
            raise ApiError(400, "Invalid Content-Length header")
        n = int(cl)
        if n > MAX_BODY:
            self.close_connection = True
            raise ApiError(413, "Request body too large", "The maximum body size is %d bytes." % MAX_BODY)
        return self.rfile.read(n) if n else b""

    # -- responses ---------------------------------------------------------------
    def send(self, status, ctype, payload, headers=None, head=False):
        if payload is None:
            body = b""
        elif isinstance(payload, bytes):
            body = payload
        else:
            body = json.dumps(payload, ensure_ascii=False, indent=2, separators=(",", " : ")).encode("utf-8")
        extra = dict(headers or {})
        # freedom: gzip-compressed bodies when the client accepts gzip
        if body and accepts_gzip(self.headers.get("Accept-Encoding")):
            body = gzip.compress(body, 6)
            extra["Content-Encoding"] = "gzip"
        self.send_response(status)
        self.send_header("X-Request-Id", uuid.uuid4().hex)          # freedom: extra header
        # gentar.txt:1059-1061 Vary headers on API responses
        self.send_header("Vary", "Origin")
        self.send_header("Vary", "Access-Control-Request-Method")
        self.send_header("Vary", "Access-Control-Request-Headers")
        if "Content-Encoding" in extra:
            self.send_header("Vary", "Accept-Encoding")
        for k, v in extra.items():
            self.send_header(k, v)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def send_error_obj(self, err, head=False):
        # gentar.txt:158-169 error document {"apierror": {status, timestamp, message, debugMessage}}
        body = {"apierror": {"status": STATUS_TEXT.get(err.status, str(err.status)), "timestamp": api_timestamp(),
                             "message": err.message, "debugMessage": err.debug or err.message}}
        self.send(err.status, JSON, body, err.headers, head)

    def send_html(self, status, reason, text, headers=None, head=False):
        # freedom: errors outside the API (no error body documented) are an HTML page
        page = HTML_PAGE % (status, reason, status, reason, text)
        self.send(status, "text/html;charset=UTF-8", page.encode("utf-8"), headers, head)

    # -- dispatch ------------------------------------------------------------------
    def dispatch(self, method):
        head = method == "HEAD"
        try:
            raw = self.read_body()
        except ApiError as e:
            return self.send_error_obj(e, head)
        try:
            split = urlsplit(self.path)
            path = split.path or "/"
            query = parse_qsl(split.query, keep_blank_values=True)
        except ValueError:
            return self.send_error_obj(bad("Malformed request URL"), head)
        path = re.sub(r"/+", "/", path)
        if len(path) > 1:
            path = path.rstrip("/")       # gentar.txt:4746, 6109, 6752 examples use a trailing slash
        is_api = path == "/api" or path.startswith("/api/") or path.startswith("/auth/")
        route, groups = None, None
        for rx, methods in ROUTES:
            m = rx.match(path)
            if m:
                route, groups = methods, [unquote(g) for g in m.groups()]
                break
        if not is_api:
            return self.send_html(404, "Not Found", "No resource at %s" % re.sub(r"[<>&\"]", "", path)[:200], head=head)
        host = self.headers.get("Host") or ""
        if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]{1,255}", host):
            host = "127.0.0.1:%d" % self.server.server_address[1]
        ctx = Ctx(self.store, "http://" + host, path, query, raw, self.headers)
        # freedom: OPTIONS (CORS preflight) answered without authentication; HEAD mirrors GET
        if method == "OPTIONS":
            allow = ", ".join(sorted(set((route or {}).keys()) | {"OPTIONS"} | ({"HEAD"} if route and "GET" in route else set())))
            return self.send(200, None, None, {"Allow": allow, "Access-Control-Allow-Origin": "*",
                                               "Access-Control-Allow-Methods": allow,
                                               "Access-Control-Allow-Headers": "Authorization, Content-Type"}, head)
        lookup = "GET" if head else method
        entry = route.get(lookup) if route else None
        try:
            if entry is None or entry[1]:
                # everything under /api needs the bearer token except the public routes (gentar.txt:70-72)
                if not (route and entry is None and path.startswith("/auth/")):
                    self.authenticate(ctx)
            if route is None:
                raise not_found("No endpoint %s %s." % (method, path[:200]))
            if entry is None:
                allow = ", ".join(sorted(route.keys()))
                # gentar.txt:28 other verbs, such as DELETE, are not supported
                raise ApiError(405, "Request method '%s' not supported" % method,
                               "Supported methods: %s" % allow, {"Allow": allow})
            with self.store.lock:
                result = getattr(self.api, entry[0])(ctx, *groups)
        except ApiError as e:
            return self.send_error_obj(e, head)
        except Exception as e:        # never answer 5xx: report unexpected problems as a bad request
            import traceback
            traceback.print_exc(file=sys.stderr)
            return self.send_error_obj(bad("The request could not be processed", "%s: %s" % (type(e).__name__, e)), head)
        status, ctype, body = result[0], result[1], result[2]
        headers = result[3] if len(result) > 3 else None
        if ctx.delay:
            Handler.counter[0] += 1
            if Handler.counter[0] % 3 == 0:
                time.sleep(0.02 + 0.01 * (Handler.counter[0] % 4))   # freedom: occasional 20-50 ms delay
        self.send(status, ctype, body, headers, head)

    def authenticate(self, ctx):
        auth = self.headers.get("Authorization")
        if not auth:
            raise ApiError(401, "Full authentication is required to access this resource",
                           "Missing 'Authorization: Bearer <token>' header.",
                           {"WWW-Authenticate": 'Bearer realm="gentar"'})
        m = re.fullmatch(r"\s*[Bb][Ee][Aa][Rr][Ee][Rr]\s+(\S+)\s*", auth)
        if not m:
            raise ApiError(401, "Full authentication is required to access this resource",
                           "The Authorization header must use the Bearer scheme.",
                           {"WWW-Authenticate": 'Bearer realm="gentar"'})
        email = self.api.tokens.verify(m.group(1))
        user = self.store.users.get(email)
        if user is None:
            raise ApiError(401, "Invalid or expired JWT token.", "The user of the token does not exist.",
                           {"WWW-Authenticate": 'Bearer realm="gentar", error="invalid_token"'})
        ctx.user = user


ADMIN_EMAIL = "curator.admin@gentar-mock.org"
ADMIN_PASSWORD = "Colony-Tracker-4471"


def main(argv=None):
    ap = argparse.ArgumentParser(description="GenTaR reference server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--records", type=int, default=40, help="number of projects to seed (default 40)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--token-ttl", type=int, default=DEFAULT_TOKEN_TTL, help="token lifetime in seconds (default 1800)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    store = Store(args.records, args.seed, ADMIN_EMAIL, ADMIN_PASSWORD)
    Handler.store = store
    Handler.api = Api(store, Tokens(max(1, args.token_ttl)))
    Handler.verbose = args.verbose
    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    httpd.daemon_threads = True
    port = httpd.server_address[1]
    print("listening on http://127.0.0.1:%d" % port)
    print("username: %s" % ADMIN_EMAIL)
    print("password: %s" % ADMIN_PASSWORD)
    print("sign-in: POST /auth/signin {\"userName\": \"%s\", \"password\": \"%s\"} -> accessToken" % (ADMIN_EMAIL, ADMIN_PASSWORD))
    print("auth-header: Authorization: Bearer <accessToken>  (token expires after %d s)" % args.token_ttl)
    sys.stdout.flush()

    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
