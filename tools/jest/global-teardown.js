// Removes the per-run temp folder made by global-setup.js.
const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  const dir = process.env.JEST_A2D_TMPDIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
};
