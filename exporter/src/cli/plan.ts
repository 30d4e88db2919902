import type { Command } from 'commander';
import { createSource } from '../sources/index.js';
import { computePlans } from '../engine.js';
import type { ServicePlan } from '../model/plan.js';
import type { ExhaustionRange } from '../model/projection.js';
import { MONTH_SECONDS } from '../config/defaults.js';
import type { Signal } from '../config/schema.js';
import { UNIT_SUFFIX } from '../alerts/format.js';
import { fixed, money as formatMoney, ratioPercent, roughDuration } from '../format.js';
import {
  addConfigOption,
  parseFormat,
  parseRelativeTime,
  parseTime,
  policyFile,
  readPolicy,
  UsageError,
  type Io,
} from './common.js';

const money = (v: number | null, cur: string) => (v === null ? 'n/a' : formatMoney(v, cur));
const months = (s: number | null) =>
  s === null ? 'not within 10 years' : s === 0 ? 'now' : `${fixed(s / MONTH_SECONDS, 1)} months`;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function range(values: number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

const day = (at: number, s: number) => new Date((at + s) * 1000).toISOString().slice(0, 10);

/** "between <date> and <date> (80 %)": the upper bound crosses first, the lower bound last. */
export function exhaustionText(r: ExhaustionRange, at: number, horizonDays: number): string {
  const end = `after ${day(at, horizonDays * 86_400)} (end of the forecast)`;
  if (r.earliestSeconds === null)
    return `not within the forecast (to ${day(at, horizonDays * 86_400)}), even at the upper 80 % bound`;
  if (r.earliestSeconds <= 86_400 && r.latestSeconds !== null && r.latestSeconds <= 86_400) return 'now';
  return `between ${day(at, r.earliestSeconds)} and ${r.latestSeconds === null ? end : day(at, r.latestSeconds)} (80 %)${r.pointSeconds === null ? '' : `, most likely ${day(at, r.pointSeconds)}`}`;
}

function renderForecast(p: ServicePlan): string[] {
  const pr = p.projections;
  const f = pr.forecast;
  if (!f)
    return [
      `Forecast from the history: unavailable (${pr.models.find((m) => !m.ok)?.reason ?? pr.reason ?? 'no model could be fitted'})`,
    ];
  const who = f.chosen === 'combination' ? `combination of ${f.members.join(', ')}` : f.chosen;
  const out = [
    `Forecast from the history (${who}; cross-validated MASE ${fixed(f.cvMase, 3)} on ${f.origins} rolling origins; seasons ${f.seasons.join(', ') || 'none'})`,
  ];
  const l = f.learning;
  if (l.active)
    out.push(
      `  learning: ${roughDuration(l.historySeconds)} of history, ${roughDuration(l.neededSeconds)} needed for full confidence; fitted every ${roughDuration(l.stepSeconds)}, bands widened ×${fixed(l.widen, 1)}`
    );
  for (const h of f.horizons) {
    const u = h.users;
    const i = h.instances;
    out.push(
      `  ${lpad(`${h.months} mo`, 6)}  ${lpad(fixed(u.point), 9)} users [${fixed(u.lower80)}–${fixed(u.upper80)}] → ${i.point} instances [${i.lower80}–${i.upper80}] (80 %)`
    );
  }
  const days = Math.max(...f.horizons.map((h) => h.months)) * 30;
  out.push(`  capacity runs out ${exhaustionText(f.capacityExhaustion, p.at, days)}`);
  out.push(`  budget runs out ${exhaustionText(f.budgetExhaustion, p.at, days)}`);
  out.push('  candidates (cross-validated MASE, lower is better; * in the forecast):');
  for (const m of pr.models)
    out.push(
      m.ok
        ? `    ${pad(m.model + (m.selected ? ' *' : ''), 16)}${fixed(m.cvMase!, 3)}`
        : `    ${pad(m.model, 16)}not fitted: ${m.reason}`
    );
  return out;
}

/** A value in its signal's unit: "70.3%", "300 ms", "160 sessions". */
const withUnit = (v: number, unit: Signal['unit'] | null) =>
  `${fixed(v, Number.isInteger(v) ? 0 : 1)}${unit ? UNIT_SUFFIX[unit] : ''}`;

function renderThresholds(p: ServicePlan): string[] {
  const lt = p.loadtest;
  if (!lt) return [];
  return [
    'Load-test thresholds (concurrent users per instance)',
    `  optimal ${lt.optimal} · warning ${lt.warning} · critical ${lt.critical} · maximum ${lt.maximum}`,
    `  scale out at ${lt.scaleOut} · scale in at ${lt.scaleIn} · emergency at ${lt.emergency}`,
    '',
  ];
}

function renderNow(p: ServicePlan): string[] {
  const r = p.recommendation;
  const out = ['Now'];
  const bases = Object.entries(r.bases)
    .map(([b, v]) => `${b} ${v ?? 'n/a'}`)
    .join(', ');
  out.push(
    `  instances: ${p.current ?? 'unknown'} running, ${r.recommended ?? 'unknown'} recommended (basis: ${r.basis ?? 'none'}; ${bases})`
  );
  for (const h of p.headroom) {
    out.push(
      h.used === null
        ? `  ${pad(h.resource, 9)} missing (${p.inputs[h.signal]?.reason ?? 'no data'})`
        : `  ${pad(h.resource, 9)} ${lpad(ratioPercent(h.headroom), 6)} headroom (${withUnit(h.used, h.unit)} used, warning ${withUnit(h.warning, h.unit)} / critical ${withUnit(h.critical, h.unit)}, limit ${withUnit(h.limit, h.unit)}) · critical in ${months(h.exhaustionSeconds)}`
    );
  }
  const d = p.decision;
  out.push(
    `  decision: ${d.action}${d.action !== 'none' ? ` to ${d.target}` : ''}${d.blockedBy.length ? ` (wanted ${d.intended}, blocked by ${d.blockedBy.join(', ')})` : ''}, confidence ${fixed(d.confidence, 2)}`
  );
  for (const reason of d.reasons) out.push(`    - ${reason}`);
  out.push('');
  return out;
}

function renderScenarios(p: ServicePlan): string[] {
  const cur = p.cost.currency;
  const pr = p.projections;
  if (pr.scenarios.length === 0) return [`Projections: unavailable (${pr.reason ?? 'no history'})`];
  const hs = pr.scenarios[0].horizons.map((h) => h.months);
  const out = [
    `Projections (daily active users now: ${fixed(pr.currentDailyUsers ?? 0)}; instances and monthly cost)`,
    `  ${pad('scenario', 16)}${hs.map((m) => lpad(`${m} mo`, 20)).join('')}   capacity runs out      budget runs out`,
  ];
  for (const s of pr.scenarios) {
    const cells = s.horizons
      .map((h) => lpad(`${h.instances}${h.exceedsMax ? '!' : ''} (${money(h.monthlyCost, cur)})`, 20))
      .join('');
    out.push(
      `  ${pad(`${s.scenario}${s.planning ? ' *' : ''}`, 16)}${cells}   ${pad(months(s.capacityExhaustionSeconds), 22)} ${months(s.budgetExhaustionSeconds)}`
    );
  }
  out.push(`  * planning scenario · ! above the maximum of instances`);
  for (const m of [6, 12]) {
    const at = pr.scenarios.map((s) => s.horizons.find((h) => h.months === m)).filter((h) => h !== undefined);
    if (at.length === 0) continue;
    const [iMin, iMax] = range(at.map((h) => h.instances));
    const [cMin, cMax] = range(at.map((h) => h.monthlyCost));
    const plan = pr.scenarios.find((s) => s.planning)!.horizons.find((h) => h.months === m)!;
    out.push(
      `  ${m}-month range: ${iMin}–${iMax} instances, ${money(cMin, cur)}–${money(cMax, cur)} a month; planning (${pr.planningScenario}): ${plan.instances} instances (${money(plan.monthlyCost, cur)} a month)`
    );
  }
  out.push('');
  out.push(...renderForecast(p));
  return out;
}

function renderCost(p: ServicePlan): string[] {
  const cur = p.cost.currency;
  const c = p.cost.monthly;
  const out = [
    `Cost now (this month, ${fixed(p.cost.hours)} h): on-demand ${money(c.on_demand, cur)} · reserved ${money(c.reserved, cur)} · spot ${money(c.spot, cur)} · resource prices ${money(c.resources, cur)}`,
  ];
  const sv = p.cost.savings;
  if (sv) {
    out.push(
      `Savings (a month): right-sizing ${money(sv.monthly.right_sizing, cur)}${sv.rightSizedInstances !== null ? ` (to ${sv.rightSizedInstances} instances)` : ''} · reserved ${money(sv.monthly.reserved, cur)} · spot ${money(sv.monthly.spot, cur)} (spot needs a fault-tolerant workload)`
    );
  }
  const b = p.budget;
  out.push(
    `Budget: ${money(b.monthlyBudget, cur)} a month, warning at ${ratioPercent(b.warningRatio)}; spent ${money(b.spendToDate, cur)} (${ratioPercent(b.usageRatio)}) so far, forecast month-end ${money(b.forecastMonthEnd, cur)} (${ratioPercent(b.forecastRatio)}): ${b.status}`
  );
  return out;
}

/** The seed's executive summary, made true: every figure below comes from the model. */
export function renderPlan(p: ServicePlan, sourceKind: string): string {
  const at = new Date(p.at * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const out = [`Headroom capacity plan: ${p.service}  (${at} UTC, source: ${sourceKind})`, ''];
  out.push(...renderThresholds(p), ...renderNow(p), ...renderScenarios(p), '', ...renderCost(p));
  return out.join('\n') + '\n';
}

export function registerPlan(program: Command, io: Io, clock: () => number): void {
  addConfigOption(
    program
      .command('plan')
      .description(
        'print a capacity report per service: thresholds, recommendation, headroom, projections, cost and budget'
      )
  )
    .option('--format <format>', 'text or json', 'text')
    .option('--service <name>', 'only this service')
    .option('--at <time>', 'evaluate at this time (now-1h, ISO 8601 or unix seconds) instead of now')
    .action(
      async (opts: { 'config.file'?: string; config?: string; format: string; service?: string; at?: string }) => {
        const format = parseFormat(opts.format);
        const policy = readPolicy(policyFile(opts));
        const now = opts.at === undefined ? clock() : parseRelativeTime('--at', opts.at, clock);
        if (opts.service && !policy.services.some((s) => s.name === opts.service)) {
          throw new UsageError(
            `--service: unknown service "${opts.service}" (known: ${policy.services.map((s) => s.name).join(', ')})`
          );
        }
        const scoped = opts.service
          ? { ...policy, services: policy.services.filter((s) => s.name === opts.service) }
          : policy;
        const source = await createSource(scoped);
        const plans = await computePlans(scoped, source, now);
        if (format === 'json')
          io.stdout(
            `${JSON.stringify({ version: 1, generatedAt: new Date(now * 1000).toISOString(), source: source.kind, services: plans }, null, 2)}\n`
          );
        else
          io.stdout(
            plans.map((p) => renderPlan(p, source.kind === 'demo' ? 'built-in demo' : 'prometheus')).join('\n')
          );
      }
    );
}

/** Kept for the commands that import it from here. */
export { parseTime };
