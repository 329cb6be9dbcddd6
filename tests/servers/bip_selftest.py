#!/usr/bin/env python3
"""Self-test for tests/servers/bip.py (stdlib only).  Starts the server on port 0,
exercises every documented route and checks the answers against bip.txt.  Exit 0 = pass."""
import datetime as dt
import gzip
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
FAILS = []
SEED = sys.argv[1] if len(sys.argv) > 1 else "3"  # optional: seed to start the server with


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL:", msg)


class Client:
    def __init__(self, base, key):
        self.base, self.key = base, key

    def req(self, method, path, body=None, key="default", headers=None, raw=None):
        url = self.base + path
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Accept": "application/json", "Content-Type": "application/json"}
        k = self.key if key == "default" else key
        if k is not None:
            h["X-BIP-Api-Key"] = k
        h.update(headers or {})
        r = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            resp = urllib.request.urlopen(r, timeout=10)
            status, hdrs, payload = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, payload = e.code, e.headers, e.read()
        if hdrs.get("Content-Encoding") == "gzip":
            payload = gzip.decompress(payload)
        ctype = hdrs.get("Content-Type") or ""
        doc = None
        if "json" in ctype and payload:
            doc = json.loads(payload)
        return status, hdrs, doc, payload


def q(path):
    return quote(path, safe="/?=&")


def main():
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "bip.py"), "--port", "0", "--records", "40", "--seed", SEED],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith("listening on http://127.0.0.1:"), first
        creds = {}
        for _ in range(5):
            k, v = proc.stdout.readline().strip().split(": ", 1)
            creds[k] = v
        base = first.split(" ", 2)[2]
        c = Client(base, creds["api-key"])
        c2 = Client(base, creds["api-key-2"])
        me, other = creds["username"], creds["username-2"]
        run(c, c2, me, other)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("all checks passed")
    return 0


RESOURCES = {
    "countries": "country", "design_factors": "design_factor", "linkage_groups": "linkage_group",
    "linkage_maps": "linkage_map", "map_locus_hits": "map_locus_hit", "map_positions": "map_position",
    "marker_assays": "marker_assay", "plant_accessions": "plant_accession", "plant_lines": "plant_line",
    "plant_parts": "plant_part", "plant_populations": "plant_population",
    "plant_population_lists": "plant_population_list", "plant_scoring_units": "plant_scoring_unit",
    "plant_trials": "plant_trial", "plant_varieties": "plant_variety", "population_loci": "population_locus",
    "population_types": "population_type", "primers": "primer", "probes": "probe", "qtls": "qtl",
    "qtl_jobs": "qtl_job", "taxonomy_terms": "taxonomy_term", "traits": "trait",
    "trait_descriptors": "trait_descriptor", "trait_scores": "trait_score",
}
READ_ONLY = {"countries", "plant_parts", "population_types", "taxonomy_terms", "traits"}

