/**
 * What a training or an evaluation reports to experiment tracking. The learn and deep layers sit below
 * tracking, so they state what they need here and the CLI (or server) hands in an implementation over
 * tileflow's tracking store or an MLflow-compatible server.
 */

/** One tracked run, as trainers and pipelines use it. */
export interface RunRecorder {
  readonly runId: string;
  logParams(params: Record<string, string | number | boolean>): Promise<void>;
  logMetrics(metrics: Record<string, number>, step: number): Promise<void>;
  setTags(tags: Record<string, string>): Promise<void>;
  /** Stores bytes as an artifact of the run at a relative path (`plots/loss.png`). */
  logArtifact(relativePath: string, bytes: Uint8Array): Promise<void>;
  /** Registers the artifacts under `artifactPath` as a new version of a registered model (created when missing); returns the version. */
  registerModel(name: string, artifactPath: string, tags?: Record<string, string>, description?: string): Promise<string>;
  end(status: 'FINISHED' | 'FAILED' | 'KILLED'): Promise<void>;
}
