// The viewer of a report's file as numbered lines (docs/sources/index.md): sources/?f=<file>#L12 fetches <file>
// (a lines file, or a text original: builder/pages/addresses.py lines_file, relative to this page), shows its
// lines numbered, each its own anchor, and highlights the line of the address. The file's text is untrusted:
// it goes into the page as text nodes only, never as HTML.
(function () {
  "use strict";
  var box = document.getElementById("lines-view");
  var status = document.getElementById("source-status");
  var fileLink = document.getElementById("source-file");
  if (!box) return;
  // Where str.splitlines broke the lines the parser numbered (addresses.original_is_lines relies on it).
  var BREAKS = /\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/;
  // A file of this site's sources/ folder: `<id>.lines.txt` or `<id>/<name>`, never another folder or host.
  var SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
  var file = new URLSearchParams(window.location.search).get("f") || "";

  function say(words) {
    status.textContent = words;
  }

  function highlight() {
    box.querySelectorAll(".source-line.highlight").forEach(function (el) {
      el.classList.remove("highlight");
    });
    var id = decodeURIComponent(window.location.hash.slice(1));
    var line = /^L[0-9]+$/.test(id) ? document.getElementById(id) : null;
    if (line) {
      line.classList.add("highlight");
      line.scrollIntoView({ block: "center" });
    }
  }

  function lineElement(text, number) {
    var row = document.createElement("div");
    row.className = "source-line";
    row.id = "L" + number;
    var anchor = document.createElement("a");
    anchor.className = "ln";
    anchor.href = "#L" + number;
    anchor.textContent = String(number);
    var shown = document.createElement("span");
    shown.className = "text";
    var cells = text.split("\t");
    while (cells.length > 1 && !cells[cells.length - 1].trim()) cells.pop();
    cells.forEach(function (cell, i) {
      if (i) {
        var sep = document.createElement("span");
        sep.className = "sep";
        sep.textContent = " │ ";
        shown.appendChild(sep);
      }
      shown.appendChild(document.createTextNode(cell));
    });
    row.appendChild(anchor);
    row.appendChild(shown);
    return row;
  }

  function show(text) {
    var lines = text.split(BREAKS);
    if (lines.length && lines[lines.length - 1] === "") lines.pop(); // the newline that ends the last line
    var all = document.createDocumentFragment();
    lines.forEach(function (line, i) {
      all.appendChild(lineElement(line, i + 1));
    });
    box.appendChild(all);
    say("共 " + lines.length + " 行 " + lines.length + " lines");
    box.dataset.state = "shown";
    highlight();
  }

  if (!SAFE.test(file) || file.indexOf("..") >= 0) {
    say("地址中没有文件（?f=）。 No file named in this page's address (?f=).");
    box.dataset.state = "none";
    return;
  }
  fileLink.href = file;
  fileLink.textContent = "sources/" + file;
  say("读取中… Loading…");
  fetch(file)
    .then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      return response.text();
    })
    .then(show)
    .catch(function (error) {
      say("无法读取 Could not load: " + error.message);
      box.dataset.state = "failed";
    });
  window.addEventListener("hashchange", highlight);
})();
