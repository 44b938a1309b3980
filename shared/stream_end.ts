// Learning when a long-lived HTTP response body ends (an SSE stream), by
// passing it through unchanged: the instance uses it to know when a 2025
// session's stream closes, the hub to notice an instance gone at once, and to
// hear a server's keep-alive comments as proof that it still runs.

/**
 * Bytes read at most at a time from a fetched body, into a buffer kept for that body: small,
 * because each open stream holds one while it waits (200 idle streams for a hub).
 */
const SCRATCH_BYTES = 16 * 1024;

/**
 * Returns the same response whose body calls onEnd once, when it ends, breaks or is cancelled,
 * and onChunk for every chunk that passes. When the body breaks, onEnd may return true to take
 * the failure over (its reader is about to be closed anyway): the error then goes no further,
 * and the body stays pending until cancelled. A hub that lost 200 instances at once spent 40-60
 * ms in a row on the SDK's own handling of 200 broken streams, which it was closing regardless.
 */
export function onBodyEnd(
  response: Response,
  onEnd: (error?: Error) => boolean | void,
  onChunk?: () => void,
): Response {
  if (!response.body) return response;
  const read = chunkReader(response.body);
  let ended = false;
  const end = (error?: Error) => {
    if (ended) return false;
    ended = true;
    return onEnd(error) === true;
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await read.next();
        if (!chunk) {
          controller.close();
          end();
        } else {
          onChunk?.();
          controller.enqueue(chunk);
        }
      } catch (e) {
        if (end(e as Error)) return new Promise<void>(() => {});
        controller.error(e);
      }
    },
    cancel(reason) {
      end();
      return read.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * Reads a body chunk by chunk. A fetched body (a byte stream) is read into one reused buffer
 * and each chunk copied out at its own size: read the default way, every read allocates and
 * zeroes a fresh 64 KB buffer, so that a hub holding 200 idle streams, each with a keep-alive
 * comment every 15 s, spent most of its idle time collecting those buffers.
 */
function chunkReader(body: ReadableStream<Uint8Array>) {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (a body built in JavaScript): its chunks are already what they are.
  }
  if (!byob) {
    const reader = body.getReader();
    return {
      next: async () => (await reader.read()).value,
      cancel: (reason: unknown) => reader.cancel(reason),
    };
  }
  const reader = byob;
  let scratch: ArrayBuffer = new ArrayBuffer(SCRATCH_BYTES);
  return {
    async next(): Promise<Uint8Array | undefined> {
      const { value, done } = await reader.read(new Uint8Array(scratch));
      if (done || !value) return undefined;
      scratch = value.buffer as ArrayBuffer;
      return value.slice();
    },
    cancel: (reason: unknown) => reader.cancel(reason),
  };
}
