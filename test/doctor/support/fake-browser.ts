import type { LoopbackCallback, SignInPort } from '../../../src/domain/ports/probe.js';
import { jsonAnswer, pathOf, type Breakage } from './world.js';

/**
 * `--login` without a browser: the sign-in port answers the authorization URL it is shown with the
 * query `answer` builds, as the loopback callback would receive it.
 */
export const LOOPBACK_CALLBACK = 'http://127.0.0.1:5555/callback';

export function fakeBrowser(answer: (authorizeUrl: URL) => Record<string, string>): SignInPort & { opened: string[] } {
  const opened: string[] = [];
  let deliver: (query: URLSearchParams) => void = () => undefined;
  const arrived = new Promise<URLSearchParams>((resolve) => (deliver = resolve));
  const callback: LoopbackCallback = { redirectUri: LOOPBACK_CALLBACK, receive: () => arrived, close: async () => undefined };
  return {
    opened,
    listen: async () => callback,
    open: async (url) => {
      opened.push(url);
      deliver(new URLSearchParams(answer(new URL(url))));
    },
  };
}

/** The healthy world, which registers only Claude's callback, also accepting the doctor's loopback client. */
export const loopbackAllowed: Breakage = (request, healthy) => {
  if (pathOf(request) === '/register' && request.body.includes('127.0.0.1')) return jsonAnswer(201, { client_id: 'loopback-1', token_endpoint_auth_method: 'none', redirect_uris: [LOOPBACK_CALLBACK] });
  if (pathOf(request) === '/authorize' && request.path.includes('127.0.0.1')) return { status: 200, body: 'consent' };
  return healthy(request);
};
