// Passkeys (WebAuthn) on the second-factor pages. The server's options carry binary fields
// in base64url; the browser wants ArrayBuffers, and its answer goes back as base64url.
(function () {
  "use strict";
  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }
  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      if (!r.ok) { return r.json().then(function (p) { throw new Error(p.detail || r.status); }); }
      return r.status === 204 ? null : r.json();
    });
  }
  function show(el, message) {
    var out = document.getElementById(el.getAttribute("data-status"));
    if (out) { out.textContent = message; }
  }
  var add = document.getElementById("passkey-add");
  if (add) {
    add.addEventListener("click", function () {
      post("/api/v1/me/mfa/passkeys/begin").then(function (start) {
        var pk = start.options.publicKey;
        pk.challenge = toBytes(pk.challenge);
        pk.user.id = toBytes(pk.user.id);
        (pk.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
        return navigator.credentials.create({ publicKey: pk }).then(function (cred) {
          return post("/api/v1/me/mfa/passkeys/finish", {
            ceremony: start.ceremony,
            credential: {
              id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
              extensions: {},
              response: {
                attestationObject: toB64url(cred.response.attestationObject),
                clientDataJSON: toB64url(cred.response.clientDataJSON)
              }
            }
          });
        });
      }).then(function () {
        show(add, add.getAttribute("data-done"));
      }).catch(function (e) { show(add, add.getAttribute("data-failed") + " " + e.message); });
    });
  }
  var use = document.getElementById("passkey-sign-in");
  if (use) {
    use.addEventListener("click", function () {
      var token = use.getAttribute("data-mfa-token");
      post("/api/v1/auth/mfa/passkey/begin", { mfa_token: token }).then(function (start) {
        var pk = start.options.publicKey;
        pk.challenge = toBytes(pk.challenge);
        (pk.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
        return navigator.credentials.get({ publicKey: pk }).then(function (cred) {
          return post("/api/v1/auth/mfa/passkey/finish", {
            mfa_token: token, ceremony: start.ceremony,
            credential: {
              id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
              extensions: {},
              response: {
                authenticatorData: toB64url(cred.response.authenticatorData),
                clientDataJSON: toB64url(cred.response.clientDataJSON),
                signature: toB64url(cred.response.signature),
                userHandle: cred.response.userHandle ? toB64url(cred.response.userHandle) : null
              }
            }
          });
        });
      }).then(function () {
        window.location.assign(use.getAttribute("data-next") || "/");
      }).catch(function (e) { show(use, use.getAttribute("data-failed") + " " + e.message); });
    });
  }
})();
