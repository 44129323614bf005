/**
 * Parsing A2D `videoset.csv`: no header, one video per line, 9 columns (see `VIDEOSET_COLUMNS`).
 * Every row is validated; all problems are collected and reported in one error, so a user fixing a
 * broken file sees every bad row at once instead of one per run.
 */
import { z } from 'zod';
import { DatasetError, DatasetRowsError, decodeLabel, isValidLabel, MAX_LISTED_ROW_ISSUES, readTextFile, VALID_LABELS, type RowIssue } from '@a2d/core';
import type { VideoRecord } from './records';

/** The 9 columns of `videoset.csv` in file order, named like the `VideoRecord` fields they fill. */
export const VIDEOSET_COLUMNS = [
  'videoId',
  'label',
  'startTime',
  'endTime',
  'height',
  'width',
  'numFrames',
  'numAnnotatedFrames',
  'usage',
] as const;

/** One problem found in a `videoset.csv` row. */
/** One problem of a videoset row (`field` is a `VIDEOSET_COLUMNS` name, or `row`). */
export type VideosetIssue = RowIssue;

/** How many problems a `VideosetError` message lists before summarising the rest. */
export const DEFAULT_MAX_LISTED_ISSUES = MAX_LISTED_ROW_ISSUES;

/** A `videoset.csv` with one or more bad rows (every problem listed, see `DatasetRowsError`). */
export class VideosetError extends DatasetRowsError {}

/** Options of `parseVideoset`. */
export interface ParseVideosetOptions {
  /** Problems listed in the error message (all are kept in `VideosetError.issues`). */
  maxListedIssues?: number;
}

// Ids become file names (`<id>.mp4`): letters, digits, `-`, `_`, and `.` anywhere but first (no
// hidden files, no `..`). YouTube ids, which A2D uses, fit; path separators do not.
const VIDEO_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const numberField = z.string().regex(NUMBER_PATTERN, 'expected a number').transform(Number);
const integerField = numberField.pipe(z.number().int('expected an integer'));
const positiveInteger = integerField.pipe(z.number().positive('expected a positive integer (> 0)'));
const seconds = numberField.pipe(z.number().nonnegative('expected a time in seconds >= 0'));

const rowFieldsSchema = z.object({
  videoId: z
    .string()
    .min(1, 'empty video id')
    .regex(
      VIDEO_ID_PATTERN,
      "invalid video id: ids become file names, so only letters, digits, '-', '_' and '.' (not first) are allowed",
    ),
  label: integerField.pipe(
    z
      .number()
      .refine(
        isValidLabel,
        `unknown label code: expected one of the ${VALID_LABELS.length} A2D codes 10 * actor + action (e.g. 11 = adult-climbing)`,
      ),
  ),
  startTime: seconds,
  endTime: seconds,
  height: positiveInteger,
  width: positiveInteger,
  numFrames: positiveInteger,
  numAnnotatedFrames: integerField.pipe(z.number().nonnegative('expected an integer >= 0')),
  usage: z
    .string()
    .refine((value) => value === '0' || value === '1', 'expected 0 (train) or 1 (test)')
    .transform((value): VideoRecord['usage'] => (value === '0' ? 'train' : 'test')),
});

type RowFields = z.output<typeof rowFieldsSchema>;

// Cross-field rules run as a second stage, only on rows whose fields are individually valid.
const rowSchema = rowFieldsSchema.pipe(
  z.custom<RowFields>().superRefine((row, ctx) => {
    if (row.endTime < row.startTime) {
      ctx.addIssue({
        code: 'custom',
        path: ['endTime'],
        message: `end time ${row.endTime} is before start time ${row.startTime}`,
        params: { quotesValues: true },
      });
    }
    if (row.numAnnotatedFrames > row.numFrames) {
      ctx.addIssue({
        code: 'custom',
        path: ['numAnnotatedFrames'],
        message: `${row.numAnnotatedFrames} annotated frames but the video has only ${row.numFrames}`,
        params: { quotesValues: true },
      });
    }
  }),
);

function fieldIssues(error: z.ZodError, raw: Record<string, string>, line: number): VideosetIssue[] {
  return error.issues.map((issue) => {
    const field = String(issue.path[0] ?? 'row');
    // Cross-field messages already quote the values; field-level ones get the raw text appended.
    const quotesValues = issue.code === 'custom' && issue.params?.quotesValues === true;
    const got = quotesValues ? '' : `, got ${JSON.stringify(raw[field] ?? '')}`;
    return { line, field, reason: `${issue.message}${got}` };
  });
}

/**
 * Parses the text of a `videoset.csv` into records, in file order. Tolerates CRLF, blank lines, a
 * byte-order mark and whitespace around fields. Throws `VideosetError` (a `DatasetError`) listing
 * every bad row, or a `DatasetError` for a file without rows.
 */
export function parseVideoset(text: string, file: string, options: ParseVideosetOptions = {}): VideoRecord[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const records: VideoRecord[] = [];
  const issues: VideosetIssue[] = [];
  const firstLineOfId = new Map<string, number>();
  let rows = 0;

  lines.forEach((rawLine, index) => {
    const line = index + 1;
    const content = rawLine.trim();
    if (content === '') return;
    rows++;
    const cells = content.split(',').map((cell) => cell.trim());
    if (cells.length !== VIDEOSET_COLUMNS.length) {
      const hint = cells.length === 1 && content.includes(';') ? ' (separator must be a comma)' : '';
      issues.push({
        line,
        field: 'row',
        reason: `expected ${VIDEOSET_COLUMNS.length} comma-separated columns (${VIDEOSET_COLUMNS.join(', ')}), got ${cells.length}${hint}`,
      });
      return;
    }
    const raw: Record<string, string> = {};
    VIDEOSET_COLUMNS.forEach((name, column) => (raw[name] = cells[column]));

    const parsed = rowSchema.safeParse(raw);
    if (!parsed.success) {
      const found = fieldIssues(parsed.error, raw, line);
      // A header line is the most likely cause of a text label on line 1.
      const headerHint = line === 1 && !NUMBER_PATTERN.test(raw.label) ? ' (videoset.csv has no header row)' : '';
      issues.push(...found.map((issue) => (issue.field === 'label' ? { ...issue, reason: issue.reason + headerHint } : issue)));
    }

    // Duplicates are checked even on otherwise bad rows, so one pass reports both problems.
    const videoId = raw.videoId;
    const seenOn = firstLineOfId.get(videoId);
    if (videoId !== '' && seenOn !== undefined) {
      issues.push({ line, field: 'videoId', reason: `duplicate video id ${JSON.stringify(videoId)}, first on line ${seenOn}` });
      return;
    }
    if (videoId !== '') firstLineOfId.set(videoId, line);
    if (!parsed.success) return;

    const { actorId, actionId, actor, action } = decodeLabel(parsed.data.label);
    records.push({ ...parsed.data, actorId, actionId, actor, action, line });
  });

  if (rows === 0) {
    throw new DatasetError(
      file,
      `empty file: expected one line per video with ${VIDEOSET_COLUMNS.length} columns (${VIDEOSET_COLUMNS.join(', ')}), no header`,
    );
  }
  if (issues.length > 0) {
    issues.sort((a, b) => a.line - b.line);
    throw new VideosetError(file, issues, options.maxListedIssues);
  }
  return records;
}

/** Reads and parses a `videoset.csv`; an unreadable file is a `DatasetError` naming it. */
export async function readVideoset(file: string, options: ParseVideosetOptions = {}): Promise<VideoRecord[]> {
  return parseVideoset(await readTextFile(file, 'videoset'), file, options);
}
