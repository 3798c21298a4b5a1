import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Program } from "../core/run/request.js";

/** How long "Run again" and "Edit and run" keep working after a run. */
const KEEP_SECONDS = 24 * 60 * 60;

/** A stored program, read back from Redis. */
const storedProgram = z.object({ code: z.string(), stdin: z.string() });

/**
 * Keeps the program of a run (its code and its standard input) under a short id, because a button's
 * custom_id holds only 100 characters. The id is a digest of the program, so running the same program
 * again reuses (and refreshes) one key.
 */
export class CodeStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:run:code:${id}`;
  }

  async save(program: Program): Promise<string> {
    const stored = JSON.stringify({ code: program.code, stdin: program.stdin });
    const id = createHash("sha256").update(stored).digest("base64url").slice(0, 16);
    await this.redis.set(this.key(id), stored, "EX", KEEP_SECONDS);
    return id;
  }

  async load(id: string): Promise<Program | undefined> {
    const stored = await this.redis.get(this.key(id));
    if (stored === null) return undefined;
    try {
      const parsed = storedProgram.safeParse(JSON.parse(stored));
      if (parsed.success) return parsed.data;
    } catch {
      // Stored before runs had an input: the value is the code itself.
    }
    return { code: stored, stdin: "" };
  }
}
