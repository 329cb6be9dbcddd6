#!/usr/bin/env python3
"""Independent reference server for the OMERO JSON API (OMERO.web ``api`` app).

Written only from /work/shared/docs/omero.txt.  That file is a reST rendering
with almost no line structure, so the citations in the comments below name
the section heading of omero.txt and quote a few words of it, e.g.
    # omero.txt "Pagination": "a limit of the first 200 objects by default"
A comment starting with "# freedom:" marks a choice the document leaves open.

Usage: python3 omero.py [--port 0] [--records N] [--seed S]
Standard library only.
"""

import argparse
import gzip
import hashlib
import hmac
import json
import random
import re
import secrets
import signal
import string
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from email.parser import BytesParser
from email import policy as email_policy
from http.cookies import SimpleCookie, CookieError
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# omero.txt "JSON format": "@type ... such as
# http://www.openmicroscopy.org/Schemas/OME/2016-06#Project"
SCHEMA = "http://www.openmicroscopy.org/Schemas/OME/2016-06"


def T(name):
    return SCHEMA + "#" + name


# omero.txt "Versioning": "the full version number can be found in the header:
# X-OMERO-ApiVersion: 0.1"
API_VERSION = "0.1"

# omero.txt "Pagination": "showing a limit of the first 200 objects by default"
# and the parameter table "limit Number The size of each page. The default is 200"
DEFAULT_LIMIT = 200
# omero.txt "Pagination": meta example "maxLimit": 500 (sysadmin-configurable;
# freedom: we keep the example value 500)
MAX_LIMIT = 500
JAVA_LONG_MAX = 2 ** 63 - 1

# freedom: credentials of our own choosing (not the document's "ben").
LOGIN_USERNAME = "hcs-curator"
LOGIN_PASSWORD = "Qm7-tulip-Rx42"
LOGIN_USER_ID = 52

# Object types that exist in the OME model but which the JSON API cannot save.
# omero.txt "Error handling": "405 ... caused by trying to create or update an
# unsupported object, such as an Image."
KNOWN_UNSAVABLE = {
    "Image", "Pixels", "Channel", "Plate", "Well", "WellSample",
    "PlateAcquisition", "ROI", "Rectangle", "Ellipse", "Point", "Line",
    "Polyline", "Polygon", "Label", "Mask", "Experimenter",
    "ExperimenterGroup", "Instrument", "Objective", "Detector", "LightSource",
    "Annotation", "TagAnnotation", "CommentAnnotation", "MapAnnotation",
    "FileAnnotation", "LongAnnotation", "BooleanAnnotation", "Folder",
    "Reagent", "LogicalChannel", "Shape",
}
# omero.txt "Creating and saving objects": "supports creating and saving of a
# limited number of object types, namely Projects, Datasets and Screens."
SAVABLE = {"Project": "projects", "Dataset": "datasets", "Screen": "screens"}


def length(value, unit, symbol):
    # omero.txt "List Images": "PhysicalSizeX": { "Symbol": "µm", "Value": ...,
    # "@type": "TBD#LengthI", "Unit": "MICROMETER" }
    return {"Symbol": symbol, "Value": value, "@type": "TBD#LengthI", "Unit": unit}


def perms(perm, can):
    # omero.txt "List Projects": permissions object with perm string and flags
    return {
        "isUserWrite": perm[1] == "w",
        "isWorldWrite": perm[5] == "w",
        "canDelete": can,
        "isWorldRead": perm[4] == "r",
        "perm": perm,
        "canEdit": can,
        "canAnnotate": can,
        "isGroupAnnotate": perm[3] in "aw",
        "isGroupWrite": perm[3] == "w",
        "canLink": can,
        "isUserRead": perm[0] == "r",
        "@type": "TBD#Permissions",
        "isGroupRead": perm[2] == "r",
    }


class IdPool:
    """Random, non-contiguous ids in a range (freedom: no id rule is stated)."""

    def __init__(self, rng, lo, hi, reserved=()):
        self.rng, self.lo, self.hi = rng, lo, hi
        self.used = set(reserved)

    def draw(self):
        while True:
            i = self.rng.randint(self.lo, self.hi)
            if i not in self.used:
                self.used.add(i)
                return i

    def next_after_max(self):
        # freedom: ids of created objects continue above the max with a gap
        i = max(self.used or {self.lo}) + self.rng.randint(1, 9)
        self.used.add(i)
        return i


# --------------------------------------------------------------------------
# In-memory store and seed data
# --------------------------------------------------------------------------

ROW_LETTERS = string.ascii_uppercase

PROJECT_WORDS = [
    "Mitotic spindle assembly", "Cell migration", "Zebrafish development",
    "Neuronal morphology", "Drosophila wing disc", "Organoid growth",
    "Calcium imaging", "Chromatin dynamics", "Golgi fragmentation",
    "Actin cytoskeleton", "Mitochondrial network", "Yeast polarity",
    "Stem cell niche", "Root hair tip growth", "Tumour spheroids",
    "Primary cilia length", "Nuclear envelope breakdown", "Autophagy flux",
    "Wound healing", "Centrosome duplication", "Kinetochore tension",
    "Endosome trafficking",
]
PROJECT_SUFFIX = ["", "", " 2019", " 2021", " (pilot)", " - batch 3", " follow-up", " revisited"]
DATASET_WORDS = [
    "Control", "siRNA knockdown", "Drug treated 10uM", "Timecourse day 1",
    "Timecourse day 3", "Fixed cells", "Live imaging", "Replicate A",
    "Replicate B", "Overexpression", "DMSO", "Nocodazole", "Taxol", "Untreated",
    "Heat shock", "Confocal stacks", "Widefield", "Airyscan",
]
DESC_WORDS = [
    "Acquired on the DeltaVision", "Imaged at 37C, 5% CO2", "Fixed with 4% PFA",
    "Deconvolved with 10 iterations", "Imported from the shared drive",
    "Replicates pooled", "Stained with DAPI and phalloidin", "Pilot run",
]
IMAGE_PREFIX = ["CFP_AurB", "GFP_H2B", "mCherry_Tub", "DAPI_nuclei", "Phalloidin",
                "LAMP1_live", "EB3_comets", "PCNA_Sphase", "Lifeact", "TOM20"]
IMAGE_EXT = ["dv", "tif", "czi", "lif", "nd2", "ome.tiff"]
CHANNELS = [
    # name, colour (signed RGBA int), excitation nm, emission nm
    ("DAPI", 65535, 358, 461),
    ("CFP_JP4", 65535, 436, 470),
    ("FITC", 16711935, 490, 525),
    ("GFP", 16711935, 488, 507),
    ("RD_TR-PE", -16776961, 555, 617),
    ("mCherry", -16776961, 587, 610),
    ("Cy5", -16711681, 649, 670),
    ("Brightfield", -1, None, None),
]
PIXELS_TYPES = {"bit": 1, "int8": 2, "int16": 3, "int32": 4, "uint8": 5,
                "uint16": 6, "uint32": 7, "float": 8, "double": 9}


