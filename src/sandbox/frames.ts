/** What the runner reports on its frames fd (see runner.py for the format). */
export type Frame =
  | { kind: "ready"; python: string }
  | { kind: "output"; stream: "stdout" | "stderr"; data: Buffer }
  | { kind: "timeline"; data: Buffer }
  /** A piece of a snapshot of the recording while the program runs; an empty piece ends the snapshot. */
  | { kind: "timeline-snapshot"; data: Buffer }
  /** Well framed but not the runner's (an unknown kind, a malformed payload): counted against the budget, then dropped. */
  | { kind: "ignored" };

const HEADER_BYTES = 5;
/** What the runner reports as its version ("3.11.2"); anything else in an R frame is not the runner's. */
const PYTHON_VERSION = /^\d{1,2}\.\d{1,3}\.\d{1,3}[a-z0-9+]{0,8}$/;
/** runner.py keeps each frame within PIPE_BUF (4096 bytes) so writes from several processes stay whole. */
const MAX_PAYLOAD = 4096 - HEADER_BYTES;

/**
 * Splits the frames byte stream. The learner's code can write to the same fd, so nothing here is
 * trusted: an oversized length ends parsing for good (the stream cannot be followed past it; only that run's report
 * suffers), a frame of unknown kind or malformed payload is handed on as "ignored", and at most one frame is
 * ever buffered.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private broken = false;

  push(data: Buffer): Frame[] {
    if (this.broken) return [];
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    const frames: Frame[] = [];
    while (this.pending.length >= HEADER_BYTES) {
      const kind = String.fromCharCode(this.pending[0]!);
      const length = this.pending.readUInt32BE(1);
      if (length > MAX_PAYLOAD) return this.breakOff(frames);
      if (this.pending.length < HEADER_BYTES + length) break;
      const payload = this.pending.subarray(HEADER_BYTES, HEADER_BYTES + length);
      this.pending = this.pending.subarray(HEADER_BYTES + length);
      frames.push(decodeFrame(kind, payload) ?? { kind: "ignored" });
    }
    return frames;
  }

  private breakOff(frames: Frame[]): Frame[] {
    this.broken = true;
    this.pending = Buffer.alloc(0);
    return frames;
  }
}

function decodeFrame(kind: string, payload: Buffer): Frame | null {
  switch (kind) {
    case "o":
      return { kind: "output", stream: "stdout", data: Buffer.from(payload) };
    case "e":
      return { kind: "output", stream: "stderr", data: Buffer.from(payload) };
    case "T":
      return { kind: "timeline", data: Buffer.from(payload) };
    case "P":
      return { kind: "timeline-snapshot", data: Buffer.from(payload) };
    case "R": {
      try {
        const python: unknown = JSON.parse(payload.toString("utf8")).python;
        return typeof python === "string" && PYTHON_VERSION.test(python) ? { kind: "ready", python } : null;
      } catch {
        return null;
      }
    }
    default:
      return null;
  }
}
