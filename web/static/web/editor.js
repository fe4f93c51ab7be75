/* The editor page: mount the modeler, then validate / deploy / download through the workspace's endpoints. */
(function () {
  "use strict";
  var texts = JSON.parse(document.getElementById("editor-texts").textContent);
  var canvas = document.getElementById("canvas");
  var statusLine = document.getElementById("editor-status");
  var box = document.getElementById("editor-reasons");
  var csrf = document.querySelector("[name=csrfmiddlewaretoken]") || null;
  var token = csrf ? csrf.value : (document.cookie.match(/csrftoken=([^;]+)/) || [])[1];
  var editor = null;
  var OPEN_QUOTES = ["'", "\"", "\u201c", "\u2018", "\u300c"];  // reasons quote names in the reader's language

  function showReasons(message, reasons) {
    box.querySelector("#editor-message").textContent = message || "";
    var list = box.querySelector("ul");
    list.innerHTML = "";
    (reasons || []).forEach(function (reason) {
      var item = document.createElement("li");
      item.textContent = reason;
      list.appendChild(item);
    });
    box.hidden = !message && !(reasons || []).length;
    markRefused(reasons || []);
  }

  function markRefused(reasons) {
    if (!editor) { return; }
    var registry = editor.modeler.get("elementRegistry");
    var ids = [];
    registry.forEach(function (element) {
      var bo = element.businessObject || {};
      var names = [bo.id, bo.name].filter(Boolean);
      var quoted = [];
      names.forEach(function (n) { OPEN_QUOTES.forEach(function (q) { quoted.push(q + n); }); });
      if (reasons.some(function (r) { return quoted.some(function (q) { return r.indexOf(q) >= 0; }); })) {
        ids.push(element.id);
      }
    });
    editor.markErrors(ids);
  }

  function post(url) {
    return editor.getXML().then(function (xml) {
      return fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": token},
        body: JSON.stringify({bpmn_xml: xml})
      });
    }).then(function (response) { return response.json(); });
  }

  document.getElementById("validate-button").addEventListener("click", function () {
    statusLine.textContent = texts.checking;
    post(texts.validate_url).then(function (body) {
      if (body.ok) { statusLine.textContent = texts.valid; showReasons("", []); }
      else { statusLine.textContent = ""; showReasons(texts.refused, body.reasons); }
    }).catch(function () { statusLine.textContent = texts.failed; });
  });

  document.getElementById("deploy-button").addEventListener("click", function () {
    statusLine.textContent = texts.deploying;
    post(texts.deploy_url).then(function (body) {
      if (body.ok) {
        statusLine.textContent = body.message;
        showReasons("", []);
        if (body.created && body.url) { window.location.assign(body.url + "?deployed=" + body.version); }
      } else { statusLine.textContent = ""; showReasons(body.message || texts.refused, body.reasons); }
    }).catch(function () { statusLine.textContent = texts.failed; });
  });

  document.getElementById("download-button").addEventListener("click", function () {
    editor.getXML().then(function (xml) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([xml], {type: "application/xml"}));
      link.download = texts.filename;
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  });

  var load = canvas.dataset.xmlUrl
    ? fetch(canvas.dataset.xmlUrl, {credentials: "same-origin"}).then(function (r) { return r.text(); })
    : Promise.resolve("");
  load.then(function (xml) {
    return window.PMBpmn.mountModeler(canvas, document.getElementById("properties"), {xml: xml});
  }).then(function (mounted) {
    editor = mounted;
    window.PMEditor = mounted;
    canvas.dataset.ready = "1";
  }).catch(function (error) { canvas.dataset.error = String(error); statusLine.textContent = String(error); });
})();
