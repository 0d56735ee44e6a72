import type { IncomingMessage } from 'node:http';

/** Why a body could not be read; mapped to 413 / 400 / 415 by the caller. */
export class BodyError extends Error {
  readonly code: 'too_large' | 'aborted' | 'invalid_json' | 'invalid_utf8' | 'unsupported_media_type';

  constructor(code: BodyError['code'], message: string) {
    super(message);
    this.name = 'BodyError';
    this.code = code;
  }
}

/**
 * Reads the whole body up to `limit` bytes. A declared `Content-Length` over the limit is refused
 * before a byte is read; otherwise reading stops as soon as the limit is crossed, so a client can
 * never make the server buffer more than `limit`.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new BodyError('too_large', `body exceeds ${limit} bytes`));
  }
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  // A client that hung up before the body was asked for (while the gate verified its token, say)
  // leaves a destroyed stream that emits nothing more: waiting on it would hang the request.
  if (req.destroyed) return Promise.reject(new BodyError('aborted', 'the client stopped sending the body'));
  // Events rather than `for await`: the async iterator costs 10–20 µs on every small body,
  // a sixth of an authenticated tools/call (bench/README.md, "The fast path").
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error?: BodyError): void => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onClose);
      if (error === undefined) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        settle(new BodyError('too_large', `body exceeds ${limit} bytes`));
        req.resume();
      }
    };
    const onEnd = (): void => settle();
    const onAbort = (): void => settle(new BodyError('aborted', 'the client stopped sending the body'));
    const onClose = (): void => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onClose);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes strict UTF-8; invalid sequences are refused rather than replaced. */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new BodyError('invalid_utf8', 'the body is not valid UTF-8');
  }
}

/** Parses a JSON body (strict UTF-8). */
export function parseJson(body: Buffer): unknown {
  const text = decodeUtf8(body);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError('invalid_json', 'the body is not valid JSON');
  }
}

/** Parses an `application/x-www-form-urlencoded` body into single-valued fields (first wins). */
export function parseForm(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(decodeUtf8(body))) {
    if (!(name in fields)) fields[name] = value;
  }
  return fields;
}

/** The media type of a request, lower-cased, without parameters (`application/json`). */
export function mediaType(req: IncomingMessage): string | undefined {
  const header = req.headers['content-type'];
  if (header === undefined) return undefined;
  return header.split(';', 1)[0]?.trim().toLowerCase();
}
