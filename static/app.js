// Tailor's only hand-written script; htmx does the rest, and every page
// works without either.
(function () {
  "use strict";
  // A job card that just finished (answered by a poll or a live update)
  // carries an auto-download link: follow it once so the PDF arrives by itself.
  htmx.onLoad(function (elt) {
    var links = elt.matches && elt.matches("[data-autodownload]") ? [elt] : elt.querySelectorAll("[data-autodownload]");
    links.forEach(function (a) {
      a.removeAttribute("data-autodownload");
      a.click();
    });
  });
  // Accessibility (issue 15). A form that comes back with errors opens
  // with its summary focused (autofocus covers a page load; this covers an
  // htmx swap). A card that replaces the control that had the focus
  // (Cancel, Retry) takes it: data-focus. A card swapped while the focus
  // was in it (a live update or a poll landing meanwhile) hands the focus
  // to the new card with its id. Both are done as soon as the swap is, not
  // at settle: a live update may replace the card within the settle delay.
  var focusCard = "";
  function rememberFocus(e) {
    var t = e.detail.target;
    if (t && t.matches && t.matches(".job-card") && t.contains(document.activeElement)) focusCard = t.id;
  }
  function moveFocus() {
    var target = document.querySelector("[data-focus]");
    if (target) {
      target.removeAttribute("data-focus");
      focusCard = "";
      target.focus();
      return;
    }
    if (!focusCard) return;
    var card = document.getElementById(focusCard);
    if (!card) return;
    focusCard = "";
    if (!document.activeElement || document.activeElement === document.body) card.focus();
  }
  document.addEventListener("htmx:beforeSwap", rememberFocus);
  document.addEventListener("htmx:oobBeforeSwap", rememberFocus);
  document.addEventListener("htmx:afterSwap", moveFocus);
  document.addEventListener("htmx:oobAfterSwap", moveFocus);
  htmx.onLoad(function (elt) {
    var summary = elt.matches && elt.matches("[data-error-summary]") ? elt : elt.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });
  // A summary's link moves the focus to its field, not only the view.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("[data-error-summary] a[href^='#']");
    if (!a) return;
    var field = document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
    if (!field) return;
    e.preventDefault();
    field.focus();
    field.scrollIntoView({ block: "center" });
  });
  // A card's live region keeps its node; an update sets its text, and the
  // same text again is not set (a screen reader would repeat it).
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var d = e.detail;
    if (d.target.matches("[role=status]") && d.target.textContent === d.fragment.textContent) d.shouldSwap = false;
  });

  // A region that scrolls (a wide table's .scroll, a long description's
  // .pre) takes the keyboard focus when its content overflows, so it can be
  // scrolled without a mouse (WCAG 2.1.1; axe scrollable-region-focusable).
  function focusScrollers(elt) {
    var root = elt && elt.querySelectorAll ? elt : document;
    var els = [].slice.call(root.querySelectorAll(".scroll, .pre"));
    if (root.matches && root.matches(".scroll, .pre")) els.push(root);
    els.forEach(function (el) {
      if (el.hasAttribute("tabindex")) return;
      if (el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight) el.setAttribute("tabindex", "0");
    });
  }
  htmx.onLoad(focusScrollers);
  window.addEventListener("resize", function () { focusScrollers(document); });

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

  // Live updates (README "Live updates"). The sse extension swaps each
  // event, a job card marked hx-swap-oob, in by its id. While the stream is
  // connected the cards it feeds (data-live) hold back their 2 s poll; when
  // it is not (refused, blocked, buffered by a proxy) they poll as before.
  var live = document.getElementById("live");
  var connected = false;
  var lastId = ""; // the last event's id: a new EventSource resumes after it
  var early = {};  // cards whose update came before the card (a Generate in flight)

  function setConnected(on) {
    connected = on;
    document.documentElement.classList.toggle("live-connected", on);
  }
  // refresh polls a card once, connected or not (its hx-trigger has "refresh").
  function refresh(card) { htmx.trigger(card, "refresh"); }
  function refreshAll() { document.querySelectorAll(".job-card[data-live], .job-row[data-live]").forEach(refresh); }
  function resync() {
    lastId = "";
    live.setAttribute("sse-connect", "/events");
    refreshAll();
  }
  // My jobs' first page shows a job started elsewhere (another tab, the
  // API) without a reload: an update for a job it does not show fetches the
  // list again, a burst's updates at most once every 2 s, and not while the
  // focus is in the list (its next update tries again).
  var listTimer = null, listAt = 0;
  function refreshListSoon() {
    if (listTimer || !document.querySelector("#job-list[data-first-page]")) return;
    listTimer = setTimeout(function () {
      listTimer = null;
      var list = document.querySelector("#job-list[data-first-page]");
      if (!list || list.contains(document.activeElement)) return;
      listAt = Date.now();
      htmx.ajax("GET", location.pathname + location.search, { target: "#job-list", swap: "outerHTML" });
    }, Math.max(300, 2000 - (Date.now() - listAt)));
  }
  function isFinal(card) { return /^(succeeded|failed|canceled)$/.test(card.getAttribute("data-status")); }

  document.addEventListener("htmx:sseOpen", function (e) {
    e.detail.source.addEventListener("resync", resync);
    setConnected(true);
    // Without a position to resume from, what changed between the page
    // and the stream is fetched once.
    if (lastId === "") refreshAll();
  });
  document.addEventListener("htmx:sseError", function () { setConnected(false); });
  document.addEventListener("htmx:sseClose", function () { setConnected(false); });

  document.addEventListener("htmx:sseBeforeMessage", function (e) {
    var m = e.detail;
    if (m.lastEventId) {
      lastId = m.lastEventId;
      // The extension opens a new EventSource after an error, which sends
      // no Last-Event-ID: it reads this attribute instead.
      live.setAttribute("sse-connect", "/events?last=" + encodeURIComponent(lastId));
    }
    var id = / id="(job-[^"]+)"/.exec(m.data);
    var version = /data-version="(\d+)"/.exec(m.data);
    if (!id) { e.preventDefault(); return; }
    var card = document.getElementById(id[1]);
    // A row of My jobs (id "row-<job id>") is not swapped with the card:
    // the event makes it poll its own fragment once.
    var row = card ? null : document.getElementById("row-" + id[1].slice(4));
    if (row) {
      e.preventDefault();
      if (!isFinal(row) && !(version && +row.getAttribute("data-version") >= +version[1])) refresh(row);
      return;
    }
    if (!card) {
      // Not on this page, or not yet: remember it for a card that arrives.
      if (Object.keys(early).length > 200) early = {};
      early[id[1]] = true;
      refreshListSoon();
      e.preventDefault();
      return;
    }
    if (isFinal(card) || (version && +card.getAttribute("data-version") >= +version[1])) {
      e.preventDefault(); // older than, or the same as, what the card shows
      return;
    }
    // A batch page's progress follows its jobs' updates, not only its 2 s poll.
    var progress = document.querySelector(".batch-progress[hx-get]");
    if (progress) htmx.trigger(progress, "refresh");
  });
  htmx.onLoad(function (elt) {
    var cards = elt.matches && elt.matches(".job-card") ? [elt] : elt.querySelectorAll(".job-card");
    cards.forEach(function (card) {
      if (early[card.id]) {
        delete early[card.id];
        if (!isFinal(card)) refresh(card);
      }
    });
    (elt.matches && elt.matches("[data-elapsed-ms]") ? [elt] : elt.querySelectorAll("[data-elapsed-ms]")).forEach(function (el) {
      el.setAttribute("data-base", String(Date.now() - (+el.getAttribute("data-elapsed-ms"))));
    });
  });
  // While connected, a live card's own timer does not poll; a refresh
  // (an event that triggered the request) still does.
  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail.elt;
    if (!connected || !elt.matches || !elt.matches(".job-card[data-live], .job-row[data-live]")) return;
    if (e.detail.requestConfig && e.detail.requestConfig.triggeringEvent) return;
    e.preventDefault();
  });

  // Elapsed time moves every second, between updates, on the browser's clock.
  function shortDuration(ms) {
    var s = Math.max(ms, 0) / 1000;
    if (s < 10) return s.toFixed(1) + " s";
    if (s < 60) return Math.floor(s) + " s";
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (s < 3600) return Math.floor(s / 60) + " min " + pad(Math.floor(s) % 60) + " s";
    return Math.floor(s / 3600) + " h " + pad(Math.floor(s / 60) % 60) + " min";
  }
  setInterval(function () {
    document.querySelectorAll("[data-base]").forEach(function (el) {
      el.textContent = shortDuration(Date.now() - (+el.getAttribute("data-base")));
    });
  }, 1000);
})();
