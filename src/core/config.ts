import path from 'node:path';

/** tileflow's configuration: one typed object built from defaults, the environment and flags. */
export interface TileflowConfig {
  /** Folder for the embedded store and local artifacts (`$TILEFLOW_HOME`, default `./.tileflow`). */
  home: string;
  /** Metadata store URL: `sqlite:PATH` (embedded) or `postgres://…` (team). */
  databaseUrl: string;
  /** Folder where proxied artifacts (`mlflow-artifacts:/…`) are kept. */
  artifactsRoot: string;
  host: string;
  port: number;
}

/** Overrides a caller may give on top of the environment (typically CLI flags). */
export type ConfigOverrides = Partial<TileflowConfig>;

/** Builds the configuration: flags win over the environment, which wins over defaults. */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): TileflowConfig {
  const home = path.resolve(overrides.home ?? env.TILEFLOW_HOME ?? '.tileflow');
  const databaseUrl = overrides.databaseUrl ?? env.TILEFLOW_DATABASE_URL ?? `sqlite:${path.join(home, 'tileflow.db')}`;
  const artifactsRoot = path.resolve(overrides.artifactsRoot ?? env.TILEFLOW_ARTIFACTS_ROOT ?? path.join(home, 'artifacts'));
  const port = overrides.port ?? (env.TILEFLOW_PORT ? Number(env.TILEFLOW_PORT) : 5000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid port ${String(port)}: expected an integer from 0 to 65535`);
  }
  return { home, databaseUrl, artifactsRoot, host: overrides.host ?? env.TILEFLOW_HOST ?? '127.0.0.1', port };
}
