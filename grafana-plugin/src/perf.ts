/**
 * performance.mark/measure around a view's render, so the browser test, the benchmark (and anyone
 * with the devtools Performance tab) can read how long a render takes. The plan measure covers the
 * plan view's render; the fleet measure covers the whole panel render in the fleet view, from the
 * data frames to the committed DOM (frames → series → rows → ranking → table), which is what grows
 * with the number of services.
 */
export const PLAN_RENDER_MEASURE = 'headroom-plan-render';
export const FLEET_RENDER_MEASURE = 'headroom-fleet-render';

const canMeasure = () =>
  typeof performance !== 'undefined' &&
  typeof performance.mark === 'function' &&
  typeof performance.measure === 'function';

export function markRenderStart(measure: string) {
  if (canMeasure()) {
    performance.mark(`${measure}:start`);
  }
}

export function markRenderEnd(measure: string) {
  if (canMeasure()) {
    performance.mark(`${measure}:end`);
    performance.measure(measure, `${measure}:start`, `${measure}:end`);
  }
}

export const markPlanRenderStart = () => markRenderStart(PLAN_RENDER_MEASURE);
export const markPlanRenderEnd = () => markRenderEnd(PLAN_RENDER_MEASURE);
