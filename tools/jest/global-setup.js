// Gives every jest run its own temp folder (TMPDIR, inherited by the test workers and by ffmpeg children),
// so the real mp4s, caches and datasets that tests make never pile up in the system temp folder.
// Not named A2D_*: every A2D_* variable is a config override, and an unknown one is an error.
const { mkdtempSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function globalSetup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-jest-'));
  process.env.JEST_A2D_TMPDIR = dir;
  process.env.TMPDIR = dir;
};
