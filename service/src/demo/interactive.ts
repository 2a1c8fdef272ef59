/**
 * `smallbms demo --interactive`: flip the BMS lines and the battery from the keyboard and
 * watch the service react.
 */
import type { CliIo } from '../io';
import type { SimGx } from '../sim/gx';
import type { Timeline } from './timeline';

const HELP = [
  'keys: 1 allowed-to-discharge · 2 allowed-to-charge · 3 pre-alarm · 4 remote (toggle contact)',
  '      b charge input unreadable/readable (a reader fault; a broken wire is an open contact)',
  '      - / + SoC by 5 % · c charger on/off · q quit',
];

/** Until `q` or Ctrl-C, or until `stop` resolves (the terminal is then left as it was). */
export async function runInteractive(
  gx: SimGx,
  io: CliIo,
  timeline: Timeline,
  stop: Promise<unknown>,
): Promise<void> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    io.error('--interactive needs a terminal');
    return;
  }
  HELP.forEach((l) => io.log(l));
  const inputs: Record<number, 0 | 1> = { 1: 0, 2: 0, 3: 1, 4: 0 };
  let soc = 80;
  let charging = false;
  let broken = false;
  const battery = (): void =>
    gx.battery?.reading({ soc, voltage: charging ? 13.8 : 13.0, current: charging ? 20 : -8 });
  stdin.setRawMode(true);
  stdin.resume();
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeAllListeners('data');
      resolve();
    };
    void stop.then(finish);
    stdin.on('data', (data: Buffer) => {
      const key = data.toString();
      if (key === 'q' || key === '\u0003') {
        finish();
        return;
      }
      const n = Number(key);
      if (n >= 1 && n <= 4) {
        inputs[n] = inputs[n] === 0 ? 1 : 0;
        gx.board.setInput(n, inputs[n]);
        io.log(`  input ${n} contact ${inputs[n] === 0 ? 'closed' : 'open'}`);
      } else if (key === 'b') {
        broken = !broken;
        if (broken) gx.board.removeInput(2);
        else gx.board.restoreInput(2, inputs[2]);
        io.log(`  charge input ${broken ? 'unreadable (file gone)' : 'readable again'}`);
      } else if (key === '-' || key === '+') {
        soc = Math.max(0, Math.min(100, soc + (key === '+' ? 5 : -5)));
        battery();
        io.log(`  SoC ${soc} %`);
      } else if (key === 'c') {
        charging = !charging;
        battery();
        io.log(`  charger ${charging ? 'on' : 'off'}`);
      }
      timeline.currentState();
    });
  });
}
