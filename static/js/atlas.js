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

  // Back from the next page (bfcache): the fields disabled above are live again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-autosubmit] [disabled]").forEach(function (field) {
      field.disabled = false;
    });
  });

  // Keep keyboard users where they were after the page reloads with the filter.
  var id = recall();
  var field = id && document.getElementById(id);
  if (field) { field.focus(); }
})();
