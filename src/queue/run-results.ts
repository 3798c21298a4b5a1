import type { Redis } from "ioredis";
import { runLimitsSchema, type RunLimits } from "../core/run/limits.js";
import { parseRunResult, RESULT_BOUNDS, type RunResult } from "../core/run/protocol.js";

/**
 * Where a finished run's result waits for the bot: one Redis string per job, with a TTL, written by the worker and
 * read once by the waiting bot. Not the BullMQ job's return value: BullMQ copies that into its events stream and
 * keeps it with up to a thousand completed jobs, so a megabyte of output would be stored many times over.
 */
export class RunResultStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Longer than any wait for a result (RUN_WAIT_SECONDS is at most 600). */
    private readonly keepSeconds = 15 * 60,
  ) {}

  private key(jobId: string): string {
    return `${this.prefix}:run:result:${jobId}`;
  }

  /** Stores the result within RESULT_BOUNDS.jsonBytes; returns how many bytes were stored. */
  async save(jobId: string, result: RunResult, limits: RunLimits): Promise<number> {
    const json = boundedJson(result, limits);
    await this.redis.set(this.key(jobId), json, "EX", this.keepSeconds);
    return Buffer.byteLength(json);
  }

  /** The stored result, checked against the protocol again: undefined when missing, expired or not a result. */
  async load(jobId: string): Promise<{ result: RunResult; limits: RunLimits } | undefined> {
    const json = await this.redis.get(this.key(jobId));
    if (json === null || json.length > RESULT_BOUNDS.jsonBytes) return undefined;
    let data: { result?: unknown; limits?: unknown };
    try {
      data = JSON.parse(json) as typeof data;
    } catch {
      return undefined;
    }
    const result = parseRunResult(data.result);
    const limits = runLimitsSchema.safeParse(data.limits);
    return result && limits.success ? { result, limits: limits.data } : undefined;
  }
}

/**
 * The result as JSON, never longer than RESULT_BOUNDS.jsonBytes. The sandbox already bounds each part; only escaping
 * can make the JSON longer than the parts (a control character takes six bytes), and then the picture goes first,
 * and the output is cut after it.
 */
export function boundedJson(result: RunResult, limits: RunLimits): string {
  const json = JSON.stringify({ result, limits });
  if (Buffer.byteLength(json) <= RESULT_BOUNDS.jsonBytes) return json;
  const { timeline: _dropped, ...withoutPicture } = result;
  const lighter = { ...withoutPicture, capped: [...result.capped, "the picture was left out to keep the result small"] };
  const smaller = JSON.stringify({ result: lighter, limits });
  if (Buffer.byteLength(smaller) <= RESULT_BOUNDS.jsonBytes) return smaller;
  // Every character costs at most six bytes escaped: keep a share of each stream that surely fits.
  const share = Math.floor((RESULT_BOUNDS.jsonBytes - 64 * 1024) / 6 / 2);
  const stdout = result.stdout.slice(0, share);
  const stderr = result.stderr.slice(0, share);
  return JSON.stringify({
    result: {
      ...lighter,
      stdout,
      stderr,
      chunks: [
        { stream: "stdout", length: stdout.length, atMs: result.wallMs },
        { stream: "stderr", length: stderr.length, atMs: result.wallMs },
      ],
      truncated: true,
      capped: [...lighter.capped, "the output was cut to keep the result small, and its order was not kept"],
    },
    limits,
  });
}
