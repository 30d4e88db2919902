import type { Command } from 'commander';
import pino, { type Logger } from 'pino';
import { DEFAULTS } from '../config/defaults.js';
import { InsecureListenError } from '../scaler/index.js';
import { startServe } from '../server/index.js';
import { DEFAULT_CONFIG, UsageError, type Io } from './common.js';
import { VERSION } from './version.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

interface ServeFlags {
  config: string;
  listen: string;
  'web.config.file'?: string;
  'web.enableLifecycle'?: boolean;
  'log.level': string;
  'webhook.allowInsecure'?: boolean;
}

/** Structured JSON logs on stderr (stdout stays free for command output). */
export function createLogger(level: string): Logger {
  if (!(LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log.level: expected one of ${LEVELS.join(', ')}, got "${level}"`);
  return pino({ level, base: { name: 'headroom' } }, pino.destination({ fd: 2, sync: true }));
}

export function register(program: Command, _io: Io, clock: () => number): void {
  program
    .command('serve')
    .description(
      'run the exporter: /metrics, /api/v1/plan, /api/v1/decisions, /-/healthy, /-/ready, the scaler webhook; ' +
        'SIGHUP (or POST /-/reload with --web.enable-lifecycle) reloads the policy, SIGTERM stops gracefully',
    )
    .option('-c, --config <file>', 'policy file', DEFAULT_CONFIG)
    .option('--listen <address>', 'listen address, host:port', DEFAULTS.listen)
    .option('--web.config.file <file>', 'exporter-toolkit web config: tls_server_config (cert_file, key_file) and basic_auth_users (bcrypt hashes)')
    .option('--web.enable-lifecycle', 'enable POST /-/reload', false)
    .option('--webhook.allow-insecure', 'serve the scaling webhook without a token on a non-loopback address', false)
    .option('--log.level <level>', `log level: ${LEVELS.join(', ')}`, 'info')
    .action(async (opts: ServeFlags) => {
      const logger = createLogger(opts['log.level']);
      const handle = await startServe({
        configFile: opts.config,
        listen: opts.listen,
        webConfigFile: opts['web.config.file'],
        enableLifecycle: opts['web.enableLifecycle'] ?? false,
        allowInsecureWebhook: opts['webhook.allowInsecure'] ?? false,
        logger,
        version: VERSION,
        clock,
      }).catch((e: unknown) => {
        throw e instanceof InsecureListenError ? new UsageError(`--listen: ${e.message} (--webhook.allow-insecure)`) : e;
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
