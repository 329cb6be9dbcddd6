#!/usr/bin/env python3
"""Independent reference server for the IDR (Image Data Resource) web API.

Built only from /work/shared/docs/idr.txt (cited below as idr.txt:LINE).
Standard library only.

    python3 tests/servers/idr.py [--port 0] [--records N] [--seed S]

Prints `listening on http://127.0.0.1:PORT` first.  idr.txt states no
credentials: the site is public; the index page (idr.txt:13-25) only opens a
session (sessionid/csrftoken cookies are handed out, never required).
"""
import argparse
import gzip
import html
import io
import json
import random
import re
import signal
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OWNER_ID = 52  # freedom: id of the public data owner
EXPERIMENTER = {"id": OWNER_ID, "omeName": "idr-public", "firstName": "IDR",
                "lastName": "Public", "email": ""}
PERMS = {"canAnnotate": False, "canDelete": False, "canEdit": False, "canLink": False}

# ---------------------------------------------------------------------------
# tiny baseline JPEG encoder (grayscale, one grey per 8x8 block)
# idr.txt:97-112 thumbnails are downloaded as image bytes ("images are images")
# ---------------------------------------------------------------------------


def _huff_codes(bits, vals):
    codes, code, k = {}, 0, 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[vals[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


_DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
_DC_VALS = list(range(12))
_AC_BITS = [1] + [0] * 15
_AC_VALS = [0x00]
_DC = _huff_codes(_DC_BITS, _DC_VALS)
_AC = _huff_codes(_AC_BITS, _AC_VALS)


def tiny_jpeg(width, height, shade):
    width = max(1, min(int(width), 4096))
    height = max(1, min(int(height), 4096))
    out = bytearray(b"\xff\xd8")
    out += b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    out += b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([8] * 64)
    out += b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    out += b"\xff\xc4" + struct.pack(">H", 19 + len(_DC_VALS)) + b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALS)
    out += b"\xff\xc4" + struct.pack(">H", 19 + len(_AC_VALS)) + b"\x10" + bytes(_AC_BITS) + bytes(_AC_VALS)
    out += b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\x00\x3f\x00"
    bw, bh = (width + 7) // 8, (height + 7) // 8
    data = bytearray()
    state = [0, 0]  # acc, nbits

    def put(v, n):
        acc, nbits = state
        acc = (acc << n) | (v & ((1 << n) - 1))
        nbits += n
        while nbits >= 8:
            nbits -= 8
            b = (acc >> nbits) & 0xFF
            data.append(b)
            if b == 0xFF:
                data.append(0)
        acc &= (1 << nbits) - 1
        state[0], state[1] = acc, nbits

    pred = 0
    eob_code, eob_len = _AC[0]
    for by in range(bh):
        for bx in range(bw):
            q = max(-127, min(127, int(shade(bx, by, bw, bh)) - 128))
            diff, pred = q - pred, q
            cat = abs(diff).bit_length()
            c, ln = _DC[cat]
            put(c, ln)
            if cat:
                put(diff if diff > 0 else diff - 1, cat)
            put(eob_code, eob_len)
    if state[1]:
        pad = 8 - state[1]
        put((1 << pad) - 1, pad)
    out += data + b"\xff\xd9"
    return bytes(out)


def image_jpeg(image, w, h):
    seed = image["id"]
    base = 30 + (seed * 37) % 90

    def shade(bx, by, bw, bh):
        # a few bright "cells" on a dark background, deterministic per image
        v = base
        for k in range(4):
            cx = ((seed >> (k * 3)) * (k + 5)) % max(bw, 1)
            cy = ((seed >> (k * 2)) * (k + 3)) % max(bh, 1)
            if abs(bx - cx) + abs(by - cy) <= max(1, bw // 8):
                v = 200 + 10 * k
        return v
    return tiny_jpeg(w, h, shade)


# ---------------------------------------------------------------------------
# seed data
# ---------------------------------------------------------------------------

HUMAN_GENES = [
    ("CDC20", "ENSG00000117399"), ("PLK1", "ENSG00000166851"), ("KIF11", "ENSG00000138160"),
    ("AURKB", "ENSG00000178999"), ("CCNB1", "ENSG00000134057"), ("BUB1", "ENSG00000169679"),
    ("MAD2L1", "ENSG00000164109"), ("TPX2", "ENSG00000088325"), ("INCENP", "ENSG00000149503"),
    ("NCAPD2", "ENSG00000010292"), ("SMC4", "ENSG00000113810"), ("ESPL1", "ENSG00000135476"),
    ("ECT2", "ENSG00000114346"), ("PRC1", "ENSG00000198901"), ("NDC80", "ENSG00000080986"),
    ("CENPE", "ENSG00000138778"), ("RACGAP1", "ENSG00000161800"), ("KIF23", "ENSG00000137807"),
    ("TOP2A", "ENSG00000131747"), ("CDK1", "ENSG00000170312"),
]
YEAST_GENES = [
    ("CDC20", "YGL116W"), ("CDC28", "YBR160W"), ("CLN3", "YAL040C"), ("WHI5", "YOR083W"),
    ("SWI4", "YER111C"), ("MBP1", "YDL056W"), ("CLB2", "YPR119W"), ("SIC1", "YLR079W"),
]
PHENOTYPES = [
    ("prometaphase arrest", "CMPO_0000212"), ("binuclear cell", "CMPO_0000213"),
    ("increased nuclear size", "CMPO_0000140"), ("abnormal chromosome condensation", "CMPO_0000307"),
    ("apoptotic cell", "CMPO_0000028"), ("polylobed nucleus", "CMPO_0000226"),
]
COMPOUNDS = ["Nocodazole", "Taxol", "Monastrol", "Blebbistatin", "Latrunculin B", "DMSO",
             "Brefeldin A", "Cytochalasin D", "Staurosporine", "Colchicine"]

# screen definitions; plate counts are fractions of --records (freedom: sizes)
SCREEN_DEFS = [
    # idr.txt:32 the document's own example screen_id = 102
    dict(id=102, name="idr0002-heriche-condensation/screenA", kind="sirna", rows=8, cols=12,
         fields=2, share=0.125, organism="Homo sapiens", cell="HeLa", genes=HUMAN_GENES,
         prefix="plate{a}_{b}_{c:03d}", size=(1344, 1024, 2), study="Integration of biological data by kernels on graph nodes allows prediction of new genes involved in mitotic chromosome condensation",
         pubmed="24943848", doi="10.1091/mbc.E13-04-0221", year="2016-05-25"),
    dict(id=206, name="idr0012-fuchs-cellmorph/screenA", kind="sirna", rows=16, cols=24,
         fields=2, share=0.075, organism="Homo sapiens", cell="HeLa", genes=HUMAN_GENES,
         prefix="HT{c:02d}-{a}{b}", size=(1024, 1024, 3), study="Clustering phenotype populations by genome-wide RNAi and multiparametric imaging",
         pubmed="20531400", doi="10.1038/msb.2010.25", year="2016-07-21"),
    dict(id=253, name="idr0033-rohban-pathways/screenA", kind="orf", rows=8, cols=12,
         fields=3, share=0.2, organism="Homo sapiens", cell="U2OS", genes=HUMAN_GENES,
         prefix="{c:05d}", size=(696, 520, 5), study="Systematic morphological profiling of human gene and allele function via Cell Painting",
         pubmed="28315521", doi="10.7554/eLife.24060", year="2017-08-09"),
    dict(id=1101, name="idr0040-aymoz-singlecell/screenA", kind="yeast", rows=4, cols=6,
         fields=4, share=0.25, organism="Saccharomyces cerevisiae", cell=None, genes=YEAST_GENES,
         prefix="plate{c:02d}_{a}", size=(512, 512, 2), study="Timing of gene expression in a cell-fate decision system",
         pubmed="29717105", doi="10.15252/msb.20178024", year="2018-06-05"),
    dict(id=1202, name="idr0064-fischer-candidates/screenB", kind="compound", rows=8, cols=12,
         fields=1, share=None, organism="Homo sapiens", cell="MCF-7", genes=None,
         prefix="SB{c:03d}_{a}{b}", size=(640, 480, 4), study="Sequential compound screening for candidate modulators of the cytoskeleton",
         pubmed="31171715", doi="10.1038/s41592-019-0403-1", year="2019-08-13"),
    # freedom: a screen with no plates at all (an empty collection)
    dict(id=1351, name="idr0071-feng-mitochondria/screenA", kind="empty", rows=8, cols=12,
         fields=1, share=0.0, organism="Homo sapiens", cell="HeLa", genes=None,
         prefix="X{c}", size=(512, 512, 1), study="Mitochondrial morphology screen (plates not yet released)",
         pubmed="", doi="", year="2019-11-01"),
]

MAPR = {  # idr.txt:138-179 mapr keys (gene is the document's example key)
    "gene": ("openmicroscopy.org/mapr/gene", ["Gene Symbol", "Gene Identifier"]),
    "sirna": ("openmicroscopy.org/mapr/sirna", ["siRNA Identifier", "siRNA Pool Identifier"]),
    "phenotype": ("openmicroscopy.org/mapr/phenotype", ["Phenotype", "Phenotype Term Accession"]),
    "compound": ("openmicroscopy.org/mapr/compound", ["Compound Name"]),
    "organism": ("openmicroscopy.org/mapr/organism", ["Organism"]),
    "cellline": ("openmicroscopy.org/mapr/cell_line", ["Cell Line"]),
}
BULK_NS = "openmicroscopy.org/omero/bulk_annotations"
STUDY_NS = "idr.openmicroscopy.org/study/info"
CLIENT_NS = "openmicroscopy.org/omero/client/mapAnnotation"


def row_label(r):
    s = ""
    r += 1
    while r:
        r, m = divmod(r - 1, 26)
        s = chr(65 + m) + s
    return s


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class World:
    def __init__(self, seed, records):
        self.rnd = random.Random(seed)
        self.records = max(5, records)
        self.screens, self.plates, self.wells, self.images = {}, {}, {}, {}
        self.projects, self.datasets = {}, {}
        self.anns = {}          # ann id -> annotation dict (without link)
        self.links = {}         # (class, id) -> list of (ann_id, link_id)
        self.files = {}         # ann id -> (bytes, filename, content-type)
        self.tables = {}        # screen id -> table dict
        self.table_by_file = {}  # original file id -> screen id
        self.mapr = {}          # (key, value lower) -> {"images": set, "wells": set}
        # freedom: annotation/link/file ids in their own ranges
        self._next = {"ann": 2987100, "link": 7100300, "file": 4410200}
        self.build()

    def nid(self, kind, gap=(1, 4)):
        self._next[kind] += self.rnd.randint(*gap)
        return self._next[kind]

    def link(self, ann_id, cls, oid):
        self.links.setdefault((cls, oid), []).append((ann_id, self.nid("link", (1, 3))))

    def add_map(self, ns, values, parents, date):
        aid = self.nid("ann")
        self.anns[aid] = {"id": aid, "ns": ns, "class": "MapAnnotationI", "description": None,
                          "date": iso(date), "values": [list(kv) for kv in values]}
        for cls, oid in parents:
            self.link(aid, cls, oid)
        for key, (mns, keys) in MAPR.items():
            if mns == ns:
                for k, v in values:
                    if k in keys:
                        ent = self.mapr.setdefault((key, v.lower()), {"wells": set(), "images": set()})
                        for cls, oid in parents:
                            if cls == "well":
                                ent["wells"].add(oid)
                            elif cls == "image":
                                ent["images"].add(oid)
        return aid

    def build(self):
        rnd = self.rnd
        n = self.records
        counts = {}
        used = 0
        for sd in SCREEN_DEFS:
            if sd["share"] is None:
                continue
            c = 0 if sd["kind"] == "empty" else max(1, round(n * sd["share"]))
            counts[sd["id"]] = c
            used += c
        for sd in SCREEN_DEFS:
            if sd["share"] is None:
                counts[sd["id"]] = max(1, n - used)
        # freedom: ids are non-contiguous, in separate ranges per kind
        plate_id = 400
        well_id = 590120
        image_id = 1230000
        t0 = 1458000000
        for si, sd in enumerate(SCREEN_DEFS):
            sid = sd["id"]
            date = t0 + si * 86400 * 47
            scr = {"id": sid, "name": sd["name"], "description": "Publication Title\n" + sd["study"],
                   "plates": [], "def": sd, "date": date}
            self.screens[sid] = scr
            # study map annotation (idr.txt:29-44)
            vals = [("Study Title", sd["study"]), ("Study Type", "high content screen"),
                    ("Screen Type", {"sirna": "primary screen", "orf": "primary screen",
                                     "yeast": "primary screen", "compound": "secondary screen",
                                     "empty": "primary screen"}[sd["kind"]]),
                    ("Screen Technology Type", {"sirna": "RNAi screen", "orf": "gene overexpression screen",
                                                "yeast": "protein screen", "compound": "compound screen",
                                                "empty": "RNAi screen"}[sd["kind"]]),
                    ("Imaging Method", "fluorescence microscopy"),
                    ("Organism", sd["organism"])]
            if sd["pubmed"]:
                vals += [("Publication Title", sd["study"]),
                         ("PubMed ID", sd["pubmed"] + " https://www.ncbi.nlm.nih.gov/pubmed/" + sd["pubmed"]),
                         ("Publication DOI", sd["doi"] + " https://doi.org/" + sd["doi"])]
            vals += [("Release Date", sd["year"]),
                     ("License", "CC BY 4.0 https://creativecommons.org/licenses/by/4.0/"),
                     ("Data DOI", "10.17867/10000%03d" % (si + 101))]
            self.add_map(STUDY_NS, vals, [("screen", sid)], date)
            if sid == 102:
                # freedom: a second map annotation with another namespace
                self.add_map(CLIENT_NS, [("Sample Type", "cell"), ("Screen Size", "%d plates" % counts[sid])],
                             [("screen", sid)], date + 60)
            if sd["kind"] in ("sirna", "orf"):
                aid = self.nid("ann")
                self.anns[aid] = {"id": aid, "ns": None, "class": "TagAnnotationI", "description": None,
                                  "date": iso(date + 120), "textValue": "Mitosis"}
                self.link(aid, "screen", sid)
            # plates
            for pi in range(counts[sid]):
                plate_id += rnd.randint(1, 9)
                pname = sd["prefix"].format(a=rnd.randint(1, 9), b=rnd.randint(1, 4), c=rnd.randint(1, 300))
                while any(self.plates[p]["name"] == pname for p in scr["plates"]):
                    pname += "b"
                plate = {"id": plate_id, "name": pname, "screen": sid, "rows": sd["rows"],
                         "cols": sd["cols"], "fields": sd["fields"], "wells": {},
                         "acquisitions": [], "date": date + 3600 * (pi + 1)}
                for k in range(rnd.choice([1, 1, 1, 0, 2])):
                    plate["acquisitions"].append({"id": 25000 + plate_id * 3 + k,
                                                  "name": "Run %d" % (8000 + plate_id * 3 + k)})
                self.plates[plate_id] = plate
                scr["plates"].append(plate_id)
                force_cdc20 = sd["genes"] is not None and pi % 2 == 0
                for r in range(sd["rows"]):
                    for c in range(sd["cols"]):
                        if (r or c) and rnd.random() < 0.04:
                            continue  # freedom: some empty wells (None in the grid)
                        well_id += rnd.randint(1, 3)
                        nf = sd["fields"]
                        if nf > 1 and (r or c) and rnd.random() < 0.06:
                            nf = 1  # freedom: a few wells with fewer fields
                        well = {"id": well_id, "plate": plate_id, "row": r, "column": c,
                                "images": [], "annotations": {}}
                        self.wells[well_id] = well
                        plate["wells"][(r, c)] = well_id
                        for f in range(nf):
                            image_id += rnd.randint(1, 2)
                            w, h, ch = sd["size"]
                            self.images[image_id] = {
                                "id": image_id, "name": "%s [Well %s%d, Field %d]" % (pname, row_label(r), c + 1, f + 1),
                                "well": well_id, "field": f, "dataset": None, "sizeX": w, "sizeY": h,
                                "sizeC": ch, "sizeZ": 1, "sizeT": 1, "date": plate["date"] + f,
                                "fileset": 60000 + plate_id}
                            well["images"].append(image_id)
                        self._well_annotations(sd, plate, well, rnd, force_cdc20 and r == 1 and c == 2)
            self._bulk(scr)
        self._projects()

    def _well_annotations(self, sd, plate, well, rnd, force_cdc20):
        parents = [("well", well["id"])] + [("image", i) for i in well["images"]]
        info = {"control": "", "gene": None, "sirna": None, "phenotype": None, "compound": None}
        date = plate["date"] + 600
        kind = sd["kind"]
        if kind in ("sirna", "orf", "yeast"):
            if not force_cdc20 and rnd.random() < 0.06:
                info["control"] = "negative control"
            else:
                sym, ident = sd["genes"][0] if force_cdc20 or rnd.random() < 0.003 else rnd.choice(sd["genes"])
                info["gene"] = (sym, ident)
                url = ("http://www.ensembl.org/id/" if ident.startswith("ENSG")
                       else "https://www.yeastgenome.org/locus/") + ident
                self.add_map(MAPR["gene"][0], [("Gene Identifier", ident), ("Gene Identifier URL", url),
                                               ("Gene Symbol", sym)], parents, date)
                if kind == "sirna":
                    sir = "s%05d" % rnd.randint(1000, 99999)
                    info["sirna"] = sir
                    self.add_map(MAPR["sirna"][0], [("siRNA Identifier", sir),
                                                    ("siRNA Pool Identifier", "L-%06d" % rnd.randint(1, 999999))],
                                 parents, date)
                if rnd.random() < 0.3:
                    ph, acc = rnd.choice(PHENOTYPES)
                    info["phenotype"] = (ph, acc)
                    self.add_map(MAPR["phenotype"][0], [("Phenotype", ph), ("Phenotype Term Name", ph),
                                                        ("Phenotype Term Accession", acc),
                                                        ("Phenotype Term Accession URL", "http://www.ebi.ac.uk/cmpo/" + acc)],
                                 parents, date)
        elif kind == "compound":
            comp = rnd.choice(COMPOUNDS)
            info["compound"] = comp
            if comp == "DMSO":
                info["control"] = "negative control"
            self.add_map(MAPR["compound"][0], [("Compound Name", comp),
                                               ("Compound Concentration (microMolar)", str(rnd.choice([1, 5, 10, 20])))],
                         parents, date)
        self.add_map(MAPR["organism"][0], [("Organism", sd["organism"])], parents, date)
        if sd["cell"]:
            self.add_map(MAPR["cellline"][0], [("Cell Line", sd["cell"])], parents, date)
        well["info"] = info

    def _bulk(self, scr):
        sd = scr["def"]
        if not scr["plates"]:
            return  # freedom: the empty screen has no bulk annotation / files
        cols = [("Plate", "PlateColumn"), ("Well", "WellColumn"), ("Plate Name", "StringColumn"),
                ("Well Name", "StringColumn"), ("Characteristics [Organism]", "StringColumn"),
                ("Control Type", "StringColumn")]
        if sd["kind"] in ("sirna", "orf", "yeast"):
            cols += [("Gene Identifier", "StringColumn"), ("Gene Symbol", "StringColumn")]
        if sd["kind"] == "sirna":
            cols += [("siRNA Identifier", "StringColumn")]
        if sd["kind"] == "compound":
            cols += [("Compound Name", "StringColumn")]
        if sd["kind"] != "compound":
            cols += [("Phenotype", "StringColumn"), ("Phenotype Term Accession", "StringColumn")]
        cols += [("Number Of Images", "LongColumn"), ("Cell Count", "LongColumn"), ("Score", "DoubleColumn")]
        rows = []
        for pid in scr["plates"]:
            plate = self.plates[pid]
            for (r, c), wid in sorted(plate["wells"].items()):
                well = self.wells[wid]
                info = well["info"]
                row = [pid, wid, plate["name"], "%s%d" % (row_label(r), c + 1), sd["organism"], info["control"]]
                if sd["kind"] in ("sirna", "orf", "yeast"):
                    g = info["gene"] or ("", "")
                    row += [g[1], g[0]]
                if sd["kind"] == "sirna":
                    row += [info["sirna"] or ""]
                if sd["kind"] == "compound":
                    row += [info["compound"]]
                if sd["kind"] != "compound":
                    p = info["phenotype"] or ("", "")
                    row += [p[0], p[1]]
                row += [len(well["images"]), 40 + (wid * 7919) % 460, round(((wid * 104729) % 2000) / 1000.0 - 1.0, 3)]
                rows.append(row)
        # bulk_annotations table file annotation (idr.txt:114-136)
        date = scr["date"] + 7200
        aid = self.nid("ann")
        fid = self.nid("file")
        csv_bytes = to_csv([c for c, _ in cols], rows)
        self.anns[aid] = {"id": aid, "ns": BULK_NS, "class": "FileAnnotationI", "description": None,
                          "date": iso(date),
                          "file": {"id": fid, "name": "bulk_annotations", "size": len(csv_bytes),
                                   "path": "/", "mimetype": "OMERO.tables"}}
        self.files[aid] = (csv_bytes, "bulk_annotations", "application/octet-stream")
        self.link(aid, "screen", scr["id"])
        self.tables[scr["id"]] = {"columns": cols, "rows": rows, "file": fid, "ann": aid, "screen": scr["id"]}
        self.table_by_file[fid] = scr["id"]
        if sd["kind"] != "compound":
            # freedom: an original CSV next to the table, for most screens
            aid2 = self.nid("ann")
            fid2 = self.nid("file")
            name = sd["name"].split("/")[0] + "-" + sd["name"].split("/")[1] + "-annotation.csv"
            csv2 = to_csv(["Plate", "Well", "Characteristics [Organism]", "Control Type"],
                          [[self.plates[r[0]]["name"], r[3], r[4], r[5]] for r in rows])
            self.anns[aid2] = {"id": aid2, "ns": "openmicroscopy.org/idr/analysis/original",
                               "class": "FileAnnotationI", "description": "original submitted annotation file",
                               "date": iso(date + 30),
                               "file": {"id": fid2, "name": name, "size": len(csv2), "path": "/",
                                        "mimetype": "text/csv"}}
            self.files[aid2] = (csv2, name, "text/csv")
            self.link(aid2, "screen", scr["id"])

    def _projects(self):
        rnd = self.rnd
        defs = [
            (101, "idr0021-lawo-pericentriolarmaterial/experimentA",
             [(51, "CDK5RAP2-C"), (54, "CEP152"), (58, "CDC20"), (61, "CEP192"), (67, "PCNT")]),
            (752, "idr0050-springer-cytoskeleton/experimentA", [(1201, "KIF11"), (1207, "unreleased")]),
        ]
        genes = dict(HUMAN_GENES)
        img = 3491000
        for pid, pname, dss in defs:
            self.projects[pid] = {"id": pid, "name": pname, "datasets": [d for d, _ in dss]}
            self.add_map(STUDY_NS, [("Study Title", "Study of " + pname.split("/")[0]),
                                    ("Study Type", "protein localization"),
                                    ("Imaging Method", "structured illumination microscopy")],
                         [("project", pid)], 1470000000)
            for did, dname in dss:
                ds = {"id": did, "name": dname, "project": pid, "images": []}
                self.datasets[did] = ds
                count = 0 if dname == "unreleased" else rnd.randint(3, 8)
                for k in range(count):
                    img += rnd.randint(1, 5)
                    self.images[img] = {"id": img, "name": "%s_%02d.ome.tif" % (dname, k + 1), "well": None,
                                        "field": None, "dataset": did, "sizeX": 1024, "sizeY": 1024,
                                        "sizeC": 3, "sizeZ": 9, "sizeT": 1, "date": 1470000000 + k,
                                        "fileset": 90000 + img}
                    ds["images"].append(img)
                    sym = dname.split("-")[0]
                    parents = [("image", img)]
                    if sym in genes:
                        self.add_map(MAPR["gene"][0], [("Gene Identifier", genes[sym]),
                                                       ("Gene Symbol", sym)], parents, 1470000100)
                    self.add_map(MAPR["organism"][0], [("Organism", "Homo sapiens")], parents, 1470000100)
                    self.add_map(MAPR["cellline"][0], [("Cell Line", "HeLa")], parents, 1470000100)


def to_csv(header, rows):
    import csv
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------
# table query language (idr.txt:116 "query=Well-{well_id}")
# ---------------------------------------------------------------------------

class QueryError(Exception):
    pass


_TOK = re.compile(r"\s*(?:(?P<num>-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|(?P<str>b?'[^']*'|b?\"[^\"]*\")"
                  r"|(?P<op>==|!=|<=|>=|<|>|&|\||~|\(|\))|(?P<id>[A-Za-z_][A-Za-z0-9_]*))")


def compile_condition(expr, colnames):
    """pytables-like condition: (Well==123) & (Score>0.5) | ~(Plate==4)."""
    toks = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOK.match(expr, pos)
        if not m or m.end() == pos:
            raise QueryError("unexpected character at position %d" % pos)
        pos = m.end()
        if m.group("num") is not None:
            t = m.group("num")
            toks.append(("val", float(t) if any(ch in t for ch in ".eE") else int(t)))
        elif m.group("str") is not None:
            s = m.group("str")
            toks.append(("val", s[2:-1] if s.startswith("b") else s[1:-1]))
        elif m.group("op") is not None:
            toks.append(("op", m.group("op")))
        elif m.group("id") is not None:
            name = m.group("id")
            if name in ("True", "False"):
                toks.append(("val", name == "True"))
            elif name not in colnames:
                raise QueryError("unknown column %r" % name)
            else:
                toks.append(("col", colnames.index(name)))
    idx = [0]

    def peek():
        return toks[idx[0]] if idx[0] < len(toks) else (None, None)

    def take():
        t = peek()
        idx[0] += 1
        return t

    def p_or():
        left = p_and()
        while peek() == ("op", "|"):
            take()
            right = p_and()
            left = (lambda a, b: lambda row: a(row) or b(row))(left, right)
        return left

    def p_and():
        left = p_not()
        while peek() == ("op", "&"):
            take()
            right = p_not()
            left = (lambda a, b: lambda row: a(row) and b(row))(left, right)
        return left

    def p_not():
        if peek() == ("op", "~"):
            take()
            inner = p_not()
            return lambda row: not inner(row)
        return p_cmp()

    def operand():
        kind, v = take()
        if kind == "col":
            return lambda row: row[v]
        if kind == "val":
            return lambda row: v
        if (kind, v) == ("op", "("):
            e = p_or()
            if take() != ("op", ")"):
                raise QueryError("missing ')'")
            return e
        raise QueryError("unexpected token %r" % (v,))

    ops = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
           "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}

    def p_cmp():
        left = operand()
        k, v = peek()
        if k == "op" and v in ops:
            take()
            right = operand()
            f = ops[v]

            def cmp(row, left=left, right=right, f=f):
                try:
                    return bool(f(left(row), right(row)))
                except TypeError:
                    return False
            return cmp
        return left

    if not toks:
        raise QueryError("empty query")
    fn = p_or()
    if idx[0] != len(toks):
        raise QueryError("unexpected trailing input")
    return fn


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

class BadParam(Exception):
    pass


class NotFound(Exception):
    pass


def html_page(title, body):
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title></head>"
            "<body><h1>%s</h1>%s</body></html>\n" % (html.escape(title), html.escape(title), body)).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"       # freedom: extra/undocumented headers

    def version_string(self):
        return "nginx/1.24.0"
    world = None
    counter = [0]
    lock = threading.Lock()

    def log_message(self, fmt, *args):
        pass

    # ------------------------------------------------------------ plumbing
    def send_body(self, status, body, ctype, extra=None, compress=True):
        accept = self.headers.get("Accept-Encoding", "") or ""
        headers = [("Content-Type", ctype), ("X-Request-Id", uuid.uuid4().hex),
                   ("Vary", "Accept-Encoding"), ("X-Frame-Options", "SAMEORIGIN")]
        # freedom: gzip text bodies when the client accepts it
        if compress and "gzip" in accept.lower() and len(body) > 64 and \
                (ctype.startswith("application/json") or ctype.startswith("text/")):
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
        headers += list(extra or [])
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, obj, status=200, extra=None):
        self.send_body(status, json.dumps(obj).encode(), "application/json", extra)

    def send_html(self, title, body, status=200, extra=None):
        self.send_body(status, html_page(title, body), "text/html; charset=utf-8", extra)

    def not_found(self, what="Page not found"):
        self.send_html("Page Not Found", "<p>%s: %s</p>" % (html.escape(what), html.escape(self.path)), 404)

    def bad_request(self, msg="Invalid parameter value"):
        # freedom: document gives no error body; OMERO-like plain text 400
        self.send_body(400, msg.encode(), "text/plain; charset=utf-8")

    def do_GET(self):
        try:
            self.route()
        except NotFound as e:
            self.not_found(str(e) or "Not found")
        except BadParam as e:
            self.bad_request(str(e) or "Invalid parameter value")
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as e:  # never 5xx
            try:
                self.bad_request("Bad request: %s" % type(e).__name__)
            except Exception:
                pass

    do_HEAD = do_GET

    def _method_not_allowed(self):
        length = self.headers.get("Content-Length")
        try:
            n = int(length) if length else 0
            if 0 < n < 10 * 1024 * 1024:
                self.rfile.read(n)
        except (ValueError, OSError):
            pass
        # freedom: the document only shows GET; every other method is refused
        self.send_body(405, html_page("Method Not Allowed", "<p>Only GET is supported.</p>"),
                       "text/html; charset=utf-8", [("Allow", "GET, HEAD")])

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _method_not_allowed

    def maybe_delay(self):
        with self.lock:
            self.counter[0] += 1
            n = self.counter[0]
        if n % 4 == 0:
            time.sleep(0.03)  # freedom: occasional small delay on list endpoints

    # ------------------------------------------------------------ params
    def parse(self):
        u = urllib.parse.urlsplit(self.path)
        self.q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        return u.path

    def arg(self, name, default=None):
        v = self.q.get(name)
        return v[-1] if v else default

    def long_arg(self, name, default=None):
        v = self.arg(name)
        if v is None or v == "":
            return default
        try:
            n = int(v)
        except ValueError:
            raise BadParam("Invalid parameter value")
        if abs(n) > 2 ** 63:
            raise BadParam("Invalid parameter value")
        return n

    def long_list(self, name):
        out = []
        for v in self.q.get(name, []):
            for part in v.split(","):
                part = part.strip()
                if not part:
                    continue
                try:
                    n = int(part)
                except ValueError:
                    raise BadParam("Invalid parameter value")
                out.append(n)
        return out

    def paging(self, default_limit):
        page = self.long_arg("page", 1)
        limit = self.long_arg("limit", default_limit)
        if page < 0 or limit < 0:
            raise BadParam("Invalid parameter value")
        return page, limit

    @staticmethod
    def paginate(items, page, limit):
        if page == 0 or limit == 0:  # freedom: page=0 means "no paging"
            return items
        start = (page - 1) * limit
        return items[start:start + limit]

    # ------------------------------------------------------------ routing
    # freedom: every route answers with or without its trailing slash (no redirects)
    ROUTES = [
        (r"/", "home"),
        (r"/webclient/?", "webclient_index"),
        (r"/webclient/api/annotations/?", "api_annotations"),
        (r"/webclient/api/plates/?", "api_plates"),
        (r"/webclient/api/screens/?", "api_screens"),
        (r"/webclient/api/projects/?", "api_projects"),
        (r"/webclient/api/datasets/?", "api_datasets"),
        (r"/webclient/api/images/?", "api_images"),
        (r"/webclient/api/plate_acquisitions/?", "api_acquisitions"),
        (r"/webgateway/plate/(\d+)/?", "plate_grid"),
        (r"/webgateway/plate/(\d+)/(\d+)/?", "plate_grid"),
        (r"/webclient/imgData/(\d+)/?", "img_data"),
        (r"/webgateway/imgData/(\d+)/?", "img_data"),
        (r"/(webclient|webgateway)/render_thumbnail/(\d+)/?", "thumbnail"),
        (r"/(webclient|webgateway)/render_thumbnail/(\d+)/(\d+)/?", "thumbnail"),
        (r"/(webclient|webgateway)/render_thumbnail/(\d+)/(\d+)/(\d+)/?", "thumbnail"),
        (r"/(webclient|webgateway)/render_image/(\d+)/?", "render_image"),
        (r"/(webclient|webgateway)/render_image/(\d+)/(\d+)/?", "render_image"),
        (r"/(webclient|webgateway)/render_image/(\d+)/(\d+)/(\d+)/?", "render_image"),
        (r"/webclient/img_detail/(\d+)/?", "img_detail"),
        (r"/webgateway/table/([A-Za-z][A-Za-z0-9_.]*)/(\d+)/query/?", "table_query_obj"),
        (r"/webgateway/table/(\d+)/query/?", "table_query_file"),
        (r"/webgateway/table/(\d+)/metadata/?", "table_metadata"),
        (r"/webclient/annotation/(\d+)/?", "download_annotation"),
        (r"/mapr/api/([a-z]+)/?", "mapr_containers"),
        (r"/mapr/api/([a-z]+)/plates/?", "mapr_plates"),
        (r"/mapr/api/([a-z]+)/datasets/?", "mapr_datasets"),
        (r"/mapr/api/([a-z]+)/images/?", "mapr_images"),
        (r"/mapr/([a-z]+)/?", "mapr_page"),
    ]
    COMPILED = [(re.compile("^" + p + "$"), n) for p, n in ROUTES]

    def route(self):
        path = self.parse()
        path = re.sub(r"/{2,}", "/", path)
        for rx, name in self.COMPILED:
            m = rx.match(path)
            if m:
                return getattr(self, name)(*m.groups())
        raise NotFound("No such page")

    # ------------------------------------------------------------ HTML pages
    def home(self):
        self.send_html("IDR: Image Data Resource",
                       "<p><a href=\"/webclient/?experimenter=-1\">Browse the data</a></p>")

    def webclient_index(self):
        # idr.txt:13-25 the index page opens a session (session backend); 200 expected (idr.txt:24)
        w = self.world
        show = self.arg("show", "") or ""
        body = "<p>OMERO.web public browser.</p><ul>"
        for s in sorted(w.screens.values(), key=lambda s: s["name"].lower()):
            body += "<li>Screen %d: %s</li>" % (s["id"], html.escape(s["name"]))
        body += "</ul>"
        if show:
            # idr.txt:164 IMAGE_URL .../webclient/?show=image-{image_id}
            body += "<p id=\"show\">Showing %s</p>" % html.escape(show)
        cookies = []
        if "sessionid=" not in (self.headers.get("Cookie") or ""):
            cookies = [("Set-Cookie", "sessionid=%s; HttpOnly; Path=/; SameSite=Lax" % uuid.uuid4().hex),
                       ("Set-Cookie", "csrftoken=%s; Path=/; SameSite=Lax" % uuid.uuid4().hex)]
        self.send_html("OMERO.web - IDR", body, extra=cookies)

    def img_detail(self, image_id):
        # idr.txt:165 IMAGE_VIEWER .../webclient/img_detail/{image_id}/ (a browser link)
        img = self.world.images.get(int(image_id))
        if not img:
            raise NotFound("Image not found")
        self.send_html("Image viewer: " + img["name"],
                       "<div id=\"viewport\" data-image-id=\"%d\"></div>"
                       "<img src=\"/webgateway/render_image/%d/\" alt=\"image\">" % (img["id"], img["id"]))

    def mapr_page(self, key):
        if key not in MAPR:
            raise NotFound("Unknown mapr key")
        value = self.arg("value", "") or ""
        self.send_html("mapr: %s %s" % (key, value), "<p>Browse objects annotated with %s = %s</p>"
                       % (html.escape(key), html.escape(value)))

    # ------------------------------------------------------------ marshalling
    def m_container(self, obj, child_count):
        # freedom: permsCss "" (public read-only), ownerId of the public owner
        return {"id": obj["id"], "name": obj["name"], "ownerId": OWNER_ID,
                "childCount": child_count, "permsCss": ""}

    def m_image(self, img, extra=None):
        d = {"id": img["id"], "name": img["name"], "ownerId": OWNER_ID, "permsCss": "",
             "filesetId": img["fileset"], "date": iso(img["date"])}
        if extra is not None:
            d["extra"] = extra
        return d

    # ------------------------------------------------------------ webclient api
    PARENTS = {"screen": ("screen", "ScreenI", "screens"), "plate": ("plate", "PlateI", "plates"),
               "well": ("well", "WellI", "wells"), "image": ("image", "ImageI", "images"),
               "project": ("project", "ProjectI", "projects"), "dataset": ("dataset", "DatasetI", "datasets"),
               "acquisition": ("acquisition", "PlateAcquisitionI", None),
               "run": ("acquisition", "PlateAcquisitionI", None)}
    ANN_TYPES = {"map": "MapAnnotationI", "file": "FileAnnotationI", "tag": "TagAnnotationI",
                 "comment": "CommentAnnotationI"}

    def parent_name(self, cls, oid):
        store = {"screen": self.world.screens, "plate": self.world.plates, "well": None,
                 "image": self.world.images, "project": self.world.projects,
                 "dataset": self.world.datasets}.get(cls)
        if cls == "well":
            wl = self.world.wells.get(oid)
            if wl:
                return "%s%d" % (row_label(wl["row"]), wl["column"] + 1)
            return None
        if store and oid in store:
            return store[oid]["name"]
        return None

    def api_annotations(self):
        # idr.txt:34-44, 86-95, 167 MAP_URL .../webclient/api/annotations/?type=map&{type}={id}
        # -> annotations[] with ns and values [[key, value], ...]
        # idr.txt:126-136 FILEANNOTATION_URL (annotations[] with id, ns) ...?type=file&screen={screen_id}
        w = self.world
        atype = self.arg("type")
        ns = self.arg("ns")
        parents = []
        for pname, (cls, jcls, _) in self.PARENTS.items():
            for oid in self.long_list(pname):
                parents.append((cls, jcls, oid))
        out = []
        for cls, jcls, oid in parents:
            for ann_id, link_id in w.links.get((cls, oid), []):
                ann = w.anns[ann_id]
                if atype:
                    # freedom: an unknown type simply matches nothing
                    if self.ANN_TYPES.get(atype.lower()) != ann["class"]:
                        continue
                if ns is not None and ann["ns"] != ns:
                    continue
                a = dict(ann)
                a["owner"] = {"id": OWNER_ID}
                a["permissions"] = dict(PERMS)
                a["link"] = {"id": link_id, "owner": {"id": OWNER_ID}, "date": ann["date"],
                             "permissions": dict(PERMS),
                             "parent": {"id": oid, "class": jcls, "name": self.parent_name(cls, oid)}}
                out.append(a)
        page, limit = self.paging(0)
        out = self.paginate(out, page, limit)
        self.send_json({"annotations": out, "experimenters": [dict(EXPERIMENTER)] if out else []})

    def api_plates(self):
        # idr.txt:45-53 PLATES_URL .../webclient/api/plates/?id={screen_id} -> plates[id,name,childCount]
        self.maybe_delay()
        sid = self.long_arg("id")
        w = self.world
        if sid is None:
            raise BadParam("Invalid parameter value: id is required")
        scr = w.screens.get(sid)
        plates = []
        if scr:
            # freedom: ordered by name (not by id)
            for pid in sorted(scr["plates"], key=lambda p: (w.plates[p]["name"].lower(), p)):
                p = w.plates[pid]
                plates.append(self.m_container(p, len(p["acquisitions"])))
        page, limit = self.paging(200)
        self.send_json({"plates": self.paginate(plates, page, limit)})

    def api_screens(self):
        # freedom: undocumented companion listing of screens
        w = self.world
        out = [self.m_container(s, len(s["plates"])) for s in sorted(w.screens.values(), key=lambda s: s["name"].lower())]
        page, limit = self.paging(200)
        self.send_json({"screens": self.paginate(out, page, limit)})

    def api_projects(self):
        # idr.txt:5 "accessing all datasets": projects -> datasets -> images
        w = self.world
        out = [self.m_container(p, len(p["datasets"])) for p in sorted(w.projects.values(), key=lambda p: p["name"].lower())]
        page, limit = self.paging(200)
        self.send_json({"projects": self.paginate(out, page, limit)})

    def api_datasets(self):
        w = self.world
        pid = self.long_arg("id")
        if pid is None:
            raise BadParam("Invalid parameter value: id is required")
        proj = w.projects.get(pid)
        out = []
        if proj:
            for did in sorted(proj["datasets"], key=lambda d: w.datasets[d]["name"].lower()):
                d = w.datasets[did]
                out.append(self.m_container(d, len(d["images"])))
        page, limit = self.paging(200)
        self.send_json({"datasets": self.paginate(out, page, limit)})

    def api_images(self):
        w = self.world
        did = self.long_arg("id")
        if did is None:
            raise BadParam("Invalid parameter value: id is required")
        ds = w.datasets.get(did)
        out = []
        if ds:
            for iid in sorted(ds["images"], key=lambda i: (w.images[i]["name"].lower(), i)):
                out.append(self.m_image(w.images[iid]))
        page, limit = self.paging(200)
        self.send_json({"images": self.paginate(out, page, limit)})

    def api_acquisitions(self):
        w = self.world
        pid = self.long_arg("id")
        if pid is None:
            raise BadParam("Invalid parameter value: id is required")
        p = w.plates.get(pid)
        out = []
        if p:
            for a in p["acquisitions"]:
                out.append({"id": a["id"], "name": a["name"], "ownerId": OWNER_ID, "permsCss": ""})
        self.send_json({"acquisitions": out})

    # ------------------------------------------------------------ webgateway
    def plate_grid(self, plate_id, field="0"):
        # idr.txt:55-71 WELLS_IMAGES_URL .../webgateway/plate/{plate_id}/{field}/
        # -> rowlabels, collabels, grid (rows of cells or None); cell wellId,id,thumb_url,field
        w = self.world
        plate = w.plates.get(int(plate_id))
        if plate is None:
            raise NotFound("Plate not found")
        field = int(field)
        size = self.long_arg("size")
        grid = []
        for r in range(plate["rows"]):
            row = []
            for c in range(plate["cols"]):
                wid = plate["wells"].get((r, c))
                cell = None
                if wid is not None:
                    well = w.wells[wid]
                    if field < len(well["images"]):
                        img = w.images[well["images"][field]]
                        # idr.txt:99 thumb_url is a path appended to the site root
                        thumb = "/webgateway/render_thumbnail/%d/" % img["id"]
                        if size and 0 < size <= 1024:
                            thumb = "/webgateway/render_thumbnail/%d/%d/" % (img["id"], size)
                        cell = {"wellId": wid, "id": img["id"], "thumb_url": thumb, "field": field,
                                "name": img["name"], "description": "", "date": iso(img["date"])}
                row.append(cell)
            grid.append(row)
        self.send_json({"grid": grid,
                        "collabels": list(range(1, plate["cols"] + 1)),
                        "rowlabels": [row_label(r) for r in range(plate["rows"])]})

    def img_data(self, image_id):
        # idr.txt:74-81 IMAGE_DETAILS_URL .../webclient/imgData/{image_id}/ -> 200 + JSON
        w = self.world
        img = w.images.get(int(image_id))
        if img is None:
            raise NotFound("Image not found")
        ds = w.datasets.get(img["dataset"]) if img["dataset"] else None
        pr = w.projects.get(ds["project"]) if ds else None
        well = w.wells.get(img["well"]) if img["well"] else None
        colours = ["0000FF", "00FF00", "FF0000", "FF00FF", "FFFF00"]
        labels = ["DAPI", "GFP", "Cy3", "Cy5", "Mito"]
        waves = [461, 509, 570, 670, 600]
        channels = []
        for c in range(img["sizeC"]):
            channels.append({"emissionWave": waves[c % 5], "label": labels[c % 5], "color": colours[c % 5],
                             "inverted": False, "reverseIntensity": False, "family": "linear",
                             "coefficient": 1.0, "active": True,
                             "window": {"min": 0.0, "max": 65535.0, "start": 100.0 + 10 * c, "end": 4000.0 + 500 * c}})
        meta = {"imageName": img["name"], "imageDescription": "", "imageAuthor": "IDR Public",
                "projectName": pr["name"] if pr else "Multiple", "projectId": pr["id"] if pr else None,
                "projectDescription": "", "datasetName": ds["name"] if ds else "Multiple",
                "datasetId": ds["id"] if ds else None, "datasetDescription": "",
                # freedom: null (not "") for non-HCS images
                "wellSampleId": (img["id"] * 3 + 11) if well else None, "wellId": well["id"] if well else None,
                "imageTimestamp": float(img["date"]), "imageId": img["id"], "pixelsType": "uint16"}
        sx, sy = img["sizeX"], img["sizeY"]
        self.send_json({
            "id": img["id"], "meta": meta, "perms": dict(PERMS), "tiles": False, "interpolate": True,
            "size": {"width": sx, "height": sy, "z": img["sizeZ"], "t": img["sizeT"], "c": img["sizeC"]},
            "pixel_size": {"x": 0.3225, "y": 0.3225, "z": (0.2 if img["sizeZ"] > 1 else None)},
            "init_zoom": 0, "nominalMagnification": 40, "pixel_range": [0, 65535], "channels": channels,
            "split_channel": {"g": {"width": sx * 2 + 6, "height": sy * 2 + 6, "border": 2, "gridx": 2, "gridy": 2},
                              "c": {"width": sx * 2 + 6, "height": sy * 2 + 6, "border": 2, "gridx": 2, "gridy": 2}},
            "rdefs": {"model": "color", "projection": "normal", "defaultZ": 0, "defaultT": 0, "invertAxis": False},
        })

    def thumbnail(self, app, image_id, w=None, h=None):
        # idr.txt:97-108 thumb_url download (binary image, streamed by the script)
        # idr.txt:112, 166 THUMBNAIL_URL .../webclient/render_thumbnail/{image_id}/ for non-HCS
        img = self.world.images.get(int(image_id))
        if img is None:
            raise NotFound("Image not found")
        longest = 96  # freedom: default thumbnail longest side 96 px
        if w is not None:
            longest = max(1, min(int(w), 1024))
        sx, sy = img["sizeX"], img["sizeY"]
        if h is not None:
            tw, th = longest, max(1, min(int(h), 1024))
        elif sx >= sy:
            tw, th = longest, max(1, round(longest * sy / sx))
        else:
            tw, th = max(1, round(longest * sx / sy)), longest
        self.send_body(200, image_jpeg(img, tw, th), "image/jpeg",
                       [("Cache-Control", "public, max-age=86400")], compress=False)

    def render_image(self, app, image_id, z="0", t="0"):
        img = self.world.images.get(int(image_id))
        if img is None:
            raise NotFound("Image not found")
        if int(z) >= img["sizeZ"] or int(t) >= img["sizeT"]:
            raise NotFound("Plane out of range")
        scale = max(1, -(-max(img["sizeX"], img["sizeY"]) // 1024))
        self.send_body(200, image_jpeg(img, img["sizeX"] // scale, img["sizeY"] // scale), "image/jpeg",
                       compress=False)

    def _table_response(self, tbl, extra):
        w = self.world
        query = self.arg("query")
        if query is None or query.strip() == "":
            return self.send_json({"error": "Must specify query"}, 400)
        names = [c for c, _ in tbl["columns"]]
        types = [t for _, t in tbl["columns"]]
        try:
            offset = int(self.arg("offset", "0") or 0)
            limit = self.arg("limit")
            limit = int(limit) if limit not in (None, "") else None
        except ValueError:
            return self.send_json({"error": "offset and limit must be integers"}, 400)
        if offset < 0 or (limit is not None and limit < 0):
            return self.send_json({"error": "offset and limit must not be negative"}, 400)
        query = query.strip()
        try:
            if query == "*":
                match = list(range(len(tbl["rows"])))
            else:
                m = re.match(r"^([^-()=<>&|~]+)-(.*)$", query)
                if m and "==" not in query:
                    col, val = m.group(1), m.group(2)
                    if col not in names:
                        raise QueryError("unknown column %r" % col)
                    ci = names.index(col)
                    ctype = types[ci]
                    if ctype in ("WellColumn", "PlateColumn", "LongColumn", "ImageColumn"):
                        try:
                            val = int(val)
                        except ValueError:
                            raise QueryError("value %r is not an integer" % val)
                    elif ctype == "DoubleColumn":
                        try:
                            val = float(val)
                        except ValueError:
                            raise QueryError("value %r is not a number" % val)
                    match = [i for i, r in enumerate(tbl["rows"]) if r[ci] == val]
                else:
                    fn = compile_condition(query, names)
                    match = [i for i, r in enumerate(tbl["rows"]) if fn(r)]
        except QueryError as e:
            return self.send_json({"error": "Error executing query: %s" % e}, 400)
        col_names = [c for v in self.q.get("col_names", []) for c in v.split(",") if c]
        sel = list(range(len(names)))
        if col_names:
            unknown = [c for c in col_names if c not in names]
            if unknown:
                return self.send_json({"error": "Unknown column(s): %s" % ", ".join(unknown)}, 400)
            sel = [names.index(c) for c in col_names]
        total = len(match)
        page = match[offset:] if limit is None else match[offset:offset + limit]
        rows = [[tbl["rows"][i][j] for j in sel] for i in page]
        rsp = {"data": {"columns": [names[j] for j in sel], "column_types": [types[j] for j in sel],
                        "rows": rows},
               "meta": {"rowCount": len(tbl["rows"]), "totalCount": total, "offset": offset,
                        "limit": limit if limit is not None else total},
               "id": tbl["file"], "annId": tbl["ann"], "name": "bulk_annotations"}
        rsp.update(extra)
        self.send_json(rsp)

    def table_query_obj(self, objtype, objid):
        # idr.txt:114-121 BULK_URL .../webgateway/table/Screen.plateLinks.child.wells/{well_id}/query/?query=Well-{well_id}
        w = self.world
        objid = int(objid)
        sid = None
        if objtype == "Screen.plateLinks.child.wells":
            well = w.wells.get(objid)
            if well:
                sid = w.plates[well["plate"]]["screen"]
        elif objtype == "Screen.plateLinks.child":
            p = w.plates.get(objid)
            if p:
                sid = p["screen"]
        elif objtype == "Screen":
            if objid in w.screens:
                sid = objid
        tbl = w.tables.get(sid) if sid is not None else None
        if tbl is None:
            # freedom: JSON error body with 404 when no table is attached
            return self.send_json({"error": "Could not find table for %s %d" % (objtype, objid)}, 404)
        self._table_response(tbl, {"parentType": "Screen", "parentId": sid, "addedOn": w.anns[tbl["ann"]]["date"]})

    def table_query_file(self, fileid):
        w = self.world
        sid = w.table_by_file.get(int(fileid))
        if sid is None:
            return self.send_json({"error": "Table %s not found" % fileid}, 404)
        self._table_response(w.tables[sid], {})

    def table_metadata(self, fileid):
        w = self.world
        sid = w.table_by_file.get(int(fileid))
        if sid is None:
            return self.send_json({"error": "Table %s not found" % fileid}, 404)
        tbl = w.tables[sid]
        self.send_json({"columns": [{"name": n, "description": "", "type": t} for n, t in tbl["columns"]],
                        "totalCount": len(tbl["rows"])})

    def download_annotation(self, ann_id):
        # idr.txt:124-136 DOWNLOAD_URL .../webclient/annotation/{ann_id} -> file download
        f = self.world.files.get(int(ann_id))
        if f is None:
            raise NotFound("File annotation not found")
        data, name, ctype = f
        self.send_body(200, data, ctype, [("Content-Disposition", 'attachment; filename="%s"' % name)],
                       compress=False)

    # ------------------------------------------------------------ mapr
    def mapr_key(self, key):
        if key not in MAPR:
            raise NotFound("Unknown mapr key %r" % key)
        value = self.arg("value")
        cs = (self.arg("case_sensitive", "false") or "").lower() in ("true", "1", "yes", "on")
        return value, cs

    def mapr_match(self, key, value, cs):
        """Return (wells, images) annotated with key=value."""
        w = self.world
        ent = w.mapr.get((key, value.lower()))
        if not ent:
            return set(), set()
        if not cs:
            return ent["wells"], ent["images"]
        ns, keys = MAPR[key]
        wells, images = set(), set()
        for kind, ids in (("well", ent["wells"]), ("image", ent["images"])):
            for oid in ids:
                for aid, _ in w.links.get((kind, oid), []):
                    a = w.anns[aid]
                    if a["ns"] == ns and any(k in keys and v == value for k, v in a["values"]):
                        (wells if kind == "well" else images).add(oid)
        return wells, images

    def extra(self, value, cs):
        return {"value": value, "case_sensitive": cs}

    def mapr_containers(self, key):
        # idr.txt:140-148 SCREENS_PROJECTS_URL .../mapr/api/{key}/?value={value} -> screens[id,name]
        self.maybe_delay()
        value, cs = self.mapr_key(key)
        w = self.world
        if not value:
            # freedom: no value -> nothing matches
            return self.send_json({"screens": [], "projects": []})
        wells, images = self.mapr_match(key, value, cs)
        per_screen = {}
        for wid in wells:
            p = w.plates[w.wells[wid]["plate"]]
            per_screen.setdefault(p["screen"], set()).add(p["id"])
        per_project = {}
        for iid in images:
            img = w.images[iid]
            if img["dataset"]:
                ds = w.datasets[img["dataset"]]
                per_project.setdefault(ds["project"], set()).add(ds["id"])
            elif img["well"]:
                p = w.plates[w.wells[img["well"]]["plate"]]
                per_screen.setdefault(p["screen"], set()).add(p["id"])
        screens = []
        for sid in sorted(per_screen, key=lambda s: w.screens[s]["name"].lower()):
            d = self.m_container(w.screens[sid], len(per_screen[sid]))
            d["extra"] = self.extra(value, cs)
            screens.append(d)
        projects = []
        for pid in sorted(per_project, key=lambda p: w.projects[p]["name"].lower()):
            d = self.m_container(w.projects[pid], len(per_project[pid]))
            d["extra"] = self.extra(value, cs)
            projects.append(d)
        self.send_json({"screens": screens, "projects": projects})

    def mapr_plates(self, key):
        # idr.txt:150-158 .../mapr/api/{key}/plates/?value={value}&id={screen_id} -> plates[id,name]
        self.maybe_delay()
        value, cs = self.mapr_key(key)
        sid = self.long_arg("id")
        if sid is None:
            raise BadParam("Invalid parameter value: id is required")
        w = self.world
        counts = {}
        if value:
            wells, images = self.mapr_match(key, value, cs)
            for wid in wells:
                p = w.plates[w.wells[wid]["plate"]]
                if p["screen"] == sid:
                    counts[p["id"]] = counts.get(p["id"], 0) + len(w.wells[wid]["images"])
        plates = []
        for pid in sorted(counts, key=lambda p: (w.plates[p]["name"].lower(), p)):
            d = self.m_container(w.plates[pid], counts[pid])
            d["extra"] = self.extra(value, cs)
            plates.append(d)
        self.send_json({"plates": plates})

    def mapr_datasets(self, key):
        value, cs = self.mapr_key(key)
        pid = self.long_arg("id")
        if pid is None:
            raise BadParam("Invalid parameter value: id is required")
        w = self.world
        counts = {}
        if value:
            _, images = self.mapr_match(key, value, cs)
            for iid in images:
                img = w.images[iid]
                if img["dataset"] and w.datasets[img["dataset"]]["project"] == pid:
                    counts[img["dataset"]] = counts.get(img["dataset"], 0) + 1
        out = []
        for did in sorted(counts, key=lambda d: w.datasets[d]["name"].lower()):
            d = self.m_container(w.datasets[did], counts[did])
            d["extra"] = self.extra(value, cs)
            out.append(d)
        self.send_json({"datasets": out})

    def mapr_images(self, key):
        # idr.txt:160-179 .../mapr/api/{key}/images/?value=&node={parent_type}&id={parent_id} -> images[id]
        self.maybe_delay()
        value, cs = self.mapr_key(key)
        node = (self.arg("node", "") or "").lower()
        pid = self.long_arg("id")
        if pid is None:
            raise BadParam("Invalid parameter value: id is required")
        if node not in ("plate", "dataset", "well", "acquisition"):
            raise BadParam("Invalid parameter value: node must be plate, dataset, well or acquisition")
        w = self.world
        found = []
        if value:
            wells, images = self.mapr_match(key, value, cs)
            if node in ("plate", "acquisition", "well"):
                for wid in wells:
                    wl = w.wells[wid]
                    p = w.plates[wl["plate"]]
                    ok = (node == "plate" and p["id"] == pid) or (node == "well" and wid == pid) or \
                         (node == "acquisition" and any(a["id"] == pid for a in p["acquisitions"]))
                    if ok:
                        found.extend(wl["images"])
            else:
                found = [i for i in images if w.images[i]["dataset"] == pid]
        found = sorted(set(found))
        page, limit = self.paging(500)  # freedom: 500 images per page, page=1 default
        out = [self.m_image(w.images[i], self.extra(value, cs)) for i in self.paginate(found, page, limit)]
        self.send_json({"images": out})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--records", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    Handler.world = World(a.seed, a.records)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    print("listening on http://127.0.0.1:%d" % srv.server_address[1])
    # idr.txt states no credentials: nothing more to print
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
