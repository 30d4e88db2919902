/**
 * performance.mark/measure around the plan view render, so the browser test (and anyone with the
 * devtools Performance tab) can read how long a render takes.
 */
export const PLAN_RENDER_MEASURE = 'headroom-plan-render';
const START = `${PLAN_RENDER_MEASURE}:start`;
const END = `${PLAN_RENDER_MEASURE}:end`;

const canMeasure = () =>
  typeof performance !== 'undefined' &&
  typeof performance.mark === 'function' &&
  typeof performance.measure === 'function';

export function markPlanRenderStart() {
  if (canMeasure()) {
    performance.mark(START);
  }
}

export function markPlanRenderEnd() {
  if (canMeasure()) {
    performance.mark(END);
    performance.measure(PLAN_RENDER_MEASURE, START, END);
  }
}
