#!/usr/bin/env python3
"""Self-test for tests/servers/impc_images.py (stdlib only).

Starts the server on port 0, checks the Solr /select behaviour the document
relies on and the document's example record (impc_images.txt:330-438).
Exits 0 on success.
"""
import gzip
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SELECT = "/solr/impc_images/select"


def doc_example():
    """The example JSON of the document itself, if the document is reachable."""
    for base in (os.path.join(HERE, "..", "..", "..", "shared", "docs"), "/work/shared/docs"):
        path = os.path.join(base, "impc_images.txt")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
            start = next(i for i, l in enumerate(lines) if l.strip() == "{")
            end = next(i for i in range(start, len(lines)) if lines[i].strip() == "}")
            return json.loads("\n".join(lines[start:end + 1]))
    sys.path.insert(0, HERE)
    import impc_images
    return impc_images.EXAMPLE_DOC


def start():
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "impc_images.py"), "--port", "0"],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    assert line.startswith("listening on http://127.0.0.1:"), line
    return p, line.split("listening on ", 1)[1]


def req(base, path, params=None, headers=None, data=None, method=None):
    url = base + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    r = urllib.request.Request(url, headers=headers or {}, data=data, method=method)
    try:
        with urllib.request.urlopen(r, timeout=20) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def sel(base, **params):
    st, h, body = req(base, SELECT, params)
    assert h["Content-Type"].startswith("application/json"), h
    return st, json.loads(body)


def ok(base, **params):
    st, d = sel(base, **params)
    assert st == 200, (params, st, d)
    assert d["responseHeader"]["status"] == 0 and isinstance(d["responseHeader"]["QTime"], int)
    r = d["response"]
    assert isinstance(r["numFound"], int) and isinstance(r["start"], int) and isinstance(r["docs"], list)
    return d


def bad(base, **params):
    st, d = sel(base, **params)
    assert st == 400, (params, st)
    assert d["error"]["code"] == 400 and d["responseHeader"]["status"] == 400 and d["error"]["msg"]
    return d["error"]["msg"]


