/**
 * Structural checks for a pack that arrives from a module, where the compiler could not check it.
 * Each check names the first thing that is wrong, in terms a pack author can find in their file.
 */

/** An object read from an untyped module. */
type Fields = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isName = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';
const isFunction = (value: unknown): boolean => typeof value === 'function';
const optional = (value: unknown, check: (v: unknown) => boolean): boolean => value === undefined || check(value);
const isString = (value: unknown): boolean => typeof value === 'string';

/** A JSON Schema whose root describes an object, as MCP requires for tool schemas. */
const isObjectSchema = (value: unknown): boolean => isRecord(value) && value['type'] === 'object';

function label(kind: string, index: number, item: unknown): string {
  const name = isRecord(item) && isName(item['name']) ? ` ("${item['name']}")` : '';
  return `${kind}[${index}]${name}`;
}

function toolProblem(tool: Fields): string | undefined {
  if (!isName(tool['name'])) return 'has no name';
  if (!isString(tool['description'])) return 'has no description';
  if (!isObjectSchema(tool['inputSchema'])) return 'needs an inputSchema whose type is "object"';
  if (!optional(tool['outputSchema'], isObjectSchema)) return 'has an outputSchema whose type is not "object"';
  if (!isFunction(tool['handler'])) return 'has no handler function';
  return undefined;
}

function parsesAsUri(value: unknown): boolean {
  return typeof value === 'string' && URL.canParse(value);
}

function resourceProblem(resource: Fields): string | undefined {
  if (!isName(resource['name'])) return 'has no name';
  if (!parsesAsUri(resource['uri'])) return 'needs a uri that parses as a URI';
  if (!isFunction(resource['read'])) return 'has no read function';
  return undefined;
}

function templateProblem(template: Fields): string | undefined {
  if (!isName(template['name'])) return 'has no name';
  if (!isName(template['uriTemplate'])) return 'has no uriTemplate';
  if (!isFunction(template['read'])) return 'has no read function';
  if (!optional(template['complete'], isFunction)) return 'has a complete that is not a function';
  return undefined;
}

function promptProblem(prompt: Fields): string | undefined {
  if (!isName(prompt['name'])) return 'has no name';
  if (!isFunction(prompt['get'])) return 'has no get function';
  if (!optional(prompt['complete'], isFunction)) return 'has a complete that is not a function';
  const args = prompt['arguments'];
  if (args !== undefined && !(Array.isArray(args) && args.every((arg) => isRecord(arg) && isName(arg['name'])))) {
    return 'has arguments that are not a list of { name }';
  }
  return undefined;
}

function listProblem(pack: Fields, kind: string, check: (item: Fields) => string | undefined): string | undefined {
  const list = pack[kind];
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) return `${kind} is not an array`;
  for (const [index, item] of list.entries()) {
    const problem = isRecord(item) ? check(item) : 'is not an object';
    if (problem !== undefined) return `${label(kind, index, item)} ${problem}`;
  }
  return undefined;
}

/** The first structural problem of a would-be `Pack`, or `undefined` when it is one. */
export function packProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'the export is not an object';
  if (!isName(value['name'])) return 'the pack has no name';
  return (
    listProblem(value, 'tools', toolProblem) ??
    listProblem(value, 'resources', resourceProblem) ??
    listProblem(value, 'resourceTemplates', templateProblem) ??
    listProblem(value, 'prompts', promptProblem)
  );
}
