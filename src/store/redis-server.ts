import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { isProcessAlive } from "../process-alive.js";

export interface EmbeddedRedis {
  url: string;
  pid: number;
  /** SIGTERM lets Redis finish its append-only file; tests pass SIGKILL to crash it. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
}

/** Where to look for redis-server: PATH first, then Debian's location (sbin is not always on PATH). */
export function findRedisServer(): string | undefined {
  for (const candidate of ["redis-server", "/usr/bin/redis-server", "/usr/sbin/redis-server"]) {
    if (spawnSync(candidate, ["--version"], { stdio: "ignore" }).status === 0) return candidate;
  }
  return undefined;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

async function waitUntilAnswering(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} before answering`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {}); // refusals are expected until the server listens
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
  throw new Error("redis-server did not answer within 10 seconds");
}

/**
 * Starts a private redis-server on a free loopback port, as a child that dies with us.
 * `persistent` turns on append-only persistence in `dataDir`, so progress survives restarts. `port` restarts a
 * server where it was (fault tests); by default a free one is chosen.
 */
export async function startEmbeddedRedis(options: { dataDir: string; persistent: boolean; port?: number }): Promise<EmbeddedRedis> {
  const binary = findRedisServer();
  if (!binary) {
    throw new Error(
      "No redis-server was found. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`, or run `npm run setup`), " +
        "or set REDIS_URL to a Redis server you already have.",
    );
  }
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const releaseDataDir = options.persistent ? claimDataDir(dataDir) : () => {};
  const port = options.port ?? (await freeLoopbackPort());
  const child = spawn(
    binary,
    [
      "--port", String(port),
      "--bind", "127.0.0.1",
      "--dir", dataDir,
      "--save", "",
      "--appendonly", options.persistent ? "yes" : "no",
      "--daemonize", "no",
      "--protected-mode", "yes",
      "--loglevel", "warning",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const url = `redis://127.0.0.1:${port}`;
  const stopOnExit = () => {
    child.kill("SIGTERM");
    releaseDataDir();
  };
  process.once("exit", stopOnExit);
  await waitUntilAnswering(url, child);
  return {
    url,
    pid: child.pid!,
    async stop(signal = "SIGTERM") {
      process.off("exit", stopOnExit);
      releaseDataDir();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once("exit", done));
      child.kill(signal);
      await exited;
    },
  };
}

/**
 * Two Loopy processes on one data folder would run two redis-servers writing the same append-only files.
 * The folder holds the pid of the Loopy using it; a stale claim (that process is gone) is taken over.
 */
function claimDataDir(dataDir: string): () => void {
  const claim = join(dataDir, "loopy.pid");
  for (;;) {
    try {
      writeFileSync(claim, String(process.pid), { flag: "wx" });
      return () => rmSync(claim, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(claim, "utf8"));
      if (holder === process.pid) return () => rmSync(claim, { force: true });
      if (holder && isProcessAlive(holder)) {
        throw new Error(`Another Loopy (process ${holder}) is already using ${dataDir}. Stop it first, or set LOOPY_DATA_DIR to another folder.`);
      }
      rmSync(claim, { force: true });
    }
  }
}

/**
 * A throw-away redis-server without persistence, in a fresh temporary folder that `stop` removes: for
 * one-shot command lines, benchmarks and tests, which must never touch data they did not create.
 */
export async function startScratchRedis(): Promise<EmbeddedRedis> {
  const dataDir = mkdtempSync(join(tmpdir(), "loopy-redis-"));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  let server: EmbeddedRedis;
  try {
    server = await startEmbeddedRedis({ dataDir, persistent: false });
  } catch (error) {
    removeDataDir();
    throw error;
  }
  return {
    ...server,
    async stop(signal) {
      await server.stop(signal);
      removeDataDir();
    },
  };
}
