/**
 * The install lifecycle under a real supervisor: Debian's daemontools (svscan, supervise, svc,
 * svstat, multilog: the family Venus OS runs its services with) in a Venus-like root folder
 * (SMALLBMS_ROOT), with the real bundle as the service, a private dbus-daemon and the Victron
 * stand-ins (localsettings, systemcalc's relays as files, a battery monitor).
 *
 * - boot: /service starts empty (a RAM copy on the GX), svscan scans it, /data/rc.local runs
 *   late and links the service; svscan picks it up by itself;
 * - kill -9 of the service: supervise starts it again; the relay files, sampled every 2 ms in
 *   a process of their own, never read "off" (the lines are healthy);
 * - a firmware update: everything but /data wiped (the /service link, the root filesystem),
 *   then a boot: the service is back by itself;
 * - custom start-up scripts disabled (Venus v3.70+ renames /data/rc.local to rc.local.disabled):
 *   after a boot the service does not run, and `install.sh --status` says why and how to
 *   re-enable; re-enabled, it runs again after the next boot;
 * - an update to a newer release and a rollback to the previous one, the relays sampled:
 *   no "off" sample while the lines are healthy;
 * - uninstall --purge: nothing of ours left in the root, no process of ours running.
 *
 * With SMALLBMS_LIFECYCLE_RUNTIME=<dbus-smallbms-runtime-*.tar.gz> (and QEMU_LD_PREFIX=<an
 * armhf root> where binfmt_misc runs ARM binaries through qemu), the GX has no Node.js (the
 * normal image) and the release carries that runtime artifact: install.sh chooses it and the
 * service runs on the 32-bit ARM build, emulated. Without it the GX's Node is this one.
 *
 * A reboot stops every process here but the stand-ins: on a GX the relays de-energise at a
 * reboot (by design: the GX's relay driver starts open), which this test does not model.
 * Every process the test starts runs in svscan's process group, killed at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBundle } from '../../scripts/bundle.js';
import { SimGx } from '../../service/src/sim/gx';
import { dbusDaemonAvailable } from '../../service/src/sim/dbus-daemon';
import { startFileSampler, type FileSamples } from '../helpers/file-sampler';
import { findTool, installHint, TOOLS } from '../tools.js';
import { makePackage, tree } from './helpers';

const hasDaemontools = findTool('daemontools') !== null && dbusDaemonAvailable();
if (!hasDaemontools) {
  console.warn(
    `daemontools or dbus-daemon not found: skipping the install lifecycle under a real supervisor (${installHint(
      TOOLS.filter((t) => t.name === 'daemontools' || t.name === 'dbus-daemon'),
    )})`,
  );
}

const APP = 'dbus-smallbms';
const RUNTIME_TGZ = process.env.SMALLBMS_LIFECYCLE_RUNTIME ?? '';
const SV_WAIT_S = 40;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  probe: () => T,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const start = Date.now();
  let last = probe();
  while (!ok(last)) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(100);
    last = probe();
  }
  return last;
}

interface Gx {
  dir: string;
  root: string;
  bin: string;
  sim: SimGx;
  store: string;
  svscan: ChildProcess | null;
}

let gx: Gx | null = null;
/** A sampler still running when a step fails: stopped in afterEach. */
let openSampler: { stop(): Promise<unknown> } | null = null;

async function sample(g: Gx): Promise<{ stop(): Promise<FileSamples> }> {
  const s = await startFileSampler({
    relay1: g.sim.board.relayPath(1),
    relay2: g.sim.board.relayPath(2),
  });
  openSampler = s;
  return {
    stop: async () => {
      openSampler = null;
      return s.stop();
    },
  };
}

