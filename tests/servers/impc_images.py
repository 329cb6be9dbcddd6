#!/usr/bin/env python3
"""Independent reference server for the IMPC `impc_images` Solr core.

Built only from /work/shared/docs/impc_images.txt (cited as impc_images.txt:LINE)
and the general behaviour of a Solr core's /select handler, which that
document relies on.  Standard library only.

    python3 tests/servers/impc_images.py [--port 0] [--records N] [--seed S]

Routes (freedom: the document names no base path; every usual form works):
    /solr/impc_images/select   /impc_images/select   /select   (also .../query)
    /solr/impc_images/get?id=  (real-time get)        /solr/impc_images/admin/ping
    /solr/impc_images/schema/fields[/NAME]
No authentication (impc_images.txt states none).
"""
import argparse
import base64
import csv
import fnmatch
import gzip
import io
import json
import random
import re
import signal
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape as xesc, quoteattr

# ---------------------------------------------------------------------------
# schema: impc_images.txt:2-325 field descriptions, 330-438 example document.
# (name, type, multiValued, example line). Types follow the example values.
# ---------------------------------------------------------------------------
S, I, F = "string", "pint", "pdouble"
FIELDS = [
    ("id", S, False, 331), ("observation_id", S, False, 332), ("specimen_id", S, False, 333),
    ("phenotyping_center_id", I, False, 334), ("phenotyping_center", S, False, 335),
    ("production_center_id", I, False, 336), ("production_center", S, False, 337),
    ("specimen_project_id", I, False, 338), ("specimen_project_name", S, False, 339),
    ("gene_accession_id", S, False, 340), ("gene_symbol", S, False, 341),
    ("allele_accession_id", S, False, 342), ("allele_symbol", S, False, 343),
    ("zygosity", S, False, 344), ("sex", S, False, 345), ("biological_model_id", I, False, 346),
    ("biological_sample_id", I, False, 347), ("biological_sample_group", S, False, 348),
    ("strain_accession_id", S, False, 349), ("strain_name", S, False, 350),
    ("genetic_background", S, False, 351), ("allelic_composition", S, False, 352),
    ("colony_id", S, False, 353), ("litter_id", S, False, 354), ("date_of_birth", S, False, 355),
    ("external_sample_id", S, False, 356), ("life_stage_name", S, False, 357),
    ("life_stage_acc", S, False, 358), ("datasource_id", I, False, 359), ("datasource_name", S, False, 360),
    ("project_id", I, False, 361), ("project_name", S, False, 362), ("pipeline_id", I, False, 363),
    ("pipeline_name", S, False, 364), ("pipeline_stable_id", S, False, 365), ("procedure_id", I, False, 366),
    ("procedure_name", S, False, 367), ("procedure_stable_id", S, False, 368),
    ("procedure_group", S, False, 369), ("parameter_id", I, False, 370), ("parameter_name", S, False, 371),
    ("parameter_stable_id", S, False, 372), ("procedure_sequence_id", S, False, 373),
    ("experiment_id", S, False, 374), ("observation_type", S, False, 375), ("data_type", S, False, 376),
    ("experiment_source_id", S, False, 377), ("date_of_experiment", S, False, 378),
    ("weight_parameter_stable_id", S, False, 379), ("weight_date", S, False, 380),
    ("weight_days_old", I, False, 381), ("weight", F, False, 382), ("data_point", F, False, 383),
    ("order_index", I, False, 384), ("dimension", S, False, 385), ("time_point", S, False, 386),
    ("discrete_point", F, False, 387), ("category", S, False, 388), ("raw_category", S, False, 389),
    ("metadata", S, True, 390), ("metadata_group", S, False, 391), ("mp_id", S, True, 392),
    ("mp_term", S, True, 393), ("top_level_mp_id", S, True, 394), ("top_level_mp_term", S, True, 395),
    ("intermediate_mp_id", S, True, 396), ("intermediate_mp_term", S, True, 397),
    ("anatomy_id", S, True, 398), ("anatomy_term", S, True, 399), ("anatomy_id_term", S, True, 400),
    ("anatomy_term_synonym", S, True, 401), ("top_level_anatomy_id", S, True, 402),
    ("top_level_anatomy_term", S, True, 403), ("top_level_anatomy_term_synonym", S, True, 404),
    ("selected_top_level_anatomy_id", S, True, 405), ("selected_top_level_anatomy_term", S, True, 406),
    ("selected_top_level_anatomy_term_synonym", S, True, 407), ("intermediate_anatomy_id", S, True, 408),
    ("intermediate_anatomy_term", S, True, 409), ("intermediate_anatomy_term_synonym", S, True, 410),
    ("parent_anatomy_id", S, True, 411), ("parent_anatomy_term", S, True, 412),
    ("parent_anatomy_term_synonym", S, True, 413), ("child_anatomy_id", S, True, 414),
    ("child_anatomy_term", S, True, 415), ("child_anatomy_term_synonym", S, True, 416),
    ("download_file_path", S, False, 417), ("image_link", S, False, 418), ("file_type", S, False, 419),
    ("parameter_association_stable_id", S, True, 420), ("parameter_association_sequence_id", S, True, 421),
    ("parameter_association_dim_id", S, True, 422), ("parameter_association_name", S, True, 423),
    ("parameter_association_value", S, True, 424), ("developmental_stage_acc", S, False, 425),
    ("developmental_stage_name", S, False, 426), ("text_value", S, False, 427),
    ("sub_term_id", S, True, 428), ("sub_term_name", S, True, 429), ("sub_term_description", S, True, 430),
    ("sequence_id", I, False, 431), ("age_in_days", I, False, 432), ("age_in_weeks", I, False, 433),
    ("download_url", S, False, 434), ("jpeg_url", S, False, 435), ("thumbnail_url", S, False, 436),
    ("omero_id", S, False, 437),
]
FIELD_ORDER = [f[0] for f in FIELDS]
FTYPE = {f[0]: f[1] for f in FIELDS}
MULTI = {f[0]: f[2] for f in FIELDS}
# freedom: a catch-all, indexed-but-not-stored "text" field is the default
# search field (df) for unfielded terms; it never appears in documents.
TEXT_SOURCES = ["gene_symbol", "gene_accession_id", "allele_symbol", "procedure_name", "parameter_name",
                "phenotyping_center", "strain_name", "mp_term", "anatomy_term", "top_level_mp_term",
                "parameter_association_name", "life_stage_name", "sex", "zygosity", "colony_id"]
FTYPE["text"] = "text_general"
MULTI["text"] = True
UNIQUE_KEY = "id"

