/**
 * Grafana Labs' augurs (Rust compiled to WASM): AutoETS (non-seasonal only in this build: a seasonal
 * spec silently fits a non-seasonal model) and MSTL with an AutoETS trend. In Node, `init()` tries to
 * fetch a file: URL, so each submodule's .wasm is read beside its resolved .js and passed to initSync
 * (the .wasm is not in the package's exports).
 * MSTL throws strings, not Errors: both are turned into a reason.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ets from '@bsull/augurs/ets';
import * as mstl from '@bsull/augurs/mstl';
import type { Fitter } from './types.js';

const require = createRequire(import.meta.url);
let ready = false;
function init(): void {
  if (ready) return;
  // createRequire, not import.meta.resolve: the latter is missing under vitest's module runner.
  const wasm = (mod: string, file: string) => readFileSync(path.join(path.dirname(require.resolve(mod)), file));
  ets.initSync({ module: wasm('@bsull/augurs/ets', 'ets_bg.wasm') });
  mstl.initSync({ module: wasm('@bsull/augurs/mstl', 'mstl_bg.wasm') });
  ready = true;
}

const reason = (e: unknown) => `augurs: ${e instanceof Error ? e.message : String(e)}`;

interface Model {
  fit(y: number[]): void;
  predict(h: number): { point: number[] };
  free(): void;
}

/** Fits and predicts the longest horizon at once, then frees the WASM memory; a failure is a reason. */
function wrap(make: () => Model, y: number[], horizon: number): ReturnType<Fitter> {
  init();
  let model: Model | undefined;
  try {
    model = make();
    model.fit(y);
    const path = Array.from(model.predict(horizon).point);
    if (path.some((v) => !Number.isFinite(v))) return 'augurs: non-finite forecast';
    return (h) => path.slice(0, h);
  } catch (e) {
    return reason(e);
  } finally {
    model?.free();
  }
}

export const fitEts: Fitter = (y, ctx) =>
  y.length < 8 ? 'needs at least 8 points' : wrap(() => new ets.AutoETS(1, 'ZZN'), y, ctx.horizon);

export const fitMstl: Fitter = (y, ctx) => {
  const periods = ctx.seasons.filter((s) => y.length >= 2 * s + 2);
  if (periods.length === 0) return 'no season the history covers twice';
  return wrap(() => mstl.MSTL.ets(periods, { impute: true }), y, ctx.horizon);
};
