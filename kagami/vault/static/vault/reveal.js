// Hide a revealed secret after the number of seconds in its data-hide-after attribute (G-4-7).
// Loaded as an external file: the content security policy forbids inline scripts.
(function () {
  "use strict";
  function hideLater(element) {
    var seconds = parseInt(element.getAttribute("data-hide-after"), 10);
    if (!(seconds > 0)) {
      seconds = 60;
    }
    window.setTimeout(function () {
      element.textContent = element.getAttribute("data-hidden-text") || "";
      element.removeAttribute("data-hide-after");
    }, seconds * 1000);
  }
  document.querySelectorAll("[data-hide-after]").forEach(hideLater);
})();
