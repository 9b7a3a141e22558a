/**
 * `tileflow up`: the tracking server and model registry (MLflow's REST API, artifact proxy and a home
 * page) on this machine, over the embedded SQLite store by default or a team PostgreSQL.
 */
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type ConfigOverrides } from '../../core/config.js';
import { CliError } from '../errors.js';
import { describeDatabaseUrl } from '../tracking-source.js';

interface UpOptions {
  host?: string;
  port?: number;
  home?: string;
  databaseUrl?: string;
  artifactsRoot?: string;
  imagery?: string[];
}

/** Parses a TCP port flag. */
function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return port;
}

/** Collects a repeatable `--imagery ID=URI` flag. */
function collectImagery(value: string, previous: string[] = []): string[] {
  if (!/^[\w.-]+=.+$/.test(value)) throw new InvalidArgumentError('expected ID=URI, e.g. --imagery s2=./scene.tif');
  return [...previous, value];
}

/** A one-line explanation of why listening failed, for the errors a user can fix. */
function listenFailure(error: unknown, host: string, port: number): CliError | null {
  switch ((error as { code?: string })?.code) {
    case 'EADDRINUSE':
      return new CliError(`port ${port} on ${host} is already in use: stop what is listening there or choose another port with --port`);
    case 'EACCES':
      return new CliError(`permission denied to listen on ${host}:${port}: choose a port above 1023 with --port`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new CliError(`cannot listen on ${host}: no such address on this machine (try --host 127.0.0.1 or --host 0.0.0.0)`);
    default:
      return null;
  }
}

/** Starts the server and resolves once it listens; SIGINT and SIGTERM stop it (app first, then the stores). */
export async function up(options: UpOptions): Promise<void> {
  const { imagery: imageryFlags = [], ...configFlags } = options;
  const overrides: ConfigOverrides = Object.fromEntries(Object.entries(configFlags).filter(([, v]) => v !== undefined));
  const config = loadConfig(overrides);
  const storeDescription = describeDatabaseUrl(config.databaseUrl);
  // Loaded here, not at the top: the other commands start faster without the server and the stores.
  const [{ buildApp }, { openTracking }, { ImageryRegistry }, { PredictService }] = await Promise.all([
    import('../../server/app.js'),
    import('../../track/service.js'),
    import('../../data/raster/imagery-registry.js'),
    import('../../predict/service.js'),
  ]);
  const imagery = new ImageryRegistry();
  try {
    for (const flag of imageryFlags) {
      const split = flag.indexOf('=');
      await imagery.registerImagerySource(flag.slice(0, split), flag.slice(split + 1));
    }
  } catch (error) {
    await imagery.close();
    throw error;
  }
  const tracking = await openTracking(config);
  let app: FastifyInstance | undefined;
  let predict: Awaited<ReturnType<typeof PredictService.open>> | undefined;
  try {
    // Opening the prediction service re-queues predictions a stopped server left unfinished.
    // On PostgreSQL, prediction jobs go through a table every tileflow sharing the database takes work from.
    predict = await PredictService.open({ tracking, ...(/^postgres(ql)?:/i.test(config.databaseUrl) ? { postgresQueue: config.databaseUrl } : {}) });
    app = await buildApp({ tracking, imagery, predict, logger: true, storeDescription });
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app?.close().catch(() => {});
    await predict?.close();
    await tracking.close();
    await imagery.close();
    throw listenFailure(error, config.host, config.port) ?? error;
  }
  const server = app;
  const service = predict!;
  const port = (server.server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  process.stdout.write(`tileflow listening on http://${host}:${port} (store: ${storeDescription})\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`tileflow: ${signal} again, exiting without a clean shutdown\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`tileflow: ${signal} received, stopping\n`);
    server
      .close()
      .then(() => service.close())
      .then(() => tracking.close())
      .then(() => imagery.close())
      .catch((error: unknown) => {
        process.stderr.write(`error: while stopping: ${(error as Error)?.message ?? String(error)}\n`);
        process.exitCode = 1;
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Registers `tileflow up`. */
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('run the tracking server, model registry (MLflow REST API) and prediction service (/api, OpenAPI at /docs) on this machine')
    .option('--host <host>', 'interface to listen on (default: $TILEFLOW_HOST or 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default: $TILEFLOW_PORT or 5000)', parsePort)
    .option('--home <dir>', 'folder of the embedded store and artifacts (default: $TILEFLOW_HOME or ./.tileflow)')
    .option('--database-url <url>', 'metadata store, sqlite:PATH or postgres://USER@HOST/DB (default: $TILEFLOW_DATABASE_URL or sqlite under --home)')
    .option('--artifacts-root <dir>', 'folder for proxied artifacts (default: $TILEFLOW_ARTIFACTS_ROOT or artifacts/ under --home)')
    .option('--imagery <id=uri>', 'serve imagery at /tiles/imagery/ID/{z}/{x}/{y}.png: a COG or raster path/URL, xyz+https://…/{z}/{x}/{y}.png, or stac:ITEM.json (repeatable)', collectImagery)
    .action(async (options: UpOptions) => up(options));
}