# Document POST examples (bip.txt:397-1286).  PlantPopulation and PlantTrial examples omit
# table-required attributes; those are completed here (see the 422 checks below).
EXAMPLES = {
    "design_factors": {"design_factor_name": "New design of our institute",
                       "design_factors": ["block_2", "row_V", "plot_354"], "design_unit_counter": "354"},
    "linkage_groups": {"linkage_group_label": "2015_group1", "linkage_group_name": "NG2",
                       "consensus_group_assignment": "C02"},
    "linkage_maps": {"linkage_map_label": "2015_group1", "linkage_map_name": "B rapa map 2015", "map_version_no": "2"},
    "map_locus_hits": {"consensus_group_assignment": "C02", "canonical_marker_name": "PW177",
                       "associated_sequence_id": "1", "sequence_source_acronym": "NCBI_GSS"},
    "map_positions": {"map_position": "102.5"},
    "marker_assays": {"marker_assay_name": "My marker assay name", "canonical_marker_name": "Mma"},
    "plant_accessions": {"plant_accession": "Accession1", "originating_organisation": "EI", "plant_line_id": 15523},
    "plant_lines": {"plant_line_name": "My new line"},
    "plant_populations": {"name": "My new population", "establishing_organisation": "EI"},
    "plant_population_lists": {"plant_population_id": 5, "plant_line_id": 78},
    "plant_scoring_units": {"scoring_unit_name": "plant_2/2016", "plant_accession_id": 755, "plant_trial_id": 1},
    "plant_trials": {"plant_trial_name": "BIPrassica Trial Spring 2016", "project_descriptor": "BIPrassica Project",
                     "trial_year": "2016", "place_name": "Norwich", "country_id": 107,
                     "plant_trial_description": "Spring trial", "institute_id": "EI"},
    "plant_varieties": {"plant_variety_name": "BIPrassica"},
    "population_loci": {"mapping_locus": "A07.790"},
    "primers": {"primer": "pr3_ENA3", "sequence": "GTCAAGTTTCTCTCCACACC"},
    "probes": {"probe_name": "pR60", "clone_name": "pR60", "sequence_id": "70814396", "sequence_source_acronym": "NCBI_GSS"},
    "qtls": {"qtl_rank": "7", "map_qtl_label": "Mg-f-mr", "qtl_mid_position": "52.96"},
    "qtl_jobs": {"qtl_job_name": "My first QTL run", "qtl_software": "QTL Cafe", "qtl_method": "Marker regression"},
    "trait_descriptors": {"units_of_measurements": "percent total seed fatty acid (%)", "category": "seed composition",
                          "scoring_method": "Gas Chromatography", "trait_id": 1353},
    "trait_scores": {"score_value": "1000", "plant_scoring_unit_id": 56456, "trait_descriptor_id": 2},
}


def all_pages(c, plural, extra=""):
    out, page = [], 1
    while True:
        st, _, doc, _ = c.req("GET", q("/api/v1/%s?per_page=200&page=%d%s" % (plural, page, extra)))
        assert st == 200, (plural, st)
        out.extend(doc[plural])
        if page * 200 >= doc["meta"]["total_count"]:
            return out, doc["meta"]["total_count"]
        page += 1


