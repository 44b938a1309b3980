// A 2025 server asks its client things (elicitation, sampling, roots) with
// requests of its own in the middle of a call; a 2026-07-28 client expects an
// input_required result instead, and retries the call with its answers. The
// hub translates: it holds the server's request, answers the client's call with
// input_required, and on the retry answers the server's request and goes on
// waiting for the call's real result.

import { ProtocolError, ProtocolErrorCode, type Result } from "../shared/sdk_server.ts";

/** The requestState prefix of a call the hub holds, beside any state a server sets itself. */
const STATE_PREFIX = "buzz-hub/held:";
/** How long a held call waits for the client's retry before it is given up. */
const HOLD_MS = 10 * 60_000;
/** The methods whose results may be input_required (2026-07-28). */
export const ROUND_TRIP_METHODS = new Set(["tools/call", "prompts/get", "resources/read"]);

interface Ask {
  method: string;
  params: unknown;
  answer(result: unknown): void;
  fail(error: Error): void;
}

/** One call of a 2026-07-28 client to a 2025 server, across the client's rounds. */
export class HeldCall {
  readonly abort = new AbortController();
  /** What the server asked and the client has not answered yet. */
  #asks: Ask[] = [];
  #wake?: () => void;
  #timer?: ReturnType<typeof setTimeout>;
  result!: Promise<Result>;
  /** Where progress of the current round goes. */
  onprogress?: (p: object) => void;

  /** Called by the upstream connection when the server asks something during this call. */
  ask(method: string, params: unknown, signal: AbortSignal): Promise<unknown> {
    return new Promise((answer, fail) => {
      const ask = { method, params, answer, fail };
      this.#asks.push(ask);
      signal.addEventListener("abort", () => fail(signal.reason), { once: true });
      this.#wake?.();
    });
  }

  /** The call's result, or what the server asked first, whichever comes first. */
  async next(): Promise<{ result: Result } | { asks: Ask[] }> {
    const asked = new Promise<void>((r) => this.#asks.length ? r() : this.#wake = r);
    const outcome = await Promise.race([
      this.result.then((result) => ({ result })),
      asked.then(() => ({ asks: this.#asks })),
    ]);
    this.#wake = undefined;
    return outcome;
  }

  /** Parks the call until the client retries; returns the input_required result that says so. */
  park(held: Map<string, HeldCall>, onGiveUp: () => void): Result {
    const id = `${STATE_PREFIX}${crypto.randomUUID()}`;
    held.set(id, this);
    this.#timer = setTimeout(() => {
      held.delete(id);
      this.#failAll(`the client did not answer within ${HOLD_MS / 60_000} minutes`);
      this.abort.abort();
      onGiveUp();
    }, HOLD_MS);
    const inputRequests = Object.fromEntries(
      this.#asks.map((a, i) => [`ask${i}`, { method: a.method, params: a.params }]),
    );
    return { resultType: "input_required", inputRequests, requestState: id } as Result;
  }

  /** Answers the held requests with the client's inputResponses. */
  resume(responses: Record<string, unknown> | undefined): void {
    clearTimeout(this.#timer);
    const asks = this.#asks;
    this.#asks = [];
    asks.forEach((a, i) => {
      const r = responses?.[`ask${i}`];
      if (r === undefined) {
        a.fail(new Error(`the client retried without an answer to ${a.method}`));
      } else a.answer(r);
    });
  }

  #failAll(why: string): void {
    for (const a of this.#asks) a.fail(new Error(why));
    this.#asks = [];
  }
}

/** The held call a retry names, or undefined for a state that is not the hub's. */
export function heldCallOf(held: Map<string, HeldCall>, state: unknown): HeldCall | undefined {
  if (typeof state !== "string" || !state.startsWith(STATE_PREFIX)) return undefined;
  const call = held.get(state);
  if (!call) {
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      "The hub no longer holds the call this requestState names (it was given up after " +
        `${HOLD_MS / 60_000} minutes, or its server went away). Make the call again.`,
    );
  }
  held.delete(state);
  return call;
}

/**
 * What a 2025 server asked outside any call the hub can tie it to: a 2026-07-28 client can be
 * asked only in answer to one of its requests.
 */
export function untranslatable(method: string, callsInFlight: number): Error {
  const why = callsInFlight === 0
    ? "it came outside any call, and a 2026-07-28 client can be asked only in answer to a request"
    : `${callsInFlight} calls of its client were in progress and the hub cannot tell which asked`;
  return new ProtocolError(
    ProtocolErrorCode.InvalidRequest,
    `The buzz hub could not pass ${method} to its client (MCP 2026-07-28): ${why}.`,
  );
}
