/**
 * The run report as one self-contained HTML page: headline metrics, classification reports, plots (embedded as
 * data: URIs), dataset statistics, skipped videos, warnings, the resolved config and an optional comparison.
 * It loads nothing from anywhere (its content security policy forbids it), links only to its own sections and
 * escapes every piece of text it prints.
 */
import { z } from 'zod';
import { classReportRowSchema, type ClassReportRow } from './class-report-chart';
import { escapeHtml } from './html-escape';
import { jsonToHtml } from './json-table';
import { isPng, readPngSize } from './png-size';
import { parseReportInput, ReportInputError } from './report-input-error';

/** One headline number; `percent` values are shares 0..1 printed as `72.12%`. */
export interface HeadlineMetric {
  name: string;
  value: number | null;
  /** Default `number` (4 significant digits). */
  format?: 'percent' | 'number';
}

/** A classification report table (one row per class, then optional summary rows such as `macro avg`). */
export interface ClassReportTable {
  title: string;
  rows: readonly ClassReportRow[];
  summary?: readonly ClassReportRow[];
}

/** A PNG plot shown in the report. */
export interface ReportPlot {
  title: string;
  png: Uint8Array;
  caption?: string;
}

/** Per-class video counts of one split (`train`, `val`, `test`). */
export interface DatasetSplitCounts {
  split: string;
  counts: Readonly<Record<string, number>>;
}

/** A video left out of the run and why. */
export interface SkippedVideo {
  videoId: string;
  reason: string;
  split?: string;
}

/** Another set of experiments to compare against (metric table + plots). */
export interface ReportComparison {
  title?: string;
  experiments: readonly { name: string; metrics: readonly HeadlineMetric[] }[];
  plots?: readonly ReportPlot[];
}

/** Everything the report shows; only `title`, `experiment` and `headline` are required. */
export interface HtmlReportInput {
  title: string;
  experiment: string;
  /** Printed as given (e.g. an ISO time); the page itself is deterministic. */
  generatedAt?: string;
  headline: readonly HeadlineMetric[];
  classReports?: readonly ClassReportTable[];
  plots?: readonly ReportPlot[];
  /** The resolved config, printed as pretty JSON. */
  config?: unknown;
  /** Per-split class counts (a class x split table) or any JSON (nested tables). */
  datasetStats?: readonly DatasetSplitCounts[] | unknown;
  skippedVideos?: readonly SkippedVideo[];
  warnings?: readonly string[];
  comparison?: ReportComparison;
}

const metricSchema = z.object({
  name: z.string().min(1),
  value: z.number().finite().nullable(),
  format: z.enum(['percent', 'number']).optional(),
});
const plotSchema = z.object({
  title: z.string().min(1),
  png: z.instanceof(Uint8Array, { message: 'expected PNG bytes (Buffer or Uint8Array)' }).refine(isPng, 'not a PNG image'),
  caption: z.string().optional(),
});
const splitCountsSchema = z.array(z.object({ split: z.string().min(1), counts: z.record(z.string(), z.number()) })).min(1);
const inputSchema = z.object({
  title: z.string().min(1, 'expected a title'),
  experiment: z.string().min(1, 'expected an experiment name'),
  generatedAt: z.string().optional(),
  headline: z.array(metricSchema),
  classReports: z
    .array(z.object({ title: z.string().min(1), rows: z.array(classReportRowSchema).min(1), summary: z.array(classReportRowSchema).optional() }))
    .optional(),
  plots: z.array(plotSchema).optional(),
  config: z.unknown().optional(),
  datasetStats: z.unknown().optional(),
  skippedVideos: z.array(z.object({ videoId: z.string(), reason: z.string(), split: z.string().optional() })).optional(),
  warnings: z.array(z.string()).optional(),
  comparison: z
    .object({
      title: z.string().optional(),
      experiments: z.array(z.object({ name: z.string().min(1), metrics: z.array(metricSchema) })).min(1),
      plots: z.array(plotSchema).optional(),
    })
    .optional(),
});

type ParsedPlot = z.output<typeof plotSchema>;
type ParsedMetric = z.output<typeof metricSchema>;
type ParsedClassReport = NonNullable<z.output<typeof inputSchema>['classReports']>[number];

