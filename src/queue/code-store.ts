import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** How long "Run again" and "Edit and run" keep working after a run. */
const KEEP_SECONDS = 24 * 60 * 60;

/**
 * Keeps the code of a run under a short id, because a button's custom_id holds only 100 characters.
 * The id is a digest of the code, so running the same code again reuses (and refreshes) one key.
 */
export class CodeStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:run:code:${id}`;
  }

  async save(code: string): Promise<string> {
    const id = createHash("sha256").update(code).digest("base64url").slice(0, 16);
    await this.redis.set(this.key(id), code, "EX", KEEP_SECONDS);
    return id;
  }

  async load(id: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(id))) ?? undefined;
  }
}
