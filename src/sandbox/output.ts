import { StringDecoder } from "node:string_decoder";
import type { OutputChunk } from "../core/run/protocol.js";

type Stream = OutputChunk["stream"];

/**
 * Gathers a run's output in arrival order, with times, and enforces the output budget: bytes past it are
 * dropped and `onOverflow` is called once. Each source (framed stdout, raw fd 1, …) has its own decoder so
 * a UTF-8 character split across writes survives.
 */
export class OutputCollector {
  readonly chunks: OutputChunk[] = [];
  truncated = false;
  private bytes = 0;
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
    const join = (stream: Stream) => this.chunks.filter((chunk) => chunk.stream === stream).map((chunk) => chunk.text).join("");
    return { stdout: join("stdout"), stderr: join("stderr"), chunks: this.chunks };
  }

  private decoder(stream: Stream, source: string): StringDecoder {
    const key = `${stream} ${source}`;
    let entry = this.decoders.get(key);
    if (!entry) this.decoders.set(key, (entry = { stream, decoder: new StringDecoder("utf8") }));
    return entry.decoder;
  }

  private append(stream: Stream, text: string): void {
    if (!text) return;
    const atMs = Math.round(performance.now() - this.startedAt);
    const last = this.chunks.at(-1);
    // Writes that arrive together read better as one chunk; order is all the timeline needs.
    if (last && last.stream === stream && last.atMs === atMs) last.text += text;
    else this.chunks.push({ stream, text, atMs });
  }
}
