import type { IncomingHttpHeaders } from 'node:http';
import { PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';

/**
 * What real clients send, made acceptable before the SDK sees it (CLIENTS.md §1.8, §1.9).
 */

/** The 2026-07-28 protocol revisions Keyway serves statelessly. */
export const MODERN_VERSIONS: readonly string[] = ['2026-07-28'];

const SPEC_ACCEPT = 'application/json, text/event-stream';

/**
 * Normalises `Accept` for a POST. Claude.ai sends `*\/*` on some probes and Claude Code sometimes
 * none, and the SDK answers both with 406; an Accept that names neither JSON nor SSE (or a
 * wildcard covering them) is refused with `undefined` → 406.
 */
export function normaliseAccept(accept: string | undefined): string | undefined {
  if (accept === SPEC_ACCEPT || accept === undefined || accept.trim() === '') return SPEC_ACCEPT;
  const types = accept.split(',').map((part) => part.split(';', 1)[0]?.trim().toLowerCase() ?? '');
  const covers = types.some((type) =>
    ['*/*', 'application/*', 'text/*', 'application/json', 'text/event-stream'].includes(type),
  );
  return covers ? SPEC_ACCEPT : undefined;
}

/** The protocol version a single JSON-RPC message claims in its `_meta` envelope, if any. */
export function metaVersionOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const params = (body as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return undefined;
  const meta = (params as { _meta?: unknown })._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const version = (meta as Record<string, unknown>)[PROTOCOL_VERSION_META_KEY];
  return typeof version === 'string' ? version : undefined;
}

export interface VersionDecision {
  /** The header value to hand the SDK, when it must change. */
  readonly header?: string;
  /** Set when the header and `_meta` disagreed and `_meta` won (logged at warn). */
  readonly mismatch?: { readonly header: string; readonly meta: string };
}

/**
 * Claude has sent `MCP-Protocol-Version: 2025-11-25` on requests whose `_meta` says 2026-07-28
 * (anthropics/claude-code#93290). The spec says 400; Keyway serves such a request per `_meta`
 * (SECURITY.md Decision 5). A `_meta` version Keyway does not serve is left to the SDK's
 * unsupported-version error, which names the supported ones.
 */
export function reconcileVersion(headers: IncomingHttpHeaders, body: unknown): VersionDecision {
  const meta = metaVersionOf(body);
  const header = headers['mcp-protocol-version'];
  if (meta === undefined || !MODERN_VERSIONS.includes(meta)) return {};
  if (typeof header !== 'string' || header === meta) return {};
  return { header: meta, mismatch: { header, meta } };
}

/** True when every message in the body is a JSON-RPC notification (or response): nothing to answer. */
export function onlyNotifications(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return (
    messages.length > 0 &&
    messages.every((message) => typeof message === 'object' && message !== null && !('method' in message && 'id' in message))
  );
}
