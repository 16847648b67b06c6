// The header's search box on Pagefind (partials/search.html; the index is built by builder/search.py).
// Pagefind is loaded from this site, by a path relative to the page, on first use; a query then fetches only the
// index chunks for its words and the fragments of the results shown. Results are written as text: a page's
// excerpt keeps only Pagefind's <mark> highlights, never other markup from the indexed page.
(function () {
  "use strict";
  var root = document.querySelector("[data-search-root]");
  if (!root) return;
  var input = root.querySelector("[data-search-query]");
  var meta = root.querySelector("[data-search-meta]");
  var list = root.querySelector("[data-search-results]");
  var toggle = document.getElementById("__search");
  var siteRoot = new URL(root.getAttribute("data-search-root"), location.href);
  var bundle = new URL(root.getAttribute("data-search-bundle"), location.href);
  var PAGE = 5; // results whose fragments (each a page's indexed text, a few KB) are fetched at a time
  var loading = null;
  var latest = 0;
  var shown = { results: [], count: 0, query: "" };

  function loadPagefind() {
    if (!loading) {
      loading = import(new URL("pagefind.js", bundle).href).then(function (pagefind) {
        // Result addresses are built from the site's root, so they are right under a sub-path (/repo/) too.
        // termFrequency 0: a page ranks by where the words are (its name, headings) rather than how often they
        // occur, so the page named after an agency or place comes before the lists and reports that repeat it
        // (measured on the default data: 12 of 13 test queries first, against 9 with Pagefind's defaults).
        var options = { baseUrl: siteRoot.pathname, excerptLength: 30, ranking: { termFrequency: 0 } };
        return pagefind
          .options(options)
          .then(function () {
            return pagefind.init(); // its scripts and the index's metadata, while the query is being typed
          })
          .then(function () {
            // A large site is indexed in parts (builder/search.py): each further part's metadata is merged in and
            // searched with this bundle's WebAssembly.
            return fetch(new URL("parts.json", bundle)).then(function (response) {
              return response.ok ? response.json() : [];
            });
          })
          .then(function (parts) {
            return Promise.all(
              parts.map(function (part) {
                return pagefind.mergeIndex(new URL(part, bundle).pathname, options);
              })
            );
          })
          .then(function () {
            return pagefind;
          });
      });
      loading.catch(function () {
        loading = null;
      });
    }
    return loading;
  }

  function countText(n) {
    if (n === 0) return meta.getAttribute("data-none");
    if (n === 1) return meta.getAttribute("data-one");
    return meta.getAttribute("data-other").replace("#", String(n));
  }

  // Pagefind's excerpt is HTML: keep its text and its <mark> elements, nothing else.
  function excerptNodes(html) {
    var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    var out = document.createDocumentFragment();
    doc.body.firstChild.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        out.appendChild(mark);
      } else {
        out.appendChild(document.createTextNode(node.textContent));
      }
    });
    return out;
  }

  function resultItem(data) {
    var item = document.createElement("li");
    item.className = "md-search-result__item";
    var link = document.createElement("a");
    link.className = "md-search-result__link";
    link.href = data.url;
    var article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    var title = document.createElement("h1");
    title.textContent = (data.meta && data.meta.title) || data.url;
    var excerpt = document.createElement("p");
    excerpt.appendChild(excerptNodes(data.excerpt || ""));
    article.appendChild(title);
    article.appendChild(excerpt);
    link.appendChild(article);
    item.appendChild(link);
    return item;
  }

  function moreButton(id) {
    var item = document.createElement("li");
    item.className = "md-search-result__item search-more";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "md-button";
    button.textContent = "更多结果 More results";
    button.addEventListener("click", function () {
      item.remove();
      root.setAttribute("data-search-state", "searching");
      showPage(id).then(function () {
        if (id === latest) root.setAttribute("data-search-state", "done");
      });
    });
    item.appendChild(button);
    return item;
  }

  function plain(text) {
    return String(text || "")
      .replace(/\s+/g, "")
      .toLowerCase();
  }

  // Pagefind ranks by the words' weights and counts, so a report that repeats its agency's name many times comes
  // before the agency's own page (Pagefind issue #437): a page titled exactly as the query comes first.
  function titleFirst(pages, query) {
    var q = plain(query);
    var exact = pages.filter(function (data) {
      return plain(data.meta && data.meta.title) === q;
    });
    return exact.concat(
      pages.filter(function (data) {
        return exact.indexOf(data) < 0;
      })
    );
  }

  function showPage(id) {
    var start = list.querySelectorAll("a.md-search-result__link").length;
    var slice = shown.results.slice(start, start + PAGE);
    return Promise.all(
      slice.map(function (r) {
        return r.data();
      })
    ).then(function (pages) {
      if (id !== latest) return;
      if (start === 0) pages = titleFirst(pages, shown.query);
      pages.forEach(function (data) {
        list.appendChild(resultItem(data));
      });
      if (start + slice.length < shown.results.length) list.appendChild(moreButton(id));
    });
  }

  function search(query) {
    var id = ++latest;
    if (!query.trim()) {
      list.textContent = "";
      meta.textContent = meta.getAttribute("data-placeholder");
      root.removeAttribute("data-search-state");
      return Promise.resolve();
    }
    root.setAttribute("data-search-state", "searching");
    return loadPagefind()
      .then(function (pagefind) {
        return pagefind.search(query);
      })
      .then(function (found) {
        if (id !== latest) return;
        shown = { results: found.results, count: found.results.length, query: query };
        list.textContent = "";
        meta.textContent = countText(shown.count);
        return showPage(id);
      })
      .then(
        function () {
          if (id === latest) root.setAttribute("data-search-state", "done");
        },
        function () {
          if (id !== latest) return;
          list.textContent = "";
          meta.textContent = meta.getAttribute("data-unavailable");
          root.setAttribute("data-search-state", "unavailable");
        }
      );
  }

  function open() {
    if (toggle && !toggle.checked) toggle.checked = true;
    loadPagefind().catch(function () {});
  }

  function close() {
    if (toggle) toggle.checked = false;
    input.blur();
  }

  function links() {
    return Array.prototype.slice.call(list.querySelectorAll("a.md-search-result__link"));
  }

  input.addEventListener("focus", open);
  input.addEventListener("input", function () {
    search(input.value);
  });
  root.querySelector("form").addEventListener("reset", function () {
    setTimeout(function () {
      search("");
      input.focus();
    });
  });
  root.querySelector("form").addEventListener("submit", function (event) {
    event.preventDefault();
    var first = links()[0];
    if (first) location.href = first.href;
  });
  if (toggle) {
    toggle.addEventListener("change", function () {
      if (toggle.checked) input.focus();
    });
  }
  document.addEventListener("keydown", function (event) {
    var active = document.activeElement;
    var typing = active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName));
    if (!typing && !event.ctrlKey && !event.metaKey && !event.altKey && (event.key === "/" || event.key === "s")) {
      event.preventDefault();
      input.focus();
      input.select();
      return;
    }
    if (!toggle || !toggle.checked) return;
    if (event.key === "Escape") {
      close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var all = [input].concat(links());
      var at = all.indexOf(active);
      if (at < 0) return;
      event.preventDefault();
      all[(at + (event.key === "ArrowDown" ? 1 : all.length - 1)) % all.length].focus();
    }
  });
})();
