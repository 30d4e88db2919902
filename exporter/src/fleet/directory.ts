/**
 * The fleets of a running exporter: one catalog per fleet (fleet/catalog.ts), updated by a
 * discovery per refresh, logged and counted here; and the lookup the scaler resolves a webhook's
 * service through. README "Fleets".
 */
import type { Logger } from 'pino';
import type { Counter, Gauge, Registry } from 'prom-client';
import { METRIC } from '@headroom/contract';
import type { Fleet, Policy, Service } from '../config/schema.js';
import type { Discovery, Source } from '../sources/source.js';
import { countByState, emptyCatalog, observe, type CatalogEvent, type Entry, type FleetCatalog } from './catalog.js';
import { checkDiscoveredName, fleetService, FleetServiceError, type NameCheck } from './expand.js';

export type Lookup =
  | { kind: 'service'; service: Service }
  | { kind: 'missing'; service: Service; since: number; reason: string }
  | { kind: 'retired'; fleet: string; since: number; retiredAt: number }
  | { kind: 'rejected'; fleet: string; reason: string }
  | { kind: 'unknown' };

/** A fleet service to plan: present, or missing (then planned with missing inputs). */
export interface FleetMember {
  service: Service;
  entry: Exclude<Entry, { state: 'retired' }>;
}

/** What /api/v1/plan says of a fleet service. */
export interface FleetStatus {
  name: string;
  label: string;
  state: 'present' | 'missing';
  /** ISO time since when it is missing. */
  missingSince?: string;
  reason?: string;
}

const iso = (t: number) => new Date(t * 1000).toISOString();

export function fleetStatus(m: FleetMember): FleetStatus {
  const { name, label } = m.service.fleet!;
  if (m.entry.state === 'present') return { name, label, state: 'present' };
  return { name, label, state: 'missing', missingSince: iso(m.entry.since), reason: m.entry.reason };
}

export class FleetDirectory {
  private readonly catalogs = new Map<string, FleetCatalog>();

  constructor(
    private policy: Policy,
    private readonly logger: Logger
  ) {}

  /** A reload: catalogs of fleets that are gone are dropped (their services leave the plans). */
  setPolicy(policy: Policy): void {
    this.policy = policy;
    const names = new Set(policy.fleets.map((f) => f.name));
    for (const name of [...this.catalogs.keys()]) if (!names.has(name)) this.catalogs.delete(name);
  }

  /** Whether a name may be a service of `fleet` now: the pattern, no clash, overrides that build (the taken names read once per discovery). */
  private checker(fleet: Fleet): (name: string) => NameCheck {
    const owner = new Map<string, string>();
    for (const [f, c] of this.catalogs)
      if (f !== fleet.name) for (const e of c.entries.values()) if (e.state !== 'retired') owner.set(e.name, f);
    const explicit = new Set(this.policy.services.map((s) => s.name));
    return (name) => {
      const r = checkDiscoveredName(name, { explicit, owner }, fleet.name);
      if (!r.ok) return r;
      try {
        fleetService(fleet, name);
        return { ok: true };
      } catch (e) {
        if (e instanceof FleetServiceError) return { ok: false, reason: e.message };
        throw e;
      }
    };
  }

  /**
   * One discovery per fleet, in policy order (an earlier fleet keeps a name two fleets return); returns
   * the retired names. A reload meanwhile ends it: the catalogs stay the reload's (a fleet it removed
   * is not brought back to claim names), and the reload's own refresh discovers again.
   */
  async discover(source: Source, now: number, retirements?: Counter<string>): Promise<string[]> {
    const retired: string[] = [];
    const policy = this.policy;
    for (const fleet of policy.fleets) {
      const discovery: Discovery = await source
        .discover(fleet, now)
        .catch((e: Error) => ({ ok: false as const, reason: e.message }));
      if (this.policy !== policy) break;
      const prev = this.catalogs.get(fleet.name) ?? emptyCatalog;
      const { next, events } = observe(prev, {
        discovery,
        now,
        retireAfter: fleet.retire_after,
        check: this.checker(fleet),
      });
      this.catalogs.set(fleet.name, next);
      if (next.failure !== null && next.failure !== prev.failure)
        this.logger.warn(
          { fleet: fleet.name, reason: next.failure },
          `fleet ${fleet.name}: discovery failed (${next.failure}); its services are missing, none is dropped`
        );
      for (const e of events) this.log(fleet, e);
      for (const e of events.filter((x) => x.kind === 'retired' || x.kind === 'dropped')) {
        if (e.kind === 'retired') retirements?.inc({ fleet: fleet.name });
        retired.push(e.name);
      }
    }
    return retired;
  }

