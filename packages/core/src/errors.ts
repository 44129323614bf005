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

/**
 * A video that cannot be written: ffmpeg failed, ran past its time limit or was aborted while encoding `file` (the
 * output path, where nothing was left). Apart from `VideoDecodeError` because a failed write says nothing about
 * the inputs: a loader skips an undecodable video, but an encode failure is the writer's (often a full disk).
 */
export class VideoEncodeError extends A2dError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** One problem of a row-oriented file (CSV, JSON lines): where and what. */
export interface RowIssue {
  /** 1-based line in the file. */
  line: number;
  /** A column name, `header`, or `row` for problems of the whole line. */
  field: string;
  reason: string;
}

/** How many problems a `DatasetRowsError` message lists before summarising the rest. */
export const MAX_LISTED_ROW_ISSUES = 20;

/**
 * A file with one or more bad rows, all reported at once. The message starts with the first problem as
 * `file:line: field: reason`; the others follow, one per line, up to `maxListed`.
 */
export class DatasetRowsError extends DatasetError {
  constructor(
    file: string,
    readonly issues: readonly RowIssue[],
    maxListed = MAX_LISTED_ROW_ISSUES,
  ) {
    const [first] = issues;
    super(file, first.reason, first.line, first.field);
    const listed = issues.slice(1, Math.max(1, maxListed)).map((i) => `  ${file}:${i.line}: ${i.field}: ${i.reason}`);
    const hidden = issues.length - 1 - listed.length;
    if (hidden > 0) listed.push(`  ... and ${hidden} more (${issues.length} problems in all)`);
    if (listed.length > 0) this.message = [this.message, ...listed].join('\n');
  }
}
