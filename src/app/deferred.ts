/**
 * Something built on first use and awaited by whoever needs it first: the parts of the app that
 * load behind the listener (oauth.ts with the packs, connect journeys, the MCP side).
 */
export interface Deferred<T> {
  load(): Promise<T>;
  /** The value once it is built. */
  current(): T | undefined;
  /** The value once a load already started settles; `undefined` if none was started or it failed. */
  settled(): Promise<T | undefined>;
}

export function createDeferred<T>(build: () => Promise<T>): Deferred<T> {
  let loading: Promise<T> | undefined;
  let value: T | undefined;
  return {
    load: () =>
      (loading ??= build().then((built) => {
        value = built;
        return built;
      })),
    current: () => value,
    settled: async () => loading?.catch(() => undefined),
  };
}
