// draft.js keeps a draft of the "log a concern" form on this device only,
// encrypted, so a reload, a lost signal or the idle sign-out does not lose
// what someone typed. Nothing is sent to the server.
//
// The draft is sealed with AES-GCM (WebCrypto) under a key made in this
// browser as non-extractable and kept in IndexedDB: script can use it but
// never read it out. Only the ciphertext goes to localStorage, under the
// person's id, with the person's id as additional data. A draft older than a
// day is thrown away. Where WebCrypto or IndexedDB is missing (an old
// browser, or a page not served over HTTPS), nothing is kept at all: never
// plaintext.
//
// It also runs on every signed-in page: after the form is sent, the page
// that follows tells whether it was saved (the concern's own page) or shown
// again with problems, and the draft is cleared only in the first case.
(function () {
  "use strict";
  var DB = "vigil", STORE = "keys", PREFIX = "vigil.draft.", SENT = "vigil.draft.sent";
  var MAX_AGE = 24 * 60 * 60 * 1000;
  var subtle = window.crypto && window.crypto.subtle;
  var usable = !!(subtle && window.indexedDB && window.localStorage && window.TextEncoder);

  function openDB() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function withStore(mode, fn) {
    return openDB().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var req = fn(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(req && req.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  // key returns the person's draft key, making it on first use.
  function key(person) {
    var name = "draft:" + person;
    return withStore("readonly", function (s) { return s.get(name); }).then(function (k) {
      if (k) return k;
      return subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]).then(function (k) {
        return withStore("readwrite", function (s) { return s.put(k, name); }).then(function () { return k; });
      });
    });
  }

  function b64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function unb64(s) {
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function ad(person) { return new TextEncoder().encode("vigil draft|" + person); }

  function save(person, data) {
    if (!usable || !person) return Promise.resolve(false);
    var at = Date.now();
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var plain = new TextEncoder().encode(JSON.stringify({ at: at, data: data }));
    return key(person).then(function (k) {
      return subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: ad(person) }, k, plain);
    }).then(function (ct) {
      localStorage.setItem(PREFIX + person, JSON.stringify({ v: 1, at: at, iv: b64(iv), ct: b64(new Uint8Array(ct)) }));
      return true;
    }).catch(function () { return false; });
  }

  // load returns {at, data}, or null when there is no usable draft.
  function load(person) {
    if (!usable || !person) return Promise.resolve(null);
    var box;
    try { box = JSON.parse(localStorage.getItem(PREFIX + person) || "null"); } catch (e) { box = null; }
    if (!box || box.v !== 1 || !(Date.now() - box.at < MAX_AGE)) {
      clear(person);
      return Promise.resolve(null);
    }
    return key(person).then(function (k) {
      return subtle.decrypt({ name: "AES-GCM", iv: unb64(box.iv), additionalData: ad(person) }, k, unb64(box.ct));
    }).then(function (plain) {
      var d = JSON.parse(new TextDecoder().decode(plain));
      if (!(Date.now() - d.at < MAX_AGE)) throw new Error("old");
      return d;
    }).catch(function () {
      clear(person); // another browser's key, or damaged: of no use
      return null;
    });
  }

  function clear(person) {
    try { localStorage.removeItem(PREFIX + person); } catch (e) { /* storage off */ }
  }

  // sending notes that the form is being sent, for the next page to judge.
  function sending(person) {
    try { sessionStorage.setItem(SENT, person); } catch (e) { /* storage off */ }
  }

  window.VigilDraft = { usable: usable, save: save, load: load, clear: clear, sending: sending };

  // After a send: the concern's page (/concerns/ID) means it was saved;
  // anything else (the form shown again, the sign-in page) keeps the draft.
  var sent = null;
  try { sent = sessionStorage.getItem(SENT); sessionStorage.removeItem(SENT); } catch (e) { /* storage off */ }
  var me = document.querySelector('meta[name="vigil-person"]');
  if (sent && me && sent === me.getAttribute("content") &&
      /^\/concerns\/[^\/]+$/.test(location.pathname) && location.pathname !== "/concerns/new") {
    clear(sent);
  }
  // Drafts of other people on this device that have outlived their day go.
  try {
    for (var i = localStorage.length - 1; i >= 0; i--) {
      var k = localStorage.key(i);
      if (k && k.indexOf(PREFIX) === 0 && k !== SENT) {
        var box = null;
        try { box = JSON.parse(localStorage.getItem(k)); } catch (e) { box = null; }
        if (!box || !(Date.now() - box.at < MAX_AGE)) localStorage.removeItem(k);
      }
    }
  } catch (e) { /* storage off */ }
})();
