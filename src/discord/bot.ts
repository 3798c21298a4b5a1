import { once } from "node:events";
import {
  ApplicationCommandOptionType,
  Client,
  ComponentType,
  Events,
  GatewayIntentBits,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Interaction as DiscordJsInteraction,
  type ModalSubmitInteraction,
} from "discord.js";
import type { App } from "../app.js";
import type { Config } from "../config.js";
import { log } from "../log.js";
import type { RawOptions } from "../router.js";
import { DiscordInteraction } from "./interaction.js";

const botLog = log.child({ module: "discord" });

/**
 * The discord.js client Loopy uses: only the Guilds intent (no privileged ones: interactions carry
 * what Loopy needs), and DISCORD_API_URL as the REST base when set (a fake Discord in tests).
 * Made before the app so the daily quiz's ChannelPoster can share it.
 */
export function createDiscordClient(config: Config): Client {
  return new Client({ intents: [GatewayIntentBits.Guilds], rest: config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {} });
}

/** Slash command options as the router takes them: name → value, `subcommand` for a subcommand. */
function rawOptions(interaction: ChatInputCommandInteraction): RawOptions {
  const options: RawOptions = {};
  const collect = (list: readonly CommandInteractionOption[]) => {
    for (const option of list) {
      if (option.type === ApplicationCommandOptionType.Subcommand) {
        options.subcommand = option.name;
        collect(option.options ?? []);
      } else if (option.type === ApplicationCommandOptionType.SubcommandGroup) {
        options.subcommandGroup = option.name;
        collect(option.options ?? []);
      } else {
        // Channels, roles, users and mentionables arrive as their ids.
        options[option.name] = option.value;
      }
    }
  };
  collect(interaction.options.data);
  return options;
}

function formFields(interaction: ModalSubmitInteraction): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [id, field] of interaction.fields.fields) {
    if (field.type === ComponentType.TextInput) fields[id] = field.value;
  }
  return fields;
}

async function answerAutocomplete(app: App, interaction: AutocompleteInteraction) {
  const focused = interaction.options.getFocused(true);
  const choices = await app.router.autocomplete(interaction.commandName, { option: focused.name, value: String(focused.value), services: app.services });
  await interaction.respond(choices.slice(0, 25).map((choice) => ({ name: choice.label, value: choice.value })));
}

async function route(app: App, interaction: DiscordJsInteraction) {
  const { services, router } = app;
  if (interaction.isAutocomplete()) return answerAutocomplete(app, interaction);
  if (interaction.isChatInputCommand()) return router.command(interaction.commandName, rawOptions(interaction), new DiscordInteraction(interaction, services));
  if (interaction.isMessageContextMenuCommand()) {
    return router.command(interaction.commandName, { message: interaction.targetMessage.content }, new DiscordInteraction(interaction, services));
  }
  if (interaction.isStringSelectMenu()) return router.component(interaction.customId, new DiscordInteraction(interaction, services, interaction.values));
  if (interaction.isButton()) return router.component(interaction.customId, new DiscordInteraction(interaction, services));
  if (interaction.isModalSubmit()) return router.component(interaction.customId, new DiscordInteraction(interaction, services, [], formFields(interaction)));
  botLog.warn({ interaction: interaction.id, type: interaction.type }, "interaction of a kind Loopy does not handle");
}

/**
 * Logs in and routes every interaction to the app's router. Resolves once the client is ready;
 * `stop` disconnects from the gateway.
 */
export async function startDiscordBot(app: App, options: { client?: Client } = {}): Promise<{ stop(): Promise<void> }> {
  const { config } = app.services;
  if (!config.DISCORD_TOKEN) throw new Error("DISCORD_TOKEN is not set");
  const client = options.client ?? createDiscordClient(config);

  client.on(Events.InteractionCreate, (interaction) => {
    const started = Date.now();
    route(app, interaction).then(
      () => botLog.debug({ interaction: interaction.id, type: interaction.type, ms: Date.now() - started }, "interaction handled"),
      (error: unknown) => botLog.error({ err: error, interaction: interaction.id, type: interaction.type, user: interaction.user.id, guild: interaction.guildId }, "interaction failed"),
    );
  });
  client.on(Events.GuildCreate, (guild) => botLog.info({ guild: guild.id }, "joined a server"));
  // discord.js emits guildDelete only for a server Loopy was removed from (an outage is guildUnavailable).
  client.on(Events.GuildDelete, (guild) => {
    botLog.info({ guild: guild.id }, "removed from a server");
    app.services.daily.removeGuild(guild.id).catch((error: unknown) => botLog.error({ err: error, guild: guild.id }, "could not forget the server's daily quiz"));
  });
  client.on(Events.ShardResume, (shard, replayed) => botLog.info({ shard, replayed }, "gateway session resumed"));
  client.on(Events.ShardDisconnect, (event, shard) => botLog.warn({ shard, code: event.code }, "gateway disconnected"));
  client.on(Events.Error, (error) => botLog.error({ err: error }, "discord.js error"));

  const ready = once(client, Events.ClientReady);
  await client.login(config.DISCORD_TOKEN);
  await ready;
  botLog.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, "logged in to Discord");

  return {
    async stop() {
      await client.destroy();
      botLog.info("disconnected from Discord");
    },
  };
}
