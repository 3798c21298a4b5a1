import { startScratchRedis } from "../src/store/redis-server.js";

/**
 * The suite gets its own redis-server on a free port, so it never touches data it did not create.
 * Set REDIS_URL to use another server instead.
 */
export default async function startTestRedis() {
  if (process.env.REDIS_URL) return;
  const redis = await startScratchRedis();
  process.env.REDIS_URL = redis.url;
  return () => redis.stop();
}