class Store:
    def __init__(self, records, seed):
        self.lock = threading.RLock()
        rng = random.Random(seed)
        self.rng = rng
        n = max(1, records)

        # ---- experimenters and groups -----------------------------------
        # omero.txt "Filtering by Owner and Group": example "?owner=3&group=5";
        # omero.txt "Login": eventContext example userName "ben", userId 3
        self.experimenters = {
            3: {"UserName": "ben", "FirstName": "Ben", "MiddleName": "", "LastName": "Nevis", "Email": ""},
            LOGIN_USER_ID: {"UserName": LOGIN_USERNAME, "FirstName": "Morgan", "LastName": "Reyes",
                            "Email": "m.reyes@example.org", "Institution": "Centre for Cell Imaging"},
            17: {"UserName": "asmith", "FirstName": "Alice", "MiddleName": "J", "LastName": "Smith",
                 "Email": "a.smith@example.org"},
            24: {"UserName": "ckowalski", "FirstName": "Carlos", "LastName": "Kowalski",
                 "Institution": "University of Dundee"},
            88: {"UserName": "vpriv", "FirstName": "Vera", "LastName": "Privat", "Email": "v@example.org"},
        }
        # omero.txt "List Projects": group example "@id": 5, "Name": "read-ann",
        # "perm": "rwra--".  (The Login example calls group 5 "Nevis Lab"; see
        # the report: we follow the details example.)
        self.groups = {
            1: {"Name": "user", "perm": "rwr---", "Description": "System group of all users"},
            5: {"Name": "read-ann", "perm": "rwra--"},
            103: {"Name": "Imaging Core", "perm": "rwrw--", "Description": "Shared facility data"},
            9: {"Name": "private-lab", "perm": "rw----"},
        }
        self.members = {5: [3, LOGIN_USER_ID, 17, 24], 103: [LOGIN_USER_ID, 17, 24], 9: [88, 3],
                        1: [3, LOGIN_USER_ID, 17, 24, 88]}
        # freedom: the login user leads groups 5 and 103, so all visible data is
        # editable by them (the document states no permission rules for saves).
        self.user_groups = {LOGIN_USER_ID: [5, 103, 1]}
        self.leader_of = {LOGIN_USER_ID: [5, 103]}
        # freedom: group 9 is not accessible to the login user, so its data is
        # never shown ("all groups that are accessible to the current user").

        self.pools = {
            "projects": IdPool(rng, 120, 19999, {11601, 3872, 567}),
            "datasets": IdPool(rng, 60, 14999, {112, 9702}),
            "screens": IdPool(rng, 300, 2999, {582}),
            "plates": IdPool(rng, 1200, 8999, {5067}),
            "images": IdPool(rng, 2000, 79999, {16783, 2942}),
            "pixels": IdPool(rng, 1000, 99999, {12801}),
            "channels": IdPool(rng, 100, 199999, {14451, 14453}),
            "logical": IdPool(rng, 100, 199999, {12301, 12303}),
            "pas": IdPool(rng, 40, 5999, {4217, 102}),
            "wells": IdPool(rng, 100, 99999, {139}),
            "wellsamples": IdPool(rng, 100, 99999, {203}),
            "rois": IdPool(rng, 10, 9999, {454}),
            "shapes": IdPool(rng, 10, 29999, {713}),
        }
        self.projects, self.datasets, self.screens, self.plates = {}, {}, {}, {}
        self.images, self.pas, self.wells, self.wellsamples, self.rois = {}, {}, {}, {}, {}
        self.project_dataset = set()   # (project_id, dataset_id)
        self.dataset_image = set()     # (dataset_id, image_id)
        self.screen_plate = set()      # (screen_id, plate_id)
        self._seed(n)

    # -- helpers ----------------------------------------------------------
    def owner_for(self, group):
        return self.rng.choice(self.members[group])

    def description(self, p=0.7):
        # freedom: optional fields are sometimes null -> omitted
        if self.rng.random() < p:
            return self.rng.choice(DESC_WORDS)
        return None

    def new_image(self, name, group, owner, sizes=None, series=0, desc=None, acq=None, ids=None):
        rng = self.rng
        iid = ids[0] if ids else self.pools["images"].draw()
        if sizes is None:
            sx = rng.choice([256, 512, 512, 1024, 2048])
            sy = sx if rng.random() < 0.7 else rng.choice([256, 512, 1024])
            sizes = (sx, sy, rng.choice([1, 1, 5, 12, 29, 40]), rng.randint(1, 4),
                     rng.choice([1, 1, 1, 5, 30]))
        sx, sy, sz, sc, st = sizes
        ptype = rng.choice(["uint8", "uint16", "uint16", "float"])
        bits = {"uint8": 8, "uint16": rng.choice([12, 16]), "float": 32}[ptype]
        pix = {
            "@id": ids[1] if ids else self.pools["pixels"].draw(),
            "SizeX": sx, "SizeY": sy, "SizeZ": sz, "SizeC": sc, "SizeT": st,
            "Type": ptype, "SignificantBits": bits, "DimensionOrder": "XYZCT",
            "sha1": hashlib.sha1(("px%d" % iid).encode()).hexdigest(),
        }
        if rng.random() < 0.85:  # freedom: physical sizes sometimes unknown (omitted)
            ps = round(rng.choice([0.0645, 0.10321, 0.12698, 0.2, 0.65]), 5)
            pix["PhysicalSizeX"] = ps
            pix["PhysicalSizeY"] = ps
            if sz > 1:
                pix["PhysicalSizeZ"] = rng.choice([0.2, 0.3, 0.5, 1.0])
        chans = []
        picks = rng.sample(CHANNELS, sc)
        for (cname, color, ex, em) in picks:
            ch = {"@id": self.pools["channels"].draw(), "Name": cname, "Color": color,
                  "logical": self.pools["logical"].draw(), "SamplesPerPixel": 1}
            if ex:
                ch["Ex"], ch["Em"] = ex, em
            if rng.random() < 0.5:
                ch["NDFilter"] = rng.choice([0, 1])
            chans.append(ch)
        pix["channels"] = chans
        if acq is None and rng.random() < 0.9:
            acq = rng.randint(1199145600, 1700000000) * 1000
        img = {"id": iid, "Name": name, "group": group, "owner": owner, "series": series,
               "pixels": pix}
        if desc:
            img["Description"] = desc
        if acq:
            img["AcquisitionDate"] = acq
        self.images[iid] = img
        return img

    def _seed(self, n):
        rng = self.rng
        data_groups = [5, 5, 103]

        # ---- projects ---------------------------------------------------
        # omero.txt "List Projects" example: 11601 "New data" / "Example Project"
        # omero.txt "Get a single Project" example: 3872 "RNAi experiments" / "Knockout assays"
        self.projects[11601] = {"id": 11601, "Name": "New data", "Description": "Example Project",
                                "group": 5, "owner": 3}
        self.projects[3872] = {"id": 3872, "Name": "RNAi experiments", "Description": "Knockout assays",
                               "group": 5, "owner": 3}
        for _ in range(max(0, n - 2)):
            pid = self.pools["projects"].draw()
            g = rng.choice(data_groups)
            p = {"id": pid, "Name": rng.choice(PROJECT_WORDS) + rng.choice(PROJECT_SUFFIX),
                 "group": g, "owner": self.owner_for(g)}
            d = self.description()
            if d:
                p["Description"] = d
            self.projects[pid] = p
        # hidden projects in a group the login user cannot access
        for _ in range(2):
            pid = self.pools["projects"].draw()
            self.projects[pid] = {"id": pid, "Name": "Confidential " + rng.choice(PROJECT_WORDS),
                                  "group": 9, "owner": 88}
        # freedom: one project deliberately left without datasets (empty child list)
        visible_projects = [p for p in self.projects.values() if p["group"] != 9 and p["id"] not in (11601, 3872)]
        empty_project = rng.choice(visible_projects)["id"] if visible_projects else None
        self.empty_project = empty_project

        # ---- datasets ---------------------------------------------------
        # omero.txt "List Datasets" example 112 "Test data"; "Get a single Dataset" 9702 "My data"
        self.datasets[112] = {"id": 112, "Name": "Test data", "Description": "This is the Dataset description",
                              "group": 5, "owner": 3}
        self.datasets[9702] = {"id": 9702, "Name": "My data", "Description": "An example set",
                               "group": 5, "owner": 3}
        self.project_dataset.add((11601, 112))
        self.project_dataset.add((3872, 9702))
        n_ds = max(4, int(n * 1.5))
        by_group = {}
        for p in self.projects.values():
            if p["id"] != empty_project:
                by_group.setdefault(p["group"], []).append(p["id"])
        for k in range(n_ds - 2):
            did = self.pools["datasets"].draw()
            g = rng.choice(data_groups)
            ds = {"id": did, "Name": rng.choice(DATASET_WORDS) + (" %d" % rng.randint(1, 30) if rng.random() < 0.6 else ""),
                  "group": g, "owner": self.owner_for(g)}
            d = self.description(0.6)
            if d:
                ds["Description"] = d
            self.datasets[did] = ds
            r = rng.random()
            cands = by_group.get(g, [])
            if k == 0 or r < 0.15 or not cands:
                continue  # orphaned dataset
            nlinks = 2 if r > 0.85 and len(cands) > 1 else 1
            for pid in rng.sample(cands, nlinks):
                self.project_dataset.add((pid, did))
        for _ in range(2):
            did = self.pools["datasets"].draw()
            self.datasets[did] = {"id": did, "Name": "Private " + rng.choice(DATASET_WORDS),
                                  "group": 9, "owner": 88}
            hidden_p = [p["id"] for p in self.projects.values() if p["group"] == 9]
            self.project_dataset.add((hidden_p[0], did))

        # ---- images in datasets ----------------------------------------
        # omero.txt "List Images" example: 16783 "CFP_AurB_R3D.dv", Pixels 12801,
        # 512x512x29, SizeC 2, SizeT 1; "Get a single Image": channels 14451/14453
        img = self.new_image("CFP_AurB_R3D.dv", 5, 3, sizes=(512, 512, 29, 2, 1), series=0,
                             acq=1235730332000, ids=(16783, 12801))
        px = img["pixels"]
        px.update({"Type": "uint16", "SignificantBits": 16, "PhysicalSizeX": 0.12698,
                   "PhysicalSizeY": 0.12698, "PhysicalSizeZ": 0.2,
                   "sha1": "eae01c54191fd9cf4b09e3651e1899d677375b7d"})
        px["channels"] = [
            {"@id": 14451, "Name": "CFP_JP4", "Color": 65535, "Ex": 436, "Em": 470,
             "SamplesPerPixel": 1, "NDFilter": 1, "logical": 12301},
            {"@id": 14453, "Name": "RD_TR-PE", "Color": -16776961, "Ex": 555, "Em": 617,
             "SamplesPerPixel": 1, "NDFilter": 0, "logical": 12303},
        ]
        self.dataset_image.add((112, 16783))
        ds_ids = [d for d in self.datasets if d not in (112,)]
        rng.shuffle(ds_ids)
        # freedom: one visible dataset left empty
        empty_ds = next(d for d in ds_ids if self.datasets[d]["group"] != 9 and d != 9702)
        self.empty_dataset = empty_ds
        for did in [112] + ds_ids:
            if did == empty_ds:
                continue
            ds = self.datasets[did]
            count = rng.randint(1, 13)
            if did == 112:
                count = 6
            for _ in range(count):
                name = "%s_%s_%02d.%s" % (rng.choice(IMAGE_PREFIX), rng.choice(["R3D", "w1", "stack", "t0", "max"]),
                                         rng.randint(1, 60), rng.choice(IMAGE_EXT))
                im = self.new_image(name, ds["group"], self.owner_for(ds["group"]),
                                    desc=self.description(0.2))
                self.dataset_image.add((did, im["id"]))
        # a few images linked into two datasets of the same group (many-to-many)
        for _ in range(max(2, n // 8)):
            did_a, iid = rng.choice(sorted(self.dataset_image))
            g = self.datasets[did_a]["group"]
            others = [d for d in self.datasets if self.datasets[d]["group"] == g and d not in (did_a, empty_ds)]
            if others:
                self.dataset_image.add((rng.choice(others), iid))
        # orphaned images (in no Dataset or Well)
        for _ in range(max(3, n // 5)):
            g = rng.choice(data_groups)
            self.new_image("orphan_%s_%03d.tif" % (rng.choice(IMAGE_PREFIX), rng.randint(1, 999)),
                           g, self.owner_for(g), desc=self.description(0.3))

        # ---- screens & plates -----------------------------------------
        # omero.txt "List Screens": 582 "Test data" / "This is the Screen description"
        self.screens[582] = {"id": 582, "Name": "Test data", "Description": "This is the Screen description",
                             "group": 5, "owner": 3}
        n_screens = max(3, n // 4)
        for _ in range(n_screens - 1):
            sid = self.pools["screens"].draw()
            g = rng.choice(data_groups)
            s = {"id": sid, "Name": rng.choice(["Kinase inhibitor screen", "Genome-wide siRNA", "Compound library",
                                                "CRISPR knockout pool", "Phenotypic profiling"]) + " " + rng.choice(["A", "B", "II", "2020", "v3"]),
                 "group": g, "owner": self.owner_for(g)}
            d = self.description(0.5)
            if d:
                s["Description"] = d
            self.screens[sid] = s
        sid_h = self.pools["screens"].draw()
        self.screens[sid_h] = {"id": sid_h, "Name": "Private screen", "group": 9, "owner": 88}
        screen_ids = [s for s in self.screens if s not in (582, sid_h)]
        # freedom: one screen without plates (empty child list)
        self.empty_screen = screen_ids[-1]
        plate_screens = [582] + screen_ids[:-1]

        # Plate 5067 (omero.txt "List Plates"/"Get a single Plate"): 8x12,
        # letter/number, ExternalIdentifier 003857, wellsampleIndex [0, 3];
        # PlateAcquisition 4217 (omero.txt "List Plate Acquisitions"):
        # MaximumFieldCount 3, wellsampleIndex [0, 2].
        self.plates[5067] = {"id": 5067, "Name": "Plate name", "Rows": 8, "Columns": 12,
                             "RowNamingConvention": "letter", "ColumnNamingConvention": "number",
                             "ExternalIdentifier": "003857", "group": 5, "owner": 3}
        self.screen_plate.add((582, 5067))
        self.pas[4217] = {"id": 4217, "plate": 5067, "MaximumFieldCount": 3, "group": 5, "owner": 3}
        pa2 = self.pools["pas"].draw()
        self.pas[pa2] = {"id": pa2, "plate": 5067, "MaximumFieldCount": 1, "Name": "Run 2 (re-scan)",
                         "StartTime": 1301400000000, "EndTime": 1301403600000, "group": 5, "owner": 3}
        positions = [(r, c) for r in range(8) for c in range(12)]
        filled = set(rng.sample(positions, 20))
        for (r, c) in positions:
            fields = []
            if (r, c) in filled:
                fields = [(4217, f) for f in range(3)] + [(pa2, 3)]
            self._make_well(5067, r, c, fields, "letter", "number", 5, 3)

        # Plate "plate1.HTD" holding Well 139 (omero.txt "List Wells in a Plate"):
        # Column 0 Row 0, WellSample 203, Image 2942, PlateAcquisition 102
        # (MaximumFieldCount 4, StartTime 1252938959000, EndTime 1252939813000)
        p1 = self.pools["plates"].draw()
        self.plates[p1] = {"id": p1, "Name": "plate1.HTD", "Rows": 2, "Columns": 3,
                           "RowNamingConvention": "letter", "ColumnNamingConvention": "number",
                           "group": 5, "owner": 3, "Description": "MetaXpress HTD import"}
        self.pas[102] = {"id": 102, "plate": p1, "MaximumFieldCount": 4, "StartTime": 1252938959000,
                         "EndTime": 1252939813000, "group": 5, "owner": 3}
        self.plate1 = p1
        for r in range(2):
            for c in range(3):
                self._make_well(p1, r, c, [(102, f) for f in range(4)], "letter", "number", 5, 3,
                                special=(r == 0 and c == 0))
        if len(plate_screens) > 1:
            self.screen_plate.add((plate_screens[1], p1))
            self.screens[plate_screens[1]]["group"] = 5

        # other plates
        n_plates = max(4, n // 4)
        for k in range(n_plates - 2):
            pid = self.pools["plates"].draw()
            g = rng.choice(data_groups)
            rows, cols = rng.choice([(2, 3), (3, 4), (4, 6), (2, 2)])
            rconv = rng.choice(["letter", "letter", "number"])
            cconv = "number"
            pl = {"id": pid, "Name": "%s-%04d" % (rng.choice(["HTS", "PL", "MX", "Operetta"]), rng.randint(1, 9999)),
                  "Rows": rows, "Columns": cols, "RowNamingConvention": rconv,
                  "ColumnNamingConvention": cconv, "group": g, "owner": self.owner_for(g)}
            if rng.random() < 0.6:
                pl["ExternalIdentifier"] = "%06d" % rng.randint(0, 999999)
            self.plates[pid] = pl
            if k == 0:
                # freedom: one plate with no wells at all
                pl["Name"] = "Empty plate (awaiting acquisition)"
                continue
            nfields = rng.randint(1, 3)
            npa = rng.choice([0, 1, 2])
            pa_ids = []
            for j in range(npa):
                aid = self.pools["pas"].draw()
                pa = {"id": aid, "plate": pid, "MaximumFieldCount": nfields, "group": g, "owner": pl["owner"]}
                if rng.random() < 0.7:
                    st = rng.randint(1250000000, 1690000000) * 1000
                    pa["StartTime"], pa["EndTime"] = st, st + rng.randint(600, 7200) * 1000
                if rng.random() < 0.5:
                    pa["Name"] = "Run %d" % (j + 1)
                self.pas[aid] = pa
                pa_ids.append(aid)
            for r in range(rows):
                for c in range(cols):
                    if rng.random() < 0.1:
                        fields = []
                    elif pa_ids:
                        fields = [(aid, f) for aid in pa_ids for f in range(nfields)]
                    else:
                        fields = [(None, f) for f in range(nfields)]
                    self._make_well(pid, r, c, fields, rconv, cconv, g, pl["owner"])
            # link into screens of the same group (some orphaned, some in two)
            cands = [s for s in plate_screens if self.screens[s]["group"] == g]
            roll = rng.random()
            if cands and roll > 0.15:
                for s in rng.sample(cands, 2 if roll > 0.85 and len(cands) > 1 else 1):
                    self.screen_plate.add((s, pid))

        # ---- ROIs -------------------------------------------------------
        # omero.txt "List ROIs": ROI 454 with Rectangle 713 (X 189, Y 192,
        # Width 98, Height 135, TheT 23, TheZ 1, ...)
        ds_imgs = sorted({i for (_, i) in self.dataset_image if self.images[i]["group"] != 9})
        roi_img = rng.choice([i for i in ds_imgs if i != 16783])
        rp = self.images[roi_img]["pixels"]
        rp["SizeT"], rp["SizeZ"] = 30, max(rp["SizeZ"], 5)
        rp["SizeX"], rp["SizeY"] = max(rp["SizeX"], 512), max(rp["SizeY"], 512)
        self.rois[454] = {"id": 454, "image": roi_img, "group": self.images[roi_img]["group"],
                          "owner": self.images[roi_img]["owner"],
                          "shapes": [{"@id": 713, "kind": "Rectangle", "X": 189, "Y": 192, "Width": 98,
                                      "Height": 135, "TheT": 23, "TheZ": 1, "FillColor": 1073741824,
                                      "StrokeColor": -993737532, "FontStyle": "Normal",
                                      "FontFamily": "sans-serif", "FontSize": 12, "Locked": False,
                                      "StrokeWidth": 1}]}
        roi_targets = rng.sample(ds_imgs, min(len(ds_imgs), max(3, n // 2)))
        for _ in range(max(0, n - 1)):
            iid = rng.choice(roi_targets)
            im = self.images[iid]
            self.rois[self.pools["rois"].draw()] = self._make_roi(im)

    def _make_roi(self, im):
        rng = self.rng
        px = im["pixels"]
        shapes = []
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(["Rectangle", "Ellipse", "Point", "Line", "Polyline", "Polygon", "Label"])
            sx, sy = px["SizeX"], px["SizeY"]
            x, y = round(rng.uniform(0, sx * 0.8), 1), round(rng.uniform(0, sy * 0.8), 1)
            s = {"@id": self.pools["shapes"].draw(), "kind": kind, "Locked": rng.random() < 0.1,
                 "StrokeColor": rng.choice([-16776961, 16711935, 65535, -993737532])}
            if rng.random() < 0.8:
                s["TheZ"] = rng.randrange(px["SizeZ"])
            if rng.random() < 0.8:
                s["TheT"] = rng.randrange(px["SizeT"])
            if rng.random() < 0.3:
                s["TheC"] = rng.randrange(px["SizeC"])
            if rng.random() < 0.5:
                s["FillColor"] = rng.choice([1073741824, 0, 1694498815])
            if rng.random() < 0.7:
                s["StrokeWidth"] = rng.choice([1, 2, 3])
            if kind == "Rectangle":
                s.update(X=x, Y=y, Width=round(rng.uniform(5, 120), 1), Height=round(rng.uniform(5, 120), 1))
            elif kind == "Ellipse":
                s.update(X=x, Y=y, RadiusX=round(rng.uniform(3, 60), 1), RadiusY=round(rng.uniform(3, 60), 1))
            elif kind == "Point":
                s.update(X=x, Y=y)
            elif kind == "Line":
                s.update(X1=x, Y1=y, X2=round(x + rng.uniform(5, 80), 1), Y2=round(y + rng.uniform(5, 80), 1))
            elif kind in ("Polyline", "Polygon"):
                pts = ["%s,%s" % (round(x + rng.uniform(0, 50), 1), round(y + rng.uniform(0, 50), 1))
                       for _ in range(rng.randint(3, 6))]
                s["Points"] = " ".join(pts)
            else:
                s.update(X=x, Y=y, Text=rng.choice(["nucleus", "mitotic", "debris", "cell 1"]),
                         FontFamily="sans-serif", FontSize=rng.choice([10, 12, 14]), FontStyle="Normal")
            shapes.append(s)
        roi = {"id": None, "image": im["id"], "group": im["group"], "owner": im["owner"], "shapes": shapes}
        if rng.random() < 0.4:
            roi["Name"] = rng.choice(["Nucleus", "Cell outline", "Background", "Spindle"])
        return roi

    def _make_well(self, plate_id, r, c, fields, rconv, cconv, g, owner, special=False):
        rng = self.rng
        wid = 139 if special else self.pools["wells"].draw()
        well = {"id": wid, "plate": plate_id, "Row": r, "Column": c, "group": g, "owner": owner, "samples": []}
        if rng.random() < 0.15:
            well["ExternalDescription"] = rng.choice(["control", "treated", "blank"])
        plate_name = self.plates[plate_id]["Name"]
        rlabel = ROW_LETTERS[r] if rconv == "letter" else str(r + 1)
        clabel = "%02d" % (c + 1) if cconv == "number" else ROW_LETTERS[c]
        base_x, base_y = rng.uniform(1000, 40000), rng.uniform(1000, 40000)
        sizes = (rng.choice([512, 696, 1024]),) * 2 + (1, rng.randint(1, 3), 1)
        for idx, (pa, f) in enumerate(fields):
            first = special and idx == 0
            name = "%s [Well %s%s Field #%d]" % (plate_name, rlabel, clabel, f + 1)
            if first:
                # omero.txt "List Wells in a Plate": Image 2942
                im = self.new_image("plate1.HTD [Well E02 Field #1]", g, owner, sizes=sizes, series=120,
                                    desc="Scan Time: Mon Sep 14 11:36:58 2009", acq=1252939626000,
                                    ids=(2942, self.pools["pixels"].draw()))
            else:
                acq = None
                if pa is not None and "StartTime" in self.pas[pa]:
                    acq = self.pas[pa]["StartTime"] + rng.randint(0, 600) * 1000
                im = self.new_image(name, g, owner, sizes=sizes, series=rng.randint(0, 400),
                                    desc=("Scan Time: %s" % time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime((acq or 1.3e12) / 1000)))
                                    if rng.random() < 0.5 else None, acq=acq)
            wsid = 203 if first else self.pools["wellsamples"].draw()
            ws = {"id": wsid, "well": wid, "image": im["id"], "pa": pa, "group": g, "owner": owner}
            if first:
                ws["PositionX"], ws["PositionY"] = 21864.47, 36711.98
            elif rng.random() < 0.9:
                ws["PositionX"] = round(base_x + f * 350.5, 2)
                ws["PositionY"] = round(base_y + f * 120.25, 2)
            self.wellsamples[wsid] = ws
            well["samples"].append(wsid)
        self.wells[wid] = well

    def finish(self):
        for rid, roi in list(self.rois.items()):
            if roi["id"] is None:
                roi["id"] = rid
        self.rois_by_shape = {s["@id"]: r for r in self.rois.values() for s in r["shapes"]}


# --------------------------------------------------------------------------
# JSON encoders (omero-marshal style)
# --------------------------------------------------------------------------

class Encoder:
    def __init__(self, store, base, user_id):
        self.s = store
        self.base = base          # e.g. http://127.0.0.1:8080
        self.m = base + "/api/v0/m/"
        self.user = user_id

    def experimenter(self, eid):
        e = self.s.experimenters[eid]
        out = {"@id": eid, "@type": T("Experimenter")}
        for k in ("UserName", "FirstName", "MiddleName", "LastName", "Email", "Institution"):
            if e.get(k) is not None:  # omero.txt "JSON format": nulls omitted
                out[k] = e[k]
        # omero.txt "List Projects": owner "omero:details" with perm "------"
        out["omero:details"] = {"@type": "TBD#Details", "permissions": perms("------", False)}
        return out

    def group(self, gid):
        g = self.s.groups[gid]
        out = {"@id": gid, "@type": T("ExperimenterGroup"), "Name": g["Name"]}
        if g.get("Description"):
            out["Description"] = g["Description"]
        out["omero:details"] = {"@type": "TBD#Details", "permissions": perms(g["perm"], False)}
        return out

    def details(self, obj):
        # omero.txt "JSON format": "omero:details specifies the owner, group and
        # permissions of each object in OMERO"
        return {"owner": self.experimenter(obj["owner"]), "group": self.group(obj["group"]),
                "@type": "TBD#Details", "permissions": perms(self.s.groups[obj["group"]]["perm"], True)}

    def project(self, p, child_count=False):
        pid = p["id"]
        out = {"@id": pid, "@type": T("Project"), "Name": p["Name"]}
        if p.get("Description") is not None:
            out["Description"] = p["Description"]
        out["omero:details"] = self.details(p)
        # omero.txt "List Projects": "url:project", "url:datasets"
        out["url:project"] = "%sprojects/%d/" % (self.m, pid)
        out["url:datasets"] = "%sprojects/%d/datasets/" % (self.m, pid)
        if child_count:
            # omero.txt "Child counts": "add an omero:childCount value"
            out["omero:childCount"] = sum(1 for (a, d) in self.s.project_dataset if a == pid)
        return out

    def dataset(self, d, child_count=False):
        did = d["id"]
        out = {"@id": did, "@type": T("Dataset"), "Name": d["Name"]}
        if d.get("Description") is not None:
            out["Description"] = d["Description"]
        out["omero:details"] = self.details(d)
        # omero.txt "List Datasets": "url:dataset", "url:images", "url:projects"
        # (the example spells url:dataset ".../m/dataset/112/" and @type
        # "#Project"; we use the plural route and the right type, see report)
        out["url:dataset"] = "%sdatasets/%d/" % (self.m, did)
        out["url:images"] = "%sdatasets/%d/images/" % (self.m, did)
        out["url:projects"] = "%sdatasets/%d/projects/" % (self.m, did)
        if child_count:
            out["omero:childCount"] = sum(1 for (a, i) in self.s.dataset_image if a == did)
        return out

    def screen(self, sc, child_count=False):
        sid = sc["id"]
        out = {"@id": sid, "@type": T("Screen"), "Name": sc["Name"]}
        if sc.get("Description") is not None:
            out["Description"] = sc["Description"]
        out["omero:details"] = self.details(sc)
        # omero.txt "List Screens": "url:screen", "url:plates"
        out["url:screen"] = "%sscreens/%d/" % (self.m, sid)
        out["url:plates"] = "%sscreens/%d/plates/" % (self.m, sid)
        if child_count:
            out["omero:childCount"] = sum(1 for (a, p) in self.s.screen_plate if a == sid)
        return out

    def plate_index_range(self, plate_id=None, pa_id=None):
        idx = []
        for w in self.s.wells.values():
            if plate_id is not None and w["plate"] != plate_id:
                continue
            for i, wsid in enumerate(w["samples"]):
                if pa_id is None or self.s.wellsamples[wsid]["pa"] == pa_id:
                    idx.append(i)
        if not idx:
            return None
        return [min(idx), max(idx)]

    def plate(self, pl, single=False, child_count=False):
        pid = pl["id"]
        out = {"@id": pid, "@type": T("Plate"), "Name": pl["Name"]}
        for k in ("Description", "Rows", "Columns", "RowNamingConvention", "ColumnNamingConvention",
                  "ExternalIdentifier"):
            if pl.get(k) is not None:
                out[k] = pl[k]
        out["omero:details"] = self.details(pl)
        # omero.txt "List Plates": url:plate, url:plateacquisitions, url:wells
        out["url:plate"] = "%splates/%d/" % (self.m, pid)
        out["url:plateacquisitions"] = "%splates/%d/plateacquisitions/" % (self.m, pid)
        out["url:wells"] = "%splates/%d/wells/" % (self.m, pid)
        if single:
            # omero.txt "Get a single Plate": "url:wellsampleindex_wells" and
            # "omero:wellsampleIndex": [0, 3] (min/max WellSampleIndex)
            rng = self.plate_index_range(plate_id=pid)
            if rng is not None:  # freedom: plate without fields -> both omitted (null)
                out["url:wellsampleindex_wells"] = ["%splates/%d/wellsampleindex/%d/wells/" % (self.m, pid, i)
                                                    for i in range(rng[0], rng[1] + 1)]
                out["omero:wellsampleIndex"] = rng
        if child_count:
            # freedom: childCount of a Plate counts its Wells
            out["omero:childCount"] = sum(1 for w in self.s.wells.values() if w["plate"] == pid)
        return out

    def plate_acquisition(self, pa, nested=False):
        aid = pa["id"]
        out = {"@id": aid, "@type": T("PlateAcquisition")}
        for k in ("Name", "MaximumFieldCount", "StartTime", "EndTime"):
            if pa.get(k) is not None:
                out[k] = pa[k]
        out["omero:details"] = self.details(pa)
        if not nested:
            # omero.txt "List Plate Acquisitions": url:plateacquisition,
            # url:wellsampleindex_wells, omero:wellsampleIndex [0, 2]
            out["url:plateacquisition"] = "%splateacquisitions/%d/" % (self.m, aid)
            rng = self.plate_index_range(pa_id=aid)
            if rng is not None:
                out["url:wellsampleindex_wells"] = [
                    "%splateacquisitions/%d/wellsampleindex/%d/wells/" % (self.m, aid, i)
                    for i in range(rng[0], rng[1] + 1)]
                out["omero:wellsampleIndex"] = rng
        return out

    def pixels(self, px, owner_obj, channels=False):
        out = {"@id": px["@id"], "@type": T("Pixels")}
        for k in ("SizeX", "SizeY", "SizeZ", "SizeC", "SizeT", "DimensionOrder", "SignificantBits"):
            out[k] = px[k]
        for k in ("PhysicalSizeX", "PhysicalSizeY", "PhysicalSizeZ"):
            if px.get(k) is not None:
                out[k] = length(px[k], "MICROMETER", "µm")
        out["Type"] = {"omero:details": {"@type": "TBD#Details", "permissions": perms("rwr-r-", False)},
                       "@id": PIXELS_TYPES[px["Type"]], "@type": "TBD#PixelsType", "value": px["Type"]}
        out["omero:sha1"] = px["sha1"]
        out["omero:details"] = self.details(owner_obj)
        if channels:
            # omero.txt "Get a single Image": "with the addition of Channels data"
            chs = []
            for ch in px["channels"]:
                c = {"omero:photometricInterpretation": {"omero:details": {}, "@id": 5,
                                                         "@type": "TBD#PhotometricInterpretation",
                                                         "value": "Monochrome"},
                     "Name": ch["Name"], "Color": ch["Color"], "omero:details": {},
                     "SamplesPerPixel": ch["SamplesPerPixel"],
                     "omero:LogicalChannelId": ch["logical"], "@id": ch["@id"], "@type": T("Channel")}
                if ch.get("Ex"):
                    c["ExcitationWavelength"] = length(ch["Ex"], "NANOMETER", "nm")
                    c["EmissionWavelength"] = length(ch["Em"], "NANOMETER", "nm")
                if ch.get("NDFilter") is not None:
                    c["NDFilter"] = ch["NDFilter"]
                chs.append(c)
            out["Channels"] = chs
        return out

    def image(self, im, pixels=True, channels=False):
        iid = im["id"]
        out = {"@id": iid, "@type": T("Image"), "Name": im["Name"]}
        for k in ("Description", "AcquisitionDate"):
            if im.get(k) is not None:
                out[k] = im[k]
        out["omero:series"] = im["series"]
        out["omero:details"] = self.details(im)
        # omero.txt "List Images": "url:image"
        out["url:image"] = "%simages/%d/" % (self.m, iid)
        if pixels:
            # omero.txt "Loading of linked objects": "loading Images also loads
            # their Pixels data (but not Channels)"
            out["Pixels"] = self.pixels(im["pixels"], im, channels=channels)
        return out

    def wellsample(self, ws, image_pixels=False):
        out = {"@id": ws["id"], "@type": T("WellSample")}
        if ws.get("PositionX") is not None:
            out["PositionX"] = length(ws["PositionX"], "REFERENCEFRAME", "reference frame")
        if ws.get("PositionY") is not None:
            out["PositionY"] = length(ws["PositionY"], "REFERENCEFRAME", "reference frame")
        out["omero:details"] = self.details(ws)
        out["Image"] = self.image(self.s.images[ws["image"]], pixels=image_pixels)
        if ws.get("pa") is not None:
            out["PlateAcquisition"] = self.plate_acquisition(self.s.pas[ws["pa"]], nested=True)
        return out

    def well(self, w, single=False, only_index=None):
        out = {"@id": w["id"], "@type": T("Well"), "Column": w["Column"], "Row": w["Row"]}
        if w.get("ExternalDescription"):
            out["ExternalDescription"] = w["ExternalDescription"]
        out["omero:details"] = self.details(w)
        # omero.txt "List Wells in a Plate": "url:well"
        out["url:well"] = "%swells/%d/" % (self.m, w["id"])
        samples = w["samples"]
        if only_index is not None:
            samples = [samples[only_index]]
        # omero.txt "Get a single Well": "include all the WellSamples and Images
        # with Pixels loaded"; listing Wells loads Images "but not Pixels"
        out["WellSamples"] = [self.wellsample(self.s.wellsamples[x], image_pixels=single) for x in samples]
        return out

    def shape(self, s):
        out = {"@id": s["@id"], "@type": T(s["kind"])}
        for k, v in s.items():
            if k in ("@id", "kind"):
                continue
            if k == "FontSize":
                out[k] = length(v, "POINT", "pt")
            elif k == "StrokeWidth":
                out[k] = length(v, "PIXEL", "pixel")
            else:
                out[k] = v
        out["omero:details"] = self.details(self.s.rois_by_shape[s["@id"]])
        return out

    def roi(self, r):
        out = {"@id": r["id"], "@type": T("ROI")}
        if r.get("Name"):
            out["Name"] = r["Name"]
        # omero.txt "List ROIs": "When ROIs are listed, their child Shapes will
        # also be loaded" -> key "shapes"
        out["shapes"] = [self.shape(s) for s in r["shapes"]]
        out["omero:details"] = self.details(r)
        return out


# --------------------------------------------------------------------------
# HTTP layer
# --------------------------------------------------------------------------

class HttpError(Exception):
    def __init__(self, status, message=None, html=False, headers=None):
        super().__init__(message)
        self.status, self.message, self.html = status, message, html
        self.headers = headers or {}


ID = r"([0-9]+)"
M = r"^/api/v0/m/"
ROUTES = [
    # (regex, name, methods)
    (r"^/api/$", "versions", {"GET"}),
    (r"^/api/v0/$", "base", {"GET"}),
    (r"^/api/v0/servers/$", "servers", {"GET"}),
    (r"^/api/v0/token/$", "token", {"GET"}),
    (r"^/api/v0/login/$", "login", {"POST"}),
    (M + r"save/$", "save", {"POST", "PUT"}),
    (M + r"projects/$", "projects", {"GET"}),
    (M + r"projects/" + ID + r"/$", "project", {"GET", "DELETE"}),
    (M + r"projects/" + ID + r"/datasets/$", "project_datasets", {"GET"}),
    (M + r"datasets/$", "datasets", {"GET"}),
    # freedom: the singular spelling used in the omero.txt "List Datasets" and
    # "List Screens" examples (".../m/dataset/112/", ".../m/screen/582/plates/")
    # is accepted as an alias of the documented plural routes.
    (M + r"datasets?/" + ID + r"/$", "dataset", {"GET", "DELETE"}),
    (M + r"datasets?/" + ID + r"/images/$", "dataset_images", {"GET"}),
    (M + r"datasets?/" + ID + r"/projects/$", "dataset_projects", {"GET"}),
    (M + r"images/$", "images", {"GET"}),
    (M + r"images/" + ID + r"/$", "image", {"GET"}),
    (M + r"images/" + ID + r"/rois/$", "image_rois", {"GET"}),
    (M + r"screens/$", "screens", {"GET"}),
    (M + r"screens?/" + ID + r"/$", "screen", {"GET", "DELETE"}),
    (M + r"screens?/" + ID + r"/plates/$", "screen_plates", {"GET"}),
    (M + r"plates/$", "plates", {"GET"}),
    (M + r"plates/" + ID + r"/$", "plate", {"GET"}),
    (M + r"plates/" + ID + r"/plateacquisitions/$", "plate_pas", {"GET"}),
    (M + r"plates/" + ID + r"/wells/$", "plate_wells", {"GET"}),
    (M + r"plates/" + ID + r"/wellsampleindex/" + ID + r"/wells/$", "plate_index_wells", {"GET"}),
    (M + r"plateacquisitions/" + ID + r"/$", "pa", {"GET"}),
    (M + r"plateacquisitions/" + ID + r"/wellsampleindex/" + ID + r"/wells/$", "pa_index_wells", {"GET"}),
    (M + r"wells/$", "wells", {"GET"}),
    (M + r"wells/" + ID + r"/$", "well", {"GET"}),
    (M + r"rois/$", "rois", {"GET"}),
]
ROUTES = [(re.compile(rx), name, methods) for (rx, name, methods) in ROUTES]


def match_route(path):
    for rx, name, methods in ROUTES:
        m = rx.match(path)
        if m:
            return name, methods, m.groups()
    return None


HTML_PAGE = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>"
             "<body><h1>{title}</h1><p>{text}</p></body></html>\n")


class State:
    """Sessions and CSRF tokens."""

    def __init__(self):
        self.lock = threading.Lock()
        self.csrf = set()
        self.sessions = {}
        self.session_counter = 171000 + random.randint(0, 900)

    def new_csrf(self):
        tok = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        with self.lock:
            self.csrf.add(tok)
        return tok

    def csrf_ok(self, tok):
        with self.lock:
            return tok in self.csrf


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OMERO.web-reference/5.27"   # freedom: extra Server header
    sys_version = ""
    store = None
    state = None

    def log_message(self, fmt, *args):
        pass

    # -- method entry points ---------------------------------------------
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

    # -- utilities --------------------------------------------------------
    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    self.close_connection = True
                    raise HttpError(400, "Malformed chunked body")
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > 10 * 1024 * 1024:
                    self.close_connection = True
                    raise HttpError(413, "Request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            n = int(cl)
            if n < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            raise HttpError(400, "Invalid Content-Length header")
        if n > 10 * 1024 * 1024:
            self.close_connection = True
            raise HttpError(413, "Request body too large")
        return self.rfile.read(n) if n else b""

    def base_url(self):
        host = self.headers.get("Host")
        if not host or not re.match(r"^[A-Za-z0-9.\-:\[\]]+$", host):
            host = "127.0.0.1:%d" % self.server.server_address[1]
        return "http://" + host

    def send(self, status, payload=None, html=None, headers=None):
        extra = dict(headers or {})
        if html is not None:
            body = html.encode("utf-8")
            ctype = "text/html; charset=utf-8"
        elif payload is not None:
            # omero.txt "JSON format": JSON objects
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            ctype = "application/json"
        else:
            body, ctype = b"", None
        ae = self.headers.get("Accept-Encoding") or ""
        gz = False
        for part in ae.split(","):
            bits = [b.strip() for b in part.split(";")]
            if bits[0].lower() in ("gzip", "x-gzip", "*"):
                q = 1.0
                for b in bits[1:]:
                    if b.lower().startswith("q="):
                        try:
                            q = float(b[2:])
                        except ValueError:
                            q = 0.0
                gz = gz or q > 0
        if body and gz:
            # freedom: gzip when the client accepts it
            body = gzip.compress(body, compresslevel=5)
            extra["Content-Encoding"] = "gzip"
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding, Cookie")
        # omero.txt "Versioning": "X-OMERO-ApiVersion: 0.1"
        self.send_header("X-OMERO-ApiVersion", API_VERSION)
        # freedom: extra undocumented headers
        self.send_header("X-Request-Id", self.req_id)
        self.send_header("X-Frame-Options", "SAMEORIGIN")
        for k, v in extra.items():
            self.send_header(k, v)
        for c in self.out_cookies:
            self.send_header("Set-Cookie", c)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def error_json(self, status, message, headers=None):
        self.send(status, {"message": message}, headers=headers)

    # -- main dispatcher ----------------------------------------------------
    def dispatch(self, method):
        self.req_id = uuid.uuid4().hex
        self.out_cookies = []
        try:
            try:
                self.body = self.read_body()
                self.handle_request(method)
            except HttpError as e:
                if e.html or e.message is None:
                    title = {400: "Bad Request (400)", 403: "Forbidden (403)", 404: "Not Found (404)",
                             405: "Method Not Allowed (405)", 413: "Payload Too Large (413)"}.get(
                        e.status, "Error (%d)" % e.status)
                    self.send(e.status, html=HTML_PAGE.format(title=title, text=e.message or title),
                              headers=e.headers)
                else:
                    self.error_json(e.status, e.message, headers=e.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # pragma: no cover - safety net
            # omero.txt "Error handling": "500 Internal Server Error: Generated
            # from any unhandled exceptions. See the message returned and check
            # whether a stacktrace is also included."
            try:
                self.send(500, {"message": str(e), "stacktrace": traceback.format_exc()})
            except Exception:
                self.close_connection = True

    def parse_cookies(self):
        jar = {}
        for raw in self.headers.get_all("Cookie") or []:
            for piece in raw.split(";"):
                if "=" in piece:
                    k, v = piece.split("=", 1)
                    jar.setdefault(k.strip(), v.strip().strip('"'))
        return jar

    def handle_request(self, method):
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path or "/")
        self.query = {}
        for k, v in urllib.parse.parse_qsl(split.query, keep_blank_values=True):
            self.query[k] = v   # like Django's QueryDict.get: last value wins
        self.cookies = self.parse_cookies()

        # omero.txt "Get CSRF token": "You can obtain this from the csrftoken
        # cookie of any request" -> every response without a valid csrftoken
        # cookie in the request sets one.
        ck = self.cookies.get("csrftoken")
        if ck and self.state.csrf_ok(ck):
            self.csrf_token = ck
        else:
            hdr = self.headers.get("X-CSRFToken")
            self.csrf_token = hdr if hdr and self.state.csrf_ok(hdr) else self.state.new_csrf()
            self.out_cookies.append("csrftoken=%s; Path=/; SameSite=Lax; Max-Age=31449600" % self.csrf_token)

        found = match_route(path)
        if found is None:
            if not path.endswith("/") and match_route(path + "/") and method in ("GET", "HEAD"):
                # freedom: Django-style APPEND_SLASH redirect
                loc = split.path + "/" + ("?" + split.query if split.query else "")
                raise HttpError(301, "Moved to %s" % loc, html=True, headers={"Location": loc})
            # omero.txt "Error handling": "404 Not Found: Caused by an invalid URL"
            # freedom: HTML page for unknown URLs
            raise HttpError(404, "The requested resource %s was not found on this server." % path, html=True)
        name, methods, groups = found
        allowed = set(methods)
        if "GET" in allowed:
            allowed.add("HEAD")
        allow_hdr = ", ".join(sorted(allowed | {"OPTIONS"}))
        if method == "OPTIONS":
            self.send(200, None, headers={"Allow": allow_hdr})
            return
        if method not in allowed:
            # omero.txt "Error handling": "405 Method Not Allowed: Returned if
            # you try to use the wrong http method for a url, such as POST to
            # /api/v0/m/projects/"
            if name == "login":
                msg = "POST only with username, password, server and csrftoken"
            else:
                msg = "Method %s is not allowed for %s" % (method, path)
            raise HttpError(405, msg, headers={"Allow": allow_hdr})

        if method in ("POST", "PUT", "DELETE"):
            self.check_csrf(method)

        if name in ("versions", "base", "servers", "token", "login"):
            getattr(self, "h_" + name)()
            return

        # freedom (see report): the model URLs need a logged-in session; the
        # document's flow logs in first and speaks of "the current user".
        self.session = self.current_session()
        if self.session is None:
            raise HttpError(403, "Not logged in")
        self.enc = Encoder(self.store, self.base_url(), self.session["user"])
        self.visible_groups = set(self.store.user_groups[self.session["user"]])
        with self.store.lock:
            self.route_model(name, method, [int(g) for g in groups])

    # -- CSRF and sessions --------------------------------------------------
    def form_fields(self):
        ctype = (self.headers.get("Content-Type") or "").lower()
        fields = {}
        if not self.body:
            return fields
        if ctype.startswith("application/x-www-form-urlencoded"):
            try:
                for k, v in urllib.parse.parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True):
                    fields[k] = v
            except Exception:
                pass
        elif ctype.startswith("multipart/form-data"):
            try:
                raw = (b"Content-Type: " + self.headers.get("Content-Type").encode("latin-1") +
                       b"\r\nMIME-Version: 1.0\r\n\r\n" + self.body)
                msg = BytesParser(policy=email_policy.HTTP).parsebytes(raw)
                for part in msg.iter_parts():
                    nm = part.get_param("name", header="content-disposition")
                    if nm:
                        payload = part.get_payload(decode=True) or b""
                        fields[nm] = payload.decode("utf-8", "replace")
            except Exception:
                pass
        elif ctype.startswith("application/json"):
            # freedom: a JSON object body is also accepted for login parameters
            try:
                obj = json.loads(self.body.decode("utf-8"))
                if isinstance(obj, dict):
                    for k, v in obj.items():
                        if isinstance(v, (str, int)) and not isinstance(v, bool):
                            fields[k] = str(v)
            except Exception:
                pass
        return fields

    def check_csrf(self, method):
        # omero.txt "Get CSRF token": "CSRF tokens are required for any POST,
        # PUT and DELETE requests"; "Login": "either in the POST parameters as
        # csrfmiddlewaretoken or in the session header as X-CSRFToken"
        tok = self.headers.get("X-CSRFToken")
        if not tok and method == "POST":
            tok = self.form_fields().get("csrfmiddlewaretoken")
        reason = None
        if not tok:
            reason = "CSRF token missing."
        elif not self.state.csrf_ok(tok):
            reason = "CSRF token incorrect."
        else:
            ck = self.cookies.get("csrftoken")
            # freedom: if the csrftoken cookie is sent it must match; a client
            # that does not keep cookies may send the token alone.
            if ck and ck != tok:
                reason = "CSRF token from the 'X-CSRFToken' HTTP header does not match the csrftoken cookie."
        if reason:
            # freedom: the document gives no body for this refusal; Django-style
            # HTML 403 page.
            raise HttpError(403, "CSRF verification failed. Request aborted. Reason: " + reason, html=True)

    def current_session(self):
        sid = self.cookies.get("sessionid")
        if not sid:
            return None
        with self.state.lock:
            return self.state.sessions.get(sid)

    # -- non-model handlers -------------------------------------------------
    def h_versions(self):
        # omero.txt "List supported versions": GET /api/ ->
        # {"data": [{"version": "0", "url:base": "http:///api/v0/"}]}
        self.send(200, {"data": [{"version": "0", "url:base": self.base_url() + "/api/v0/"}]})

    def h_base(self):
        # omero.txt "List starting URLs": GET /api/v0/
        b = self.base_url() + "/api/v0/"
        self.send(200, {
            "url:login": b + "login/",
            "url:save": b + "m/save/",
            "url:projects": b + "m/projects/",
            "url:plates": b + "m/plates/",
            "url:datasets": b + "m/datasets/",
            "url:token": b + "token/",
            "url:schema": SCHEMA,
            "url:screens": b + "m/screens/",
            "url:servers": b + "servers/",
            "url:images": b + "m/images/",
            # freedom: additional URLs ("addition of new URLs" is non-breaking,
            # omero.txt "Versioning")
            "url:rois": b + "m/rois/",
            "url:wells": b + "m/wells/",
        })

    def h_servers(self):
        # omero.txt "List available OMERO servers": {"data": [{"host": "",
        # "server": "omero", "id": 1, "port": 4064}]}
        self.send(200, {"data": [{"host": "localhost", "server": "omero", "id": 1, "port": 4064}]})

    def h_token(self):
        # omero.txt "Get CSRF token": {"data": "eNoVq528bOqlhQqbCzKuviODTRX3PUO2"}
        self.send(200, {"data": self.csrf_token})

    def h_login(self):
        # omero.txt "Login": parameters server, username, password,
        # csrfmiddlewaretoken; response {"eventContext": {...}, "success": true}
        f = self.form_fields()
        username, password, server = f.get("username"), f.get("password"), f.get("server", "1")
        # freedom: login failures are 403 with a JSON message (no error is
        # documented for login).
        if not username or not password:
            raise HttpError(403, "Login failed: username and password are required")
        try:
            server_id = int(server)
        except ValueError:
            raise HttpError(403, "Login failed: server must be the ID of a server, got %r" % server)
        if server_id != 1:
            raise HttpError(403, "Login failed: unknown server %d" % server_id)
        ok_user = hmac.compare_digest(username.encode(), LOGIN_USERNAME.encode())
        ok_pass = hmac.compare_digest(password.encode(), LOGIN_PASSWORD.encode())
        if not (ok_user and ok_pass):
            raise HttpError(403, "Login failed. Reason: Incorrect username or password")
        sid = secrets.token_hex(16)
        with self.state.lock:
            self.state.session_counter += random.randint(1, 40)
            sess = {"user": LOGIN_USER_ID, "group": 5, "uuid": str(uuid.uuid4()),
                    "sessionId": self.state.session_counter}
            self.state.sessions[sid] = sess
        self.out_cookies.append("sessionid=%s; HttpOnly; Path=/; SameSite=Lax" % sid)
        st = self.store
        self.send(200, {
            "eventContext": {
                "userName": LOGIN_USERNAME,
                "eventId": -1,
                "sessionUuid": sess["uuid"],
                "eventType": "User",
                "userId": LOGIN_USER_ID,
                "sessionId": sess["sessionId"],
                "groupName": st.groups[5]["Name"],
                "isAdmin": False,
                "memberOfGroups": list(st.user_groups[LOGIN_USER_ID]),
                "leaderOfGroups": list(st.leader_of[LOGIN_USER_ID]),
                "groupId": 5,
            },
            "success": True,
        })

    # -- query-parameter helpers ------------------------------------------
    def q_int(self, name, default=None, lo=None):
        raw = self.query.get(name)
        if raw is None:
            return default
        try:
            val = int(raw)
        except ValueError as e:
            # omero.txt "Error handling": "?limit=foo will give ... 400
            # {"message": "invalid literal for int() with base 10: 'foo'"}"
            raise HttpError(400, str(e))
        if val > JAVA_LONG_MAX or val < -JAVA_LONG_MAX - 1:
            raise HttpError(400, "%s=%s is out of range" % (name, raw))
        if lo is not None and val < lo:
            raise HttpError(400, "%s must be >= %d, got %d" % (name, lo, val))
        return val

    def q_bool(self, name):
        raw = self.query.get(name)
        if raw is None:
            return False
        # omero.txt parameter table: "Use ?childCount=true"; freedom: lenient
        return raw.strip().lower() in ("true", "1", "yes", "on")

    def paging(self):
        # omero.txt "Projects, Datasets and Images" parameter table: "offset
        # Number Pagination offset. The default is 0", "limit ... The default is 200"
        offset = self.q_int("offset", 0, lo=0)
        limit = self.q_int("limit", DEFAULT_LIMIT, lo=1)
        # omero.txt "Pagination": "The maxLimit setting prevents API consumers
        # from requesting very large amounts of data" -> clamp to maxLimit
        return offset, min(limit, MAX_LIMIT)

    def visible(self, obj):
        return obj is not None and obj["group"] in self.visible_groups

    def common_filters(self, items, group_ok=True):
        # omero.txt "Filtering by Owner and Group": "?owner=3&group=5"
        owner = self.q_int("owner")
        group = self.q_int("group") if group_ok else None
        out = [o for o in items if self.visible(o)]
        if owner is not None:
            out = [o for o in out if o["owner"] == owner]
        if group is not None:
            out = [o for o in out if o["group"] == group]
        return out

    def list_reply(self, items, encode, normalize_ok=True, delay=False):
        offset, limit = self.paging()
        normalize = normalize_ok and self.q_bool("normalize")
        total = len(items)
        page = items[offset:offset + limit]
        if delay and offset > 0:
            time.sleep(random.uniform(0.02, 0.05))  # freedom: small delay on later pages
        data = [encode(o) for o in page]
        # omero.txt "Pagination": "meta": {"totalCount", "maxLimit", "limit", "offset"}
        out = {"data": data, "meta": {"totalCount": total, "maxLimit": MAX_LIMIT, "limit": limit,
                                      "offset": offset}}
        if normalize:
            # omero.txt "Normalizing Experimenters and Groups": "remove objects
            # from within each omero:details and place them under top-level
            # experimenters and experimenterGroups lists" (top-level objects only)
            exps, grps = {}, {}
            for o in data:
                d = o.get("omero:details")
                if not d:
                    continue
                ow, gr = d["owner"], d["group"]
                exps[ow["@id"]] = ow
                grps[gr["@id"]] = gr
                # freedom: a reference {"@id", "@type"} is left in place
                d["owner"] = {"@id": ow["@id"], "@type": ow["@type"]}
                d["group"] = {"@id": gr["@id"], "@type": gr["@type"]}
            out["experimenters"] = [exps[k] for k in sorted(exps)]
            out["experimenterGroups"] = [grps[k] for k in sorted(grps)]
        self.send(200, out)

    # freedom: no order is documented for most lists; containers and images
    # are ordered by case-insensitive Name, then id (not insertion order).
    @staticmethod
    def by_name(items):
        return sorted(items, key=lambda o: (o["Name"].lower(), o["id"]))

    @staticmethod
    def wells_order(items):
        # omero.txt "List Wells in a Plate": "Wells are ordered by Column and Row."
        return sorted(items, key=lambda w: (w["Column"], w["Row"], w["plate"], w["id"]))

    def get_visible(self, table, oid, label):
        obj = getattr(self.store, table).get(oid)
        if not self.visible(obj):
            # omero.txt "Error handling": "404 Not Found: ... when a specified
            # object cannot be found in OMERO"
            raise HttpError(404, "%s %d not found" % (label, oid))
        return obj

    # -- model routes -------------------------------------------------------
    def route_model(self, name, method, ids):
        st, enc = self.store, self.enc
        if name == "save":
            return self.h_save(method)
        if name in ("project", "dataset", "screen"):
            table = name + "s"
            label = name.capitalize()
            obj = self.get_visible(table, ids[0], label)
            single = {"project": enc.project, "dataset": enc.dataset, "screen": enc.screen}[name]
            if method == "DELETE":
                return self.h_delete(table, obj, single)
            return self.send(200, {"data": single(obj)})

        if name in ("projects", "project_datasets", "dataset_projects"):
            if name == "projects":
                items = list(st.projects.values())
                # omero.txt "List Projects": "dataset Number Filter Projects by child Dataset ID"
                did = self.q_int("dataset")
            else:
                if name == "dataset_projects":
                    self.get_visible("datasets", ids[0], "Dataset")
                    did = ids[0]
                    items = list(st.projects.values())
                else:
                    # omero.txt "Datasets in a Project": GET /api/v0/m/projects/{project_id}/datasets/
                    self.get_visible("projects", ids[0], "Project")
                    return self.list_datasets(project=ids[0])
            if did is not None:
                pids = {p for (p, d) in st.project_dataset if d == did}
                items = [p for p in items if p["id"] in pids]
            items = self.by_name(self.common_filters(items))
            cc = self.q_bool("childCount")
            return self.list_reply(items, lambda p: enc.project(p, child_count=cc))

        if name == "datasets":
            return self.list_datasets(project=self.q_int("project"))
        if name == "dataset_images":
            # omero.txt "Images in a Dataset": GET /api/v0/m/datasets/{dataset_id}/images/
            self.get_visible("datasets", ids[0], "Dataset")
            return self.list_images(dataset=ids[0])
        if name == "images":
            return self.list_images(dataset=self.q_int("dataset"))
        if name == "image":
            im = self.get_visible("images", ids[0], "Image")
            # omero.txt "Get a single Image": "the Channels data is additionally
            # loaded".  freedom/ambiguity: "data" is an object (the example
            # shows a list; see report).
            return self.send(200, {"data": enc.image(im, pixels=True, channels=True)})
        if name == "image_rois":
            # omero.txt "ROIs on an Image": GET /api/v0/m/images/{image_id}/rois/
            self.get_visible("images", ids[0], "Image")
            return self.list_rois(image=ids[0])
        if name == "rois":
            # omero.txt "List ROIs": "image Number Filter ROIs by Image ID"
            return self.list_rois(image=self.q_int("image"))

        if name in ("screens",):
            items = list(st.screens.values())
            # omero.txt "List Screens": "plate Number Filter ... by child Plate ID"
            pid = self.q_int("plate")
            if pid is not None:
                sids = {s for (s, p) in st.screen_plate if p == pid}
                items = [s for s in items if s["id"] in sids]
            items = self.by_name(self.common_filters(items))
            cc = self.q_bool("childCount")
            return self.list_reply(items, lambda s: enc.screen(s, child_count=cc))
        if name == "screen_plates":
            # omero.txt "Plates in a Screen": GET /api/v0/m/screens/{screen_id}/plates/
            self.get_visible("screens", ids[0], "Screen")
            return self.list_plates(screen=ids[0])
        if name == "plates":
            return self.list_plates(screen=self.q_int("screen"))
        if name == "plate":
            pl = self.get_visible("plates", ids[0], "Plate")
            return self.send(200, {"data": enc.plate(pl, single=True)})
        if name == "plate_pas":
            # omero.txt "List Plate Acquisitions": GET /api/v0/m/plates/{plate_id}/plateacquisitions/
            self.get_visible("plates", ids[0], "Plate")
            items = [a for a in st.pas.values() if a["plate"] == ids[0]]
            items = sorted(self.common_filters(items), key=lambda a: a["id"])  # freedom: by id
            return self.list_reply(items, enc.plate_acquisition)
        if name == "pa":
            pa = self.get_visible("pas", ids[0], "PlateAcquisition")
            return self.send(200, {"data": enc.plate_acquisition(pa)})
        if name == "plate_wells":
            # omero.txt "List Wells in a Plate": parameters "offset, limit, owner, normalize"
            self.get_visible("plates", ids[0], "Plate")
            return self.list_wells(plate=ids[0])
        if name == "wells":
            # omero.txt "List Wells in a Plate": "top-level URL /api/v0/m/wells/
            # optionally filtering by the plate query parameter"
            return self.list_wells(plate=self.q_int("plate"))
        if name in ("plate_index_wells", "pa_index_wells"):
            # omero.txt "List Wells by WellSample Index": "loading only a single
            # WellSample and Image per Well ... will not include empty Wells"
            oid, index = ids
            if name == "plate_index_wells":
                self.get_visible("plates", oid, "Plate")
                cand = [w for w in st.wells.values() if w["plate"] == oid and len(w["samples"]) > index]
            else:
                pa = self.get_visible("pas", oid, "PlateAcquisition")
                cand = [w for w in st.wells.values() if w["plate"] == pa["plate"] and len(w["samples"]) > index
                        and st.wellsamples[w["samples"][index]]["pa"] == oid]
            items = self.wells_order(self.common_filters(cand, group_ok=False))
            return self.list_reply(items, lambda w: enc.well(w, only_index=index))
        if name == "well":
            w = self.get_visible("wells", ids[0], "Well")
            return self.send(200, {"data": enc.well(w, single=True)})
        raise HttpError(404, "Not found", html=True)

    def list_datasets(self, project=None):
        st, enc = self.store, self.enc
        items = list(st.datasets.values())
        # omero.txt "List Datasets": project / image / orphaned filters
        if project is not None:
            dids = {d for (p, d) in st.project_dataset if p == project}
            items = [d for d in items if d["id"] in dids]
        image = self.q_int("image")
        if image is not None:
            dids = {d for (d, i) in st.dataset_image if i == image}
            items = [d for d in items if d["id"] in dids]
        if self.q_bool("orphaned"):
            linked = {d for (_, d) in st.project_dataset}
            items = [d for d in items if d["id"] not in linked]
        items = self.by_name(self.common_filters(items))
        cc = self.q_bool("childCount")
        return self.list_reply(items, lambda d: enc.dataset(d, child_count=cc))

    def list_images(self, dataset=None):
        st, enc = self.store, self.enc
        items = list(st.images.values())
        # omero.txt "List Images": "dataset Number Filter Images by parent
        # Dataset ID", "orphaned Boolean Find Images that are not in any Dataset or Well"
        if dataset is not None:
            iids = {i for (d, i) in st.dataset_image if d == dataset}
            items = [i for i in items if i["id"] in iids]
        if self.q_bool("orphaned"):
            linked = {i for (_, i) in st.dataset_image} | {ws["image"] for ws in st.wellsamples.values()}
            items = [i for i in items if i["id"] not in linked]
        items = self.by_name(self.common_filters(items))
        # omero.txt "List Images": parameters "offset, limit, owner, group,
        # normalize" (no childCount for Images)
        return self.list_reply(items, lambda i: enc.image(i, pixels=True), delay=True)

    def list_plates(self, screen=None):
        st, enc = self.store, self.enc
        items = list(st.plates.values())
        # omero.txt "List Plates": screen / well / orphaned filters
        if screen is not None:
            pids = {p for (s, p) in st.screen_plate if s == screen}
            items = [p for p in items if p["id"] in pids]
        well = self.q_int("well")
        if well is not None:
            w = st.wells.get(well)
            items = [p for p in items if w is not None and p["id"] == w["plate"]]
        if self.q_bool("orphaned"):
            linked = {p for (_, p) in st.screen_plate}
            items = [p for p in items if p["id"] not in linked]
        items = self.by_name(self.common_filters(items))
        cc = self.q_bool("childCount")
        return self.list_reply(items, lambda p: enc.plate(p, child_count=cc))

    def list_wells(self, plate=None):
        st, enc = self.store, self.enc
        items = list(st.wells.values())
        if plate is not None:
            items = [w for w in items if w["plate"] == plate]
        # omero.txt "List Wells in a Plate": "offset, limit, owner, normalize"
        items = self.wells_order(self.common_filters(items, group_ok=False))
        return self.list_reply(items, enc.well, delay=True)

    def list_rois(self, image=None):
        st, enc = self.store, self.enc
        items = list(st.rois.values())
        if image is not None:
            items = [r for r in items if r["image"] == image]
        # freedom: ROIs are ordered by id
        items = sorted(self.common_filters(items), key=lambda r: r["id"])
        return self.list_reply(items, enc.roi)

    # -- writes ------------------------------------------------------------
    def h_delete(self, table, obj, single):
        # omero.txt "Deleting objects": "To delete a Project, Dataset or
        # Screen, simply DELETE using the URL to that object. The deleted
        # object will be returned."
        st = self.store
        out = single(obj)
        oid = obj["id"]
        del getattr(st, table)[oid]
        # freedom: children are kept (they become orphaned); only links go.
        if table == "projects":
            st.project_dataset = {l for l in st.project_dataset if l[0] != oid}
        elif table == "datasets":
            st.project_dataset = {l for l in st.project_dataset if l[1] != oid}
            st.dataset_image = {l for l in st.dataset_image if l[0] != oid}
        elif table == "screens":
            st.screen_plate = {l for l in st.screen_plate if l[0] != oid}
        self.send(200, {"data": out})

    def h_save(self, method):
        st, enc = self.store, self.enc
        # omero.txt "Error handling": "400 Bad Request: May be caused by ...
        # submitting invalid JSON content"
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise HttpError(400, "Invalid JSON content: %s" % e)
        if not isinstance(data, dict):
            raise HttpError(400, "JSON content must be an object")
        typ = data.get("@type")
        if not isinstance(typ, str) or not typ:
            raise HttpError(400, "Need to specify @type attribute")
        # omero.txt "Object types": "@type must be based on the currently
        # supported Schema URL ... appending # and the object name"
        if "#" not in typ:
            raise HttpError(400, "Invalid @type '%s': expected %s#<ObjectName>" % (typ, SCHEMA))
        schema, kind = typ.rsplit("#", 1)
        if schema != SCHEMA:
            raise HttpError(400, "@type '%s' is not based on the supported schema %s" % (typ, SCHEMA))
        if kind not in SAVABLE:
            if kind in KNOWN_UNSAVABLE:
                # omero.txt "Error handling": 405 "caused by trying to create or
                # update an unsupported object, such as an Image"
                raise HttpError(405, "Saving of %s objects is not supported" % kind,
                                headers={"Allow": "OPTIONS, POST, PUT"})
            raise HttpError(400, "Unknown @type '%s'" % typ)
        table = SAVABLE[kind]
        # freedom: Name is required (OMERO containers have a non-null name);
        # Description optional; other attributes (url:*, omero:*) ignored.
        name = data.get("Name")
        if name is None:
            raise HttpError(400, "%s requires a 'Name' attribute" % kind)
        if not isinstance(name, str):
            raise HttpError(400, "'Name' must be a string")
        desc = data.get("Description")
        if desc is not None and not isinstance(desc, str):
            raise HttpError(400, "'Description' must be a string")
        single = {"projects": enc.project, "datasets": enc.dataset, "screens": enc.screen}[table]

        if method == "POST":
            # omero.txt "Creating objects": POST /api/v0/m/save/?group={group_id}
            if data.get("@id") is not None:
                raise HttpError(400, "Object has '@id' attribute. Use PUT to update an existing object")
            gid = self.q_int("group")
            if gid is None:
                gid = self.session["group"]   # freedom: default to the session's group
            if gid not in self.store.groups:
                raise HttpError(400, "Group %d does not exist" % gid)
            if gid not in self.visible_groups:
                raise HttpError(400, "Cannot save in group %d: not a member" % gid)
            oid = st.pools[table].next_after_max()
            obj = {"id": oid, "Name": name, "group": gid, "owner": self.session["user"]}
            if desc is not None:
                obj["Description"] = desc
            getattr(st, table)[oid] = obj
            # freedom: 201 Created (the document gives no status for creation)
            return self.send(201, {"data": single(obj)})

        # PUT: omero.txt "Updating objects": "The API supports PUT to replace
        # existing objects with the submitted data"
        oid = data.get("@id")
        if oid is None:
            raise HttpError(400, "No '@id' attribute. Use POST to create new objects")
        if not isinstance(oid, int) or isinstance(oid, bool):
            raise HttpError(400, "'@id' must be an integer")
        obj = getattr(st, table).get(oid)
        if not self.visible(obj):
            raise HttpError(404, "%s %d not found" % (kind, oid))
        obj["Name"] = name
        if desc is None:
            obj.pop("Description", None)   # replace: absent -> removed
        else:
            obj["Description"] = desc
        return self.send(200, {"data": single(obj)})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # clients that drop the connection are not worth a traceback
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="OMERO JSON API reference server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--records", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    store = Store(args.records, args.seed)
    store.finish()
    Handler.store = store
    Handler.state = State()
    httpd = Server(("127.0.0.1", args.port), Handler)
    port = httpd.server_address[1]

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening on http://127.0.0.1:%d" % port, flush=True)
    print("username: %s" % LOGIN_USERNAME)
    print("password: %s" % LOGIN_PASSWORD)
    print("server: 1")
    print("auth: GET /api/v0/token/ (csrftoken), then POST /api/v0/login/ with username, password, "
          "server and the token as csrfmiddlewaretoken or X-CSRFToken header; keep the sessionid "
          "cookie and send X-CSRFToken on POST/PUT/DELETE", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
