/* The kiosk's outbox: every rating is written to localStorage before it is sent, and
 * stays there until the server acknowledges it (201 recorded, 200 already recorded).
 *
 * localStorage rather than IndexedDB: its writes are synchronous, so a rating is on disk
 * before the thank-you screen shows, and a few thousand queued ratings fit easily.
 * The server is idempotent by rating id, so sending one twice (an answer lost on the way
 * back) stores it once. 409 and 422 are permanent: such a rating is moved aside and shown,
 * never retried in a loop. */
(function () {
  "use strict";

  var QUEUE_KEY = "kiosk.queue";
  var FAILED_KEY = "kiosk.failed";
  var BASE_DELAY_MS = 1000;
  var MAX_DELAY_MS = 60000;

  function read(key) {
    try {
      var value = JSON.parse(localStorage.getItem(key) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function write(key, items) {
    localStorage.setItem(key, JSON.stringify(items));
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
    this.sending = false;
    this.timer = null;
    this.online = navigator.onLine;
  }

  Outbox.prototype.pending = function () { return read(QUEUE_KEY); };
  Outbox.prototype.failed = function () { return read(FAILED_KEY); };

  Outbox.prototype.add = function (rating) {
    var items = read(QUEUE_KEY);
    items.push({ rating: rating, attempts: 0, nextAt: 0 });
    write(QUEUE_KEY, items); // stored before the first try
    this.onChange();
    this.flush();
  };

  Outbox.prototype._remove = function (id) {
    write(QUEUE_KEY, read(QUEUE_KEY).filter(function (item) { return item.rating.id !== id; }));
  };

  Outbox.prototype._update = function (id, change) {
    write(QUEUE_KEY, read(QUEUE_KEY).map(function (item) {
      return item.rating.id === id ? change(item) : item;
    }));
  };

  Outbox.prototype._setAside = function (item, status, body) {
    this._remove(item.rating.id);
    var failed = read(FAILED_KEY);
    failed.push({ rating: item.rating, status: status, error: (body && body.error) || "",
                  message: (body && body.message) || "", at: new Date().toISOString() });
    write(FAILED_KEY, failed);
  };

  /* Retry now: the network came back, or the page (re)opened. */
  Outbox.prototype.retryNow = function () {
    write(QUEUE_KEY, read(QUEUE_KEY).map(function (item) { item.nextAt = 0; return item; }));
    this.flush();
  };

  Outbox.prototype._schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    var items = read(QUEUE_KEY);
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
        return { status: response.status, body: body };
      });
    }).then(function (result) {
      self.online = true;
      if (result.status === 201 || result.status === 200) {
        self._remove(item.rating.id);
        return "sent";
      }
      if (result.status === 409 || result.status === 422 ||
          (result.status === 403 && result.body.error === "wrong_counter")) {
        self._setAside(item, result.status, result.body);
        return "set-aside";
      }
      if (result.status === 401 || result.status === 403) {
        // The tablet was revoked: keep every rating, stop sending, say so.
        self.onDeviceRefused(result.body);
        return "refused";
      }
      return "retry"; // 429, 5xx: the server is busy or its database is down
    }, function () {
      self.online = false;
      return "retry";
    }).then(function (outcome) {
      if (outcome === "retry" || outcome === "refused") {
        self._update(item.rating.id, function (stored) {
          stored.attempts += 1;
          stored.nextAt = Date.now() + backoff(stored.attempts);
          return stored;
        });
      }
      return outcome;
    });
  };

  /* Send every rating that is due, one at a time, oldest first. */
  Outbox.prototype.flush = function () {
    var self = this;
    if (this.sending) return;
    var due = read(QUEUE_KEY).filter(function (item) { return (item.nextAt || 0) <= Date.now(); });
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