# impc_images.txt:330-438 the document's own example document, verbatim
EXAMPLE_DOC = {
    "id": "1", "observation_id": "obs-001", "specimen_id": "spec-001", "phenotyping_center_id": 100,
    "phenotyping_center": "Center A", "production_center_id": 101, "production_center": "Center B",
    "specimen_project_id": 200, "specimen_project_name": "Project X", "gene_accession_id": "Gene-001",
    "gene_symbol": "Gn1", "allele_accession_id": "Allele-001", "allele_symbol": "Al1",
    "zygosity": "Homozygous", "sex": "Male", "biological_model_id": 300, "biological_sample_id": 301,
    "biological_sample_group": "Group 1", "strain_accession_id": "Strain-001", "strain_name": "Strain A",
    "genetic_background": "Background 1", "allelic_composition": "Comp 1", "colony_id": "Colony-001",
    "litter_id": "Litter-001", "date_of_birth": "2020-01-01", "external_sample_id": "ExtSample-001",
    "life_stage_name": "Adult", "life_stage_acc": "LS-001", "datasource_id": 400,
    "datasource_name": "DataSource A", "project_id": 500, "project_name": "Project Y", "pipeline_id": 600,
    "pipeline_name": "Pipeline Z", "pipeline_stable_id": "PSI-001", "procedure_id": 700,
    "procedure_name": "Procedure 1", "procedure_stable_id": "PS-001", "procedure_group": "Group 2",
    "parameter_id": 800, "parameter_name": "Parameter 1", "parameter_stable_id": "Param-001",
    "procedure_sequence_id": "Seq-001", "experiment_id": "Exp-001", "observation_type": "Type 1",
    "data_type": "Data Type 1", "experiment_source_id": "Source-001", "date_of_experiment": "2025-09-29",
    "weight_parameter_stable_id": "WPID-001", "weight_date": "2020-06-15", "weight_days_old": 100,
    "weight": 20.5, "data_point": 5.5, "order_index": 1, "dimension": "Dimension 1", "time_point": "Day 1",
    "discrete_point": 1.5, "category": "Category 1", "raw_category": "Raw Category 1",
    "metadata": ["Meta1", "Meta2"], "metadata_group": "Metadata Group 1", "mp_id": ["MPID-1", "MPID-2"],
    "mp_term": ["Term 1", "Term 2"], "top_level_mp_id": ["TL-MPID-1", "TL-MPID-2"],
    "top_level_mp_term": ["Top Level Term 1", "Top Level Term 2"],
    "intermediate_mp_id": ["IMPID-1", "IMPID-2"],
    "intermediate_mp_term": ["Intermediate Term 1", "Intermediate Term 2"],
    "anatomy_id": ["AnatomyID-1", "AnatomyID-2"], "anatomy_term": ["Anatomy Term 1", "Anatomy Term 2"],
    "anatomy_id_term": ["AnatomyIDTerm-1", "AnatomyIDTerm-2"], "anatomy_term_synonym": ["Synonym 1", "Synonym 2"],
    "top_level_anatomy_id": ["TLAnatomyID-1", "TLAnatomyID-2"],
    "top_level_anatomy_term": ["TL Anatomy Term 1", "TL Anatomy Term 2"],
    "top_level_anatomy_term_synonym": ["TL Anatomy Term 1", "TL Anatomy Term 2"],
    "selected_top_level_anatomy_id": ["STLAnatomyID-1", "STLAnatomyID-2"],
    "selected_top_level_anatomy_term": ["Selected TL Anatomy Term 1", "Selected TL Anatomy Term 2"],
    "selected_top_level_anatomy_term_synonym": ["Selected TL Anatomy Term 1", "Selected TL Anatomy Term 2"],
    "intermediate_anatomy_id": ["IAnatomyID-1", "IAnatomyID-2"],
    "intermediate_anatomy_term": ["Intermediate Anatomy Term 1", "Intermediate Anatomy Term 2"],
    "intermediate_anatomy_term_synonym": ["Intermediate Anatomy Term 1", "Intermediate Anatomy Term 2"],
    "parent_anatomy_id": ["ParentAnatomyID-1", "ParentAnatomyID-2"],
    "parent_anatomy_term": ["Parent Anatomy Term 1", "Parent Anatomy Term 2"],
    "parent_anatomy_term_synonym": ["Parent Anatomy Term 1", "Parent Anatomy Term 2"],
    "child_anatomy_id": ["ChildAnatomyID-1", "ChildAnatomyID-2"],
    "child_anatomy_term": ["Child Anatomy Term 1", "Child Anatomy Term 2"],
    "child_anatomy_term_synonym": ["Child Anatomy Term 1", "Child Anatomy Term 2"],
    "download_file_path": "/path/to/download", "image_link": "http://example.com/image", "file_type": "jpeg",
    "parameter_association_stable_id": ["PAStableID-1", "PAStableID-2"],
    "parameter_association_sequence_id": ["PASeqID-1", "PASeqID-2"],
    "parameter_association_dim_id": ["PADimID-1", "PADimID-2"],
    "parameter_association_name": ["PA Name 1", "PA Name 2"],
    "parameter_association_value": ["PA Value 1", "PA Value 2"],
    "developmental_stage_acc": "DevStageAcc-1", "developmental_stage_name": "Development Stage 1",
    "text_value": "Some text value", "sub_term_id": ["SubTermID-1", "SubTermID-2"],
    "sub_term_name": ["SubTerm Name 1", "SubTerm Name 2"],
    "sub_term_description": ["SubTerm Description 1", "SubTerm Description 2"],
    "sequence_id": 123, "age_in_days": 45, "age_in_weeks": 6, "download_url": "http://example.com/download",
    "jpeg_url": "http://example.com/jpeg", "thumbnail_url": "http://example.com/thumbnail",
    "omero_id": "OmeroID-1",
}
assert list(EXAMPLE_DOC) == FIELD_ORDER

# ---------------------------------------------------------------------------
# seed data
# ---------------------------------------------------------------------------
CENTERS = [(1, "WTSI"), (3, "JAX"), (7, "TCP"), (4, "HMGU"), (5, "ICS"), (9, "UC Davis"),
           (6, "MRC Harwell"), (8, "BCM"), (12, "KMPC")]
PROJECTS = [(2, "BaSH"), (4, "DTCC"), (7, "JAX"), (11, "MGP"), (13, "Phenomin"), (16, "MARC")]
GENES = [("MGI:104874", "Akt2"), ("MGI:97490", "Pax6"), ("MGI:95661", "Gata1"), ("MGI:1915958", "Fbxo7"),
         ("MGI:1353431", "Cib2"), ("MGI:2442355", "Nxn"), ("MGI:1923051", "Dcaf7"), ("MGI:98297", "Shh"),
         ("MGI:1096381", "Ptpn11"), ("MGI:88276", "Ctnnb1"), ("MGI:1921402", "Lrrc8c"), ("MGI:2148019", "Zfp729a")]
PROCEDURES = [
    # (procedure id, name, stable id, group, [(param id, name, stable id)], anatomy?, file type)
    (81, "X-ray", "IMPC_XRY_001", "IMPC_XRY",
     [(3812, "XRay Images Dorso Ventral", "IMPC_XRY_048_001"), (3813, "XRay Images Lateral Orientation", "IMPC_XRY_049_001")],
     False, "application/dicom"),
    (103, "Eye Morphology", "IMPC_EYE_001", "IMPC_EYE",
     [(4205, "Eye Images", "IMPC_EYE_050_001")], False, "image/jpeg"),
    (114, "Adult LacZ", "IMPC_ALZ_001", "IMPC_ALZ",
     [(4477, "LacZ Images Section", "IMPC_ALZ_075_001"), (4478, "LacZ Images Wholemount", "IMPC_ALZ_076_001")],
     True, "image/jpeg"),
    (96, "Gross Pathology and Tissue Collection", "IMPC_PAT_002", "IMPC_PAT",
     [(4011, "Gross Pathology Images", "IMPC_PAT_057_002")], True, "image/tiff"),
    (122, "Embryo LacZ", "IMPC_ELZ_001", "IMPC_ELZ",
     [(4590, "LacZ Images Wholemount", "IMPC_ELZ_064_001")], True, "image/jpeg"),
]
MP = [("MP:0002169", "no abnormal phenotype detected", "MP:0002169", "no abnormal phenotype detected"),
      ("MP:0001324", "abnormal eye pigmentation", "MP:0005391", "vision/eye phenotype"),
      ("MP:0000432", "abnormal head morphology", "MP:0005390", "skeleton phenotype"),
      ("MP:0004174", "abnormal spine curvature", "MP:0005390", "skeleton phenotype"),
      ("MP:0000266", "abnormal heart morphology", "MP:0005385", "cardiovascular system phenotype")]
