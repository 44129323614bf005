/**
 * The keys a config schema accepts, read from the zod schema itself, so that an unknown key can be answered
 * with the closest known one ("did you mean data.valFraction?") without a second list to keep in sync.
 */
import { z } from 'zod';
import { editDistance, isLikelyTypo } from '../closest-name';

type Schema = z.core.$ZodType;

/** The schema inside default/optional/readonly wrappers (`nullable` is kept: it is part of the type). */
export function unwrapSchema(schema: Schema): Schema {
  if (
    schema instanceof z.core.$ZodDefault ||
    schema instanceof z.core.$ZodPrefault ||
    schema instanceof z.core.$ZodOptional ||
    schema instanceof z.core.$ZodNonOptional ||
    schema instanceof z.core.$ZodReadonly ||
    schema instanceof z.core.$ZodCatch
  ) {
    return unwrapSchema(schema._zod.def.innerType);
  }
  if (schema instanceof z.core.$ZodLazy) return unwrapSchema(schema._zod.def.getter());
  return schema;
}

/** The schema of the value at `path` in a tree of object schemas (undefined where the path leaves the objects). */
export function schemaAtPath(schema: Schema, path: readonly string[]): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const key of path) {
    const inner: Schema | undefined = node && unwrapSchema(node);
    if (!(inner instanceof z.core.$ZodObject)) return undefined;
    node = (inner._zod.def.shape as Record<string, Schema>)[key];
  }
  return node;
}

/** The schemas a value at this level is checked against, looking through defaults, optionals, pipes and unions. */
function alternatives(schema: Schema, seen: Set<Schema> = new Set()): Schema[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  if (
    schema instanceof z.core.$ZodDefault ||
    schema instanceof z.core.$ZodPrefault ||
    schema instanceof z.core.$ZodOptional ||
    schema instanceof z.core.$ZodNullable ||
    schema instanceof z.core.$ZodNonOptional ||
    schema instanceof z.core.$ZodReadonly ||
    schema instanceof z.core.$ZodCatch
  ) {
    return alternatives(schema._zod.def.innerType, seen);
  }
  if (schema instanceof z.core.$ZodPipe) return alternatives(schema._zod.def.in, seen);
  if (schema instanceof z.core.$ZodLazy) return alternatives(schema._zod.def.getter(), seen);
  if (schema instanceof z.core.$ZodUnion) return schema._zod.def.options.flatMap((option) => alternatives(option, seen));
  if (schema instanceof z.core.$ZodIntersection) return [...alternatives(schema._zod.def.left, seen), ...alternatives(schema._zod.def.right, seen)];
  return [schema];
}

/** The schemas of the value under `key` of a value checked by `schema` (object fields, array and record items). */
function childSchemas(schema: Schema, key: string): Schema[] {
  return alternatives(schema).flatMap((option): Schema[] => {
    if (option instanceof z.core.$ZodObject) {
      const field = (option._zod.def.shape as Record<string, Schema>)[key];
      return field ? [field] : [];
    }
    if (option instanceof z.core.$ZodArray && /^\d+$/.test(key)) return [option._zod.def.element];
    if (option instanceof z.core.$ZodTuple && /^\d+$/.test(key)) {
      const item = option._zod.def.items[Number(key)] ?? option._zod.def.rest;
      return item ? [item] : [];
    }
    if (option instanceof z.core.$ZodRecord) return [option._zod.def.valueType];
    return [];
  });
}

function objectKeys(schema: Schema): string[] {
  const keys = alternatives(schema).flatMap((option) => (option instanceof z.core.$ZodObject ? Object.keys(option._zod.def.shape) : []));
  return [...new Set(keys)];
}

/** The keys accepted by the object(s) at `path` of `schema` (empty where that is not an object). */
export function knownConfigKeys(schema: Schema, path: readonly string[]): string[] {
  let level: Schema[] = [schema];
  for (const key of path) level = level.flatMap((node) => childSchemas(node, key));
  return [...new Set(level.flatMap(objectKeys))];
}

/** Every dotted key path of `schema`'s objects (`data`, `data.root`, `data.sampling.numFrames`, ...). */
export function configKeyPaths(schema: Schema): string[][] {
  const out: string[][] = [];
  const visit = (node: Schema, prefix: string[], depth: number) => {
    if (depth > 12) return;
    for (const key of objectKeys(node)) {
      const path = [...prefix, key];
      out.push(path);
      for (const child of childSchemas(node, key)) visit(child, path, depth + 1);
    }
  };
  visit(schema, [], 0);
  return out;
}

function commonPrefixLength(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * The known key path an unknown `key` under `parent` most likely meant: a close sibling first (`valFracton` ->
 * `valFraction`), else a close key anywhere in the tree (`data.batchSize` -> `data.loader.batchSize`).
 */
export function suggestConfigKey(schema: Schema, parent: readonly string[], key: string): string[] | undefined {
  const lower = key.toLowerCase();
  const rank = (candidate: string) => editDistance(lower, candidate.toLowerCase());
  let best: { path: string[]; distance: number } | undefined;
  for (const sibling of knownConfigKeys(schema, parent)) {
    const distance = rank(sibling);
    if (isLikelyTypo(key, distance) && (!best || distance < best.distance)) best = { path: [...parent, sibling], distance };
  }
  if (best) return best.path;
  for (const path of configKeyPaths(schema)) {
    const distance = rank(path[path.length - 1]);
    if (!isLikelyTypo(key, distance)) continue;
    // Closest name first; among equals, the one nearest to where the key was written, then the shortest.
    const shared = (p: readonly string[]) => commonPrefixLength(p, parent);
    const better =
      !best ||
      distance < best.distance ||
      (distance === best.distance && (shared(path) > shared(best.path) || (shared(path) === shared(best.path) && path.length < best.path.length)));
    if (better) best = { path, distance };
  }
  return best?.path;
}
