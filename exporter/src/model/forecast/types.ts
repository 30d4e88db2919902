/** Shapes shared by the forecasting code: a fitted model is a function from horizon to a point path. */

export interface Point {
  /** Unix seconds. */
  t: number;
  v: number;
}

/**
 * The default candidates (bench: forecast), in tie-break order. The whole ETS family (auto_ets_full)
 * and augurs' ets and mstl cost 25–50 ms a fit each, so they are opt-in; linear, polynomial and
 * exponential too (whole-window trends: rarely right, they add noise to the choice).
 */
export const DEFAULT_MODELS = [
  'naive',
  'drift',
  'linear_recent',
  'damped',
  'theta',
  'holt_winters',
  'auto_ets',
  'damped_adjusted',
  'holt_adjusted',
] as const;
/** Every model Headroom can fit; `combination` is the mean of the candidates the cross-validation cannot tell from the best. */
export const MODEL_NAMES = [
  ...DEFAULT_MODELS,
  'auto_ets_full',
  'linear',
  'polynomial',
  'exponential',
  'ets',
  'mstl',
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export type ChoiceName = ModelName | 'combination';

/** One step of a forecast path with its 80 % and 95 % bounds. */
export interface PathPoint {
  point: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

export interface FitContext {
  /** Season lengths in steps, shortest first (empty: no season). */
  seasons: number[];
  /** The longest path that will be asked of the fitted model. */
  horizon: number;
}

/**
 * A fitted model: the point forecast for steps 1..h after the last training point. `origins`, when
 * set, is the fitter to use at the cross-validation origins (a model that chooses its form on the
 * whole history refits only that form there).
 */
export type Fitted = ((h: number) => number[]) & { origins?: Fitter };
/** Fit a model on `y`; a string says why it cannot be fitted. */
export type Fitter = (y: number[], ctx: FitContext) => Fitted | string;