ANATOMY = [("EMAPA:16105", "heart", "EMAPA:16104", "cardiovascular system"),
           ("EMAPA:16894", "brain", "EMAPA:16469", "nervous system"),
           ("EMAPA:17373", "kidney", "EMAPA:17211", "renal/urinary system"),
           ("EMAPA:17524", "testis", "EMAPA:17381", "reproductive system"),
           ("EMAPA:16198", "eye", "EMAPA:36003", "sensory organ system"),
           ("EMAPA:18426", "liver", "EMAPA:16246", "alimentary system")]
MEDIA = "https://www.ebi.ac.uk/mi/media/omero/webgateway"


def generate(seed, records):
    rnd = random.Random(seed)
    docs = [dict(EXAMPLE_DOC)]
    used = {"1"}
    for k in range(max(0, records - 1)):
        # freedom: non-contiguous string ids
        did = str(rnd.randint(2, 2999999))
        while did in used:
            did = str(rnd.randint(2, 2999999))
        used.add(did)
        cid, cname = rnd.choice(CENTERS)
        pid, pname = rnd.choice(PROJECTS)
        proc = PROCEDURES[k % len(PROCEDURES)] if k % 7 else rnd.choice(PROCEDURES)
        proc_id, proc_name, proc_sid, proc_group, params, anat, ftype = proc
        par_id, par_name, par_sid = rnd.choice(params)
        control = rnd.random() < 0.25
        embryo = proc_sid.startswith("IMPC_ELZ")
        age = rnd.randint(0, 0) if embryo else rnd.randint(63, 118)
        y, m, dd = 2014 + rnd.randint(0, 8), rnd.randint(1, 12), rnd.randint(1, 28)
        dob = "%04d-%02d-%02d" % (y, m, dd)
        t_dob = time.mktime(time.strptime(dob, "%Y-%m-%d"))
        doe = time.strftime("%Y-%m-%d", time.localtime(t_dob + (age + 1) * 86400 + 7200))
        omero = str(rnd.randint(100000, 1999999))
        d = {"id": did, "observation_id": str(rnd.randint(10000000, 99999999)),
             "specimen_id": "%s_%05d" % (cname.replace(" ", "")[:4].upper(), rnd.randint(1, 99999)),
             "phenotyping_center_id": cid, "phenotyping_center": cname,
             "production_center_id": cid if rnd.random() < 0.7 else rnd.choice(CENTERS)[0]}
        d["production_center"] = dict(CENTERS)[d["production_center_id"]]
        d["specimen_project_id"], d["specimen_project_name"] = pid, pname
        if not control:
            acc, sym = rnd.choice(GENES)
            allele = "%s<tm1%s(EUCOMM)Wtsi>" % (sym, rnd.choice("abe"))
            d.update({"gene_accession_id": acc, "gene_symbol": sym,
                      "allele_accession_id": "MGI:%d" % rnd.randint(4000000, 6999999), "allele_symbol": allele,
                      "zygosity": rnd.choice(["homozygote", "heterozygote", "hemizygote"])})
        d["sex"] = rnd.choice(["male", "female"])
        d["biological_model_id"] = rnd.randint(10000, 99999)
        d["biological_sample_id"] = rnd.randint(100000, 999999)
        d["biological_sample_group"] = "control" if control else "experimental"
        d["strain_accession_id"] = "MGI:2683688"
        d["strain_name"] = "C57BL/6NCrl"
        d["genetic_background"] = "involves: C57BL/6NCrl"
        if not control:
            d["allelic_composition"] = "%s/%s" % (d["allele_symbol"], d["allele_symbol"] if d["zygosity"] == "homozygote" else "+")
            d["colony_id"] = "%s%s%s%s" % tuple(rnd.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(4))
        d["litter_id"] = str(rnd.randint(1000, 99999))
        d["date_of_birth"] = dob
        d["external_sample_id"] = "%d" % rnd.randint(1000000, 9999999)
        if embryo:
            d["life_stage_name"], d["life_stage_acc"] = "E12.5", "IMPCLS:0003"
        else:
            d["life_stage_name"], d["life_stage_acc"] = rnd.choice([("Early adult", "IMPCLS:0005"),
                                                                    ("Middle aged adult", "IMPCLS:0006")])
        d.update({"datasource_id": 22, "datasource_name": "IMPC", "project_id": pid, "project_name": pname,
                  "pipeline_id": 7, "pipeline_name": "IMPC Pipeline", "pipeline_stable_id": "IMPC_001",
                  "procedure_id": proc_id, "procedure_name": proc_name, "procedure_stable_id": proc_sid,
                  "procedure_group": proc_group, "parameter_id": par_id, "parameter_name": par_name,
                  "parameter_stable_id": par_sid})
        if rnd.random() < 0.2:
            d["procedure_sequence_id"] = str(rnd.randint(1, 9))  # freedom: often absent
        d.update({"experiment_id": "%s-%s-%d" % (proc_sid, cname.replace(" ", ""), rnd.randint(100, 9999)),
                  "observation_type": "image_record", "data_type": "image_record",
                  "experiment_source_id": "%d" % rnd.randint(10000, 999999), "date_of_experiment": doe})
        if not embryo and rnd.random() < 0.75:  # freedom: weight fields sometimes absent
            d.update({"weight_parameter_stable_id": "IMPC_BWT_001_001", "weight_date": doe,
                      "weight_days_old": age, "weight": round(rnd.uniform(18.0, 42.0), 1)})
        if rnd.random() < 0.2:
            d["data_point"] = round(rnd.uniform(0, 100), 2)
        if rnd.random() < 0.5:
            d["order_index"] = rnd.randint(0, 5)
        if rnd.random() < 0.3:
            d["dimension"] = rnd.choice(["dorso ventral", "lateral"])
        if rnd.random() < 0.15:
            d["time_point"] = doe
            d["discrete_point"] = float(rnd.randint(0, 10))
        if rnd.random() < 0.2:
            d["category"] = rnd.choice(["normal", "abnormal", "imageOnly"])
            d["raw_category"] = d["category"]
        d["metadata"] = ["Equipment manufacturer = %s" % rnd.choice(["Faxitron", "Leica", "Zeiss"]),
                         "Equipment model = %s" % rnd.choice(["MX-20", "DM2500", "Axio Imager"])]
        d["metadata_group"] = "%032x" % rnd.getrandbits(128)
        if not control and rnd.random() < 0.5:
            picks = rnd.sample(MP, rnd.randint(1, 2))
            d["mp_id"] = [p[0] for p in picks]
            d["mp_term"] = [p[1] for p in picks]
            d["top_level_mp_id"] = [p[2] for p in picks]
            d["top_level_mp_term"] = [p[3] for p in picks]
            if rnd.random() < 0.6:
                d["intermediate_mp_id"] = [p[2] for p in picks]
                d["intermediate_mp_term"] = [p[3] for p in picks]
        if anat:
            picks = rnd.sample(ANATOMY, rnd.randint(1, 3))
            d["anatomy_id"] = [p[0] for p in picks]
            d["anatomy_term"] = [p[1] for p in picks]
            d["anatomy_id_term"] = ["%s_%s" % (p[0], p[1]) for p in picks]
            if rnd.random() < 0.5:
                d["anatomy_term_synonym"] = [p[1] + " organ" for p in picks]
            d["top_level_anatomy_id"] = [p[2] for p in picks]
            d["top_level_anatomy_term"] = [p[3] for p in picks]
            d["top_level_anatomy_term_synonym"] = [p[3] for p in picks]
            d["selected_top_level_anatomy_id"] = [p[2] for p in picks]
            d["selected_top_level_anatomy_term"] = [p[3] for p in picks]
            d["selected_top_level_anatomy_term_synonym"] = [p[3] for p in picks]
            d["intermediate_anatomy_id"] = [p[2] for p in picks]
            d["intermediate_anatomy_term"] = [p[3] for p in picks]
            d["intermediate_anatomy_term_synonym"] = [p[3] for p in picks]
            d["parent_anatomy_id"] = [p[2] for p in picks]
            d["parent_anatomy_term"] = [p[3] for p in picks]
            d["parent_anatomy_term_synonym"] = [p[3] for p in picks]
            if rnd.random() < 0.5:
                d["child_anatomy_id"] = ["EMAPA:%d" % rnd.randint(16000, 37000) for _ in picks]
                d["child_anatomy_term"] = [p[1] + " part" for p in picks]
                d["child_anatomy_term_synonym"] = [p[1] + " part" for p in picks]
        d["download_file_path"] = "https://api.mousephenotype.org/tracker/media/getfile/%040x" % rnd.getrandbits(160)
        d["image_link"] = "%s/img_detail/%s/" % (MEDIA, omero)
        d["file_type"] = ftype
        if anat:
            picks = rnd.sample(ANATOMY, 2)
            d["parameter_association_stable_id"] = ["%s_%03d_001" % (proc_sid[:8], rnd.randint(1, 99)) for _ in picks]
            d["parameter_association_sequence_id"] = [str(i) for i in range(len(picks))]
            d["parameter_association_dim_id"] = ["%d" % rnd.randint(1, 3) for _ in picks]
            d["parameter_association_name"] = [p[1].capitalize() for p in picks]
            d["parameter_association_value"] = [rnd.choice(["expression", "no expression", "ambiguous"]) for _ in picks]
        if embryo:
            d["developmental_stage_acc"], d["developmental_stage_name"] = "MmusDv:0000028", "Theiler stage 21"
        elif rnd.random() < 0.6:
            d["developmental_stage_acc"], d["developmental_stage_name"] = "MmusDv:0000110", "mature stage"
        if rnd.random() < 0.2:
            d["text_value"] = rnd.choice(["slight blurring", "left eye only", "image re-taken"])
        if anat and rnd.random() < 0.4:
            d["sub_term_id"] = [a[0] for a in ANATOMY[:2]]
            d["sub_term_name"] = [a[1] for a in ANATOMY[:2]]
            d["sub_term_description"] = ["expression in %s" % a[1] for a in ANATOMY[:2]]
        if rnd.random() < 0.6:
            d["sequence_id"] = rnd.randint(1, 400)
        if not embryo:
            d["age_in_days"] = age + 1
            d["age_in_weeks"] = (age + 1) // 7
        d["download_url"] = "%s/archived_files/download/%s" % (MEDIA, omero)
        d["jpeg_url"] = "%s/render_image/%s" % (MEDIA, omero)
        d["thumbnail_url"] = "%s/render_birds_eye_view/%s/" % (MEDIA, omero)
        d["omero_id"] = omero
        docs.append({f: d[f] for f in FIELD_ORDER if f in d})
    # freedom: index (natural) order is not id order: shuffle, the example doc included
    rnd.shuffle(docs)
    return docs


