import type { ChannelPoster } from "../core/quiz/poster.js";
import type { Reply } from "../core/reply.js";

type ShowPost = (heading: string, reply: Reply) => void;

/**
 * The console's channels are the terminal: a daily quiz "posted" in #general is printed there, with its
 * buttons pressable like any reply. The console attaches itself once it runs; posts before that are kept.
 */
export class ConsolePoster implements ChannelPoster {
  private show: ShowPost | undefined;
  private readonly waiting: [string, Reply][] = [];
  private posted = 0;

  attach(show: ShowPost): void {
    this.show = show;
    for (const [heading, reply] of this.waiting.splice(0)) show(heading, reply);
  }

  async canPost(): Promise<true> {
    return true;
  }

  async post(channelId: string, reply: Reply): Promise<{ messageId: string }> {
    const messageId = `console-message-${++this.posted}`;
    this.display(`New message in #${channelId}`, reply);
    return { messageId };
  }

  async edit(channelId: string, _messageId: string, reply: Reply): Promise<void> {
    this.display(`A message in #${channelId} was updated`, reply);
  }

  private display(heading: string, reply: Reply) {
    if (this.show) this.show(heading, reply);
    else this.waiting.push([heading, reply]);
  }
}
