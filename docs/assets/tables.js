// The template's tables on a phone: each row becomes a card, each number labelled with its column
// (data-label, shown by site.css), so scrolling never separates a number from what it counts;
// a blank cell (blank in the report) says so in words there; a click on a number opens the line it was read from.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".template-table table").forEach(function (table) {
    var labels = Array.from(table.querySelectorAll("thead th")).map(function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      // A number carries no link of its own (the page stays small): its row's line link (L57, p.3) is where
      // it is printed, and a click on the number follows it.
      var line = row.cells[0] && row.cells[0].querySelector("a[href]");
      if (line) {
        row.classList.add("traced");
        row.addEventListener("click", function (event) {
          if (event.target.closest("a") || event.target.closest("td") === row.cells[0]) return;
          window.location.href = line.href;
        });
      }
      Array.from(row.cells).forEach(function (cell, i) {
        if (i > 0 && labels[i]) cell.dataset.label = labels[i];
        if (i > 0 && !cell.textContent.trim()) cell.classList.add("blank");
      });
    });
  });
});

// The access date of "cite this page" (docs/overrides/partials/cite.html): today's date in the reader's browser.
document.addEventListener("DOMContentLoaded", function () {
  var d = new Date();
  var today = d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  document.querySelectorAll(".cite-date").forEach(function (el) {
    el.textContent = today;
  });
});
