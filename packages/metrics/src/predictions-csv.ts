/**
 * The predictions CSV, one clip per row, with a header:
 *   video_id,true_action,pred_action,true_actor,pred_actor,action_correct,actor_correct
 * Classes by name (`climbing`, `adult`), flags as Python writes booleans (`True` / `False`). The reader validates
 * every row and reports all bad rows at once (`PredictionsCsvError`); it does not judge whether the flags agree
 * with the label columns (the scorer does, see `findFlagContradictions`). The writer refuses rows whose flags
 * contradict their labels and writes atomically.
 */
import { z } from 'zod';
import { ACTORS, DatasetError, readTextFile, VIDEO_ACTIONS, writeFileAtomic, type ActorName, type VideoActionName } from '@a2d/core';
import { formatCsvLine, splitCsvLine } from './csv-fields';
import { MetricsInputError, zodIssues } from './metrics-input-error';
import { PredictionsCsvError, type PredictionsCsvIssue } from './predictions-csv-error';
import { VIDEO_LEVEL_PAIRS, videoLevelPairIndex } from './video-level-pairs';

/** The columns of a predictions CSV, in file order (the header line is exactly these, comma separated). */
export const PREDICTIONS_CSV_COLUMNS = [
  'video_id',
  'true_action',
  'pred_action',
  'true_actor',
  'pred_actor',
  'action_correct',
  'actor_correct',
] as const;

/** The header line of a predictions CSV. */
export const PREDICTIONS_CSV_HEADER = PREDICTIONS_CSV_COLUMNS.join(',');

const actionName = z.enum(VIDEO_ACTIONS as readonly VideoActionName[] as [VideoActionName, ...VideoActionName[]]);
const actorName = z.enum(ACTORS);

/** One clip of a predictions CSV. */
export const predictionRowSchema = z.object({
  videoId: z.string().min(1),
  trueAction: actionName,
  predAction: actionName,
  trueActor: actorName,
  predActor: actorName,
  /** As written in the file; the scorer checks it against the label columns. */
  actionCorrect: z.boolean(),
  actorCorrect: z.boolean(),
  /** 1-based line in the file it was read from. */
  line: z.number().int().positive().optional(),
});

/** One clip of a predictions CSV. */
export type PredictionRow = z.infer<typeof predictionRowSchema>;

const booleanCell = z
  .enum(['True', 'False', 'true', 'false'], { message: 'expected True or False' })
  .transform((value) => value.toLowerCase() === 'true');
const actionCell = z.string().pipe(z.enum(actionName.options, { message: `unknown action: expected one of ${VIDEO_ACTIONS.join(', ')}` }));
const actorCell = z.string().pipe(z.enum(ACTORS, { message: `unknown actor: expected one of ${ACTORS.join(', ')}` }));

const cellsSchema = z.object({
  video_id: z.string().min(1, 'empty video id'),
  true_action: actionCell,
  pred_action: actionCell,
  true_actor: actorCell,
  pred_actor: actorCell,
  action_correct: booleanCell,
  actor_correct: booleanCell,
});

/**
 * Parses the text of a predictions CSV, in file order. Tolerates CRLF, blank lines, a byte-order mark and spaces
 * around cells. Throws `PredictionsCsvError` (a `DatasetError`) listing every bad row, or a `DatasetError` for a
 * file without rows.
 */