const STYLE = `
body{font-family:"DejaVu Sans",Verdana,sans-serif;color:#222;background:#fafafa;margin:0;line-height:1.45}
main{max-width:1440px;margin:0 auto;padding:24px 32px 64px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 12px;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{font-size:16px;margin:20px 0 8px}.muted{color:#777}.meta{color:#555;margin:0 0 16px}
nav{margin:12px 0 8px;font-size:14px}nav a{margin-right:14px;color:#0060a0;text-decoration:none}
table{border-collapse:collapse;background:#fff;font-size:14px;margin:4px 0 12px}
th,td{border:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}
thead th{background:#f0f0f0}td.num,span.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.summary td,tr.summary th{background:#f7f7f7}
.headline{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0}
.metric{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:150px}
.metric .value{font-size:24px;font-weight:bold}.metric .name{font-size:13px;color:#555}
.warnings{background:#fff6e0;border:1px solid #e6b800;border-radius:6px;padding:8px 16px 8px 32px}
figure{margin:16px 0 28px;background:#fff;border:1px solid #ddd;padding:8px}figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:14px;color:#444;margin-top:6px}
pre{background:#fff;border:1px solid #ddd;padding:12px;overflow:auto;font-size:13px;max-height:640px}
.reports{display:flex;flex-wrap:wrap;gap:24px}
`;

function formatMetric(metric: ParsedMetric): string {
  if (metric.value === null) return 'n/a';
  return metric.format === 'percent' ? `${(metric.value * 100).toFixed(2)}%` : String(Number(metric.value.toPrecision(4)));
}

