// Progressive enhancement of the GET filter forms. Without JavaScript they
// work with their "Apply filters" button; with it, ticking a box applies the
// filters at once. Either way the URL holds the whole filter state, so every
// view is a shareable link. Lists and text fields still wait for the button:
// in some browsers the arrow keys change a list's value, and reloading the
// page under a keyboard user's hands would be a surprise.
(function () {
  "use strict";
  var FOCUS_KEY = "atlas:refocus";
  document.documentElement.classList.add("js");

  function remember(id) {
    try { window.sessionStorage.setItem(FOCUS_KEY, id); } catch (error) { /* private mode */ }
  }

  function recall() {
    try {
      var id = window.sessionStorage.getItem(FOCUS_KEY);
      window.sessionStorage.removeItem(FOCUS_KEY);
      return id;
    } catch (error) { return null; }
  }

  function submitWithoutEmptyFields(form) {
    // Empty inputs would only clutter the shareable URL (?year_min=&q=).
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && (field.type === "text" || field.type === "search") && !field.value.trim()) {
        field.disabled = true;
      }
    });
  }

  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var field = event.target;
      if (!field.matches("input[type=checkbox]")) { return; }
      if (field.id) { remember(field.id); }
      if (form.requestSubmit) { form.requestSubmit(); } else { submitWithoutEmptyFields(form); form.submit(); }
    });
    form.addEventListener("submit", function () { submitWithoutEmptyFields(form); });
  });

  // The form shows what the URL says. Back and Forward bring a page back as
  // it was left (bfcache, or the browser's form restoring): a box ticked just
  // before the page was left would stay ticked over evidence it does not filter.
  function matchUrl(form) {
    var params = new URLSearchParams(window.location.search);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name) { return; }
      var values = params.getAll(field.name);
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.indexOf(field.value) !== -1;
      } else if (field.tagName === "SELECT") {
        var wanted = values.length ? values[0] : "";
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = option.value === wanted;
        });
      } else if (field.type === "text" || field.type === "search") {
        field.value = values.length ? values[0] : "";
      }
    });
  }

  // Back from the next page (bfcache): the fields disabled above are live
  // again, and every field shows the URL's value.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      Array.prototype.forEach.call(form.querySelectorAll("[disabled]"), function (field) {
        field.disabled = false;
      });
      matchUrl(form);
    });
  });

  // On a phone the filters would push the evidence screens down: they start
  // folded (one tap opens them), unless they hold an error to correct.
  if (window.matchMedia && window.matchMedia("(max-width: 59.9375rem)").matches) {
    document.querySelectorAll("details.filters__panel:not([data-keep-open])").forEach(function (panel) {
      panel.open = false;
    });
  }

  // A filtered link shared without its fragment opens at the results too.
  if (!window.location.hash) {
    document.querySelectorAll("form[data-results]").forEach(function (form) {
      var target = document.getElementById(form.getAttribute("data-results"));
      var params = new URLSearchParams(window.location.search);
      var filtered = Array.prototype.some.call(form.elements, function (field) {
        return field.name && params.getAll(field.name).some(function (value) { return value.trim(); });
      });
      params.forEach(function (value, name) {
        if (/(^|_)page$/.test(name)) { filtered = true; }
      });
      if (target && filtered) { target.scrollIntoView(); }
    });
  }

  // Keep keyboard users where they were after the page reloads with the filter.
  // Landing on the results' fragment (#evidence) moves the focus to the page
  // once it has loaded, so the field takes it back then, without scrolling
  // away from the results.
  var id = recall();
  var field = id && document.getElementById(id);
  if (field) {
    field.focus({ preventScroll: true });
    window.addEventListener("load", function () {
      window.requestAnimationFrame(function () {
        if (document.activeElement !== field) { field.focus({ preventScroll: true }); }
      });
    });
  }
})();
