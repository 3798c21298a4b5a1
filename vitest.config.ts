import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The Docker deployment has its own command and config: npm run test:docker.
    exclude: ["test/docker/**", "**/node_modules/**"],
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/logs-to-file.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Sandbox tests spawn real processes; two cores are shared, so keep file parallelism modest.
    maxWorkers: 2,
  },
});
