import { StringDecoder } from "node:string_decoder";
import { RESULT_BOUNDS, type OutputChunk, type Stream } from "../core/run/protocol.js";

/**
 * Gathers a run's output in arrival order, with times, and enforces the output budget: bytes past it are
 * dropped and `onOverflow` is called once. Each source (framed stdout, raw fd 1, …) has its own decoder so
 * a UTF-8 character split across writes survives.
 *
 * The text of each stream is kept once; the order is kept as chunks pointing into it. Writes of one stream that
 * arrive in the same millisecond join one chunk, and past RESULT_BOUNDS.chunks pieces the rest of each stream is
 * one last chunk: a program alternating stdout and stderr a character at a time cannot make the result, or
 * anything built from it, grow with the number of its writes.
 */
export class OutputCollector {
  truncated = false;
  /** Set once the order of further output was no longer kept. */
  orderCapped = false;
  private bytes = 0;
  private readonly chunks: OutputChunk[] = [];
  private readonly text = { stdout: [] as string[], stderr: [] as string[] };
  /** The tail chunks each stream gets once the order is capped. */
  private readonly tails: Partial<Record<Stream, OutputChunk>> = {};
  private readonly decoders = new Map<string, { stream: Stream; decoder: StringDecoder }>();

  constructor(
    private readonly budgetBytes: number,
    private readonly startedAt: number,
    private readonly onOverflow: () => void,
  ) {}

  add(stream: Stream, source: string, data: Buffer): void {
    if (this.truncated) return;
    let kept = data;
    if (this.bytes + data.length > this.budgetBytes) {
      kept = data.subarray(0, this.budgetBytes - this.bytes);
      this.truncated = true;
      this.onOverflow();
    }
    this.bytes += kept.length;
    this.append(stream, this.decoder(stream, source).write(kept));
  }

  /** Flushes half characters left in the decoders (shown as U+FFFD, as Python's own replacement would). */
  finish(): { stdout: string; stderr: string; chunks: OutputChunk[] } {
    for (const { stream, decoder } of this.decoders.values()) this.append(stream, decoder.end());
    const chunks = [...this.chunks, ...(["stdout", "stderr"] as const).flatMap((stream) => this.tails[stream] ?? [])];
    return { stdout: this.text.stdout.join(""), stderr: this.text.stderr.join(""), chunks };
  }

  private decoder(stream: Stream, source: string): StringDecoder {
    const key = `${stream} ${source}`;
    let entry = this.decoders.get(key);
    if (!entry) this.decoders.set(key, (entry = { stream, decoder: new StringDecoder("utf8") }));
    return entry.decoder;
  }

  private append(stream: Stream, text: string): void {
    if (!text) return;
    this.text[stream].push(text);
    const atMs = Math.round(performance.now() - this.startedAt);
    const last = this.chunks.at(-1);
    if (this.orderCapped) {
      const tail = (this.tails[stream] ??= { stream, length: 0, atMs });
      tail.length += text.length;
      tail.atMs = atMs;
    } else if (last && last.stream === stream && last.atMs === atMs) {
      // Writes that arrive together read better as one piece; when each was printed is what the picture needs.
      last.length += text.length;
    } else if (this.chunks.length < RESULT_BOUNDS.chunks) {
      this.chunks.push({ stream, length: text.length, atMs });
    } else {
      this.orderCapped = true;
      this.tails[stream] = { stream, length: text.length, atMs };
    }
  }
}
