// The report page's filters. A group with nothing ticked does not filter.
// The URL fragment (#check=pagination,filters&severity=must&status=failed)
// sets the boxes on load and follows every change, so a filtered view can be
// linked to. This script holds no data: it reads the escaped data-* attributes
// of the cases, and writes only counts and the hidden flag.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) return;
  var keys = ["status", "severity", "check"];
  var cases = document.querySelectorAll("[data-case]");
  var boxes = document.querySelectorAll("[data-box]");

  function inputs(key) {
    return form.querySelectorAll('input[name="' + key + '"]');
  }

  function ticked(key) {
    var out = [];
    inputs(key).forEach(function (i) {
      if (i.checked) out.push(i.value);
    });
    return out;
  }

  // A fragment without `key=` pairs is a plain anchor (#spec-bip): it leaves
  // the filters alone.
  function readHash() {
    var want = {};
    var any = false;
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var eq = pair.indexOf("=");
      if (eq < 0) return;
      var key, value;
      try {
        key = decodeURIComponent(pair.slice(0, eq));
        value = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, " "));
      } catch (e) {
        return;
      }
      if (keys.indexOf(key) < 0) return;
      any = true;
      want[key] = (want[key] || []).concat(value.split(","));
    });
    if (!any) return;
    keys.forEach(function (key) {
      inputs(key).forEach(function (i) {
        i.checked = (want[key] || []).indexOf(i.value) >= 0;
      });
    });
  }

  function writeHash() {
    var parts = [];
    keys.forEach(function (key) {
      var t = ticked(key);
      if (t.length) parts.push(key + "=" + t.map(encodeURIComponent).join(","));
    });
    var url = location.pathname + location.search + (parts.length ? "#" + parts.join("&") : "");
    try {
      history.replaceState(null, "", url);
    } catch (e) {
      // Some browsers refuse history on file: pages; the filters still work.
    }
  }

  function apply() {
    var want = {};
    keys.forEach(function (key) {
      want[key] = ticked(key);
    });
    var shown = 0;
    cases.forEach(function (el) {
      var ok = keys.every(function (key) {
        return want[key].length === 0 || want[key].indexOf(el.getAttribute("data-" + key)) >= 0;
      });
      el.hidden = !ok;
      if (ok) shown++;
    });
    boxes.forEach(function (box) {
      var n = box.querySelectorAll("[data-case]:not([hidden])").length;
      box.hidden = n === 0;
      var count = box.querySelector(":scope > .head .n");
      if (count) count.textContent = n;
    });
    document.querySelectorAll("nav.index a").forEach(function (a) {
      var target = null;
      try {
        target = document.getElementById(decodeURIComponent(a.hash.slice(1)));
      } catch (e) {
        // A resource name with a stray `%`: its link stays as it is.
      }
      a.hidden = !target || target.hidden;
      var from = target && target.querySelector(":scope > .head .n");
      var to = a.querySelector(".n");
      if (from && to) to.textContent = from.textContent;
    });
    // Asking for passed or skipped cases means wanting to see them.
    if (want.status.some(function (s) { return s !== "failed"; })) {
      document.querySelectorAll("details.others").forEach(function (d) {
        d.open = true;
      });
    }
    document.getElementById("shown").textContent = shown;
    document.getElementById("nomatch").hidden = shown > 0;
  }

  readHash();
  apply();
  form.addEventListener("change", function () {
    writeHash();
    apply();
  });
  form.addEventListener("reset", function () {
    // The boxes are cleared only after the reset event has run.
    setTimeout(function () {
      writeHash();
      apply();
    }, 0);
  });
  window.addEventListener("hashchange", function () {
    readHash();
    apply();
  });
})();
