import { once } from "node:events";
import { Events, PermissionFlagsBits, type Client, type SendableChannels } from "discord.js";
import type { ChannelPoster } from "../core/quiz/poster.js";
import type { Reply } from "../core/reply.js";
import { asMessagePayload, renderEditForDiscord, renderForDiscord } from "./render.js";

/** What posting a daily quiz needs: seeing the channel, posting in it, and showing the question's embed. */
const neededPermissions = [PermissionFlagsBits.ViewChannel, PermissionFlagsBits.SendMessages, PermissionFlagsBits.EmbedLinks];
const READY_TIMEOUT_MS = 30_000;

/** "Send Messages" from "SendMessages", as Discord's settings name it. */
function permissionName(flag: string): string {
  return flag.replace(/([a-z])([A-Z])/g, "$1 $2");
}

/** The daily quiz's poster over the bot's discord.js client (which may still be logging in when the app starts). */
export class DiscordChannelPoster implements ChannelPoster {
  constructor(private readonly client: Client) {}

  async canPost(guildId: string, channelId: string): Promise<true | string> {
    await this.ready();
    const guild = this.client.guilds.cache.get(guildId);
    if (!guild) return "I'm not in this server any more.";
    const channel = await guild.channels.fetch(channelId).catch(() => null);
    if (!channel) return "I can't see that channel. Give me the View Channel permission there.";
    if (!channel.isTextBased()) return "it isn't a text channel. Pick one people can write in.";
    const me = guild.members.me ?? (await guild.members.fetchMe());
    const missing = channel.permissionsFor(me).missing(neededPermissions);
    if (missing.length === 0) return true;
    const names = missing.map(permissionName);
    return `I need the ${names.join(" and ")} permission${names.length > 1 ? "s" : ""} there.`;
  }

  async post(channelId: string, reply: Reply, options: { pingRoleId?: string } = {}): Promise<{ messageId: string }> {
    const channel = await this.sendable(channelId);
    const message = renderForDiscord(reply);
    // Only the chosen role is notified; any other mention in the text stays silent.
    if (options.pingRoleId) message.body.allowed_mentions = { parse: [], roles: [options.pingRoleId] };
    const sent = await channel.send(asMessagePayload(channel, message));
    return { messageId: sent.id };
  }

  async edit(channelId: string, messageId: string, reply: Reply): Promise<void> {
    const channel = await this.sendable(channelId);
    await channel.messages.edit(messageId, asMessagePayload(channel, renderEditForDiscord(reply)));
  }

  private async sendable(channelId: string): Promise<SendableChannels> {
    await this.ready();
    const channel = await this.client.channels.fetch(channelId);
    if (!channel?.isSendable()) throw new Error(`channel ${channelId} is not one Loopy can post in`);
    return channel;
  }

  /** Posts due at start-up wait for the login; the daily queue retries if Discord takes too long. */
  private async ready() {
    if (!this.client.isReady()) await once(this.client, Events.ClientReady, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
  }
}
