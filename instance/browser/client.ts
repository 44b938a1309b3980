// The script buzz's proxy puts first in each page's <head>
// (`<script src="/__buzz/client.js" data-buzz="SECRET">`): it reports what the
// page's console, errors, requests, resources, navigations and the dev
// server's HMR socket show, in batches, to /__buzz/events on the page's own
// origin. Plain JavaScript (it runs in any browser, before the app), kept as
// text. It adds one global, window.__buzz; it wraps console, fetch, XHR,
// history and WebSocket without changing what they do. Its inline source map
// lists it in `x_google_ignoreList`, so DevTools shows a console message at
// the app's line rather than the wrapper's.

const SOURCE = String.raw`(function () {
  "use strict";
  var w = window;
  if (w.__buzz) return;
  var me = document.currentScript;
  var secret = (me && me.dataset && me.dataset.buzz) || "";
  var ENDPOINT = "/__buzz/events";
  var page = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  var realFetch = w.fetch;
  var queue = [];
  var dropped = 0;
  var timer = 0;
  var sending = Promise.resolve();
  var MAX_QUEUE = 300;
  var FIELD = 16384;
  // Tokens per level group: errors and warnings, and the chattier levels.
  var buckets = { loud: { n: 100, max: 100, rate: 100 }, quiet: { n: 20, max: 20, rate: 20 } };
  var lastRefill = Date.now();

  function refill() {
    var now = Date.now();
    var dt = (now - lastRefill) / 1000;
    lastRefill = now;
    for (var k in buckets) {
      var b = buckets[k];
      b.n = Math.min(b.max, b.n + dt * b.rate);
    }
  }
  function cut(s) {
    s = String(s);
    return s.length > FIELD ? s.slice(0, FIELD) + " … [" + (s.length - FIELD) + " more characters]" : s;
  }
  // Whether one more event of the group may go now; counts it as dropped if not.
  function take(group) {
    refill();
    var b = buckets[group || "loud"];
    if (b.n < 1 || queue.length >= MAX_QUEUE) { dropped++; return false; }
    b.n -= 1;
    return true;
  }
  function send(ev, group) {
    if (take(group)) enqueue(ev);
  }
  function enqueue(ev) {
    ev.time = Date.now();
    queue.push(ev);
    if (queue.length >= 50) flush(false);
    else if (!timer) timer = setTimeout(function () { flush(false); }, 100);
  }
  function flush(final) {
    clearTimeout(timer);
    timer = 0;
    if (!queue.length && !dropped) return;
    var body = JSON.stringify({
      page: page, url: location.href, title: document.title, dropped: dropped, events: queue.splice(0, queue.length)
    });
    dropped = 0;
    var post = function () {
      return realFetch.call(w, ENDPOINT, {
        method: "POST",
        headers: { "content-type": "application/json", "x-buzz-secret": secret },
        body: body,
        keepalive: final && body.length < 60000,
        credentials: "same-origin"
      }).then(function (r) { return r.body && r.body.cancel(); }, function () {});
    };
    // One batch at a time, so the endpoint sees events in the page's order.
    sending = final ? (post(), sending) : sending.then(post);
  }
  function stackHere() {
    try { throw new Error(); } catch (e) { return String(e.stack || ""); }
  }
  function describe(v, depth) {
    if (typeof v === "string") return v;
    if (v instanceof Error) return String(v.stack && v.stack.indexOf(String(v.message)) >= 0 ? v.stack : v);
    if (v === null || typeof v !== "object") return typeof v === "symbol" ? v.toString() : String(v);
    if (typeof Node !== "undefined" && v instanceof Node) return "<" + String(v.nodeName).toLowerCase() + ">";
    try {
      var seen = [];
      return JSON.stringify(v, function (k, x) {
        if (typeof x === "object" && x !== null) {
          if (seen.indexOf(x) >= 0) return "[Circular]";
          seen.push(x);
        }
        if (typeof x === "bigint") return x.toString() + "n";
        if (typeof x === "function") return "[Function " + (x.name || "anonymous") + "]";
        return x;
      });
    } catch (e) {
      return Object.prototype.toString.call(v);
    }
  }
  // console's own formatting: %s %d %i %f %o %O %c in the first argument.
  function format(args) {
    var out = [];
    var i = 0;
    if (typeof args[0] === "string" && args[0].indexOf("%") >= 0) {
      i = 1;
      out.push(args[0].replace(/%([sdifoOc%])/g, function (m, f) {
        if (f === "%") return "%";
        if (i >= args.length) return m;
        var v = args[i++];
        if (f === "c") return "";
        if (f === "d" || f === "i") return String(parseInt(v, 10));
        if (f === "f") return String(parseFloat(v));
        return describe(v);
      }));
    }
    for (; i < args.length; i++) out.push(describe(args[i]));
    return out.join(" ");
  }

  ["error", "warn", "log", "info", "debug"].forEach(function (level) {
    var orig = console[level];
    if (typeof orig !== "function") return;
    var group = level === "error" || level === "warn" ? "loud" : "quiet";
    console[level] = function () {
      try {
        // Formatting and the stack cost most: only for messages that will be sent.
        if (take(group)) {
          enqueue({ type: "console", level: level, message: cut(format(arguments)), stack: stackHere() });
        }
      } catch (e) { /* never break the app's logging */ }
      return orig.apply(this, arguments);
    };
  });

  w.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== w && t.tagName) {
      var url = t.currentSrc || t.src || t.href || "";
      var stack = "";
      // React (dev) keeps where each element was created: the JSX line of a broken <img>.
      for (var k in t) {
        if (k.indexOf("__reactFiber$") === 0) {
          var f = t[k];
          stack = (f && f._debugStack && f._debugStack.stack) || "";
          break;
        }
      }
      send({ type: "resource", tag: String(t.tagName).toLowerCase(), url: cut(url), stack: stack });
      return;
    }
    var err = e.error;
    send({
      type: "uncaught",
      message: cut(err instanceof Error ? String(err) : e.message || describe(err)),
      stack: cut(err && err.stack || ""),
      file: e.filename || "", line: e.lineno || 0, column: e.colno || 0
    });
  }, true);
  w.addEventListener("unhandledrejection", function (e) {
    var r = e.reason;
    send({
      type: "unhandled_rejection",
      message: cut(r instanceof Error ? String(r) : describe(r)),
      stack: cut(r && r.stack || "")
    });
  });

  if (typeof realFetch === "function") {
    w.fetch = function (input, init) {
      var start = performance.now();
      var req = typeof Request !== "undefined" && input instanceof Request ? input : null;
      var method = String((init && init.method) || (req ? req.method : "GET")).toUpperCase();
      var url;
      try { url = new URL(req ? req.url : String(input), location.href).href; } catch (e) { url = String(input); }
      var stack = stackHere();
      var p = realFetch.apply(this === w || this === undefined ? w : this, arguments);
      if (url.indexOf(location.origin + "/__buzz/") === 0) return p;
      return p.then(function (res) {
        if (res.status >= 400) {
          send({ type: "network", api: "fetch", method: method, url: cut(url), status: res.status,
            ms: Math.round(performance.now() - start), stack: stack });
        }
        return res;
      }, function (err) {
        if (!(err && err.name === "AbortError")) {
          send({ type: "network", api: "fetch", method: method, url: cut(url), status: 0,
            error: cut(String(err)), ms: Math.round(performance.now() - start), stack: stack });
        }
        throw err;
      });
    };
  }

  var X = w.XMLHttpRequest && w.XMLHttpRequest.prototype;
  if (X) {
    var open = X.open, xsend = X.send;
    X.open = function (method, url) {
      var abs;
      try { abs = new URL(String(url), location.href).href; } catch (e) { abs = String(url); }
      this.__buzzReq = { method: String(method).toUpperCase(), url: abs };
      return open.apply(this, arguments);
    };
    X.send = function () {
      var r = this.__buzzReq, xhr = this, start = performance.now(), stack = stackHere();
      if (r) {
        var aborted = false;
        xhr.addEventListener("abort", function () { aborted = true; });
        xhr.addEventListener("loadend", function () {
          if (aborted || (xhr.status > 0 && xhr.status < 400)) return;
          send({ type: "network", api: "xhr", method: r.method, url: cut(r.url), status: xhr.status,
            error: xhr.status ? "" : "network error", ms: Math.round(performance.now() - start), stack: stack });
        });
      }
      return xsend.apply(this, arguments);
    };
  }

  // Route changes of single-page apps.
  var lastUrl = location.href;
  function routed() {
    if (location.href === lastUrl) return;
    lastUrl = location.href;
    send({ type: "route", url: cut(location.href) });
  }
  ["pushState", "replaceState"].forEach(function (name) {
    var orig = history[name];
    history[name] = function () {
      var r = orig.apply(this, arguments);
      try { routed(); } catch (e) { /* ignore */ }
      return r;
    };
  });
  w.addEventListener("popstate", routed);
  w.addEventListener("hashchange", routed);

  // The dev server's HMR socket: Vite's updates and error overlay ("vite-hmr" protocol).
  var WS = w.WebSocket;
  if (typeof WS === "function" && typeof Proxy === "function") {
    w.WebSocket = new Proxy(WS, {
      construct: function (target, args, nt) {
        var sock = Reflect.construct(target, args, nt);
        var protos = [].concat(args[1] || []);
        if (protos.indexOf("vite-hmr") >= 0) sock.addEventListener("message", onVite);
        return sock;
      }
    });
  }
  function afterFetch(stamps, cb) {
    var done = false, obs = null;
    function finish() {
      if (done) return;
      done = true;
      if (obs) obs.disconnect();
      setTimeout(cb, 50);
    }
    try {
      obs = new PerformanceObserver(function (list) {
        list.getEntries().forEach(function (e) {
          if (stamps.some(function (t) { return e.name.indexOf(t) >= 0; })) finish();
        });
      });
      obs.observe({ type: "resource" });
    } catch (e) { /* no observer: the timeout says it */ }
    setTimeout(finish, 3000);
  }
  function onVite(m) {
    var p;
    try { p = JSON.parse(m.data); } catch (e) { return; }
    if (!p || typeof p !== "object") return;
    if (p.type === "update" && p.updates) {
      var paths = [];
      p.updates.forEach(function (u) {
        if (u.path) paths.push(String(u.path));
        if (u.acceptedPath && u.acceptedPath !== u.path) paths.push(String(u.acceptedPath));
      });
      var stamps = p.updates.map(function (u) { return "t=" + u.timestamp; });
      // Said once the new modules are fetched (they run right after), so a click meanwhile
      // that still runs the old code is reported before the replacement, not after.
      afterFetch(stamps, function () {
        send({ type: "hmr", paths: paths.slice(0, 100) });
        flush(false);
      });
    } else if (p.type === "error" && p.err) {
      var loc = p.err.loc || {};
      send({ type: "vite_error", message: cut(p.err.message || ""), file: cut(loc.file || p.err.id || ""),
        line: loc.line || 0, column: loc.column || 0, plugin: String(p.err.plugin || "") });
    } else if (p.type === "full-reload") {
      send({ type: "full_reload", path: String(p.path || "") });
    }
  }

  var nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
  send({ type: "load", navigation: (nav && nav.type) || "navigate" });
  w.addEventListener("load", function () {
    send({ type: "loaded", ms: Math.round(performance.now()) });
    flush(false);
  });
  w.addEventListener("pagehide", function () {
    send({ type: "gone" });
    flush(true);
  });
  setInterval(function () { send({ type: "ping" }, "quiet"); }, 20000);

  Object.defineProperty(w, "__buzz", {
    value: Object.freeze({ page: page, flush: function () { flush(false); return sending; } })
  });
})();
`;

/** The script, with an inline source map that marks it as not the app's code. */
export function clientScript(): string {
  return CLIENT;
}

const CLIENT = (() => {
  const lines = SOURCE.split("\n").length;
  // Line i of the script is line i of its source: "AAAA" then "AACA" per line.
  const map = {
    version: 3,
    file: "buzz-client.js",
    sources: ["buzz-client.js"],
    sourcesContent: [SOURCE],
    names: [],
    mappings: ["AAAA", ...Array(lines - 1).fill("AACA")].join(";"),
    x_google_ignoreList: [0],
  };
  const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(map))));
  return `${SOURCE}//# sourceMappingURL=data:application/json;base64,${b64}\n`;
})();
