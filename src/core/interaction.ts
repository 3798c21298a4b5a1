import type { Person } from "./person.js";
import type { Form, Reply } from "./reply.js";
import type { Services } from "./services.js";

/**
 * One thing a user did (a slash command, a button, a form), as every adapter presents it.
 * The first answer is `reply`, `defer` or `showForm`; after `defer` or `reply`, `edit` replaces that answer.
 */
export interface Interaction {
  id: string;
  user: Person;
  guildId: string | null;
  channelId: string | null;
  /** Manage Server permission in this guild (false in DMs). */
  canManageServer: boolean;
  services: Services;
  reply(reply: Reply): Promise<void>;
  defer(options?: { private?: boolean }): Promise<void>;
  edit(reply: Reply): Promise<void>;
  followUp(reply: Reply): Promise<void>;
  showForm(form: Form): Promise<void>;
  /** Answers in the way that fits now: reply if nothing was sent yet, edit after a defer, else follow up. */
  respond(reply: Reply): Promise<void>;
}

/** Where an interaction stands under Discord's rule of one first answer. */
export type AnswerState = "no" | "deferred" | "replied";

/** `respond` for an interaction in `state`: reply if nothing was sent yet, edit after a defer, else follow up. */
export function respondIn(state: AnswerState, interaction: Pick<Interaction, "reply" | "edit" | "followUp">, reply: Reply): Promise<void> {
  if (state === "no") return interaction.reply(reply);
  if (state === "deferred") return interaction.edit(reply);
  return interaction.followUp(reply);
}

export interface CommandInteraction<Options> extends Interaction {
  options: Options;
}

/** A button press, menu choice or form submission whose action starts with the command's name. */
export interface ComponentInteraction extends Interaction {
  /** The parts of the action after "<command>:<name>:". */
  args: string[];
  /** Chosen menu values. */
  values: string[];
  /** Submitted form inputs by id. */
  fields: Record<string, string>;
  /** Replace the message the button was on (instead of answering with a new one). */
  update(reply: Reply): Promise<void>;
}

export interface AutocompleteRequest {
  option: string;
  value: string;
  services: Services;
}