def analyze(text):
    return [t for t in re.split(r"[^0-9a-z]+", str(text).lower()) if t]


# ---------------------------------------------------------------------------
# Solr errors
# ---------------------------------------------------------------------------
class SolrError(Exception):
    def __init__(self, msg, code=400):
        super().__init__(msg)
        self.msg = msg
        self.code = code


def syntax_error(q, detail):
    return SolrError("org.apache.solr.search.SyntaxError: Cannot parse '%s': %s" % (q, detail))


# ---------------------------------------------------------------------------
# standard (lucene) query parser subset
# ---------------------------------------------------------------------------
SPECIAL = set(' \t\r\n()[]{}":^~')


class Node:
    boost = 1.0


class MatchAll(Node):
    pass


class TermQ(Node):
    def __init__(self, field, text, kind):
        self.field, self.text, self.kind = field, text, kind  # kind: term, phrase, wildcard, exists


class RangeQ(Node):
    def __init__(self, field, lo, hi, ilo, ihi):
        self.field, self.lo, self.hi, self.ilo, self.ihi = field, lo, hi, ilo, ihi


class BoolQ(Node):
    def __init__(self, clauses):
        self.clauses = clauses  # list of [occur, node], occur in MUST/SHOULD/NOT


class Parser:
    def __init__(self, s, df, op):
        self.s, self.i, self.df, self.op = s, 0, df, op

    def err(self, detail):
        raise syntax_error(self.s, detail)

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def peek_word(self, w):
        self.ws()
        if self.s.startswith(w, self.i):
            j = self.i + len(w)
            return j >= len(self.s) or self.s[j] in " \t\r\n()"
        return False

    def parse(self):
        q = self.query(top=True)
        self.ws()
        if self.i < len(self.s):
            self.err("Encountered \"%s\" at column %d." % (self.s[self.i], self.i))
        return q

    def query(self, top=False):
        clauses = []
        while True:
            self.ws()
            if self.i >= len(self.s):
                break
            if self.s[self.i] == ")":
                if top:
                    self.err("Encountered \" \")\" \") \"\" at column %d." % self.i)
                break
            conj = None
            if clauses:
                if self.peek_word("AND") or self.s.startswith("&&", self.i):
                    self.i += 3 if self.s.startswith("AND", self.i) else 2
                    conj = "AND"
                elif self.peek_word("OR") or self.s.startswith("||", self.i):
                    self.i += 2
                    conj = "OR"
                self.ws()
            mod = None
            if self.peek_word("NOT"):
                self.i += 3
                mod = "NOT"
            elif self.i < len(self.s) and self.s[self.i] in "+-!":
                mod = {"+": "REQ", "-": "NOT", "!": "NOT"}[self.s[self.i]]
                self.i += 1
            self.ws()
            if self.i >= len(self.s) or self.s[self.i] == ")":
                if conj or mod:
                    self.err("Encountered \"<EOF>\" at column %d." % self.i)
                break
            node = self.clause()
            # Lucene QueryParserBase.addClause semantics
            if clauses and conj == "AND" and clauses[-1][0] != "NOT":
                clauses[-1][0] = "MUST"
            if clauses and self.op == "AND" and conj == "OR" and clauses[-1][0] != "NOT":
                clauses[-1][0] = "SHOULD"
            if self.op == "OR":
                prohibited = mod == "NOT"
                required = mod == "REQ" or (conj == "AND" and not prohibited)
            else:
                prohibited = mod == "NOT"
                required = not prohibited and conj != "OR"
            occur = "NOT" if prohibited else ("MUST" if required else "SHOULD")
            clauses.append([occur, node])
        if len(clauses) == 1 and clauses[0][0] != "NOT":
            return clauses[0][1]
        return BoolQ(clauses)

    def read_term(self):
        out = []
        wild = False
        start = self.i
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "\\":
                if self.i + 1 >= len(self.s):
                    self.err("Term can not end with escape character.")
                out.append(("lit", self.s[self.i + 1]))
                self.i += 2
                continue
            if c in SPECIAL:
                break
            if c in "+-!" and self.i == start:
                break
            if c == ":":
                break
            if c in "*?":
                wild = True
                out.append(("wild", c))
            else:
                out.append(("lit", c))
            self.i += 1
        return out, wild

    def suffix(self, node):
        # ~N fuzzy/slop and ^N boost (accepted; slop/fuzziness ignored)
        while self.i < len(self.s) and self.s[self.i] in "~^":
            c = self.s[self.i]
            self.i += 1
            m = re.match(r"\d+(\.\d+)?|\.\d+", self.s[self.i:])
            if m:
                self.i += m.end()
                if c == "^":
                    node.boost = float(m.group(0))
            elif c == "^":
                self.err("Encountered \"^\" at column %d." % (self.i - 1))
        return node

    def clause(self):
        field = None
        self.ws()
        save = self.i
        if self.s.startswith("*:", self.i):
            self.i += 2
            field = "*"
        else:
            toks, wild = self.read_term()
            if toks and self.i < len(self.s) and self.s[self.i] == ":" and not wild:
                field = "".join(t[1] for t in toks)
                self.i += 1
            else:
                self.i = save
        self.ws()
        if self.i >= len(self.s):
            self.err("Encountered \"<EOF>\" at column %d." % self.i)
        c = self.s[self.i]
        fld = field if field is not None else self.df
        if c == "(":
            self.i += 1
            sub = Parser(self.s, fld if field is not None else self.df, self.op)
            sub.i = self.i
            node = sub.query()
            self.i = sub.i
            if self.i >= len(self.s) or self.s[self.i] != ")":
                self.err("Encountered \"<EOF>\" at column %d. Was expecting \")\"" % self.i)
            self.i += 1
            return self.suffix(node)
        if c == '"':
            j = self.i + 1
            buf = []
            while j < len(self.s) and self.s[j] != '"':
                if self.s[j] == "\\" and j + 1 < len(self.s):
                    j += 1
                buf.append(self.s[j])
                j += 1
            if j >= len(self.s):
                self.err("Lexical error at line 1, column %d.  Encountered: <EOF> after : \"\"" % (j + 1))
            self.i = j + 1
            if field == "*":
                self.err("Encountered \" <QUOTED> \" at column %d." % self.i)
            return self.suffix(TermQ(fld, "".join(buf), "phrase"))
        if c in "[{":
            ilo = c == "["
            j = self.i + 1
            m = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[^\s\]}]+)\s+TO\s+("(?:[^"\\]|\\.)*"|[^\s\]}]+)\s*([\]}])').match(self.s, j)
            if not m:
                self.err("Encountered \"%s\" at column %d." % (self.s[j:j + 1] or "<EOF>", j))
            lo, hi = m.group(1), m.group(2)
            ihi = m.group(3) == "]"
            self.i = m.end()

            def unq(v):
                if v.startswith('"') and v.endswith('"') and len(v) >= 2:
                    return re.sub(r"\\(.)", r"\1", v[1:-1])
                return None if v == "*" else re.sub(r"\\(.)", r"\1", v)
            if field == "*":
                self.err("Encountered \"[\" at column %d." % j)
            return self.suffix(RangeQ(fld, unq(lo), unq(hi), ilo, ihi))
        toks, wild = self.read_term()
        if not toks:
            self.err("Encountered \"%s\" at column %d." % (c, self.i))
        if field == "*":
            if [t for t in toks] == [("wild", "*")]:
                return self.suffix(MatchAll())
            self.err("Encountered \"%s\" at column %d." % ("".join(t[1] for t in toks), self.i))
        if toks == [("wild", "*")]:
            if field is None:
                # a bare "*" is treated as *:*  (as Solr does for q=*)
                return self.suffix(MatchAll())
            return self.suffix(TermQ(fld, "*", "exists"))
        if wild:
            rx = "".join(re.escape(v) if k == "lit" else (".*" if v == "*" else ".") for k, v in toks)
            return self.suffix(TermQ(fld, rx, "wildcard"))
        return self.suffix(TermQ(fld, "".join(t[1] for t in toks), "term"))


