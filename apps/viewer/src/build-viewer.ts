/**
 * `viewer:build`: a self-contained static folder that runs an experiment's model in the browser:
 * - `index.html`, `style.css`, `app.js` (the page, bundled by esbuild with tfjs and the project's custom layers,
 *   registered exactly as in Node because the same layer modules are bundled);
 * - the tfjs wasm binaries (the fallback backend when webgl is missing);
 * - `model/` (the checkpoint's tfjs LayersModel, `model.json` + weight shards, copied unchanged after it loaded in
 *   Node) and `model-card.json` (what the page needs to sample and prepare frames as the evaluator does, and what
 *   the model is: data, test metrics, classes).
 * The folder is assembled beside the target and swapped in at the end, so a failed build leaves the old one whole.
 * A file in the place of the folder (or of a folder above it) is refused before the checkpoint is loaded; a full
 * disk is one `OutputPathError` line naming the folder and the bytes the build needs.
 */
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { cp, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { ACTORS, checkOutputPath, DatasetError, outputPathError, VIDEO_ACTIONS, type A2dConfig, type OutputTarget } from '@a2d/core';
import { readMetricsJson } from '@a2d/metrics';
import { readSynthManifest } from '@a2d/synth';
import { checkpointConfig, existingCheckpointDir, experimentPaths, loadCheckpointModel, networkOf, parseEpochRecords, type EpochRecord } from '@a2d/training';
import { MODEL_CARD_FILE, MODEL_DIR, modelCardSchema, type ModelCard } from './page/model-card';

/** What to build from and where. */
export interface BuildViewerOptions {
  /** The experiment folder. */
  experimentDir: string;
  /** A checkpoint folder (default `<experiment>/checkpoints/best`). */
  checkpoint?: string;
  /** Ship the checkpoint's EMA weights. */
  ema?: boolean;
  /** Output folder (default `<experiment>/viewer`). An existing folder is replaced only if it is a viewer build. */
  outDir?: string;
  /** Minify the bundle (default true). */
  minify?: boolean;
  log?: (line: string) => void;
}

/** What a build produced. */
export interface BuiltViewer {
  outDir: string;
  card: ModelCard;
  /** Bytes of app.js. */
  bundleBytes: number;
}

const PAGE_DIR = path.join(__dirname, 'page');
const STATIC_FILES = ['index.html', 'style.css'];

/** npm packages that only work in Node (a native addon, child processes), reached through the packages' indexes. */
const NODE_ONLY_PACKAGES = ['fluent-ffmpeg', 'canvas', 'cli-progress', 'chartjs-node-canvas'];

/**
 * Node's built-in modules and the Node-only packages resolve to a module whose every function throws: the page
 * imports the packages' public surfaces (sampling, transforms, the model), and their Node-only parts (file I/O,
 * ffmpeg, worker threads, drawing) are never called in the browser; a call would say which module it needed.
 */
const nodeBuiltinsPlugin: Plugin = {
  name: 'node-builtins-unavailable',
  setup(plugin) {
    const builtins = new Set(builtinModules);
    plugin.onResolve({ filter: /^(node:)?[a-z0-9_/-]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!args.path.startsWith('node:') && !builtins.has(name.split('/')[0]) && !NODE_ONLY_PACKAGES.includes(name)) return undefined;
      return { path: name, namespace: 'node-builtin' };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      loader: 'js',
      contents:
        `const unavailable = (member) => () => { throw new Error(${JSON.stringify(args.path)} + '.' + member + ' is not available in the browser'); };\n` +
        `module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : typeof key === 'string' ? unavailable(key) : undefined) });\n`,
    }));
  },
};

/**
 * Bundles the page (an ES module for the browser) in memory and returns `app.js`: written by us, not esbuild, so
 * a failed write is Node's own error (a full disk is then one line naming it).
 */
export async function bundlePage(minify = true): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [path.join(PAGE_DIR, 'main.ts')],
    outfile: 'app.js',
    write: false,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    tsconfig: path.join(__dirname, '..', 'tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [nodeBuiltinsPlugin],
  });
  return result.outputFiles[0].contents;
}

/** Bytes of the files in `folder` and below. */
async function folderBytes(folder: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    bytes += entry.isDirectory() ? await folderBytes(full) : (await stat(full)).size;
  }
  return bytes;
}

/** The tfjs-backend-wasm binaries (plain, SIMD, threaded SIMD) the wasm backend fetches next to the page. */
function wasmBinaries(): string[] {
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  return ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((file) => path.join(dist, file));
}

async function readEpochs(file: string): Promise<EpochRecord[]> {
  if (!existsSync(file)) return [];
  return parseEpochRecords(await readFile(file, 'utf8'), file);
}

async function readTestMetrics(file: string): Promise<ModelCard['testMetrics']> {
  if (!existsSync(file)) return null;
  const metrics = await readMetricsJson(file);
  return {
    clips: metrics.num_clips,
    action: metrics.action_acc,
    actor: metrics.actor_acc,
    combined: metrics.combined_acc,
    combinedConstrained: metrics.constrained_combined_acc,
  };
}

