import { removeOrphanedScratch } from "../src/sandbox/scratch.js";
import { startScratchRedis } from "../src/store/redis-server.js";

/**
 * The suite gets its own redis-server on a free port, so it never touches data it did not create.
 * Set REDIS_URL to use another server instead.
 */
export default async function startTestRedis() {
  // Test files' processes exit without waiting for their last sandboxes' scratch mounts to go; they are orphans then.
  const removeScratchOfTestProcesses = () => removeOrphanedScratch();
  if (process.env.REDIS_URL) return removeScratchOfTestProcesses;
  const redis = await startScratchRedis();
  process.env.REDIS_URL = redis.url;
  return async () => {
    await redis.stop();
    await removeScratchOfTestProcesses();
  };
}
