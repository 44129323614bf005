/** Free-form JSON rendered as nested HTML tables, for statistics whose shape the report does not know. */
import { escapeHtml } from './html-escape';

const MAX_DEPTH = 4;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return '<span class="muted">-</span>';
  if (typeof value === 'number') return `<span class="num">${escapeHtml(Number.isInteger(value) ? String(value) : value.toPrecision(4))}</span>`;
  return escapeHtml(String(value));
}

/**
 * Objects become key/value tables, arrays of objects tables with one column per key, arrays of scalars comma
 * lists; past four levels the rest is printed as JSON. Every key and value is HTML-escaped.
 */
export function jsonToHtml(value: unknown, depth = 0): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '<span class="muted">(empty)</span>';
    if (depth >= MAX_DEPTH) return `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
    if (value.every(isRecord)) {
      const keys = [...new Set(value.flatMap((item) => Object.keys(item)))];
      const head = keys.map((key) => `<th>${escapeHtml(key)}</th>`).join('');
      const rows = value.map((item) => `<tr>${keys.map((key) => `<td>${jsonToHtml(item[key], depth + 1)}</td>`).join('')}</tr>`);
      return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
    }
    return value.map((item) => jsonToHtml(item, depth + 1)).join(', ');
  }
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '<span class="muted">(empty)</span>';
    if (depth >= MAX_DEPTH) return `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
    const rows = entries.map(([key, item]) => `<tr><th scope="row">${escapeHtml(key)}</th><td>${jsonToHtml(item, depth + 1)}</td></tr>`);
    return `<table class="kv"><tbody>${rows.join('')}</tbody></table>`;
  }
  return scalar(value);
}
