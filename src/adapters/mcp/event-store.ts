import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

/**
 * Events of one Streamable HTTP session, kept so a client that reconnects with `Last-Event-ID`
 * gets what it missed (2025-11-25 resumability and SSE polling). One store per session, so an event
 * id from another session finds nothing. Bounded by count, bytes and age: a client that never
 * comes back cannot grow memory (SECURITY.md J3, J4).
 * @see MCP 2025-11-25 basic/transports "Resumability and Redelivery"
 */
export interface EventStoreLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
}

interface StoredEvent {
  readonly id: EventId;
  readonly streamId: StreamId;
  readonly sequence: number;
  readonly message: JSONRPCMessage;
  readonly bytes: number;
  readonly at: number;
}

const EVENT_ID = /^(.+)\.(\d{1,15})$/;

export function createBoundedEventStore(limits: EventStoreLimits, now: () => number = Date.now): EventStore {
  const events: StoredEvent[] = [];
  let bytes = 0;
  let sequence = 0;

  const evict = (): void => {
    const oldest = now() - limits.maxAgeMs;
    while (events.length > 0 && (events.length > limits.maxEvents || bytes > limits.maxBytes || (events[0]?.at ?? 0) < oldest)) {
      bytes -= events.shift()?.bytes ?? 0;
    }
  };

  const parse = (eventId: EventId): { streamId: StreamId; sequence: number } => {
    const match = EVENT_ID.exec(eventId);
    if (match === null) throw new Error('malformed Last-Event-ID');
    return { streamId: match[1] as string, sequence: Number(match[2]) };
  };

  return {
    async storeEvent(streamId, message) {
      sequence += 1;
      const id = `${streamId}.${sequence}`;
      const size = JSON.stringify(message).length;
      events.push({ id, streamId, sequence, message, bytes: size, at: now() });
      bytes += size;
      evict();
      return id;
    },
    async getStreamIdForEventId(eventId) {
      const match = EVENT_ID.exec(eventId);
      return match === null ? undefined : match[1];
    },
    async replayEventsAfter(lastEventId, { send }) {
      const last = parse(lastEventId);
      if (last.sequence > sequence) throw new Error('unknown Last-Event-ID');
      evict();
      for (const event of events) {
        if (event.streamId === last.streamId && event.sequence > last.sequence) await send(event.id, event.message);
      }
      return last.streamId;
    },
  };
}
