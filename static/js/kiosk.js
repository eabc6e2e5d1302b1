/* The counter tablet: pairing, the officer panel, the rating flow (one question per
 * screen, large faces), the idle reset and the status mark. Ratings go through
 * KioskOutbox (kiosk-queue.js), which keeps them until the server has them.
 * Settings arrive as data- attributes (the CSP allows no inline script). */
(function () {
  "use strict";

  var root = document.getElementById("kiosk");
  if (!root) return;

  var API = root.dataset.api;
  var STRINGS = JSON.parse(root.dataset.strings);
  var OPTIONS = JSON.parse(root.dataset.options);
  var TAP_GUARD_MS = 1200;   // a second tap within this counts once
  var ADVANCE_MS = 250;      // long enough to see the chosen face light up
  var THANKS_MS = 4000;
  var HEARTBEAT_MS = 30000;
  var KEYS = { credential: "kiosk.credential", state: "kiosk.state", offset: "kiosk.clockOffset",
               outOfService: "kiosk.outOfService" };

  var state = loadJSON(KEYS.state);
  var lang = "id";
  var flow = null;           // { index, answers, kind, category } while a citizen rates
  var lastTap = 0;
  var idleTimer = null;
  var readyTimer = null;
  var thanksTimer = null;
  var heartbeatTimer = null;
  var reachable = navigator.onLine;

  function $(id) { return document.getElementById(id); }
  function loadJSON(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function credential() { return localStorage.getItem(KEYS.credential) || ""; }
  function t(key) { return (STRINGS[lang] && STRINGS[lang][key]) || STRINGS.id[key] || key; }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /* The tap's time on the server's clock: a tablet's own clock may be minutes off, and the
   * server refuses ratings from the future. */
  function tapTime() {
    var offset = Number(localStorage.getItem(KEYS.offset) || 0);
    return new Date(Date.now() + offset).toISOString();
  }

  // --- screens -------------------------------------------------------------------------

  function show(id) {
    Array.prototype.forEach.call(root.querySelectorAll(".screen"), function (screen) {
      screen.hidden = screen.id !== id;
    });
    root.dataset.screen = id;
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    Array.prototype.forEach.call(root.querySelectorAll("[data-t]"), function (el) {
      el.textContent = t(el.dataset.t);
    });
    Array.prototype.forEach.call(root.querySelectorAll("[data-placeholder]"), function (el) {
      el.placeholder = t(el.dataset.placeholder);
    });
    $("lang-toggle").textContent = lang === "id" ? "English" : "Bahasa Indonesia";
    $("lang-toggle").lang = lang === "id" ? "en" : "id";
    renderChips();
    if (flow && root.dataset.screen === "screen-question") renderQuestion(false);
    renderStatus();
  }

  function renderPlace() {
    var bind = function (name, text) {
      Array.prototype.forEach.call(root.querySelectorAll('[data-bind="' + name + '"]'), function (el) {
        el.textContent = text || "";
      });
    };
    bind("unit", state ? state.unit.name : "");
    bind("counter", state ? state.counter.label + " (" + state.counter.code + ")" : "");
    bind("officer", state && state.officer ? state.officer.name : "");
    $("served-by").hidden = !(state && state.officer);
    $("nobody-serving").hidden = !(state && !state.officer);
    $("officer-button").hidden = !state;
  }

  function renderStatus() {
    var status = $("status");
    var queued = outbox ? outbox.pending().length : 0;
    var failed = outbox ? outbox.failed().length : 0;
    var online = reachable && navigator.onLine;
    status.dataset.online = String(online);
    status.dataset.queued = String(queued);
    status.dataset.failed = String(failed);
    var text = online ? t("online") : t("offline");
    if (queued) text += " · " + queued + " " + t("waiting");
    if (failed) text += " · " + failed + " " + t("failed");
    status.querySelector(".status-text").textContent = text;
  }

  // --- pairing ---------------------------------------------------------------------------

  function stopTimers() {
    clearTimeout(thanksTimer);
    clearTimeout(heartbeatTimer);
    clearTimeout(readyTimer);
    thanksTimer = heartbeatTimer = readyTimer = null;
  }

  function showPairing(reasonKey) {
    flow = null;
    clearTimeout(thanksTimer);
    show("screen-pair");
    var reason = $("pair-reason");
    reason.hidden = !reasonKey;
    reason.textContent = reasonKey ? t(reasonKey) : "";
    if (reasonKey) $("pair-title").textContent = t("unpairedTitle");
    root.dataset.paired = "false";
    renderPlace();
  }

  /* What citizens see at a tablet that was revoked (or that the server no longer knows):
   * a neutral notice, never the administrator's pairing instructions. Staff open the
   * pairing form from the small button on it. */
  function showOutOfService() {
    flow = null;
    stopTimers();
    closeOfficerPanel();
    lang = "id";
    applyLanguage();
    show("screen-out-of-service");
    root.dataset.paired = "false";
    renderPlace();
  }

  $("repair").addEventListener("click", function () { showPairing(null); });

  $("pair-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var error = $("pair-error");
    error.hidden = true;
    post("pair", { code: $("pair-code").value, name: $("pair-name").value }, false)
      .then(function (result) {
        if (result.status === 201) {
          localStorage.setItem(KEYS.credential, result.body.credential);
          localStorage.removeItem(KEYS.outOfService);
          delete result.body.credential;
          $("pair-code").value = "";
          adoptState(result.body);
          startRating();
          outbox.resume(); // what a revoked pairing kept is sent now
          heartbeat(); // reports the queue at once
        } else {
          error.textContent = result.body.message || t("needNetwork");
          error.hidden = false;
        }
      });
  });

  // --- talking to the server ------------------------------------------------------------

  function post(path, body, authenticated) {
    var headers = { "Content-Type": "application/json" };
    if (authenticated !== false) headers.Authorization = "Device " + credential();
    var sentAt = Date.now();
    return fetch(API + path, {
      method: "POST", headers: headers, body: JSON.stringify(body || {}),
      cache: "no-store", credentials: "omit",
    }).then(function (response) {
      reachable = true;
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (json && json.server_time) {
          var server = Date.parse(json.server_time);
          localStorage.setItem(KEYS.offset, String(Math.round(server - (sentAt + Date.now()) / 2)));
        }
        renderStatus();
        return { status: response.status, body: json || {} };
      });
    }, function () {
      reachable = false;
      renderStatus();
      return { status: 0, body: { message: t("needNetwork") } };
    });
  }

  /* Revoked, or unknown to the server: the credential is dead for good (pairing again
   * gives a new one), so forget it and stop talking to the server; the queue is kept. */
  function deviceRefused() {
    localStorage.removeItem(KEYS.state);
    localStorage.removeItem(KEYS.credential);
    localStorage.setItem(KEYS.outOfService, "1");
    state = null;
    // Never leave another counter's name or officer on screen.
    showOutOfService();
  }

  function adoptState(next) {
    state = next;
    localStorage.setItem(KEYS.state, JSON.stringify(next));
    root.dataset.paired = "true";
    renderPlace();
  }

  function heartbeat() {
    clearTimeout(heartbeatTimer);
    heartbeatTimer = null;
    if (!credential()) return Promise.resolve(); // unpaired or revoked: nothing to report
    heartbeatTimer = setTimeout(heartbeat, HEARTBEAT_MS);
    return post("heartbeat", { queued: outbox.pending().length }).then(function (result) {
      if (result.status === 200) {
        var wasPaired = !!state;
        adoptState(result.body);
        if (!wasPaired || root.dataset.screen === "screen-pair" || root.dataset.screen === "screen-loading") startRating();
      } else if (result.body.error === "device_revoked" || result.body.error === "device_unknown") {
        deviceRefused(result.body);
      }
    });
  }

  // --- the rating flow -----------------------------------------------------------------

  function questions() { return state ? state.questions : []; }

  function startRating() {
    clearTimeout(thanksTimer);
    thanksTimer = null;
    // No counter, no questions (revoked, or never paired): there is nothing to rate.
    if (!state || !questions().length) return;
    flow = { index: 0, answers: {}, kind: null, category: null };
    lang = "id"; // every citizen starts in Bahasa Indonesia
    $("comment-text").value = "";
    applyLanguage();
    show("screen-question");
    renderQuestion(true);
    root.dataset.flow = "fresh";
  }

  function renderQuestion(guard) {
    var question = flow && questions()[flow.index];
    if (!question) return;
    var screen = $("screen-question");
    screen.dataset.index = String(flow.index);
    $("q-number").textContent = String(flow.index + 1);
    $("q-total").textContent = String(questions().length);
    $("q-text").textContent = question.text[lang] || question.text.id;
    var labels = question.labels[lang] || question.labels.id;
    Array.prototype.forEach.call(screen.querySelectorAll(".face"), function (button, i) {
      button.querySelector(".face-label").textContent = labels[i];
      button.classList.toggle("chosen", flow.answers[question.code] === i + 1);
      button.setAttribute("aria-pressed", String(flow.answers[question.code] === i + 1));
    });
    $("q-back").hidden = flow.index === 0;
    if (guard) armGuard();
  }

  /* Taps are taken once per TAP_GUARD_MS; data-ready tells (and tests wait for) when the
   * screen takes the next one. */
  function armGuard() {
    var screen = $("screen-question");
    var wait = Math.max(0, lastTap + TAP_GUARD_MS - Date.now());
    clearTimeout(readyTimer);
    screen.dataset.ready = wait ? "false" : "true";
    if (wait) readyTimer = setTimeout(function () { screen.dataset.ready = "true"; }, wait);
  }

  function acceptTap() {
    var now = Date.now();
    if (now - lastTap < TAP_GUARD_MS) return false;
    lastTap = now;
    return true;
  }

  Array.prototype.forEach.call(root.querySelectorAll(".face"), function (button) {
    button.addEventListener("click", function () {
      if (!flow || root.dataset.screen !== "screen-question" || !acceptTap()) return;
      var question = questions()[flow.index];
      if (!question) return;
      flow.answers[question.code] = Number(button.dataset.value);
      root.dataset.flow = "answering";
      renderQuestion(false);
      $("screen-question").dataset.ready = "false";
      setTimeout(function () {
        if (!flow) return;
        if (flow.index + 1 < questions().length) {
          flow.index += 1;
          renderQuestion(true);
        } else {
          show("screen-comment");
        }
      }, ADVANCE_MS);
    });
  });

  $("q-back").addEventListener("click", function () {
    if (!flow || flow.index === 0) return;
    flow.index -= 1;
    renderQuestion(true);
  });

  $("comment-back").addEventListener("click", function () {
    if (!flow) return;
    flow.index = questions().length - 1;
    show("screen-question");
    renderQuestion(true);
  });

  function chip(container, value, label, selected, onPick) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "chip-button" + (selected ? " chosen" : "");
    button.dataset.value = value;
    button.setAttribute("aria-pressed", String(selected));
    button.textContent = label;
    button.addEventListener("click", function () { onPick(value); });
    container.appendChild(button);
  }

  function renderChips() {
    var kinds = $("kind-chips");
    var categories = $("category-chips");
    kinds.textContent = "";
    categories.textContent = "";
    var current = flow || {};
    // Lists of [code, label], in the designed order (a JSON object's keys would be sorted).
    OPTIONS.kinds[lang].forEach(function (pair) {
      var kind = pair[0];
      chip(kinds, kind, pair[1], current.kind === kind, function (value) {
        if (!flow) return;
        flow.kind = flow.kind === value ? null : value;
        if (flow.kind !== "complaint" && flow.kind !== "suggestion") flow.category = null;
        renderChips();
      });
    });
    var wantsCategory = current.kind === "complaint" || current.kind === "suggestion";
    $("category-block").hidden = !wantsCategory;
    if (!wantsCategory) return;
    OPTIONS.categories[lang].forEach(function (pair) {
      var code = pair[0];
      chip(categories, code, pair[1], current.category === code, function (value) {
        if (!flow) return;
        flow.category = flow.category === value ? null : value;
        renderChips();
      });
    });
  }

  function label(pairs, code) {
    for (var i = 0; i < pairs.length; i++) if (pairs[i][0] === code) return pairs[i][1];
    return code;
  }

  function commentOf(current) {
    var text = $("comment-text").value.trim();
    var kind = current.kind || (text ? "suggestion" : null);
    if (!kind) return null;
    var category = current.category;
    if (kind === "complaint" && !category) category = "lainnya";
    // A quick tap needs no typing: the chosen category (or kind) becomes the text.
    if (!text) text = category ? label(OPTIONS.categories.id, category) : label(OPTIONS.kinds.id, kind);
    var comment = { kind: kind, text: text };
    if (category) comment.category = category;
    return comment;
  }

  $("send").addEventListener("click", function () {
    if (!flow || !state || root.dataset.screen !== "screen-comment") return;
    var rating = {
      id: uuid4(),
      answers: flow.answers,
      submitted_at: tapTime(),
      counter: state.counter.code,
    };
    var comment = commentOf(flow);
    if (comment) rating.comment = comment;
    flow = null; // a second tap finds nothing to send
    outbox.add(rating);
    show("screen-thanks");
    root.dataset.flow = "done";
    thanksTimer = setTimeout(startRating, THANKS_MS);
  });

  $("lang-toggle").addEventListener("click", function () {
    lang = lang === "id" ? "en" : "id";
    applyLanguage();
  });

  // --- idle: the next citizen never sees half-finished answers --------------------------

  function idleReset() {
    closeOfficerPanel();
    if (!state) {
      // Staff opened the pairing form of a revoked tablet and walked away.
      if (localStorage.getItem(KEYS.outOfService) && root.dataset.screen === "screen-pair") showOutOfService();
      return;
    }
    var screen = root.dataset.screen;
    var pending = flow && (Object.keys(flow.answers).length || flow.kind || $("comment-text").value);
    if (pending || screen === "screen-comment" || lang !== "id") startRating();
  }

  function touch() {
    clearTimeout(idleTimer);
    var seconds = (state && state.idle_seconds) || Number(root.dataset.idleSeconds) || 45;
    idleTimer = setTimeout(idleReset, seconds * 1000);
  }

  /* Full screen needs a user gesture: the first touch asks for it (screen pinning or
   * Chrome's --kiosk keeps it there; see docs/kiosk.md). */
  function goFullScreen() {
    var el = document.documentElement;
    if (!document.fullscreenElement && el.requestFullscreen) {
      el.requestFullscreen().catch(function () {});
    }
  }
  document.addEventListener("pointerup", goFullScreen, { passive: true });

  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, touch, { passive: true, capture: true });
  });

  // --- the officer panel ---------------------------------------------------------------

  /* An officer may scan their own QR card instead of typing an 18-digit NIP, where the
   * browser can read QR codes (BarcodeDetector: Chrome on Android). The PIN is still asked:
   * the card is printed for citizens to scan. */
  var cardToken = null;
  var scanning = null;
  var canScan = "BarcodeDetector" in window && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);

  function stopScan() {
    if (scanning) {
      clearInterval(scanning.timer);
      scanning.stream.getTracks().forEach(function (track) { track.stop(); });
      scanning = null;
    }
    $("scan-video").hidden = true;
  }

  function tokenOf(text) {
    var match = /\/s\/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)/.exec(text || "");
    return match ? match[1] : null;
  }

  function startScan() {
    var video = $("scan-video");
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      scanning = { stream: stream, timer: setInterval(function () {
        detector.detect(video).then(function (codes) {
          var token = codes.length ? tokenOf(codes[0].rawValue) : null;
          if (!token) return;
          cardToken = token;
          stopScan();
          $("nip-row").hidden = true;
          $("card-read").hidden = false;
          $("officer-pin").focus();
        }).catch(function () {});
      }, 300) };
    }).catch(function () { video.hidden = true; });
  }

  $("scan-card").addEventListener("click", function () {
    if (scanning) stopScan(); else startScan();
  });

  /* After too many wrong sign-out PINs (a citizen trying), the PIN alone no longer ends
   * the shift: the officer types NIP + PIN. Nothing locks the officer out meanwhile. */
  function signOutNeedsNip() { return !!(state && state.officer && state.sign_out_needs_nip); }

  function openOfficerPanel() {
    var signedIn = !!(state && state.officer);
    var needsNip = signOutNeedsNip();
    cardToken = null;
    $("card-read").hidden = true;
    $("scan-card").hidden = !canScan || signedIn;
    $("officer-title").textContent = t(signedIn ? "signOut" : "signInTitle");
    $("officer-submit").textContent = t(signedIn ? "signOut" : "signIn");
    $("nip-row").hidden = signedIn && !needsNip;
    $("sign-out-help").textContent = t(needsNip ? "signOutNipHelp" : "signOutHelp");
    $("sign-out-help").hidden = !signedIn;
    $("officer-error").hidden = true;
    $("officer-panel").hidden = false;
    (signedIn && !needsNip ? $("officer-pin") : $("officer-nip")).focus();
  }

  function closeOfficerPanel() {
    stopScan();
    cardToken = null;
    $("officer-panel").hidden = true;
    $("officer-nip").value = "";
    $("officer-pin").value = "";
  }

  $("officer-button").addEventListener("click", openOfficerPanel);
  $("officer-cancel").addEventListener("click", closeOfficerPanel);

  $("officer-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var signingOut = !!(state && state.officer);
    var body = signingOut && !signOutNeedsNip() ? { pin: $("officer-pin").value }
                                                : { nip: $("officer-nip").value, pin: $("officer-pin").value };
    if (!signingOut && cardToken) body = { token: cardToken, pin: $("officer-pin").value };
    $("officer-submit").disabled = true;
    post(signingOut ? "sign-out" : "sign-in", body).then(function (result) {
      $("officer-submit").disabled = false;
      if (result.status === 200) {
        adoptState(result.body);
        closeOfficerPanel();
        startRating();
        return;
      }
      if (result.body.error === "device_revoked" || result.body.error === "device_unknown") {
        closeOfficerPanel();
        deviceRefused(result.body);
        return;
      }
      if (result.body.error === "sign_out_needs_nip" && state) {
        state.sign_out_needs_nip = true;
        $("nip-row").hidden = false;
        $("sign-out-help").textContent = t("signOutNipHelp");
        $("officer-nip").focus();
      }
      var message = result.body.message || t("needNetwork");
      if (result.body.remaining) message += " " + t("triesLeft") + ": " + result.body.remaining + ".";
      $("officer-error").textContent = message;
      $("officer-error").hidden = false;
      $("officer-pin").value = "";
    });
  });

  // --- start ---------------------------------------------------------------------------

  var outbox = new window.KioskOutbox({
    url: API + "ratings",
    credential: credential,
    onChange: renderStatus,
    onDeviceRefused: deviceRefused,
    onLeadership: function (leading) { root.dataset.sender = String(leading); },
  });

  /* Another tab of this tablet paired, revoked or signed an officer in: follow it. */
  window.addEventListener("storage", function (event) {
    if (event.key === KEYS.outOfService && event.newValue) {
      state = null;
      showOutOfService();
    } else if (event.key === KEYS.state && event.newValue) {
      var wasPaired = !!state;
      state = loadJSON(KEYS.state);
      root.dataset.paired = String(!!state);
      renderPlace();
      if (state && !wasPaired) { startRating(); heartbeat(); }
    }
  });

  /* The on-screen keyboard: where it shrinks only the visual viewport (Chrome's default on
   * Android), size the kiosk to what is visible, and keep the send button and the text
   * field in view while typing. */
  function fitToVisibleArea() {
    var visible = window.visualViewport ? window.visualViewport.height : window.innerHeight;
    document.documentElement.style.setProperty("--kiosk-height", Math.round(visible) + "px");
    var field = document.activeElement;
    if (field && field.id === "comment-text") {
      $("send").scrollIntoView({ block: "nearest" });
      field.scrollIntoView({ block: "nearest" });
    }
  }
  (window.visualViewport || window).addEventListener("resize", fitToVisibleArea);
  $("comment-text").addEventListener("focus", function () { setTimeout(fitToVisibleArea, 300); });
  fitToVisibleArea();

  window.addEventListener("online", function () { reachable = true; renderStatus(); outbox.retryNow(); heartbeat(); });
  window.addEventListener("offline", function () { reachable = false; renderStatus(); });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.scope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () { root.dataset.offlineReady = "true"; })
      .catch(function () { root.dataset.offlineReady = "false"; });
  }

  applyLanguage();
  renderPlace();
  if (!credential()) {
    if (localStorage.getItem(KEYS.outOfService)) showOutOfService(); else showPairing(null);
  } else if (state) {
    startRating(); // the last known state: the kiosk works while the network is away
  }
  heartbeat();
  outbox.flush();
  touch();
})();
