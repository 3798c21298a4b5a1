import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startEmbeddedRedis } from "../../src/store/redis-server.js";

/**
 * A redis-server of the test's own (never the suite's shared one), restarted on the same port with its
 * append-only file, as a production Redis restarts. startEmbeddedRedis picks a new port at every start,
 * so it starts the first server; a restart spawns redis-server on that port directly.
 */
export class RestartableRedis {
  private running: { stop(): Promise<void> } | undefined;

  private constructor(
    readonly url: string,
    private readonly dataDir: string,
    first: { stop(): Promise<void> },
  ) {
    this.running = first;
  }

  static async start(): Promise<RestartableRedis> {
    const dataDir = mkdtempSync(join(tmpdir(), "loopy-fault-redis-"));
    const first = await startEmbeddedRedis({ dataDir, persistent: true });
    return new RestartableRedis(first.url, dataDir, first);
  }

  /** Stops the server (SIGTERM: it finishes writing its append-only file) and starts it again. */
  async restart(): Promise<void> {
    await this.running?.stop();
    const port = new URL(this.url).port;
    const child = spawn("redis-server", ["--port", port, "--bind", "127.0.0.1", "--dir", this.dataDir, "--save", "", "--appendonly", "yes"], { stdio: "ignore" });
    this.running = { stop: () => stopChild(child) };
    await untilAnswering(this.url);
  }

  async stop(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await exited;
}

async function untilAnswering(url: string): Promise<void> {
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {}); // refused until the server listens
    try {
      await client.connect();
      await client.ping();
      return;
    } catch {
      await new Promise((wait) => setTimeout(wait, 50));
    } finally {
      client.disconnect();
    }
  }
}
