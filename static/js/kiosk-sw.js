/* The kiosk's service worker (served from /kiosk/sw.js, scope /kiosk/): keeps the kiosk page
 * and its assets so a reload or a browser restart without the network still opens the
 * kiosk, with its queue (which lives in localStorage, not here). The device API is never
 * cached: ratings, heartbeats and sign-ins always go to the network. */
"use strict";

var VERSION = new URL(self.location.href).searchParams.get("v") || "dev";
var CACHE = "kiosk-" + VERSION;
var PAGE = new URL("./", self.location.href).pathname;
var ASSETS = [
  PAGE,
  new URL("../static/css/app.css", self.location.href).pathname,
  new URL("../static/css/kiosk.css", self.location.href).pathname,
  new URL("../static/js/kiosk.js", self.location.href).pathname,
  new URL("../static/js/kiosk-queue.js", self.location.href).pathname,
];
var PAGE_TIMEOUT_MS = 4000; // a flaky network should not keep the page from opening

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) { return cache.addAll(ASSETS); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("kiosk-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function pageFromNetwork(request) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, PAGE_TIMEOUT_MS);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(PAGE, copy); });
        resolve(response);
      } else {
        reject(new Error("status " + response.status));
      }
    }, function (error) { clearTimeout(timer); reject(error); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    // The newest page when the network answers, the kept one when it does not.
    event.respondWith(pageFromNetwork(request).catch(function () {
      return caches.match(PAGE, { ignoreSearch: true }).then(function (kept) {
        return kept || Response.error();
      });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    // Assets change only with VERSION, which renews this cache.
    event.respondWith(caches.match(url.pathname, { ignoreSearch: true }).then(function (kept) {
      return kept || fetch(request);
    }));
  }
});