FKS = {
    "linkage_map_id": "linkage_maps", "plant_population_id": "plant_populations", "linkage_group_id": "linkage_groups",
    "population_locus_id": "population_loci", "map_position_id": "map_positions", "marker_assay_id": "marker_assays",
    "probe_id": "probes", "primer_a_id": "primers", "primer_b_id": "primers", "plant_line_id": "plant_lines",
    "plant_variety_id": "plant_varieties", "taxonomy_term_id": "taxonomy_terms", "population_type_id": "population_types",
    "male_parent_line_id": "plant_lines", "female_parent_line_id": "plant_lines", "design_factor_id": "design_factors",
    "plant_accession_id": "plant_accessions", "plant_trial_id": "plant_trials", "country_id": "countries",
    "qtl_job_id": "qtl_jobs", "plant_part_id": "plant_parts", "trait_id": "traits",
    "plant_scoring_unit_id": "plant_scoring_units", "trait_descriptor_id": "trait_descriptors",
}
# reverse arrays: (resource, array) -> (source resource, source fk attribute)
REVS = {
    ("countries", "plant_trial_ids"): ("plant_trials", "country_id"),
    ("linkage_groups", "map_position_ids"): ("map_positions", "linkage_group_id"),
    ("linkage_groups", "map_locus_hit_ids"): ("map_locus_hits", "linkage_group_id"),
    ("linkage_groups", "qtl_ids"): ("qtls", "linkage_group_id"),
    ("linkage_maps", "linkage_group_ids"): ("linkage_groups", "linkage_map_id"),
    ("linkage_maps", "map_locus_hit_ids"): ("map_locus_hits", "linkage_map_id"),
    ("linkage_maps", "qtl_job_ids"): ("qtl_jobs", "linkage_map_id"),
    ("map_positions", "map_locus_hit_ids"): ("map_locus_hits", "map_position_id"),
    ("marker_assays", "population_locus_ids"): ("population_loci", "marker_assay_id"),
    ("marker_assays", "map_position_ids"): ("map_positions", "marker_assay_id"),
    ("plant_accessions", "plant_scoring_unit_ids"): ("plant_scoring_units", "plant_accession_id"),
    ("plant_lines", "fathered_descendant_ids"): ("plant_populations", "male_parent_line_id"),
    ("plant_lines", "mothered_descendant_ids"): ("plant_populations", "female_parent_line_id"),
    ("plant_lines", "plant_accession_ids"): ("plant_accessions", "plant_line_id"),
    ("plant_lines", "plant_population_list_ids"): ("plant_population_lists", "plant_line_id"),
    ("plant_parts", "trait_descriptor_ids"): ("trait_descriptors", "plant_part_id"),
    ("plant_populations", "linkage_map_ids"): ("linkage_maps", "plant_population_id"),
    ("plant_populations", "population_locus_ids"): ("population_loci", "plant_population_id"),
    ("plant_populations", "plant_trial_ids"): ("plant_trials", "plant_population_id"),
    ("plant_populations", "plant_population_list_ids"): ("plant_population_lists", "plant_population_id"),
    ("plant_scoring_units", "trait_score_ids"): ("trait_scores", "plant_scoring_unit_id"),
    ("plant_trials", "plant_scoring_unit_ids"): ("plant_scoring_units", "plant_trial_id"),
    ("plant_varieties", "plant_accession_ids"): ("plant_accessions", "plant_variety_id"),
    ("plant_varieties", "plant_line_ids"): ("plant_lines", "plant_variety_id"),
    ("population_loci", "map_position_ids"): ("map_positions", "population_locus_id"),
    ("population_loci", "map_locus_hit_ids"): ("map_locus_hits", "population_locus_id"),
    ("population_types", "plant_population_ids"): ("plant_populations", "population_type_id"),
    ("primers", "marker_assays_a_ids"): ("marker_assays", "primer_a_id"),
    ("primers", "marker_assays_b_ids"): ("marker_assays", "primer_b_id"),
    ("probes", "marker_assay_ids"): ("marker_assays", "probe_id"),
    ("qtl_jobs", "qtl_ids"): ("qtls", "qtl_job_id"),
    ("taxonomy_terms", "plant_line_ids"): ("plant_lines", "taxonomy_term_id"),
    ("taxonomy_terms", "plant_population_ids"): ("plant_populations", "taxonomy_term_id"),
    ("taxonomy_terms", "probe_ids"): ("probes", "taxonomy_term_id"),
    ("traits", "trait_descriptor_ids"): ("trait_descriptors", "trait_id"),
    ("trait_descriptors", "trait_score_ids"): ("trait_scores", "trait_descriptor_id"),
}


def integrity(c, who):
    data = {}
    for plural in RESOURCES:
        items, total = all_pages(c, plural)
        check(len(items) == total, "%s %s count" % (who, plural))
        data[plural] = {x["id"]: x for x in items}
    for plural, recs in data.items():
        for rid, rec in recs.items():
            for attr, target in FKS.items():
                if plural == "taxonomy_terms" and attr == "taxonomy_term_id" and attr not in rec:
                    continue
                v = rec.get(attr)
                if v is not None:
                    check(v in data[target], "%s %s/%d.%s=%s resolves" % (who, plural, rid, attr, v))
    for (plural, arr), (src, attr) in REVS.items():
        for rid, rec in data[plural].items():
            want = sorted(s for s, sr in data[src].items() if sr.get(attr) == rid)
            check(sorted(rec[arr]) == want, "%s %s/%d.%s symmetric" % (who, plural, rid, arr))


