import {
  isJSONRPCRequest,
  isJSONRPCResponse,
  WebStandardStreamableHTTPServerTransport,
  type JSONRPCMessage,
  type McpServerFactory,
  type Transport,
} from '@modelcontextprotocol/server';
import type { Logger } from '../../domain/ports/logger.js';
import type { Random } from '../../domain/ports/random.js';
import { principalOf } from '../http/principal.js';
import type { HttpContext } from '../http/types.js';
import { toAuthInfo } from './auth-info.js';
import { writeWebResponse } from './fetch-bridge.js';
import type { ParsedPost } from './streamable-endpoint.js';

/**
 * Stateless serving of the 2025 eras, with one thing the SDK's stateless fallback cannot do:
 * deliver the client's answer to a server-to-client request (elicitation, sampling, roots) made
 * during a tool call. Each POST gets a fresh server instance; its outgoing requests go out on the
 * call's own SSE stream with ids rewritten to unguessable ones, and a later POST carrying only
 * JSON-RPC responses is routed back to the instance still waiting — only for the principal that
 * made the call. (With several instances behind a load balancer the answer may land elsewhere;
 * sessions mode or 2026-07-28's input-required results avoid that.)
 * @see MCP 2025-11-25 basic/transports "Sending Messages to the Server" (responses → 202)
 */
export interface StatelessLegacyOptions {
  readonly factory: McpServerFactory;
  readonly random: Random;
  readonly heartbeatMs: number;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
}

export interface StatelessLegacy {
  post(ctx: HttpContext, parsed: ParsedPost): Promise<void>;
  /** Requests still waiting for a client answer (for tests and diagnostics). */
  pending(): number;
}

interface Pending {
  readonly originalId: string | number;
  readonly owner: string;
  readonly transport: Transport;
}

function responsesOnly(body: unknown): JSONRPCMessage[] | undefined {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  if (messages.length === 0 || !messages.every((message) => isJSONRPCResponse(message))) return undefined;
  return messages;
}

export function createStatelessLegacy(options: StatelessLegacyOptions): StatelessLegacy {
  const waiting = new Map<string, Pending>();

  /** Rewrites the ids of outgoing requests so answers can be routed back to this instance. */
  const tagOutgoing = (transport: Transport, owner: string, mine: Set<string>): void => {
    const send = transport.send.bind(transport);
    transport.send = (message, sendOptions) => {
      if (!isJSONRPCRequest(message)) return send(message, sendOptions);
      const routed = `kw-${options.random.token(18)}`;
      waiting.set(routed, { originalId: message.id, owner, transport });
      mine.add(routed);
      return send({ ...message, id: routed }, sendOptions);
    };
  };

  const deliver = (ctx: HttpContext, responses: JSONRPCMessage[]): void => {
    const owner = principalOf(ctx).subject;
    for (const response of responses) {
      const id = 'id' in response ? String(response.id) : '';
      const target = waiting.get(id);
      if (target === undefined || target.owner !== owner) {
        ctx.logger.debug('mcp.response_unmatched', { id: id.slice(0, 8) });
        continue;
      }
      waiting.delete(id);
      target.transport.onmessage?.({ ...response, id: target.originalId });
    }
    ctx.res.writeHead(202).end();
  };

  const serve = async (ctx: HttpContext, parsed: ParsedPost): Promise<void> => {
    const principal = principalOf(ctx);
    const authInfo = toAuthInfo(principal, parsed.handover);
    const server = await options.factory({ era: 'legacy', authInfo, requestInfo: parsed.request });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      keepAliveMs: options.heartbeatMs,
      maxRequestBodySize: options.maxBodyBytes,
    });
    const mine = new Set<string>();
    await server.connect(transport);
    tagOutgoing(transport, principal.subject, mine);
    try {
      const response = await transport.handleRequest(parsed.request, { authInfo, parsedBody: parsed.body });
      await writeWebResponse(ctx.res, response);
    } finally {
      for (const id of mine) waiting.delete(id);
      await transport.close().catch(() => undefined);
      await server.close().catch(() => undefined);
    }
  };

  return {
    async post(ctx, parsed) {
      const responses = responsesOnly(parsed.body);
      if (responses !== undefined) deliver(ctx, responses);
      else await serve(ctx, parsed);
    },
    pending: () => waiting.size,
  };
}
