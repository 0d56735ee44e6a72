/**
 * DNS-rebinding and cross-site protection. `Host` must name the public host or a loopback address;
 * a present `Origin` must be the public origin, a configured extra origin, or (when the public URL
 * itself is loopback) any loopback origin. A missing `Origin` is server-to-server traffic and passes.
 * @see MCP 2025-11-25 basic/transports "Security Warning" (validate Origin), SECURITY.md I1, I2
 */
const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface GuardPolicy {
  readonly publicUrl: URL;
  readonly extraOrigins: readonly string[];
}

export interface Guards {
  hostAllowed(host: string | undefined): boolean;
  originAllowed(origin: string | undefined): boolean;
}

/** The hostname part of a Host header (`example.com:443` → `example.com`, `[::1]:80` → `[::1]`). */
function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':', 1)[0] ?? '';
}

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname.toLowerCase());
}

function parseOrigin(origin: string): URL | undefined {
  try {
    return new URL(origin);
  } catch {
    return undefined;
  }
}

export function createGuards(policy: GuardPolicy): Guards {
  const publicHost = policy.publicUrl.host.toLowerCase();
  const publicIsLoopback = isLoopbackHostname(policy.publicUrl.hostname);
  const origins = new Set([policy.publicUrl.origin, ...policy.extraOrigins.map((origin) => origin.toLowerCase())]);
  return {
    hostAllowed(host) {
      if (host === undefined || host === '') return false;
      const lowered = host.toLowerCase();
      return lowered === publicHost || isLoopbackHostname(hostnameOf(lowered));
    },
    originAllowed(origin) {
      if (origin === undefined) return true;
      const lowered = origin.toLowerCase();
      if (origins.has(lowered)) return true;
      const parsed = parseOrigin(lowered);
      return publicIsLoopback && parsed !== undefined && parsed.protocol === 'http:' && isLoopbackHostname(parsed.hostname);
    },
  };
}
