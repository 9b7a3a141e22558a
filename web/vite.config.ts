// Builds the web UI into web/dist, which `tileflow up` serves at `/` (src/server/web-ui.ts).
// `npm run dev:web` serves it with hot reload and proxies the API to a `tileflow up` on port 5000.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const api = process.env.TILEFLOW_URL ?? 'http://127.0.0.1:5000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // uPlot and React are small; one vendor chunk keeps first load to a few requests. MapLibre (about
    // 1 MB, its worker another 0.5 MB) loads only with the pages that show a map.
    chunkSizeWarningLimit: 1100,
  },
  server: {
    proxy: Object.fromEntries(['/api', '/ajax-api', '/get-artifact', '/tiles', '/docs', '/health'].map((p) => [p, api])),
  },
});
