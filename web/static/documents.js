// Forms with a document hash field (input[data-fill=document]): adds a
// file input. The browser computes the chosen file's SHA-256 itself
// (WebCrypto), fills in the hash field and uploads the file to the
// portal's document store (PUT /documents/<sha256>), signing the request
// with the key held in this browser when there is one (else the sign-in
// session is used). The file never needs a terminal. Without JavaScript,
// the hash can still be typed in. See docs/portal.md "Documents".
(function () {
  "use strict";
  var subtle = window.crypto && window.crypto.subtle;
  if (!subtle || !window.fetch || !window.File) return;
  var MAX = 32 * 1024 * 1024; // web/documents MaxSize
  var K = window.PublicaKeys;
  var text = window.PublicaText || function () { return function (key, en) { return en; }; }; // static/i18n.js

  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // authHeader signs "publica/document/v1\0PUT\0<hash>\0<expires>"
  // (web/documents RequestBytes) with the browser's key, or resolves to
  // null when there is none.
  function authHeader(hash) {
    if (!K) return Promise.resolve(null);
    return K.get().catch(function () { return null; }).then(function (rec) {
      if (!rec) return null;
      var exp = Math.floor(Date.now() / 1000) + 300;
      var bytes = new TextEncoder().encode("publica/document/v1\u0000PUT\u0000" + hash + "\u0000" + exp);
      return K.sign(rec, bytes).then(function (sig) {
        return rec.publicKey + " " + exp + " " + (typeof sig === "string" ? sig : hex(sig));
      });
    }).catch(function () { return null; });
  }

  function upload(file, hash) {
    return authHeader(hash).then(function (auth) {
      var headers = { "Content-Type": "application/octet-stream" };
      if (auth) headers["Publica-Document-Auth"] = auth;
      return fetch("/documents/" + hash, { method: "PUT", body: file, headers: headers, credentials: "same-origin" });
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) throw new Error(body.error || ("the portal answered " + res.status));
        return body;
      });
    });
  }

  document.querySelectorAll("input[data-fill=document]").forEach(function (field) {
    var id = field.id + "-file";
    var t = text(field); // the field's data-i18n
    var box = document.createElement("div");
    box.className = "field";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = t("docs.js.choose", "Or choose the document (PDF or scan, up to 32 MiB): this browser computes its hash and the portal keeps a copy");
    var say = document.createElement("p");
    say.className = "hint";
    say.id = id + "-status";
    say.setAttribute("role", "status");
    var input = document.createElement("input");
    input.type = "file";
    input.id = id;
    input.setAttribute("aria-describedby", say.id);
    box.appendChild(label);
    box.appendChild(say);
    box.appendChild(input);
    var wrap = field.closest(".field") || field.parentNode;
    wrap.parentNode.insertBefore(box, wrap.nextSibling);

    input.addEventListener("change", function () {
      var f = input.files && input.files[0];
      if (!f) return;
      if (f.size > MAX) {
        say.textContent = t("docs.js.toolarge", "{0} is larger than the limit of 32 MiB; it cannot be kept here.", f.name);
        return;
      }
      say.textContent = t("docs.js.computing", "Computing the SHA-256 of {0}…", f.name);
      f.arrayBuffer().then(function (buf) {
        return subtle.digest("SHA-256", buf);
      }).then(function (d) {
        var hash = hex(d);
        field.value = hash;
        field.dispatchEvent(new Event("input", { bubbles: true }));
        say.textContent = t("docs.js.uploading", "Filled in the hash of {0}. Uploading it…", f.name);
        return upload(f, hash).then(function () {
          box.setAttribute("data-uploaded", hash);
          var a = document.createElement("a");
          a.href = "/documents/" + hash;
          a.textContent = "/documents/" + hash.slice(0, 12) + "…";
          // The sentence around the link, in the page's language.
          var parts = t("docs.js.uploaded", "Filled in the hash of {0} and uploaded it; once the register cites it, it is at {1}.", f.name, "\u0000").split("\u0000");
          say.textContent = parts[0];
          say.appendChild(a);
          say.appendChild(document.createTextNode(parts.slice(1).join("")));
        }, function (err) {
          say.textContent = t("docs.js.failed", "Filled in the hash of {0}, but the upload failed: {1} You can still continue; upload the document later (publica document upload).", f.name, err.message);
        });
      }).catch(function () {
        say.textContent = t("docs.js.unreadable", "The file could not be read.");
      });
    });
  });
})();
