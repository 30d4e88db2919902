import { chooseScale, linearScale, logScale, spreadLabels, thinTicks } from './scale';

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
