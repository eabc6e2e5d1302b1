/* The kiosk's outbox: every rating is written to localStorage before it is sent, and
 * stays there until the server acknowledges it (201 recorded, 200 already recorded).
 *
 * localStorage rather than IndexedDB: its writes are synchronous, so a rating is on disk
 * before the thank-you screen shows, and a few thousand queued ratings fit easily. Each
 * rating has a key of its own ("kiosk.q.<id>"): adding, updating and removing one is a
 * single write, so two tabs of one tablet never overwrite each other's queue (a read,
 * change and write of one shared list would lose a rating between two tabs).
 *
 * One sender per tablet: the tabs elect one (a Web Lock held for as long as the tab lives,
 * or a lease in localStorage where Web Locks are missing: plain-HTTP deployments); the
 * others only show the queue, kept current by storage events.
 *
 * The server is idempotent by rating id, so sending one twice (an answer lost on the way
 * back) stores it once. 409 and 422 are permanent: such a rating is moved aside and shown,
 * never retried in a loop. A revoked or unknown tablet stops sending altogether until it is
 * paired again (``resume``). */
(function () {
  "use strict";

  var PREFIX = "kiosk.q.";
  var LEGACY_QUEUE_KEY = "kiosk.queue"; // one list, before each rating had its own key
  var FAILED_KEY = "kiosk.failed";
  var LEASE_KEY = "kiosk.sender";
  var LOCK_NAME = "suara-kiosk-sender";
  var BASE_DELAY_MS = 1000;
  var MAX_DELAY_MS = 60000;
  var LEASE_MS = 6000;
  var LEASE_RENEW_MS = 2000;

  function parse(text, fallback) {
    try {
      var value = JSON.parse(text);
      return value === null || value === undefined ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function readFailed() {
    var value = parse(localStorage.getItem(FAILED_KEY), []);
    return Array.isArray(value) ? value : [];
  }

  function queued() {
    var items = [];
    for (var i = 0; i < localStorage.length; i++) {
      var key = localStorage.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        var item = parse(localStorage.getItem(key), null);
        if (item && item.rating && item.rating.id) items.push(item);
      }
    }
    return items.sort(function (a, b) { return (a.addedAt || 0) - (b.addedAt || 0); });
  }

  function store(item) { localStorage.setItem(PREFIX + item.rating.id, JSON.stringify(item)); }

  function adoptLegacyQueue() {
    var legacy = parse(localStorage.getItem(LEGACY_QUEUE_KEY), null);
    if (!Array.isArray(legacy)) return;
    legacy.forEach(function (item, index) {
      if (item && item.rating && item.rating.id) {
        item.addedAt = item.addedAt || index;
        store(item);
      }
    });
    localStorage.removeItem(LEGACY_QUEUE_KEY);
  }

  function backoff(attempts) {
    var delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * Math.pow(2, Math.max(0, attempts - 1)));
    return delay / 2 + Math.random() * delay / 2; // jitter: tablets back online together spread out
  }

  function Outbox(options) {
    this.url = options.url;
    this.credential = options.credential; // a function: the current device credential
    this.onChange = options.onChange || function () {};
    this.onDeviceRefused = options.onDeviceRefused || function () {};
    this.onLeadership = options.onLeadership || function () {};
    this.sending = false;
    this.halted = false;
    this.leader = false;
    this.timer = null;
    this.online = navigator.onLine;
    this.tab = Math.random().toString(36).slice(2) + Date.now().toString(36);
    adoptLegacyQueue();
    this._watchOtherTabs();
    this._elect();
  }

  Outbox.prototype.pending = function () { return queued(); };
  Outbox.prototype.failed = function () { return readFailed(); };

  Outbox.prototype.add = function (rating) {
    store({ rating: rating, attempts: 0, nextAt: 0, addedAt: Date.now() }); // before the first try
    this.onChange();
    this.flush();
  };

  Outbox.prototype._remove = function (id) { localStorage.removeItem(PREFIX + id); };

  Outbox.prototype._setAside = function (item, status, body) {
    // Only the sender writes this list, so its read-and-write is safe.
    var failed = readFailed();
    failed.push({ rating: item.rating, status: status, error: (body && body.error) || "",
                  message: (body && body.message) || "", at: new Date().toISOString() });
    localStorage.setItem(FAILED_KEY, JSON.stringify(failed));
    this._remove(item.rating.id);
  };

  /* Other tabs' changes: a rating added, sent or set aside there shows here at once; one
   * added in another tab is sent by this one if it is the sender. */
  Outbox.prototype._watchOtherTabs = function () {
    var self = this;
    window.addEventListener("storage", function (event) {
      if (event.key === null || event.key.indexOf(PREFIX) === 0 || event.key === FAILED_KEY ||
          event.key === LEGACY_QUEUE_KEY) {
        if (event.key === LEGACY_QUEUE_KEY) adoptLegacyQueue();
        self.onChange();
        if (event.newValue && event.key && event.key.indexOf(PREFIX) === 0) self.flush();
      }
    });
  };

  Outbox.prototype._becomeLeader = function () {
    if (this.leader) return;
    this.leader = true;
    this.onLeadership(true);
    this.retryNow();
  };

  /* A Web Lock is held by one tab for as long as it lives; the next waiting tab gets it
   * when that tab closes. Without Web Locks, a lease in localStorage renewed every 2 s. */
  Outbox.prototype._elect = function () {
    var self = this;
    this.onLeadership(false);
    if (navigator.locks && navigator.locks.request) {
      navigator.locks.request(LOCK_NAME, function () {
        self._becomeLeader();
        return new Promise(function () {}); // held until the tab goes away
      }).catch(function () { self._electByLease(); });
      return;
    }
    this._electByLease();
  };

  Outbox.prototype._electByLease = function () {
    var self = this;
    function renew() {
      var lease = parse(localStorage.getItem(LEASE_KEY), null);
      var now = Date.now();
      if (!lease || lease.tab === self.tab || lease.until < now) {
        localStorage.setItem(LEASE_KEY, JSON.stringify({ tab: self.tab, until: now + LEASE_MS }));
        // Two tabs may write at once: the one whose write stayed is the sender.
        setTimeout(function () {
          var kept = parse(localStorage.getItem(LEASE_KEY), null);
          if (kept && kept.tab === self.tab) self._becomeLeader();
        }, 50);
      } else if (self.leader) {
        self.leader = false;
        self.onLeadership(false);
      }
    }
    renew();
    setInterval(renew, LEASE_RENEW_MS);
    window.addEventListener("pagehide", function () {
      var lease = parse(localStorage.getItem(LEASE_KEY), null);
      if (lease && lease.tab === self.tab) localStorage.removeItem(LEASE_KEY);
    });
  };

  /* Retry now: the network came back, or the page (re)opened. */
  Outbox.prototype.retryNow = function () {
    if (!this.leader || this.halted) return;
    queued().forEach(function (item) {
      if (item.nextAt) { item.nextAt = 0; store(item); }
    });
    this.flush();
  };

  /* The tablet was paired again: its new credential may send what was kept. */
  Outbox.prototype.resume = function () {
    this.halted = false;
    this.retryNow();
  };

  Outbox.prototype._schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.leader || this.halted || !this.credential()) return;
    var items = queued();
    if (!items.length) return;
    var next = Math.min.apply(null, items.map(function (item) { return item.nextAt || 0; }));
    this.timer = setTimeout(function () { self.flush(); }, Math.max(50, next - Date.now()));
  };

  Outbox.prototype._send = function (item) {
    var self = this;
    return fetch(this.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Device " + this.credential() },
      body: JSON.stringify(item.rating),
      cache: "no-store",
      credentials: "omit",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body || {} };
      });
    }).then(function (result) {
      self.online = true;
      var error = result.body.error;
      if (result.status === 201 || result.status === 200) {
        self._remove(item.rating.id);
        return "sent";
      }
      if (result.status === 409 || result.status === 422 ||
          (result.status === 403 && error === "wrong_counter")) {
        self._setAside(item, result.status, result.body);
        return "set-aside";
      }
      if (error === "device_revoked" || error === "device_unknown") {
        // Revoked (or forgotten by the server): keep every rating, stop sending, say so.
        self.halted = true;
        self.onDeviceRefused(result.body);
        return "refused";
      }
      return "retry"; // 429, 5xx, a proxy's error page: the server is busy or away
    }, function () {
      self.online = false;
      return "retry";
    }).then(function (outcome) {
      if (outcome === "retry") {
        var stored = parse(localStorage.getItem(PREFIX + item.rating.id), null);
        if (stored) {
          stored.attempts = (stored.attempts || 0) + 1;
          stored.nextAt = Date.now() + backoff(stored.attempts);
          store(stored);
        }
      }
      return outcome;
    });
  };

  /* Send every rating that is due, one at a time, oldest first (the sender tab only). */
  Outbox.prototype.flush = function () {
    var self = this;
    if (this.sending || !this.leader || this.halted) return;
    var due = queued().filter(function (item) { return (item.nextAt || 0) <= Date.now(); });
    if (!due.length || !this.credential()) {
      this._schedule();
      return;
    }
    this.sending = true;
    this.onChange();
    this._send(due[0]).then(function (outcome) {
      self.sending = false;
      self.onChange();
      if (outcome === "sent" || outcome === "set-aside") {
        self.flush();
      } else {
        self._schedule(); // the network or server failed: wait, do not hammer it
      }
    });
  };

  window.KioskOutbox = Outbox;
})();
