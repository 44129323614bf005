/**
 * The run report as one self-contained HTML page: headline metrics, classification reports, plots (embedded as
 * data: URIs), where the model looked (pointing game, sanity checks, an error gallery of explanation strips),
 * dataset statistics, skipped videos, warnings, the resolved config and an optional comparison.
 * It loads nothing from anywhere (its content security policy forbids it), links only to its own sections and
 * escapes every piece of text it prints.
 */
import { z } from 'zod';
import { classReportRowSchema, type ClassReportRow } from './class-report-chart';
import { escapeHtml } from './html-escape';
import { jsonToHtml } from './json-table';
import { pointingGameRowSchema, type PointingGameRow, type PointingRate } from './localisation-chart';
import { isPng, readPngSize } from './png-size';
import { pngToJpeg } from './strip-jpeg';
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

/** One clip of the error gallery: its explanation strip and the line under it (video, truth, predictions). */
export interface GalleryClip {
  caption: string;
  png: Uint8Array;
}

/** A group of the error gallery, e.g. one confused pair of classes: a title, the clips shown, and an optional note. */
export interface GalleryGroup {
  title: string;
  /** Shown in order; may be empty (the note then says why). */
  clips: readonly GalleryClip[];
  /** One line under the title, e.g. why fewer clips are shown than the title counts. */
  note?: string;
}

/**
 * The "Where the model looked" section, from the explanations of a split: every part is optional and shown in this
 * order: notes (warnings about the section itself), intro, the pointing-game table, the sanity checks, the figures,
 * then the error gallery's groups.
 */
export interface ReportExplanations {
  /** Warnings that qualify the whole section (a stale explanation, strips that could not be read). */
  notes?: readonly string[];
  /** Paragraphs: what was explained (split, clips, checkpoint) and how to read it. */
  intro?: readonly string[];
  /** The pointing game as a table, one row per group of frames (e.g. `overall`, then per true actor). */
  pointing?: readonly PointingGameRow[];
  /** Sanity-check lines, printed as a list. */
  sanity?: readonly string[];
  /** Charts, e.g. the localisation chart (`renderLocalisationChart`). */
  figures?: readonly ReportPlot[];
  /** The error gallery: a paragraph, then the groups in order. */
  gallery?: { intro?: string; groups: readonly GalleryGroup[] };
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
  /** Where the model looked (its own section, after the plots). */
  explanations?: ReportExplanations;
}

const metricSchema = z.object({
  name: z.string().min(1),
  value: z.number().finite().nullable(),
  format: z.enum(['percent', 'number']).optional(),
});
const pngSchema = z.instanceof(Uint8Array, { message: 'expected PNG bytes (Buffer or Uint8Array)' }).refine(isPng, 'not a PNG image');
const plotSchema = z.object({
  title: z.string().min(1),
  png: pngSchema,
  caption: z.string().optional(),
});
const explanationsSchema = z.object({
  notes: z.array(z.string()).optional(),
  intro: z.array(z.string()).optional(),
  pointing: z.array(pointingGameRowSchema).optional(),
  sanity: z.array(z.string()).optional(),
  figures: z.array(plotSchema).optional(),
  gallery: z
    .object({
      intro: z.string().optional(),
      groups: z.array(z.object({ title: z.string().min(1), clips: z.array(z.object({ caption: z.string().min(1), png: pngSchema })), note: z.string().optional() })),
    })
    .optional(),
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
  explanations: explanationsSchema.optional(),
});

type ParsedPlot = z.output<typeof plotSchema>;
type ParsedMetric = z.output<typeof metricSchema>;
type ParsedClassReport = NonNullable<z.output<typeof inputSchema>['classReports']>[number];
type ParsedExplanations = z.output<typeof explanationsSchema>;

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
details.gallery{margin:8px 0 20px}details.gallery summary{cursor:pointer;font-size:15px;font-weight:bold;margin:6px 0}
figure.strip{display:inline-block;margin:6px 12px 14px 0;vertical-align:top}figure.strip figcaption{font-family:"DejaVu Sans Mono",monospace;font-size:13px}
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

