import { PermissionFlagsBits, type RepliableInteraction } from "discord.js";
import { respondIn, type AnswerState, type ComponentInteraction } from "../core/interaction.js";
import type { Person } from "../core/person.js";
import type { Form, Reply } from "../core/reply.js";
import type { Services } from "../core/services.js";
import { asMessagePayload, renderEditForDiscord, renderForDiscord, renderFormForDiscord } from "./render.js";

/** A Discord interaction as the core sees it; the handlers never touch discord.js. */
export class DiscordInteraction implements Omit<ComponentInteraction, "args"> {
  readonly id: string;
  readonly user: Person;
  readonly guildId: string | null;
  readonly channelId: string | null;
  readonly canManageServer: boolean;
  /** Discord's rule: one first answer; edits after it (discord.js's own flags change meaning after an edit). */
  private answered: AnswerState = "no";

  constructor(
    private readonly source: RepliableInteraction,
    readonly services: Services,
    readonly values: string[] = [],
    readonly fields: Record<string, string> = {},
  ) {
    this.id = source.id;
    this.user = { id: source.user.id, name: source.user.displayName };
    this.guildId = source.guildId;
    this.channelId = source.channelId;
    this.canManageServer = source.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
  }

  async reply(reply: Reply) {
    await this.source.reply(asMessagePayload(this.source, renderForDiscord(reply)));
    this.answered = "replied";
  }

  async defer(options: { private?: boolean } = {}) {
    await this.source.deferReply(options.private ? { flags: "Ephemeral" } : {});
    this.answered = "deferred";
  }

  async edit(reply: Reply) {
    await this.source.editReply(asMessagePayload(this.source, renderEditForDiscord(reply)));
  }

  async followUp(reply: Reply) {
    await this.source.followUp(asMessagePayload(this.source, renderForDiscord(reply)));
  }

  async showForm(form: Form) {
    if (this.source.isModalSubmit()) throw new Error("a form cannot be answered with another form");
    await this.source.showModal(renderFormForDiscord(form));
    this.answered = "replied";
  }

  async update(reply: Reply) {
    const { source } = this;
    if (!(source.isMessageComponent() || (source.isModalSubmit() && source.isFromMessage()))) {
      throw new Error("only a button, menu or form opened from a message can update that message");
    }
    await source.update(asMessagePayload(source, renderEditForDiscord(reply)));
    this.answered = "replied";
  }

  async respond(reply: Reply) {
    return respondIn(this.answered, this, reply);
  }
}
