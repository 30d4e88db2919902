import type { Command } from 'commander';
import { writeSync } from 'node:fs';
import pino, { type DestinationStream, type Logger } from 'pino';
import { DEFAULTS } from '../config/defaults.js';
import { InsecureListenError } from '../scaler/index.js';
import { parseListen, startServe } from '../server/index.js';
import { ConfigError } from '../config/load.js';
import { addConfigOption, policyFile, RunError, UsageError, type Io } from './common.js';
import { VERSION } from './version.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const LOG_FORMATS = ['json', 'logfmt'] as const;
type LogFormat = (typeof LOG_FORMATS)[number];

interface ServeFlags {
  'config.file'?: string;
  config?: string;
  'web.listenAddress': string;
  listen?: string;
  'log.format': string;
  'web.config.file'?: string;
  'web.enableLifecycle'?: boolean;
  'log.level': string;
  'webhook.allowInsecure'?: boolean;
}

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** One logfmt value: bare when it can be, else quoted with JSON escapes. */
const logfmtValue = (v: unknown): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
};

/** pino's JSON lines as logfmt (`level=info ts=… msg="…" key=value`), written to stderr. */
function logfmtDestination(): DestinationStream {
  return {
    write(line: string) {
      const { level, time, msg, ...rest } = JSON.parse(line) as Record<string, unknown>;
      const fields: [string, unknown][] = [
        ['level', PINO_LEVELS[level as number] ?? level],
        ['ts', new Date(time as number).toISOString()],
        ['msg', msg ?? ''],
        ...Object.entries(rest),
      ];
      writeSync(2, `${fields.map(([k, v]) => `${k}=${logfmtValue(v)}`).join(' ')}\n`);
    },
  };
}

/** Structured logs on stderr (stdout stays free for command output): JSON lines, or logfmt. */
export function createLogger(level: string, format: string = 'json'): Logger {
  if (!(LEVELS as readonly string[]).includes(level))
    throw new UsageError(`--log.level: expected one of ${LEVELS.join(', ')}, got "${level}"`);
  if (!(LOG_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--log.format: expected one of ${LOG_FORMATS.join(', ')}, got "${format}"`);
  const destination =
    (format as LogFormat) === 'logfmt' ? logfmtDestination() : pino.destination({ fd: 2, sync: true });
  return pino({ level, base: { name: 'headroom' } }, destination);
}

export function register(program: Command, _io: Io, clock: () => number): void {
  const serve = program
    .command('serve')
    .description(
      'run the exporter: /metrics, /api/v1/plan, /api/v1/decisions, /-/healthy, /-/ready, the scaler webhook; ' +
        'SIGHUP (or POST /-/reload with --web.enable-lifecycle) reloads the policy, SIGTERM stops gracefully'
    );
  addConfigOption(serve)
    .option('--web.listen-address <address>', 'listen address, host:port', DEFAULTS.listen)
    .option('--listen <address>', 'same as --web.listen-address')
    .option(
      '--web.config.file <file>',
      'exporter-toolkit web config: tls_server_config (cert_file, key_file) and basic_auth_users (bcrypt hashes)'
    )
    .option('--web.enable-lifecycle', 'enable POST /-/reload', false)
    .option('--webhook.allow-insecure', 'serve the scaling webhook without a token on a non-loopback address', false)
    .option('--log.level <level>', `log level: ${LEVELS.join(', ')}`, 'info')
    .option('--log.format <format>', `log format: ${LOG_FORMATS.join(' or ')}`, 'json')
    .action(async (opts: ServeFlags) => {
      const logger = createLogger(opts['log.level'], opts['log.format']);
      const listen = opts.listen ?? opts['web.listenAddress'];
      const flag = opts.listen !== undefined ? '--listen' : '--web.listen-address';
      try {
        parseListen(listen);
      } catch (e) {
        if (e instanceof ConfigError)
          throw new UsageError(e.problems.map((p) => p.replace(/^--listen: /, `${flag}: `)).join('; '));
        throw e;
      }
      const handle = await startServe({
        configFile: policyFile(opts),
        listen,
        webConfigFile: opts['web.config.file'],
        enableLifecycle: opts['web.enableLifecycle'] ?? false,
        allowInsecureWebhook: opts['webhook.allowInsecure'] ?? false,
        logger,
        version: VERSION,
        clock,
      }).catch((e: unknown) => {
        if (e instanceof InsecureListenError) throw new UsageError(`${flag}: ${e.message} (--webhook.allow-insecure)`);
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE')
          throw new RunError(
            `${flag}: ${listen} is already in use (EADDRINUSE); stop what listens there or choose another address`
          );
        if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
          throw new RunError(`${flag}: cannot listen on ${listen} (${code})`);
        throw e;
      });
      const onHup = () => void handle.reload();
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'shutting down');
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          process.off('SIGHUP', onHup);
          handle.close().then(resolve, (e: unknown) => {
            logger.error({ err: e }, 'error while shutting down');
            resolve();
          });
        };
        process.on('SIGHUP', onHup);
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
    });
}
