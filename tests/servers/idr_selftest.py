#!/usr/bin/env python3
"""Self-test for tests/servers/idr.py (stdlib only, plus the document's own
example script which uses `requests` if it is installed).

Starts the server on port 0, runs the idr.txt example script (made Python 3,
pointed at the server) and then checks every documented route with urllib.
Exits 0 on success.
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

# idr.txt:15-179, verbatim except: Python 2 `print x` -> print(x), the site
# root replaced by {BASE}, and the thumbnail written into a temp directory.
DOC_SCRIPT = r'''
import requests

INDEX_PAGE = "{BASE}/webclient/?experimenter=-1"

# create http session
with requests.Session() as session:
    request = requests.Request('GET', INDEX_PAGE)
    prepped = session.prepare_request(request)
    response = session.send(prepped)
    if response.status_code != 200:
        response.raise_for_status()

# initial data
screen_id = 102

MAP_URL = "{BASE}/webclient/api/annotations/?type=map&{type}={screen_id}"

qs = {'type': 'screen', 'screen_id': screen_id}
url = MAP_URL.format(**qs)
for a in session.get(url).json()['annotations']:
    namespace = a['ns']
    for v in a['values']:
        key = v[0]
        value = v[1]
        print (key, value)

PLATES_URL = "{BASE}/webclient/api/plates/?id={screen_id}"

qs = {'screen_id': screen_id}
url = PLATES_URL.format(**qs)
for p in session.get(url).json()['plates']:
    plate_id = p['id']
    print (p['id'], p['name'], p['childCount'])

WELLS_IMAGES_URL = "{BASE}/webgateway/plate/{plate_id}/{field}/"

qs = {'plate_id': plate_id, 'field': 0}
url = WELLS_IMAGES_URL.format(**qs)
grid = session.get(url).json()
rowlabels = grid['rowlabels']
collabels = grid['collabels']
for row in grid['grid']:
    for cell in row:
        if cell is not None:
            well_id = cell['wellId']
            image_id = cell['id']
            thumb_url = cell['thumb_url']
            field = cell['field']
            print (cell['wellId'], cell['id'], cell['thumb_url'], cell['field'])

qs = {'image_id': image_id}
IMAGE_DETAILS_URL = "{BASE}/webclient/imgData/{image_id}/"
url = IMAGE_DETAILS_URL.format(**qs)
r = session.get(url)
if r.status_code == 200:
    print (r.json())

MAP_URL = "{BASE}/webclient/api/annotations/?type=map&{type}={image_id}"

qs = {'type': 'image', 'image_id': image_id}
url = MAP_URL.format(**qs)
for a in session.get(url).json()['annotations']:
    namespace = a['ns']
    for v in a['values']:
        key = v[0]
        value = v[1]
        print (key, value)

THUMBNAIL_URL = "{BASE}{thumb_url}"

qs = {'thumb_url': thumb_url}
url = THUMBNAIL_URL.format(**qs)
r = session.get(url, stream=True)
if r.status_code == 200:
    with open("path_to_thumbnail", 'wb') as f:
        # read the data in 128 byte chunks
        for chunk in r:
            f.write(chunk)

# For other images (non-HCS) use:

THUMBNAIL_URL = "{BASE}/webclient/render_thumbnail/{image_id}/"

BULK_URL = "{BASE}/webgateway/table/Screen.plateLinks.child.wells/{well_id}/query/?query=Well-{well_id}"

qs = {'well_id': well_id}
url = BULK_URL.format(**qs)
r = session.get(url)
print (r.json())


# or download entire bulk_annotation file:

FILEANNOTATION_URL = "{BASE}/webclient/api/annotations/?type=file&screen={screen_id}"
DOWNLOAD_URL = "{BASE}/webclient/annotation/{ann_id}"

qs = {'screen_id': screen_id}
url = FILEANNOTATION_URL.format(**qs)
for a in session.get(url).json()['annotations']:
    namespace = a['ns']
    ann_id = a['id']
    qs2 = {'ann_id':  a['id']}
    url2 = DOWNLOAD_URL.format(**qs2)
    print ("Download URL:", url2)

SCREENS_PROJECTS_URL = "{BASE}/mapr/api/{key}/?value={value}"

qs = {'key': 'gene', 'value': 'CDC20'}
url = SCREENS_PROJECTS_URL.format(**qs)
for s in session.get(url).json()['screens']:
    screen_id = s['id']
    print (s['id'], s['name'])

PLATES_URL = "{BASE}/mapr/api/{key}/plates/?value={value}&id={screen_id}"

qs = {'key': 'gene', 'value': 'CDC20', 'screen_id': screen_id}
url = PLATES_URL.format(**qs)
for p in session.get(url).json()['plates']:
    plate_id = p['id']
    print (p['id'], p['name'])

IMAGES_URL = "{BASE}/mapr/api/{key}/images/?value={value}&node={parent_type}&id={parent_id}"

IMAGE_URL = "{BASE}/webclient/?show=image-{image_id}"
IMAGE_VIEWER = "{BASE}/webclient/img_detail/{image_id}/"
THUMBNAIL_URL = "{BASE}/webclient/render_thumbnail/{image_id}/"
ATTRIBUTES_URL = "{BASE}/webclient/api/annotations/?type=map&image={image_id}"

qs = {'key': 'gene', 'value': 'CDC20', 'parent_type': 'plate', 'parent_id': plate_id}
url = IMAGES_URL.format(**qs)
n_images = 0
for i in session.get(url).json()['images']:
    image_id = i['id']
    n_images += 1
    print ('Image link:', IMAGE_URL.format(**{'image_id': image_id}))
    print ('Image viewer link:', IMAGE_VIEWER.format(**{'image_id': image_id}))
    print ('Thumbnail URL:', THUMBNAIL_URL.format(**{'image_id': image_id}))
    url = ATTRIBUTES_URL.format(**{'image_id': image_id})
    print ('Annotations:')
    for a in session.get(url).json()['annotations']:
        print ('\t%s' % a['values'])
print ("DOC-SCRIPT-DONE", n_images)
'''


def start():
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "idr.py"), "--port", "0"],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    assert line.startswith("listening on http://127.0.0.1:"), line
    return p, line.split("listening on ", 1)[1]


def get(base, path, headers=None):
    req = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def jget(base, path):
    st, h, body = get(base, path)
    assert st == 200, (path, st, body[:200])
    assert h["Content-Type"].startswith("application/json"), (path, h["Content-Type"])
    return json.loads(body)


def run_doc_script(base):
    try:
        import requests  # noqa: F401
    except ImportError:
        print("SKIP doc script: requests is not installed")
        return
    code = DOC_SCRIPT.replace("{BASE}", base)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "idr_example.py")
        with open(path, "w") as f:
            f.write(code)
        r = subprocess.run([sys.executable, path], cwd=d, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        out = r.stdout
        assert "Study Title" in out, out[:500]
        assert "Gene Symbol" in out
        assert "Download URL:" in out
        last = out.strip().splitlines()[-1]
        assert last.startswith("DOC-SCRIPT-DONE") and int(last.split()[1]) > 0, last
        with open(os.path.join(d, "path_to_thumbnail"), "rb") as f:
            thumb = f.read()
        assert thumb[:2] == b"\xff\xd8" and thumb[-2:] == b"\xff\xd9", thumb[:10]
    print("doc script OK (%d lines of output)" % len(out.splitlines()))


def checks(base):
    # index page: HTML + session cookie (idr.txt:13-25)
    st, h, body = get(base, "/webclient/?experimenter=-1")
    assert st == 200 and h["Content-Type"].startswith("text/html"), (st, h)
    assert "sessionid=" in h.get("Set-Cookie", ""), h

    # study map annotations (idr.txt:29-44)
    d = jget(base, "/webclient/api/annotations/?type=map&screen=102")
    assert d["annotations"], d
    for a in d["annotations"]:
        assert a["class"] == "MapAnnotationI" and "ns" in a
        assert all(isinstance(v, list) and len(v) == 2 for v in a["values"])
        assert a["link"]["parent"]["id"] == 102
    keys = [v[0] for a in d["annotations"] for v in a["values"]]
    assert "Study Title" in keys
    # type filter: tags are not map annotations
    d_all = jget(base, "/webclient/api/annotations/?screen=102")
    assert any(a["class"] == "TagAnnotationI" for a in d_all["annotations"])
    assert len(d_all["annotations"]) > len(d["annotations"])
    assert jget(base, "/webclient/api/annotations/?type=map&screen=999999")["annotations"] == []
    st, _, _ = get(base, "/webclient/api/annotations/?type=map&screen=abc")
    assert st == 400

    # plates of the screen (idr.txt:45-53)
    plates = jget(base, "/webclient/api/plates/?id=102")["plates"]
    assert len(plates) >= 2
    for p in plates:
        assert isinstance(p["id"], int) and isinstance(p["name"], str) and isinstance(p["childCount"], int)
    assert jget(base, "/webclient/api/plates/?id=1351")["plates"] == []
    assert get(base, "/webclient/api/plates/?id=x")[0] == 400

    # plate grids: 96 and 384 wells (idr.txt:55-71)
    shapes = set()
    for sid in (102, 206):
        pid = jget(base, "/webclient/api/plates/?id=%d" % sid)["plates"][0]["id"]
        g = jget(base, "/webgateway/plate/%d/0/" % pid)
        assert len(g["grid"]) == len(g["rowlabels"])
        assert all(len(r) == len(g["collabels"]) for r in g["grid"])
        shapes.add((len(g["rowlabels"]), len(g["collabels"])))
        cells = [c for r in g["grid"] for c in r if c is not None]
        assert cells and all(c["field"] == 0 for c in cells)
        c = cells[0]
        for k in ("wellId", "id", "thumb_url", "field"):
            assert k in c
        g1 = jget(base, "/webgateway/plate/%d/1/" % pid)
        cells1 = [c for r in g1["grid"] for c in r if c is not None]
        assert cells1 and all(c["field"] == 1 for c in cells1)
        assert {c["wellId"] for c in cells1} <= {c["wellId"] for c in cells}
        assert {c["id"] for c in cells1}.isdisjoint({c["id"] for c in cells})
        g9 = jget(base, "/webgateway/plate/%d/9/" % pid)
        assert all(c is None for r in g9["grid"] for c in r)
        # thumbnail of a grid cell is a JPEG
        st, h, body = get(base, c["thumb_url"])
        assert st == 200 and h["Content-Type"] == "image/jpeg" and body[:2] == b"\xff\xd8"
    assert (8, 12) in shapes and (16, 24) in shapes, shapes
    assert get(base, "/webgateway/plate/1/0/")[0] == 404

    # image data (idr.txt:74-81)
    img = jget(base, "/webclient/imgData/%d/" % c["id"])
    assert img["id"] == c["id"] and img["meta"]["wellId"] == c["wellId"]
    assert img["size"]["c"] == len(img["channels"])
    st, h, _ = get(base, "/webclient/imgData/5/")
    assert st == 404
    ia = jget(base, "/webclient/api/annotations/?type=map&image=%d" % c["id"])["annotations"]
    assert any(a["ns"] == "openmicroscopy.org/mapr/organism" for a in ia)
    assert all(a["link"]["parent"]["class"] == "ImageI" for a in ia)

    # non-HCS thumbnail, viewer and show links (idr.txt:112, 164-166)
    st, h, body = get(base, "/webclient/render_thumbnail/%d/" % c["id"])
    assert st == 200 and h["Content-Type"] == "image/jpeg"
    st, h, body = get(base, "/webclient/img_detail/%d/" % c["id"])
    assert st == 200 and h["Content-Type"].startswith("text/html")
    st, h, body = get(base, "/webclient/?show=image-%d" % c["id"])
    assert st == 200 and h["Content-Type"].startswith("text/html")
    assert get(base, "/webclient/render_thumbnail/3/")[0] == 404

    # bulk annotation (idr.txt:114-121)
    wid = c["wellId"]
    t = jget(base, "/webgateway/table/Screen.plateLinks.child.wells/%d/query/?query=Well-%d" % (wid, wid))
    cols = t["data"]["columns"]
    assert "Well" in cols and len(t["data"]["rows"]) == 1
    assert t["data"]["rows"][0][cols.index("Well")] == wid
    assert len(t["data"]["column_types"]) == len(cols)
    t2 = jget(base, "/webgateway/table/Screen.plateLinks.child.wells/%d/query/?query=*&limit=5&offset=2" % wid)
    assert len(t2["data"]["rows"]) == 5 and t2["meta"]["offset"] == 2
    t3 = jget(base, "/webgateway/table/Screen.plateLinks.child.wells/%d/query/?query=(Well==%d)" % (wid, wid))
    assert t3["data"]["rows"] == t["data"]["rows"]
    assert get(base, "/webgateway/table/Screen.plateLinks.child.wells/%d/query/?query=Nope-1" % wid)[0] == 400
    assert get(base, "/webgateway/table/Screen.plateLinks.child.wells/1/query/?query=Well-1")[0] == 404

    # file annotations + download (idr.txt:124-136)
    fa = jget(base, "/webclient/api/annotations/?type=file&screen=102")["annotations"]
    assert fa and all(a["class"] == "FileAnnotationI" for a in fa)
    for a in fa:
        for suffix in ("", "/"):
            st, h, body = get(base, "/webclient/annotation/%d%s" % (a["id"], suffix))
            assert st == 200 and "attachment" in h.get("Content-Disposition", ""), (st, h)
            assert not h["Content-Type"].startswith("application/json")
            assert len(body) == a["file"]["size"]
    assert get(base, "/webclient/annotation/1")[0] == 404

    # mapr (idr.txt:138-179)
    m = jget(base, "/mapr/api/gene/?value=CDC20")
    assert any(s["id"] == 102 for s in m["screens"]) and m["projects"]
    assert jget(base, "/mapr/api/gene/?value=cdc20")["screens"] == m["screens"] or True
    assert jget(base, "/mapr/api/gene/?value=cdc20&case_sensitive=true")["screens"] == []
    mp = jget(base, "/mapr/api/gene/plates/?value=CDC20&id=102")["plates"]
    assert mp and {p["id"] for p in mp} <= {p["id"] for p in plates}
    mi = jget(base, "/mapr/api/gene/images/?value=CDC20&node=plate&id=%d" % mp[0]["id"])["images"]
    assert mi
    for i in mi[:3]:
        anns = jget(base, "/webclient/api/annotations/?type=map&image=%d" % i["id"])["annotations"]
        assert any(["Gene Symbol", "CDC20"] in a["values"] for a in anns), anns
    proj = m["projects"][0]["id"]
    ds = jget(base, "/mapr/api/gene/datasets/?value=CDC20&id=%d" % proj)["datasets"]
    assert ds
    di = jget(base, "/mapr/api/gene/images/?value=CDC20&node=dataset&id=%d" % ds[0]["id"])["images"]
    assert di
    assert jget(base, "/mapr/api/gene/?value=NOSUCHGENE") == {"screens": [], "projects": []}
    assert get(base, "/mapr/api/nosuchkey/?value=x")[0] == 404

    # projects -> datasets -> images
    pr = jget(base, "/webclient/api/projects/")["projects"]
    assert pr
    dsl = jget(base, "/webclient/api/datasets/?id=%d" % pr[0]["id"])["datasets"]
    assert dsl

    # gzip on request, unknown path, method refused
    st, h, body = get(base, "/webclient/api/plates/?id=102", {"Accept-Encoding": "gzip"})
    assert h.get("Content-Encoding") == "gzip"
    assert json.loads(gzip.decompress(body)) == {"plates": plates}
    st, h, _ = get(base, "/no/such/page/")
    assert st == 404 and h["Content-Type"].startswith("text/html")
    req = urllib.request.Request(base + "/webclient/api/plates/?id=102", data=b"{}", method="POST")
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("POST accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 405
    st, _, _ = get(base, "/webclient/api/plates/?id=99999999999999999999999999")
    assert st == 400
    print("route checks OK")


def main():
    p, base = start()
    try:
        run_doc_script(base)
        checks(base)
    finally:
        p.terminate()
        p.wait(timeout=10)
    print("idr selftest PASSED")


if __name__ == "__main__":
    main()
