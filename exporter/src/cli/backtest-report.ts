/**
 * `headroom backtest` output: the text report (summary, risk, per day, decisions), one column per
 * replayed policy, and the CSV of the decisions.
 */
import { fixed, money, unitDuration } from '../format.js';
import type { ReplayResult } from '../model/replay.js';

export interface BacktestRun {
  label: string;
  result: ReplayResult;
}

export const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
/** Time spent, in minutes or (from two hours) hours with one decimal. */
const minutes = (m: number) => (m >= 120 ? `${fixed(m / 60, 1)} h` : `${fixed(m)} min`);
/** A signed difference of money, with its share of `base` when there is one: "+$12.00 (+3.1%)". */
function costDifference(simulated: number, recorded: number, currency: string): string {
  const d = simulated - recorded;
  const sign = d >= 0 ? '+' : '−';
  const share = recorded > 0 ? ` (${sign}${fixed((Math.abs(d) / recorded) * 100, 1)}%)` : '';
  return `${sign}${money(Math.abs(d), currency)}${share}`;
}

function header(runs: BacktestRun[]): string[] {
  const r0 = runs[0].result;
  const cov = (r: ReplayResult) =>
    [
      `instances ${fixed(r.coverage.instances * 100, 1)}%`,
      ...Object.entries(r.coverage.signals).map(([s, c]) => `${s} ${fixed(c * 100, 1)}%`),
    ].join(' · ');
  return [
    `Headroom backtest: ${r0.service}  ${iso(r0.from)} → ${iso(r0.to)}  (${fixed(r0.steps)} steps of ${unitDuration(r0.step)}, flap window ${unitDuration(r0.flapWindow)})`,
    ...runs.map((run) => `  ${runs.length > 1 ? `${run.label}: ` : ''}data coverage: ${cov(run.result)}`),
    '',
  ];
}

/** Rows of the summary table: a name and how to write each run's figure. */
function summaryRows(r0: ReplayResult): [string, (r: ReplayResult) => string][] {
  const cur = r0.summary.cost.currency;
  const instances = ({ start, end, min, max }: ReplayResult['summary']['instances']) =>
    `${start ?? '?'} → ${end ?? '?'} (${min ?? '?'}–${max ?? '?'})`;
  const blocked = (b: ReplayResult['summary']['blocked']) =>
    Object.entries(b)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'never';
  return [
    ['scale-outs', (r) => fixed(r.summary.scaleOuts)],
    ['scale-ins', (r) => fixed(r.summary.scaleIns)],
    [`flaps (reversal within ${unitDuration(r0.flapWindow)})`, (r) => fixed(r.summary.flaps)],
    ['instances start → end (min–max)', (r) => instances(r.summary.instances)],
    ['time at max instances', (r) => minutes(r.summary.minutesAtMax)],
    ['instance-hours simulated', (r) => fixed(r.summary.instanceHours.simulated, 1)],
    ['instance-hours recorded', (r) => fixed(r.summary.instanceHours.recorded, 1)],
    [`cost simulated (${r0.summary.cost.pricing})`, (r) => money(r.summary.cost.simulated, cur)],
    [`cost recorded (${r0.summary.cost.pricing})`, (r) => money(r.summary.cost.recorded, cur)],
    ['difference', (r) => costDifference(r.summary.cost.simulated, r.summary.cost.recorded, cur)],
    ['steps with missing data', (r) => fixed(r.summary.missingSteps)],
    ['wanted to act but blocked', (r) => blocked(r.summary.blocked)],
  ];
}

function summary(runs: BacktestRun[]): string[] {
  const row = (name: string, cells: string[]) => `  ${name.padEnd(34)}${cells.map((c) => c.padStart(26)).join('')}`;
  const out = ['Summary'];
  if (runs.length > 1)
    out.push(
      row(
        '',
        runs.map((r) => r.label)
      )
    );
  for (const [name, cell] of summaryRows(runs[0].result))
    out.push(
      row(
        name,
        runs.map((r) => cell(r.result))
      )
    );
  out.push('');
  return out;
}

