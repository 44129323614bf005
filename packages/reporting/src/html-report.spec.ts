import { renderChartPng } from './chart-renderer';
import { renderHtmlReport, type HtmlReportInput } from './html-report';
import { ReportInputError } from './report-input-error';

const HOSTILE = '<script>alert("x")</script>';

async function fullInput(): Promise<HtmlReportInput> {
  const png = await renderChartPng({ type: 'bar', data: { labels: ['a'], datasets: [{ label: 'x', data: [1] }] } }, { width: 300, height: 200 });
  const strip = await renderChartPng({ type: 'bar', data: { labels: ['a'], datasets: [{ label: 'x', data: [1] }] } }, { width: 400, height: 100 });
  const row = (label: string) => ({ label, precision: 0.8, recall: 0.7, f1: 0.7467, support: 12 });
  return {
    title: 'A2D report',
    experiment: `exp ${HOSTILE}`,
    generatedAt: '2026-11-29T20:00:00Z',
    headline: [
      { name: 'combined accuracy', value: 0.65281, format: 'percent' },
      { name: 'action F1', value: 0.72365 },
      { name: 'test loss', value: null },
    ],
    classReports: [
      { title: 'Action', rows: [row('climbing'), row(HOSTILE)], summary: [row('macro avg')] },
      { title: 'Actor', rows: [row('adult')] },
    ],
    plots: [{ title: `curves ${HOSTILE}`, png, caption: 'val dashed' }],
    config: { train: { lr: 0.001, note: `</pre>${HOSTILE}` } },
    datasetStats: [
      { split: 'train', counts: { 'adult-climbing': 80, [HOSTILE]: 1 } },
      { split: 'test', counts: { 'adult-climbing': 19 } },
    ],
    skippedVideos: [{ videoId: HOSTILE, reason: 'corrupt mp4', split: 'train' }],
    warnings: [`val has no ${HOSTILE}`],
    comparison: {
      experiments: [
        { name: 'baseline', metrics: [{ name: 'combined accuracy', value: 0.6, format: 'percent' }] },
        { name: HOSTILE, metrics: [{ name: 'combined accuracy', value: 0.65, format: 'percent' }] },
      ],
      plots: [{ title: 'comparison', png }],
    },
    explanations: {
      notes: [`stale ${HOSTILE}`],
      intro: ['217 test clips explained.'],
      pointing: [
        { label: 'overall', frames: 25, step1: { rate: 0.2, interval95: [0.0886, 0.3913] }, step2: { rate: 0.36, interval95: [0.2025, 0.5548] }, baseline: 0.1307 },
        { label: HOSTILE, frames: 0, step1: { rate: null, interval95: null }, step2: { rate: null, interval95: null }, baseline: null },
      ],
      sanity: [`random model ${HOSTILE}`],
      figures: [{ title: 'localisation', png }],
      gallery: {
        intro: 'most confused pairs',
        groups: [
          {
            title: 'action: true rolling, predicted walking - 3 clips (2 shown)',
            clips: [
              { caption: 'v1 rolling', png: strip },
              { caption: `v2 ${HOSTILE}`, png: strip },
            ],
            note: '1 clip has no strip',
          },
          { title: `actor: true ${HOSTILE}, predicted cat - 1 clip (0 shown)`, clips: [] },
        ],
      },
    },
  };
}