def parse_local_params(s):
    """{!type k=v ...}rest -> (type, params, rest); None when absent."""
    if not s.startswith("{!"):
        return None
    end = s.find("}")
    if end < 0:
        raise SolrError("org.apache.solr.search.SyntaxError: Expected identifier at pos %d str='%s'" % (len(s), s))
    body = s[2:end].strip()
    rest = s[end + 1:]
    qtype, params = "lucene", {}
    for part in re.findall(r"""(\w[\w.]*)=('(?:[^']*)'|"(?:[^"]*)"|\S+)|(\S+)""", body):
        if part[2]:
            qtype = part[2] if "=" not in part[2] else qtype
        else:
            v = part[1]
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                v = v[1:-1]
            params[part[0]] = v
    if "type" in params:
        qtype = params["type"]
    if "v" in params and not rest:
        rest = params["v"]
    return qtype, params, rest


def build_query(s, df, op):
    lp = parse_local_params(s.strip()) if s.strip().startswith("{!") else None
    if lp:
        qtype, params, rest = lp
        df = params.get("df", df)
        op = params.get("q.op", op).upper()
        if qtype in ("term", "raw", "field"):
            f = params.get("f")
            if not f:
                raise SolrError("Missing field parameter 'f' for %s query parser" % qtype)
            return TermQ(f, rest, "raw")
        if qtype == "prefix":
            f = params.get("f")
            if not f:
                raise SolrError("Missing field parameter 'f' for prefix query parser")
            return TermQ(f, re.escape(rest) + ".*", "wildcard")
        if qtype not in ("lucene", "edismax", "dismax"):
            raise SolrError("Unknown query parser '%s'" % qtype)
        s = rest
    if not s.strip():
        return MatchAll()
    return Parser(s, df, op).parse()


# ---------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------
def check_field(name):
    if name not in FTYPE:
        raise SolrError("undefined field %s" % name)
    return FTYPE[name]


def values_of(doc, field):
    if field == "text":
        toks = []
        for f in TEXT_SOURCES:
            v = doc.get(f)
            for x in (v if isinstance(v, list) else [v] if v is not None else []):
                toks.append(analyze(x))
        return toks  # list of token lists
    v = doc.get(field)
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def to_number(ftype, text):
    try:
        if ftype == I:
            if not re.fullmatch(r"[+-]?\d+", text.strip()):
                raise ValueError
            n = int(text)
            if not -2 ** 31 <= n < 2 ** 31:
                raise ValueError
            return n
        return float(text)
    except (ValueError, OverflowError):
        raise SolrError("Invalid Number: %s" % text)


