// What the proxy changes in a page, and nothing else: the telemetry script's
// tag first in <head> of page navigations, and the page's Content-Security-
// Policy widened by exactly that script and its endpoint.

/** Where a page's requests land on its proxy (never forwarded to the dev server). */
export const CLIENT_PATH = "/__buzz/client.js";
export const EVENTS_PATH = "/__buzz/events";

/**
 * Whether a request loads a page (a tab's or a frame's document) rather than a
 * resource: dev servers answer a missing image with index.html and 200, which
 * must stay untouched. Browsers say so in Sec-Fetch-Dest; without it (an old
 * browser, curl) a GET that accepts HTML counts.
 */
export function isNavigation(req: Request): boolean {
  if (req.method !== "GET") return false;
  const dest = req.headers.get("sec-fetch-dest");
  if (dest !== null) return dest === "document" || dest === "iframe" || dest === "frame";
  return (req.headers.get("accept") ?? "").includes("text/html");
}

export function scriptTag(secret: string, nonce?: string): string {
  const n = nonce ? ` nonce="${nonce}"` : "";
  return `<script src="${CLIENT_PATH}" data-buzz="${secret}"${n}></script>`;
}

/** How far into a page the tag's place is looked for before it goes at the very start. */
const SCAN_BYTES = 64 * 1024;

/**
 * Streams a page through, with the tag right after its <head …> (else after
 * <html …>, else after the doctype, else first). Only the page's start is held
 * back, until that place is found; the rest streams as it comes.
 */
export function injectTag(tag: string): TransformStream<Uint8Array, Uint8Array> {
  const bytes = new TextEncoder().encode(tag);
  let held: Uint8Array | null = new Uint8Array(0);
  const emit = (ctrl: TransformStreamDefaultController<Uint8Array>, at: number) => {
    const page = held!;
    held = null;
    ctrl.enqueue(page.subarray(0, at));
    ctrl.enqueue(bytes);
    ctrl.enqueue(page.subarray(at));
  };
  return new TransformStream({
    transform(chunk, ctrl) {
      if (!held) return ctrl.enqueue(chunk);
      const joined = new Uint8Array(held.length + chunk.length);
      joined.set(held);
      joined.set(chunk, held.length);
      held = joined;
      const at = tagPlace(latin1(held), false);
      if (at !== null) emit(ctrl, at);
      else if (held.length >= SCAN_BYTES) emit(ctrl, tagPlace(latin1(held), true)!);
    },
    flush(ctrl) {
      if (held) emit(ctrl, tagPlace(latin1(held), true)!);
    },
  });
}

function latin1(b: Uint8Array): string {
  // One character per byte, so offsets in the text are offsets in the bytes.
  let s = "";
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode(...b.subarray(i, i + 8192));
  }
  return s;
}

/**
 * Where the tag goes in the page's start: after <head>, once seen. At the end
 * (final) of what there is: after <html> or the doctype, else at 0. Null while
 * more of the page may still show a <head>.
 */
export function tagPlace(text: string, final: boolean): number | null {
  const head = /<head(?:\s[^>]*)?>/i.exec(text);
  if (head) return head.index + head[0].length;
  // A <body> or any content before a head means the page has none.
  const body = /<body[\s>]/i.exec(text);
  if (!final && !body) return null;
  const html = /<html(?:\s[^>]*)?>/i.exec(text);
  if (html) return html.index + html[0].length;
  const doctype = /^\s*<!doctype[^>]*>/i.exec(text);
  return doctype ? doctype[0].length : 0;
}

/**
 * The page's Content-Security-Policy with the telemetry allowed and nothing
 * more: the script's own URL for scripts, the events URL for connections,
 * each added to the directive that governs it (a new one copied from
 * default-src when only that is set). Every policy in the header is widened
 * (each must pass on its own). A 'strict-dynamic' policy ignores URLs, so the
 * tag is allowed by a nonce there instead.
 */
export function widenCsp(
  header: string,
  origin: string,
  nonce: string,
): { header: string; nonce: boolean } {
  let needsNonce = false;
  const policies = header.split(",").map((policy) => {
    const directives = policy.split(";").map((d) => d.trim()).filter(Boolean).map((d) => {
      const [name, ...values] = d.split(/\s+/);
      return { name: name.toLowerCase(), values };
    });
    const find = (name: string) => directives.find((d) => d.name === name);
    const widen = (names: string[], created: string, source: string) => {
      const governing = names.map(find).find((d) => d);
      if (!governing) return null;
      const target = governing.name === "default-src"
        ? (directives.push({ name: created, values: [...governing.values] }), directives.at(-1)!)
        : governing;
      target.values = target.values.filter((v) => v.toLowerCase() !== "'none'");
      target.values.push(source);
      return target;
    };
    const script = widen(
      ["script-src-elem", "script-src", "default-src"],
      "script-src",
      `${origin}${CLIENT_PATH}`,
    );
    if (script?.values.some((v) => v.toLowerCase() === "'strict-dynamic'")) {
      script.values.push(`'nonce-${nonce}'`);
      needsNonce = true;
    }
    widen(["connect-src", "default-src"], "connect-src", `${origin}${EVENTS_PATH}`);
    return directives.map((d) => [d.name, ...d.values].join(" ")).join("; ");
  });
  return { header: policies.join(", "), nonce: needsNonce };
}
