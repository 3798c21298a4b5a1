import type { Reply } from "../reply.js";

/**
 * Posting to a server's channel outside of any interaction (the daily quiz). The Discord adapter
 * implements it with discord.js, the console prints to the terminal.
 */
export interface ChannelPoster {
  /** `true`, or why Loopy cannot post there, as a sentence an admin can act on. */
  canPost(guildId: string, channelId: string): Promise<true | string>;
  /** `pingRoleId`: the role mentioned in the text that should really be notified (other mentions never ping). */
  post(channelId: string, reply: Reply, options?: { pingRoleId?: string }): Promise<{ messageId: string }>;
  edit(channelId: string, messageId: string, reply: Reply): Promise<void>;
}

/** For front ends without channels (one-shot command lines): setting up a daily quiz is refused politely. */
export const noChannelPoster: ChannelPoster = {
  async canPost() {
    return "This front end has no channels to post a daily quiz in.";
  },
  async post() {
    throw new Error("no channel poster configured");
  },
  async edit() {
    throw new Error("no channel poster configured");
  },
};
