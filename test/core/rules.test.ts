/** behaviour.md section 4, one test (or a few) per rule, in fake time. */
import { persistedPart } from '../../service/src/core/engine';
import { Harness, T0 } from './harness';

describe('behaviour.md section 4 rules', () => {
  test('rule 1: charge rule: ATC asserted and no blocking line, with the minimum off time', () => {
    const h = new Harness({ input: { lines: { cellOverVoltage: 'released' } } });
    expect(h.outputs.charge).toBe(true);
    h.set({ lines: { chargeAllowed: 'released' } });
    expect(h.outputs.charge).toBe(false);
    expect(h.outputs.load).toBe(true);
    expect(h.last.notes.join()).toContain('charging blocked: allowed-to-charge released');
    h.advanceS(4);
    h.set({ lines: { chargeAllowed: 'asserted' } });
    expect(h.outputs.charge).toBe(false);
    expect(h.last.nextDeadline).toBe(T0 + 10_000);
    h.advanceS(10);
    expect(h.whenOutput('charge', true, T0 + 1)).toBe(T0 + 10_000);
    h.set({ lines: { cellOverVoltage: 'asserted' } });
    expect(h.outputs.charge).toBe(false);
    expect(h.eventsOf('output', 'charge').pop()?.reason).toContain('cellOverVoltage asserted');
  });

  test('rule 1: unwired ATC: only the optional blocking lines gate charging', () => {
    const h = new Harness({
      input: { lines: { chargeAllowed: undefined, highTemperature: 'released' } },
      params: { minOffTimeS: 0 },
    });
    expect(h.outputs.charge).toBe(true);
    h.set({ lines: { highTemperature: 'asserted' } });
    expect(h.outputs.charge).toBe(false);
    h.set({ lines: { highTemperature: 'unhealthy' } });
    expect(h.outputs.charge).toBe(false);
    expect(h.state).toBe('NORMAL');
    h.set({ lines: { highTemperature: 'released' } });
    expect(h.outputs.charge).toBe(true);
  });

  test('rule 1: discharge-side events never block charging (UV and SoC shutdown)', () => {
    const h = new Harness({ input: { lines: { dischargeAllowed: 'released' } } });
    expect(h.state).toBe('LOADS_OFF_UV');
    expect(h.outputs.charge).toBe(true);
    h.set({ lines: { dischargeAllowed: 'asserted' }, soc: 5 });
    h.advanceS(20);
    expect(h.state).toBe('LOADS_OFF_SOC');
    expect(h.outputs.charge).toBe(true);
    expect(h.whenOutput('charge', false)).toBeNull();
  });

  test('rule 2: UV with loads on: loads go off only after the pre-alarm output has been on for the lead time', () => {
    const h = new Harness();
    h.advanceS(60);
    h.set({ lines: { dischargeAllowed: 'released' } });
    const drop = h.now;
    expect(h.state).toBe('PRE_ALARM');
    expect(h.outputs).toEqual({ load: true, charge: true, preAlarm: true });
    expect(h.alarms.lowCellVoltage).toBe(1);
    expect(h.last.countdowns.loadDisconnectS).toBe(30);
    expect(h.last.nextDeadline).toBe(drop + 30_000);
    h.advance(29_999);
    expect(h.outputs.load).toBe(true);
    expect(h.last.countdowns.loadDisconnectS).toBe(0.1);
    h.advance(1);
    expect(h.state).toBe('LOADS_OFF_UV');
    // Loads go off at once; the pre-alarm output follows the new state once it has settled.
    expect(h.outputs).toEqual({ load: false, charge: true, preAlarm: true });
    h.advanceS(1);
    expect(h.outputs).toEqual({ load: false, charge: true, preAlarm: false });
    expect(h.whenOutput('preAlarm', false)).toBe(drop + 31_000);
    expect(h.eventsOf('output', 'preAlarm').pop()?.reason).toBe(
      'state LOADS_OFF_UV: allowed-to-discharge released (cell under-voltage): pre-alarm lead of 30 s elapsed',
    );
    expect(h.alarms.lowCellVoltage).toBe(2);
    const ev = h.eventsOf('output', 'load').pop();
    expect(ev?.t).toBe(drop + 30_000);
    expect(ev?.reason).toContain('allowed-to-discharge released (cell under-voltage)');
    expect(ev?.reason).toContain('pre-alarm lead of 30 s elapsed');
    expect(ev?.lines.dischargeAllowed).toBe('released');
  });

  test('rule 2: ATD back before the lead time: nothing is disconnected', () => {
    const h = new Harness();
    h.set({ lines: { dischargeAllowed: 'released' } });
    h.advanceS(29);
    h.set({ lines: { dischargeAllowed: 'asserted' } });
    expect(h.state).toBe('NORMAL');
    expect(h.alarms.lowCellVoltage).toBe(0);
    h.advanceS(1);
    expect(h.outputs).toEqual({ load: true, charge: true, preAlarm: false });
    expect(h.last.countdowns.loadDisconnectS).toBeNull();
    h.advanceS(600);
    expect(h.whenOutput('load', false)).toBeNull();
  });

  test('rule 2: pre-alarm already on (low-SoC warning) counts towards the lead time', () => {
    const h = new Harness({ input: { soc: 14 } });
    expect(h.state).toBe('PRE_ALARM');
    h.advanceS(10);
    h.set({ lines: { dischargeAllowed: 'released' } });
    expect(h.last.countdowns.loadDisconnectS).toBe(20);
    h.advanceS(20);
    expect(h.state).toBe('LOADS_OFF_UV');
    // and once on for the whole lead, the loads go at once
    const g = new Harness({ input: { soc: 14 } });
    g.advanceS(31);
    g.set({ lines: { dischargeAllowed: 'released' } });
    expect(g.state).toBe('LOADS_OFF_UV');
  });

  test('rule 3: UV when loads are already off (start-up, remote on, leaving FAULT): loads stay off, no pre-alarm cycle', () => {
    const h = new Harness({ input: { lines: { dischargeAllowed: 'released' } } });
    expect(h.state).toBe('LOADS_OFF_UV');
    expect(h.outputs).toEqual({ load: false, charge: true, preAlarm: false });
    const r = new Harness({ input: { softwareRemoteOn: false } });
    r.set({ lines: { dischargeAllowed: 'released' } });
    r.set({ softwareRemoteOn: true });
    expect(r.state).toBe('LOADS_OFF_UV');
    const f = new Harness({ input: { lines: { chargeAllowed: 'unhealthy' } } });
    expect(f.state).toBe('FAULT');
    f.set({ lines: { dischargeAllowed: 'released' } });
    f.set({ lines: { chargeAllowed: 'asserted' } });
    expect(f.state).toBe('LOADS_OFF_UV');
    for (const x of [h, r, f]) {
      expect(x.whenOutput('load', true)).toBeNull();
      expect(x.whenOutput('preAlarm', true, T0 + 1)).toBeNull();
    }
  });

  test('rule 4 (the demo, step 5): ATD asserted again and the pre-alarm line cleared together, seen one after the other: no pre-alarm pulse', () => {
    // The BMS raises its pre-alarm, drops ATD 5 s later, loads go off; much later it allows
    // discharge again and clears its pre-alarm at the same moment. The service may see the
    // two contacts in one step, one after the other at the same time, or one poll apart.
    for (const gapMs of [null, 0, 20, 400, 999]) {
      const h = new Harness();
      h.set({ lines: { preAlarm: 'asserted' } });
      h.advanceS(5);
      h.set({ lines: { dischargeAllowed: 'released' } });
      h.advanceS(30);
      expect(h.state).toBe('LOADS_OFF_UV');
      h.advanceS(30);
      const back = h.now;
      if (gapMs === null) {
        h.set({ lines: { dischargeAllowed: 'asserted', preAlarm: 'released' } });
      } else {
        h.set({ lines: { dischargeAllowed: 'asserted' } });
        expect(h.state).toBe('PRE_ALARM'); // for a moment: the pre-alarm line still says so
        h.advance(gapMs);
        h.set({ lines: { preAlarm: 'released' } });
      }
      expect(h.state).toBe('NORMAL');
      h.advanceS(60);
      const outputs = h.events.filter((e) => e.kind === 'output' && e.t >= back);
      expect(outputs.map((e) => [e.name, e.to])).toEqual([['load', true]]);
      expect(outputs[0].t).toBe(back + (gapMs ?? 0) + 1000);
      expect(outputs[0].reason).toBe(
        gapMs === null
          ? 'state NORMAL: allowed-to-discharge asserted again and minimum off time passed'
          : 'state NORMAL: pre-alarm causes cleared',
      );
      expect(h.eventsOf('output', 'preAlarm').map((e) => e.to)).toEqual([true, false]);
    }
  });

  test('rule 4: leaving LOADS_OFF_UV needs ATD asserted and the minimum off time passed', () => {
    const h = new Harness();
    h.set({ lines: { dischargeAllowed: 'released' } });
    h.advanceS(30);
    const off = h.now;
    expect(h.state).toBe('LOADS_OFF_UV');
    h.advanceS(3);
    h.set({ lines: { dischargeAllowed: 'asserted' } });
    expect(h.state).toBe('LOADS_OFF_UV');
    expect(h.last.nextDeadline).toBe(off + 10_000);
    h.advanceS(60);
    // NORMAL from off + 10 s; the load follows once the state has held the settle time.
    expect(h.whenOutput('load', true, off)).toBe(off + 11_000);
    expect(h.eventsOf('state', 'state').pop()?.reason).toContain('asserted again');
    expect(h.state).toBe('NORMAL');
    expect(h.alarms.lowCellVoltage).toBe(0);
  });

  test('rule 5: low SoC warning at floor + margin: PRE_ALARM and pre-alarm on, clears with hysteresis', () => {
    const h = new Harness({ input: { soc: 20 } });
    h.set({ soc: 15 });
    expect(h.state).toBe('PRE_ALARM');
    expect(h.outputs).toEqual({ load: true, charge: true, preAlarm: true });
    expect(h.alarms.lowSoc).toBe(1);
    h.set({ soc: 17.9 });
    expect(h.alarms.lowSoc).toBe(1);
    h.set({ soc: 18 });
    expect(h.state).toBe('NORMAL');
    expect(h.alarms.lowSoc).toBe(0);
    h.advanceS(1);
    expect(h.outputs.preAlarm).toBe(false);
  });

  test('rule 6: low SoC alarm: loads off after the shutdown delay without charge', () => {
    const h = new Harness({ input: { soc: 11 } });
    h.advanceS(100);
    h.set({ soc: 10 });
    const at = h.now;
    expect(h.alarms.lowSoc).toBe(2);
    expect(h.last.countdowns.lowSocShutdownS).toBe(300);
    h.advanceS(299.9);
    expect(h.outputs.load).toBe(true);
    h.advanceS(0.1);
    expect(h.state).toBe('LOADS_OFF_SOC');
    expect(h.outputs.load).toBe(false);
    h.advanceS(1);
    expect(h.outputs).toEqual({ load: false, charge: true, preAlarm: false });
    expect(h.whenOutput('load', false)).toBe(at + 300_000);
    expect(h.eventsOf('state', 'state').pop()?.reason).toContain('shutdown delay of 300 s elapsed');
  });

  test('rule 6: detected charge stops and resets the countdown', () => {
    const h = new Harness({ input: { soc: 11 } });
    h.set({ soc: 9 });
    h.advanceS(200);
    h.set({ voltage: 13.4 });
    h.advanceS(9);
    expect(h.last.countdowns.lowSocShutdownS).toBe(91);
    h.advanceS(1);
    expect(h.last.chargeDetected).toBe(true);
    expect(h.last.countdowns.lowSocShutdownS).toBeNull();
    expect(h.last.notes).toContain('charge detected: low-SoC shutdown paused');
    h.advanceS(1000);
    expect(h.outputs.load).toBe(true);
    h.set({ voltage: 12.9 });
    expect(h.last.countdowns.lowSocShutdownS).toBe(300);
  });

  test('rule 6: the pre-alarm output must have been on for the lead time before a low-SoC shutdown', () => {
    const h = new Harness({ params: { preAlarmLeadS: 600, lowSocShutdownDelayS: 30 } });
    h.set({ soc: 5 });
    expect(h.last.countdowns.lowSocShutdownS).toBe(600);
    h.advanceS(599);
    expect(h.outputs.load).toBe(true);
    h.advanceS(1);
    expect(h.state).toBe('LOADS_OFF_SOC');
  });

  test('rule 6: the countdown starts when the load comes back after the minimum off time', () => {
    const h = new Harness({ input: { soc: 11 } });
    h.set({ soc: 10 });
    h.set({ soc: 11.5 }); // alarm band holds (clears at 13 %)
    h.set({ softwareRemoteOn: false });
    h.advanceS(1);
    h.set({ softwareRemoteOn: true });
    const back = h.now + 9_000;
    // The pre-alarm output comes on once PRE_ALARM has settled, the load after its off time.
    expect(h.last.nextDeadline).toBe(h.now + 1_000);
    h.advanceS(1);
    expect(h.outputs.preAlarm).toBe(true);
    expect(h.last.nextDeadline).toBe(back);
    h.advanceS(99);
    expect(h.whenOutput('load', true, T0 + 1)).toBe(back);
    expect(h.last.countdowns.lowSocShutdownS).toBe(209);
    expect(h.memory.lowSocCountdownStart).toBe(back);
  });

  test('rule 7: leaving LOADS_OFF_SOC needs SoC ≥ floor + hysteresis, not mere charge detection', () => {
    const h = new Harness({ input: { soc: 11 } });
    h.set({ soc: 5 });
    expect(h.state).toBe('PRE_ALARM');
    h.advanceS(300);
    expect(h.state).toBe('LOADS_OFF_SOC');
    h.set({ voltage: 14, current: 20 });
    h.advanceS(60);
    expect(h.last.chargeDetected).toBe(true);
    h.set({ soc: 12.9 });
    expect(h.state).toBe('LOADS_OFF_SOC');
    h.set({ soc: 13 });
    expect(h.state).toBe('PRE_ALARM');
    expect(h.alarms.lowSoc).toBe(1);
    h.advanceS(1);
    expect(h.outputs.load).toBe(true);
  });

  test('rule 8: charge detected when voltage or current holds for the hold time', () => {
    const h = new Harness();
    h.set({ voltage: 13.3 });
    expect(h.last.chargeDetected).toBe(false);
    expect(h.last.nextDeadline).toBe(T0 + 10_000);
    h.advanceS(5);
    h.set({ voltage: 13.2 });
    h.set({ voltage: 13.3 });
    h.advanceS(9.9);
    expect(h.last.chargeDetected).toBe(false);
    h.advanceS(0.1);
    expect(h.last.chargeDetected).toBe(true);
    h.set({ voltage: null, current: 1 });
    expect(h.last.chargeDetected).toBe(true);
    h.set({ current: null });
    expect(h.last.chargeDetected).toBe(false);
    const v24 = new Harness({ params: { chargeDetectVoltage: 26.6, chargeDetectHoldS: 0 } });
    v24.set({ voltage: 26.5 });
    expect(v24.last.chargeDetected).toBe(false);
    v24.set({ voltage: 26.6 });
    expect(v24.last.chargeDetected).toBe(true);
  });

  test('rule 9: start-up and remote on evaluate levels, not edges', () => {
    expect(new Harness({ input: { soc: 10 } }).state).toBe('LOADS_OFF_SOC');
    expect(new Harness({ input: { soc: 11 } }).state).toBe('PRE_ALARM');
    expect(new Harness({ input: { soc: 16 } }).state).toBe('NORMAL');
    expect(new Harness({ input: { lines: { preAlarm: 'asserted' } } }).state).toBe('PRE_ALARM');
    const h = new Harness({ input: { softwareRemoteOn: false } });
    expect(h.state).toBe('REMOTE_OFF');
    h.set({ soc: 9 });
    h.set({ softwareRemoteOn: true });
    expect(h.state).toBe('LOADS_OFF_SOC');
    expect(h.whenOutput('load', true)).toBeNull();
  });

  test('rule 10: the SoC latch and the off times survive a restart', () => {
    const h = new Harness({ input: { soc: 11 } });
    h.set({ soc: 9 });
    h.advanceS(300);
    expect(h.state).toBe('LOADS_OFF_SOC');
    const saved = persistedPart(h.memory);
    expect(saved).toEqual({ socLatched: true, loadOffAt: h.now, chargeOffAt: null });
    const r = new Harness({ restored: saved, start: h.now + 5_000, input: { soc: 11 } });
    expect(r.state).toBe('LOADS_OFF_SOC');
    r.set({ soc: 13 });
    expect(r.state).toBe('LOADS_OFF_SOC');
    expect(r.last.nextDeadline).toBe(h.now + 10_000);
    r.advanceS(5);
    expect(r.state).toBe('PRE_ALARM');
    r.advanceS(1);
    expect(r.outputs.load).toBe(true);
  });

  test('rule 10: without a restored off time a crash-restart restores the outputs at once', () => {
    const h = new Harness();
    expect(h.outputs).toEqual({ load: true, charge: true, preAlarm: false });
    expect(h.memory.loadOffAt).toBeNull();
  });

  test('rule 11: SoC lost: no new warning, running countdown stops, latch stays, status says so', () => {
    const h = new Harness({ input: { soc: 10 } });
    h.advanceS(1);
    h.set({ soc: 12 });
    expect(h.state).toBe('LOADS_OFF_SOC');
    h.set({ soc: null });
    expect(h.last.notes).toContain('SoC source missing: discharge floor logic paused');
    expect(h.state).toBe('LOADS_OFF_SOC');
    h.set({ soc: 13 });
    expect(h.state).toBe('PRE_ALARM');
    h.advanceS(1);
    h.set({ soc: 9 });
    h.advanceS(100);
    h.set({ soc: null });
    expect(h.last.countdowns.lowSocShutdownS).toBeNull();
    expect(h.alarms.lowSoc).toBe(2);
    h.advanceS(1000);
    expect(h.outputs.load).toBe(true);
    h.set({ soc: 9 });
    expect(h.last.countdowns.lowSocShutdownS).toBe(300);
    const fresh = new Harness({ input: { soc: null } });
    expect(fresh.state).toBe('NORMAL');
    expect(fresh.alarms.lowSoc).toBe(0);
  });

  test('rule 12: countdowns use only differences of monotonic now: a huge offset changes nothing', () => {
    const story = (start: number): unknown[] => {
      const h = new Harness({ start });
      h.set({ lines: { dischargeAllowed: 'released' } });
      h.advanceS(12.5);
      h.set({ soc: 8 });
      h.advanceS(40);
      h.set({ lines: { dischargeAllowed: 'asserted' }, soc: 20 });
      h.advanceS(30);
      return h.history.map(({ now, result }) => ({
        dt: now - start,
        state: result.state,
        outputs: result.outputs,
        countdowns: result.countdowns,
        events: result.events.map((e) => ({ ...e, t: e.t - start })),
      }));
    };
    expect(story(2 ** 45)).toEqual(story(0));
  });
});