async function describeDataset(config: A2dConfig): Promise<string> {
  const synth = await readSynthManifest(config.data.root).catch(() => null);
  if (synth) return `synthetic A2D (${synth.size}, ${synth.difficulty}, seed ${synth.seed})`;
  return `A2D layout at ${config.data.root} (${config.data.videosetFile})`;
}

/** The model card of a checkpoint: everything the page needs besides the weights. */
async function modelCardOf(options: BuildViewerOptions, checkpointDir: string, config: A2dConfig, parameters: number): Promise<ModelCard> {
  const paths = experimentPaths(path.dirname(options.experimentDir), path.basename(options.experimentDir));
  const epochs = await readEpochs(paths.metrics);
  const best = epochs
    .filter((record) => record.val?.acc.combined !== null && record.val?.acc.combined !== undefined)
    .reduce<EpochRecord | undefined>((top, record) => (top === undefined || (record.val?.acc.combined ?? -1) > (top.val?.acc.combined ?? -1) ? record : top), undefined);
  const { data, augment, model } = config;
  const card: ModelCard = {
    format: 'a2d-viewer-model-card',
    version: 1,
    experiment: path.basename(options.experimentDir),
    checkpoint: path.basename(checkpointDir),
    weights: options.ema ? 'ema' : 'live',
    builtAt: new Date().toISOString(),
    model: { kind: model.kind, backbone: model.backbone, parameters, inputSize: augment.cropSize, numFrames: data.sampling.numFrames },
    inference: {
      sampling: data.sampling,
      temporal: augment.temporal,
      augment,
      decode: { width: data.decode.width, height: data.decode.height },
      cacheFrames: data.decode.cacheDir === '' ? null : data.decode.cacheFrames,
      views: data.sampling.testViews,
      crops: data.sampling.testCrops,
      normalization: model.inputNormalization,
      constrainedTopK: model.constrainedDecoding.topK,
    },
    training: {
      dataRoot: data.root,
      dataset: await describeDataset(config),
      trainClips: epochs.at(-1)?.train.clips ?? null,
      epochs: epochs.at(-1)?.epoch ?? null,
      bestEpoch: best?.epoch ?? null,
      bestValCombined: best?.val?.acc.combined ?? null,
    },
    testMetrics: await readTestMetrics(paths.resultFiles.test.metrics),
    classes: { actions: [...VIDEO_ACTIONS], actors: [...ACTORS] },
  };
  return modelCardSchema.parse(card);
}

/** Builds the viewer folder (see the file comment). Bad experiments and checkpoints are typed errors naming them. */
export async function buildViewer(options: BuildViewerOptions): Promise<BuiltViewer> {
  const log = options.log ?? (() => undefined);
  const paths = experimentPaths(path.dirname(options.experimentDir), path.basename(options.experimentDir));
  const outDir = path.resolve(options.outDir ?? paths.viewer);
  checkOutputPath(outDir, 'folder');
  const checkpointDir = existingCheckpointDir(options.experimentDir, options.checkpoint);
  const config = checkpointConfig(checkpointDir, options.experimentDir);
  // Load it here first: a checkpoint that fails its manifest or does not load must not reach a page.
  const model = await loadCheckpointModel(checkpointDir, options.ema ?? false);
  const parameters = networkOf(model).countParams();
  model.dispose();
  const modelDir = path.join(checkpointDir, options.ema ? 'ema-model' : 'model');

  if (existsSync(outDir) && !existsSync(path.join(outDir, MODEL_CARD_FILE)) && (await readdir(outDir)).length > 0) {
    throw new DatasetError(outDir, 'exists and is not a viewer build (no model-card.json); choose another --out or remove it');
  }
  const bundle = await bundlePage(options.minify ?? true);
  const bundleBytes = bundle.byteLength;
  const card = await modelCardOf(options, checkpointDir, config, parameters);
  const cardText = `${JSON.stringify(card, null, 2)}\n`;
  const copied = [...STATIC_FILES.map((file) => path.join(PAGE_DIR, file)), ...wasmBinaries()];
  let bytes = bundleBytes + Buffer.byteLength(cardText) + (await folderBytes(modelDir));
  for (const file of copied) bytes += (await stat(file)).size;
  // The staging folder sits beside the target: a full disk names the folder holding both.
  const output: OutputTarget = { path: outDir, kind: 'folder', folder: path.dirname(outDir), what: 'the viewer build', bytes };
  const staging = `${outDir}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    await mkdir(path.join(staging, MODEL_DIR), { recursive: true });
    await writeFile(path.join(staging, 'app.js'), bundle);
    for (const file of copied) await copyFile(file, path.join(staging, path.basename(file)));
    await cp(modelDir, path.join(staging, MODEL_DIR), { recursive: true });
    await writeFile(path.join(staging, MODEL_CARD_FILE), cardText);
    // Swap: the old build moves aside, the new one in, then the old one goes.
    const old = `${outDir}.old-${process.pid}`;
    if (existsSync(outDir)) await rename(outDir, old);
    await rename(staging, outDir);
    await rm(old, { recursive: true, force: true });
    log(`viewer: ${outDir} (app.js ${(bundleBytes / 1e6).toFixed(1)} MB, model ${card.model.kind}/${card.model.backbone}, ${parameters} weights)`);
    return { outDir, card, bundleBytes };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw outputPathError(error, output) ?? error;
  }
}
