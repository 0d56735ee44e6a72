import type { DoctorContext } from '../context.js';
import { asRecord, describeAnswer, legacyMessage, readAnswer, type RpcAnswer } from '../jsonrpc.js';
import { fail, pass, skip, warn, type StepResult } from '../report.js';
import { describeRpc, isResult, legacyHandshake, legacyRoundTrip } from './legacy-replay.js';
import { NEEDS_TOKEN, needsToken, noStreamable, postMcp } from './mcp-request.js';

/**
 * `tools/list`, then one call of a tool annotated `readOnlyHint` that needs no arguments: the
 * doctor never calls a tool that could change anything. Over Streamable HTTP when `initialize`
 * negotiated it, else over legacy SSE when the `sse` step found it (legacy-replay.ts).
 */
export async function checkToolsList(context: DoctorContext): Promise<StepResult> {
  const negotiated = context.findings.negotiated;
  if (negotiated === undefined) {
    if (needsToken(context)) return skip('tools-list', NEEDS_TOKEN);
    return context.findings.legacySse === true ? legacyToolsList(context) : skip('tools-list', `${noStreamable(context)}, nor legacy SSE`);
  }
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

async function legacyToolsList(context: DoctorContext): Promise<StepResult> {
  const initialized = await legacyHandshake(context, 'tools-list');
  if (isResult(initialized)) return initialized;
  const listed = await legacyRoundTrip(context, 'tools-list', 'tools/list', legacyMessage(7, 'tools/list'), 7);
  if (isResult(listed)) return listed;
  const tools = listed.answer.result?.['tools'];
  if (!Array.isArray(tools)) {
    return fail('tools-list', `tools/list over legacy SSE → ${describeRpc(listed.answer)}`, 'tools/list failed after a successful initialize over legacy SSE', 'Answer tools/list on the message endpoint, with the response on the stream.');
  }
  context.findings.tools = tools.map((tool) => asRecord(tool) ?? {});
  const version = String(initialized.answer.result?.['protocolVersion']);
  return pass('tools-list', `${tools.length} tools over legacy SSE: initialize (${version}) ${initialized.ms} ms, tools/list ${listed.ms} ms round trip`);
}

const requiresNothing = (tool: Readonly<Record<string, unknown>>): boolean => {
  const required = asRecord(tool['inputSchema'])?.['required'];
  return !Array.isArray(required) || required.length === 0;
};

/** The fewer inputs, the plainer the call: a tool without any is preferred. */
const inputCount = (tool: Readonly<Record<string, unknown>>): number => Object.keys(asRecord(asRecord(tool['inputSchema'])?.['properties']) ?? {}).length;

interface Called {
  readonly answer: RpcAnswer | undefined;
  readonly ms: number;
  /** The transport answered (Streamable HTTP: status 200). */
  readonly delivered: boolean;
  /** What came back, for a failure. */
  readonly described: string;
  readonly over: string;
}

async function callTool(context: DoctorContext, name: string, version: string | undefined): Promise<Called | StepResult> {
  const message = legacyMessage(8, 'tools/call', { name, arguments: {} });
  if (version === undefined) {
    const called = await legacyRoundTrip(context, 'tool-call', 'tools/call', message, 8);
    return isResult(called) ? called : { answer: called.answer, ms: called.ms, delivered: true, described: describeRpc(called.answer), over: ' over legacy SSE' };
  }
  const response = await postMcp(context, message, { version });
  const answer = readAnswer(response, 8);
  return { answer, ms: response.ms, delivered: response.status === 200, described: describeAnswer(response, answer), over: '' };
}

export async function checkToolCall(context: DoctorContext): Promise<StepResult> {
  const { tools, negotiated, legacySession } = context.findings;
  if (tools === undefined || (negotiated === undefined && legacySession === undefined)) return skip('tool-call', 'no tool list');
  const tool = tools
    .filter((candidate) => asRecord(candidate['annotations'])?.['readOnlyHint'] === true && requiresNothing(candidate))
    .sort((a, b) => inputCount(a) - inputCount(b))[0];
  if (tool === undefined) {
    return warn('tool-call', 'skipped', 'no tool is annotated readOnlyHint without required arguments, so the doctor calls none', 'Annotate read-only tools with readOnlyHint: true (clients use it to skip confirmations).');
  }
  const name = String(tool['name']);
  const called = await callTool(context, name, negotiated?.version);
  if (isResult(called)) return called;
  const { answer } = called;
  if (!called.delivered || answer?.result === undefined) {
    return fail('tool-call', `${name}${called.over}: ${called.described}`, `calling the read-only tool ${name} failed`, 'Check the server log for this call.');
  }
  if (answer.result['isError'] === true) return warn('tool-call', `${name}: isError`, `the tool ${name} answered with isError`, 'Check the server log for this call.');
  return pass('tool-call', `${name}${called.over} in ${called.ms} ms`);
}
