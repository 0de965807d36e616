import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The editor tests: one code-server and one Chromium at a time, so they run alone, file after
// file, after the rest of `npm test` (the root config does not pick up *.e2e.ts).
export default defineConfig({
    root: fileURLToPath(new URL('../..', import.meta.url)),
    test: {
        include: ['test/vscode/**/*.e2e.ts'],
        testTimeout: 90_000,
        hookTimeout: 180_000,
        fileParallelism: false,
        pool: 'forks'
    }
});