  private log(fleet: Fleet, e: CatalogEvent): void {
    const at = { fleet: fleet.name, service: e.name };
    const f = `fleet ${fleet.name}`;
    switch (e.kind) {
      case 'discovered':
        return this.logger.info(at, `${f}: service ${e.name} discovered`);
      case 'reappeared':
        return this.logger.info(at, `${f}: service ${e.name} is present again`);
      case 'missing':
        return this.logger.warn(
          { ...at, reason: e.reason },
          `${f}: service ${e.name} is missing (${e.reason}); planned with missing inputs, never scaled, retired after ${fleet.retire_after}s`
        );
      case 'retired':
        return this.logger.warn(
          { ...at, missingSince: iso(e.since) },
          `${f}: service ${e.name} retired: missing since ${iso(e.since)}, longer than retire_after (${fleet.retire_after}s); dropped from the plans and metrics`
        );
      case 'rejected':
        return this.logger.warn({ ...at, reason: e.reason }, `${f}: label value rejected, not planned: ${e.reason}`);
      case 'dropped':
        return this.logger.warn({ ...at, reason: e.reason }, `${f}: service ${e.name} dropped: ${e.reason}`);
    }
  }

  /** Present and missing fleet services, in policy order. */
  members(): FleetMember[] {
    return this.policy.fleets.flatMap((fleet) =>
      [...(this.catalogs.get(fleet.name)?.entries.values() ?? [])].flatMap((entry) => {
        if (entry.state === 'retired') return [];
        try {
          return [{ service: fleetService(fleet, entry.name), entry }];
        } catch {
          return []; // a reload made its overrides invalid together: the next discovery rejects it, with the reason
        }
      })
    );
  }

  /** What a service name is now: explicit or present (act), missing, retired, rejected, unknown (refuse). */
  lookup(name: string): Lookup {
    const explicit = this.policy.services.find((s) => s.name === name);
    if (explicit) return { kind: 'service', service: explicit };
    for (const fleet of this.policy.fleets) {
      const c = this.catalogs.get(fleet.name);
      const e = c?.entries.get(name);
      if (e?.state === 'present') return { kind: 'service', service: fleetService(fleet, name) };
      if (e?.state === 'missing')
        return { kind: 'missing', service: fleetService(fleet, name), since: e.since, reason: e.reason };
      if (e?.state === 'retired') return { kind: 'retired', fleet: fleet.name, since: e.since, retiredAt: e.retiredAt };
      const rejected = c?.rejected.get(name);
      if (rejected !== undefined) return { kind: 'rejected', fleet: fleet.name, reason: rejected };
    }
    return { kind: 'unknown' };
  }

  /** The fleet gauges, after HeadroomMetrics.publish reset them (same synchronous block: a scrape sees all or nothing). */
  publish(registry: Registry): void {
    const services = registry.getSingleMetric(METRIC.fleetServices) as Gauge<string> | undefined;
    const up = registry.getSingleMetric(METRIC.fleetDiscoveryUp) as Gauge<string> | undefined;
    const rejected = registry.getSingleMetric(METRIC.fleetRejectedLabelValues) as Gauge<string> | undefined;
    for (const fleet of this.policy.fleets) {
      const c = this.catalogs.get(fleet.name) ?? emptyCatalog;
      for (const [state, n] of Object.entries(countByState(c))) services?.set({ fleet: fleet.name, state }, n);
      up?.set({ fleet: fleet.name }, c.failure === null && this.catalogs.has(fleet.name) ? 1 : 0);
      rejected?.set({ fleet: fleet.name }, c.rejected.size);
    }
  }
}
