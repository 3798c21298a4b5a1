import { describe, expect, it } from "vitest";
import { FrameReader } from "../../src/sandbox/frames.js";
import { DEFAULT_LIMITS, describeLimit, resolveLimits, runLimitsSchema } from "../../src/core/run/limits.js";
import { OutputCollector } from "../../src/sandbox/output.js";
import { interleavedOutput, parseRunResult, RESULT_BOUNDS } from "../../src/core/run/protocol.js";

function frame(kind: string, payload: Buffer | string): Buffer {
  const data = Buffer.from(payload);
  const header = Buffer.alloc(5);
  header.write(kind, 0, "latin1");
  header.writeUInt32BE(data.length, 1);
  return Buffer.concat([header, data]);
}

describe("FrameReader", () => {
  it("reassembles frames split across reads", () => {
    const bytes = Buffer.concat([frame("R", '{"python":"3.11.2"}'), frame("o", "hi\n"), frame("e", "oops\n")]);
    const reader = new FrameReader();
    const frames = [...bytes].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(frames).toEqual([
      { kind: "ready", python: "3.11.2" },
      { kind: "output", stream: "stdout", data: Buffer.from("hi\n") },
      { kind: "output", stream: "stderr", data: Buffer.from("oops\n") },
    ]);
  });

  it("stops reading forged garbage instead of buffering it", () => {
    const reader = new FrameReader();
    expect(reader.push(Buffer.concat([frame("o", "ok"), Buffer.from([0x6f, 0xff, 0xff, 0xff, 0xff])]))).toHaveLength(1);
    expect(reader.push(frame("o", "ignored"))).toEqual([]);
  });

  it("hands on frames of unknown kind or malformed payload as ignored, and goes on reading", () => {
    const reader = new FrameReader();
    expect(reader.push(Buffer.concat([frame("?", "x"), frame("R", '{"python":"3.11.2; rm -rf /"}'), frame("o", "ok")]))).toEqual([
      { kind: "ignored" },
      { kind: "ignored" },
      { kind: "output", stream: "stdout", data: Buffer.from("ok") },
    ]);
  });
});

describe("OutputCollector", () => {
  it("cuts output at the budget and says so once", () => {
    let overflows = 0;
    const collector = new OutputCollector(5, performance.now(), () => overflows++);
    collector.add("stdout", "frames", Buffer.from("abc"));
    collector.add("stderr", "frames", Buffer.from("defgh"));
    collector.add("stdout", "frames", Buffer.from("ijk"));
    expect(collector.finish()).toMatchObject({ stdout: "abc", stderr: "de" });
    expect(collector.truncated).toBe(true);
    expect(overflows).toBe(1);
  });

  it("keeps the order of the first pieces only, then the rest of each stream as one piece: never more chunks than the bound", () => {
    const collector = new OutputCollector(1 << 20, performance.now(), () => {});
    for (let index = 0; index < 3 * RESULT_BOUNDS.chunks; index++) collector.add(index % 2 ? "stderr" : "stdout", "frames", Buffer.from(String(index % 10)));
    const output = collector.finish();
    expect(output.chunks).toHaveLength(RESULT_BOUNDS.chunks + 2);
    expect(output.stdout.length + output.stderr.length).toBe(3 * RESULT_BOUNDS.chunks);
    expect(parseRunResult({ ...output, outcome: "ok", limit: null, exitCode: 0, signal: null, wallMs: 1, cpuMs: 1, truncated: false, python: "3.11.2", capped: [] })).toBeDefined();
    expect(interleavedOutput(output).slice(0, 4)).toBe("0123");
    expect(collector.orderCapped).toBe(true);
  });

  it("decodes UTF-8 split across writes", () => {
    const collector = new OutputCollector(100, performance.now(), () => {});
    const snake = Buffer.from("🐍");
    collector.add("stdout", "fd", snake.subarray(0, 2));
    collector.add("stdout", "fd", snake.subarray(2));
    expect(collector.finish().stdout).toBe("🐍");
  });
});

describe("limits", () => {
  it("has snekbox-like defaults and validates overrides", () => {
    expect(DEFAULT_LIMITS.wallMs).toBe(6_000);
    expect(resolveLimits({ wallMs: 1_000 })).toEqual({ ...DEFAULT_LIMITS, wallMs: 1_000 });
    expect(() => resolveLimits({ memoryBytes: 1 })).toThrow();
    expect(runLimitsSchema.partial().safeParse({ processes: -1 }).success).toBe(false);
  });

  it("describes each limit in a sentence for the learner", () => {
    expect(describeLimit("memory", DEFAULT_LIMITS)).toBe("Your program was stopped: it used more than 100 MiB of memory.");
    expect(describeLimit("time", DEFAULT_LIMITS)).toBe("Your program was stopped: it ran for more than 6 s.");
    expect(describeLimit("output", DEFAULT_LIMITS)).toBe("Your program was stopped: it printed more than 1 MiB.");
  });
});