def compile_node(node):
    """Return a function doc -> score (float) or None when not matching."""
    if isinstance(node, MatchAll):
        b = node.boost
        return lambda d: b
    if isinstance(node, BoolQ):
        parts = [(occ, compile_node(n)) for occ, n in node.clauses]
        must = [f for o, f in parts if o == "MUST"]
        should = [f for o, f in parts if o == "SHOULD"]
        nots = [f for o, f in parts if o == "NOT"]
        b = node.boost

        def boolf(d):
            score = 0.0
            for f in must:
                s = f(d)
                if s is None:
                    return None
                score += s
            for f in nots:
                if f(d) is not None:
                    return None
            matched = False
            for f in should:
                s = f(d)
                if s is not None:
                    score += s
                    matched = True
            if not must and should and not matched:
                return None
            if not must and not should:
                score = 1.0  # pure negative query: *:* minus the excluded docs
            return score * b
        return boolf
    field = node.field
    ftype = check_field(field)
    b = node.boost
    if isinstance(node, RangeQ):
        if ftype in (I, F):
            lo = to_number(ftype, node.lo) if node.lo is not None else None
            hi = to_number(ftype, node.hi) if node.hi is not None else None
        elif ftype == "text_general":
            lo = node.lo.lower() if node.lo is not None else None
            hi = node.hi.lower() if node.hi is not None else None
        else:
            lo, hi = node.lo, node.hi

        def inr(v):
            if lo is not None and (v < lo or (v == lo and not node.ilo)):
                return False
            if hi is not None and (v > hi or (v == hi and not node.ihi)):
                return False
            return True

        def rangef(d):
            vals = values_of(d, field)
            if ftype == "text_general":
                vals = [t for toks in vals for t in toks]
            return b if any(inr(v) for v in vals) else None
        return rangef
    kind = node.kind
    if kind == "exists":
        return lambda d: b if values_of(d, field) else None
    if ftype in (I, F):
        if kind == "wildcard":
            raise SolrError("Can't run prefix queries on numeric fields")
        num = to_number(ftype, node.text)
        return lambda d: b if any(v == num for v in values_of(d, field)) else None
    if ftype == "text_general":
        if kind == "wildcard":
            rx = re.compile(node.text, re.S | re.I)
            return lambda d: b if any(rx.fullmatch(t) for toks in values_of(d, field) for t in toks) else None
        qt = analyze(node.text)
        if not qt:
            return lambda d: None
        if kind == "phrase":
            n = len(qt)
            return lambda d: b if any(toks[i:i + n] == qt for toks in values_of(d, field)
                                      for i in range(len(toks) - n + 1)) else None

        def textf(d):
            alltoks = set(t for toks in values_of(d, field) for t in toks)
            hits = sum(1 for t in qt if t in alltoks)
            return b * hits if hits == len(qt) else None
        return textf
    # string (StrField): exact, case-sensitive
    if kind == "wildcard":
        rx = re.compile(node.text, re.S)
        return lambda d: b if any(rx.fullmatch(v) for v in values_of(d, field)) else None
    text = node.text
    return lambda d: b if text in values_of(d, field) else None


# ---------------------------------------------------------------------------
# request processing
# ---------------------------------------------------------------------------
class Params:
    def __init__(self, pairs):
        self.pairs = pairs

    def get(self, k, default=None):
        for kk, v in reversed(self.pairs):
            if kk == k:
                return v
        return default

    def getall(self, k):
        return [v for kk, v in self.pairs if kk == k]

    def getint(self, k, default):
        v = self.get(k)
        if v is None:
            return default
        try:
            if not re.fullmatch(r"\s*[+-]?\d+\s*", v):
                raise ValueError
            n = int(v)
            if not -2 ** 31 <= n < 2 ** 31:
                raise ValueError
            return n
        except ValueError:
            raise SolrError('For input string: "%s"' % v)

    def getbool(self, k, default=False):
        v = self.get(k)
        if v is None:
            return default
        return v.strip().lower() in ("true", "on", "yes", "1")

    def echo(self):
        out = {}
        for k, v in self.pairs:
            if k in out:
                if isinstance(out[k], list):
                    out[k].append(v)
                else:
                    out[k] = [out[k], v]
            else:
                out[k] = v
        return out


def parse_sort(spec):
    out = []
    spec = spec.strip()
    if not spec:
        return out
    for part in spec.split(","):
        p = part.strip()
        bits = p.split()
        if len(bits) != 2 or bits[1].lower() not in ("asc", "desc"):
            raise SolrError("Can't determine a Sort Order (asc or desc) in sort spec '%s', pos=%d" % (spec, len(spec)))
        f, direction = bits[0], bits[1].lower()
        if f not in ("score", "_docid_"):
            if f not in FTYPE:
                raise SolrError("sort param field can't be found: %s" % f)
            if MULTI[f]:
                raise SolrError("can not sort on multivalued field: %s of type: %s" % (f, FTYPE[f]))
        out.append((f, direction == "desc"))
    return out


def parse_fl(spec_list):
    """Return (include_all, names(list of (alias, field)), globs, want_score, want_docid)."""
    items = []
    for spec in spec_list:
        for tok in re.split(r"[\s,]+", spec.strip()):
            if tok:
                items.append(tok)
    if not items:
        items = ["*"]
    include_all, names, globs, score, docid = False, [], [], False, None
    for it in items:
        alias = None
        m = re.match(r"^([A-Za-z_][\w.-]*):(.+)$", it)
        if m:
            alias, it = m.group(1), m.group(2)
        if it == "*":
            include_all = True
        elif it == "score":
            score = alias or "score"
        elif it == "[docid]":
            docid = alias or "[docid]"
        elif it.startswith("[") and it.endswith("]"):
            raise SolrError("Unknown DocTransformer: %s" % it[1:-1].split()[0])
        elif "*" in it or "?" in it:
            globs.append(it)
        else:
            names.append((alias or it, it))
    return include_all, names, globs, score, docid