describe('renderHtmlReport', () => {
  let input: HtmlReportInput;
  let html: string;
  beforeAll(async () => {
    input = await fullInput();
    html = renderHtmlReport(input);
  });

  it('shows every section, listed in the navigation', () => {
    for (const id of ['summary', 'warnings', 'classification', 'plots', 'explanations', 'comparison', 'dataset', 'skipped', 'config']) {
      expect(html).toContain(`<section id="${id}">`);
      expect(html).toContain(`<a href="#${id}">`);
    }
    expect(html).toContain('65.28%');
    expect(html).toContain('0.7237');
    expect(html).toContain('n/a');
    expect(html).toContain('+5.00 pp');
    expect(html).toContain('<td class="num">0.7467</td>');
  });

  it('escapes every printed string: no injected markup survives', () => {
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toMatch(/<title>A2D report - exp &lt;script&gt;/);
  });

  it('references only what exists: every src is a data: URI and every href an anchor of the page', () => {
    const refs = [...html.matchAll(/\s(src|href)="([^"]*)"/g)].map((match) => ({ kind: match[1], value: match[2] }));
    // Two plots, the localisation figure and two gallery strips.
    expect(refs.filter((ref) => ref.kind === 'src')).toHaveLength(5);
    // Plots are PNG; the gallery's strips are embedded as JPEG (photographs, a quarter of the size).
    expect(refs.filter((ref) => ref.value.startsWith('data:image/jpeg;base64,'))).toHaveLength(2);
    for (const ref of refs) {
      if (ref.kind === 'src') expect(ref.value).toMatch(/^data:image\/(png|jpeg);base64,[A-Za-z0-9+/=]+$/);
      else {
        expect(ref.value).toMatch(/^#/);
        expect(html).toContain(`id="${ref.value.slice(1)}"`);
      }
    }
    expect(html).not.toMatch(/url\(|@import|https?:\/\//);
    expect(html).toContain('width="300" height="200"');
  });

  it('shows where the model looked: notes, pointing table, sanity checks, figure, then the gallery groups in order', () => {
    const start = html.indexOf('<section id="explanations"><h2>Where the model looked</h2>');
    expect(start).toBeGreaterThan(html.indexOf('<section id="plots">'));
    const body = html.slice(start, html.indexOf('</section>', start));
    const order = ['class="warnings"><li>stale &lt;script&gt;', '217 test clips explained.', '<h3>Pointing game</h3>', '<h3>Sanity checks</h3>', 'alt="localisation"', '<h3>Error gallery</h3>', 'action: true rolling', 'actor: true &lt;script&gt;'];
    const positions = order.map((text) => body.indexOf(text));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(body).toContain(
      '<tr><th scope="row">overall</th><td class="num">25</td><td class="num">20.0% (8.9-39.1%)</td><td class="num">36.0% (20.3-55.5%)</td><td class="num">13.1%</td></tr>',
    );
    expect(body).toContain('<td class="num">0</td><td class="num">-</td><td class="num">-</td><td class="num">-</td>');
    // Both strips in the first group, none in the second, each at its own size with its caption.
    const groups = body.split('<details class="gallery" open>').slice(1);
    expect(groups.map((group) => group.match(/<img /g)?.length ?? 0)).toEqual([2, 0]);
    expect(groups[0]).toContain('<p class="muted">1 clip has no strip</p>');
    expect(groups[0]).toContain('width="400" height="100" alt="v1 rolling"><figcaption>v1 rolling</figcaption>');
  });

  it('says so when the gallery has no group, and rejects a strip that is not a PNG naming it', () => {
    expect(renderHtmlReport({ title: 't', experiment: 'e', headline: [], explanations: { gallery: { groups: [] } } })).toContain('No misclassified clips among the explained ones.');
    const explanations = { gallery: { groups: [{ title: 'g', clips: [{ caption: 'c', png: Buffer.from('GIF89a') }] }] } };
    expect(() => renderHtmlReport({ title: 't', experiment: 'e', headline: [], explanations })).toThrow(/input\.explanations\.gallery\.groups\.0\.clips\.0\.png: not a PNG image/);
  });

  it('pivots split counts into a class x split table with totals', () => {
    expect(html).toContain('<tr><th scope="row">adult-climbing</th><td class="num">80</td><td class="num">19</td><td class="num">99</td></tr>');
    expect(html).toMatch(/<th scope="row">total<\/th><td class="num">81<\/td><td class="num">19<\/td><td class="num">100<\/td>/);
  });

  it('renders free-form statistics as nested tables and leaves out sections it was not given', () => {
    const page = renderHtmlReport({ title: 't', experiment: 'e', headline: [], datasetStats: { train: { clips: 10, labels: [11, 12] }, note: HOSTILE } });
    expect(page).toContain('<th scope="row">clips</th><td><span class="num">10</span></td>');
    expect(page).toContain('&lt;script&gt;');
    expect(page).not.toContain('<script');
    for (const id of ['plots', 'config', 'warnings', 'skipped', 'comparison', 'classification', 'explanations']) expect(page).not.toContain(`id="${id}"`);
  });

  it('says so when no video was skipped and there is no warning', () => {
    const page = renderHtmlReport({ title: 't', experiment: 'e', headline: [], skippedVideos: [], warnings: [] });
    expect(page).toContain('No videos were skipped.');
    expect(page).toContain('No warnings.');
  });

  it('rejects malformed input with a typed error naming the field', async () => {
    expect(() => renderHtmlReport({ ...input, experiment: '' })).toThrow(new ReportInputError('input.experiment', 'expected an experiment name'));
    expect(() => renderHtmlReport({ ...input, plots: [{ title: 'x', png: Buffer.from('GIF89a') }] })).toThrow(/input\.plots\.0\.png: not a PNG image/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => renderHtmlReport({ ...input, config: cyclic })).toThrow(/input\.config: cannot be printed as JSON/);
  });
});
