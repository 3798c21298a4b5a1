import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedRedis } from "../src/store/redis-server.js";

/**
 * The suite gets its own redis-server on a free port, so it never touches data it did not create.
 * Set REDIS_URL to use another server instead.
 */
export default async function startTestRedis() {
  if (process.env.REDIS_URL) return;
  const dataDir = mkdtempSync(join(tmpdir(), "loopy-test-redis-"));
  const redis = await startEmbeddedRedis({ dataDir, persistent: false });
  process.env.REDIS_URL = redis.url;
  return async () => {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
