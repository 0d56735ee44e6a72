import type { ClientProfile } from '../client-profiles/types.js';
import type { Probe, ProbeRequest, ProbeResponse, SignInPort, SseEvent, SseSession, StreamObservation, StreamWatch } from '../ports/probe.js';

/**
 * Which transport the MCP steps use: `auto` as the client does (Streamable HTTP, and legacy SSE
 * when the POST gets a fallback status), or only one of them (`--transport`).
 */
export type DoctorTransport = 'auto' | 'streamable' | 'sse';

/** What one doctor run is asked to do. Every wait is bounded by one of these numbers. */
export interface DoctorOptions {
  /** The URL the person pastes into the client, exactly as typed. */
  readonly url: string;
  readonly profile: ClientProfile;
  readonly transport: DoctorTransport;
  /** An access token for the authenticated steps (`--token`). */
  readonly token?: string;
  /**
   * A refresh token (`--refresh-token`) and the client it was issued to (`--client-id`, with
   * `--client-secret` for a confidential client). The refresh step uses the token up.
   */
  readonly refreshToken?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Sign in through a browser and a loopback callback (`--login`). */
  readonly login: boolean;
  /** Private and loopback addresses (and plain http on them) only warn: local testing. */
  readonly allowPrivate: boolean;
  /** A port other than 443 only warns. */
  readonly allowAnyPort: boolean;
  readonly requestTimeoutMs: number;
  /** The whole run ends by then; the step in progress fails with "deadline". */
  readonly deadlineMs: number;
  /** How long to wait for the legacy SSE `endpoint` event. */
  readonly sseWaitMs: number;
  /** How long to wait for a heartbeat after the `endpoint` event. */
  readonly heartbeatWaitMs: number;
  /** How long `--login` waits for the person to come back to the loopback callback. */
  readonly loginWaitMs: number;
}

export interface DoctorPorts {
  readonly probe: Probe;
  readonly signIn?: SignInPort;
}

/** Most requests one run may send: the steps send a fixed number each, this only backstops. */
export const MAX_REQUESTS = 80;

/** The run stops: the overall deadline passed, or the request cap was reached. `fix` names which. */
export class DoctorAbort extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

/**
 * Timers may fire a millisecond before the monotonic clock reaches the deadline they were set
 * for: a request clipped by the deadline that fails this close to it failed because of it.
 */
const DEADLINE_SLACK_MS = 5;

export interface TokenSet {
  readonly access: string;
  readonly refresh?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
}

