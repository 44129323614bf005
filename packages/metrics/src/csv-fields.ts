/**
 * The CSV dialect of Python's `csv` module and pandas' `to_csv` (what the reference files were written with):
 * comma separated, a field quoted only when it holds a comma, a quote or a line break, quotes doubled.
 */

/** Quotes a field only when it needs it (Python's `csv.QUOTE_MINIMAL`). */
export function quoteCsvField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** Joins fields into one CSV line (no line terminator). */
export function formatCsvLine(fields: readonly string[]): string {
  return fields.map(quoteCsvField).join(',');
}

/**
 * Splits one CSV line into fields, honouring quoted fields (`"a,b"`, `"say ""hi"""`). Returns `undefined` when a
 * quote is left open (the line is malformed).
 */
export function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}