/** `b - a`, signed; percentage points for percent metrics. */
function formatDifference(a: ParsedMetric | undefined, b: ParsedMetric | undefined): string {
  if (!a || !b || a.value === null || b.value === null) return '-';
  const delta = b.value - a.value;
  const sign = delta > 0 ? '+' : delta < 0 ? '-' : '';
  const magnitude = Math.abs(delta);
  return a.format === 'percent' ? `${sign}${(magnitude * 100).toFixed(2)} pp` : `${sign}${Number(magnitude.toPrecision(4))}`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

function figure(plot: ParsedPlot, argument: string): string {
  const { width, height } = readPngSize(plot.png, argument);
  const src = `data:image/png;base64,${Buffer.from(plot.png).toString('base64')}`;
  const caption = `<figcaption><strong>${escapeHtml(plot.title)}</strong>${plot.caption ? ` - ${escapeHtml(plot.caption)}` : ''}</figcaption>`;
  return `<figure><img src="${src}" width="${width}" height="${height}" alt="${escapeHtml(plot.title)}">${caption}</figure>`;
}

function classReportTable(report: ParsedClassReport): string {
  const row = (entry: ClassReportRow, summary: boolean) =>
    `<tr${summary ? ' class="summary"' : ''}><th scope="row">${escapeHtml(entry.label)}</th>` +
    [entry.precision, entry.recall, entry.f1].map((value) => `<td class="num">${value.toFixed(4)}</td>`).join('') +
    `<td class="num">${entry.support}</td></tr>`;
  const head = '<thead><tr><th>class</th><th class="num">precision</th><th class="num">recall</th><th class="num">F1</th><th class="num">support</th></tr></thead>';
  const body = [...report.rows.map((entry) => row(entry, false)), ...(report.summary ?? []).map((entry) => row(entry, true))].join('');
  return `<div><h3>${escapeHtml(report.title)}</h3><table>${head}<tbody>${body}</tbody></table></div>`;
}

function splitCountsTable(splits: z.output<typeof splitCountsSchema>): string {
  const classes = [...new Set(splits.flatMap((split) => Object.keys(split.counts)))];
  const head = `<thead><tr><th>class</th>${splits.map((split) => `<th class="num">${escapeHtml(split.split)}</th>`).join('')}<th class="num">total</th></tr></thead>`;
  const rows = classes.map((name) => {
    const counts = splits.map((split) => split.counts[name] ?? 0);
    const cells = counts.map((count) => `<td class="num">${count}</td>`).join('');
    return `<tr><th scope="row">${escapeHtml(name)}</th>${cells}<td class="num">${counts.reduce((a, b) => a + b, 0)}</td></tr>`;
  });
  const totals = splits.map((split) => Object.values(split.counts).reduce((a, b) => a + b, 0));
  const totalRow = `<tr class="summary"><th scope="row">total</th>${totals.map((total) => `<td class="num">${total}</td>`).join('')}<td class="num">${totals.reduce((a, b) => a + b, 0)}</td></tr>`;
  return `<table>${head}<tbody>${rows.join('')}${totalRow}</tbody></table>`;
}

function comparisonTable(experiments: { name: string; metrics: ParsedMetric[] }[]): string {
  const names = [...new Set(experiments.flatMap((experiment) => experiment.metrics.map((metric) => metric.name)))];
  const pair = experiments.length === 2;
  const head =
    `<thead><tr><th>metric</th>${experiments.map((experiment) => `<th class="num">${escapeHtml(experiment.name)}</th>`).join('')}` +
    `${pair ? `<th class="num">difference (${escapeHtml(experiments[1].name)} - ${escapeHtml(experiments[0].name)})</th>` : ''}</tr></thead>`;
  const rows = names.map((name) => {
    const metrics = experiments.map((experiment) => experiment.metrics.find((metric) => metric.name === name));
    const cells = metrics.map((metric) => `<td class="num">${metric ? escapeHtml(formatMetric(metric)) : '-'}</td>`).join('');
    const difference = pair ? `<td class="num">${escapeHtml(formatDifference(metrics[0], metrics[1]))}</td>` : '';
    return `<tr><th scope="row">${escapeHtml(name)}</th>${cells}${difference}</tr>`;
  });
  return `<table>${head}<tbody>${rows.join('')}</tbody></table>`;
}

function prettyJson(value: unknown, argument: string): string {
  try {
    return JSON.stringify(value, null, 2) ?? 'undefined';
  } catch (error) {
    throw new ReportInputError(argument, `cannot be printed as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Renders the report page; throws `ReportInputError` naming the bad field for malformed input. */
export function renderHtmlReport(input: HtmlReportInput): string {
  const report = parseReportInput(inputSchema, input, 'input');
  const sections: { id: string; title: string; body: string }[] = [];

  const cards = report.headline.map(
    (metric) => `<div class="metric"><div class="value">${escapeHtml(formatMetric(metric))}</div><div class="name">${escapeHtml(metric.name)}</div></div>`,
  );
  sections.push({ id: 'summary', title: 'Headline metrics', body: cards.length > 0 ? `<div class="headline">${cards.join('')}</div>` : '<p class="muted">No metrics.</p>' });

  if (report.warnings) {
    const body = report.warnings.length > 0 ? `<ul class="warnings">${report.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : '<p class="muted">No warnings.</p>';
    sections.push({ id: 'warnings', title: `Warnings (${report.warnings.length})`, body });
  }
  if (report.classReports && report.classReports.length > 0) {
    sections.push({ id: 'classification', title: 'Classification reports', body: `<div class="reports">${report.classReports.map(classReportTable).join('')}</div>` });
  }
  if (report.plots && report.plots.length > 0) {
    sections.push({ id: 'plots', title: 'Plots', body: report.plots.map((plot, index) => figure(plot, `input.plots.${index}.png`)).join('') });
  }
  if (report.comparison) {
    const { comparison } = report;
    const plots = (comparison.plots ?? []).map((plot, index) => figure(plot, `input.comparison.plots.${index}.png`)).join('');
    sections.push({ id: 'comparison', title: comparison.title ?? 'Comparison', body: comparisonTable(comparison.experiments) + plots });
  }
  if (report.datasetStats !== undefined) {
    const splits = splitCountsSchema.safeParse(report.datasetStats);
    sections.push({ id: 'dataset', title: 'Dataset', body: splits.success ? splitCountsTable(splits.data) : jsonToHtml(report.datasetStats) });
  }
  if (report.skippedVideos) {
    const { skippedVideos } = report;
    const body =
      skippedVideos.length === 0
        ? '<p class="muted">No videos were skipped.</p>'
        : `<table><thead><tr><th>video</th><th>split</th><th>reason</th></tr></thead><tbody>${skippedVideos
            .map((video) => `<tr><td>${escapeHtml(video.videoId)}</td><td>${escapeHtml(video.split ?? '')}</td><td>${escapeHtml(video.reason)}</td></tr>`)
            .join('')}</tbody></table>`;
    sections.push({ id: 'skipped', title: `Skipped videos (${skippedVideos.length})`, body });
  }
  if (report.config !== undefined) {
    sections.push({ id: 'config', title: 'Configuration', body: `<pre>${escapeHtml(prettyJson(report.config, 'input.config'))}</pre>` });
  }

  const nav = sections.map((entry) => `<a href="#${entry.id}">${escapeHtml(entry.title)}</a>`).join('');
  const meta = `experiment <strong>${escapeHtml(report.experiment)}</strong>${report.generatedAt ? ` - generated ${escapeHtml(report.generatedAt)}` : ''}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Nothing may be fetched: images are data: URIs and the only style is inline.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`${report.title} - ${report.experiment}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body><main>',
    `<h1>${escapeHtml(report.title)}</h1>`,
    `<p class="meta">${meta}</p>`,
    `<nav>${nav}</nav>`,
    ...sections.map((entry) => section(entry.id, entry.title, entry.body)),
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}
