// Imports go one way (docs/architecture.md): a layer never imports a layer above it, and sibling
// layers of the same rank stay independent. This reads every source file's imports, so a violation
// fails here long before it becomes a cycle.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const SRC = path.resolve(import.meta.dirname, '..', 'src');

/** Rank of each top-level folder of src/; an import must point to a strictly lower rank or its own folder. */
const RANK: Record<string, number> = {
  core: 0,
  geo: 1,
  data: 2,
  jobs: 2,
  learn: 3,
  deep: 3,
  track: 4,
  predict: 5,
  server: 6,
  cli: 7,
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const layerOf = (file: string) => path.relative(SRC, file).split(path.sep)[0];

test('every folder of src/ has a rank', () => {
  const folders = fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  for (const folder of folders) assert.ok(folder in RANK, `src/${folder} needs a rank in test/architecture.test.ts and docs/architecture.md`);
});

test('imports point down the layers, never up or sideways', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = layerOf(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      const target = path.resolve(path.dirname(file), match[1] ?? match[2]);
      if (!target.startsWith(SRC + path.sep)) {
        violations.push(`${path.relative(SRC, file)} imports ${match[1] ?? match[2]}, outside src/`);
        continue;
      }
      const to = layerOf(target);
      if (to !== from && !(RANK[to] < RANK[from])) violations.push(`${path.relative(SRC, file)} (${from}) imports ${to}`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the check itself catches an upward import', () => {
  // Guards against a regex that silently matches nothing.
  const sample = "import { buildApp } from '../server/app.js';";
  const found = [...sample.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) => m[1]);
  assert.deepEqual(found, ['../server/app.js']);
  assert.ok(!(RANK.server < RANK.track));
});
