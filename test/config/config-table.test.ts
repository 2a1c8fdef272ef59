/** The README configuration table is generated from the schema and must not go stale. */
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '../..');

test('node scripts/config-table.js --check: README.md matches schema.json', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/config-table.js'), '--check'], {
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

test('the table has a row for every tunable, with its default and range', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { table } = require(path.join(root, 'scripts/config-table.js')) as { table(): string };
  const text = table();
  expect(text).toContain('| `tunables.preAlarmLeadS` | number | `30` | 30–600 s |');
  expect(text).toContain('| `lines.<role>.debounceMs` | integer | `200` | 0–5000 ms |');
  expect(text).toContain('| `outputs.<output>[].relay` | integer | **required** | 1–8 |');
});
