/** Typed errors shared by every package. Each carries what a user needs to find the problem. */

/** Base class of every error this project throws on purpose. */
export class A2dError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A label code that is not an A2D actor-action pair. */
export class LabelError extends A2dError {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(`invalid A2D label ${code}: ${reason}`);
  }
}

/** An invalid configuration value; `path` is the dotted field path, e.g. `train.lr`. */
export class ConfigError extends A2dError {
  constructor(
    readonly issues: readonly { path: string; message: string }[],
    readonly source?: string,
  ) {
    super(
      (source ? `invalid configuration (${source}):\n` : 'invalid configuration:\n') +
        issues.map((issue) => `  ${issue.path || '(root)'}: ${issue.message}`).join('\n'),
    );
  }
}

/** Bad dataset input (CSV, JSON, folder layout). Names the file and, when known, line and field. */
export class DatasetError extends A2dError {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${field ? `${field}: ` : ''}${reason}`);
  }
}

/** A video that cannot be probed or decoded (missing, empty, corrupt, no video stream). */
export class VideoDecodeError extends A2dError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}
