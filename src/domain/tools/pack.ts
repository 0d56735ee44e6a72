/**
 * Packs: how tools, resources and prompts plug into Keyway without touching the MCP SDK.
 *
 * A pack is a plain module that exports a {@link Pack} (default export or `pack`). Everything in it
 * is wire-shaped JSON (MCP content blocks, JSON Schema 2020-12 input schemas) plus handlers that
 * receive a {@link ToolContext}; the MCP adapter turns packs into SDK registrations, so a pack never
 * imports the SDK, zod or any Keyway adapter and keeps working across SDK upgrades.
 *
 * @see MCP 2025-11-25 server/tools, server/resources, server/prompts
 */
import type { Principal } from '../principal.js';

/** A JSON Schema (2020-12) object schema, as it appears on the wire in `tools/list`. */
export type JsonSchemaObject = Readonly<{ type: 'object' } & Record<string, unknown>>;

/** An MCP content block (`text`, `image`, `audio`, `resource`, `resource_link`), wire-shaped. */
export type ContentBlock = Readonly<{ type: string } & Record<string, unknown>>;

/** The ordinary result of a tool call. */
export interface ToolCallResult {
  readonly content: readonly ContentBlock[];
  readonly structuredContent?: Readonly<Record<string, unknown>>;
  /** A tool error the model can read and act on (not a protocol error). */
  readonly isError?: boolean;
}

/**
 * A server-to-client request a 2026-07-28 tool asks the client to answer before it can finish
 * (multi-round-trip "input required"): `elicitation/create`, `sampling/createMessage`, `roots/list`.
 */
