#!/usr/bin/env python3
"""Self-test for tests/servers/omero.py (OMERO JSON API reference server).

Starts the server on port 0, runs the document's own getting-started flow
(omero.txt "Getting started" .. "Deleting objects": versions, base URLs,
servers, CSRF token, login, list, create, update, delete) -- once with
``requests`` if it is installed and once with plain urllib -- and then checks
every documented route.  Exits 0 when everything passes.
"""

import gzip
import http.cookiejar
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "omero.py")
SCHEMA = "http://www.openmicroscopy.org/Schemas/OME/2016-06"

FAILS = []
CHECKS = [0]


def check(cond, what):
    CHECKS[0] += 1
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def no_nulls(obj, where="$"):
    # omero.txt "JSON format": "except those that are null, which will be omitted"
    if obj is None:
        return [where]
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += no_nulls(v, where + "." + k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += no_nulls(v, "%s[%d]" % (where, i))
    return out


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


class Client:
    """Tiny urllib client with a cookie jar (stands in for requests.Session)."""

    def __init__(self, base, follow=True):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar)]
        if not follow:
            handlers.append(NoRedirect())
        self.opener = urllib.request.build_opener(*handlers)
        self.headers = {}

    def req(self, method, url, data=None, json_body=None, headers=None, params=None):
        if not url.startswith("http"):
            url = self.base + url
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        h = dict(self.headers)
        h.update(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            h.setdefault("Content-Type", "application/json")
        elif isinstance(data, dict):
            body = urllib.parse.urlencode(data).encode()
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif data is not None:
            body = data if isinstance(data, bytes) else data.encode()
        r = urllib.request.Request(url, data=body, method=method, headers=h)
        try:
            resp = self.opener.open(r, timeout=20)
            status, hdrs, raw = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, raw = e.code, e.headers, e.read()
        if hdrs.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        parsed = None
        if (hdrs.get("Content-Type") or "").startswith("application/json"):
            parsed = json.loads(raw.decode("utf-8"))
        return status, hdrs, parsed, raw

    def get(self, url, **kw):
        return self.req("GET", url, **kw)

    def cookie(self, name):
        for c in self.jar:
            if c.name == name:
                return c.value
        return None


def start_server():
    p = subprocess.Popen([sys.executable, SERVER, "--port", "0", "--records", "40", "--seed", "7"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline().strip()
    assert first.startswith("listening on http://127.0.0.1:"), first
    creds = {}
    for _ in range(3):
        line = p.stdout.readline().strip()
        if ":" in line:
            k, v = line.split(":", 1)
            creds[k.strip()] = v.strip()
    return p, first.split("listening on ", 1)[1], creds


# ---------------------------------------------------------------------------
# The document's own flow (omero.txt "Getting started": "uses the python
# requests library to connect to the JSON api, login, query data, create and
# delete Projects").
# ---------------------------------------------------------------------------

def doc_flow_requests(host, user, password):
    import requests
    session = requests.Session()
    # "List supported versions": GET /api/
    r = session.get(host + "/api/")
    check(r.status_code == 200, "requests: GET /api/")
    versions = r.json()["data"]
    version = versions[-1]
    base_url = version["url:base"]
    # "List starting URLs": GET /api/v0/
    r = session.get(base_url)
    urls = r.json()
    servers_url, login_url = urls["url:servers"], urls["url:login"]
    projects_url, save_url = urls["url:projects"], urls["url:save"]
    schema_url, token_url = urls["url:schema"], urls["url:token"]
    # "Get CSRF token"
    token = session.get(token_url).json()["data"]
    check(session.cookies.get("csrftoken") == token, "requests: csrftoken cookie equals token")
    session.headers.update({"X-CSRFToken": token, "Referer": login_url})
    # "List available OMERO servers"
    servers = session.get(servers_url).json()["data"]
    server = servers[0]
    # "Login"
    payload = {"username": user, "password": password, "server": server["id"]}
    r = session.post(login_url, data=payload)
    login_rsp = r.json()
    check(r.status_code == 200 and login_rsp["success"] is True, "requests: login")
    ec = login_rsp["eventContext"]
    group_id = ec["groupId"]
    # list projects
    data = session.get(projects_url, params={"limit": 2}).json()
    check(data["meta"]["limit"] == 2 and len(data["data"]) == 2, "requests: limit=2")
    # "Creating objects"
    payload = {"Name": "My new Project", "Description": "Created via the JSON API",
               "@type": schema_url + "#Project"}
    save_url_g = save_url + "?group=" + str(group_id)
    r = session.post(save_url_g, json=payload)
    check(r.status_code in (200, 201), "requests: create status %s" % r.status_code)
    project = r.json()["data"]
    pid = project["@id"]
    check(project["Name"] == "My new Project" and project["@type"] == SCHEMA + "#Project",
          "requests: created project body")
    # "Updating objects": GET the object, edit, PUT it back
    project = session.get(projects_url + "%d/" % pid).json()["data"]
    project["Name"] = "Edited Project Name"
    r = session.put(save_url_g, json=project)
    check(r.status_code == 200 and r.json()["data"]["Name"] == "Edited Project Name", "requests: update")
    # "Deleting objects"
    r = session.delete(projects_url + "%d/" % pid)
    check(r.status_code == 200 and r.json()["data"]["@id"] == pid, "requests: delete returns object")
    check(session.get(projects_url + "%d/" % pid).status_code == 404, "requests: deleted -> 404")


def doc_flow_urllib(host, user, password):
    c = Client(host)
    st, _, versions, _ = c.get("/api/")
    check(st == 200, "urllib: GET /api/")
    base_url = versions["data"][-1]["url:base"]
    st, _, urls, _ = c.get(base_url)
    token = c.get(urls["url:token"])[2]["data"]
    c.headers["X-CSRFToken"] = token
    server = c.get(urls["url:servers"])[2]["data"][0]
    st, _, rsp, _ = c.req("POST", urls["url:login"],
                          data={"username": user, "password": password, "server": server["id"]})
    check(st == 200 and rsp["success"] is True, "urllib: login")
    gid = rsp["eventContext"]["groupId"]
    st, _, rsp, _ = c.req("POST", urls["url:save"] + "?group=%d" % gid,
                          json_body={"Name": "My new Project", "Description": "Created via the JSON API",
                                     "@type": urls["url:schema"] + "#Project"})
    check(st in (200, 201), "urllib: create")
    obj = rsp["data"]
    obj["Name"] = "Edited Project Name"
    st, _, rsp, _ = c.req("PUT", urls["url:save"], json_body=obj)
    check(st == 200 and rsp["data"]["Name"] == "Edited Project Name", "urllib: update")
    st, _, rsp, _ = c.req("DELETE", urls["url:projects"] + "%d/" % obj["@id"])
    check(st == 200 and rsp["data"]["Name"] == "Edited Project Name", "urllib: delete")
    return c


# ---------------------------------------------------------------------------

def login(host, user, password):
    c = Client(host)
    tok = c.get("/api/v0/token/")[2]["data"]
    c.headers["X-CSRFToken"] = tok
    st, _, rsp, _ = c.req("POST", "/api/v0/login/", data={"username": user, "password": password, "server": 1})
    assert st == 200, rsp
    return c


def all_pages(c, url, limit):
    items, offset = [], 0
    while True:
        st, _, d, _ = c.get(url, params={"limit": limit, "offset": offset})
        assert st == 200, (url, st)
        items += d["data"]
        if offset + limit >= d["meta"]["totalCount"]:
            return items, d["meta"]["totalCount"]
        offset += limit


def main():
    proc, host, creds = start_server()
    user, password = creds["username"], creds["password"]
    try:
        try:
            import requests  # noqa: F401
            doc_flow_requests(host, user, password)
            print("doc flow (requests): done")
        except ImportError:
            print("requests not installed; skipping the requests version of the doc flow")
        doc_flow_urllib(host, user, password)
        print("doc flow (urllib): done")
        run_checks(host, user, password)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
    print("%d checks, %d failures" % (CHECKS[0], len(FAILS)))
    sys.exit(1 if FAILS else 0)


def run_checks(host, user, password):
    anon = Client(host)
    # ---- discovery ---------------------------------------------------------
    st, h, d, _ = anon.get("/api/")
    check(st == 200 and h.get("X-OMERO-ApiVersion") == "0.1", "/api/ + version header")
    check(d["data"][0]["version"] == "0" and d["data"][0]["url:base"] == host + "/api/v0/", "/api/ body")
    st, h, d, _ = anon.get("/api/v0/")
    for k in ("url:login", "url:save", "url:projects", "url:plates", "url:datasets", "url:token",
              "url:schema", "url:screens", "url:servers", "url:images"):
        check(k in d, "/api/v0/ has " + k)
    check(d["url:schema"] == SCHEMA, "url:schema")
    st, _, d, _ = anon.get("/api/v0/servers/")
    s0 = d["data"][0]
    check(s0["id"] == 1 and s0["server"] == "omero" and s0["port"] == 4064, "servers")
    st, _, d, _ = anon.get("/api/v0/token/")
    check(st == 200 and isinstance(d["data"], str) and len(d["data"]) == 32, "token")
    check(anon.cookie("csrftoken") == d["data"], "csrftoken cookie")
    # ---- auth refusals -----------------------------------------------------
    st, _, d, _ = anon.get("/api/v0/m/projects/")
    check(st == 403 and d and "message" in d, "not logged in -> 403 json")
    fresh = Client(host)
    st, h, d, raw = fresh.req("POST", "/api/v0/login/", data={"username": user, "password": password})
    check(st == 403 and d is None, "login without CSRF -> 403 html")
    tok = fresh.get("/api/v0/token/")[2]["data"]
    st, _, d, _ = fresh.req("POST", "/api/v0/login/",
                            data={"username": user, "password": "wrong", "csrfmiddlewaretoken": tok})
    check(st == 403 and "message" in d, "wrong password -> 403")
    st, _, d, _ = fresh.req("POST", "/api/v0/login/",
                            data={"username": user, "password": password, "server": 1, "csrfmiddlewaretoken": tok})
    check(st == 200 and d["success"] is True, "login with csrfmiddlewaretoken form field")
    st, _, d, _ = fresh.req("POST", "/api/v0/login/", data={"username": user, "password": password},
                            headers={"X-CSRFToken": "x" * 32})
    check(st == 403, "bad CSRF token -> 403")
    st, _, d, _ = anon.get("/api/v0/login/")
    check(st == 405, "GET login -> 405")

    c = login(host, user, password)
    # ---- errors -------------------------------------------------------------
    st, _, d, _ = c.get("/api/v0/m/projects/?limit=foo")
    check(st == 400 and d == {"message": "invalid literal for int() with base 10: 'foo'"}, "limit=foo message")
    st, _, d, _ = c.get("/api/v0/m/projects/?offset=-1")
    check(st == 400, "negative offset -> 400")
    st, _, d, _ = c.get("/api/v0/m/projects/?owner=abc")
    check(st == 400, "owner=abc -> 400")
    st, _, d, _ = c.req("POST", "/api/v0/m/projects/", json_body={})
    check(st == 405, "POST /m/projects/ -> 405")
    st, _, d, _ = c.get("/api/v0/m/nothing/")
    check(st == 404, "invalid URL -> 404")
    st, _, d, _ = c.get("/api/v0/m/projects/abc/")
    check(st == 404, "non-numeric id -> 404")
    st, _, d, _ = c.get("/api/v0/m/projects/1/")
    check(st == 404 and "message" in d, "missing project -> 404 json")
    nr = Client(host, follow=False)
    nr.jar = c.jar
    nr.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(c.jar), NoRedirect())
    st, h, _, _ = nr.get("/api/v0/m/projects")
    check(st == 301 and h.get("Location", "").endswith("/api/v0/m/projects/"), "append slash redirect")

    # ---- projects ------------------------------------------------------------
    st, h, d, _ = c.get("/api/v0/m/projects/")
    m = d["meta"]
    check(m["limit"] == 200 and m["offset"] == 0 and m["maxLimit"] == 500 and m["totalCount"] == len(d["data"]),
          "projects meta")
    ids = [p["@id"] for p in d["data"]]
    check(11601 in ids and 3872 in ids, "example project ids present")
    p = [p for p in d["data"] if p["@id"] == 11601][0]
    check(p["Name"] == "New data" and p["Description"] == "Example Project", "project 11601")
    check(p["url:project"].endswith("/api/v0/m/projects/11601/") and
          p["url:datasets"].endswith("/api/v0/m/projects/11601/datasets/"), "project urls")
    det = p["omero:details"]
    check(det["@type"] == "TBD#Details" and "owner" in det and "group" in det and "permissions" in det, "details")
    check(no_nulls(d) == [], "projects: no nulls")
    st, _, d, _ = c.get("/api/v0/m/projects/3872/")
    check(d["data"]["Name"] == "RNAi experiments" and d["data"]["Description"] == "Knockout assays", "project 3872")
    st, _, d, _ = c.get("/api/v0/m/projects/?limit=100000")
    check(d["meta"]["limit"] == 500, "limit clamped to maxLimit")
    st, _, d, _ = c.get("/api/v0/m/projects/?childCount=true")
    check(all("omero:childCount" in p for p in d["data"]), "childCount")
    counts = {p["@id"]: p["omero:childCount"] for p in d["data"]}
    st, _, dd, _ = c.get("/api/v0/m/projects/3872/datasets/")
    check(dd["meta"]["totalCount"] == counts[3872], "childCount == datasets in project")
    check(9702 in [x["@id"] for x in dd["data"]], "dataset 9702 in project 3872")
    check(any(v == 0 for v in counts.values()), "an empty project exists")
    st, _, d, _ = c.get("/api/v0/m/projects/?dataset=9702")
    check(3872 in [x["@id"] for x in d["data"]], "projects?dataset=9702")
    st, _, d, _ = c.get("/api/v0/m/projects/?owner=3&group=5")
    check(all(x["omero:details"]["owner"]["@id"] == 3 and x["omero:details"]["group"]["@id"] == 5
              for x in d["data"]) and d["data"], "owner/group filter")
    st, _, d, _ = c.get("/api/v0/m/projects/?normalize=true")
    check("experimenters" in d and "experimenterGroups" in d, "normalize lists")
    exp_ids = {e["@id"] for e in d["experimenters"]}
    check(all(x["omero:details"]["owner"]["@id"] in exp_ids and "UserName" not in x["omero:details"]["owner"]
              for x in d["data"]), "normalize moved owners")
    st, _, d, _ = c.get("/api/v0/m/projects/999999/datasets/")
    check(st == 404, "datasets of missing project -> 404")

    # ---- datasets ------------------------------------------------------------
    st, _, d, _ = c.get("/api/v0/m/datasets/")
    ds = {x["@id"]: x for x in d["data"]}
    check(112 in ds and ds[112]["Name"] == "Test data", "dataset 112")
    for k in ("url:dataset", "url:images", "url:projects"):
        check(k in ds[112], "dataset has " + k)
    st, _, d, _ = c.get("/api/v0/m/datasets/9702/")
    check(d["data"]["Name"] == "My data" and d["data"]["@type"] == SCHEMA + "#Dataset", "dataset 9702")
    st, _, d, _ = c.get(ds[112]["url:projects"])
    check(11601 in [x["@id"] for x in d["data"]], "dataset 112 projects")
    st, _, d, _ = c.get("/api/v0/m/datasets/?orphaned=true")
    st2, _, d2, _ = c.get("/api/v0/m/projects/?dataset=%d" % d["data"][0]["@id"])
    check(d["data"] and d2["meta"]["totalCount"] == 0, "orphaned dataset has no project")
    st, _, d, _ = c.get("/api/v0/m/datasets/?image=16783")
    check(112 in [x["@id"] for x in d["data"]], "datasets?image=16783")
    st, _, d, _ = c.get("/api/v0/m/datasets/?project=11601&childCount=true")
    check(all("omero:childCount" in x for x in d["data"]), "datasets childCount")

    # ---- images --------------------------------------------------------------
    items, total = all_pages(c, "/api/v0/m/images/", 200)
    check(total > 400, "images span more than two default pages (%d)" % total)
    check(len(items) == total and len({i["@id"] for i in items}) == total, "image paging: no dup/missing")
    check(all("Pixels" in i and "Channels" not in i["Pixels"] for i in items), "list images: Pixels, no Channels")
    check(no_nulls(items) == [], "images: no nulls")
    st, h, d, raw = c.get("/api/v0/m/images/?offset=%d" % (total + 5))
    check(st == 200 and d["data"] == [] and d["meta"]["totalCount"] == total, "offset past end")
    st, _, d, _ = c.get("/api/v0/m/images/16783/")
    im = d["data"]
    check(isinstance(im, dict) and im["Name"] == "CFP_AurB_R3D.dv" and im["AcquisitionDate"] == 1235730332000,
          "image 16783")
    px = im["Pixels"]
    check(px["@id"] == 12801 and px["SizeZ"] == 29 and px["SizeC"] == 2 and px["Type"]["value"] == "uint16",
          "pixels 12801")
    check([ch["@id"] for ch in px["Channels"]] == [14451, 14453], "channels of 16783")
    check(px["PhysicalSizeX"] == {"Symbol": "µm", "Value": 0.12698, "@type": "TBD#LengthI", "Unit": "MICROMETER"},
          "PhysicalSizeX LengthI")
    st, _, d, _ = c.get("/api/v0/m/datasets/112/images/")
    check(16783 in [x["@id"] for x in d["data"]], "images in dataset 112")
    st, _, d2, _ = c.get("/api/v0/m/images/?dataset=112")
    check([x["@id"] for x in d["data"]] == [x["@id"] for x in d2["data"]], "?dataset= equals nested URL")
    st, _, d, _ = c.get("/api/v0/m/images/?orphaned=true")
    for x in d["data"]:
        st, _, dd, _ = c.get("/api/v0/m/datasets/?image=%d" % x["@id"])
        check(dd["meta"]["totalCount"] == 0, "orphan image in no dataset")
    st, h, _, raw = c.get("/api/v0/m/images/?limit=5", headers={"Accept-Encoding": "gzip"})
    check(h.get("Content-Encoding") == "gzip", "gzip response")

    # ---- screens / plates ------------------------------------------------------
    st, _, d, _ = c.get("/api/v0/m/screens/?childCount=true")
    sc = {x["@id"]: x for x in d["data"]}
    check(582 in sc and sc[582]["Name"] == "Test data" and "url:plates" in sc[582], "screen 582")
    check(any(x["omero:childCount"] == 0 for x in d["data"]), "an empty screen exists")
    st, _, d, _ = c.get("/api/v0/m/screens/582/plates/")
    check(5067 in [x["@id"] for x in d["data"]], "plate 5067 in screen 582")
    st, _, d, _ = c.get("/api/v0/m/screens/?plate=5067")
    check(582 in [x["@id"] for x in d["data"]], "screens?plate=5067")
    st, _, d, _ = c.get("/api/v0/m/plates/")
    pl = [x for x in d["data"] if x["@id"] == 5067][0]
    for k in ("url:plate", "url:plateacquisitions", "url:wells"):
        check(k in pl, "plate has " + k)
    st, _, d, _ = c.get("/api/v0/m/plates/5067/")
    p = d["data"]
    check(p["Rows"] == 8 and p["Columns"] == 12 and p["ExternalIdentifier"] == "003857", "plate 5067")
    check(p["omero:wellsampleIndex"] == [0, 3] and len(p["url:wellsampleindex_wells"]) == 4, "plate 5067 index")
    st, _, d, _ = c.get("/api/v0/m/plates/5067/plateacquisitions/")
    pas = {x["@id"]: x for x in d["data"]}
    check(4217 in pas and pas[4217]["MaximumFieldCount"] == 3 and pas[4217]["omero:wellsampleIndex"] == [0, 2],
          "plate acquisition 4217")
    check(len(pas[4217]["url:wellsampleindex_wells"]) == 3, "PA 4217 index urls")
    st, _, d, _ = c.get(pas[4217]["url:plateacquisition"])
    check(st == 200 and d["data"]["@id"] == 4217, "single PA")
    st, _, d, _ = c.get("/api/v0/m/plates/?orphaned=true")
    for x in d["data"]:
        st, _, dd, _ = c.get("/api/v0/m/screens/?plate=%d" % x["@id"])
        check(dd["meta"]["totalCount"] == 0, "orphan plate in no screen")

    # ---- wells -----------------------------------------------------------------
    wells, total = all_pages(c, "/api/v0/m/plates/5067/wells/", 37)
    check(total == 96, "96 wells in 5067")
    order = [(w["Column"], w["Row"]) for w in wells]
    check(order == sorted(order), "wells ordered by Column and Row")
    check(all("Pixels" not in ws["Image"] for w in wells for ws in w["WellSamples"]), "list wells: no Pixels")
    st, _, d, _ = c.get("/api/v0/m/plates/5067/wellsampleindex/1/wells/")
    check(d["meta"]["totalCount"] == 20 and all(len(w["WellSamples"]) == 1 for w in d["data"]),
          "wellsampleindex: one sample, no empty wells")
    st, _, d, _ = c.get("/api/v0/m/plateacquisitions/4217/wellsampleindex/3/wells/")
    check(d["meta"]["totalCount"] == 0, "PA 4217 has no index 3")
    st, _, d, _ = c.get("/api/v0/m/plateacquisitions/4217/wellsampleindex/2/wells/")
    check(d["meta"]["totalCount"] == 20, "PA 4217 index 2")
    st, _, d, _ = c.get("/api/v0/m/wells/139/")
    w = d["data"]
    ws0 = w["WellSamples"][0]
    check(w["Column"] == 0 and w["Row"] == 0 and ws0["@id"] == 203 and ws0["Image"]["@id"] == 2942,
          "well 139")
    check("Pixels" in ws0["Image"] and ws0["PlateAcquisition"]["@id"] == 102 and
          ws0["PlateAcquisition"]["MaximumFieldCount"] == 4, "single well loads Pixels; PA 102")
    st, _, d, _ = c.get("/api/v0/m/plates/?well=139")
    plate1 = d["data"][0]["@id"]
    st, _, d, _ = c.get("/api/v0/m/wells/?plate=%d" % plate1)
    check(d["meta"]["totalCount"] == 6 and 139 in [x["@id"] for x in d["data"]], "wells?plate=")
    st, _, d, _ = c.get("/api/v0/m/wells/")
    order = [(x["Column"], x["Row"]) for x in d["data"]]
    check(order == sorted(order), "top-level wells ordered")

    # ---- ROIs --------------------------------------------------------------------
    rois, total = all_pages(c, "/api/v0/m/rois/", 15)
    r454 = [r for r in rois if r["@id"] == 454]
    check(r454 and r454[0]["shapes"][0]["@id"] == 713 and r454[0]["shapes"][0]["X"] == 189, "ROI 454")
    check(len({r["@id"] for r in rois}) == total, "roi paging: no duplicates")
    check(all(r["shapes"] for r in rois), "ROIs load their shapes")
    st, _, d, _ = c.get("/api/v0/m/images/16783/rois/")
    check(st == 200 and d["meta"]["totalCount"] == 0, "image without rois -> empty list")

    # ---- every url: link resolves -------------------------------------------------
    samples = []
    for u in ("/api/v0/m/projects/?limit=3", "/api/v0/m/datasets/?limit=3", "/api/v0/m/images/?limit=3",
              "/api/v0/m/screens/?limit=3", "/api/v0/m/plates/?limit=4", "/api/v0/m/wells/?limit=2",
              "/api/v0/m/plates/5067/", "/api/v0/m/plates/5067/plateacquisitions/"):
        d = c.get(u)[2]["data"]
        samples += d if isinstance(d, list) else [d]
    links = set()

    def collect(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k.startswith("url:"):
                    for x in (v if isinstance(v, list) else [v]):
                        links.add(x)
                else:
                    collect(v)
        elif isinstance(o, list):
            for x in o:
                collect(x)
    collect(samples)
    for link in sorted(links):
        st = c.get(link)[0]
        check(st == 200, "link resolves: %s (%s)" % (link, st))

    # ---- writes -------------------------------------------------------------------
    save = "/api/v0/m/save/"
    for kind, child in (("Project", "url:datasets"), ("Dataset", "url:images"), ("Screen", "url:plates")):
        st, _, d, _ = c.req("POST", save + "?group=103",
                            json_body={"Name": "new %s" % kind, "@type": SCHEMA + "#" + kind})
        check(st == 201 and d["data"]["Name"] == "new %s" % kind and child in d["data"], "create " + kind)
        obj = d["data"]
        check(obj["omero:details"]["group"]["@id"] == 103, "created in group 103")
        check("Description" not in obj, "no null Description")
        coll = kind.lower() + "s"
        st, _, d, _ = c.get("/api/v0/m/%s/%d/" % (coll, obj["@id"]))
        check(st == 200 and d["data"]["Name"] == obj["Name"], "created %s readable" % kind)
        listed = all_pages(c, "/api/v0/m/%s/" % coll, 500)[0]
        check(obj["@id"] in [x["@id"] for x in listed], "created %s listed" % kind)
        obj["Description"] = "added"
        obj["Name"] = "renamed %s" % kind
        st, _, d, _ = c.req("PUT", save, json_body=obj)
        check(st == 200 and d["data"]["Description"] == "added", "update " + kind)
        del obj["Description"]
        st, _, d, _ = c.req("PUT", save, json_body=obj)
        check(st == 200 and "Description" not in d["data"], "PUT replaces (Description removed)")
        st, _, d, _ = c.req("DELETE", "/api/v0/m/%s/%d/" % (coll, obj["@id"]))
        check(st == 200 and d["data"]["@id"] == obj["@id"] and d["data"]["Name"] == "renamed %s" % kind,
              "delete " + kind)
        st = c.get("/api/v0/m/%s/%d/" % (coll, obj["@id"]))[0]
        check(st == 404, "deleted %s gone" % kind)
        st = c.req("DELETE", "/api/v0/m/%s/%d/" % (coll, obj["@id"]))[0]
        check(st == 404, "second delete -> 404")
    st, _, d, _ = c.req("POST", save, json_body={"Name": "x", "@type": SCHEMA + "#Image"})
    check(st == 405, "create Image -> 405")
    st, _, d, _ = c.req("PUT", save, json_body={"@id": 16783, "Name": "x", "@type": SCHEMA + "#Image"})
    check(st == 405, "update Image -> 405")
    st, _, d, _ = c.req("POST", save, data=b"{not json", headers={"Content-Type": "application/json"})
    check(st == 400 and "message" in d, "invalid JSON -> 400")
    st, _, d, _ = c.req("POST", save, json_body={"@type": SCHEMA + "#Project"})
    check(st == 400, "missing Name -> 400")
    st, _, d, _ = c.req("POST", save, json_body={"Name": "x"})
    check(st == 400, "missing @type -> 400")
    st, _, d, _ = c.req("POST", save + "?group=9", json_body={"Name": "x", "@type": SCHEMA + "#Project"})
    check(st == 400, "inaccessible group -> 400")
    st, _, d, _ = c.req("POST", save + "?group=foo", json_body={"Name": "x", "@type": SCHEMA + "#Project"})
    check(st == 400 and d["message"] == "invalid literal for int() with base 10: 'foo'", "group=foo")
    st, _, d, _ = c.req("PUT", save, json_body={"@id": 1, "Name": "x", "@type": SCHEMA + "#Project"})
    check(st == 404, "PUT missing object -> 404")
    st, _, d, _ = c.req("PUT", save, json_body={"Name": "x", "@type": SCHEMA + "#Project"})
    check(st == 400, "PUT without @id -> 400")
    st = c.req("DELETE", "/api/v0/m/images/16783/")[0]
    check(st == 405, "DELETE image -> 405")
    # CSRF is required for writes
    st, h, d, _ = c.req("POST", save, json_body={"Name": "x", "@type": SCHEMA + "#Project"},
                        headers={"X-CSRFToken": ""})
    check(st == 403, "save without CSRF -> 403")
    # deleting a project keeps its datasets (they become orphaned)
    st, _, d, _ = c.req("DELETE", "/api/v0/m/projects/3872/")
    check(st == 200 and d["data"]["Name"] == "RNAi experiments", "delete seeded project 3872")
    st, _, d, _ = c.get("/api/v0/m/datasets/9702/")
    check(st == 200, "dataset 9702 survives its project")
    st, _, d, _ = c.get("/api/v0/m/datasets/?orphaned=true")
    check(9702 in [x["@id"] for x in d["data"]], "dataset 9702 now orphaned")


if __name__ == "__main__":
    main()
