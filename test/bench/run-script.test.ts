/**
 * The bench runs the service with service/run's own flags and variables: the parser must
 * read the run script as it is (0.3.0 runs the Node install.sh chose, `exec "$node" …`) and
 * the 0.2.x form the baseline builds have (`exec node …`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseRunScript } from '../../bench/scripts';

test("service/run's flags and variables are read from the script itself", () => {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', 'service', 'run'), 'utf8');
  const run = parseRunScript(text);
  expect(run.flags).toEqual(['--max-old-space-size=48', '--max-semi-space-size=2', '--lite-mode']);
  expect(run.env).toEqual({ MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' });
});

test('the 0.2.x form (`exec node …`) is read too; a script without it is refused', () => {
  const old = 'export MALLOC_ARENA_MAX=2\nexec node --lite-mode \\\n\t"$app/smallbms.js" run\n';
  expect(parseRunScript(old)).toEqual({ flags: ['--lite-mode'], env: { MALLOC_ARENA_MAX: '2' } });
  expect(() => parseRunScript('exec python3 "$app/x.py"\n')).toThrow(/no `exec node/);
});
