import { randomUUID } from "node:crypto";
import { respondIn, type AnswerState, type ComponentInteraction } from "../core/interaction.js";
import type { Person } from "../core/person.js";
import type { Form, Reply } from "../core/reply.js";
import type { Services } from "../core/services.js";

/** What a handler did with an interaction, in order: the console prints these, `loopy ask` serialises them. */
export type LocalEvent =
  | { kind: "reply" | "edit" | "followUp" | "update"; reply: Reply }
  | { kind: "defer"; private: boolean }
  | { kind: "form"; form: Form };

export interface LocalPlace {
  user: Person;
  guildId: string | null;
  channelId: string | null;
  canManageServer: boolean;
}

/**
 * An interaction that happens on this machine (the console, `loopy ask`): it keeps Discord's rules
 * (one first answer, edit after defer) so handlers behave exactly as they will in Discord.
 */
export class LocalInteraction implements ComponentInteraction {
  readonly id = randomUUID();
  readonly user: Person;
  readonly guildId: string | null;
  readonly channelId: string | null;
  readonly canManageServer: boolean;
  args: string[] = [];
  private answered: AnswerState = "no";

  constructor(
    readonly services: Services,
    place: LocalPlace,
    private readonly emit: (event: LocalEvent) => void,
    readonly values: string[] = [],
    readonly fields: Record<string, string> = {},
  ) {
    this.user = place.user;
    this.guildId = place.guildId;
    this.channelId = place.channelId;
    this.canManageServer = place.canManageServer;
  }

  private firstAnswer(kind: string) {
    if (this.answered !== "no") throw new Error(`${kind} after the interaction was already answered`);
  }

  async reply(reply: Reply) {
    this.firstAnswer("reply");
    this.answered = "replied";
    this.emit({ kind: "reply", reply });
  }

  async defer(options: { private?: boolean } = {}) {
    this.firstAnswer("defer");
    this.answered = "deferred";
    this.emit({ kind: "defer", private: options.private ?? false });
  }

  async edit(reply: Reply) {
    if (this.answered === "no") throw new Error("edit before the interaction was answered");
    this.emit({ kind: "edit", reply });
  }

  async followUp(reply: Reply) {
    if (this.answered === "no") throw new Error("followUp before the interaction was answered");
    this.emit({ kind: "followUp", reply });
  }

  async update(reply: Reply) {
    this.firstAnswer("update");
    this.answered = "replied";
    this.emit({ kind: "update", reply });
  }

  async showForm(form: Form) {
    this.firstAnswer("showForm");
    this.answered = "replied";
    this.emit({ kind: "form", form });
  }

  async respond(reply: Reply) {
    return respondIn(this.answered, this, reply);
  }
}
