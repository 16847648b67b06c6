// Click a table header to sort its table by that column (numbers numerically). No dependencies.
// The template's own tables (inside .template-table) keep the template's order: never sorted.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("article table").forEach(function (table) {
    if (table.closest(".template-table")) return;
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      th.style.cursor = "pointer";
      th.title = "sort";
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.from(body.rows);
        var dir = th.dataset.dir === "asc" ? -1 : 1;
        heads.forEach(function (h) { delete h.dataset.dir; });
        th.dataset.dir = dir === 1 ? "asc" : "desc";
        rows.sort(function (a, b) {
          var x = a.cells[col].textContent.trim(), y = b.cells[col].textContent.trim();
          var nx = parseFloat(x), ny = parseFloat(y);
          if (!isNaN(nx) && !isNaN(ny)) return (nx - ny) * dir;
          return x.localeCompare(y, "zh") * dir;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
});
