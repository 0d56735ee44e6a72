import type { DoctorContext } from '../context.js';
import { asRecord, describeAnswer, legacyMessage, readAnswer } from '../jsonrpc.js';
import { fail, pass, skip, warn, type StepResult } from '../report.js';
import { NEEDS_TOKEN, needsToken, postMcp } from './mcp-request.js';

/**
 * `tools/list`, then one call of a tool annotated `readOnlyHint` that needs no arguments: the
 * doctor never calls a tool that could change anything.
 */
export async function checkToolsList(context: DoctorContext): Promise<StepResult> {
  const negotiated = context.findings.negotiated;
  if (negotiated === undefined) return skip('tools-list', needsToken(context) ? NEEDS_TOKEN : 'Streamable HTTP not served');
  const { laterHeaderVersion, acceptLater } = context.options.profile.protocol;
  const version = laterHeaderVersion === null ? undefined : negotiated.version;
  const response = await postMcp(context, legacyMessage(7, 'tools/list'), { accept: acceptLater, ...(version === undefined ? {} : { version }) });
  const answer = readAnswer(response, 7);
  const tools = answer?.result?.['tools'];
  if (response.status !== 200 || !Array.isArray(tools)) {
    return fail('tools-list', describeAnswer(response, answer), 'tools/list failed after a successful initialize', 'Answer tools/list on the negotiated version, with the Accept and headers the client sends (it may omit both).');
  }
  context.findings.tools = tools.map((tool) => asRecord(tool) ?? {});
  return pass('tools-list', `${tools.length} tools in ${response.ms} ms`);
}

const requiresNothing = (tool: Readonly<Record<string, unknown>>): boolean => {
  const required = asRecord(tool['inputSchema'])?.['required'];
  return !Array.isArray(required) || required.length === 0;
};

/** The fewer inputs, the plainer the call: a tool without any is preferred. */
const inputCount = (tool: Readonly<Record<string, unknown>>): number => Object.keys(asRecord(asRecord(tool['inputSchema'])?.['properties']) ?? {}).length;

export async function checkToolCall(context: DoctorContext): Promise<StepResult> {
  const tools = context.findings.tools;
  const negotiated = context.findings.negotiated;
  if (tools === undefined || negotiated === undefined) return skip('tool-call', 'no tool list');
  const tool = tools
    .filter((candidate) => asRecord(candidate['annotations'])?.['readOnlyHint'] === true && requiresNothing(candidate))
    .sort((a, b) => inputCount(a) - inputCount(b))[0];
  if (tool === undefined) {
    return warn('tool-call', 'skipped', 'no tool is annotated readOnlyHint without required arguments, so the doctor calls none', 'Annotate read-only tools with readOnlyHint: true (clients use it to skip confirmations).');
  }
  const name = String(tool['name']);
  const response = await postMcp(context, legacyMessage(8, 'tools/call', { name, arguments: {} }), { version: negotiated.version });
  const answer = readAnswer(response, 8);
  if (response.status !== 200 || answer?.result === undefined) {
    return fail('tool-call', `${name}: ${describeAnswer(response, answer)}`, `calling the read-only tool ${name} failed`, 'Check the server log for this call.');
  }
  if (answer.result['isError'] === true) return warn('tool-call', `${name}: isError`, `the tool ${name} answered with isError`, 'Check the server log for this call.');
  return pass('tool-call', `${name} in ${response.ms} ms`);
}
