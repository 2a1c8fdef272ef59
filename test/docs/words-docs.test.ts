/**
 * The README's state table gives each state's number, its machine name (D-Bus, MQTT, --json)
 * and the words people read (console, status, events): the same words as words.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stateCode, type BmsState } from '../../service/src/core/types';
import { STATE_WORDS } from '../../service/src/words';

const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

test('every state row of the README names the state as people read it', () => {
  const rows = [...readme.matchAll(/^\| (\d) ([A-Z_]+) \*([^*]+)\* \|/gm)].map((m) => ({
    code: Number(m[1]),
    name: m[2],
    words: m[3],
  }));
  const expected = Object.entries(STATE_WORDS).map(([name, words]) => ({
    code: stateCode(name as BmsState),
    name,
    words,
  }));
  expect(rows.sort((a, b) => a.code - b.code)).toEqual(expected.sort((a, b) => a.code - b.code));
});
