import { ANONYMOUS } from '../../principal.js';
import type { ProfileSource } from '../../ports/profile.js';
import { errorResult, failureResult, jsonResult } from '../../upstream/tool-results.js';
import type { Pack, ToolCallResult, ToolContext, ToolDefinition } from '../pack.js';

/**
 * The `profile` pack: `get_user_profile`, the signed-in user's profile from whichever identity
 * provider they signed in with (GitHub: login, name, avatar, profile URL, public counts; OpenID
 * Connect: standard claims; the local sign-in: the name).
 */
export interface ProfilePackDeps {
  readonly profiles: ProfileSource;
}

async function profile(profiles: ProfileSource, context: ToolContext): Promise<ToolCallResult> {
  const { principal } = context;
  if (principal.subject === ANONYMOUS.subject) return errorResult('No user is signed in on this connection, so there is no profile to show.');
  const result = await profiles.profileFor(principal, context.signal);
  return result.ok ? jsonResult(result.value) : failureResult(result.failure, profiles.providerName);
}

export function createProfilePack(deps: ProfilePackDeps): Pack {
  const getUserProfile: ToolDefinition = {
    name: 'get_user_profile',
    title: 'Get user profile',
    description:
      "Returns the signed-in user's profile from the identity provider they signed in with " +
      '(for GitHub: login, name, avatar URL, profile URL, public repository, follower and following counts).',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: (_args, context) => profile(deps.profiles, context),
  };
  return { name: 'profile', tools: [getUserProfile] };
}
