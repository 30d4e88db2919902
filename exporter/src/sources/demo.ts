import type { Fleet, Service } from '../config/schema.js';
import { DAY_SECONDS } from '../config/defaults.js';
import type { Observation } from '../model/decision.js';
import type { Point } from '../model/forecast.js';
import type { Reading, ServiceInputs } from '../model/plan.js';
import { monthBounds, hourlyRate } from '../model/cost.js';
import { interpolate } from './load-curve.js';
import { eachService, type Discovery, type HistoryReading, type HistoryStep, type Source } from './source.js';

/** mulberry32: a small, fast, seeded PRNG, so the demo is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Standard normal from two uniforms (Box-Muller). */
function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export interface DemoOptions {
  /** Daily active users at the start of the year of history (seed: 50, growing ~0.8 % a day). */
  baseUsers: number;
  dailyGrowth: number;
  weeklyAmplitude: number;
  noise: number;
  instances: number;
}

export const DEMO_DEFAULTS: DemoOptions = {
  baseUsers: 50,
  dailyGrowth: 0.008,
  weeklyAmplitude: 0.12,
  noise: 0.04,
  instances: 4,
};

/**
 * The built-in demo workload: a year of daily active users with growth, weekly seasonality and
 * seeded noise (seed: GrowthProjectionModel.load_historical_data, made deterministic), and current
 * signals derived from it through the service's own load-test curve, with a diurnal cycle.
 * Every value is a pure function of the service name and the time.
 */
export class DemoSource implements Source {
  readonly kind = 'demo' as const;
  constructor(private readonly opts: DemoOptions = DEMO_DEFAULTS) {}

  /**
   * Daily active users on absolute day `day`, seen from `today`: the trend puts today at the end
   * of a year of growth (day index 364), weekdays are busier than weekends, and the noise is
   * seeded by the service and the day.
   */
  dailyUsers(svc: Service, day: number, today: number): number {
    const rand = prng(hash(svc.name) ^ day);
    const trend = this.opts.baseUsers * (1 + this.opts.dailyGrowth) ** (364 - (today - day));
    const weekly = 1 + this.opts.weeklyAmplitude * Math.cos((2 * Math.PI * ((day + 3) % 7)) / 7);
    return Math.max(1, Math.round(trend * weekly * (1 + this.opts.noise * normal(rand))));
  }

  instances(svc: Service): number {
    return svc.instances.static ?? this.opts.instances;
  }

  /** Value of one signal at time `t`. */
  signalAt(svc: Service, name: string, t: number): number {
    const sig = svc.signals.find((s) => s.name === name)!;
    const day = Math.floor(t / DAY_SECONDS);
    const dau = this.dailyUsers(svc, day, day);
    // Diurnal cycle: peak at 15:00 UTC, trough at 03:00.
    const diurnal = 0.8 + 0.2 * Math.cos((2 * Math.PI * ((t % DAY_SECONDS) / 3600 - 15)) / 24);
    const concurrent = dau * svc.growth.concurrency_ratio * diurnal;
    const perInstance = concurrent / this.instances(svc);
    const lt = svc.capacity.loadtest;
    const jitter = 1 + 0.02 * Math.sin(t / 37 + hash(name));
    const fromCurve = (ys: readonly number[] | undefined) => (lt && ys ? interpolate(lt.users, ys, perInstance) : null);
    const res = svc.capacity.resources.find((r) => r.signal === name);
    let v: number | null = null;
    if (name === svc.capacity.users_signal) v = concurrent;
    else if (res?.name === 'cpu') v = fromCurve(lt?.cpu_percent);
    else if (res?.name === 'memory') v = fromCurve(lt?.memory_percent);
    else if (res?.name === 'latency') v = fromCurve(lt?.response_time_ms);
    else if (res?.name === 'sessions') v = perInstance * svc.capacity.sessions_per_user;
    else if (sig.unit === 'percent' && /err/.test(name)) v = fromCurve(lt?.error_percent);
    else if (sig.unit === 'users' && sig.kind === 'count') v = dau;
    else if (sig.unit === 'percent') v = fromCurve(lt?.cpu_percent);
    else if (sig.unit === 'ratio') v = (fromCurve(lt?.cpu_percent) ?? 0) / 100;
    else if (sig.unit === 'milliseconds') v = fromCurve(lt?.response_time_ms);
    else if (sig.unit === 'seconds') v = (fromCurve(lt?.response_time_ms) ?? 0) / 1000;
    else v = perInstance;
    return (v ?? 0) * jitter;
  }

  /** Whether `pred` held at every 15 s sample of the window (what min/max_over_time check in PromQL). */
  private sustained(svc: Service, signal: string, now: number, window: number, pred: (v: number) => boolean): boolean {
    for (let t = now - window; t <= now; t += 15) if (!pred(this.signalAt(svc, signal, t))) return false;
    return true;
  }

  async readInputs(svc: Service, now: number): Promise<ServiceInputs> {
    const signals: Record<string, Reading> = {};
    for (const s of svc.signals) signals[s.name] = { ok: true, value: this.signalAt(svc, s.name, now) };
    const scaleOut: Record<string, Observation> = {};
    for (const t of svc.scaling.scale_out) {
      scaleOut[t.name] = {
        ok: true,
        value: this.signalAt(svc, t.signal, now),
        sustained: this.sustained(svc, t.signal, now, t.for, (v) => v > t.above),
      };
    }
    const scaleIn = svc.scaling.scale_in?.conditions.map((c): Observation => ({
      ok: true,
      value: this.signalAt(svc, c.signal, now),
      sustained: this.sustained(svc, c.signal, now, svc.scaling.scale_in!.for, (v) => v < c.below),
    }));
    const n = this.instances(svc);
    const { start } = monthBounds(now);
    return {
      now,
      current: { ok: true, value: n },
      signals,
      scaleOut,
      scaleIn,
      spendToDate: { ok: true, value: (hourlyRate(svc.capacity, svc.cost, n) * (now - start)) / 3600 },
    };
  }

  readInputsMany(services: Service[], now: number): Promise<Map<string, ServiceInputs>> {
    return eachService(services, (s) => this.readInputs(s, now));
  }

  readHistoryMany(services: Service[], now: number, step?: HistoryStep): Promise<Map<string, HistoryReading>> {
    return eachService(services, (s) => this.readHistory(s, now, step));
  }

  /** The demo has no label values to read: a fleet's services are its overrides' exact `match` names. */
  async discover(fleet: Fleet): Promise<Discovery> {
    return { ok: true, names: [...new Set(fleet.overrides.flatMap((o) => (o.match !== undefined ? [o.match] : [])))] };
  }

  async readHistory(svc: Service, now: number, _step?: HistoryStep): Promise<HistoryReading> {
    const points: Point[] = [];
    const today = Math.floor(now / DAY_SECONDS);
    for (let i = svc.growth.history_days - 1; i >= 0; i--) {
      points.push({ t: (today - i) * DAY_SECONDS, v: this.dailyUsers(svc, today - i, today) });
    }
    return { ok: true, points };
  }
}