class Core:
    def __init__(self, docs):
        self.docs = docs
        self.by_id = {d["id"]: d for d in docs}

    def select(self, p):
        t0 = time.time()
        q = p.get("q")
        df = p.get("df", "text")
        op = (p.get("q.op", "OR") or "OR").upper()
        if op not in ("AND", "OR"):
            raise SolrError("Invalid q.op parameter: %s" % op)
        if df not in FTYPE:
            raise SolrError("undefined field %s" % df)
        start = p.getint("start", 0)
        rows = p.getint("rows", 10)  # Solr default rows=10 (the document states no paging)
        if start < 0:
            raise SolrError("'start' parameter cannot be negative")
        if rows < 0:
            raise SolrError("'rows' parameter cannot be negative")
        # freedom: a missing/blank q is taken as *:* (a handler default)
        qfun = compile_node(build_query(q if q is not None else "*:*", df, op))
        fqs = [compile_node(build_query(fq, df, op)) for fq in p.getall("fq") if fq.strip()]
        sort = parse_sort(p.get("sort", "") or "")
        fl = parse_fl(p.getall("fl"))
        cursor = p.get("cursorMark")
        matched = []
        for idx, d in enumerate(self.docs):
            s = qfun(d)
            if s is None:
                continue
            if any(f(d) is None for f in fqs):
                continue
            matched.append((idx, d, s))
        if not sort:
            # Solr: score desc, ties in index order (freedom: index order is shuffled)
            sort_keys = [("score", True)]
        else:
            sort_keys = sort
        if cursor is not None:
            if start != 0:
                raise SolrError("Cursor functionality requires start=0")
            if not any(f == UNIQUE_KEY for f, _ in sort):
                raise SolrError("Cursor functionality requires a sort containing a uniqueKey field tie breaker")
        ordered = self.order(matched, sort_keys)
        num = len(ordered)
        next_cursor = None
        if cursor is not None:
            if cursor != "*":
                try:
                    after = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
                    if not isinstance(after, list) or len(after) != len(sort_keys):
                        raise ValueError
                except Exception:
                    raise SolrError("Unable to parse 'cursorMark' after totem: value must either be '*' or the "
                                    "nextCursorMark returned by a previous search: %s" % cursor)
                pos = 0
                for i, (idx, d, s) in enumerate(ordered):
                    if self.cmp_key(self.key_values(idx, d, s, sort_keys), after, sort_keys) > 0:
                        pos = i
                        break
                else:
                    pos = len(ordered)
                page = ordered[pos:pos + rows]
            else:
                page = ordered[:rows]
            if page:
                idx, d, s = page[-1]
                next_cursor = base64.urlsafe_b64encode(
                    json.dumps(self.key_values(idx, d, s, sort_keys)).encode()).decode().rstrip("=")
            else:
                next_cursor = cursor
        else:
            page = ordered[start:start + rows] if rows else []
        max_score = max((s for _, _, s in matched), default=None)
        docs = [self.project(idx, d, s, fl) for idx, d, s in page]
        resp = {"numFound": num, "start": start}
        if fl[3]:
            resp["maxScore"] = float(max_score) if max_score is not None else 0.0
        resp["numFoundExact"] = True
        resp["docs"] = docs
        extra = {}
        if p.getbool("facet") :
            extra["facet_counts"] = self.facets(p, [(d) for _, d, _ in matched], df, op, p.get("json.nl", "flat"))
        if next_cursor is not None:
            extra["nextCursorMark"] = next_cursor
        return resp, extra, int((time.time() - t0) * 1000)

    @staticmethod
    def key_values(idx, d, s, sort_keys):
        out = []
        for f, _ in sort_keys:
            if f == "score":
                out.append(s)
            elif f == "_docid_":
                out.append(idx)
            else:
                out.append(d.get(f))
        return out

    @staticmethod
    def cmp_key(a, b, sort_keys):
        for (f, desc), x, y in zip(sort_keys, a, b):
            if x == y:
                continue
            # missing values sort last in both directions (sortMissingLast)
            if x is None:
                return 1
            if y is None:
                return -1
            try:
                c = -1 if x < y else 1
            except TypeError:
                c = -1 if str(x) < str(y) else 1
            return -c if desc else c
        return 0

    def order(self, matched, sort_keys):
        import functools

        def cmp(a, b):
            ka = self.key_values(*a, sort_keys)
            kb = self.key_values(*b, sort_keys)
            c = self.cmp_key(ka, kb, sort_keys)
            if c:
                return c
            return a[0] - b[0]  # ties: index order
        return sorted(matched, key=functools.cmp_to_key(cmp))

    @staticmethod
    def project(idx, d, s, fl):
        # fields come back in stored-document order (impc_images.txt:330-438)
        include_all, names, globs, score, docid = fl
        aliases = {}
        for alias, f in names:
            aliases.setdefault(f, []).append(alias)
        out = {}
        for f in FIELD_ORDER:
            if f not in d:
                continue
            if include_all or any(fnmatch.fnmatchcase(f, g) for g in globs):
                out[f] = d[f]
            for alias in aliases.get(f, []):
                out[alias] = d[f]
        if score:
            out[score] = float(s)
        if docid:
            out[docid] = idx
        return out

    def facets(self, p, matched, df, op, nl):
        ff = {}
        for spec in p.getall("facet.field"):
            lp = parse_local_params(spec) if spec.startswith("{!") else None
            field = lp[2].strip() if lp else spec.strip()
            key = lp[1].get("key", field) if lp else field
            check_field(field)

            def fp(name, default, conv=str):
                v = p.get("f.%s.%s" % (field, name), p.get(name))
                if v is None:
                    return default
                try:
                    return conv(v)
                except ValueError:
                    raise SolrError('For input string: "%s"' % v)
            limit = fp("facet.limit", 100, int)
            mincount = fp("facet.mincount", 0, int)
            offset = fp("facet.offset", 0, int)
            prefix = fp("facet.prefix", None)
            fsort = fp("facet.sort", "count" if limit > 0 else "index")
            missing = fp("facet.missing", "false").lower() in ("true", "on")
            counts = {}
            universe = set()

            def terms(d):
                vals = values_of(d, field)
                if field == "text":
                    return set(t for toks in vals for t in toks)
                return set(vals)
            for d in self.docs:
                universe |= terms(d)
            for d in matched:
                for t in terms(d):
                    counts[t] = counts.get(t, 0) + 1
            items = [(t, counts.get(t, 0)) for t in universe]
            if prefix is not None:
                items = [(t, c) for t, c in items if str(t).startswith(prefix)]
            items = [(t, c) for t, c in items if c >= mincount]
            if fsort == "index":
                items.sort(key=lambda x: x[0])
            else:
                items.sort(key=lambda x: (-x[1], x[0]))
            items = items[offset:]
            if limit >= 0:
                items = items[:limit]
            items = [(str(t) if not isinstance(t, float) else repr(t), c) for t, c in items]
            if missing:
                items.append((None, sum(1 for d in matched if not values_of(d, field))))
            if nl == "map":
                ff[key] = {("" if t is None else t): c for t, c in items}
            elif nl in ("arrarr", "arrmap"):
                ff[key] = [[t, c] for t, c in items] if nl == "arrarr" else [{t: c} for t, c in items]
            else:
                flat = []
                for t, c in items:
                    flat += [t, c]
                ff[key] = flat
        fq = {}
        for spec in p.getall("facet.query"):
            f = compile_node(build_query(spec, df, op))
            fq[spec] = sum(1 for d in matched if f(d) is not None)
        return {"facet_queries": fq, "facet_fields": ff, "facet_ranges": {}, "facet_intervals": {},
                "facet_heatmaps": {}}


# ---------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------
def xml_value(name, v):
    attr = " name=%s" % quoteattr(name) if name is not None else ""
    if isinstance(v, bool):
        return "<bool%s>%s</bool>" % (attr, "true" if v else "false")
    if isinstance(v, int):
        return "<int%s>%d</int>" % (attr, v) if -2 ** 31 <= v < 2 ** 31 else "<long%s>%d</long>" % (attr, v)
    if isinstance(v, float):
        return "<double%s>%r</double>" % (attr, v)
    if v is None:
        return "<null%s/>" % attr
    if isinstance(v, list):
        return "<arr%s>%s</arr>" % (attr, "".join(xml_value(None, x) for x in v))
    if isinstance(v, dict):
        return "<lst%s>%s</lst>" % (attr, "".join(xml_value(k, x) for k, x in v.items()))
    return "<str%s>%s</str>" % (attr, xesc(str(v)))


def to_xml(header, resp, extra, error=None):
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<response>\n']
    if header is not None:
        out.append(xml_value("responseHeader", header) + "\n")
    if error is not None:
        out.append(xml_value("error", error) + "\n")
    if resp is not None:
        attrs = ' numFound="%d" start="%d"' % (resp["numFound"], resp["start"])
        if "maxScore" in resp:
            attrs += ' maxScore="%r"' % resp["maxScore"]
        attrs += ' numFoundExact="true"'
        out.append('<result name="response"%s>\n' % attrs)
        for d in resp["docs"]:
            out.append("  <doc>" + "".join(xml_value(k, v) for k, v in d.items()) + "</doc>\n")
        out.append("</result>\n")
    for k, v in (extra or {}).items():
        out.append(xml_value(k, v) + "\n")
    out.append("</response>\n")
    return "".join(out).encode("utf-8")


