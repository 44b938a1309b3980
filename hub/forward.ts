// Forwarding one request from the hub's client to an instance, faithfully:
// params and _meta pass through, progress is re-tokenised, cancellation and
// input_required rounds carry over, and the instance's JSON-RPC errors come
// back with their code, message and data unchanged.

import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  isInputRequiredResult,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  type Result,
  type Server,
  SERVER_INFO_META_KEY,
  type ServerContext,
  type StandardSchemaV1,
} from "../shared/sdk_server.ts";
import type { Upstream } from "./upstream.ts";
import { HeldCall, heldCallOf, ROUND_TRIP_METHODS } from "./translate.ts";
import { workBegan, workEnded } from "../shared/collect.ts";

/**
 * The instance's answer goes to the client as it came: checking it against the
 * method's schema here would only repeat what the client does on receipt.
 */
const Unchecked: StandardSchemaV1<unknown, Result> = {
  "~standard": { version: 1, vendor: "buzz", validate: (value) => ({ value: value as Result }) },
};

type Handler = (request: unknown, ctx: unknown) => Promise<unknown>;
/** The SDK Server's hook around the handlers it is given (it checks tools/call results there). */
interface Wrapping {
  _wrapHandler(method: string, handler: Handler): Handler;
  _invokeInputRequiredCapableHandler(
    method: string,
    handler: Handler,
    request: unknown,
    ctx: unknown,
  ): Promise<unknown>;
}

/**
 * Makes the hub's server pass tools/call results on as the instance sent them. The SDK's
 * Server checks the request a second time and every result against the protocol's schema
 * (zod), then sends a parsed copy: work a proxy need not do, since the client checks what it
 * receives. Only that check goes; input_required rounds and the empty content a 2025 client
 * expects stay. Call before the tools/call handler is set.
 */
export function passResultsOn(server: Server): void {
  const s = server as unknown as Wrapping;
  const wrap = s._wrapHandler.bind(s);
  s._wrapHandler = (method, handler) =>
    method !== "tools/call" ? wrap(method, handler) : async (request, ctx) => {
      const result = await s._invokeInputRequiredCapableHandler(method, handler, request, ctx);
      const r = result as Result;
      return isInputRequiredResult(r) || r.content !== undefined || "task" in r
        ? r
        : { ...r, content: [] };
    };
}

/** Long enough for logs_wait; progress notifications keep it alive beyond that. */
const PROXY_TIMEOUT_MS = 15 * 60_000;
const ENVELOPE_KEYS = [
  PROTOCOL_VERSION_META_KEY,
  CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
];

export interface FrontInfo {
  era: "modern" | "legacy";
  server: Server;
  /** The level a 2025 client set with logging/setLevel, carried to modern instances per request. */
  logLevel?: string;
  /** The lists the client has fetched: only those can have changed for it. */
  fetched: Set<"tools" | "resources" | "prompts">;
  /** Calls to 2025 servers held for a 2026-07-28 client's retry, by requestState (translate.ts). */
  held: Map<string, HeldCall>;
}

