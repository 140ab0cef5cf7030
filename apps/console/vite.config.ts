import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const contracts = fileURLToPath(new URL('../../libs/contracts/src/index.ts', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  // Keep Vite/Vitest caches out of the app folder.
  cacheDir: '../../node_modules/.vite/console',
  plugins: [react()],
  resolve: {
    alias: { '@imbridge/contracts': contracts },
  },
  server: {
    port: 4200,
    strictPort: true,
    proxy: {
      // ws: the desk's socket.io connection (/api/socket.io) upgrades through the same proxy.
      '/api': { target: 'http://localhost:3000', changeOrigin: false, ws: true },
    },
  },
  preview: { port: 4200 },
  build: {
    outDir: '../../dist/apps/console',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
  },
  test: {
    root,
    environment: 'jsdom',
    include: ['src/**/*.spec.ts', 'src/**/*.spec.tsx'],
    setupFiles: ['src/test/setup.ts'],
    css: false,
    testTimeout: 20000,
  },
});
