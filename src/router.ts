import type { Command } from "./commands.js";
import type { AutocompleteRequest, ComponentInteraction, Interaction } from "./core/interaction.js";
import { CHOICES_MAX } from "./core/discord-limits.js";
import { errorReply, type Choice } from "./core/reply.js";
import { interactions } from "./health/metrics.js";
import { log } from "./log.js";

const routerLog = log.child({ module: "router" });

/** Raw option values as an adapter received them, before validation. */
export type RawOptions = Record<string, unknown>;

function firstProblem(error: { issues: { path: PropertyKey[]; message: string; code?: string; input?: unknown }[] }): string {
  const issue = error.issues[0]!;
  const option = issue.path.length > 0 ? `\`${String(issue.path[0])}\`` : "";
  // Discord never sends a command without its required options; typed commands (the console) can.
  if (issue.code === "invalid_type" && issue.input === undefined && option) return `${option} is required.`;
  return option ? `${option}: ${issue.message}` : issue.message;
}

async function failPolitely(interaction: Interaction, what: string, error: unknown) {
  routerLog.error({ err: error, interaction: interaction.id, user: interaction.user.id, guild: interaction.guildId, what }, "handler failed");
  try {
    await interaction.respond(errorReply(`Something went wrong on my side while handling ${what}. It has been logged; please try again in a moment.`));
  } catch (replyError) {
    routerLog.error({ err: replyError, interaction: interaction.id }, "could not tell the user about the failure");
  }
}

/** Routes what users do to the handlers of commands/, the same way for Discord and the console. */
export class Router {
  constructor(readonly commands: Map<string, Command>) {}

  async command(name: string, rawOptions: RawOptions, interaction: Interaction): Promise<void> {
    const command = this.commands.get(name);
    if (!command) {
      await interaction.reply(errorReply(`I don't have a command called /${name}. Try /explain, /run or /quiz.`));
      return;
    }
    const parsed = command.options.safeParse(rawOptions);
    if (!parsed.success) {
      await interaction.reply(errorReply(`That doesn't look right: ${firstProblem(parsed.error)}`));
      return;
    }
    routerLog.info({ interaction: interaction.id, command: name, user: interaction.user.id, guild: interaction.guildId }, "command");
    interactions.inc({ command: name, kind: "command" });
    try {
      await command.execute(Object.assign(interaction, { options: parsed.data }));
    } catch (error) {
      await failPolitely(interaction, `/${name}`, error);
    }
  }

  /** `action` is "<command>:<name>[:arg...]" as set on a button, menu or form. */
  async component(action: string, interaction: Omit<ComponentInteraction, "args">): Promise<void> {
    const [commandName = "", handlerName = "", ...args] = action.split(":");
    const handler = this.commands.get(commandName)?.components?.[handlerName];
    if (!handler) {
      routerLog.warn({ interaction: interaction.id, action }, "no handler for component");
      await interaction.reply(errorReply("This button no longer works. Please run the command again."));
      return;
    }
    routerLog.info({ interaction: interaction.id, action, user: interaction.user.id, guild: interaction.guildId }, "component");
    interactions.inc({ command: commandName, kind: "component" });
    try {
      await handler(Object.assign(interaction, { args }));
    } catch (error) {
      await failPolitely(interaction, "that button", error);
    }
  }

  async autocomplete(commandName: string, request: AutocompleteRequest): Promise<Choice[]> {
    const command = this.commands.get(commandName);
    if (!command?.autocomplete) return [];
    try {
      return (await command.autocomplete(request)).slice(0, CHOICES_MAX);
    } catch (error) {
      routerLog.error({ err: error, command: commandName, option: request.option }, "autocomplete failed");
      return [];
    }
  }
}
