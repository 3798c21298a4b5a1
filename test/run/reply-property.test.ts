import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/core/run/limits.js";
import { outputFromPieces, RESULT_BOUNDS, type OutputPiece, type RunResult } from "../../src/core/run/protocol.js";
import { runResultReply } from "../../src/core/run/reply.js";
import { renderForDiscord } from "../../src/discord/render.js";
import { parseRecording } from "../../src/sandbox/recording.js";

/**
 * Random and adversarial recordings and output streams, fed to the same code the bot runs on a stored result:
 * the recording parser (on the worker) and the reply builder with its picture (on the bot). None may throw, take
 * long, or build a reply Discord would refuse.
 */
const nasty = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom("````", "`", "\n".repeat(50), "[x](https://evil.example)", "<@&1>", "@everyone", "\u0000\u0007", "x".repeat(5000)));
const piece = fc.record({ stream: fc.constantFrom("stdout" as const, "stderr" as const), text: nasty, atMs: fc.integer({ min: 0, max: 7000 }) });
const ms = fc.double({ min: 0, max: 10_000, noNaN: true });
const recording = fc.record({
  version: fc.constant(1),
  wallMs: ms,
  originMonotonicUs: fc.nat(),
  droppedSteps: fc.nat(),
  droppedTasks: fc.nat(),
  waits: fc.array(fc.record({ kind: fc.constantFrom("sleep", "task", "tasks", "io", "sync", "thread", "yield", "future"), label: nasty, tasks: fc.array(fc.integer({ min: -5, max: 300 }), { maxLength: 80 }) }), { maxLength: 30 }),
  tasks: fc.array(
    fc.record({
      id: fc.integer({ min: 1, max: 300 }),
      name: nasty,
      coro: nasty,
      createdBy: nasty,
      createdMs: ms,
      steps: fc.array(fc.tuple(ms, ms, fc.integer({ min: -1, max: 40 })), { maxLength: 400 }),
      finishedMs: fc.option(ms, { nil: null }),
      outcome: fc.constantFrom("result", "exception", "cancelled", "pending"),
    }),
    { maxLength: 30 },
  ),
});

function resultOf(pieces: OutputPiece[], json: string): RunResult {
  return {
    outcome: "error",
    limit: null,
    exitCode: 1,
    signal: null,
    ...outputFromPieces(pieces.slice(0, RESULT_BOUNDS.chunks)),
    wallMs: 100,
    cpuMs: 50,
    truncated: false,
    python: "3.11.2",
    timeline: parseRecording(json, undefined, 6000),
    capped: [],
  };
}

describe("the reply builder, fed random and adversarial results", () => {
  it("never throws, stays within Discord's limits and takes well under a second", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 300 }), recording, (pieces, forged) => {
        const started = performance.now();
        const reply = runResultReply(resultOf(pieces, JSON.stringify(forged)), DEFAULT_LIMITS, "print()", "id");
        const { body } = renderForDiscord(reply);
        const embeds = body.embeds ?? [];
        const total = embeds.reduce((sum, embed) => sum + (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.fields ?? []).reduce((all, field) => all + field.name.length + field.value.length, 0), 0);
        expect(total).toBeLessThanOrEqual(6000);
        for (const embed of embeds) expect((embed.description ?? "").match(/```/g)?.length ?? 0).toSatisfy((fences: number) => fences % 2 === 0);
        expect(performance.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 150 },
    );
  });
});
