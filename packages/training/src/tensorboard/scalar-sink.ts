/** Where scalars go (TensorBoard). Every scalar is logged on the optimizer-update axis (`globalStep`). */
export interface ScalarSink {
  addScalar(tag: string, value: number, step: number): void;
  /** Marks a session (re)starting at `step`: points logged earlier at `step` or later are orphans to drop. */
  addSessionStart(step: number): void;
  flush(): void;
  close(): void;
}