def checks(base):
    example = doc_example()
    # envelope, default rows 10, start 0
    d = ok(base, q="*:*")
    total = d["response"]["numFound"]
    assert total > 20 and len(d["response"]["docs"]) == 10 and d["response"]["start"] == 0
    assert d["responseHeader"]["params"] == {"q": "*:*"}
    # the document's example record, verbatim (impc_images.txt:330-438)
    d = ok(base, q='id:"1"', fl="*")
    assert d["response"]["numFound"] == 1
    assert d["response"]["docs"][0] == example, set(example.items()) ^ set(d["response"]["docs"][0].items())
    assert list(d["response"]["docs"][0]) == list(example)
    # types as the example shows them
    alldocs = ok(base, q="*:*", rows=1000)["response"]["docs"]
    assert len(alldocs) == total and len({x["id"] for x in alldocs}) == total
    for doc in alldocs:
        assert set(doc) <= set(example), set(doc) - set(example)
        for k, v in doc.items():
            ev = example[k]
            if isinstance(ev, list):
                assert isinstance(v, list) and all(isinstance(x, str) for x in v), (k, v)
            elif isinstance(ev, float):
                assert isinstance(v, float), (k, v)
            else:
                assert type(v) is type(ev), (k, v)
    # paging: consecutive pages partition the natural order
    p1 = [x["id"] for x in ok(base, q="*:*", rows=10, start=0)["response"]["docs"]]
    p2 = [x["id"] for x in ok(base, q="*:*", rows=10, start=10)["response"]["docs"]]
    assert p1 + p2 == [x["id"] for x in alldocs[:20]]
    assert ok(base, q="*:*", start=total + 5)["response"]["docs"] == []
    assert ok(base, q="*:*", rows=0)["response"]["docs"] == []
    # sort
    for field in ("weight", "gene_symbol", "age_in_days"):
        for direction in ("asc", "desc"):
            docs = ok(base, q="*:*", rows=1000, sort="%s %s,id asc" % (field, direction), fl="id," + field)["response"]["docs"]
            vals = [x[field] for x in docs if field in x]
            assert vals == sorted(vals, reverse=direction == "desc"), (field, direction)
            present = [field in x for x in docs]
            assert present == sorted(present, reverse=True)  # missing values last
    # fl
    docs = ok(base, q="*:*", fl="id,gene_symbol", rows=50)["response"]["docs"]
    assert all(set(x) <= {"id", "gene_symbol"} and "id" in x for x in docs)
    docs = ok(base, q="*:*", fl="id score", rows=3)["response"]
    assert "maxScore" in docs and all("score" in x for x in docs["docs"])
    # q and fq
    gene = next(x["gene_symbol"] for x in alldocs if "gene_symbol" in x and x["id"] != "1")
    d = ok(base, q="gene_symbol:%s" % gene, rows=1000)
    assert d["response"]["numFound"] == sum(1 for x in alldocs if x.get("gene_symbol") == gene)
    d = ok(base, q="*:*", fq=["gene_symbol:%s" % gene, "sex:male"], rows=1000)
    assert d["response"]["numFound"] == sum(1 for x in alldocs if x.get("gene_symbol") == gene and x["sex"] == "male")
    assert d["responseHeader"]["params"]["fq"] == ["gene_symbol:%s" % gene, "sex:male"]
    d = ok(base, q="weight:[30 TO *]", rows=1000)
    assert d["response"]["numFound"] == sum(1 for x in alldocs if x.get("weight", 0) >= 30)
    d = ok(base, q="mp_id:*", rows=1000)
    assert d["response"]["numFound"] == sum(1 for x in alldocs if "mp_id" in x)
    d = ok(base, q="-biological_sample_group:control", rows=0)
    assert d["response"]["numFound"] == sum(1 for x in alldocs if x["biological_sample_group"] != "control")
    d = ok(base, q="gene_accession_id:Gene-001 AND sex:Male")
    assert [x["id"] for x in d["response"]["docs"]] == ["1"]
    d = ok(base, q="mp_term:\"Term 1\"")
    assert [x["id"] for x in d["response"]["docs"]] == ["1"]
    # errors as Solr reports them
    assert "undefined field" in bad(base, q="nosuchfield:x")
    assert bad(base, q="*:*", rows="-1")
    assert bad(base, q="*:*", start="abc")
    assert bad(base, q="gene_symbol:(Akt2")
    assert bad(base, q="*:*", sort="nosuchfield asc")
    assert bad(base, q="*:*", sort="gene_symbol sideways")
    assert bad(base, q="*:*", sort="mp_id asc")
    assert bad(base, q="weight:heavy")
    # facets
    d = ok(base, q="*:*", rows=0, facet="true", **{"facet.field": "sex", "facet.mincount": "1"})
    ff = d["facet_counts"]["facet_fields"]["sex"]
    assert sum(ff[1::2]) == total
    # cursorMark deep paging
    seen, cursor = [], "*"
    while True:
        d = ok(base, q="*:*", rows=7, sort="id asc", cursorMark=cursor, fl="id")
        seen += [x["id"] for x in d["response"]["docs"]]
        if d["nextCursorMark"] == cursor:
            break
        cursor = d["nextCursorMark"]
    assert seen == sorted(x["id"] for x in alldocs)
    # wt=xml, gzip, POST form, other paths
    st, h, body = req(base, SELECT, {"q": "id:1", "wt": "xml"})
    assert st == 200 and h["Content-Type"].startswith("application/xml") and b'numFound="1"' in body
    st, h, body = req(base, SELECT, {"q": "*:*"}, {"Accept-Encoding": "gzip"})
    assert h.get("Content-Encoding") == "gzip" and json.loads(gzip.decompress(body))["response"]["numFound"] == total
    st, h, body = req(base, SELECT, data=b"q=id%3A1&fl=id", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 200 and json.loads(body)["response"]["docs"] == [{"id": "1"}]
    for path in ("/impc_images/select", "/select", "/solr/impc_images/query"):
        st, h, body = req(base, path, {"q": "id:1"})
        assert st == 200 and json.loads(body)["response"]["numFound"] == 1, path
    st, h, body = req(base, "/solr/impc_images/get", {"id": "1"})
    assert json.loads(body)["doc"] == example
    st, h, body = req(base, "/solr/other_core/select", {"q": "*:*"})
    assert st == 404 and h["Content-Type"].startswith("text/html")
    st, h, body = req(base, SELECT, {"q": "*:*"}, method="DELETE")
    assert st == 405
    d = ok(base, q="*:*", indent="false", omitHeader="false")
    st, h, body = req(base, SELECT, {"q": "*:*", "indent": "false"})
    assert b"\n  " not in body
    print("checks OK (%d documents)" % total)


def main():
    p, base = start()
    try:
        checks(base)
    finally:
        p.terminate()
        p.wait(timeout=10)
    print("impc_images selftest PASSED")


if __name__ == "__main__":
    main()
