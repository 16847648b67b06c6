// The template's tables on a phone: each row becomes a card, each number labelled with its column
// (data-label, shown by site.css), so scrolling never separates a number from what it counts;
// a blank cell (blank in the report) says so in words there.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".template-table table").forEach(function (table) {
    var labels = Array.from(table.querySelectorAll("thead th")).map(function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.from(row.cells).forEach(function (cell, i) {
        if (i > 0 && labels[i]) cell.dataset.label = labels[i];
        if (i > 0 && !cell.textContent.trim()) cell.classList.add("blank");
      });
    });
  });
});
