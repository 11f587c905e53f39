// The example host page (/embed/example). Tailor serves it, so it shows
// Tailor's fragments from this page's own origin, by path: an origin named
// in the address would run that origin's code here (issue 10). A host page
// on another site uses plain tags instead (README, "Embedding").
(function () {
  "use strict";
  var fields = ["token", "candidate", "job"];
  var params = new URLSearchParams(location.hash.slice(1));
  var form = document.getElementById("connect");
  fields.forEach(function (k) { form.elements[k].value = params.get(k) || ""; });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var p = new URLSearchParams();
    fields.forEach(function (k) { if (form.elements[k].value) p.set(k, form.elements[k].value.trim()); });
    location.hash = p.toString();
    location.reload();
  });

  var token = params.get("token");
  if (!token) return;
  var headers = JSON.stringify({ Authorization: "Bearer " + token });

  // fragment puts <div hx-get=path hx-trigger=load> in a section: htmx
  // (deferred before this script, it processes the page once it is parsed)
  // replaces it with Tailor's fragment.
  function fragment(id, path) {
    var section = document.getElementById(id);
    section.hidden = false;
    section.setAttribute("hx-headers", headers);
    var div = document.createElement("div");
    div.setAttribute("hx-get", path);
    div.setAttribute("hx-trigger", "load");
    div.setAttribute("hx-swap", "outerHTML");
    div.textContent = "Loading from Tailor…";
    section.appendChild(div);
  }
  var job = params.get("job"), candidate = params.get("candidate");
  if (job) fragment("tailor-job", "/embed/jobs/" + encodeURIComponent(job) + "/card");
  if (candidate) {
    fragment("tailor-generate", "/embed/candidates/" + encodeURIComponent(candidate) + "/generate");
    fragment("tailor-jobs", "/embed/candidates/" + encodeURIComponent(candidate) + "/jobs");
  }
})();
