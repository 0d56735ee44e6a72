import type { Pack, ToolCallResult, ToolContext, ToolDefinition } from '../pack.js';

/**
 * The built-in `diagnostics` pack: tools that prove a connection works end to end. `echo` checks
 * that calls and results flow; `count_slowly` streams progress notifications at a steady pace, so a
 * person can see whether a reverse proxy delivers events as they are sent or holds them back;
 * `whoami` shows which user and client the connection's token belongs to.
 */

const text = (value: string): ToolCallResult => ({ content: [{ type: 'text', text: value }] });

const MAX_ECHO_CHARS = 10_000;

const echo: ToolDefinition = {
  name: 'echo',
  title: 'Echo',
  description: 'Returns the message it is given. Use it to check that tool calls reach the server.',
  inputSchema: {
    type: 'object',
    properties: { message: { type: 'string', maxLength: MAX_ECHO_CHARS, description: 'Text to send back.' } },
    required: ['message'],
    additionalProperties: false,
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async (args) => text(String(args['message'])),
};

const MAX_STEPS = 60;
const MAX_INTERVAL_MS = 10_000;

/** Waits `ms`, or rejects as soon as the call is cancelled. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('cancelled'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function countSlowly(args: Readonly<Record<string, unknown>>, context: ToolContext): Promise<ToolCallResult> {
  const steps = Number(args['steps'] ?? 5);
  const intervalMs = Number(args['interval_ms'] ?? 1000);
  // Each step reports, then takes `interval_ms`: the result never directly follows the last progress
  // notification, which the official SDK clients drop when it arrives in the same read as the result.
  for (let step = 1; step <= steps; step += 1) {
    await context.reportProgress(step, steps, `step ${step} of ${steps}`);
    await pause(intervalMs, context.signal);
  }
  return text(`counted to ${steps}`);
}

const countSlowlyTool: ToolDefinition = {
  name: 'count_slowly',
  title: 'Count slowly',
  description:
    'Counts from 1 to `steps`, sending a progress notification at each step `interval_ms` apart. ' +
    'Use it to check that progress reaches the client as it happens (for example through a reverse proxy).',
  inputSchema: {
    type: 'object',
    properties: {
      steps: { type: 'integer', minimum: 1, maximum: MAX_STEPS, default: 5 },
      interval_ms: { type: 'integer', minimum: 0, maximum: MAX_INTERVAL_MS, default: 1000 },
    },
    additionalProperties: false,
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: countSlowly,
};

const whoami: ToolDefinition = {
  name: 'whoami',
  title: 'Who am I',
  description: 'Tells who this connection is signed in as: the user, the client application, and the granted scopes.',
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  outputSchema: {
    type: 'object',
    properties: {
      subject: { type: 'string' },
      client_id: { type: 'string' },
      scopes: { type: 'array', items: { type: 'string' } },
    },
    required: ['subject', 'scopes'],
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async (_args, context) => {
    const { subject, clientId, scopes } = context.principal;
    const identity = { subject, ...(clientId === undefined ? {} : { client_id: clientId }), scopes: [...scopes] };
    return { content: [{ type: 'text', text: JSON.stringify(identity) }], structuredContent: identity };
  },
};

export const diagnosticsPack: Pack = {
  name: 'diagnostics',
  tools: [echo, countSlowlyTool, whoami],
};
