import { clientProfile, type ClientProfileId } from '../../../src/domain/client-profiles/index.js';
import type { DoctorOptions } from '../../../src/domain/doctor/context.js';
import { GOOD_REFRESH } from './world.js';

/** Doctor options for a test: short waits, and a token (with a refresh token) when asked. */
export function doctorOptions(url: string, overrides: Partial<DoctorOptions> & { withToken?: boolean; client?: ClientProfileId } = {}): DoctorOptions {
  const { withToken = false, client = 'claude-ai', ...rest } = overrides;
  return {
    url,
    profile: clientProfile(client),
    transport: 'auto',
    ...(withToken ? { token: 'at-given', refreshToken: GOOD_REFRESH, clientId: 'c-1' } : {}),
    login: false,
    allowPrivate: false,
    allowAnyPort: false,
    requestTimeoutMs: 2000,
    deadlineMs: 20_000,
    sseWaitMs: 300,
    heartbeatWaitMs: 300,
    loginWaitMs: 5000,
    ...rest,
  };
}
