/**
 * A raw legacy (2024-11-05) SSE stream opened with a bearer token, read event by event. The SDK
 * clients' EventSource reconnects by itself when the server ends a stream, which hides exactly
 * what a revocation test must see: that the server closed it.
 */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

export interface LegacyStream {
  /** The `/messages?sessionId=…` URL from the `endpoint` event. */
  readonly messagesUrl: URL;
  /** The next event, or `undefined` once the server has ended the stream. Comments are skipped. */
  next(): Promise<SseEvent | undefined>;
  /** Resolves when the server ends the stream (events before the end are discarded). */
  ended(): Promise<void>;
  cancel(): Promise<void>;
}

function parseEvent(block: string): SseEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return data.length === 0 ? undefined : { event, data: data.join('\n') };
}

/** Opens `GET <origin><path>` as an SSE stream with `token`; resolves after the `endpoint` event. */
export async function openLegacyStream(origin: string, token: string, path = '/sse'): Promise<LegacyStream> {
  const response = await fetch(new URL(path, origin), { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  if (response.status !== 200 || response.body === null) throw new Error(`the stream answered ${response.status}: ${await response.text()}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const next = async (): Promise<SseEvent | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end !== -1) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event !== undefined) return event;
        continue;
      }
      const chunk = await reader.read();
      if (chunk.done) return undefined;
      buffer += chunk.value.replaceAll('\r\n', '\n');
    }
  };
  const first = await next();
  if (first?.event !== 'endpoint') throw new Error(`expected the endpoint event first, got ${JSON.stringify(first)}`);
  return {
    messagesUrl: new URL(first.data, origin),
    next,
    async ended() {
      while ((await next()) !== undefined);
    },
    cancel: () => reader.cancel(),
  };
}
