#!/usr/bin/env python3
"""Self-test for tests/servers/gentar.py (stdlib only).  Exit status 0 when every check passes."""
import base64
import gzip
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "gentar.py")
FAILS = []
CHECKS = [0]


def check(cond, what):
    CHECKS[0] += 1
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def start(*extra):
    p = subprocess.Popen([sys.executable, SERVER, "--port", "0"] + list(extra), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline().strip()
    assert first.startswith("listening on http://127.0.0.1:"), first
    creds = {}
    for _ in range(4):
        line = p.stdout.readline().strip()
        k, _, v = line.partition(": ")
        creds[k] = v
    return p, first.split("listening on ")[1], creds


class Client:
    def __init__(self, base):
        self.base = base
        self.token = None

    def req(self, method, path, body=None, headers=None, raw=None, auth=True):
        url = self.base + path
        h = {"Accept": "application/hal+json, application/json"}
        data = None
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
            h["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if auth and self.token:
            h["Authorization"] = "Bearer " + self.token
        h.update(headers or {})
        r = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            resp = urllib.request.urlopen(r, timeout=10)
            status, hdrs, payload = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, payload = e.code, e.headers, e.read()
        check(status < 500, "no 5xx for %s %s (got %d)" % (method, path, status))
        if hdrs.get("Content-Encoding") == "gzip":
            payload = gzip.decompress(payload)
        js = None
        ctype = hdrs.get("Content-Type") or ""
        if payload and "json" in ctype:
            js = json.loads(payload)
        return status, hdrs, js, payload

    def get(self, path, **kw):
        return self.req("GET", path, **kw)


def apierror(js, status):
    return isinstance(js, dict) and "apierror" in js and js["apierror"]["status"] == status \
        and set(js["apierror"]) == {"status", "timestamp", "message", "debugMessage"}


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def main():
    proc, base, creds = start("--records", "40", "--seed", "3")
    try:
        run(base, creds)
        fuzz(base, creds)
    finally:
        proc.terminate()
        proc.wait(5)
    err = proc.stderr.read()
    check("Traceback" not in err, "server logged no traceback")
    if "Traceback" in err:
        print(err[-3000:])
    proc2, base2, creds2 = start("--token-ttl", "1")
    try:
        c = Client(base2)
        st, _, js, _ = c.req("POST", "/auth/signin", {"userName": creds2["username"], "password": creds2["password"]})
        c.token = js["accessToken"]
        st, _, _, _ = c.get("/api/people/currentPerson")
        check(st == 200, "fresh short-lived token works")
        time.sleep(2.2)
        st, h, js, _ = c.get("/api/people/currentPerson")
        check(st == 401 and apierror(js, "UNAUTHORIZED"), "expired token refused with 401")
    finally:
        proc2.terminate()
        proc2.wait(5)
    print("%d checks, %d failures" % (CHECKS[0], len(FAILS)))
    return 1 if FAILS else 0


def run(base, creds):
    c = Client(base)
    user, pw = creds["username"], creds["password"]
    # ---------------- authentication -------------------------------------------------
    st, h, js, _ = c.req("POST", "/auth/signin", {"userName": "not-existing-user-auth-system", "password": "password"})
    check(st == 401 and apierror(js, "UNAUTHORIZED"), "wrong user -> 401 apierror")
    check(js["apierror"]["message"] == "Invalid userName/password provided.", "doc message on bad sign-in")
    check(js["apierror"]["debugMessage"] == "Please provide valid credentials.", "doc debugMessage on bad sign-in")
    import re
    check(re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d:\d\d", js["apierror"]["timestamp"]) is not None, "timestamp format")
    st, _, js, _ = c.req("POST", "/auth/signin", {"userName": user, "password": pw + "x"})
    check(st == 401, "wrong password -> 401")
    st, _, js, _ = c.req("POST", "/auth/signin", raw="{not json")
    check(st == 400 and apierror(js, "BAD_REQUEST"), "malformed sign-in JSON -> 400")
    st, h, js, _ = c.req("POST", "/auth/signin", {"userName": user, "password": pw})
    check(st == 200 and h["Content-Type"].startswith("application/json"), "sign-in 200 json")
    check(set(js) == {"userName", "accessToken"} and js["userName"] == user, "sign-in body fields")
    token = js["accessToken"]
    check(token.count(".") == 2, "token is a JWT")
    hdr = json.loads(b64d(token.split(".")[0]))
    check(hdr["alg"] == "HS256", "HS256 token")
    payload = json.loads(b64d(token.split(".")[1]))
    check(payload["exp"] - payload["iat"] == 1800, "token expires after 30 minutes")
    st, h, js, _ = c.get("/api/projects")
    check(st == 401 and apierror(js, "UNAUTHORIZED"), "no token -> 401")
    st, _, js, _ = c.get("/api/projects", headers={"Authorization": "Basic abc"})
    check(st == 401, "basic scheme -> 401")
    p2 = dict(payload, email="gentar_test_user2@gentar.org")
    tampered = token.split(".")[0] + "." + b64u(json.dumps(p2).encode()) + "." + token.split(".")[2]
    st, _, js, _ = c.get("/api/projects", headers={"Authorization": "Bearer " + tampered})
    check(st == 401 and apierror(js, "UNAUTHORIZED"), "tampered token -> 401")
    none_tok = b64u(b'{"alg":"none","typ":"JWT"}') + "." + token.split(".")[1] + "."
    st, _, _, _ = c.get("/api/projects", headers={"Authorization": "Bearer " + none_tok})
    check(st == 401, "alg none token -> 401")
    forged = token.split(".")[0] + "." + token.split(".")[1] + "." + b64u(
        hmac.new(b"guess", (token.split(".")[0] + "." + token.split(".")[1]).encode(), hashlib.sha256).digest())
    st, _, _, _ = c.get("/api/projects", headers={"Authorization": "Bearer " + forged})
    check(st == 401, "wrong key signature -> 401")
    st, _, _, _ = c.get("/api/projects", headers={"Authorization": "Bearer garbage"})
    check(st == 401, "garbage token -> 401")
    c.token = token

    # ---------------- users ---------------------------------------------------------
    st, h, js, _ = c.get("/api/people/currentPerson")
    check(st == 200 and h["Content-Type"].startswith("application/json"), "currentPerson 200")
    check(list(js) == ["name", "email", "contactable", "rolesWorkUnits", "rolesConsortia", "actionPermissions", "isAdmin"],
          "currentPerson fields")
    check([a["actionName"] for a in js["actionPermissions"]] == ["manageUsers", "executeManagerTasks", "canManageGeneLists"],
          "action permissions names")
    newu = {"name": "New User", "email": "newuser@ebi.ac.uk", "password": "newuser", "contactable": True,
            "rolesWorkUnits": [{"workUnitName": "UCD", "roleName": "general"}],
            "rolesConsortia": [{"consortiumName": "CMG", "roleName": "general"}]}
    st, h, js, _ = c.req("POST", "/api/people", newu)
    check(st == 200 and js["email"] == "newuser@ebi.ac.uk" and isinstance(js["rolesWorkUnits"][0]["id"], int),
          "create user 200")
    check(js["isAdmin"] is False and all(a["value"] is False for a in js["actionPermissions"]), "new user permissions")
    st, _, js, _ = c.req("POST", "/api/people", newu)
    check(st == 400 and apierror(js, "BAD_REQUEST"), "duplicate user -> 400")
    st, _, js, _ = c.req("POST", "/api/people", {"name": "x"})
    check(st == 400, "user without email -> 400")
    nc = Client(base)
    st, _, js, _ = nc.req("POST", "/auth/signin", {"userName": "newuser@ebi.ac.uk", "password": "newuser"})
    check(st == 200, "new user can sign in")
    nc.token = js["accessToken"]
    st, _, js, _ = nc.req("POST", "/api/people", dict(newu, email="other@ebi.ac.uk"))
    check(st == 403 and apierror(js, "FORBIDDEN"), "non-manager cannot create users")
    st, h, _, raw = c.req("POST", "/api/people/requestPasswordReset", raw="gentar_test_user1@gentar.org", auth=False)
    check(st == 200 and raw == b"", "password reset 200 without auth")
    st, h, js, _ = c.req("PUT", "/api/people/gentar_test_user2@gentar.org", {
        "name": "Test user 2 name [edited]", "contactable": False,
        "rolesWorkUnits": [{"id": 2, "workUnitName": "UCD", "roleName": "general"}],
        "rolesConsortia": [{"consortiumName": "CMG", "roleName": "general"}]})
    check(st == 200 and js["name"] == "Test user 2 name [edited]" and js["contactable"] is False, "managed update")
    check(js["rolesWorkUnits"][0]["id"] == 2, "role id kept")
    check(h.get("Content-Disposition") == "inline;filename=f.txt", "Content-Disposition on managed update")
    st, _, js, _ = c.req("PUT", "/api/people/nobody@nowhere.org", {"name": "x"})
    check(st == 404 and apierror(js, "NOT_FOUND"), "managed update unknown user 404")
    st, _, js, _ = c.req("PUT", "/api/people", {"name": "Curator [edited]", "contactable": True,
                                                  "currentPassword": "wrong", "newPassword": "n3w-pass"})
    check(st == 400, "own update wrong current password -> 400")
    st, _, js, _ = c.req("PUT", "/api/people", {"name": "Curator [edited]", "contactable": True,
                                                  "currentPassword": pw, "newPassword": "n3w-pass"})
    check(st == 200 and js["name"] == "Curator [edited]" and js["isAdmin"] is True, "own update")
    st, _, js, _ = c.req("POST", "/auth/signin", {"userName": user, "password": "n3w-pass"})
    check(st == 200, "sign in with the new password")
    st, _, js, _ = c.req("PUT", "/api/people", {"currentPassword": "n3w-pass", "newPassword": pw})
    check(st == 200, "password restored")
    st, _, js, _ = c.req("PUT", "/api/people", {"contactable": "yes"})
    check(st == 400, "wrong type -> 400")

    # ---------------- projects ------------------------------------------------------
    st, h, js, _ = c.get("/api/projects/TPN:000000001")
    check(st == 200 and h["Content-Type"] == "application/hal+json", "project hal+json")
    check(js["tpn"] == "TPN:000000001" and js["imitsMiPlanId"] == 27136 and js["comment"] == "Comment test", "TPN1 values")
    g = js["projectIntentions"][0]["intentionByGene"]
    check(g["gene"]["symbol"] == "Serpinb10" and g["gene"]["accessionId"] == "MGI:2138648", "TPN1 gene")
    check(g["bestOrthologs"][0]["supportCount"] == 9 and g["bestOrthologs"][0]["category"] == "GOOD", "orthologs")
    check("jr34293" in js["colonyNames"] and "CR10129" in js["phenotypingExternalRefs"], "derived colony/phenotyping refs")
    for link in js["_links"]["productionPlans"] + js["_links"]["phenotypingPlans"]:
        path = link["href"].split(base)[1]
        st2, _, pj, _ = c.get(path)
        check(st2 == 200 and pj["tpn"] == "TPN:000000001", "project plan link resolves " + path)
    st, _, js, _ = c.get("/api/projects/TPN:000000002")
    check(st == 200 and list(js["_links"]) == ["self"] and "imitsMiPlanId" not in js, "TPN2 no plans, no imits id")
    st, _, js, _ = c.get("/api/projects/TPN:999999999")
    check(st == 404 and apierror(js, "NOT_FOUND"), "unknown project 404")
    st, h, js, _ = c.get("/api/projects")
    check(st == 200 and js["page"]["size"] == 20 and js["page"]["number"] == 0, "default paging")
    total = js["page"]["totalElements"]
    check(total == 40 and js["page"]["totalPages"] == 2 and len(js["_embedded"]["projects"]) == 20, "project totals")
    check(js["_links"]["self"]["href"] == base + "/api/projects", "projects self link")
    check("Link" in h, "Link header on list")
    seen = []
    for page in range(3):
        st, _, js, _ = c.get("/api/projects?page=%d&size=15&sort=tpn,ASC" % page)
        seen += [p["tpn"] for p in js["_embedded"]["projects"]]
    check(seen == sorted(seen) and len(seen) == 40 and len(set(seen)) == 40, "sorted paging covers all")
    st, _, js, _ = c.get("/api/projects?page=0&size=15&sort=tpn,DESC")
    tp = [p["tpn"] for p in js["_embedded"]["projects"]]
    check(tp == sorted(tp, reverse=True), "DESC sort")
    st, _, js, _ = c.get("/api/projects?page=9")
    check(st == 200 and js["_embedded"]["projects"] == [] and js["page"]["number"] == 9, "page beyond the end")
    for bad_q in ("page=-1", "size=abc", "size=0", "sort=nope,ASC", "imitsMiPlanId=abc"):
        st, _, js, _ = c.get("/api/projects?" + bad_q)
        check(st == 400 and apierror(js, "BAD_REQUEST"), "bad query %s -> 400" % bad_q)
    st, _, js, _ = c.get("/api/projects?page=99999999999999999999&size=99999999")
    check(st == 200 and js["_embedded"]["projects"] == [], "huge page numbers handled")
    st, _, js, _ = c.get("/api/projects?tpn=TPN:000000001,TPN:000000004")
    check(sorted(p["tpn"] for p in js["_embedded"]["projects"]) == ["TPN:000000001", "TPN:000000004"], "tpn filter")
    st, _, js, _ = c.get("/api/projects?assignmentStatusName=Assigned&size=100")
    check(all(p["assignmentStatusName"] == "Assigned" for p in js["_embedded"]["projects"]) and
          {"TPN:000000001", "TPN:000000003", "TPN:000000005"} <= {p["tpn"] for p in js["_embedded"]["projects"]},
          "assignment filter (doc example)")
    for q, pred in [("gene=MGI:2138648", lambda p: any(i["intentionByGene"]["gene"]["accessionId"] == "MGI:2138648"
                                                         for i in p["projectIntentions"] if "intentionByGene" in i)),
                    ("gene=Serpinb10", lambda p: True),
                    ("workUnitName=BCM", lambda p: "BCM" in p["relatedWorkUnitNames"]),
                    ("intention=Point%20Mutation", lambda p: any(i["molecularMutationTypeName"] == "Point Mutation"
                                                                 for i in p["projectIntentions"])),
                    ("privacyName=restricted", lambda p: p["privacyName"] == "restricted"),
                    ("colonyName=jr34293", lambda p: "jr34293" in p["colonyNames"]),
                    ("phenotypingExternalRef=CR10129", lambda p: "CR10129" in p["phenotypingExternalRefs"]),
                    ("imitsMiPlanId=27136", lambda p: p.get("imitsMiPlanId") == 27136),
                    ("summaryStatusName=Plan%20Created", lambda p: p["summaryStatusName"] == "Plan Created")]:
        st, _, js, _ = c.get("/api/projects?size=100&" + q)
        items = js["_embedded"]["projects"]
        check(st == 200 and items and all(pred(p) for p in items), "project filter " + q)
    st, _, js, _ = c.get("/api/projects?gene=MGI:2138648&workUnitName=JAX&tpn=TPN:000000001")
    check(js["_embedded"]["projects"] == [], "combined filters AND")

    create = {
        "recovery": False, "esCellQcOnly": False, "comment": "comment", "privacyName": "public",
        "planDetails": {"funderNames": ["KOMP"], "workUnitName": "BCM", "workGroupName": "BaSH",
                        "comment": "Plan comment", "attemptTypeName": "crispr", "typeName": "production"},
        "projectIntentions": [{
            "molecularMutationTypeName": "Point Mutation",
            "mutationCategorizations": [{"name": "Null Reporter", "description": None, "typeName": "allele_category"}],
            "intentionByGene": {"gene": {"id": None, "name": None, "symbol": "Serpinb10", "speciesName": None,
                                         "externalLink": None, "accessionId": "MGI:2138648"}},
            "intentionsBySequences": [{"sequence": {
                "sequence": ">Gpr173 Cas9 high_Gpr173_11766 \n GATGGTTTGAGAGCCTGG", "typeName": "partial",
                "categoryName": "original starting sequence",
                "sequenceLocations": [{"locationIndex": 1, "location": {
                    "chr": "X", "start": 123456, "stop": 654321, "strand": "+", "genomeBuild": "GRCm38",
                    "speciesName": "Mus musculus", "strainName": "C57BL/6N"}}]}, "index": 1}]}],
        "speciesNames": ["Mus musculus"], "consortia": [{"consortiumName": "CMG"}]}
    st, h, js, _ = c.req("POST", "/api/projects", create)
    check(st == 200 and h["Content-Type"] == "application/hal+json", "create project 200")
    check([x["comment"] for x in js["history"]] == ["Project updated", "Project created"], "create project history")
    check(js["history"][0]["details"][0]["field"] == "summaryStatus.name", "create project details")
    new_tpn_path = js["_links"]["self"]["href"].split(base)[1]
    st, _, pj, _ = c.get(new_tpn_path)
    check(st == 200 and pj["assignmentStatusName"] == "Inspect - Conflict" and pj["summaryStatusName"] == "Plan Created",
          "created project readable, conflict on same gene")
    check(pj["projectIntentions"][0]["intentionByGene"]["gene"]["id"] == 1, "gene resolved")
    seq = pj["projectIntentions"][0]["intentionsBySequences"][0]["sequence"]
    check(isinstance(seq["id"], int) and isinstance(seq["sequenceLocations"][0]["location"]["id"], int), "ids assigned")
    plan_path = pj["_links"]["productionPlans"][0]["href"].split(base)[1]
    st, _, pl, _ = c.get(plan_path)
    check(st == 200 and pl["statusName"] == "Plan Created" and pl["workUnitName"] == "BCM" and pl["tpn"] == pj["tpn"],
          "plan of created project")
    st, _, js, _ = c.get("/api/projects?tpn=" + pj["tpn"])
    check(js["page"]["totalElements"] == 1, "created project is listed")
    for mutate, what in [(lambda b: b.pop("planDetails"), "missing planDetails"),
                         (lambda b: b.update(privacyName="secret"), "bad privacy"),
                         (lambda b: b["projectIntentions"][0]["intentionByGene"]["gene"].update(symbol="Nope1", accessionId="MGI:0"), "unknown gene"),
                         (lambda b: b["projectIntentions"][0].update(molecularMutationTypeName="Teleport"), "bad intention"),
                         (lambda b: b.update(recovery="no"), "wrong type"),
                         (lambda b: b["planDetails"].update(attemptTypeName="adult and embryo phenotyping"), "inconsistent attempt")]:
        b = json.loads(json.dumps(create))
        mutate(b)
        st, _, js, _ = c.req("POST", "/api/projects", b)
        check(st == 400 and apierror(js, "BAD_REQUEST"), "create project: %s -> 400" % what)
    st, _, js, _ = c.req("POST", "/api/projects", raw="[1,2]")
    check(st == 400, "non-object body -> 400")
    st, _, js, _ = c.req("PUT", "/api/projects/TPN:000000001", {"tpn": "TPN:000000001", "recovery": True,
                                                                  "esCellQcOnly": True, "comment": "A new comment",
                                                                  "privacyName": "protected"})
    check(st == 200 and js["_links"]["self"]["href"] == base + "/api/projects/TPN:000000001", "update project 200")
    check([d["field"] for d in js["history"][0]["details"]] == ["comment", "esCellQcOnly", "privacy.name", "recovery"],
          "update project details (doc order)")
    check(js["history"][0]["details"][1]["oldValue"] == "false", "string old value")
    st, _, pj, _ = c.get("/api/projects/TPN:000000001")
    check(pj["comment"] == "A new comment" and pj["privacyName"] == "protected" and pj["recovery"] is True, "update persisted")
    st, _, js, _ = c.req("PUT", "/api/projects/TPN:000000001", {"privacyName": None})
    check(st == 400, "null privacy -> 400")
    st, _, js, _ = c.req("PUT", "/api/projects/TPN:000000001", raw='{"comment": ')
    check(st == 400 and apierror(js, "BAD_REQUEST"), "malformed JSON -> 400")
    st, h, js, _ = c.req("DELETE", "/api/projects/TPN:000000001")
    check(st == 405 and "Allow" in h, "DELETE not supported -> 405")

    # ---------------- plans ---------------------------------------------------------
    st, _, pl, _ = c.get("/api/plans/PIN:0000000001")
    check(st == 200 and pl["crisprAttempt"]["mutagenesisExternalRef"] == "MF-26326", "PIN1 crispr attempt")
    check(pl["statusTransition"]["transitions"][0]["action"] == "abortWhenFounderObtained" and
          pl["statusTransition"]["transitions"][0]["available"] is True, "PIN1 abort available")
    st, _, pl2, _ = c.get("/api/plans/PIN:0000000002")
    check(pl2["statusTransition"]["transitions"][0]["available"] is False, "PIN2 abort not available")
    st, _, js, _ = c.get("/api/plans/PIN:0000000010")
    check(js["esCellAttempt"]["esCellName"] == "EPD0045_1_A11", "es cell plan")
    st, _, js, _ = c.get("/api/plans/PIN:0000000009")
    sp = js["creAlleleModificationStartingPoint"]
    st2, _, oj, _ = c.get(sp["_links"]["outcome"]["href"].split(base)[1])
    check(st2 == 200 and oj["tpo"] == sp["outcomeTpo"] and oj["pin"] == sp["productionPlanPin"], "starting point resolves")
    st, _, js, _ = c.get("/api/plans")
    check(js["_links"]["self"]["templated"] is True and js["_links"]["self"]["href"].startswith(base + "/api/plans{?pin,tpn,"),
          "plans templated self link")
    check(js["page"]["totalElements"] > 40, "plans larger than two pages")
    allpins = []
    for page in range(js["page"]["totalPages"]):
        st, _, pj, _ = c.get("/api/plans?page=%d" % page)
        allpins += [p["pin"] for p in pj["_embedded"]["plans"]]
    check(len(allpins) == len(set(allpins)) == js["page"]["totalElements"], "default order stable across pages")
    st, _, js, _ = c.get("/api/plans?statusName=Founder%20Obtained&attemptTypeName=crispr")
    check(all(p["statusName"] == "Founder Obtained" and p["attemptTypeName"] == "crispr" for p in js["_embedded"]["plans"]),
          "plan filters")
    check(js["_links"]["self"]["href"] == base + "/api/plans?statusName=Founder%20Obtained&attemptTypeName=crispr"
          "{&pin,tpn,workUnitName,workGroupName,summaryStatusName,typeName,imitsMiAttemptId,imitsPhenotypeAttemptId,"
          "phenotypingExternalRef,doNotCountTowardsCompleteness}", "filtered template link (doc)")
    for q, pred in [("typeName=phenotyping", lambda p: p["typeName"] == "phenotyping"),
                    ("tpn=TPN:000000001", lambda p: p["tpn"] == "TPN:000000001"),
                    ("pin=PIN:0000000001,PIN:0000000003", lambda p: p["pin"] in ("PIN:0000000001", "PIN:0000000003")),
                    ("workUnitName=BCM", lambda p: p["workUnitName"] == "BCM"),
                    ("workGroup=BaSH", lambda p: p["workGroupName"] == "BaSH"),
                    ("workGroupName=BaSH", lambda p: p["workGroupName"] == "BaSH"),
                    ("imitsMiAttemptId=20043", lambda p: p["pin"] == "PIN:0000000001"),
                    ("phenotypingExternalRef=CR10129", lambda p: p["phenotypingAttemptResponse"]["phenotypingExternalRef"] == "CR10129"),
                    ("doNotCountTowardsCompleteness=false", lambda p: p["phenotypingAttemptResponse"]["doNotCountTowardsCompleteness"] is False),
                    ("summaryStatusName=Plan%20Created", lambda p: p["summaryStatusName"] == "Plan Created")]:
        st, _, js, _ = c.get("/api/plans?size=200&" + q)
        items = js["_embedded"]["plans"]
        check(st == 200 and items and all(pred(p) for p in items), "plan filter " + q)
    st, _, js, _ = c.get("/api/plans?size=200&sort=pin,DESC")
    pins = [p["pin"] for p in js["_embedded"]["plans"]]
    check(pins == sorted(pins, reverse=True), "plan sort")
    st, _, js, _ = c.get("/api/plans?doNotCountTowardsCompleteness=maybe")
    check(st == 400, "bad boolean filter -> 400")
    for p in js and [] or []:
        pass
    st, h, js, _ = c.get("/api/plans/PIN:0000000002/history")
    check(st == 200 and h["Content-Type"].startswith("application/json") and js[0]["comment"] == "Plan updated",
          "plan history (doc)")
    st, _, js, _ = c.get("/api/plans/PIN:0000009999")
    check(st == 404, "unknown plan 404")

    crispr = {"tpn": "TPN:000000001", "attemptTypeName": "crispr", "funderNames": ["KOMP"], "workUnitName": "BCM",
              "workGroupName": "BaSH", "comment": "example of crispr plan creation",
              "crisprAttempt": {"miDate": "2019-02-26", "experimental": True, "comment": "crispr plan comment",
                                "mutagenesisExternalRef": "MF-26326", "imitsMiAttemptId": 20043,
                                "attemptExternalRef": "attempt external reference", "embryoTransferDay": "Same Day",
                                "totalTransferred": 72,
                                "nucleases": [{"typeName": "Cas9", "concentration": 250.0, "className": "protein"}],
                                "guides": [{"chr": "X", "start": 46245139, "stop": 46245161, "grnaConcentration": 300.0,
                                            "sequence": "CTTCACGTACCAAGGAGGGGTGG", "truncatedGuide": True, "strand": "+",
                                            "genomeBuild": "GRCm38", "pam": "TGG", "guideSequence": "CTTCACGTACCAAGGAGGGG",
                                            "formatName": "sgRNA", "sourceName": "commercial"}],
                                "mutagenesisDonors": [{"concentration": 5.0, "vectorName": "pUC18_Ikzf2_conditional",
                                                       "oligoSequenceFasta": "ATAATTGG", "preparationTypeName": "Circular"}],
                                "reagents": [{"reagentName": "Ligase IV", "reagentDescription": "NHEJ Inhibitor", "concentration": 334.0}],
                                "genotypePrimers": [{"genomicStartCoordinate": 1, "genomicEndCoordinate": 200,
                                                     "name": "Gpr68wtR", "sequence": "GTAGAGGGACAGGCAGTTGG"}],
                                "totalEmbryosInjected": 72, "totalEmbryosSurvived": 70, "embryo2Cell": "20043",
                                "assay": {"typeName": "T7EN1", "numFounderPups": 26, "numFounderSelectedForBreeding": 1,
                                          "founderNumAssays": 26, "numDeletionG0Mutants": 1, "numG0WhereMutationDetected": 1,
                                          "numHdrG0Mutants": 1, "numHdrG0MutantsAllDonorsInserted": 0,
                                          "numHdrG0MutantsSubsetDonorsInserted": 0, "numHrG0Mutants": 0, "numNhejG0Mutants": 0},
                                "strainInjectedName": "C57BL/6NJ"},
              "typeName": "production"}
    st, _, js, _ = c.req("POST", "/api/plans", crispr)
    check(st == 200 and js["history"][0]["comment"] == "Plan created" and js["history"][0]["details"] == [], "create crispr plan")
    newpin_path = js["_links"]["self"]["href"].split(base)[1]
    st, _, pj, _ = c.get(newpin_path)
    check(st == 200 and pj["crisprAttempt"]["guides"][0]["pam"] == "TGG" and isinstance(pj["crisprAttempt"]["assay"]["id"], int)
          and pj["crisprAttempt"]["nucleases"][0]["concentration"] == 250.0, "created crispr plan readable")
    st, _, js, _ = c.get("/api/projects/TPN:000000001")
    check(any(l["href"].endswith(pj["pin"]) for l in js["_links"]["productionPlans"]), "new plan linked from project")
    pheno = {"tpn": "TPN:000000001", "funderNames": [], "workUnitName": "UCD", "workGroupName": "DTCC", "comment": None,
             "attemptTypeName": "adult and embryo phenotyping", "typeName": "phenotyping",
             "phenotypingStartingPoint": {"outcomeTpo": "TPO:000000000001"},
             "phenotypingAttempt": {"phenotypingExternalRef": "CR1234", "phenotypingBackgroundStrainName": "C57BL/6NJ",
                                    "doNotCountTowardsCompleteness": False, "cohortProductionWorkUnitName": "UCD"}}
    st, _, js, _ = c.req("POST", "/api/plans/", pheno)
    check(st == 200, "create phenotyping plan (trailing slash)")
    st, _, pj, _ = c.get(js["_links"]["self"]["href"].split(base)[1])
    check(pj["phenotypingAttemptResponse"]["phenotypingExternalRef"] == "CR1234" and
          pj["phenotypingStartingPoint"]["outcomeTpo"] == "TPO:000000000001", "phenotyping plan readable")
    for mutate, what in [(lambda b: b.pop("phenotypingStartingPoint"), "no starting point"),
                         (lambda b: b.update(tpn="TPN:999999999"), "unknown project"),
                         (lambda b: b.update(typeName="other"), "bad type"),
                         (lambda b: b["phenotypingStartingPoint"].update(outcomeTpo="TPO:999999999999"), "unknown outcome")]:
        b = json.loads(json.dumps(pheno))
        mutate(b)
        st, _, js, _ = c.req("POST", "/api/plans", b)
        check(st == 400, "create plan: %s -> 400" % what)
    b = json.loads(json.dumps(crispr))
    b["crisprAttempt"]["totalTransferred"] = 10 ** 40
    st, _, js, _ = c.req("POST", "/api/plans", b)
    check(st == 400, "huge integer -> 400")

    upd = {"pin": "PIN:0000000001", "tpn": "TPN:000000001", "funderNames": ["KOMP"], "workUnitName": "BCM",
           "workGroupName": "BaSH", "comment": "New Plan comment",
           "statusTransition": {"currentStatus": "Founder Obtained", "transitions": [], "actionToExecute": "abortWhenFounderObtained"}}
    st, _, js, _ = c.req("PUT", "/api/plans/PIN:0000000001", upd)
    check(st == 200 and [d["field"] for d in js["history"][0]["details"]] == ["comment", "status.name", "summaryStatus.name"],
          "update crispr plan (doc details)")
    st, _, pj, _ = c.get("/api/plans/PIN:0000000001")
    check(pj["statusName"] == "Attempt Aborted" and pj["statusDates"][-1]["statusName"] == "Attempt Aborted", "status changed")
    st, _, js, _ = c.req("PUT", "/api/plans/PIN:0000000001", upd)
    check(st == 400, "same action again -> 400")
    st, _, js, _ = c.get("/api/plans/PIN:0000000001/history")
    check(js[-1]["details"][1]["newValue"] == "Attempt Aborted", "plan history records update")
    st, _, js, _ = c.req("PUT", "/api/plans/PIN:0000000002", {"statusTransition": {"actionToExecute": "abortWhenFounderObtained"}})
    check(st == 400, "unavailable transition -> 400")
    st, _, js, _ = c.req("PUT", "/api/plans/PIN:0000000002", {"pin": "PIN:0000000001", "comment": "x"})
    check(st == 400, "pin mismatch -> 400")
    st, _, js, _ = c.req("PUT", "/api/plans/PIN:0000000003", {
        "pin": "PIN:0000000003", "tpn": "TPN:000000001", "attemptTypeName": "adult and embryo phenotyping",
        "funderNames": [], "workUnitName": "BCM", "workGroupName": "BaSH", "comment": "New Plan comment",
        "typeName": "phenotyping", "phenotypingExternalRef": "CR10129", "doNotCountTowardsCompleteness": False,
        "phenotypingBackgroundStrainName": "C57BL/6NJ", "cohortProductionWorkUnitName": "BCM",
        "statusTransition": {"actionToExecute": None}})
    fields = [d["field"] for d in js["history"][0]["details"]]
    check(st == 200 and "comment" in fields, "update phenotyping plan (doc)")

    # ---------------- outcomes & mutations --------------------------------------------
    st, _, oj, _ = c.get("/api/plans/PIN:0000000001/outcomes/TPO:000000000001")
    check(st == 200 and oj["colony"]["name"] == "jr34293" and oj["outcomeTypeName"] == "Colony", "colony outcome (doc)")
    check([t["action"] for t in oj["colony"]["statusTransition"]["transitions"]] ==
          ["confirmGenotypeWhenInProgress", "updateFromGenotypeInProgressToGenotypeNotConfirmed", "abortGenotypeInProgress"],
          "colony transitions")
    for l in oj["_links"]["mutations"]:
        st2, _, mj, _ = c.get(l["href"].split(base)[1])
        check(st2 == 200 and any(x["href"] == oj["_links"]["self"]["href"] for x in mj["_links"]["outcomes"]),
              "outcome/mutation links both ways")
    st, _, oj, _ = c.get("/api/plans/PIN:0000000001/outcomes/TPO:000000000004")
    check(oj["specimen"]["specimenTypeName"] == "haplo-essential", "specimen outcome (doc)")
    st, _, js, _ = c.get("/api/plans/PIN:0000000002/outcomes/TPO:000000000001")
    check(st == 404, "outcome of another plan -> 404")
    st, _, js, _ = c.get("/api/plans/PIN:0000000001/outcomes")
    check(st == 200 and {o["tpo"] for o in js["_embedded"]["outcomes"]} >= {"TPO:00000000000%d" % i for i in range(1, 6)},
          "outcome list")
    st, _, js, _ = c.get("/api/plans/PIN:0000000003/outcomes")
    check(st == 200 and js["_embedded"]["outcomes"] == [], "empty outcome list")
    st, _, js, _ = c.get("/api/plans/PIN:0000000001/outcomes/TPO:000000000002/history")
    check(js[0]["details"][0]["field"] == "colony.genotypingComment", "outcome history (doc)")
    newo = {"pin": "PIN:0000000001", "outcomeTypeName": "Colony",
            "colony": {"name": "jr34077", "genotypingComment": "genotyping comment", "backgroundStrainName": "C57BL/6NJ",
                       "distributionProducts": [{"id": None, "distributionCentreName": "BCM", "productTypeName": "Live mice",
                                                 "distributionNetworkName": "MMRRC", "startDate": "2020-06-08T15:49:52.0353",
                                                 "endDate": "2020-07-09T15:49:47.0311"}]},
            "mutations": [{"mgiAlleleSymbolWithoutImpcAbbreviation": False, "mgiAlleleSymbolRequiresConstruction": True,
                           "geneticMutationTypeName": "Not Tested", "molecularMutationTypeName": "Deletion",
                           "alleleConfirmed": False, "mutationQcResults": [], "genes": [{"symbol": "Serpinb10"}],
                           "mutationSequences": [{"sequence": {"sequence": "TCTAAAAGGNACAG", "typeName": "partial",
                                                               "categoryName": "intention target sequence"}, "index": 1}],
                           "description": "", "mutationCategorizations": [{"name": "NHEJ", "description": "non-homology end-joining",
                                                                           "typeName": "repair_mechanism"}]}]}
    st, _, js, _ = c.req("POST", "/api/plans/PIN:0000000001/outcomes", newo)
    check(st == 200 and [h_["comment"] for h_ in js["history"]] == ["Mutation created", "Outcome created"]
          and [h_["id"] for h_ in js["history"]] == [1, 2], "create outcome (doc)")
    st, _, oj, _ = c.get(js["_links"]["self"]["href"].split(base)[1])
    check(st == 200 and oj["colony"]["distributionProducts"][0]["startDate"] == "2020-06-08" and
          oj["colony"]["statusName"] == "Genotype In Progress" and len(oj["_links"]["mutations"]) == 1, "created outcome readable")
    st, _, mj, _ = c.get(oj["_links"]["mutations"][0]["href"].split(base)[1])
    check(st == 200 and mj["genes"][0]["symbol"] == "Serpinb10" and "imitsAllele" not in mj, "created mutation readable")
    st, _, js, _ = c.req("POST", "/api/plans/PIN:0000000001/outcomes", newo)
    check(st == 400, "duplicate colony name -> 400")
    st, _, js, _ = c.req("POST", "/api/plans/PIN:0000000001/outcomes", {"outcomeTypeName": "Pet"})
    check(st == 400, "bad outcome type -> 400")
    st, _, js, _ = c.req("PUT", "/api/plans/PIN:0000000001/outcomes/TPO:000000000001", {
        "tpo": "TPO:000000000001", "outcomeTypeName": "Colony",
        "colony": {"name": "jr34293", "genotypingComment": "Genotyping comment changed.", "backgroundStrainName": "C57BL/6NJ",
                   "distributionProducts": [{"id": 1, "distributionCentreName": "BCM", "productTypeName": "Live mice",
                                             "distributionNetworkName": "MMRRC", "endDate": "2018-11-09T00:00:00",
                                             "startDate": "2018-04-19T00:00:00"}],
                   "statusTransition": {"actionToExecute": None}}})
    check(st == 200 and [d["field"] for d in js["history"][0]["details"]] == ["colony.genotypingComment"],
          "update outcome (doc details)")
    st, _, js, _ = c.req("PUT", "/api/plans/PIN:0000000001/outcomes/TPO:000000000001",
                         {"colony": {"statusTransition": {"actionToExecute": "confirmGenotypeWhenInProgress"}}})
    st, _, oj, _ = c.get("/api/plans/PIN:0000000001/outcomes/TPO:000000000001")
    check(oj["colony"]["statusName"] == "Genotype Confirmed", "colony transition executed")

    st, _, mj, _ = c.get("/api/plans/PIN:0000000001/outcomes/TPO:000000000002/mutations/MIN:000000000002")
    check(st == 200 and mj["id"] == 2 and mj["symbol"] == "em1(IMPC)J" and mj["genes"][0]["symbol"] == "Otog", "mutation (doc)")
    st2, _, mj2, _ = c.get(mj["_links"]["self"]["href"].split(base)[1])
    check(st2 == 200 and mj2["min"] == "MIN:000000000002", "mutation self link resolves")
    st, _, js, _ = c.get("/api/plans/PIN:0000000001/outcomes/TPO:000000000002/mutations/MIN:000000000002/history")
    check(js[0]["details"][0]["field"] == "geneticMutationTypeName", "mutation history (doc)")
    mupd = {"min": "MIN:000000000002", "mgiAlleleId": "MGI:6342258", "imitsAllele": 266843, "symbol": "em1(IMPC)J",
            "geneticMutationTypeName": "Null", "molecularMutationTypeName": "Point Mutation",
            "mutationQcResults": [{"id": 1, "qcTypeName": "mutant_specific_sr_pcr", "statusName": "pass"},
                                  {"id": None, "qcTypeName": "loxp_screen", "statusName": "fail"}],
            "mutationSequences": mj["mutationSequences"],
            "description": "Otog<em1(IMPC)J>: new description",
            "mutationCategorizations": [{"name": "NHEJ", "description": "non-homology end-joining", "typeName": "repair_mechanism"},
                                        {"name": "HR", "typeName": "repair_mechanism"}],
            "_links": {"outcomes": {"href": "x"}}, "genes": [{"symbol": "Otog"}, {"symbol": "Dennd6b"}]}
    st, _, js, _ = c.req("PUT", "/api/plans/PIN:0000000001/outcomes/TPO:000000000002/mutations/MIN:000000000002/", mupd)
    fields = [d["field"] for d in js["history"][0]["details"]]
    check(st == 200 and "description" in fields and "genes.[4]" in fields and "geneticMutationType.name" in fields,
          "update mutation (doc)")
    check(js["_links"]["self"]["href"].endswith("/outcomes/TPO:000000000002/mutations/MIN:000000000002"), "mutation update link")
    st, _, mj, _ = c.get("/api/mutations/MIN:000000000002")
    check([g_["symbol"] for g_ in mj["genes"]] == ["Otog", "Dennd6b"] and len(mj["mutationQcResults"]) == 2 and
          mj["geneticMutationTypeName"] == "Null", "mutation update persisted")

    # ---------------- phenotyping stages ------------------------------------------------
    st, _, sj, _ = c.get("/api/plans/PIN:0000000001/phenotypingStages/PSN:000000000001")
    check(st == 200 and sj["phenotypingTypeName"] == "early adult and embryo" and sj["_links"]["plan"]["href"].endswith("PIN:0000000001"),
          "stage (doc)")
    st, _, js, _ = c.get("/api/plans/PIN:0000000001/phenotypingStages")
    check([x["psn"] for x in js["_embedded"]["phenotypingStages"]] and "page" not in js, "stage list")
    st, _, js, _ = c.get("/api/plans/PIN:0000000001/phenotypingStages/PSN:000000000002/history")
    check(js[0]["comment"] == "PhenotypingStage updated", "stage history (doc)")
    st, _, js, _ = c.req("POST", "/api/plans/PIN:0000000002/phenotypingStages/", {
        "phenotypingTypeName": "early adult and embryo", "phenotypingExternalRef": "JR34077",
        "phenotypingExperimentsStarted": "2020-02-24", "initialDataReleaseDate": "2015-11-23",
        "tissueDistributions": [{"startDate": "2020-04-13", "endDate": "2021-05-15", "workUnitName": "TCP",
                                 "materialDepositedTypeName": "Paraffin-embedded Sections"}]})
    check(st == 200 and js["history"][0]["comment"] == "PhenotypingStage created", "create stage (doc)")
    st, _, sj2, _ = c.get(js["_links"]["self"]["href"].split(base)[1])
    check(st == 200 and sj2["statusName"] == "Phenotyping Registered" and sj2["tissueDistributions"][0]["workUnitName"] == "TCP",
          "created stage readable")
    st, _, js, _ = c.req("POST", "/api/plans/PIN:0000000002/phenotypingStages", {"phenotypingExperimentsStarted": "soon"})
    check(st == 400, "invalid stage -> 400")
    st, _, js, _ = c.req("PUT", "/api/plans/PIN:0000000001/phenotypingStages/PSN:000000000001", {
        "psn": "PSN:000000000001", "phenotypingExternalRef": "CR10129", "phenotypingExperimentsStarted": "2020-04-02",
        "initialDataReleaseDate": "2015-11-23",
        "tissueDistributions": [{"id": sj["tissueDistributions"][0]["id"], "startDate": "2020-04-13", "endDate": "2021-05-15",
                                 "workUnitName": "TCP", "materialDepositedTypeName": "Paraffin-embedded Sections"}],
        "statusTransition": {"actionToExecute": None}})
    check(st == 200 and [d["field"] for d in js["history"][0]["details"]] == ["phenotypingExperimentsStarted"],
          "update stage (doc details)")

    # ---------------- transport -------------------------------------------------------------
    st, h, js, _ = c.get("/api/projects", headers={"Accept-Encoding": "gzip"})
    check(st == 200 and h.get("Content-Encoding") == "gzip" and js["page"]["size"] == 20, "gzip")
    st, h, js, raw = c.req("HEAD", "/api/projects/TPN:000000001")
    check(st == 200 and raw == b"", "HEAD")
    st, h, _, raw = c.get("/nothing-here")
    check(st == 404 and h["Content-Type"].startswith("text/html"), "non-API 404 html")
    st, h, js, _ = c.get("/api/unknown")
    check(st == 404 and apierror(js, "NOT_FOUND"), "unknown API route 404")
    st, _, js, _ = c.get("/api/projects/TPN%3A000000001")
    check(st == 200 and js["tpn"] == "TPN:000000001", "percent-encoded id")

    # ---------------- whole GET body as PUT payload (gentar.txt:6940) --------------------------
    for path in ["/api/projects/TPN:000000003", "/api/plans/PIN:0000000010", "/api/plans/PIN:0000000004",
                 "/api/plans/PIN:0000000009", "/api/plans/PIN:0000000001/outcomes/TPO:000000000004",
                 "/api/plans/PIN:0000000001/outcomes/TPO:000000000002",
                 "/api/plans/PIN:0000000001/outcomes/TPO:000000000002/mutations/MIN:000000000002",
                 "/api/plans/PIN:0000000001/phenotypingStages/PSN:000000000002"]:
        st, _, before, _ = c.get(path)
        st, _, js, _ = c.req("PUT", path, before)
        check(st == 200 and js["history"] == [], "round trip PUT %s changes nothing" % path)
        st, _, after, _ = c.get(path)
        check(after == before, "round trip PUT %s keeps the resource" % path)

    # ---------------- internal consistency ----------------------------------------------------
    st, _, js, _ = c.get("/api/projects?size=200")
    for p in js["_embedded"]["projects"]:
        for rel in ("productionPlans", "phenotypingPlans"):
            for l in p["_links"].get(rel, []):
                st2, _, pl, _ = c.get(l["href"].split(base)[1])
                check(st2 == 200 and pl["tpn"] == p["tpn"] and (pl["typeName"] == "production") == (rel == "productionPlans"),
                      "link %s of %s" % (l["href"], p["tpn"]))
    st, _, js, _ = c.get("/api/plans?size=200")
    for pl in js["_embedded"]["plans"]:
        st2, _, oj, _ = c.get("/api/plans/%s/outcomes" % pl["pin"])
        for o in oj["_embedded"]["outcomes"]:
            check(o["pin"] == pl["pin"], "outcome pin")
            for l in o["_links"].get("mutations", []):
                st3, _, mj, _ = c.get(l["href"].split(base)[1])
                check(st3 == 200, "mutation link resolves")
        for key in ("phenotypingStartingPoint", "creAlleleModificationStartingPoint"):
            if key in pl:
                st3, _, oj2, _ = c.get(pl[key]["_links"]["outcome"]["href"].split(base)[1])
                check(st3 == 200, "starting point of %s resolves" % pl["pin"])
        for t in pl["statusTransition"]["transitions"]:
            check(set(t) == {"action", "description", "triggeredByUser", "available", "note", "nextStatus"}, "transition fields")


def variants(doc):
    """Yield copies of doc with one value replaced by a value of another type."""
    junk = [None, "x", 12, -1, 10 ** 30, 1.5, True, [], {}, [1], {"a": 1}]

    def walk(node, setter):
        for j in junk:
            yield lambda j=j: setter(j)
        if isinstance(node, dict):
            for k in list(node):
                def set_k(v, node=node, k=k):
                    node[k] = v
                yield from walk(node[k], set_k)
        elif isinstance(node, list):
            for i in range(len(node)):
                def set_i(v, node=node, i=i):
                    node[i] = v
                yield from walk(node[i], set_i)
    count = len(list(walk(json.loads(json.dumps(doc)), lambda v: None)))
    for n in range(count):
        d = json.loads(json.dumps(doc))
        muts = list(walk(d, lambda v: None))
        muts[n]()
        yield d


def fuzz(base, creds):
    c = Client(base)
    st, _, js, _ = c.req("POST", "/auth/signin", {"userName": creds["username"], "password": creds["password"]})
    c.token = js["accessToken"]
    st, _, plan, _ = c.get("/api/plans/PIN:0000000010")
    st, _, mut, _ = c.get("/api/mutations/MIN:000000000001")
    st, _, stage, _ = c.get("/api/plans/PIN:0000000001/phenotypingStages/PSN:000000000001")
    st, _, out, _ = c.get("/api/plans/PIN:0000000001/outcomes/TPO:000000000004")
    st, _, proj, _ = c.get("/api/projects/TPN:000000003")
    targets = [
        ("PUT", "/api/plans/PIN:0000000010", plan),
        ("PUT", "/api/plans/PIN:0000000001/outcomes/TPO:000000000001/mutations/MIN:000000000001", mut),
        ("PUT", "/api/plans/PIN:0000000001/phenotypingStages/PSN:000000000001", stage),
        ("PUT", "/api/plans/PIN:0000000001/outcomes/TPO:000000000004", out),
        ("PUT", "/api/projects/TPN:000000003", proj),
        ("POST", "/api/plans", {"tpn": "TPN:000000001", "typeName": "production", "attemptTypeName": "es cell",
                                "workUnitName": "BCM", "esCellAttempt": {"esCellName": "E1", "miDate": "2020-01-01",
                                                                         "totalChimeras": 3}}),
        ("POST", "/api/plans", {"tpn": "TPN:000000001", "typeName": "production", "attemptTypeName": "cre allele modification",
                                "workUnitName": "BCM", "creAlleleModificationStartingPoint": {"outcomeTpo": "TPO:000000000006"},
                                "creAlleleModificationAttempt": {"tatCre": True}}),
        ("POST", "/api/plans/PIN:0000000001/outcomes", {"outcomeTypeName": "Specimen", "specimen": {
            "specimenExternalRef": "S1", "specimenProperties": [{"propertyTypeName": "p", "value": "v"}]},
            "mutations": [{"genes": [{"accessionId": "MGI:1202064"}], "mutationQcResults": [{"qcTypeName": "a", "statusName": "b"}]}]}),
        ("POST", "/api/projects", {"planDetails": {"typeName": "production", "attemptTypeName": "crispr", "workUnitName": "JAX"},
                                   "projectIntentions": [{"molecularMutationTypeName": "Deletion",
                                                          "intentionByGene": {"gene": {"symbol": "Otog"}}}],
                                   "consortia": [{"consortiumName": "JAX"}]}),
        ("PUT", "/api/people", {"name": "n", "contactable": True}),
        ("PUT", "/api/people/gentar_test_user2@gentar.org", {"name": "n", "rolesWorkUnits": [{"workUnitName": "UCD", "roleName": "general"}]}),
    ]
    n = 0
    for method, path, doc in targets:
        for v in variants(doc):
            st, _, js, _ = c.req(method, path, v)
            n += 1
            check(st in (200, 400, 403, 404), "fuzz %s %s status %d" % (method, path, st))
            if st != 200:
                check(apierror(js, {400: "BAD_REQUEST", 403: "FORBIDDEN", 404: "NOT_FOUND"}[st]), "fuzz error body")
    for q in ["page=1e3", "size=-5", "sort=", "sort=tpn,SIDEWAYS", "sort=tpn,asc&sort=comment,desc", "tpn=",
              "page=0&page=x", "%ZZ=1", "gene=%00", "sort=,,,", "size=" + "9" * 40]:
        for coll in ("projects", "plans"):
            st, _, js, _ = c.get("/api/%s?%s" % (coll, q))
            check(st in (200, 400), "query %s on %s -> %d" % (q, coll, st))
    for raw in ["", "null", "[]", '"str"', "{", "{\"a\": NaN}", "\xff\xfe", '{"a":' * 5000]:
        st, _, js, _ = c.req("PUT", "/api/projects/TPN:000000003", raw=raw.encode("latin-1"))
        check(st == 400, "raw body %r -> 400" % raw[:20])
    print("fuzzed %d payload variants" % n)


if __name__ == "__main__":
    sys.exit(main())
