import { describe, expect, it } from 'vitest';
import { isOutpostError } from '@outpost/protocol';
import { FleetErrorCodes } from '../../src/errors.ts';
import { formatSteps, parseWaves, planWaves } from '../../src/campaign/waves.ts';

const devices = (n: number): string[] => Array.from({ length: n }, (_, i) => `dev-${i}`);

describe('waves', () => {
  it('reads shares, counts and all, cumulative', () => {
    expect(parseWaves('1%,10%,50%,100%')).toEqual([{ percent: 1 }, { percent: 10 }, { percent: 50 }, { percent: 100 }]);
    expect(parseWaves('5,50,all')).toEqual([{ count: 5 }, { count: 50 }, { all: true }]);
    expect(formatSteps(parseWaves('5, 10% ,all'))).toBe('5,10%,all');
  });

  it('refuses a step that is not a share, a count or all, and a last step short of everyone', () => {
    for (const bad of ['0%', '101%', 'x', '5,-1,all', '10%,50%', '', '5']) {
      let err: unknown;
      try {
        parseWaves(bad);
      } catch (e) {
        err = e;
      }
      expect(isOutpostError(err, FleetErrorCodes.CAMPAIGN_INVALID), bad).toBe(true);
    }
  });

  it('plans 1%,10%,50%,100% of 1,000 devices as 10, 90, 400, 500, each device once', () => {
    const waves = planWaves(devices(1000), parseWaves('1%,10%,50%,100%'), 'seed');
    expect(waves.map((w) => w.length)).toEqual([10, 90, 400, 500]);
    expect(new Set(waves.flat()).size).toBe(1000);
  });

  it('gives a small fleet at least one device in the first wave and drops empty waves', () => {
    expect(planWaves(devices(3), parseWaves('1%,10%,100%'), 's').map((w) => w.length)).toEqual([1, 2]);
    expect(planWaves(devices(3), parseWaves('5,50,all'), 's').map((w) => w.length)).toEqual([3]);
  });

  it('is the same for the same seed whatever order the devices come in, and differs by seed', () => {
    const a = planWaves(devices(50), parseWaves('10%,100%'), 'campaign-1');
    const b = planWaves(devices(50).reverse(), parseWaves('10%,100%'), 'campaign-1');
    const c = planWaves(devices(50), parseWaves('10%,100%'), 'campaign-2');
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
    // Not simply the first names in order.
    expect(a[0]).not.toEqual(devices(50).slice(0, 5));
  });

  it('makes the canary list the first wave, then the steps over everyone', () => {
    const waves = planWaves(devices(20), parseWaves('50%,100%'), 's', ['dev-7', 'dev-3']);
    expect(waves[0]).toEqual(['dev-7', 'dev-3']);
    expect(waves.map((w) => w.length)).toEqual([2, 8, 10]);
    expect(waves.slice(1).flat()).not.toContain('dev-7');
  });
});
