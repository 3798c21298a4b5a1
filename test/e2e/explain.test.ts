import { InteractionResponseType, MessageFlags } from "discord.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectDiscordAcceptedEverything, startLoopyOnFakeDiscord, type Running } from "./harness.js";

let loopy: Running;

beforeAll(async () => {
  // /explain needs no sandbox: no workers here.
  loopy = await startLoopyOnFakeDiscord({ RUN_WORKERS_IN_PROCESS: "false" });
});
afterAll(() => loopy?.stop());
afterEach(() => expectDiscordAcceptedEverything(loopy.discord));

describe("/explain through Discord", () => {
  it("logs in with the Guilds intent only", () => {
    expect(loopy.discord.gateway.identifies).toEqual([{ intents: 1 }]);
  });

  it("autocompletes topics, at most 25, gather first for 'gath'", async () => {
    const typing = loopy.discord.autocomplete("explain", { topic: "gath" }, "topic");
    const { body } = await typing.response();
    expect(body.type).toBe(InteractionResponseType.ApplicationCommandAutocompleteResult);
    expect(body.data.choices.length).toBeGreaterThan(0);
    expect(body.data.choices.length).toBeLessThanOrEqual(25);
    expect(body.data.choices[0]).toEqual({ name: expect.stringMatching(/gather/i), value: "gather" });
  });

  it("autocompletes an empty box with the learning path, in CONCEPTS.txt's order", async () => {
    const { body } = await loopy.discord.autocomplete("explain", { topic: "" }, "topic").response();
    expect(body.data.choices.slice(0, 4).map((choice: { value: string }) => choice.value)).toEqual(["asynchronous", "coroutines", "await", "asyncio-run"]);
    expect(body.data.choices.map((choice: { value: string }) => choice.value)).toContain("tasks");
  });

  it("finds topics typed as in code or prose", async () => {
    for (const topic of ['"gather"', "asyncio.gather()", "create_task()", "semaphores", "asyncio.TaskGroup"]) {
      const { body } = await loopy.discord.chatInput("explain", { topic }).response();
      expect(body.data.embeds[0].title, topic).not.toBe("I don't know that topic yet");
    }
  });

  it("cuts related-concept descriptions at a word, with …", async () => {
    const { app } = loopy;
    const explain = loopy.discord.chatInput("explain", { topic: "gather" });
    await explain.response();
    const menu = explain.original().components.flatMap((row: { components: { type: number; options?: { value: string; description: string }[] }[] }) => row.components).find((control: { type: number }) => control.type === 3)!;
    for (const option of menu.options!) {
      const summary = app.services.content.concepts.get(option.value)!.summary;
      expect(option.description.length).toBeLessThanOrEqual(100);
      if (summary.length > 100) expect(option.description).toMatch(/\S…$/);
      expect(summary.startsWith(option.description.replace(/…$/, ""))).toBe(true);
    }
  });

  it("/quiz offers the same did-you-mean buttons, and /help its own first steps", async () => {
    const quiz = loopy.discord.chatInput("quiz", { topic: "gahter" });
    const { body } = await quiz.response();
    expect(body.data.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(body.data.components[0].components[0]).toMatchObject({ label: "asyncio.gather", custom_id: "quiz:topic:gather" });
    const asked = loopy.discord.clickButton(quiz.original(), "quiz:topic:gather");
    expect((await asked.response()).body.data.embeds[0].title).toMatch(/^Quiz: asyncio\.gather · /);
    const help = await loopy.discord.chatInput("help", {}).response();
    expect(help.body.data.embeds[0].title).toBe("Loopy teaches Python's asyncio");
    expect(help.body.data.components[0].components[0].custom_id).toBe("explain:show:asynchronous");
  });

  it("answers with the explanation, the example, a Run example button and the related-concepts menu", async () => {
    const explain = loopy.discord.chatInput("explain", { topic: "gather" });
    const { body } = await explain.response();
    expect(body.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(body.data.embeds[0].title).toMatch(/gather/i);
    expect(body.data.allowed_mentions).toEqual({ parse: [] });
    const message = explain.original();
    const controls = message.components.flatMap((row: { components: { custom_id?: string; type: number }[] }) => row.components);
    expect(controls.map((control: { custom_id?: string }) => control.custom_id)).toContain("run:example:gather");
    expect(controls.some((control: { type: number }) => control.type === 3)).toBe(true);
  });

  it("opens a related concept from the menu", async () => {
    const explain = loopy.discord.chatInput("explain", { topic: "gather" });
    await explain.response();
    const message = explain.original();
    const menu = message.components.flatMap((row: { components: any[] }) => row.components).find((control: { type: number }) => control.type === 3);
    const related = menu.options[0].value as string;
    const choosing = loopy.discord.chooseFromMenu(message, "explain:open", [related]);
    const { body } = await choosing.response();
    expect(body.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(body.data.embeds[0].url).toBeDefined();
    expect(choosing.original().embeds[0].title).not.toMatch(/^gather/i);
  });

  it("answers an unknown topic privately with 'did you mean' buttons that work", async () => {
    const explain = loopy.discord.chatInput("explain", { topic: "gathr" });
    const { body } = await explain.response();
    expect(body.data.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(body.data.embeds[0].title).toBe("I don't know that topic yet");
    const buttons = explain.original().components[0].components as { custom_id: string }[];
    expect(buttons.map((button) => button.custom_id)).toContain("explain:show:gather");
    const pressing = loopy.discord.clickButton(explain.original(), "explain:show:gather");
    expect((await pressing.response()).body.data.embeds[0].title).toMatch(/gather/i);
  });

  it("keeps working after the gateway drops the connection: discord.js resumes the session", async () => {
    loopy.discord.gateway.dropConnection();
    // Sent while the bot is away: the resumed session replays it.
    const explain = loopy.discord.chatInput("explain", { topic: "tasks" });
    await loopy.discord.gateway.whenReady();
    expect((await explain.response()).body.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(loopy.discord.gateway.resumes).toHaveLength(1);
    expect(loopy.discord.gateway.identifies).toHaveLength(1);
  });
});
