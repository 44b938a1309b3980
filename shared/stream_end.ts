// Learning when a long-lived HTTP response body ends (an SSE stream), by
// passing it through unchanged: the instance uses it to know when a 2025
// session's stream closes, the hub to notice an instance gone at once.

/** Returns the same response whose body calls onEnd once, when it ends, breaks or is cancelled. */
export function onBodyEnd(response: Response, onEnd: (error?: Error) => void): Response {
  if (!response.body) return response;
  const reader = response.body.getReader();
  let ended = false;
  const end = (error?: Error) => {
    if (ended) return;
    ended = true;
    onEnd(error);
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          controller.close();
          end();
        } else controller.enqueue(value);
      } catch (e) {
        controller.error(e);
        end(e as Error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
