/** Test support: a small real strip PNG, drawn by the contact-sheet code the explainer's strips come from. */
import { renderContactSheet } from '@a2d/augment';
import { createClip } from '@a2d/core';

/** One captioned row of `frames` flat 16x12 frames of grey `level` (0..255): a tiny stand-in for an explanation strip. */
export function flatStripPng(label: string, level: number, frames = 3): Buffer {
  const clip = createClip(frames, 12, 16);
  clip.data.fill(level);
  return renderContactSheet([{ label, clip }]).png;
}
