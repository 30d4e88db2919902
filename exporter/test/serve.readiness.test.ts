/**
 * `/-/ready` (what Kubernetes routes scrapes and Alertmanager's webhooks by) answers 200 once the
 * first refresh has published its plans: the fleets are discovered and every signal read, while
 * the history refit that follows may still run (tens of seconds for a large fleet). That state is
 * safe: no decision depends on a history fit, and the services awaiting theirs are counted in
 * headroom_history_pending_services. The refit is held here by a source whose reads wait for a gate.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { METRIC } from '@headroom/contract';
import { refreshHistories } from '../src/engine.js';
import { emptyState } from '../src/model/decision.js';
import { planService } from '../src/model/plan.js';
import { startServe, type ServeHandle } from '../src/server/index.js';
import { DemoSource } from '../src/sources/demo.js';
import type { Source } from '../src/sources/source.js';
import { EXAMPLE_POLICY, FLEET_POLICY, examplePolicy } from './helpers.js';
import { firingNow, post } from './scaler-fixtures/support.js';
import { tempDir, waitFor } from './support/processes.js';
import { captureLogger, getJson, scrape, seriesKey } from './support/serve.js';

const NOW = Date.UTC(2026, 10, 27, 12) / 1000;

/** A gate: `wait()` resolves once `open()` was called. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open: () => open() };
}

/** The demo source, its signal reads held until `inputs` opens, its history reads until `history` opens. */
function heldSource() {
  const demo = new DemoSource();
  const inputs = gate();
  const history = gate();
  const source = Object.assign(Object.create(demo) as Source, {
    async readInputsMany(...args: Parameters<Source['readInputsMany']>) {
      await inputs.wait();
      return demo.readInputsMany(...args);
    },
    async readHistoryMany(...args: Parameters<Source['readHistoryMany']>) {
      await history.wait();
      return demo.readHistoryMany(...args);
    },
  });
  held.push(inputs.open, history.open);
  return { source, inputs, history };
}

/** The gates still to open after a test (a held read would hold close() forever). */
const held: (() => void)[] = [];
let serve: ServeHandle | undefined;
afterEach(async () => {
  for (const open of held.splice(0)) open();
  await serve?.close();
  serve = undefined;
});

const historyUp = (m: Map<string, number>, service: string) =>
  m.get(seriesKey(METRIC.inputUp, { service, signal: 'history' }));

describe('/-/ready at start', () => {
  it('answers 503 until the first plans are published, then 200 while the history refit is pending, which the pending gauge counts', async () => {
    const { source, inputs, history } = heldSource();
    const file = path.join(tempDir('readiness'), 'headroom.yml');
    writeFileSync(file, readFileSync(EXAMPLE_POLICY, 'utf8'));
    serve = await startServe({
      configFile: file,
      listen: '127.0.0.1:0',
      logger: captureLogger().logger,
      version: 'test',
      clock: () => NOW,
      scalerFactory: null,
      source,
    });
    const ready = () => fetch(`${serve!.url}/-/ready`).then(async (r) => [r.status, await r.text()]);
    expect(await ready()).toEqual([503, 'Headroom is not ready: the first refresh has not published its plans.\n']);

    inputs.open();
    await waitFor('the first publication', async () => (await ready())[0] === 200);
    const fitted = examplePolicy().services.filter((s) => s.growth.history_query !== undefined);
    expect(fitted.length).toBeGreaterThan(0);
    let m = await scrape(serve.url);
    expect(m.get(METRIC.historyPendingServices)).toBe(fitted.length);
    for (const s of fitted) expect(historyUp(m, s.name)).toBe(0);
    const plan = await getJson(`${serve.url}/api/v1/plan`);
    expect([plan.ready, plan.refreshedAt]).toEqual([true, null]);
    expect(plan.services.every((s: any) => s.decision !== undefined)).toBe(true);

    history.open();
    await waitFor('the history refit', async () => serve!.refresher.stats !== null);
    m = await scrape(serve.url);
    expect(m.get(METRIC.historyPendingServices)).toBe(0);
    for (const s of fitted) expect(historyUp(m, s.name)).toBe(1);
    expect(await ready()).toEqual([200, 'Headroom is Ready.\n']);
  });

  it('acts on a webhook for a fleet service while the first history refit is still pending', async () => {
    const { source, inputs } = heldSource();
    inputs.open(); // the history reads stay held for the whole test
    const dir = tempDir('readiness-fleet');
    const file = path.join(dir, 'headroom.yml');
    const doc = yaml.load(readFileSync(FLEET_POLICY, 'utf8')) as any;
    doc.scaler = { store: { type: 'sqlite', path: path.join(dir, 'state.db') }, actuator: { type: 'dry-run' } };
    writeFileSync(file, yaml.dump(doc));
    serve = await startServe({
      configFile: file,
      listen: '127.0.0.1:0',
      logger: captureLogger().logger,
      version: 'test',
      env: {},
      source,
    });
    await waitFor('the first publication', async () => (await fetch(`${serve!.url}/-/ready`)).ok);
    expect((await scrape(serve.url)).get(METRIC.historyPendingServices)).toBeGreaterThan(0);
    const res = await post(serve.url, firingNow('cart'));
    expect([res.status, res.body.results[0].action]).toEqual([200, 'scale_out']);
    expect(serve.refresher.stats).toBeNull(); // the refit had not completed
  });
});

describe('the decision in a plan published before its history fit', () => {
  it.each([0, 6, 12, 18].map((h) => [`${h}:00`, NOW + h * 3600] as const))(
    'is the decision of the plan with the fit, at %s',
    async (_at, now) => {
      const policy = examplePolicy();
      const source = new DemoSource();
      const [inputs, fits] = await Promise.all([
        source.readInputsMany(policy.services, now),
        refreshHistories(source, policy.services, now),
      ]);
      for (const svc of policy.services) {
        const opts = { budgetGuard: policy.scaler.budget_guard };
        const withFit = planService(svc, inputs.get(svc.name)!, fits.get(svc.name)?.fit ?? null, emptyState(), opts);
        const without = planService(svc, inputs.get(svc.name)!, null, emptyState(), opts);
        expect(without.decision).toEqual(withFit.decision);
        expect([without.current, without.recommendation, without.budget]).toEqual([
          withFit.current,
          withFit.recommendation,
          withFit.budget,
        ]);
      }
    }
  );
});
