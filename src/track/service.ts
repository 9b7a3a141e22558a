/**
 * Opens tileflow's tracking: the metadata stores over one database, and the artifact store. This is
 * what the server, the CLI and tileflow's own trainers use; nothing else opens the database.
 */
import fs from 'node:fs';
import type { TileflowConfig } from '../core/config.js';
import { LocalArtifactStore, type ArtifactStore } from './artifacts/artifact-store.js';
import { openTrackingDb, type TrackingDb } from './store/database.js';
import { LoggedModelStore } from './store/logged-model-store.js';
import { RegistryStore, type CreateModelVersionInput } from './store/registry-store.js';
import { TrackingStore } from './store/tracking-store.js';
import type { ModelVersion } from './entities.js';

/** The tracking stores of one tileflow instance. */
export interface Tracking {
  runs: TrackingStore;
  registry: RegistryStore;
  loggedModels: LoggedModelStore;
  artifacts: ArtifactStore;
  /** The open database, for the layers above that keep their own tables in it (predict). */
  database: TrackingDb;
  /** Registers a model version, resolving `runs:/` and `models:/` sources to where the files are. */
  createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion>;
  close(): Promise<void>;
}

/** Opens (and migrates) the stores named by the configuration. */
export async function openTracking(config: Pick<TileflowConfig, 'databaseUrl' | 'artifactsRoot'>): Promise<Tracking> {
  const database = await openTrackingDb(config.databaseUrl);
  fs.mkdirSync(config.artifactsRoot, { recursive: true });
  const runs = new TrackingStore(database);
  const registry = new RegistryStore(database);
  const loggedModels = new LoggedModelStore(database);
  return {
    runs,
    registry,
    loggedModels,
    artifacts: new LocalArtifactStore(config.artifactsRoot),
    database,
    async createModelVersion(input) {
      return registry.createModelVersion(input, await resolveStorageLocation(input.source, runs, loggedModels));
    },
    close: () => database.close(),
  };
}

/** `runs:/<run>/<path>` and `models:/m-<id>` point at artifact folders; other sources are stored as given. */
async function resolveStorageLocation(source: string, runs: TrackingStore, loggedModels: LoggedModelStore): Promise<string | undefined> {
  const run = /^runs:\/([^/]+)\/?(.*)$/.exec(source);
  if (run) {
    const info = (await runs.getRun(run[1])).info;
    return run[2] ? `${info.artifactUri}/${run[2]}` : info.artifactUri;
  }
  const model = /^models:\/(m-[0-9a-f]+)\/?$/.exec(source);
  if (model) return (await loggedModels.get(model[1])).artifactUri;
  return undefined;
}
