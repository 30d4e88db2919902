import { describe, expect, it } from 'vitest';
import { autoEtsFull, fitForm, run, type Form } from '../src/model/forecast/ets-family.js';
import { forecast, indistinguishable } from '../src/model/forecast/index.js';

/** A deterministic generator (Park-Miller) and Box-Muller normals: the same simulated series every run. */
function normals(seed: number): () => number {
  let s = seed;
  const u = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

const TRUE = { alpha: 0.3, beta: 0.05, gamma: 0.1, phi: 0.9 };

/** n monthly points of an ETS(A,Ad,A) or ETS(M,Ad,M) process with the parameters TRUE. */
function simulate(n: number, multiplicative: boolean, seed: number): number[] {
  const z = normals(seed);
  const { alpha, beta, gamma, phi } = TRUE;
  let l = 100;
  let b = 1;
  const s = Array.from({ length: 12 }, (_, i) => Math.sin((2 * Math.PI * i) / 12) * (multiplicative ? 0.2 : 10));
  if (multiplicative) for (let i = 0; i < 12; i++) s[i] += 1;
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const q = l + phi * b;
    const j = i % 12;
    if (multiplicative) {
      const e = 0.02 * z();
      y.push(q * s[j] * (1 + e));
      l = q * (1 + alpha * e);
      b = phi * b + beta * q * e;
      s[j] *= 1 + gamma * e;
    } else {
      const e = 2 * z();
      y.push(q + s[j] + e);
      l = q + alpha * e;
      b = phi * b + beta * e;
      s[j] += gamma * e;
    }
  }
  return y;
}

describe('the exponential smoothing family fitted by likelihood', () => {
  it.each([
    { form: { error: 'A', trend: 'Ad', season: 'A', m: 12 } as Form, multiplicative: false },
    { form: { error: 'M', trend: 'Ad', season: 'M', m: 12 } as Form, multiplicative: true },
  ])(
    'recovers the parameters of a simulated ETS($form.error,$form.trend,$form.season) series, and AICc picks that form',
    ({ form, multiplicative }) => {
      const y = simulate(600, multiplicative, 7);
      const fit = fitForm(y, form);
      expect(fit.params.alpha).toBeCloseTo(TRUE.alpha, 1);
      expect(Math.abs(fit.params.beta - TRUE.beta)).toBeLessThan(0.03);
      expect(Math.abs(fit.params.gamma - TRUE.gamma)).toBeLessThan(0.05);
      expect(Math.abs(fit.params.phi - TRUE.phi)).toBeLessThan(0.06);
      const best = autoEtsFull(y, [12]);
      expect(typeof best === 'string' ? best : best.form).toEqual(form);
    }
  );

  it('offers no multiplicative form for a series with a zero or a negative value', () => {
    const y = simulate(120, false, 3).map((v, i) => (i === 50 ? 0 : v));
    const best = autoEtsFull(y, [12]);
    expect(typeof best === 'string' ? 'failed' : [best.form.error, best.form.season].includes('M')).toBe(false);
  });

  it('is a candidate like any other: cross-validated, with a band, and deterministic', () => {
    const y = simulate(120, true, 5);
    const a = forecast(y, { stepSeconds: 30 * 86_400, horizon: 12, models: ['auto_ets_full'] });
    expect(a.chosen).toBe('auto_ets_full');
    expect(a.cvMaseByStep).toHaveLength(12);
    expect(a.path[11].upper80).toBeGreaterThan(a.path[11].point);
    expect(JSON.stringify(forecast([...y], { stepSeconds: 30 * 86_400, horizon: 12, models: ['auto_ets_full'] }))).toBe(
      JSON.stringify(a)
    );
  });
});

/**
 * −2 log-likelihood of statsmodels 0.15's ETSModel (`-2 * model.loglike(params)`, one-off, not a
 * dependency) on the simulated 60 points below at alpha 0.3, beta 0.05, gamma 0.1 (0 where noted),
 * phi 0.9, level 100, trend 1 and the simulated initial season, shifted by n·log n − n·(1 + log 2π)
 * to the constant-free −2 log L that `run` returns; and statsmodels' maximum on the same points.
 * With a multiplicative season and gamma > 0 statsmodels updates the season from the new level
 * (y / ℓₜ) where R's etscalc and statsforecast (and `run`) use the one-step forecast's (y / (ℓₜ₋₁ + φbₜ₋₁)),
 * so that case is left out.
 */
