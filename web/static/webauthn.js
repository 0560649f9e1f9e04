// Vigil: security keys and passkeys (WebAuthn).
//
// Wires every button with a data-webauthn attribute:
//   data-webauthn="register"  adds a key (name from the input named by
//                             data-name-input), then goes to data-next;
//   data-webauthn="step-up"   confirms it's you with a key, then goes to
//                             data-next.
// Progress and errors are written to the nearest [data-webauthn-status]
// element, which is aria-live. There is no inline script anywhere: the
// pages' Content-Security-Policy allows only Vigil's own files.
(function () {
  "use strict";

  // base64url (no padding), as the server sends binary values, to an
  // ArrayBuffer, as the browser's WebAuthn API wants them.
  function toBuffer(s) {
    var b64 = String(s).replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  // An ArrayBuffer from the browser to base64url for the server.
  function toBase64url(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // post sends JSON to Vigil and returns its JSON answer, or throws an
  // Error whose message can be shown to the person.
  async function post(url, body) {
    var res;
    try {
      res = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual", // a redirect means the session has ended
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(body)
      });
    } catch (e) {
      throw new Error("Vigil could not be reached. Check your connection and try again.");
    }
    if (res.type === "opaqueredirect" || res.status === 401) {
      throw new Error("Your session has ended. Reload the page and sign in again.");
    }
    var data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok || !data) {
      throw new Error((data && data.error) || "Something went wrong. Please try again.");
    }
    return data;
  }

  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    pk.user.id = toBuffer(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) {
      c.id = toBuffer(c.id);
    });
    return { publicKey: pk };
  }

  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) {
      c.id = toBuffer(c.id);
    });
    return { publicKey: pk };
  }

  function common(c) {
    return {
      id: c.id,
      rawId: toBase64url(c.rawId),
      type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {}
    };
  }

  function attestationJSON(c) {
    var out = common(c);
    var r = c.response;
    out.response = {
      clientDataJSON: toBase64url(r.clientDataJSON),
      attestationObject: toBase64url(r.attestationObject),
      transports: typeof r.getTransports === "function" ? r.getTransports() : []
    };
    return out;
  }

  function assertionJSON(c) {
    var out = common(c);
    var r = c.response;
    out.response = {
      clientDataJSON: toBase64url(r.clientDataJSON),
      authenticatorData: toBase64url(r.authenticatorData),
      signature: toBase64url(r.signature),
      userHandle: r.userHandle ? toBase64url(r.userHandle) : undefined
    };
    return out;
  }

  function say(status, text, isError) {
    if (!status) {
      return;
    }
    status.textContent = text;
    status.className = isError ? "alert" : "muted";
  }

  // message turns the browser's WebAuthn errors into plain words.
  function message(err) {
    switch (err && err.name) {
      case "NotAllowedError":
        return "The security key did not answer, or the request was cancelled. Please try again.";
      case "InvalidStateError":
        return "That security key is already registered with your account.";
      case "SecurityError":
        return "Your browser will not use a security key at this address of Vigil.";
      case "AbortError":
        return "The request was cancelled.";
    }
    return (err && err.message) || "Something went wrong. Please try again.";
  }

  async function register(button, status) {
    var input = button.dataset.nameInput ? document.getElementById(button.dataset.nameInput) : null;
    var name = input ? input.value.trim() : "";
    if (name.length > 60) {
      throw new Error("A key's name is at most 60 characters.");
    }
    say(status, "Follow your browser's prompts to add the key.", false);
    var options = await post("/webauthn/register/begin", { name: name });
    var cred = await navigator.credentials.create(creationOptions(options));
    if (!cred) {
      throw new Error("No key was added. Please try again.");
    }
    say(status, "Checking the key.", false);
    var done = await post("/webauthn/register/finish", { next: button.dataset.next || "", credential: attestationJSON(cred) });
    say(status, "Key added.", false);
    window.location.assign(done.next);
  }

  async function stepUp(button, status) {
    say(status, "Touch your security key, or confirm on your device.", false);
    var options = await post("/webauthn/step-up/begin", {});
    var cred = await navigator.credentials.get(requestOptions(options));
    if (!cred) {
      throw new Error("No key answered. Please try again.");
    }
    say(status, "Checking the key.", false);
    var done = await post("/webauthn/step-up/finish", { next: button.dataset.next || "", credential: assertionJSON(cred) });
    say(status, "Confirmed.", false);
    window.location.assign(done.next);
  }

  function wire() {
    var buttons = document.querySelectorAll("button[data-webauthn]");
    Array.prototype.forEach.call(buttons, function (button) {
      var scope = button.closest("section") || document;
      var status = scope.querySelector("[data-webauthn-status]");
      if (!window.PublicKeyCredential || !navigator.credentials) {
        button.disabled = true;
        say(status, "This browser cannot use security keys. Try an up-to-date browser, or use your authenticator app.", true);
        return;
      }
      var run = button.dataset.webauthn === "register" ? register : stepUp;
      button.addEventListener("click", function () {
        if (button.disabled) {
          return;
        }
        button.disabled = true;
        run(button, status).catch(function (err) {
          say(status, message(err), true);
        }).finally(function () {
          button.disabled = false;
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