def run(c, c2, me, other):
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()

    # ---- authentication (bip.txt:5-7)
    st, h, doc, _ = c.req("GET", "/api/v1/plant_lines", key=None)
    check(st == 401 and doc and "reason" in doc, "missing key -> 401 json")
    st, h, doc, _ = c.req("GET", "/api/v1/plant_lines", key="ba6d4625927ede0db8768782994d9276cfff9ba79e8df8c831aedc453e850836")
    check(st == 401, "doc example key is not accepted")

    # ---- every resource: list, per_page=3, :id (bip.txt:357-1274)
    for plural, singular in RESOURCES.items():
        st, h, doc, _ = c.req("GET", "/api/v1/%s?per_page=3" % plural)
        check(st == 200, "%s list 200" % plural)
        check(h.get("Content-Type", "").startswith("application/json"), "%s content type" % plural)
        check(set(doc) == {plural, "meta"}, "%s envelope keys %s" % (plural, list(doc)))
        check(doc["meta"]["per_page"] == 3 and doc["meta"]["page"] == 1, "%s meta" % plural)
        check(len(doc[plural]) <= 3, "%s page size" % plural)
        if doc[plural]:
            rid = doc[plural][0]["id"]
            st, _, one, _ = c.req("GET", "/api/v1/%s/%d" % (plural, rid))
            check(st == 200 and one[singular]["id"] == rid, "%s show" % plural)
            check(one[singular] == doc[plural][0], "%s show equals list item" % plural)
            # query by id
            st, _, f, _ = c.req("GET", q("/api/v1/%s?%s[query][id]=%d" % (plural, singular, rid)))
            check(st == 200 and [x["id"] for x in f[plural]] == [rid], "%s query id" % plural)
        else:
            check(plural == "design_factors", "only design_factors is empty (%s)" % plural)
    for path in ["countries/2", "linkage_groups/1", "linkage_maps/1", "map_locus_hits/1", "map_positions/1",
                 "marker_assays/1", "plant_accessions/1", "plant_lines/9189", "plant_parts/1", "plant_populations/1",
                 "plant_population_lists/1", "plant_scoring_units/1", "plant_trials/1", "plant_varieties/1",
                 "population_loci/1", "population_types/1", "primers/1", "probes/1", "qtls/1", "qtl_jobs/1",
                 "taxonomy_terms/1", "traits/1", "trait_descriptors/1", "trait_scores/1"]:
        st, _, doc, _ = c.req("GET", "/api/v1/" + path)
        check(st == 200, "example GET %s" % path)
    st, _, doc, _ = c.req("GET", "/api/v1/plant_lines/987654321")
    check(st == 404 and doc == {"reason": "Resource not found"}, "show 404")

    # ---- bip.txt:44-58 example population
    st, _, doc, _ = c.req("GET", "/api/v1/plant_populations/1")
    pp = doc["plant_population"]
    check(pp["name"] == "BnaWAIT_01" and pp["population_type"]["population_type"] == "Integrated"
          and pp["population_type"]["population_class"] == "Mapping" and pp["linkage_map_ids"] == [8], "population 1")

    # ---- pagination (bip.txt:73-99)
    st, _, doc, _ = c.req("GET", "/api/v1/plant_lines")
    check(doc["meta"] == {"page": 1, "per_page": 50, "total_count": doc["meta"]["total_count"]}, "default meta")
    check(len(doc["plant_lines"]) == 50 and doc["meta"]["total_count"] > 100, "plant lines larger than two pages")
    st, _, doc2, _ = c.req("GET", "/api/v1/plant_lines?page=2&per_page=100")
    check(doc2["meta"]["page"] == 2 and doc2["meta"]["per_page"] == 100, "page=2 per_page=100 meta")
    st, _, doc3, _ = c.req("GET", "/api/v1/plant_lines?per_page=5000")
    check(doc3["meta"]["per_page"] == 200 and len(doc3["plant_lines"]) <= 200, "per_page max 200")
    total = doc["meta"]["total_count"]
    seen = []
    for page in range(1, total // 50 + 2):
        st, _, d, _ = c.req("GET", "/api/v1/plant_lines?page=%d" % page)
        seen.extend(x["id"] for x in d["plant_lines"])
        check(d["meta"]["total_count"] == total, "stable total_count")
    check(len(seen) == total and len(set(seen)) == total, "pages cover the collection exactly once")
    st, _, d, _ = c.req("GET", "/api/v1/plant_lines?page=999999")
    check(st == 200 and d["plant_lines"] == [], "page past the end is empty")

    # ---- filtering (bip.txt:102-123)
    st, _, d, _ = c.req("GET", q("/api/v1/plant_lines?plant_line[query][plant_line_name]=WINFRED"))
    check([x["plant_line_name"] for x in d["plant_lines"]] == ["WINFRED"], "query exact match WINFRED")
    st, _, d, _ = c.req("GET", q("/api/v1/plant_varieties?plant_variety[query][owner]=Limagrain&plant_variety[query][reqistration_year]=1998"))
    check(d["plant_varieties"] and all(x["owner"] == "Limagrain" for x in d["plant_varieties"]), "varieties by owner")
    st, _, d, _ = c.req("GET", q("/api/v1/plant_varieties?plant_variety[query][owner]=Limagrain&plant_variety[query][year_registered]=1998"))
    check(d["plant_varieties"] and all(x["owner"] == "Limagrain" and x["year_registered"] == "1998" for x in d["plant_varieties"]),
          "varieties by owner and year")
    ids = [x["id"] for x in d["plant_varieties"]]
    check(ids == sorted(ids), "filtered results ordered by id")
    mine, _ = all_pages(c, "plant_lines", "&only_mine=true")
    check(mine and all(x["entered_by_whom"] == me for x in mine), "only_mine")

    # ---- fetch (bip.txt:124-153)
    st, _, d, _ = c.req("GET", q("/api/v1/plant_lines?plant_line[fetch]=WINFRED"))
    names = [x["plant_line_name"] for x in d["plant_lines"]]
    check("WINFRED" in names and len(names) >= 2 and all("winfred" in n.lower() for n in names), "fetch partial")
    ids = [x["id"] for x in d["plant_lines"]]
    check(ids == sorted(ids), "fetch ordered by id")
    st, _, d2, _ = c.req("GET", q("/api/v1/plant_lines?plant_line[fetch]=WINFRED&per_page=1&page=2"))
    check(d2["meta"]["total_count"] == len(ids) and [x["id"] for x in d2["plant_lines"]] == ids[1:2], "fetch + pagination")
    st, _, d, _ = c.req("GET", q("/api/v1/plant_populations?plant_population[fetch]=oleracea&per_page=5"))
    check(d["meta"]["total_count"] > 0 and len(d["plant_populations"]) <= 5, "fetch by taxonomy name")
    for p in d["plant_populations"]:
        st, _, t, _ = c.req("GET", "/api/v1/taxonomy_terms/%d" % p["taxonomy_term_id"])
        check("oleracea" in t["taxonomy_term"]["name"].lower() or "oleracea" in (p["description"] or "").lower(),
              "fetch oleracea relation")

    # ---- traversal symmetry (bip.txt:154-176)
    st, _, d, _ = c.req("GET", "/api/v1/plant_scoring_units/84208")
    check(sorted(d["plant_scoring_unit"]["trait_score_ids"]) == [98412, 98413], "psu 84208 trait scores")
    st, _, d, _ = c.req("GET", q("/api/v1/trait_scores?trait_score[query][id]=98413"))
    check(d["trait_scores"][0]["plant_scoring_unit_id"] == 84208, "trait score refers back")
    pops, _ = all_pages(c, "plant_populations")
    trials = {x["id"]: x for x in all_pages(c, "plant_trials")[0]}
    for p in pops:
        for tid in p["plant_trial_ids"]:
            check(trials[tid]["plant_population_id"] == p["id"], "trial %d back to population" % tid)
    for t in trials.values():
        if t["plant_population_id"] is not None:
            check(any(p["id"] == t["plant_population_id"] and t["id"] in p["plant_trial_ids"] for p in pops),
                  "population of trial %d lists it" % t["id"])
        if t["country_id"] is not None:
            check(t["country"]["id"] == t["country_id"], "embedded country")

    integrity(c, "user1")
    integrity(c2, "user2")

    # ---- create every submittable resource (bip.txt:177-293)
    created = {}
    for plural, body in EXAMPLES.items():
        singular = RESOURCES[plural]
        st, h, d, _ = c.req("POST", "/api/v1/" + plural, {singular: body})
        check(st == 201, "create %s -> %s %s" % (plural, st, d))
        if st != 201:
            continue
        rec = d[singular]
        check(isinstance(rec["id"], int), "%s new id" % plural)
        for k, v in body.items():
            if k in rec:
                check(rec[k] == v, "%s echoes %s" % (plural, k))
        if "entered_by_whom" in rec:
            check(rec["entered_by_whom"] == me, "%s entered_by_whom" % plural)
        if "date_entered" in rec:
            check(rec["date_entered"] == today, "%s date_entered" % plural)
        if "published_on" in rec:
            check(rec["published_on"] is not None, "%s published by default" % plural)
        created[plural] = rec["id"]
        st, _, g, _ = c.req("GET", "/api/v1/%s/%d" % (plural, rec["id"]))
        check(st == 200 and g[singular] == rec, "%s read back" % plural)
        mine, _ = all_pages(c, plural, "&only_mine=true")
        check(rec["id"] in [x["id"] for x in mine], "%s in only_mine" % plural)
    # writeonly country ids -> embedded objects
    st, _, d, _ = c.req("POST", "/api/v1/plant_varieties",
                        {"plant_variety": {"plant_variety_name": "WO test", "countries_of_origin_ids": [107]}})
    check(st == 201 and "countries_of_origin_ids" not in d["plant_variety"]
          and [x["id"] for x in d["plant_variety"]["countries_of_origin"]] == [107], "writeonly ids")
    st, _, cty, _ = c.req("GET", "/api/v1/countries/107")
    check(d["plant_variety"]["id"] in cty["country"]["originating_plant_variety_ids"], "country lists variety")
    c.req("DELETE", "/api/v1/plant_varieties/%d" % d["plant_variety"]["id"])
    # new relation visible from the other side (bip.txt:273-276)
    st, _, d, _ = c.req("GET", "/api/v1/plant_populations/5")
    check(created["plant_population_lists"] in d["plant_population"]["plant_population_list_ids"]
          and 78 in d["plant_population"]["plant_line_ids"], "population lists new PPL")

    # ---- validation (bip.txt:205-217, 242-268)
    st, _, d, _ = c.req("POST", "/api/v1/plant_populations", {"plant_population": {"name": "Only name"}})
    check(st == 422 and {"attribute": "establishing_organisation", "message": "Can't be blank"} in d["errors"],
          "required establishing_organisation")
    st, _, d, _ = c.req("POST", "/api/v1/plant_populations", {"plant_population": {"establishing_organisation": "EI"}})
    check(st == 422 and d == {"errors": [{"attribute": "name", "message": "Can't be blank"}]}, "missing name 422")
    st, _, d, _ = c.req("POST", "/api/v1/primers", {"primer": {"priner": "x", "primer": "zz1", "sequence": "ACGT"}})
    check(st == 422 and d == {"errors": [{"attribute": "priner", "message": "Unrecognized attribute name"}]}, "misspelled")
    st, _, d, _ = c.req("POST", "/api/v1/plant_populations",
                        {"plant_population": {"name": "RO", "establishing_organisation": "EI", "population_type": "DH segregating"}})
    check(st == 422 and d["errors"][0]["attribute"] == "population_type", "readonly population_type")
    st, _, d, _ = c.req("POST", "/api/v1/plant_populations",
                        {"plant_population": {"name": "RO2", "establishing_organisation": "EI", "population_type_id": 1}})
    check(st == 201 and d["plant_population"]["population_type"]["population_type"] == "DH segregating", "population_type_id 1")
    c.req("DELETE", "/api/v1/plant_populations/%d" % d["plant_population"]["id"])
    st, _, d, _ = c.req("POST", "/api/v1/plant_trials",
                        {"plant_trial": dict(EXAMPLES["plant_trials"], plant_trial_name="T2", plant_population_id=1000000)})
    check(st == 422 and d["errors"] == [{"attribute": "plant_population_id",
          "message": 'DETAIL: Key (plant_population_id)=(1000000) is not present in table "plant_populations".'}], "fk 422")
    st, _, d, _ = c.req("POST", "/api/v1/plant_lines", {"plant_line": {"plant_line_name": "My new line"}})
    check(st == 422, "unique plant_line_name")
    st, _, d, _ = c.req("POST", "/api/v1/plant_accessions", {"plant_accession": dict(EXAMPLES["plant_accessions"])})
    check(st == 422, "unique accession triple")
    st, _, d, _ = c.req("POST", "/api/v1/plant_accessions",
                        {"plant_accession": {"plant_accession": "A2", "originating_organisation": "EI"}})
    check(st == 422, "accession needs line or variety")
    st, _, d, _ = c.req("POST", "/api/v1/plant_accessions",
                        {"plant_accession": {"plant_accession": "A3", "originating_organisation": "EI",
                                             "plant_line_id": 15523, "plant_variety_id": 1}})
    check(st == 422, "accession never both")
    st, _, d, _ = c.req("POST", "/api/v1/plant_lines", {"plant_line": {"plant_line_name": "x", "id": 5}})
    check(st == 422, "id readonly")
    st, _, d, _ = c.req("POST", "/api/v1/plant_lines", {"plant_line": {"plant_line_name": "x", "taxonomy_term_id": "5"}})
    check(st == 422, "int passed as string rejected")
    st, _, d, _ = c.req("POST", "/api/v1/plant_lines", raw=b"{not json")
    check(st == 400, "malformed json 400")
    st, _, d, _ = c.req("POST", "/api/v1/plant_lines", {"plantline": {"plant_line_name": "x"}})
    check(st == 422, "wrong root 422")
    st, _, d, _ = c.req("POST", "/api/v1/plant_lines", {"plant_line": {"plant_line_name": "Dated", "comments": "c"},
                                                         "extra": 1})
    check(st == 201, "extra top-level key ignored")
    c.req("DELETE", "/api/v1/plant_lines/%d" % d["plant_line"]["id"])
    st, _, d, _ = c.req("POST", "/api/v1/plant_scoring_units",
                        {"plant_scoring_unit": {"scoring_unit_name": "d1", "plant_accession_id": 755, "plant_trial_id": 1,
                                                "date_planted": "30/05/2015"}})
    check(st == 201 and d["plant_scoring_unit"]["date_planted"] == "2015-05-30", "date notation accepted")
    c.req("DELETE", "/api/v1/plant_scoring_units/%d" % d["plant_scoring_unit"]["id"])
    st, _, d, _ = c.req("POST", "/api/v1/countries", {"country": {"country_code": "XXX"}})
    check(st == 405, "read-only resource has no POST")

    # ---- publish / revoke (bip.txt:294-319)
    st, _, d, _ = c.req("POST", "/api/v1/trait_scores",
                        {"trait_score": {"published": False, "score_value": "7", "plant_scoring_unit_id": 56456,
                                         "trait_descriptor_id": 2}})
    check(st == 201 and d["trait_score"]["published_on"] is None, "private create")
    tsid = d["trait_score"]["id"]
    st, _, _, _ = c2.req("GET", "/api/v1/trait_scores/%d" % tsid)
    check(st == 404, "private invisible to other user")
    other_list, _ = all_pages(c2, "trait_scores")
    check(tsid not in [x["id"] for x in other_list], "private not listed for other user")
    st, _, d, _ = c.req("GET", "/api/v1/plant_scoring_units/56456")
    check(tsid in d["plant_scoring_unit"]["trait_score_ids"], "owner sees private id in relation")
    st, _, d, _ = c2.req("GET", "/api/v1/plant_scoring_units/56456")
    check(tsid not in d["plant_scoring_unit"]["trait_score_ids"], "other user does not")
    st, _, d, _ = c2.req("PATCH", "/api/v1/trait_scores/%d/publish" % tsid)
    check(st == 404, "other user cannot publish invisible")
    st, _, d, _ = c.req("PATCH", "/api/v1/trait_scores/%d/publish" % tsid)
    check(st == 200 and d["trait_score"]["published_on"] is not None, "publish")
    st, _, _, _ = c2.req("GET", "/api/v1/trait_scores/%d" % tsid)
    check(st == 200, "published visible")
    st, _, d, _ = c2.req("PATCH", "/api/v1/trait_scores/%d/revoke" % tsid)
    check(st == 401 and d == {"reason": "API key owner and resource owner mismatch"}, "revoke by non-owner")
    st, _, d, _ = c2.req("DELETE", "/api/v1/trait_scores/%d" % tsid)
    check(st == 401 and d == {"reason": "API key owner and resource owner mismatch"}, "delete by non-owner")
    st, _, d, _ = c.req("PATCH", "/api/v1/trait_scores/%d/revoke" % tsid)
    check(st == 200 and d["trait_score"]["published_on"] is None, "revoke")
    st, _, _, _ = c2.req("GET", "/api/v1/trait_scores/%d" % tsid)
    check(st == 404, "revoked invisible")
    st, _, _, _ = c.req("DELETE", "/api/v1/trait_scores/%d" % tsid)
    check(st == 204, "delete private")
    st, _, d, _ = c.req("GET", "/api/v1/trait_scores/%d" % tsid)
    check(st == 404, "deleted gone")
    st, _, d, _ = c.req("PATCH", "/api/v1/trait_scores/%d/publish" % tsid)
    check(st == 404, "publish deleted 404")

    # ---- delete outcomes (bip.txt:320-341)
    st, _, d, _ = c.req("DELETE", "/api/v1/plant_populations/99999999")
    check(st == 404 and d == {"reason": "Resource not found"}, "delete nonexistent")
    st, _, d, _ = c.req("DELETE", "/api/v1/plant_populations/1")
    check(st == 401 and d == {"reason": "API key owner and resource owner mismatch"}, "delete someone else's")
    mine, _ = all_pages(c, "plant_lines", "&only_mine=true")
    now = dt.datetime.now(dt.timezone.utc)
    old = [x for x in mine if x["published_on"] and
           now - dt.datetime.fromisoformat(x["published_on"].replace("Z", "+00:00")) > dt.timedelta(days=8)]
    check(old, "an own irrevocable seed record exists")
    if old:
        st, _, d, _ = c.req("DELETE", "/api/v1/plant_lines/%d" % old[0]["id"])
        check(st == 403 and d == {"reason": "This resource is already published and irrevocable"}, "delete irrevocable")
        st, _, d, _ = c.req("PATCH", "/api/v1/plant_lines/%d/revoke" % old[0]["id"])
        check(st == 403, "revoke irrevocable")
    st, _, d, _ = c.req("DELETE", "/api/v1/plant_populations/5555")
    check(st == 204, "delete example 5555 (own, revocable)")
    for plural, rid in reversed(list(created.items())):
        st, _, _, _ = c.req("DELETE", "/api/v1/%s/%d" % (plural, rid))
        check(st == 204, "delete created %s" % plural)
        st, _, _, _ = c.req("GET", "/api/v1/%s/%d" % (plural, rid))
        check(st == 404, "deleted %s gone" % plural)
    st, _, d, _ = c.req("GET", "/api/v1/plant_populations/5")
    check(created.get("plant_population_lists") not in d["plant_population"]["plant_population_list_ids"], "PPL removed")

    # ---- transport details
    st, h, d, raw = c.req("GET", "/api/v1/countries", headers={"Accept-Encoding": "gzip"})
    check(st == 200 and h.get("Content-Encoding") == "gzip" and d["countries"], "gzip")
    st, h, d, raw = c.req("GET", "/api/v1/no_such_thing")
    check(st == 404 and "text/html" in h.get("Content-Type", ""), "unknown route html 404")
    st, h, d, raw = c.req("PUT", "/api/v1/plant_lines/6", {"plant_line": {}})
    check(st == 405, "PUT 405")
    for path in ["/api/v1/plant_lines?page=-3&per_page=abc", "/api/v1/plant_lines?per_page=" + "9" * 50,
                 "/api/v1/plant_lines/abc", "/api/v1/plant_lines/" + "9" * 40, q("/api/v1/plant_lines?plant_line[query][id]=x"),
                 q("/api/v1/plant_lines?plant_line[fetch]=%00%ff")]:
        st, _, _, _ = c.req("GET", path)
        check(st < 500, "no 5xx for %s" % path)
    for raw in [b"[]", b"null", b'{"plant_line": []}', b'{"plant_line": {"plant_line_name": 1e999}}',
                b'{"plant_line": {"plant_line_name": "n", "taxonomy_term_id": 99999999999999999999999}}', b"\xff\xfe", b""]:
        st, _, _, _ = c.req("POST", "/api/v1/plant_lines", raw=raw)
        check(400 <= st < 500, "bad body %r -> %s" % (raw[:30], st))


if __name__ == "__main__":
    sys.exit(main())
