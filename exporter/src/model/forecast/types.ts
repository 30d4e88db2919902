/** Shapes shared by the forecasting code: a fitted model is a function from horizon to a point path. */

export interface Point {
  /** Unix seconds. */
  t: number;
  v: number;
}

/** Every model Headroom can fit; `combination` is the median of the best few by cross-validation. */
export const MODEL_NAMES = [
  'naive',
  'drift',
  'linear',
  'linear_recent',
  'polynomial',
  'exponential',
  'damped',
  'theta',
  'holt_winters',
  'auto_ets',
  'damped_adjusted',
  'holt_adjusted',
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
