import { existsSync } from 'node:fs';
import type { Journey } from '../domain/journeys/journey.js';
import { loadConfig } from './config.js';
import { journeyLogFields, openJourneyStore } from './journeys.js';

/**
 * `keyway journeys [--limit N] [--json]`: the most recent connect journeys and where each stopped,
 * read from the configured store (docs/journeys.md). Journeys still in progress are not listed:
 * they are written when they end.
 */
export const JOURNEYS_USAGE = `usage: keyway journeys [--limit N] [--json]

Lists recent connect journeys (newest first) and where each stopped, from the store KEYWAY_STORE /
KEYWAY_DATA_DIR name. --limit: how many (1-1000, default 20). --json: one JSON array.`;

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

interface Options {
  readonly limit: number;
  readonly json: boolean;
}

function parseArgs(argv: readonly string[]): Options | string {
  let limit = DEFAULT_LIMIT;
  let json = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--json') json = true;
    else if (arg === '--limit') {
      const value = Number(argv[i + 1]);
      if (!Number.isInteger(value) || value < 1 || value > MAX_LIMIT) return `--limit needs a whole number from 1 to ${MAX_LIMIT}`;
      limit = value;
      i += 1;
    } else return `unknown option '${arg ?? ''}'`;
  }
  return { limit, json };
}

const when = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');

/** `a, b`, and how many more the journey saw but did not keep (docs/journeys.md, bounds). */
const listed = (values: readonly string[], more = 0): string => `${values.join(', ')}${more > 0 ? ` (+${more} more)` : ''}`;

/** Two lines per journey: when and where it stopped, then who and the steps it took. */
export function formatJourney(journey: Journey): string {
  const fields = journeyLogFields(journey);
  const who = [
    journey.clientIds.length === 0 ? 'no client id' : `client ${listed(journey.clientIds, journey.overflow?.clientIds)}`,
    ...(journey.address === undefined ? [] : [`from ${journey.address}`]),
    ...(journey.redirectHosts.length === 0 ? [] : [`redirect ${listed(journey.redirectHosts, journey.overflow?.redirectHosts)}`]),
  ].join(' · ');
  const steps = (fields['steps'] as string[]).join(' → ');
  return `${when(journey.endedAt)}  ${journey.verdict.text}  [${journey.end}]\n    ${who}\n    ${steps}`;
}

export async function journeysCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, output: CliOutput): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    output.out(JOURNEYS_USAGE);
    return 0;
  }
  const options = parseArgs(argv);
  if (typeof options === 'string') {
    output.err(`keyway journeys: ${options}\n${JOURNEYS_USAGE}`);
    return 2;
  }
  const config = loadConfig(env);
  if (config.store.kind === 'memory') {
    output.err('keyway journeys: KEYWAY_STORE=memory keeps no journeys outside the running process; they are only in its log, one line per journey (event "keyway.journey").');
    return 1;
  }
  if (!existsSync(config.store.path)) {
    output.err(`keyway journeys: no database at ${config.store.path} (Keyway has not run with this KEYWAY_DATA_DIR / KEYWAY_STORE yet).`);
    return 1;
  }
  const store = openJourneyStore(config);
  try {
    const journeys = await store.recent(options.limit);
    if (options.json) output.out(JSON.stringify(journeys, null, 2));
    else if (journeys.length === 0) output.out('No connect journeys recorded yet (a journey is written when it connects or goes quiet).');
    else output.out(journeys.map(formatJourney).join('\n'));
    return 0;
  } finally {
    await store.close();
  }
}
