import type { Principal } from '../principal.js';
import type { UpstreamResult } from './upstream.js';

/** A user profile as tools show it: wire-shaped JSON (snake_case), no credential in it. */
export type Profile = Readonly<Record<string, unknown>>;

/** Where the signed-in user's profile comes from: the provider's API, ID-token claims, or the subject. */
export interface ProfileSource {
  /** The provider as people know it (`GitHub`), for messages to the model. */
  readonly providerName: string;
  /** The profile of `principal`; a failure the tool reports to the model instead of throwing. */
  profileFor(principal: Principal, signal?: AbortSignal): Promise<UpstreamResult<Profile>>;
}
