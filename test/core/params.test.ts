/** Tunables: defaults inside their ranges, conversion to engine units, state codes. */
import {
  DEFAULT_PARAMS,
  DEFAULT_TUNABLES,
  TUNABLE_RANGES,
  paramsFromTunables,
  type NumericTunable,
} from '../../service/src/core/params';
import { BMS_STATES, stateCode } from '../../service/src/core/types';

describe('tunables', () => {
  test('every default lies inside its range (behaviour.md section 3)', () => {
    for (const [name, { min, max }] of Object.entries(TUNABLE_RANGES)) {
      const value = DEFAULT_TUNABLES[name as NumericTunable];
      expect(value).toBeGreaterThanOrEqual(min);
      expect(value).toBeLessThanOrEqual(max);
    }
    expect(TUNABLE_RANGES.preAlarmLeadS.min).toBe(30);
  });

  test('the charge-detect voltage scales with the system voltage, exactly', () => {
    expect(DEFAULT_PARAMS.chargeDetectVoltage).toBe(13.3);
    expect(paramsFromTunables(DEFAULT_TUNABLES, 24).chargeDetectVoltage).toBe(26.6);
    expect(paramsFromTunables(DEFAULT_TUNABLES, 48).chargeDetectVoltage).toBe(53.2);
    expect(DEFAULT_PARAMS).toMatchObject({
      preAlarmLeadS: 30,
      dischargeFloorPct: 10,
      lowSocShutdownDelayS: 300,
      minOffTimeS: 10,
      preAlarmAfterDisconnect: false,
    });
  });

  test('the settle time: 1 s, or two poll periods of the slowest polled line', () => {
    expect(DEFAULT_PARAMS.settleS).toBe(1);
    expect(paramsFromTunables(DEFAULT_TUNABLES, 12, 100).settleS).toBe(1);
    expect(paramsFromTunables(DEFAULT_TUNABLES, 12, 2000).settleS).toBe(4);
  });

  test('/Bms/State codes follow contract.md', () => {
    expect(BMS_STATES.map(stateCode)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(stateCode('FAULT')).toBe(6);
  });
});
