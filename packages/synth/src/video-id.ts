/** Video ids shaped like A2D's (YouTube ids): 11 characters of [A-Za-z0-9_-], drawn from a seeded `Rng`. */
import type { Rng } from '@a2d/core';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** What every generated id matches. */
export const VIDEO_ID_PATTERN = /^[A-Za-z0-9_-]{11}$/;

/**
 * `count` distinct ids. Ids also differ ignoring case, so `<id>.mp4` files cannot collide on
 * case-insensitive file systems (macOS, Windows).
 */
export function generateVideoIds(rng: Rng, count: number): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  while (ids.length < count) {
    let id = '';
    for (let i = 0; i < 11; i++) id += ALPHABET[Math.floor(rng.next() * ALPHABET.length)];
    const key = id.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    ids.push(id);
  }
  return ids;
}
