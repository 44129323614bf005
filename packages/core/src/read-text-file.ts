/** Reading input files whose every failure is a `DatasetError` naming the file. */
import { readFile } from 'node:fs/promises';
import { DatasetError } from './errors';

/** The text of `file`; a missing or unreadable one is `DatasetError(file, "cannot read <what>: <reason>")`. */
export async function readTextFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new DatasetError(file, `cannot read ${what}: ${reason}`);
  }
}

/** `JSON.parse(text)`; invalid JSON is `DatasetError(file, "not valid JSON: ...")`. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DatasetError(file, `not valid JSON: ${(error as Error).message}`);
  }
}
