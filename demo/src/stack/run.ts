/**
 * `npm run stack`: the full stack on loopback for machines without Docker. Real Prometheus,
 * Alertmanager and node exporter (Debian packages, installed with apt-get when missing), `headroom
 * serve` and the demo fleet, with configs generated from headroom.yml into a temp dir. Prints the
 * URLs; Ctrl-C stops everything it started.
 *
 *   npm run stack [-- --fast] [-- --duration 60] [-- --keep]
 *
 * --fast      demo timings: triggers hold for 10 s, cooldowns 30 s, scale-in after 30 s (the
 *             example policy waits minutes)
 * --duration  stop by itself after N seconds (smoke tests)
 * --keep      keep the temp dir (configs, logs, TSDB) after stopping
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { generateAlerts } from '@headroom/exporter/alerts';
import { validatePolicy } from '@headroom/exporter/config';
import { startFleet, type Fleet } from '../fleet/server.js';
import { fleetPolicy, prometheusConfig } from './config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PACKAGES: Record<string, string> = {
  prometheus: 'prometheus',
  'prometheus-alertmanager': 'prometheus-alertmanager',
  'prometheus-node-exporter': 'prometheus-node-exporter',
};
const PREFERRED = { prometheus: 9090, alertmanager: 9093, node: 9100, exporter: 9778, fleet: 9779 };

/** Demo timings for --fast: the loop is visible within a minute. */
const FAST = { for: '10s', cooldown: '30s', scaleInFor: '30s', scaleInCooldown: '30s', warmup: '20s', refresh: '5s' };

const onPath = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

