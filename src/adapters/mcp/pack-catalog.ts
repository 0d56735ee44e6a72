import { fromJsonSchema, ResourceTemplate, type ServerCapabilities, type StandardSchemaWithJSON, type ToolAnnotations } from '@modelcontextprotocol/server';
import type { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { DomainError } from '../../domain/errors.js';
import type {
  JsonSchemaObject,
  Pack,
  PromptDefinition,
  ResourceDefinition,
  ResourceTemplateDefinition,
  ToolDefinition,
} from '../../domain/tools/pack.js';

/**
 * Everything about a set of packs that does not change between requests, computed once per
 * factory: compiled JSON-Schema validators, URI templates, prompt argument schemas, capabilities.
 * Building these per request is a known cost centre (DESIGN.md "Cost centres"), and resolving name
 * clashes here makes a bad pack set fail at start-up rather than on the first request.
 */
/** What `McpServer.registerTool` takes as its config, built once and shared by every server. */
export interface ToolConfig {
  readonly title?: string;
  readonly description: string;
  readonly inputSchema: StandardSchemaWithJSON<Record<string, unknown>>;
  readonly outputSchema?: StandardSchemaWithJSON<Record<string, unknown>>;
  readonly annotations?: ToolAnnotations;
}

export interface CompiledTool {
  readonly pack: string;
  readonly definition: ToolDefinition;
  readonly config: ToolConfig;
}

/** The listing metadata of a resource or template (`title`, `description`, `mimeType`). */
export type ResourceMetadata = Readonly<Record<string, string>>;

export interface CompiledResource {
  readonly pack: string;
  readonly definition: ResourceDefinition;
  /** The URI as the SDK looks it up (`new URL(uri).href`). */
  readonly uri: string;
  readonly metadata: ResourceMetadata;
}

export interface CompiledTemplate {
  readonly pack: string;
  readonly definition: ResourceTemplateDefinition;
  readonly template: ResourceTemplate;
  readonly metadata: ResourceMetadata;
}

export interface PromptConfig {
  readonly title?: string;
  readonly description?: string;
  /** Absent when the prompt takes no arguments (the SDK then calls it with the context only). */
  readonly argsSchema?: StandardSchemaWithJSON<Record<string, string>>;
}

export interface CompiledPrompt {
  readonly pack: string;
  readonly definition: PromptDefinition;
  readonly config: PromptConfig;
}

export interface PackCatalog {
  readonly tools: readonly CompiledTool[];
  readonly resources: readonly CompiledResource[];
  readonly templates: readonly CompiledTemplate[];
  readonly prompts: readonly CompiledPrompt[];
  readonly capabilities: ServerCapabilities;
  /** True when the static resource at `uri` (normalised as {@link CompiledResource.uri}) takes `resources/subscribe`. */
  isSubscribable(uri: string): boolean;
}

type Kind = 'tool' | 'resource' | 'resource template' | 'prompt';

/** Records who defined each name and refuses a second definition, naming both packs. */
function createNameRegistry(): (kind: Kind, name: string, pack: string) => void {
  const owners = new Map<string, string>();
  return (kind, name, pack) => {
    const key = `${kind}\0${name}`;
    const owner = owners.get(key);
    if (owner === undefined) {
      owners.set(key, pack);
      return;
    }
    const where = owner === pack ? `pack "${pack}" defines it twice` : `packs "${owner}" and "${pack}" both define it`;
    throw new DomainError('pack_invalid', `duplicate ${kind} "${name}": ${where}`);
  };
}

function compileSchema<T = Record<string, unknown>>(schema: JsonSchemaObject, validator: AjvJsonSchemaValidator, where: string): StandardSchemaWithJSON<T> {
  try {
    return fromJsonSchema<T>(schema, validator);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DomainError('pack_invalid', `${where}: the JSON Schema does not compile (${reason})`);
  }
}

function compileTool(pack: string, tool: ToolDefinition, validator: AjvJsonSchemaValidator): CompiledTool {
  const where = `pack "${pack}", tool "${tool.name}"`;
  const config: ToolConfig = {
    ...(tool.title === undefined ? {} : { title: tool.title }),
    description: tool.description,
    inputSchema: compileSchema(tool.inputSchema, validator, `${where}, inputSchema`),
    ...(tool.outputSchema === undefined ? {} : { outputSchema: compileSchema(tool.outputSchema, validator, `${where}, outputSchema`) }),
    ...(tool.annotations === undefined ? {} : { annotations: { ...tool.annotations } }),
  };
  return { pack, definition: tool, config };
}

/**
 * Prompt arguments are strings on the wire; the SDK lists them from (and validates `prompts/get`
 * against) an object schema, so the argument list becomes one.
 * @see MCP 2025-11-25 server/prompts "Getting a Prompt"
 */
function argumentsSchema(prompt: PromptDefinition): JsonSchemaObject | undefined {
  const args = prompt.arguments ?? [];
  if (args.length === 0) return undefined;
  const properties = Object.fromEntries(
    args.map((arg) => [arg.name, arg.description === undefined ? { type: 'string' } : { type: 'string', description: arg.description }]),
  );
  const required = args.filter((arg) => arg.required === true).map((arg) => arg.name);
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

function compilePrompt(pack: string, prompt: PromptDefinition, validator: AjvJsonSchemaValidator): CompiledPrompt {
  const schema = argumentsSchema(prompt);
  const config: PromptConfig = {
    ...(prompt.title === undefined ? {} : { title: prompt.title }),
    ...(prompt.description === undefined ? {} : { description: prompt.description }),
    ...(schema === undefined ? {} : { argsSchema: compileSchema<Record<string, string>>(schema, validator, `pack "${pack}", prompt "${prompt.name}"`) }),
  };
  return { pack, definition: prompt, config };
}

function metadataOf(definition: { title?: string; description?: string; mimeType?: string }): ResourceMetadata {
  const metadata: Record<string, string> = {};
  if (definition.title !== undefined) metadata['title'] = definition.title;
  if (definition.description !== undefined) metadata['description'] = definition.description;
  if (definition.mimeType !== undefined) metadata['mimeType'] = definition.mimeType;
  return metadata;
}

function normaliseUri(pack: string, uri: string): string {
  try {
    return new URL(uri).href;
  } catch {
    throw new DomainError('pack_invalid', `pack "${pack}", resource "${uri}": the URI does not parse`);
  }
}

/** Lists are announced through {@link ToolContext.announce}, so each present list says `listChanged`. */
function capabilitiesOf(catalog: Omit<PackCatalog, 'capabilities' | 'isSubscribable'>, subscribe: boolean): ServerCapabilities {
  const completes = catalog.prompts.some((p) => p.definition.complete !== undefined) || catalog.templates.some((t) => t.definition.complete !== undefined);
  const hasResources = catalog.resources.length > 0 || catalog.templates.length > 0;
  return {
    logging: {},
    ...(catalog.tools.length > 0 ? { tools: { listChanged: true } } : {}),
    ...(hasResources ? { resources: { listChanged: true, ...(subscribe ? { subscribe: true } : {}) } } : {}),
    ...(catalog.prompts.length > 0 ? { prompts: { listChanged: true } } : {}),
    ...(completes ? { completions: {} } : {}),
  };
}

export function compilePacks(packs: readonly Pack[], validator: AjvJsonSchemaValidator): PackCatalog {
  const claim = createNameRegistry();
  const tools: CompiledTool[] = [];
  const resources: CompiledResource[] = [];
  const templates: CompiledTemplate[] = [];
  const prompts: CompiledPrompt[] = [];
  for (const pack of packs) {
    for (const tool of pack.tools ?? []) {
      claim('tool', tool.name, pack.name);
      tools.push(compileTool(pack.name, tool, validator));
    }
    for (const resource of pack.resources ?? []) {
      const uri = normaliseUri(pack.name, resource.uri);
      claim('resource', uri, pack.name);
      resources.push({ pack: pack.name, definition: resource, uri, metadata: metadataOf(resource) });
    }
    for (const template of pack.resourceTemplates ?? []) {
      claim('resource template', template.name, pack.name);
      const uriTemplate = new ResourceTemplate(template.uriTemplate, { list: undefined });
      templates.push({ pack: pack.name, definition: template, template: uriTemplate, metadata: metadataOf(template) });
    }
    for (const prompt of pack.prompts ?? []) {
      claim('prompt', prompt.name, pack.name);
      prompts.push(compilePrompt(pack.name, prompt, validator));
    }
  }
  const subscribable = new Set(resources.filter((r) => r.definition.subscribable === true).map((r) => r.uri));
  const lists = { tools, resources, templates, prompts };
  return {
    ...lists,
    capabilities: capabilitiesOf(lists, subscribable.size > 0),
    isSubscribable: (uri) => subscribable.has(uri),
  };
}
