/** Time as the core sees it: epoch seconds, injectable so tests never wait on real timers. */
export interface Clock {
  /** Whole seconds since the Unix epoch; never decreases within one process. */
  now(): number;
}