function env(g: Gx): NodeJS.ProcessEnv {
  return {
    PATH: RUNTIME_TGZ ? g.bin : `${g.bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: g.dir,
    SMALLBMS_ROOT: g.root,
    SMALLBMS_SV_WAIT: String(SV_WAIT_S),
    FAKE_LOG: path.join(g.dir, 'calls.log'),
    FAKE_DBUS_STORE: g.store,
    DBUS_SYSTEM_BUS_ADDRESS: g.sim.address!,
    SMALLBMS_PORTAL_ID: 'lifecycle',
    ...(process.env.QEMU_LD_PREFIX ? { QEMU_LD_PREFIX: process.env.QEMU_LD_PREFIX } : {}),
  };
}

const serviceLink = (g: Gx): string => path.join(g.root, 'service', APP);
const appDir = (g: Gx): string => path.join(g.root, 'data/apps/available', APP);

function installSh(g: Gx, pkg: string, args: string[] = []) {
  const r = spawnSync('sh', [path.join(pkg, 'install.sh'), ...args], {
    encoding: 'utf8',
    input: '',
    env: env(g),
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** svstat of our service: "up (pid N)" → N; null when down, absent or not supervised. */
function servicePid(g: Gx): number | null {
  const r = spawnSync('svstat', [serviceLink(g)], { encoding: 'utf8' });
  const m = /: up \(pid (\d+)\)/.exec(r.stdout ?? '');
  return m ? Number(m[1]) : null;
}

/** Processes running our bundle (by command line): none may be left after an uninstall. */
function ourProcesses(g: Gx): number[] {
  const pids: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes(appDir(g)) || cmd.includes(path.join(g.root, 'var/log', APP)))
        pids.push(Number(p));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Boot: svscan on an empty /service (RAM on the GX), then the late boot hook /data/rc.local. */
async function boot(g: Gx): Promise<void> {
  fs.mkdirSync(path.join(g.root, 'service'), { recursive: true });
  g.svscan = spawn('svscan', [path.join(g.root, 'service')], {
    env: env(g),
    detached: true, // its own process group: supervise, the service and multilog die with it
    stdio: 'ignore',
  });
  const rc = path.join(g.root, 'data/rc.local');
  if (fs.existsSync(rc)) {
    // as Venus's custom-rc does: only an executable hook runs
    fs.accessSync(rc, fs.constants.X_OK);
    const r = spawnSync(rc, [], { encoding: 'utf8', env: env(g) });
    expect(r.status).toBe(0);
  }
}

/** Power off: every process of the GX ends (svscan's group); RAM (/service) is gone. */
async function powerOff(g: Gx): Promise<void> {
  const s = g.svscan;
  g.svscan = null;
  if (s?.pid) {
    try {
      process.kill(-s.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    if (s.exitCode === null && s.signalCode === null)
      await new Promise<void>((r) => s.once('exit', () => r()));
  }
  await waitFor(
    () => ourProcesses(g),
    (p) => p.length === 0,
    'no process of ours after power off',
  );
  fs.rmSync(path.join(g.root, 'service'), { recursive: true, force: true });
}

async function relaysOn(g: Gx): Promise<void> {
  await waitFor(
    () => [g.sim.board.readRelay(1), g.sim.board.readRelay(2)],
    (v) => v[0] === 1 && v[1] === 1,
    'both relays on',
  );
}

async function makeGx(): Promise<Gx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-lifecycle-'));
  const root = path.join(dir, 'root');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(path.join(root, 'data/conf'), { recursive: true });
  fs.mkdirSync(path.join(root, 'data/log'), { recursive: true });
  fs.mkdirSync(path.join(root, 'var'), { recursive: true });
  fs.symlinkSync('../data/log', path.join(root, 'var/log')); // as on Venus
  fs.mkdirSync(path.join(root, 'opt/victronenergy'), { recursive: true });
  fs.writeFileSync(path.join(root, 'opt/victronenergy/version'), 'v3.70\nVenus OS\n2026\n');
  fs.mkdirSync(bin);
  // the GX's Node.js (Large image) is this one; dbus: the file-backed stand-in of dbus-cli
  if (!RUNTIME_TGZ) fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  else {
    // the normal image: no node anywhere on PATH (this machine's tools, Node.js left out)
    for (const d of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
      for (const f of fs.existsSync(d) ? fs.readdirSync(d) : []) {
        if (/^(node|nodejs|npm|npx|corepack|dbus)$/.test(f) || fs.existsSync(path.join(bin, f)))
          continue;
        fs.symlinkSync(path.join(d, f), path.join(bin, f));
      }
    }
  }
  fs.copyFileSync(path.join(__dirname, 'fixtures/bin/dbus'), path.join(bin, 'dbus'));
  fs.chmodSync(path.join(bin, 'dbus'), 0o755);
  const store = path.join(dir, 'settings.tsv');
  fs.writeFileSync(
    store,
    [
      '/Settings/Relay/Function\t2',
      '/Settings/Relay/1/Function\t2',
      ...[1, 2, 3, 4].map((n) => `/Settings/DigitalInput/${n}/Type\t0`),
      '',
    ].join('\n'),
  );
  const sim = await SimGx.start({
    root: path.join(dir, 'sim'),
    editConfig: (c) => {
      c.dataDir = path.join(root, 'data', APP);
      c.tunables = { minOffTimeS: 0 };
    },
  });
  fs.copyFileSync(sim.configFile, path.join(root, 'data/conf/smallbms.json'));
  return { dir, root, bin, sim, store, svscan: null };
}

function release(g: Gx, version: string): string {
  const parent = path.join(g.dir, `pkg-${version}`);
  fs.mkdirSync(parent);
  const pkg = makePackage(parent, version);
  fs.copyFileSync(ensureBundle(), path.join(pkg, 'smallbms.js'));
  // the gui-v2 plugin, where gui-v2 and dbus-flashmq (VRM's remote console) look for it
  fs.mkdirSync(path.join(pkg, 'gui-v2'));
  fs.writeFileSync(path.join(pkg, 'gui-v2', `${APP}.json`), '{"name":"dbus-smallbms"}\n');
  if (RUNTIME_TGZ) {
    const r = spawnSync('tar', ['xzf', path.resolve(RUNTIME_TGZ), '-C', parent]);
    expect(r.status).toBe(0);
  }
  return pkg;
}

afterEach(async () => {
  await openSampler?.stop().catch(() => undefined);
  openSampler = null;
  if (!gx) return;
  const g = gx;
  gx = null;
  await powerOff(g).catch(() => undefined);
  await g.sim.stop();
  fs.rmSync(g.dir, { recursive: true, force: true });
});

(hasDaemontools ? test : test.skip)(
  'boot, kill -9, firmware update, custom scripts disabled, update, rollback, uninstall under svscan',
  async () => {
    const g = (gx = await makeGx());
    const before = tree(g.root);
    const v1 = release(g, '0.1.0');
    const v2 = release(g, '0.2.0');

    // -- install on a running GX: svscan already scans /service
    await boot(g);
    const inst = installSh(g, v1);
    expect(inst.out).toContain('Installing dbus-smallbms 0.1.0');
    expect(inst.out).toContain(
      RUNTIME_TGZ ? 'Node.js: the bundled runtime' : "Node.js: the GX's own Node.js",
    );
    expect(inst.code).toBe(0);
    expect(fs.existsSync(path.join(g.root, `data/apps/enabled/${APP}/gui-v2/${APP}.json`))).toBe(
      true,
    );
    await waitFor(
      () => servicePid(g),
      (p) => p !== null,
      'service up after install',
    );
    const started = Date.now();
    await relaysOn(g);
    // measured, not asserted: from supervise's start of the service to both relays switched on
    // (start-up, D-Bus, reading the lines, the first decision; emulated with the runtime)
    console.log(`first start: service up -> both relays on in ${Date.now() - started} ms`);
    // multilog writes the service's log where Venus keeps it (/var/log -> /data/log)
    await waitFor(
      () => fs.existsSync(path.join(g.root, 'data/log', APP, 'current')),
      (v) => v,
      'log file',
    );

    // -- kill -9: supervise restarts it; the relays never read off
    const pid = servicePid(g)!;
    let sampler = await sample(g);
    process.kill(pid, 'SIGKILL');
    const again = await waitFor(
      () => servicePid(g),
      (p) => p !== null && p !== pid,
      'service restarted by supervise',
    );
    expect(again).not.toBe(pid);
    await sleep(1500); // its start-up: the outputs held, then confirmed
    let samples = await sampler.stop();
    console.log(
      `kill -9: ${samples.n} samples of both relays, longest gap ${samples.maxGapMs.toFixed(1)} ms, off: ${JSON.stringify(samples.off)}`,
    );
    expect(samples.n).toBeGreaterThan(100);
    expect(samples.off).toEqual({});
    await relaysOn(g);

    // -- reboot: back by itself (rc.local links it, svscan starts it)
    await powerOff(g);
    expect(fs.existsSync(serviceLink(g))).toBe(false);
    await boot(g);
    await waitFor(
      () => servicePid(g),
      (p) => p !== null,
      'service up after reboot',
    );
    await relaysOn(g);

    // -- firmware update: everything but /data is replaced, then a boot
    await powerOff(g);
    for (const d of fs.readdirSync(g.root))
      if (d !== 'data') fs.rmSync(path.join(g.root, d), { recursive: true, force: true });
    fs.mkdirSync(path.join(g.root, 'opt/victronenergy'), { recursive: true });
    fs.writeFileSync(path.join(g.root, 'opt/victronenergy/version'), 'v3.71\nVenus OS\n2027\n');
    fs.mkdirSync(path.join(g.root, 'var'));
    fs.symlinkSync('../data/log', path.join(g.root, 'var/log'));
    await boot(g);
    await waitFor(
      () => servicePid(g),
      (p) => p !== null,
      'service up after a firmware update',
    );
    await relaysOn(g);
    const status = installSh(g, appDir(g), ['--status']);
    expect(status.out).toContain('Venus OS firmware: v3.71');
    expect(status.out).toContain('Installed: dbus-smallbms 0.1.0');
    expect(status.out).toContain('Boot hook: present in /data/rc.local');
    // daemontools' own svstat, in words
    expect(status.out).toMatch(/^Service: running \(svstat: up \(pid \d+\) \d+ seconds\)$/m);

    // -- custom start-up scripts disabled (what venus-platform's Action 3 does), then a boot
    await powerOff(g);
    fs.renameSync(path.join(g.root, 'data/rc.local'), path.join(g.root, 'data/rc.local.disabled'));
    await boot(g);
    await sleep(7000); // longer than svscan's 5 s rescan: nothing to start
    expect(servicePid(g)).toBeNull();
    expect(ourProcesses(g)).toEqual([]);
    const off = installSh(g, appDir(g), ['--status']);
    expect(off.code).toBe(1);
    expect(off.out).toContain('custom start-up scripts are disabled by Venus OS');
    expect(off.out).toContain(
      'Settings > General > Modification checks > Re-enable custom startup scripts',
    );
    expect(off.out).toContain(
      'dbus -y com.victronenergy.platform /ModificationChecks/Action SetValue 2',
    );
    // re-enabled (Action 2 renames it back), then a boot: running again
    await powerOff(g);
    fs.renameSync(path.join(g.root, 'data/rc.local.disabled'), path.join(g.root, 'data/rc.local'));
    await boot(g);
    await waitFor(
      () => servicePid(g),
      (p) => p !== null,
      'service up after re-enabling',
    );
    await relaysOn(g);

    // -- update to a newer release, then roll back, the relays sampled throughout
    sampler = await sample(g);
    const up = installSh(g, v2);
    expect(up.out).toContain('Updating dbus-smallbms 0.1.0 -> 0.2.0');
    expect(up.out).toContain('dbus-smallbms 0.2.0 is running');
    expect(up.code).toBe(0);
    const pid2 = await waitFor(
      () => servicePid(g),
      (p) => p !== null,
      'service up after update',
    );
    await sleep(1500);
    const down = installSh(g, v1);
    expect(down.out).toContain('Updating dbus-smallbms 0.2.0 -> 0.1.0');
    expect(down.code).toBe(0);
    await waitFor(
      () => servicePid(g),
      (p) => p !== null && p !== pid2,
      'service up after the rollback',
    );
    await sleep(1500);
    samples = await sampler.stop();
    console.log(
      `update + rollback: ${samples.n} samples of both relays, longest gap ${samples.maxGapMs.toFixed(1)} ms, off: ${JSON.stringify(samples.off)}`,
    );
    expect(samples.n).toBeGreaterThan(100);
    expect(samples.off).toEqual({});
    expect(fs.readFileSync(path.join(appDir(g), 'VERSION'), 'utf8')).toContain('0.1.0');
    await relaysOn(g);

    // -- uninstall: nothing left, nothing running
    const un = installSh(g, appDir(g), ['--uninstall', '--purge']);
    expect(un.out).toContain('dbus-smallbms removed');
    expect(un.code).toBe(0);
    await waitFor(
      () => ourProcesses(g),
      (p) => p.length === 0,
      'no process of ours',
    );
    await powerOff(g);
    // the root as before install (the firmware update's version file aside)
    const now = tree(g.root).filter((l) => !l.startsWith('opt/victronenergy/version'));
    expect(now).toEqual(
      before.filter(
        (l) =>
          !l.startsWith('opt/victronenergy/version') && !l.startsWith('data/conf/smallbms.json '),
      ),
    );
  },
  300_000,
);