function ensurePackages(log: (s: string) => void): void {
  const missing = Object.keys(PACKAGES).filter((b) => !onPath(b));
  if (missing.length === 0) return;
  const pkgs = missing.map((b) => PACKAGES[b]);
  if (process.getuid?.() !== 0)
    throw new Error(`missing ${missing.join(', ')}: run \`sudo apt-get install -y ${pkgs.join(' ')}\` first`);
  log(`installing ${pkgs.join(' ')} with apt-get…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', ...pkgs]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status})`);
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function pickPort(preferred: number): Promise<number> {
  if (await portFree(preferred)) return preferred;
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitReady(name: string, url: string, child: ChildProcess | null, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`${name} exited with code ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} not ready at ${url} after ${timeoutMs / 1000} s`);
}

export interface StackOptions {
  fast: boolean;
  durationSeconds?: number;
  keep: boolean;
  log: (s: string) => void;
}

/** Node's arguments for the compiled `headroom serve` of this checkout on `policyFile`. */
export const serveArgs = (policyFile: string, listen: string, ...more: string[]): string[] => [
  path.join(ROOT, 'exporter/bin/headroom.js'),
  'serve',
  '--config',
  policyFile,
  '--listen',
  listen,
  ...more,
];

type Ports = Record<keyof typeof PREFERRED, number>;

async function pickPorts(): Promise<Ports> {
  const ports = {} as Ports;
  for (const name of Object.keys(PREFERRED) as (keyof Ports)[]) ports[name] = await pickPort(PREFERRED[name]);
  return ports;
}

const url = (p: number) => `http://127.0.0.1:${p}`;

/** The child processes of the stack, each logging to `<dir>/<name>.log`, stopped together. */
class Children {
  private readonly children: { name: string; proc: ChildProcess }[] = [];
  stopping = false;

  constructor(
    private readonly dir: string,
    private readonly log: (s: string) => void
  ) {}

  start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const logFile = path.join(this.dir, `${name}.log`);
    const out = createWriteStream(logFile);
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    proc.stdout!.pipe(out);
    proc.stderr!.pipe(out);
    this.children.push({ name, proc });
    proc.once('exit', (code, signal) => {
      if (!this.stopping) this.log(`${name} exited (${signal ?? `code ${code}`}); its log: ${logFile}\n`);
    });
    return proc;
  }

  /** Calls `f` once, when any child exits. */
  onAnyExit(f: () => void): void {
    for (const { proc } of this.children) proc.once('exit', f);
  }

  /** SIGTERM to every child, SIGKILL after 5 s. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children.map(
        ({ proc }) =>
          new Promise<void>((resolve) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
            const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
            proc.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            proc.kill('SIGTERM');
          })
      )
    );
  }
}

/** The example policy pointed at this stack, with the --fast timings when asked. */
function stackPolicy(dir: string, ports: Ports, fleet: Fleet, tokenFile: string, fast: boolean) {
  const doc = fleetPolicy(yaml.load(readFileSync(path.join(ROOT, 'headroom.yml'), 'utf8')) as Record<string, unknown>, {
    prometheusUrl: url(ports.prometheus),
    fleetUrl: fleet.url,
    webhookUrl: `${url(ports.exporter)}/webhook`,
    webhookCredentialsFile: tokenFile,
    peopleWebhookUrl: `${fleet.url}/inbox`,
    statePath: path.join(dir, 'headroom-state.db'),
  });
  if (fast) {
    doc.refresh = { ...doc.refresh, interval: FAST.refresh };
    for (const svc of doc.services) {
      for (const t of svc.scaling.scale_out) Object.assign(t, { for: FAST.for, cooldown: FAST.cooldown });
      if (svc.scaling.scale_in)
        Object.assign(svc.scaling.scale_in, { for: FAST.scaleInFor, cooldown: FAST.scaleInCooldown });
      svc.scaling.warmup = FAST.warmup;
    }
  }
  return doc;
}

/** Writes the policy, its rules and alertmanager.yml, and Prometheus' config into `dir`; returns the policy file. */
function writeConfigs(dir: string, ports: Ports, fleet: Fleet, tokenFile: string, fast: boolean): string {
  const doc = stackPolicy(dir, ports, fleet, tokenFile, fast);
  const policy = validatePolicy(doc, 'headroom.stack.yml');
  const policyFile = path.join(dir, 'headroom.stack.yml');
  writeFileSync(policyFile, yaml.dump(doc, { lineWidth: -1 }));
  const ruleFiles: string[] = [];
  for (const [name, text] of generateAlerts(policy, { configName: 'headroom.stack.yml', format: 'prometheus' })) {
    if (name.endsWith('.rules.yml') || name === 'alertmanager.yml') {
      writeFileSync(path.join(dir, name), text);
      if (name.endsWith('.rules.yml')) ruleFiles.push(path.join(dir, name));
    }
  }
  const interval = fast ? '5s' : '15s';
  const promConfig = prometheusConfig({
    scrapeInterval: interval,
    evaluationInterval: interval,
    ruleFiles,
    alertmanagers: [`127.0.0.1:${ports.alertmanager}`],
    targets: {
      exporter: [`127.0.0.1:${ports.exporter}`],
      fleet: [`127.0.0.1:${ports.fleet}`],
      node: [`127.0.0.1:${ports.node}`],
      prometheus: [`127.0.0.1:${ports.prometheus}`],
    },
  });
  writeFileSync(path.join(dir, 'prometheus.yml'), yaml.dump(promConfig));
  return policyFile;
}

/** Starts Prometheus, Alertmanager, node exporter and `headroom serve`, and waits until each is ready. */
async function startDaemons(children: Children, dir: string, ports: Ports, policyFile: string, token: string) {
  const prom = children.start('prometheus', 'prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'prometheus-data')}`,
    `--web.listen-address=127.0.0.1:${ports.prometheus}`,
    `--web.external-url=${url(ports.prometheus)}`,
    '--web.enable-lifecycle',
  ]);
  const am = children.start('alertmanager', 'prometheus-alertmanager', [
    `--config.file=${path.join(dir, 'alertmanager.yml')}`,
    `--storage.path=${path.join(dir, 'alertmanager-data')}`,
    `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
    '--cluster.listen-address=',
    `--web.external-url=${url(ports.alertmanager)}`,
  ]);
  const node = children.start('node-exporter', 'prometheus-node-exporter', [
    `--web.listen-address=127.0.0.1:${ports.node}`,
    '--no-collector.systemd',
  ]);
  const exporter = children.start('exporter', process.execPath, serveArgs(policyFile, `127.0.0.1:${ports.exporter}`), {
    ...process.env,
    HEADROOM_WEBHOOK_TOKEN: token,
  });
  await Promise.all([
    waitReady('Prometheus', `${url(ports.prometheus)}/-/ready`, prom),
    waitReady('Alertmanager', `${url(ports.alertmanager)}/-/ready`, am),
    waitReady('node exporter', `${url(ports.node)}/metrics`, node),
    waitReady('headroom serve', `${url(ports.exporter)}/-/ready`, exporter),
  ]);
}

const banner = (ports: Ports, dir: string) =>
  [
    '',
    'Headroom stack on loopback (Ctrl-C stops everything):',
    `  exporter      ${url(ports.exporter)}/  (/metrics, /api/v1/plan, /api/v1/decisions, POST /webhook)`,
    `  demo fleet    ${url(ports.fleet)}/  (/metrics, /instances, /scale/requests, /inbox)`,
    `  Prometheus    ${url(ports.prometheus)}/alerts`,
    `  Alertmanager  ${url(ports.alertmanager)}/`,
    `  node exporter ${url(ports.node)}/metrics`,
    `  configs, logs ${dir}`,
    '',
    'Load the fleet and watch it scale out (and back in when the load drops):',
    `  curl -s -XPOST ${url(ports.fleet)}/demand -H 'content-type: application/json' -d '{"users": 600}'`,
    `  curl -s ${url(ports.exporter)}/api/v1/decisions | head -c 2000`,
    `Grafana is not started here: add a Prometheus data source at ${url(ports.prometheus)} (uid headroom-prometheus)`,
    'and import provisioning/dashboards/headroom-overview.json, or run the docker-compose stack.',
    '',
  ].join('\n');

export async function runStack(o: StackOptions): Promise<number> {
  ensurePackages(o.log);
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-stack-'));
  const ports = await pickPorts();
  const children = new Children(dir, o.log);
  let fleet: Fleet | null = null;

  const stop = async (code: number): Promise<number> => {
    if (children.stopping) return code;
    o.log('\nstopping…\n');
    await children.stopAll();
    await fleet?.close();
    if (o.keep) o.log(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
    return code;
  };

  try {
    fleet = await startFleet({ host: '127.0.0.1', port: ports.fleet }, { instances: 2, users: 150 });
    const token = randomBytes(16).toString('hex');
    const tokenFile = path.join(dir, 'webhook-token');
    writeFileSync(tokenFile, token, { mode: 0o600 });
    const policyFile = writeConfigs(dir, ports, fleet, tokenFile, o.fast);
    await startDaemons(children, dir, ports, policyFile, token);
  } catch (e) {
    o.log(`headroom stack: ${(e as Error).message}\n`);
    return stop(1);
  }
  o.log(banner(ports, dir));

  return new Promise<number>((resolve) => {
    const done = (code: number) => void stop(code).then(resolve);
    process.once('SIGINT', () => done(0));
    process.once('SIGTERM', () => done(0));
    children.onAnyExit(() => !children.stopping && done(1));
    if (o.durationSeconds !== undefined) setTimeout(() => done(0), o.durationSeconds * 1000);
  });
}
