import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * wrk (Debian's package) driving one POST shape: a generated Lua script sets the method, body and
 * headers, and its `done` hook prints the summary as one JSON line the runner parses. wrk rather
 * than a Node load generator: a Node client saturates its own core below the baseline's ceiling.
 * @see https://github.com/wg/wrk/blob/master/SCRIPTING
 */
export interface WrkRequest {
  readonly path: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface WrkOptions {
  readonly connections: number;
  readonly threads: number;
  readonly durationSeconds: number;
}

export interface WrkResult {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Connect, read, write and timeout errors, plus responses outside 2xx/3xx. */
  readonly errors: number;
  readonly non2xx: number;
}

const MARKER = 'BENCH_JSON ';

/** A Lua long string that cannot be closed by anything inside `text`. */
function luaString(text: string): string {
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

function luaScript(request: WrkRequest): string {
  const headers = Object.entries(request.headers)
    .map(([name, value]) => `wrk.headers[ ${luaString(name)} ] = ${luaString(value)}`)
    .join('\n');
  return `wrk.method = "POST"
wrk.path = ${luaString(request.path)}
wrk.body = ${luaString(request.body)}
${headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${MARKER}{"requests":%.0f,"duration_us":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f,"p50_us":%.0f,"p99_us":%.0f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;
}

interface RawSummary {
  readonly requests: number;
  readonly duration_us: number;
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly status: number;
  readonly timeout: number;
  readonly p50_us: number;
  readonly p99_us: number;
}

function parseSummary(stdout: string): WrkResult {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(MARKER));
  if (line === undefined) throw new Error(`wrk printed no summary:\n${stdout}`);
  const raw = JSON.parse(line.slice(MARKER.length)) as RawSummary;
  const durationSeconds = raw.duration_us / 1e6;
  return {
    requests: raw.requests,
    durationSeconds,
    requestsPerSecond: raw.requests / durationSeconds,
    p50Ms: raw.p50_us / 1000,
    p99Ms: raw.p99_us / 1000,
    errors: raw.connect + raw.read + raw.write + raw.timeout + raw.status,
    non2xx: raw.status,
  };
}

/** Writes the Lua script for `request` into `dir` once; returns its path. */
export function writeWrkScript(dir: string, name: string, request: WrkRequest): string {
  const path = join(dir, `${name}.lua`);
  writeFileSync(path, luaScript(request));
  return path;
}

/** Runs wrk against `origin` with `script`; bounded by its duration plus a margin. */
export function runWrk(origin: string, script: string, options: WrkOptions): Promise<WrkResult> {
  const args = ['-t', String(options.threads), '-c', String(options.connections), '-d', `${options.durationSeconds}s`, '--timeout', '10s', '-s', script, origin];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (options.durationSeconds + 20) * 1000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`wrk failed: ${error.message}\n${stderr}`));
        return;
      }
      try {
        resolve(parseSummary(stdout));
      } catch (parseError) {
        reject(parseError instanceof Error ? parseError : new Error(String(parseError)));
      }
    });
  });
}