function risk(runs: BacktestRun[]): string[] {
  const cols = runs.length;
  const out = ['Risk: time above each scale-out threshold (simulated fleet / recorded fleet)'];
  for (const run of runs) {
    if (cols > 1) out.push(`  ${run.label}`);
    for (const t of run.result.summary.risk) {
      out.push(
        `  ${cols > 1 ? '  ' : ''}${t.trigger.padEnd(16)} ${`${t.signal} > ${fixed(t.above, 2).replace(/\.00$/, '')}`.padEnd(24)} ${minutes(t.simulatedMinutes).padStart(10)} / ${minutes(t.recordedMinutes)}`
      );
    }
  }
  out.push('');
  return out;
}

const DAY_WIDTHS = [8, 6, 10, 14, 20, 7];
const dayCells = (values: string[]) => values.map((v, j) => v.padStart(DAY_WIDTHS[j])).join('');

function dayCell(d: ReplayResult['days'][number], cur: string): string {
  const inst =
    d.minInstances === null
      ? '?'
      : d.minInstances === d.maxInstances
        ? `${d.minInstances}`
        : `${d.minInstances}–${d.maxInstances}`;
  const h = `${fixed(d.instanceHours.simulated, 0)}/${fixed(d.instanceHours.recorded, 0)}`;
  const c = `${money(d.cost.simulated, cur)}/${money(d.cost.recorded, cur)}`;
  return `  ${dayCells([`+${d.scaleOuts}/−${d.scaleIns}`, String(d.flaps), inst, h, c, `${fixed(d.riskMinutes)}m`])}`;
}

function perDay(runs: BacktestRun[]): string[] {
  const r0 = runs[0].result;
  const cur = r0.summary.cost.currency;
  const out = [
    'Per day (UTC): actions, flaps, simulated instances (min–max), instance-hours and cost simulated/recorded, minutes at risk',
  ];
  const blank = ''.padEnd(DAY_WIDTHS.reduce((a, b) => a + b, 0));
  if (runs.length > 1)
    out.push(
      `  ${''.padEnd(10)}${runs.map((r) => `  ${r.label.slice(-blank.length).padStart(blank.length)}`).join(' │')}`
    );
  out.push(
    `  ${'date'.padEnd(10)}${runs.map(() => `  ${dayCells(['out/in', 'flaps', 'instances', 'inst-hours', 'cost', 'risk'])}`).join(' │')}`
  );
  r0.days.forEach((day, i) =>
    out.push(`  ${day.date}${runs.map((run) => dayCell(run.result.days[i], cur)).join(' │')}`)
  );
  out.push('');
  return out;
}

function decisions(runs: BacktestRun[]): string[] {
  const out: string[] = [];
  for (const run of runs) {
    const ds = run.result.decisions;
    out.push(
      `Decisions${runs.length > 1 ? ` (${run.label})` : ''}: ${ds.length}${ds.length ? '' : ' — the policy would not have acted'}`
    );
    for (const d of ds) {
      out.push(
        `  ${iso(d.at)}  ${d.action.replace('_', '-').padEnd(9)} ${String(d.from).padStart(3)} → ${String(d.to).padEnd(3)} ${d.trigger}${d.flap ? '  [flap]' : ''}${d.recorded !== null ? `  (recorded ${fixed(d.recorded, 1).replace(/\.0$/, '')})` : ''}`
      );
      for (const reason of d.reasons) out.push(`      - ${reason}`);
      for (const warning of d.warnings) out.push(`      ! ${warning}`);
    }
    out.push('');
  }
  return out;
}

/** The text report, one column per run (the first is the policy, the second `--compare`). */
export function renderText(runs: BacktestRun[]): string {
  return [...header(runs), ...summary(runs), ...risk(runs), ...perDay(runs), ...decisions(runs)].join('\n');
}

const csvCell = (v: string | number | boolean | null) => {
  const s = v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** The decisions of every run, one CSV row each. */
export function renderCsv(runs: BacktestRun[]): string {
  const lines = ['policy,service,time,unix,action,from,to,trigger,recorded,flap,reasons'];
  for (const run of runs) {
    for (const d of run.result.decisions) {
      const cells = [run.label, run.result.service, d.time, d.at, d.action, d.from, d.to, d.trigger, d.recorded];
      lines.push([...cells, d.flap, d.reasons.join(' ')].map(csvCell).join(','));
    }
  }
  return lines.join('\n') + '\n';
}