/** `0.4` with interval `[0.118, 0.769]` -> `40.0% (11.8-76.9%)`; `-` without frames. */
function formatRate({ rate, interval95 }: PointingRate): string {
  if (rate === null) return '-';
  const percent = (share: number) => (share * 100).toFixed(1);
  return interval95 ? `${percent(rate)}% (${percent(interval95[0])}-${percent(interval95[1])}%)` : `${percent(rate)}%`;
}

function pointingTable(rows: readonly PointingGameRow[]): string {
  const head =
    '<thead><tr><th>group</th><th class="num">frames</th><th class="num">step 1 (action) hit rate (95% interval)</th>' +
    '<th class="num">step 2 (actor) hit rate (95% interval)</th><th class="num">random point</th></tr></thead>';
  const body = rows.map(
    (row) =>
      `<tr><th scope="row">${escapeHtml(row.label)}</th><td class="num">${row.frames}</td><td class="num">${escapeHtml(formatRate(row.step1))}</td>` +
      `<td class="num">${escapeHtml(formatRate(row.step2))}</td><td class="num">${row.baseline === null ? '-' : `${(row.baseline * 100).toFixed(1)}%`}</td></tr>`,
  );
  return `<table>${head}<tbody>${body.join('')}</tbody></table>`;
}

/** An explanation strip: the image at its own size (shrunk to fit narrow windows) and its caption line. */
function strip(clip: { caption: string; png: Uint8Array }, argument: string): string {
  const { width, height } = readPngSize(clip.png, argument);
  // Strips are photographs: embedded as JPEG, a quarter of the PNG's size (`strip-jpeg.ts`).
  const src = `data:image/jpeg;base64,${pngToJpeg(clip.png, argument).toString('base64')}`;
  return `<figure class="strip"><img src="${src}" width="${width}" height="${height}" alt="${escapeHtml(clip.caption)}"><figcaption>${escapeHtml(clip.caption)}</figcaption></figure>`;
}

function explanationsBody(explanations: ParsedExplanations): string {
  const parts: string[] = [];
  const { notes, intro, pointing, sanity, figures, gallery } = explanations;
  if (notes && notes.length > 0) parts.push(`<ul class="warnings">${notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>`);
  for (const paragraph of intro ?? []) parts.push(`<p>${escapeHtml(paragraph)}</p>`);
  if (pointing && pointing.length > 0) parts.push(`<h3>Pointing game</h3>${pointingTable(pointing)}`);
  if (sanity && sanity.length > 0) parts.push(`<h3>Sanity checks</h3><ul>${sanity.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`);
  (figures ?? []).forEach((plot, index) => parts.push(figure(plot, `input.explanations.figures.${index}.png`)));
  if (gallery) {
    parts.push('<h3>Error gallery</h3>');
    if (gallery.intro) parts.push(`<p>${escapeHtml(gallery.intro)}</p>`);
    if (gallery.groups.length === 0) parts.push('<p class="muted">No misclassified clips among the explained ones.</p>');
    gallery.groups.forEach((group, groupIndex) => {
      const note = group.note ? `<p class="muted">${escapeHtml(group.note)}</p>` : '';
      const clips = group.clips.map((clip, index) => strip(clip, `input.explanations.gallery.groups.${groupIndex}.clips.${index}.png`)).join('');
      parts.push(`<details class="gallery" open><summary>${escapeHtml(group.title)}</summary>${note}${clips}</details>`);
    });
  }
  return parts.length > 0 ? parts.join('') : '<p class="muted">Nothing to show.</p>';
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
  if (report.explanations) {
    sections.push({ id: 'explanations', title: 'Where the model looked', body: explanationsBody(report.explanations) });
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
