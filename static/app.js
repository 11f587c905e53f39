// Tailor's only hand-written script; htmx does the rest, and every page
// works without either.
(function () {
  "use strict";
  // A job card that just finished (answered by a poll) carries an
  // auto-download link: follow it once so the PDF arrives by itself.
  htmx.onLoad(function (elt) {
    var links = elt.matches && elt.matches("[data-autodownload]") ? [elt] : elt.querySelectorAll("[data-autodownload]");
    links.forEach(function (a) {
      a.removeAttribute("data-autodownload");
      a.click();
    });
  });
  // Copy buttons: <button data-copy="#input-id">.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-copy]");
    if (!btn) return;
    var input = document.querySelector(btn.getAttribute("data-copy"));
    if (!input) return;
    input.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(input.value).then(function () { btn.textContent = "Copied"; });
    }
  });
})();
