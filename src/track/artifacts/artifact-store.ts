/**
 * Artifact storage behind MLflow's proxy routes (`mlflow-artifacts:/…`). One small interface; the
 * local-folder implementation streams uploads to a temporary file and renames it into place, so a
 * reader never sees half a file and a failed upload leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidParameter, notFound } from '../../core/errors.js';
import type { FileInfo } from '../entities.js';

/** A stored file opened for reading. */
export interface ArtifactFile {
  size: number;
  /** Opens the bytes, optionally only `[start, end]` (inclusive, as in HTTP ranges). */
  open(range?: { start: number; end: number }): Readable;
}

/** Where artifacts live; paths are relative, `/`-separated, and never leave the store. */
export interface ArtifactStore {
  put(relativePath: string, body: Readable): Promise<number>;
  get(relativePath: string): Promise<ArtifactFile>;
  list(relativePath: string): Promise<FileInfo[]>;
  delete(relativePath: string): Promise<void>;
}

/** Checks an artifact path and returns it normalised; `..`, absolute paths and odd characters are refused. */
export function safeArtifactPath(relativePath: string): string {
  if (typeof relativePath !== 'string') throw invalidParameter('Invalid path');
  const parts = relativePath.split('/');
  if (
    relativePath.startsWith('/') ||
    relativePath.includes('\\') ||
    relativePath.includes('\0') ||
    /^[a-z]:/i.test(relativePath) ||
    parts.some((part) => part === '..' || part === '.')
  ) {
    throw invalidParameter('Invalid path');
  }
  return parts.filter(Boolean).join('/');
}

/** Artifacts kept under one local folder. */
export class LocalArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  private resolve(relativePath: string): string {
    const safe = safeArtifactPath(relativePath);
    const full = path.resolve(this.root, safe);
    // Belt and braces: whatever the checks above missed, never leave the root.
    if (full !== path.resolve(this.root) && !full.startsWith(path.resolve(this.root) + path.sep)) throw invalidParameter('Invalid path');
    return full;
  }

  /** Streams a file into place; returns its size in bytes. */
  async put(relativePath: string, body: Readable): Promise<number> {
    const target = this.resolve(relativePath);
    if (target === path.resolve(this.root)) throw invalidParameter('Invalid path: an artifact needs a file name');
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const stat = await fsp.stat(target).catch(() => null);
    if (stat?.isDirectory()) throw invalidParameter(`Invalid path: '${relativePath}' is a directory`);
    const temporary = `${target}.upload-${randomUUID()}`;
    try {
      await pipeline(body, fs.createWriteStream(temporary));
      await fsp.rename(temporary, target);
    } catch (error) {
      await fsp.rm(temporary, { force: true });
      throw error;
    }
    return (await fsp.stat(target)).size;
  }

  /** Opens a stored file; a missing file or a folder is RESOURCE_DOES_NOT_EXIST. */
  async get(relativePath: string): Promise<ArtifactFile> {
    const full = this.resolve(relativePath);
    const stat = await fsp.stat(full).catch(() => null);
    if (!stat || !stat.isFile()) throw notFound(`Artifact '${relativePath}' does not exist`);
    return { size: stat.size, open: (range) => fs.createReadStream(full, range) };
  }

  /** Lists a folder's direct children, with paths relative to the store root; a file or nothing lists as empty. */
  async list(relativePath: string): Promise<FileInfo[]> {
    const safe = safeArtifactPath(relativePath ?? '');
    const full = this.resolve(safe);
    const entries = await fsp.readdir(full, { withFileTypes: true }).catch(() => null);
    if (!entries) return [];
    const files: FileInfo[] = [];
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.includes('.upload-')) continue;
      const childPath = safe ? `${safe}/${entry.name}` : entry.name;
      if (entry.isDirectory()) files.push({ path: childPath, isDir: true });
      else if (entry.isFile()) files.push({ path: childPath, isDir: false, fileSize: (await fsp.stat(path.join(full, entry.name))).size });
    }
    return files;
  }

  /** Deletes a file or a whole folder. */
  async delete(relativePath: string): Promise<void> {
    const full = this.resolve(relativePath);
    if (full === path.resolve(this.root)) throw invalidParameter('Invalid path: refusing to delete the artifact root');
    const stat = await fsp.stat(full).catch(() => null);
    if (!stat) throw notFound(`Artifact '${relativePath}' does not exist`);
    await fsp.rm(full, { recursive: true, force: true });
  }
}

/** The proxied path inside `mlflow-artifacts:/PATH` (or `mlflow-artifacts://host/PATH`), or null for other URIs. */
export function proxiedArtifactPath(uri: string): string | null {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri);
  return match ? match[1] : null;
}
