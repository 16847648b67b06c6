// Filter the first table of the page by the words typed in an <input class="table-filter"> (every word must match).
document.addEventListener("DOMContentLoaded", function () {
  var input = document.querySelector("input.table-filter");
  var table = document.querySelector("article table");
  if (!input || !table) return;
  var count = document.querySelector(".filter-count");
  input.addEventListener("input", function () {
    var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    Array.from(table.tBodies[0].rows).forEach(function (row) {
      var text = row.textContent.toLowerCase();
      var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
      row.hidden = !keep;
      if (keep) shown += 1;
    });
    if (count) count.textContent = words.length ? shown + " 行" : "";
  });
});
