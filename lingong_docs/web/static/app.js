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
  var labels = { done: "已完成。", refused: "未生成：", failed: "生成失败：" };
  function poll() {
    fetch(box.dataset.status, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (j) {
      var bar = document.getElementById("job-progress");
      bar.max = j.total || 1; bar.value = j.done;
      document.getElementById("job-seconds").textContent = j.seconds + " 秒";
      box.dataset.state = j.state;
      if (j.state === "running") {
        document.getElementById("job-state").textContent = "正在生成……（" + j.stage_zh + "）";
        setTimeout(poll, 700);
        return;
      }
      document.getElementById("job-state").textContent = labels[j.state] + (j.state === "done" ? "" : j.error);
      var base = box.dataset.status.replace(/\/build\/[^/]+\/status$/, "/out/");
      var files = document.getElementById("job-files");
      j.files.forEach(function (f) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = base + encodeURIComponent(f.name); a.textContent = f.name;
        li.appendChild(a); li.appendChild(document.createTextNode("（" + f.pages + " 页）"));
        files.appendChild(li);
      });
      var problems = document.getElementById("job-problems");
      j.problems.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = p.code + " " + p.message;
        problems.appendChild(li);
      });
    });
  }
  setTimeout(poll, 500);
}

function backLinks() {
  document.querySelectorAll("a[data-back]").forEach(function (a) {
    a.addEventListener("click", function (ev) { if (history.length > 1) { ev.preventDefault(); history.back(); } });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  inlineChecks(); autosubmit(); contexts(); buildProgress(); backLinks();
});