export async function forward(
  front: FrontInfo,
  upstream: Upstream,
  method: string,
  params: Record<string, unknown> | undefined,
  ctx: ServerContext,
): Promise<Result> {
  const meta: Record<string, unknown> = { ...(params?._meta as Record<string, unknown>) };
  const progressToken = meta.progressToken;
  delete meta.progressToken;
  if (upstream.era === "legacy") {
    for (const key of ENVELOPE_KEYS) delete meta[key];
  } else {
    // A modern instance hears per request who the client is and what it can do. A 2026-07-28
    // client said so in this request's envelope, which the SDK lifts off the params before
    // they reach us; a 2025 client said so at initialize. The hub passes it on either way.
    Object.assign(meta, ctx.mcpReq.envelope);
    const caps = front.server.getClientCapabilities();
    const info = front.server.getClientVersion();
    if (caps) meta[CLIENT_CAPABILITIES_META_KEY] ??= caps;
    if (info) meta[CLIENT_INFO_META_KEY] ??= info;
    if (front.logLevel) meta[LOG_LEVEL_META_KEY] ??= front.logLevel;
  }
  const out: Record<string, unknown> = { ...params, _meta: meta };
  if (!Object.keys(meta).length) delete out._meta;
  // A 2026-07-28 client's call to a 2025 server: what the server asks mid-call becomes rounds
  // of input_required, which the hub holds and answers itself (translate.ts).
  const translating = front.era === "modern" && upstream.era === "legacy" &&
    ROUND_TRIP_METHODS.has(method);
  if (!translating) {
    // A retry after input_required: from a modern client the answers are in params already;
    // from a 2025 client the SDK gathered them through elicitation and hands them over here.
    if (ctx.mcpReq.inputResponses) out.inputResponses = ctx.mcpReq.inputResponses;
    const state = ctx.mcpReq.requestState();
    if (typeof state === "string") out.requestState = state;
  }
  // The answer goes out after the progress that came before it: a client drops late progress.
  let progressSent: Promise<unknown> = Promise.resolve();
  const onprogress = progressToken === undefined ? undefined : (p: object) => {
    progressSent = ctx.mcpReq.notify({
      method: "notifications/progress",
      params: { ...p, progressToken } as never,
    }).catch(() => {});
  };
  const send = (signal: AbortSignal, onprogress?: (p: object) => void) =>
    upstream.client.request({ method, params: out }, Unchecked, {
      signal,
      timeout: PROXY_TIMEOUT_MS,
      resetTimeoutOnProgress: true,
      allowInputRequired: true,
      onprogress,
    }) as Promise<Result>;
  // No forced collection while a call waits on its instance (collect.ts).
  workBegan();
  try {
    if (translating) return await translated(front, upstream, ctx, send, onprogress);
    const result = await send(ctx.mcpReq.signal, onprogress);
    await progressSent;
    // An input_required result stays whole: the SDK turns it into requests to a 2025 client.
    return front.era === "legacy" && !isInputRequiredResult(result)
      ? withoutModernMeta(result)
      : result;
  } catch (e) {
    if (e instanceof ProtocolError || ctx.mcpReq.signal.aborted) throw e;
    const message = `The buzz instance did not answer ${method}: ${(e as Error).message}. ` +
      "It may have stopped; call instances_list to check.";
    // A model reads tool results, not protocol errors: a lost instance is a tool failure.
    if (method === "tools/call") {
      return { content: [{ type: "text", text: message }], isError: true };
    }
    throw new ProtocolError(ProtocolErrorCode.InternalError, message);
  } finally {
    workEnded();
  }
}

/** One round of a 2026-07-28 client's call to a 2025 server (see translate.ts). */
async function translated(
  front: FrontInfo,
  upstream: Upstream,
  ctx: ServerContext,
  send: (signal: AbortSignal, onprogress?: (p: object) => void) => Promise<Result>,
  onprogress?: (p: object) => void,
): Promise<Result> {
  let call = heldCallOf(front.held, ctx.mcpReq.requestState());
  if (call) {
    call.resume(ctx.mcpReq.inputResponses);
  } else {
    const fresh = call = new HeldCall();
    fresh.result = send(fresh.abort.signal, (p) => fresh.onprogress?.(p));
    upstream.held.add(fresh);
    fresh.result.catch(() => {}).finally(() => upstream.held.delete(fresh));
  }
  // Cancelling the round in progress cancels the call.
  const cancel = () => call.abort.abort(ctx.mcpReq.signal.reason);
  ctx.mcpReq.signal.addEventListener("abort", cancel);
  call.onprogress = onprogress;
  try {
    const next = await call.next();
    if ("result" in next) return next.result;
    return call.park(front.held, () => upstream.held.delete(call));
  } finally {
    ctx.mcpReq.signal.removeEventListener("abort", cancel);
    call.onprogress = undefined;
  }
}

/**
 * A 2026-07-28 instance stamps results with its identity and cache hints; a
 * 2025 client, which the instance would have answered without them, never sees them.
 */
function withoutModernMeta(result: Result): Result {
  const { ttlMs: _t, cacheScope: _c, resultType: _r, ...out } = result as Record<string, unknown>;
  const meta = out._meta as Record<string, unknown> | undefined;
  if (meta && SERVER_INFO_META_KEY in meta) {
    const { [SERVER_INFO_META_KEY]: _s, ...rest } = meta;
    if (Object.keys(rest).length) out._meta = rest;
    else delete out._meta;
  }
  return out as Result;
}
