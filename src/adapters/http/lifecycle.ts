/**
 * Readiness and the long-lived streams that shutdown must close. Readiness flips to false the
 * moment shutdown starts (so the proxy stops routing here), then every open stream is asked to
 * close with a `retry:` hint so its client reconnects elsewhere.
 */
export type StreamCloser = () => void;

export interface Lifecycle {
  isReady(): boolean;
  isDraining(): boolean;
  /** Registers an open stream; call the returned function when it ends on its own. */
  trackStream(close: StreamCloser): () => void;
  /** Marks the process draining and closes every tracked stream. */
  drain(): void;
  /** Number of open streams, for readiness details and tests. */
  openStreams(): number;
}

export function createLifecycle(): Lifecycle {
  let draining = false;
  const streams = new Set<StreamCloser>();
  return {
    isReady: () => !draining,
    isDraining: () => draining,
    trackStream(close) {
      if (draining) {
        close();
        return () => undefined;
      }
      streams.add(close);
      return () => {
        streams.delete(close);
      };
    },
    drain() {
      draining = true;
      for (const close of [...streams]) {
        streams.delete(close);
        close();
      }
    },
    openStreams: () => streams.size,
  };
}
