// lingong-docs serve: small progressive enhancements; every page also works without them.
"use strict";

function inlineChecks() {
  document.querySelectorAll("input[data-check]").forEach(function (input) {
    var out = document.getElementById("check-" + input.name);
    function run() {
      if (!input.value) { return; }
      var url = "/check?field=" + encodeURIComponent(input.dataset.check) + "&value=" + encodeURIComponent(input.value);
      var date = document.getElementById("f-date");
      if (date && date.value) { url += "&date=" + encodeURIComponent(date.value); }
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
        out.textContent = d.message;
        out.className = "check " + (d.ok ? "good" : "bad");
        input.closest(".field").classList.toggle("has-error", !d.ok);
      });
    }
    input.addEventListener("change", run);
    var date = document.getElementById("f-date");
    if (date && input.dataset.check === "year") { date.addEventListener("change", run); }
    input.addEventListener("blur", run);
    if (input.value) { run(); }
  });
}

function autosubmit() {
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
}

function contexts() {
  document.querySelectorAll("a[data-context]").forEach(function (link) {
    link.addEventListener("click", function (ev) {
      ev.preventDefault();
      var row = link.closest("tr");
      var next = row.nextElementSibling;
      if (next && next.classList.contains("context-row")) { next.remove(); return; }
      fetch(link.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        var tr = document.createElement("tr");
        tr.className = "context-row";
        var td = document.createElement("td");
        td.colSpan = row.children.length;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var part = doc.querySelector(".context") || doc.body;
        td.appendChild(document.importNode(part, true));
        tr.appendChild(td);
        row.after(tr);
      });
    });
  });
}

function buildProgress() {
  var box = document.getElementById("job");
  if (!box || box.dataset.state !== "running") { return; }
  function poll() {
    fetch(box.dataset.status, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (j) {
      if (j.state !== "running") { window.location.reload(); return; }   // the server draws the outcome
      var bar = document.getElementById("job-progress");
      if (j.percent > 0) { bar.value = j.percent; }
      document.getElementById("job-percent").textContent = j.percent + "%";
      document.getElementById("job-seconds").textContent = j.seconds + " 秒";
      document.getElementById("job-state").textContent = "正在生成……（" + j.stage_zh + "）";
      setTimeout(poll, 700);
    });
  }
  setTimeout(poll, 500);
}

function confirmRemovals() {
  document.querySelectorAll("button[data-remove]").forEach(function (b) {
    b.addEventListener("click", function (ev) {
      if (!window.confirm("移除“" + b.dataset.remove + "”？移除前的文件保留在历史版本中，可以恢复。")) { ev.preventDefault(); }
    });
  });
}

function backLinks() {
  document.querySelectorAll("a[data-back]").forEach(function (a) {
    a.addEventListener("click", function (ev) { if (history.length > 1) { ev.preventDefault(); history.back(); } });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  inlineChecks(); autosubmit(); contexts(); buildProgress(); backLinks(); confirmRemovals();
});
