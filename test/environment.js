'use strict';
/**
 * Jest's node environment, with a private temporary folder per test file: $TMPDIR points
 * into it while the file runs (so os.tmpdir() in the tests, and in every process they start,
 * lands there), and it is removed after the file's last hook. A test that forgets a folder
 * therefore leaves nothing in /tmp.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { TestEnvironment } = require('jest-environment-node');

class TmpDirEnvironment extends TestEnvironment {
  constructor(config, context) {
    const saved = process.env.TMPDIR;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-test-'));
    // Set before the sandbox copies the environment, so both see it.
    process.env.TMPDIR = dir;
    super(config, context);
    this.tmpDir = dir;
    this.savedTmpDir = saved;
  }

  async teardown() {
    await super.teardown();
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
    if (this.savedTmpDir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = this.savedTmpDir;
  }
}

module.exports = TmpDirEnvironment;