/** What earlier steps learned, for the later ones. */
export interface Findings {
  /** The hosted client's unauthenticated first POST, and what it answered. */
  firstPost?: ProbeResponse;
  /** The answer that carries the challenge (the POST's, or the SSE fallback GET's). */
  challenged?: { readonly status: number; readonly header?: string };
  /** The unauthenticated probe got 401: every MCP step needs a token. */
  authRequired?: boolean;
  resourceMetadataUrl?: string;
  challengeScope?: string;
  issuer?: string;
  authServer?: Readonly<Record<string, unknown>>;
  client?: { readonly clientId: string; readonly clientSecret?: string; readonly authMethod: string };
  tokens?: TokenSet;
  /**
   * The doctor holds tokens it obtained itself (`--login`, or a refresh that rotated the given
   * refresh token): they are revoked when the run ends.
   */
  tokensObtained?: boolean;
  /** The revoke step sent its revocation: nothing is left to clean up. */
  revoked?: boolean;
  /** The version `initialize` negotiated, and the session it opened, for the later MCP calls. */
  negotiated?: { readonly version: string; readonly sessionId?: string };
  postStatus?: number;
  /** The `sse` step found a legacy SSE stream with a usable `endpoint` event and no Streamable HTTP: the MCP calls go over legacy SSE. */
  legacySse?: boolean;
  /** The legacy session the replay holds open for the later calls, and the URL its messages go to. */
  legacySession?: { readonly stream: SseSession; readonly endpoint: string };
  tools?: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

export interface DoctorContext {
  readonly options: DoctorOptions;
  readonly ports: DoctorPorts;
  readonly target: URL;
  readonly findings: Findings;
  readonly send: (request: Omit<ProbeRequest, 'timeoutMs'>) => Promise<ProbeResponse>;
  watch(request: Omit<ProbeRequest, 'timeoutMs'>, watch: StreamWatch): Promise<StreamObservation>;
  /** Opens a stream held until {@link DoctorContext.closeStreams}; counted and bounded like a request. */
  openSse(request: Omit<ProbeRequest, 'timeoutMs'>): Promise<SseSession>;
  /** The stream's next event within `waitMs`, cut at the deadline (then rejects with the deadline abort). */
  nextEvent(stream: SseSession, waitMs: number): Promise<SseEvent | undefined>;
  /** Closes every stream {@link DoctorContext.openSse} opened. */
  closeStreams(): void;
  /** Milliseconds left before the overall deadline, for waits that are not requests. */
  remainingMs(): number;
  /** The abort to report when a wait clipped by the deadline ended at it. */
  deadlineAbort(): DoctorAbort;
  /** True when a wait of `usedMs` instead of the `settingMs` asked for (cut by the deadline) just ended at the deadline. */
  cutByDeadline(usedMs: number, settingMs: number): boolean;
  /**
   * One request after the steps (revoking the tokens the doctor obtained), outside the deadline
   * and the count so a run that ran out still cleans up; bounded by the request timeout.
   */
  readonly sendAfterRun: (request: Omit<ProbeRequest, 'timeoutMs'>) => Promise<ProbeResponse>;
}

export function createContext(options: DoctorOptions, ports: DoctorPorts): DoctorContext {
  const started = ports.probe.nowMs();
  let sent = 0;
  const remainingMs = (): number => options.deadlineMs - (ports.probe.nowMs() - started);
  const deadlineAbort = (): DoctorAbort =>
    new DoctorAbort(`the overall deadline (${options.deadlineMs} ms) passed`, 'Raise --deadline, or find out why the server answers so slowly.');
  const budget = (): number => {
    const left = remainingMs();
    if (left <= 0) throw deadlineAbort();
    sent += 1;
    if (sent > MAX_REQUESTS) {
      throw new DoctorAbort(`the run reached the cap of ${MAX_REQUESTS} requests (a full run sends about 35)`, `The cap of ${MAX_REQUESTS} requests per run only backstops the steps; report this run (--json) to the Keyway maintainers.`);
    }
    return Math.min(options.requestTimeoutMs, left);
  };
  /** A wait the deadline shortened, and that ended at the deadline, ended because of it. */
  const cutByDeadline = (usedMs: number, settingMs: number): boolean => usedMs < settingMs && remainingMs() <= DEADLINE_SLACK_MS;
  const streams: SseSession[] = [];
  return {
    options,
    ports,
    target: new URL(options.url),
    findings: {},
    remainingMs,
    deadlineAbort,
    cutByDeadline,
    send: async (request) => {
      const timeoutMs = budget();
      try {
        return await ports.probe.exchange({ ...request, timeoutMs });
      } catch (error) {
        throw cutByDeadline(timeoutMs, options.requestTimeoutMs) ? deadlineAbort() : error;
      }
    },
    watch: async (request, watch) => {
      const timeoutMs = budget();
      const waitMs = Math.min(watch.waitMs, remainingMs());
      const cut = (): boolean => cutByDeadline(timeoutMs, options.requestTimeoutMs) || cutByDeadline(waitMs, watch.waitMs);
      let seen: StreamObservation;
      try {
        seen = await ports.probe.watchStream({ ...request, timeoutMs }, { ...watch, waitMs });
      } catch (error) {
        throw cut() ? deadlineAbort() : error;
      }
      // A watch cut short by the deadline saw too little to judge the stream by.
      if (cut()) throw deadlineAbort();
      return seen;
    },
    openSse: async (request) => {
      const timeoutMs = budget();
      try {
        const stream = await ports.probe.openSse({ ...request, timeoutMs });
        streams.push(stream);
        return stream;
      } catch (error) {
        throw cutByDeadline(timeoutMs, options.requestTimeoutMs) ? deadlineAbort() : error;
      }
    },
    nextEvent: async (stream, waitMs) => {
      const cutMs = Math.min(waitMs, Math.max(0, remainingMs()));
      const event = await stream.next(cutMs);
      if (event === undefined && !stream.ended() && cutByDeadline(cutMs, waitMs)) throw deadlineAbort();
      return event;
    },
    closeStreams: () => {
      for (const stream of streams.splice(0)) stream.close();
    },
    sendAfterRun: (request) => ports.probe.exchange({ ...request, timeoutMs: options.requestTimeoutMs }),
  };
}

/** `User-Agent` for a phase of the profile, or no header when the client sends none. */
export function userAgent(value: string | null): Record<string, string> {
  return value === null ? {} : { 'user-agent': value };
}

export const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));
