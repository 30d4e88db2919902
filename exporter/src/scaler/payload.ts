/**
 * Webhook payloads, parsed and validated in full before anything acts (pure: no I/O).
 *
 * Accepted shapes:
 * - Alertmanager webhook, `version: "4"` (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config);
 *   `truncatedAlerts` is honoured (reported, the alerts present are handled) and unknown fields are ignored.
 * - Grafana-managed alerting webhook notifier, `version: "1"` with `orgId` (same alert objects plus
 *   `values`, `state`, `title`, `message`; https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/).
 *
 * Status codes (one rule, used everywhere): 400 when the body is not a valid webhook payload of
 * either kind (JSON syntax, types, required fields, version); 422 when it is a valid payload that
 * Headroom cannot act on (missing or unknown service / trigger / action labels, bad step or value).
 */
import { createHash } from 'node:crypto';
import { describeValue } from '../format.js';

export class PayloadError extends Error {
  constructor(
    readonly status: 400 | 422,
    message: string
  ) {
    super(message);
  }
}

export interface ParsedAlert {
  index: number;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** startsAt as unix seconds (a real instant; its distance from now is checked by planAlerts). */
  startsAtSeconds: number;
  fingerprint: string;
}

export interface ParsedNotification {
  kind: 'alertmanager' | 'grafana';
  receiver: string;
  groupKey: string | null;
  status: 'firing' | 'resolved';
  alerts: ParsedAlert[];
  truncatedAlerts: number;
}

const bad = (path: string, msg: string) => new PayloadError(400, `${path}: ${msg}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** RFC 3339 as Alertmanager and Grafana write it (fractional seconds and offsets allowed). */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant (unix seconds) of an RFC 3339 time whose every field exists: month 1–12, a day the
 * month has (no 30 February), hour < 24, minute and second < 60 (Go's time.Parse, which
 * Alertmanager uses, rejects leap seconds too), offset < 24:00, year 0001 or later. Null otherwise.
 */
export function rfc3339Instant(text: string): number | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const [oh, om] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCMonth() !== mo - 1) return null; // the day does not exist in that month
  date.setUTCHours(h, mi, s, 0);
  const offset = (m[8] === '-' ? -1 : 1) * (oh * 60 + om) * 60;
  return date.getTime() / 1000 + Number(m[7] ?? 0) - offset;
}

function stringMap(v: unknown, path: string, required: boolean): Record<string, string> {
  if (v === undefined && !required) return {};
  if (v === undefined) throw bad(path, 'missing (expected an object of strings)');
  if (!isObject(v)) throw bad(path, `expected an object of strings, got ${describeValue(v)}`);
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw bad(`${path}.${k}`, `expected a string, got ${describeValue(val)}`);
  }
  return v as Record<string, string>;
}

function status(v: unknown, path: string): 'firing' | 'resolved' {
  if (v === undefined) throw bad(path, 'missing (expected "firing" or "resolved")');
  if (v !== 'firing' && v !== 'resolved') throw bad(path, `expected "firing" or "resolved", got ${describeValue(v)}`);
  return v;
}

function optionalString(v: unknown, path: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw bad(path, `expected a string, got ${describeValue(v)}`);
  return v;
}

/** Alertmanager's fingerprint is a hash of the label set; compute one when a sender omits it. */
export function labelFingerprint(labels: Record<string, string>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(`${k}\u0000${labels[k]}\u0000`);
  return h.digest('hex').slice(0, 16);
}

/** Parses the raw body (already within the size limit) into a notification, or throws PayloadError(400). */
export function parsePayload(raw: string | Buffer | unknown): ParsedNotification {
  let doc: unknown = raw;
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
    const text = raw.toString();
    if (text.trim() === '') throw bad('body', 'empty (expected a JSON webhook payload)');
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw bad('body', `malformed JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(doc)) throw bad('body', `expected a JSON object, got ${describeValue(doc)}`);

  let kind: ParsedNotification['kind'];
  if (doc.version === '4') kind = 'alertmanager';
  else if (doc.version === '1' && doc.orgId !== undefined) kind = 'grafana';
  else if (doc.version === undefined)
    throw bad('version', 'missing (expected "4" from Alertmanager or "1" from Grafana-managed alerting)');
  else
    throw bad(
      'version',
      `expected "4" (Alertmanager) or "1" with orgId (Grafana-managed alerting), got ${describeValue(doc.version)}`
    );
  if (kind === 'grafana' && typeof doc.orgId !== 'number')
    throw bad('orgId', `expected a number, got ${describeValue(doc.orgId)}`);

  const receiver = optionalString(doc.receiver, 'receiver') ?? '';
  const groupKey = optionalString(doc.groupKey, 'groupKey');
  const top = status(doc.status, 'status');
  let truncatedAlerts = 0;
  if (doc.truncatedAlerts !== undefined) {
    const t = doc.truncatedAlerts;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0)
      throw bad('truncatedAlerts', `expected a non-negative integer, got ${describeValue(t)}`);
    truncatedAlerts = t;
  }
  if (doc.alerts === undefined) throw bad('alerts', 'missing (expected an array of alerts)');
  if (!Array.isArray(doc.alerts)) throw bad('alerts', `expected an array of alerts, got ${describeValue(doc.alerts)}`);
  if (doc.alerts.length === 0) throw bad('alerts', 'expected at least one alert, got an empty array');

  const alerts = doc.alerts.map((a: unknown, i: number): ParsedAlert => {
    const p = `alerts[${i}]`;
    if (!isObject(a)) throw bad(p, `expected an object, got ${describeValue(a)}`);
    const labels = stringMap(a.labels, `${p}.labels`, true);
    const annotations = stringMap(a.annotations, `${p}.annotations`, false);
    if (a.startsAt === undefined) throw bad(`${p}.startsAt`, 'missing (expected an RFC 3339 time)');
    const startsAtSeconds = typeof a.startsAt === 'string' ? rfc3339Instant(a.startsAt) : null;
    if (startsAtSeconds === null)
      throw bad(
        `${p}.startsAt`,
        `expected an RFC 3339 time that exists (month 01-12, a day of that month, hh:mm:ss below 24:60:60), got ${describeValue(a.startsAt)}`
      );
    const fingerprint = optionalString(a.fingerprint, `${p}.fingerprint`) ?? labelFingerprint(labels);
    if (kind === 'grafana' && a.values !== undefined && a.values !== null) {
      if (!isObject(a.values))
        throw bad(`${p}.values`, `expected an object of numbers, got ${describeValue(a.values)}`);
      for (const [k, v] of Object.entries(a.values)) {
        if (v !== null && typeof v !== 'number')
          throw bad(`${p}.values.${k}`, `expected a number, got ${describeValue(v)}`);
      }
    }
    return {
      index: i,
      status: status(a.status, `${p}.status`),
      labels,
      annotations,
      startsAt: a.startsAt as string,
      startsAtSeconds,
      fingerprint,
    };
  });
  return { kind, receiver, groupKey, status: top, alerts, truncatedAlerts };
}