export interface InputRequest {
  readonly method: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/**
 * Returned instead of a result when a 2026-07-28 call needs input from the client. The client
 * answers every request and calls again with `inputResponses`; `requestState` comes back
 * integrity-checked (the adapter seals and verifies it), so a handler may trust it.
 */
export interface InputRequiredResult {
  readonly inputRequired: {
    readonly inputRequests: Readonly<Record<string, InputRequest>>;
    /** JSON-serialisable. Signed, not encrypted: the client can read it, so never put a secret in it. */
    readonly requestState?: unknown;
  };
}

export type ToolOutcome = ToolCallResult | InputRequiredResult;

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency';

/**
 * A change listening clients should hear about: one of the lists (`notifications/tools/list_changed`,
 * `…/prompts/list_changed`, `…/resources/list_changed`) or one resource's contents
 * (`notifications/resources/updated`, delivered only to clients subscribed to that URI).
 * @see MCP 2025-11-25 server/tools "List Changed Notification", server/resources "Subscriptions"
 * @see MCP 2026-07-28 `subscriptions/listen`
 */
export type ServerChange =
  | { readonly kind: 'tools' | 'prompts' | 'resources' }
  | { readonly kind: 'resource'; readonly uri: string };

/** What a handler may do while it runs. Every message goes out on the call's own stream. */
export interface ToolContext {
  /** Who is calling (the anonymous principal until authentication is configured). */
  readonly principal: Principal;
  /** Aborted when the client cancels or (2026-07-28) drops the stream. */
  readonly signal: AbortSignal;
  /** `modern` for 2026-07-28 requests, `legacy` for 2024-11-05 and 2025 eras. */
  readonly era: 'legacy' | 'modern';
  /** The MCP session id, when the call arrived on a session. */
  readonly sessionId?: string;
  /** The capabilities the client declared (initialize, or the 2026-07-28 `_meta` envelope). */
  readonly clientCapabilities?: Readonly<Record<string, unknown>>;
  /** Answers to this call's earlier `inputRequired` (2026-07-28), keyed as the handler asked. */
  readonly inputResponses?: Readonly<Record<string, unknown>>;
  /** The state this call's previous round returned, verified; `undefined` on the first round. */
  readonly requestState?: unknown;
  /** Reports progress when the client asked for it (a progress token); otherwise does nothing. */
  reportProgress(progress: number, total?: number, message?: string): Promise<void>;
  /** Sends a log message notification tied to this call (respecting the client's level). */
  log(level: LogLevel, data: unknown, logger?: string): Promise<void>;
  /** Sends any notification tied to this call. */
  notify(method: string, params?: Readonly<Record<string, unknown>>): Promise<void>;
  /**
   * Sends a server-to-client request tied to this call (2025 eras and legacy SSE only; in
   * 2026-07-28 return {@link InputRequiredResult} instead) and resolves with the client's result.
   */
  request(method: string, params?: Readonly<Record<string, unknown>>): Promise<Readonly<Record<string, unknown>>>;
  /**
   * Closes the call's SSE stream so the client reconnects and resumes from its last event id
   * (2025-11-25 polling). Absent when the transport cannot resume.
   */
  readonly closeStream?: () => void;
  /**
   * Tells every listening client that a list or a resource changed: open 2026-07-28
   * `subscriptions/listen` streams and the standalone streams of 2025 sessions. Absent when the
   * server cannot deliver change notifications.
   */
  readonly announce?: (change: ServerChange) => void;
}

export interface ToolAnnotations {
  readonly title?: string;
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

export interface ToolDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly inputSchema: JsonSchemaObject;
  readonly outputSchema?: JsonSchemaObject;
  readonly annotations?: ToolAnnotations;
  /** Arguments arrive validated against `inputSchema`. */
  handler(args: Readonly<Record<string, unknown>>, context: ToolContext): Promise<ToolOutcome>;
}

/** The contents of a resource read: text or base64 blob. */
export type ResourceContents = Readonly<{ uri: string; mimeType?: string } & ({ text: string } | { blob: string })>;

export interface ResourceReadContext {
  readonly principal: Principal;
  readonly signal: AbortSignal;
}

export interface ResourceDefinition {
  readonly name: string;
  readonly uri: string;
  readonly title?: string;
  readonly description?: string;
  readonly mimeType?: string;
  /**
   * Clients may subscribe to this resource (`resources/subscribe`, 2025 eras); tell them about
   * new contents with `announce({ kind: 'resource', uri })`.
   */
  readonly subscribable?: boolean;
  /** An empty array means the resource does not exist; clients get a not-found error (SEP-2164). */
  read(uri: string, context: ResourceReadContext): Promise<readonly ResourceContents[]>;
}

export interface ResourceTemplateDefinition {
  readonly name: string;
  /** RFC 6570 level 1 template, e.g. `test://template/{id}/data`. */
  readonly uriTemplate: string;
  readonly title?: string;
  readonly description?: string;
  readonly mimeType?: string;
  /** Completion values for a template variable, when offered. */
  complete?(variable: string, value: string): Promise<readonly string[]>;
  /** An empty array means no resource exists at `uri`; clients get a not-found error (SEP-2164). */
  read(uri: string, variables: Readonly<Record<string, string>>, context: ResourceReadContext): Promise<readonly ResourceContents[]>;
}

export interface PromptArgument {
  readonly name: string;
  readonly description?: string;
  readonly required?: boolean;
}

export interface PromptMessage {
  readonly role: 'user' | 'assistant';
  readonly content: ContentBlock;
}

export interface PromptResult {
  readonly description?: string;
  readonly messages: readonly PromptMessage[];
}

export interface PromptDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly arguments?: readonly PromptArgument[];
  /** Completion values for an argument, when offered. */
  complete?(argument: string, value: string): Promise<readonly string[]>;
  get(args: Readonly<Record<string, string>>, context: ToolContext): Promise<PromptResult | InputRequiredResult>;
}

/** A named set of tools, resources and prompts. */
export interface Pack {
  readonly name: string;
  readonly tools?: readonly ToolDefinition[];
  readonly resources?: readonly ResourceDefinition[];
  readonly resourceTemplates?: readonly ResourceTemplateDefinition[];
  readonly prompts?: readonly PromptDefinition[];
}

/** True when a handler asked for client input instead of finishing. */
export function isInputRequired(outcome: ToolOutcome | PromptResult | InputRequiredResult): outcome is InputRequiredResult {
  return 'inputRequired' in outcome;
}
