import { defineConfig } from "vitest/config";

// `npm run test:docker`: the compose deployment on a real Docker engine (test/docker/engine.sh sets one up).
// One file, one deployment, its steps in order; building the image dominates the time.
export default defineConfig({
  test: {
    include: ["test/docker/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
