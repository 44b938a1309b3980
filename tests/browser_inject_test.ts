// Where the proxy puts the telemetry tag in a page, whatever the chunks the
// page arrives in, and how little of a Content-Security-Policy it widens.

import assert from "node:assert/strict";
import { injectTag, isNavigation, tagPlace, widenCsp } from "../instance/browser/inject.ts";
import { pointedBack } from "../instance/browser/proxy.ts";

const TAG = '<script src="/__buzz/client.js"></script>';

async function injected(chunks: string[]): Promise<string> {
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      c.close();
    },
  });
  return await new Response(stream.pipeThrough(injectTag(TAG))).text();
}

Deno.test("the tag goes right after <head>, even when the tag is split across chunks", async () => {
  const page = '<!DOCTYPE html><html><HEAD data-x="1"><script src="/app.js"></script></head>';
  const want = `<!DOCTYPE html><html><HEAD data-x="1">${TAG}<script src="/app.js"></script></head>`;
  assert.equal(await injected([page]), want);
  for (let cut = 1; cut < page.length; cut += 7) {
    assert.equal(await injected([page.slice(0, cut), page.slice(cut)]), want, `cut at ${cut}`);
  }
  // UTF-8 around it stays whole.
  assert.equal(
    await injected(["<html><head><title>café ", "☕</title>"]),
    `<html><head>${TAG}<title>café ☕</title>`,
  );
});

Deno.test("a page without <head> gets the tag after <html>, the doctype, or first", async () => {
  assert.equal(
    await injected(["<html lang=en><body>x</body></html>"]),
    `<html lang=en>${TAG}<body>x</body></html>`,
  );
  assert.equal(await injected(["<!doctype html>\n<p>x"]), `<!doctype html>${TAG}\n<p>x`);
  assert.equal(await injected(["<p>hello</p>"]), `${TAG}<p>hello</p>`);
  assert.equal(await injected([""]), TAG);
  // <header> is no <head>.
  assert.equal(tagPlace("<header>", true), 0);
  assert.equal(tagPlace("<html><he", false), null);
});

Deno.test("pages are navigations; images, scripts and fetches are not", () => {
  const req = (headers: Record<string, string>, method = "GET") =>
    new Request("http://127.0.0.1/", { method, headers });
  assert.ok(isNavigation(req({ "sec-fetch-dest": "document", accept: "text/html" })));
  assert.ok(isNavigation(req({ "sec-fetch-dest": "iframe" })));
  assert.ok(!isNavigation(req({ "sec-fetch-dest": "image", accept: "text/html,*/*" })));
  assert.ok(!isNavigation(req({ "sec-fetch-dest": "empty", accept: "text/html" })));
  assert.ok(!isNavigation(req({ "sec-fetch-dest": "script" })));
  assert.ok(isNavigation(req({ accept: "text/html,application/xhtml+xml" })));
  assert.ok(!isNavigation(req({ accept: "*/*" })));
  assert.ok(!isNavigation(req({ "sec-fetch-dest": "document" }, "POST")));
});

Deno.test("a Content-Security-Policy is widened by the script and its endpoint only", () => {
  const o = "http://127.0.0.1:4000";
  const js = `${o}/__buzz/client.js`, ev = `${o}/__buzz/events`;
  assert.deepEqual(widenCsp("script-src 'self'; connect-src 'self'", o, "n"), {
    header: `script-src 'self' ${js}; connect-src 'self' ${ev}`,
    nonce: false,
  });
  // 'none' gives way to the one source.
  assert.equal(
    widenCsp("default-src 'none'", o, "n").header,
    `default-src 'none'; script-src ${js}; connect-src ${ev}`,
  );
  // script-src-elem governs script elements when present.
  assert.equal(
    widenCsp("script-src-elem 'self'; script-src 'self'", o, "n").header,
    `script-src-elem 'self' ${js}; script-src 'self'`,
  );
  // 'strict-dynamic' ignores URLs: a nonce allows the tag instead.
  assert.deepEqual(widenCsp("script-src 'strict-dynamic' 'nonce-abc'", o, "xyz"), {
    header: `script-src 'strict-dynamic' 'nonce-abc' ${js} 'nonce-xyz'`,
    nonce: true,
  });
  // Each policy of several must pass on its own.
  assert.equal(
    widenCsp("img-src *, script-src 'self'", o, "n").header,
    `img-src *, script-src 'self' ${js}`,
  );
  // A policy that restricts neither is left as it is.
  assert.equal(widenCsp("frame-ancestors 'none'", o, "n").header, "frame-ancestors 'none'");
});

Deno.test("a redirect to the dev server points at the proxy; others stay", () => {
  const up = new URL("http://localhost:5173");
  const proxy = "http://127.0.0.1:4000";
  assert.equal(pointedBack("http://localhost:5173/login?x=1#h", up, proxy), `${proxy}/login?x=1#h`);
  assert.equal(pointedBack("http://127.0.0.1:5173/a", up, proxy), `${proxy}/a`);
  assert.equal(pointedBack("/relative", up, proxy), "/relative");
  assert.equal(pointedBack("http://localhost:3000/", up, proxy), "http://localhost:3000/");
  assert.equal(pointedBack("https://localhost:5173/", up, proxy), "https://localhost:5173/");
  assert.equal(pointedBack("http://example.com/", up, proxy), "http://example.com/");
});
