/**
 * The 0.1.0 release, rebuilt from git for side-by-side runs: the tree of the release commit
 * is extracted into bench/.build/release-<commit>/ (git archive, nothing checked out), bundled
 * with its own scripts/bundle.js against this checkout's node_modules, and run with the flags
 * of its own service/run.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseRunScript, ROOT, type RunFlags } from './scripts';

/** The commit of main that is the 0.1.0 release (package.json 0.1.0, README "0.1.0"). */
export const RELEASE_0_1_0 = '13612d9';

export interface Release {
  label: string;
  commit: string;
  bundle: string;
  run: RunFlags;
}

/**
 * `SMALLBMS_BENCH_RELEASE=<commit>` compares with another commit instead (e.g. the previous
 * release, 6eb5e5f for 0.2.0); the label then names the commit.
 */
export function releaseBuild(
  commit = process.env.SMALLBMS_BENCH_RELEASE ?? RELEASE_0_1_0,
  label = process.env.SMALLBMS_BENCH_RELEASE ?? '0.1.0',
): Release {
  const full = execFileSync('git', ['-C', ROOT, 'rev-parse', `${commit}^{commit}`], {
    encoding: 'utf8',
  }).trim();
  const dir = path.join(ROOT, 'bench/.build', `release-${full.slice(0, 12)}`);
  const bundle = path.join(dir, 'dist/smallbms.js');
  if (!fs.existsSync(bundle)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['-C', ROOT, 'archive', '--format=tar', full], {
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    execFileSync(process.execPath, [path.join(dir, 'scripts/bundle.js')], {
      cwd: dir,
      stdio: 'inherit',
    });
    if (!fs.existsSync(bundle)) throw new Error(`bundling ${commit} made no ${bundle}`);
  }
  const run = parseRunScript(fs.readFileSync(path.join(dir, 'service/run'), 'utf8'));
  return { label, commit: full.slice(0, 12), bundle, run };
}