def to_csv(resp, fl_fields):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = fl_fields
    w.writerow(cols)
    for d in resp["docs"]:
        w.writerow([",".join(str(x) for x in d[c]) if isinstance(d.get(c), list) else ("" if c not in d else d[c])
                    for c in cols])
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    core = None
    counter = [0]
    lock = threading.Lock()

    def version_string(self):
        return "Jetty(9.4.48.v20220622)"  # freedom: extra header value

    def log_message(self, fmt, *args):
        pass

    def send_body(self, status, body, ctype, extra_headers=()):
        headers = [("Content-Type", ctype), ("X-Request-Id", uuid.uuid4().hex), ("Vary", "Accept-Encoding"),
                   ("Cache-Control", "no-cache, no-store")]
        # freedom: gzip when the client accepts it
        if "gzip" in (self.headers.get("Accept-Encoding") or "").lower() and len(body) > 64:
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
        headers += list(extra_headers)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def not_found(self):
        # freedom: Jetty-style HTML 404 for unknown paths (no body documented)
        body = ("<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n"
                "<title>Error 404 Not Found</title>\n</head>\n<body><h2>HTTP ERROR 404 Not Found</h2>\n"
                "<table>\n<tr><th>URI:</th><td>%s</td></tr>\n<tr><th>STATUS:</th><td>404</td></tr>\n"
                "</table>\n</body>\n</html>\n" % xesc(urllib.parse.urlsplit(self.path).path)).encode()
        self.send_body(404, body, "text/html;charset=utf-8")

    def read_body(self):
        n = self.headers.get("Content-Length")
        try:
            n = int(n) if n else 0
        except ValueError:
            n = 0
        if n < 0 or n > 8 * 1024 * 1024:
            return None
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.handle_any(b"")

    do_HEAD = do_GET

    def do_POST(self):
        body = self.read_body()
        if body is None:
            return self.send_body(413, b"Request too large", "text/plain;charset=utf-8")
        self.handle_any(body)

    def do_other(self):
        self.read_body()
        self.send_body(405, b"<html><body><h2>HTTP ERROR 405 Method Not Allowed</h2></body></html>",
                       "text/html;charset=utf-8", [("Allow", "GET, HEAD, POST")])

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_other

    def handle_any(self, body):
        try:
            self.dispatch(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as e:  # never 5xx
            try:
                self.send_body(400, ("Bad request: %s" % type(e).__name__).encode(), "text/plain;charset=utf-8")
            except Exception:
                pass

    def dispatch(self, body):
        u = urllib.parse.urlsplit(self.path)
        path = re.sub(r"/{2,}", "/", u.path)
        pairs = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
        if self.command == "POST" and body:
            ctype = (self.headers.get("Content-Type") or "").lower()
            if "application/x-www-form-urlencoded" in ctype or not ctype:
                try:
                    pairs += urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
                except UnicodeDecodeError:
                    pass
        p = Params(pairs)
        m = re.match(r"^(?:/(?:solr|mi/impc/solr))?(?:/impc_images)?/(select|query)/?$", path)
        if m:
            # freedom: occasional small delay on result pages
            with self.lock:
                self.counter[0] += 1
                n = self.counter[0]
            if n % 5 == 0:
                time.sleep(0.025)
            return self.do_select(p)
        if re.match(r"^(?:/solr)?(?:/impc_images)?/get/?$", path):
            return self.do_get(p)
        if re.match(r"^(?:/solr)?(?:/impc_images)?/admin/ping/?$", path):
            return self.write(p, {"responseHeader": self.header(p, 0, 0), "status": "OK"})
        m = re.match(r"^(?:/solr)?(?:/impc_images)?/schema/fields(?:/([^/]+))?/?$", path)
        if m:
            return self.do_fields(p, m.group(1))
        m = re.match(r"^(?:/solr)?(?:/impc_images)?/schema/uniquekey/?$", path)
        if m:
            return self.write(p, {"responseHeader": self.header(p, 0, 0, echo=False), "uniqueKey": UNIQUE_KEY})
        return self.not_found()

    def header(self, p, status, qtime, echo=True):
        h = {"status": status, "QTime": qtime}
        mode = (p.get("echoParams", "explicit") or "explicit").lower()
        if echo and mode != "none":
            params = p.echo()
            if mode == "all":
                for k, v in (("df", "text"), ("q.op", "OR"), ("rows", "10"), ("echoParams", "all")):
                    params.setdefault(k, v)
            h["params"] = params
        return h

    def write(self, p, obj, status=200):
        txt = json.dumps(obj, indent=2, ensure_ascii=False) if self.indent(p) else \
            json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
        wrf = p.get("json.wrf")
        if wrf and re.fullmatch(r"[A-Za-z_$][\w$.]*", wrf):
            return self.send_body(status, ("%s(%s)" % (wrf, txt)).encode("utf-8"), "text/javascript;charset=utf-8")
        # impc_images.txt:327-328 200 OK, Content-Type: application/json
        self.send_body(status, (txt + "\n").encode("utf-8"), "application/json;charset=utf-8")

    @staticmethod
    def indent(p):
        # freedom: Solr 7+ indents by default; indent=false/off gives compact JSON
        v = p.get("indent")
        return True if v is None else v.strip().lower() in ("true", "on", "yes", "1", "")

    def error(self, p, e, wt):
        err = {"metadata": ["error-class", "org.apache.solr.common.SolrException",
                            "root-error-class", "org.apache.solr.common.SolrException"],
               "msg": e.msg, "code": e.code}
        header = self.header(p, e.code, 0)
        if wt == "xml":
            return self.send_body(e.code, to_xml(header, None, None, err), "application/xml;charset=utf-8")
        self.write(p, {"responseHeader": header, "error": err}, e.code)

    def do_select(self, p):
        wt = (p.get("wt", "json") or "json").lower()
        try:
            resp, extra, qtime = self.core.select(p)
        except SolrError as e:
            return self.error(p, e, wt)
        except RecursionError:
            return self.error(p, SolrError("org.apache.solr.search.SyntaxError: query too deeply nested"), wt)
        omit = p.getbool("omitHeader")
        header = None if omit else self.header(p, 0, qtime)
        if wt == "xml":
            return self.send_body(200, to_xml(header, resp, extra), "application/xml;charset=utf-8")
        if wt == "csv":
            fl = parse_fl(p.getall("fl"))
            cols = []
            if fl[0]:
                cols = [f for f in FIELD_ORDER if any(f in d for d in resp["docs"])]
            cols += [a for a, _ in fl[1] if a not in cols]
            return self.send_body(200, to_csv(resp, cols), "text/plain;charset=utf-8")
        # freedom: any other wt falls back to the default JSON writer (as Solr does)
        out = {}
        if header is not None:
            out["responseHeader"] = header
        out["response"] = resp
        out.update(extra)
        self.write(p, out)

    def do_get(self, p):
        ids = []
        for v in p.getall("id") + p.getall("ids"):
            ids += [x for x in v.split(",") if x]
        fl = parse_fl(p.getall("fl"))
        docs = []
        for i in ids:
            d = self.core.by_id.get(i)
            if d is not None:
                docs.append(Core.project(0, d, 1.0, fl))
        if len(p.getall("id")) == 1 and not p.getall("ids") and "," not in p.get("id"):
            return self.write(p, {"doc": docs[0] if docs else None})
        self.write(p, {"response": {"numFound": len(docs), "start": 0, "numFoundExact": True, "docs": docs}})

    def do_fields(self, p, name):
        def desc(f):
            d = {"name": f, "type": FTYPE[f], "indexed": True, "stored": f != "text"}
            if MULTI[f]:
                d["multiValued"] = True
            if f == UNIQUE_KEY:
                d["required"] = True
            return d
        header = self.header(p, 0, 0, echo=False)
        if name is not None:
            if name not in FTYPE:
                return self.write(p, {"responseHeader": {"status": 404, "QTime": 0},
                                      "error": {"metadata": ["error-class", "org.apache.solr.common.SolrException",
                                                             "root-error-class", "org.apache.solr.common.SolrException"],
                                                "msg": "No such path /schema/fields/%s" % name, "code": 404}}, 404)
            return self.write(p, {"responseHeader": header, "field": desc(name)})
        self.write(p, {"responseHeader": header, "fields": [desc(f) for f in FIELD_ORDER + ["text"]]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--records", type=int, default=45)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    Handler.core = Core(generate(a.seed, max(1, a.records)))
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    print("listening on http://127.0.0.1:%d" % srv.server_address[1])
    sys.stdout.flush()

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