const STATSMODELS = [
  { form: 'MAdN', multiplicative: true, gamma: 0.1, lik: 570.8838448831017, max: 427.21019905961543 },
  { form: 'MNA', multiplicative: true, gamma: 0.1, lik: 459.6705657448083, max: 302.9218835004234 },
  { form: 'MAdA', multiplicative: true, gamma: 0.1, lik: 473.3388366909743, max: 297.59270482088584 },
  { form: 'MAdM', multiplicative: true, gamma: 0, lik: 333.54749252163754, max: 296.85741030539407 },
  { form: 'AAA', multiplicative: false, gamma: 0.1, lik: 339.67820250832733, max: 300.5805771329059 },
  { form: 'AAdA', multiplicative: false, gamma: 0.1, lik: 336.170643830916, max: 299.9952056244488 },
  { form: 'ANN', multiplicative: false, gamma: 0.1, lik: 478.7508844748488, max: 420.749910840084 },
];

const formOf = (code: string): Form => ({
  error: code[0] as Form['error'],
  trend: (code.length === 4 ? 'Ad' : code[1]) as Form['trend'],
  season: code[code.length - 1] as Form['season'],
  m: 12,
});

describe('the likelihood of the exponential smoothing family', () => {
  it.each(STATSMODELS)(
    "equals statsmodels' ETS($form) log-likelihood at the same parameters and initial states",
    ({ form, multiplicative, gamma, lik }) => {
      const f = formOf(form);
      const mul = f.season === 'M';
      const season = Array.from(
        { length: 12 },
        (_, i) => Math.sin((2 * Math.PI * i) / 12) * (mul ? 0.2 : 10) + (mul ? 1 : 0)
      );
      const params = {
        alpha: 0.3,
        beta: f.trend === 'N' ? 0 : 0.05,
        gamma: f.season === 'N' ? 0 : gamma,
        phi: f.trend === 'Ad' ? 0.9 : 1,
      };
      const states = { level: 100, trend: f.trend === 'N' ? 0 : 1, season: f.season === 'N' ? [] : season };
      expect(run(simulate(60, multiplicative, 11), f, params, states).lik).toBeCloseTo(lik, 6);
    }
  );

  it.each(STATSMODELS.filter((c) => c.form.endsWith('N')))(
    "reaches statsmodels' maximum likelihood for the non-seasonal ETS($form), whose initial states are all fitted",
    ({ form, multiplicative, max }) => {
      expect(fitForm(simulate(60, multiplicative, 11), formOf(form)).end.lik).toBeLessThan(max + 0.05);
    }
  );
});

describe('the automatic choice', () => {
  it.each([
    { best: [1, 1, 1, 1], other: [1, 1, 1, 1], same: true },
    { best: [1, 2, 1, 2], other: [1.1, 2.2, 0.9, 2.1], same: true },
    { best: [1, 1, 1, 1], other: [2, 2, 2, 2], same: false },
    { best: [1, 1, 1, 1], other: [1.5, 1.4, 1.6, 1.5], same: false },
  ])(
    'tells a candidate from the best only beyond two standard errors of their paired difference: $other vs $best → $same',
    ({ best, other, same }) => {
      expect(indistinguishable(best, other, 2)).toBe(same);
    }
  );

  it('is the equal-weight mean of the candidates the cross-validation cannot tell from the best', () => {
    const y = simulate(120, false, 9);
    const r = forecast(y, { stepSeconds: 30 * 86_400, horizon: 12 });
    expect(r.chosen).toBe('combination');
    const paths = r.candidates.filter((c) => r.members.includes(c.model)).map((c) => c.path);
    for (let k = 0; k < 12; k++)
      expect(r.path[k].point).toBeCloseTo(paths.reduce((a, p) => a + p[k].point, 0) / paths.length, 9);
    // The combination's cross-validated MASE is its own (the mean of the members' errors), at most the worst member's.
    const memberMase = r.candidates.filter((c) => r.members.includes(c.model)).map((c) => c.cvMase!);
    expect(r.cvMase!).toBeLessThanOrEqual(Math.max(...memberMase));
  });

  it('has an 80 % band that covers 80–95 % of held-out points on simulated daily series (conservative by the finite-sample correction)', () => {
    const z = normals(11);
    let inside80 = 0;
    let inside95 = 0;
    let total = 0;
    for (let k = 0; k < 20; k++) {
      let l = 1000;
      let b = 2;
      const y: number[] = [];
      for (let i = 0; i < 224; i++) {
        const e = 10 * z();
        y.push(l + b + 40 * Math.sin((2 * Math.PI * i) / 7) + e);
        l += b + 0.3 * e;
        b += 0.02 * e;
      }
      const r = forecast(y.slice(0, 210), { stepSeconds: 86_400, horizon: 14 });
      r.path.forEach((p, i) => {
        const v = y[210 + i];
        total++;
        if (v >= p.lower80 && v <= p.upper80) inside80++;
        if (v >= p.lower95 && v <= p.upper95) inside95++;
      });
    }
    expect(inside80 / total).toBeGreaterThanOrEqual(0.8);
    expect(inside80 / total).toBeLessThanOrEqual(0.95);
    expect(inside95 / total).toBeGreaterThanOrEqual(inside80 / total);
  });
});
