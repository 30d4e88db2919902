import { chooseScale, linearScale, logScale, spreadLabels, thinTicks, timeTicks } from './scale';

describe('chart scales', () => {
  it.each([
    ['linear for values within 30× of each other', [8, 10, 43, 40], 'linear'],
    ['log for compound growth over a year', [8, 2252, 40], 'log'],
    ['linear when there are no positive values', [0], 'linear'],
  ])('auto picks %s', (_name, values, kind) => {
    expect(chooseScale('auto', values, 100, 0).kind).toBe(kind);
  });

  it('maps zero to the bottom and the top tick to the top of a linear range', () => {
    const y = linearScale(43, 100, 0);
    expect(y.ticks).toEqual([0, 10, 20, 30, 40, 50]);
    expect(y(0)).toBe(100);
    expect(y(50)).toBe(0);
  });

  it('covers whole decades on a log scale', () => {
    const y = logScale(8, 2252, 100, 0);
    expect(y.ticks).toEqual([1, 10, 100, 1000, 10000]);
    expect(y(1)).toBe(100);
    expect(y(10000)).toBe(0);
    expect(y(100)).toBeCloseTo(50);
  });
});

describe('label layout', () => {
  it('pushes overlapping labels apart and keeps them inside the plot', () => {
    const placed = spreadLabels([{ y: 50 }, { y: 52 }, { y: 98 }, { y: 99 }], 11, 0, 100);
    expect(placed.map((l) => l.labelY)).toEqual([50, 61, 89, 100]);
  });

  it('drops tick labels that would run into the previous one', () => {
    expect(thinTicks([0, 1, 3, 6, 12], (m) => m * 10, 25)).toEqual([0, 3, 6, 12]);
  });
});

describe('time axis', () => {
  const at = (h: number, m: number, sec = 0) => Date.UTC(2026, 10, 27, h, m, sec);

  it('puts one tick per whole minute on a 5-minute range, each a different HH:mm', () => {
    const { ticks, format } = timeTicks(at(17, 45), at(17, 50), 6);
    expect(ticks).toEqual([45, 46, 47, 48, 49, 50].map((m) => at(17, m)));
    expect(format).toBe('HH:mm');
  });

  it('starts at the first round time inside an unaligned range', () => {
    expect(timeTicks(at(8, 7, 30), at(12, 7, 30), 6).ticks).toEqual([9, 10, 11, 12].map((h) => at(h, 0)));
  });

  it.each([
    ['seconds for a 90-second range', 90 * 1000, 'HH:mm:ss', 15 * 1000],
    ['days for a week', 7 * 86400 * 1000, 'MM-DD', 2 * 86400 * 1000],
    ['day and time for three days', 3 * 86400 * 1000, 'MM-DD HH:mm', 12 * 3600 * 1000],
  ])('labels %s', (_name, span, format, step) => {
    const result = timeTicks(at(0, 0), at(0, 0) + span, 6);
    expect(result.format).toBe(format);
    expect(result.ticks[1] - result.ticks[0]).toBe(step);
    expect(result.ticks.length).toBeLessThanOrEqual(7);
  });
});
