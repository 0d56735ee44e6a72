import {
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  type CallToolResult,
  type CompleteResult,
  type GetPromptResult,
  type InputRequiredResult,
  type McpServer,
  type ReadResourceResult,
  type ServerContext,
  type Variables,
} from '@modelcontextprotocol/server';
import type { Logger } from '../../domain/ports/logger.js';
import { isInputRequired, type ResourceContents } from '../../domain/tools/pack.js';
import { handoverFor } from './auth-info.js';
import type { CompiledPrompt, CompiledResource, CompiledTemplate, CompiledTool, PackCatalog } from './pack-catalog.js';
import { readContext, toolContext, type ServingUnit } from './pack-context.js';
import { failedRead, failedTool, toCallToolResult, toGetPromptResult, type StateSeal } from './pack-outcomes.js';

/** What registration needs besides the catalog: built once per factory, shared by every server. */
export interface RegistrationDeps {
  readonly catalog: PackCatalog;
  readonly seal: StateSeal;
  readonly logger: Logger;
}

function registerTool(server: McpServer, tool: CompiledTool, unit: ServingUnit, deps: RegistrationDeps): void {
  const { definition } = tool;
  const handler = async (args: Record<string, unknown>, ctx: ServerContext): Promise<CallToolResult | InputRequiredResult> => {
    const state = deps.seal.open(definition.name, ctx);
    const handover = handoverFor(ctx.http?.authInfo, definition.name);
    try {
      const context = toolContext(ctx, unit, state);
      const outcome = handover === undefined ? await definition.handler(args, context) : await handover.resume(context);
      if (isInputRequired(outcome)) return await deps.seal.toInputRequired(outcome, definition.name, ctx);
      return toCallToolResult(outcome);
    } catch (error) {
      return failedTool(deps.logger, tool.pack, definition.name, error);
    }
  };
  server.registerTool(definition.name, tool.config, handler);
}

/**
 * Reading a URI nothing answers for is an error, never empty contents.
 * @see SEP-2164 (MUST NOT return an empty `contents` array; SHOULD answer -32602 with the URI)
 */
function readResult(uri: string, contents: readonly ResourceContents[]): ReadResourceResult {
  if (contents.length === 0) throw new ResourceNotFoundError(uri);
  return { contents: contents.map((item) => ({ ...item })) };
}

function registerResource(server: McpServer, resource: CompiledResource, deps: RegistrationDeps): void {
  const { definition } = resource;
  server.registerResource(definition.name, resource.uri, resource.metadata, async (uri, ctx) => {
    let contents: readonly ResourceContents[];
    try {
      contents = await definition.read(uri.href, readContext(ctx));
    } catch (error) {
      throw failedRead(deps.logger, 'mcp.resource_failed', { pack: resource.pack, uri: uri.href }, error);
    }
    return readResult(uri.href, contents);
  });
}

/** RFC 6570 explode variables come back as arrays; packs see level-1 strings. */
function flatten(variables: Variables): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]));
}

function registerTemplate(server: McpServer, template: CompiledTemplate, deps: RegistrationDeps): void {
  const { definition } = template;
  server.registerResource(definition.name, template.template, template.metadata, async (uri, variables, ctx) => {
    let contents: readonly ResourceContents[];
    try {
      contents = await definition.read(uri.href, flatten(variables), readContext(ctx));
    } catch (error) {
      throw failedRead(deps.logger, 'mcp.resource_failed', { pack: template.pack, uri: uri.href }, error);
    }
    return readResult(uri.href, contents);
  });
}

function registerPrompt(server: McpServer, prompt: CompiledPrompt, unit: ServingUnit, deps: RegistrationDeps): void {
  const { definition } = prompt;
  const render = async (args: Readonly<Record<string, string>>, ctx: ServerContext): Promise<GetPromptResult | InputRequiredResult> => {
    const state = deps.seal.open(definition.name, ctx);
    let outcome: Awaited<ReturnType<typeof definition.get>>;
    try {
      outcome = await definition.get(args, toolContext(ctx, unit, state));
    } catch (error) {
      throw failedRead(deps.logger, 'mcp.prompt_failed', { pack: prompt.pack, prompt: definition.name }, error);
    }
    if (isInputRequired(outcome)) return deps.seal.toInputRequired(outcome, definition.name, ctx);
    return toGetPromptResult(outcome);
  };
  const { argsSchema, ...config } = prompt.config;
  if (argsSchema === undefined) server.registerPrompt(definition.name, config, (ctx: ServerContext) => render({}, ctx));
  else server.registerPrompt(definition.name, prompt.config, (args: Record<string, string>, ctx: ServerContext) => render(args, ctx));
}

/** At most 100 values per answer. @see MCP 2025-11-25 server/utilities/completion */
function completion(values: readonly string[]): CompleteResult {
  return { completion: { values: values.slice(0, 100), total: values.length, hasMore: values.length > 100 } };
}

type Completer = ((name: string, value: string) => Promise<readonly string[]>) | undefined;

/** Runs a pack's completion hook; one that throws is logged and answered as an internal error. */
async function complete(deps: RegistrationDeps, pack: string, hook: Completer, argument: { name: string; value: string }): Promise<CompleteResult> {
  if (hook === undefined) return completion([]);
  try {
    return completion(await hook(argument.name, argument.value));
  } catch (error) {
    throw failedRead(deps.logger, 'mcp.completion_failed', { pack, argument: argument.name }, error);
  }
}

/**
 * `completion/complete` from the packs' `complete` hooks. A prompt or template without a hook
 * completes to nothing; an unknown reference is invalid params.
 */
function serveCompletion(server: McpServer, deps: RegistrationDeps): void {
  const { catalog } = deps;
  server.server.setRequestHandler('completion/complete', async (request) => {
    const { ref, argument } = request.params;
    if (ref.type === 'ref/prompt') {
      const prompt = catalog.prompts.find((p) => p.definition.name === ref.name);
      if (prompt === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${ref.name} not found`);
      return complete(deps, prompt.pack, prompt.definition.complete?.bind(prompt.definition), argument);
    }
    const template = catalog.templates.find((t) => t.definition.uriTemplate === ref.uri);
    if (template !== undefined) return complete(deps, template.pack, template.definition.complete?.bind(template.definition), argument);
    if (catalog.resources.some((r) => r.uri === ref.uri || r.definition.uri === ref.uri)) return completion([]);
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource template ${ref.uri} not found`);
  });
}

/** Registers every tool, resource, template and prompt of the catalog on a fresh server. */
export function registerPacks(server: McpServer, unit: ServingUnit, deps: RegistrationDeps): void {
  const { catalog } = deps;
  for (const tool of catalog.tools) registerTool(server, tool, unit, deps);
  for (const resource of catalog.resources) registerResource(server, resource, deps);
  for (const template of catalog.templates) registerTemplate(server, template, deps);
  for (const prompt of catalog.prompts) registerPrompt(server, prompt, unit, deps);
  if (catalog.capabilities.completions !== undefined) serveCompletion(server, deps);
}
