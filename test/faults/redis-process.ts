import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedRedis, type EmbeddedRedis } from "../../src/store/redis-server.js";

/**
 * A redis-server of the test's own (never the suite's shared one), restarted on the same port with its
 * append-only file, as a production Redis restarts.
 */
export class RestartableRedis {
  private running: EmbeddedRedis | undefined;

  private constructor(
    readonly url: string,
    private readonly dataDir: string,
    first: EmbeddedRedis,
  ) {
    this.running = first;
  }

  static async start(): Promise<RestartableRedis> {
    const dataDir = mkdtempSync(join(tmpdir(), "loopy-fault-redis-"));
    const first = await startEmbeddedRedis({ dataDir, persistent: true });
    return new RestartableRedis(first.url, dataDir, first);
  }

  /** Stops the server (SIGTERM: it finishes writing its append-only file) and starts it again on the same port. */
  async restart(): Promise<void> {
    await this.running?.stop();
    this.running = await startEmbeddedRedis({ dataDir: this.dataDir, persistent: true, port: Number(new URL(this.url).port) });
  }

  async stop(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
