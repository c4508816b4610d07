// kbase: small enhancements; every page works without this file.
(function () {
  "use strict";
  // "/" focuses the search box, as in many search tools.
  document.addEventListener("keydown", function (e) {
    var box = document.getElementById("q");
    if (e.key === "/" && box && document.activeElement !== box &&
        !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
      e.preventDefault();
      box.focus();
      box.select();
    }
  });
  // A "Copy link" button beside each section heading: copies the absolute permalink of
  // the section, or shows it in a field to copy by hand when the clipboard is refused.
  function showField(after, url) {
    var field = after.parentNode.querySelector(".copied-url");
    if (!field) {
      field = document.createElement("input");
      field.className = "copied-url";
      field.readOnly = true;
      field.setAttribute("aria-label", "Link to this section");
      after.parentNode.parentNode.insertBefore(field, after.parentNode.nextSibling);
    }
    field.value = url;
    field.focus();
    field.select();
  }
  document.querySelectorAll("a.anchor[data-permalink]").forEach(function (a) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy link";
    button.setAttribute("aria-label", "Copy a link to this section");
    a.after(button);
    button.addEventListener("click", function () {
      var url = new URL(a.getAttribute("data-permalink"), location.href).href;
      var done = function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy link"; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(done, function () { showField(button, url); });
      } else {
        showField(button, url);
      }
    });
  });
  // "Copy for ticket": a Copy button for each of the three texts; without a clipboard
  // the text is selected, to copy by hand.
  document.querySelectorAll("textarea.copy-text").forEach(function (area) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.setAttribute("data-copy", area.id);
    button.setAttribute("aria-label", "Copy the " + area.getAttribute("data-kind") + " for a ticket");
    area.parentNode.insertBefore(button, area);
    button.addEventListener("click", function () {
      var done = function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      };
      var select = function () { area.focus(); area.select(); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(area.value).then(done, select);
      } else {
        select();
      }
    });
  });
})();