export function parsePredictionsCsv(text: string, file: string, maxListedIssues?: number): PredictionRow[] {
  const rows: PredictionRow[] = [];
  const issues: PredictionsCsvIssue[] = [];
  const firstLineOfId = new Map<string, number>();
  let headerSeen = false;
  let dataLines = 0;

  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .forEach((rawLine, index) => {
      const line = index + 1;
      if (rawLine.trim() === '') return;
      const cells = splitCsvLine(rawLine)?.map((cell) => cell.trim());
      if (!headerSeen) {
        headerSeen = true;
        if (cells?.join(',') !== PREDICTIONS_CSV_HEADER) {
          issues.push({ line, field: 'header', reason: `expected the header ${PREDICTIONS_CSV_HEADER}, got ${JSON.stringify(rawLine.trim())}` });
        }
        return;
      }
      dataLines++;
      if (cells === undefined) {
        issues.push({ line, field: 'row', reason: 'unterminated quoted field' });
        return;
      }
      if (cells.length !== PREDICTIONS_CSV_COLUMNS.length) {
        const hint = cells.length === 1 && rawLine.includes(';') ? ' (separator must be a comma)' : '';
        issues.push({ line, field: 'row', reason: `expected ${PREDICTIONS_CSV_COLUMNS.length} comma-separated columns, got ${cells.length}${hint}` });
        return;
      }
      const raw: Record<string, string> = {};
      PREDICTIONS_CSV_COLUMNS.forEach((column, i) => (raw[column] = cells[i]));

      const videoId = raw.video_id;
      const seenOn = firstLineOfId.get(videoId);
      if (videoId !== '' && seenOn !== undefined) {
        issues.push({ line, field: 'video_id', reason: `duplicate video id ${JSON.stringify(videoId)}, first on line ${seenOn}` });
      } else if (videoId !== '') {
        firstLineOfId.set(videoId, line);
      }

      const parsed = cellsSchema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const field = String(issue.path[0] ?? 'row');
          issues.push({ line, field, reason: `${issue.message}, got ${JSON.stringify(raw[field] ?? '')}` });
        }
        return;
      }
      const cellsOk = parsed.data;
      const trueActor = ACTORS.indexOf(cellsOk.true_actor);
      const trueAction = VIDEO_ACTIONS.indexOf(cellsOk.true_action);
      if (videoLevelPairIndex(trueActor, trueAction) < 0) {
        issues.push({
          line,
          field: 'row',
          reason: `true label (${cellsOk.true_actor}, ${cellsOk.true_action}) is not one of the ${VIDEO_LEVEL_PAIRS.length} A2D video-level pairs`,
        });
        return;
      }
      rows.push({
        videoId: cellsOk.video_id,
        trueAction: cellsOk.true_action,
        predAction: cellsOk.pred_action,
        trueActor: cellsOk.true_actor,
        predActor: cellsOk.pred_actor,
        actionCorrect: cellsOk.action_correct,
        actorCorrect: cellsOk.actor_correct,
        line,
      });
    });

  if (dataLines === 0 && issues.length === 0) {
    throw new DatasetError(file, `no prediction rows: expected the header ${PREDICTIONS_CSV_HEADER} and one row per clip`);
  }
  if (issues.length > 0) throw new PredictionsCsvError(file, issues, maxListedIssues);
  return rows;
}

/** Reads and parses a predictions CSV; an unreadable file is a `DatasetError` naming it. */
export async function readPredictionsCsv(file: string, maxListedIssues?: number): Promise<PredictionRow[]> {
  return parsePredictionsCsv(await readTextFile(file, 'predictions'), file, maxListedIssues);
}

/** A row with its flags derived from the labels; classes by name or by 0-based class index. */
export function predictionRow(clip: {
  videoId: string;
  trueAction: VideoActionName | number;
  predAction: VideoActionName | number;
  trueActor: ActorName | number;
  predActor: ActorName | number;
}): PredictionRow {
  const action = (value: VideoActionName | number): VideoActionName => (typeof value === 'number' ? VIDEO_ACTIONS[value] : value);
  const actor = (value: ActorName | number): ActorName => (typeof value === 'number' ? ACTORS[value] : value);
  const row = {
    videoId: clip.videoId,
    trueAction: action(clip.trueAction),
    predAction: action(clip.predAction),
    trueActor: actor(clip.trueActor),
    predActor: actor(clip.predActor),
  };
  return { ...row, actionCorrect: row.trueAction === row.predAction, actorCorrect: row.trueActor === row.predActor };
}

const writableRowSchema = predictionRowSchema.superRefine((row, ctx) => {
  if (row.actionCorrect !== (row.trueAction === row.predAction)) {
    ctx.addIssue({ code: 'custom', path: ['actionCorrect'], message: `${row.actionCorrect} contradicts ${row.trueAction} -> ${row.predAction}` });
  }
  if (row.actorCorrect !== (row.trueActor === row.predActor)) {
    ctx.addIssue({ code: 'custom', path: ['actorCorrect'], message: `${row.actorCorrect} contradicts ${row.trueActor} -> ${row.predActor}` });
  }
});

/** The CSV text of `rows` (header, `\n` line ends, trailing newline); throws `MetricsInputError` for invalid rows. */
export function formatPredictionsCsv(rows: readonly PredictionRow[]): string {
  const parsed = z.array(writableRowSchema).safeParse(rows);
  if (!parsed.success) throw new MetricsInputError('refusing to write invalid prediction rows', zodIssues(parsed.error, 'rows'));
  const python = (flag: boolean): string => (flag ? 'True' : 'False');
  const lines = parsed.data.map((row) =>
    formatCsvLine([row.videoId, row.trueAction, row.predAction, row.trueActor, row.predActor, python(row.actionCorrect), python(row.actorCorrect)]),
  );
  return `${[PREDICTIONS_CSV_HEADER, ...lines].join('\n')}\n`;
}

/** Writes a predictions CSV atomically (creates the folder); throws `MetricsInputError` for invalid rows. */
export async function writePredictionsCsv(file: string, rows: readonly PredictionRow[]): Promise<void> {
  await writeFileAtomic(file, formatPredictionsCsv(rows));
}
