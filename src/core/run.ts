import type { Person } from "./interaction.js";
import type { Reply } from "./reply.js";

/** A request to run a learner's code; `origin` says which way in it came (for logs and metrics). */
export interface RunRequest {
  code: string;
  user: Person;
  origin: "command" | "form" | "message" | "example" | "again" | "console" | "cli";
}

/** Runs code through the queue and a worker; the answer is ready to show. */
export interface RunService {
  run(request: RunRequest): Promise<Reply>;
  /** Stops in-process workers and closes the queue's connections. */
  close(): Promise<void>;
}
