import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bank, actionsOf, as, RecordingPoster, shownAnswer, startProcess, testRedis, TestClock, textOf, type TestProcess } from "./helpers.js";

const DB = 5;
let bot: TestProcess;

beforeAll(async () => {
  (await testRedis(DB)).disconnect();
  bot = await startProcess({ db: DB, prefix: "test-quiz-command", poster: new RecordingPoster(), clock: new TestClock(Date.now()) });
});
afterAll(() => bot.stop());

/** The question id of a /quiz reply, read from its first button. */
const questionIdOf = (action: string) => action.split(":")[3]!;
const questionOf = (id: string) => bank.questions.find((question) => question.id === id)!;

describe("/quiz", () => {
  it("never repeats a question for a user until they have seen the whole bank", async () => {
    const user = as(bot, { userId: "no-repeats" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(questionIdOf(actionsOf((await user.command("quiz")).replies[0]!)[0]!));
    expect(new Set(ids).size).toBe(5);
    const nextRound: string[] = [];
    for (let i = 0; i < 5; i++) nextRound.push(questionIdOf(actionsOf((await user.command("quiz")).replies[0]!)[0]!));
    expect(new Set(nextRound).size).toBe(5);
  });

  it("respects topic and difficulty, with a round of its own", async () => {
    const user = as(bot, { userId: "filtered" });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(questionIdOf(actionsOf((await user.command("quiz", { topic: "The beta concept" })).replies[0]!)[0]!));
    expect(ids.every((id) => id.startsWith("beta-"))).toBe(true);
    expect(new Set(ids.slice(0, 2)).size).toBe(2);
    expect(new Set(ids.slice(2)).size).toBe(2);
    const hard = await user.command("quiz", { topic: "alpha", difficulty: 2 });
    expect(questionIdOf(actionsOf(hard.replies[0]!)[0]!)).toBe("alpha-idea");
  });

  it("posts publicly with one button per choice; each user answers once, privately", async () => {
    const asker = as(bot, { userId: "asker" });
    const { replies } = await asker.command("quiz", { topic: "alpha", difficulty: 2 });
    expect(replies[0]!.private).toBeFalsy();
    const buttons = actionsOf(replies[0]!);
    expect(buttons).toHaveLength(4);
    const right = shownAnswer(replies[0]!, questionOf("alpha-idea"));
    const wrong = (right + 1) % 4;
    const [feedback] = await asker.press(buttons[right]!);
    expect(feedback!.private).toBe(true);
    expect(textOf(feedback!)).toContain(`Right: ${"ABCD"[right]}!`);
    expect(actionsOf(feedback!)).toContain("explain:show:alpha");
    const [again] = await asker.press(buttons[wrong]!);
    expect(textOf(again!)).toContain(`already answered this one (${"ABCD"[right]})`);
    const [other] = await as(bot, { userId: "friend" }).press(buttons[wrong]!);
    expect(textOf(other!)).toContain(`Not quite: the answer is ${"ABCD"[right]}`);
  });

  it("a hundred asks show the right answer in every position, and each message scores its own order", async () => {
    const user = as(bot, { userId: "shuffled" });
    const question = questionOf("alpha-idea");
    const positions = [0, 0, 0, 0];
    for (let ask = 0; ask < 100; ask++) {
      const { replies } = await user.command("quiz", { topic: "alpha", difficulty: 2 });
      const right = shownAnswer(replies[0]!, question);
      positions[right]!++;
      const buttons = actionsOf(replies[0]!);
      // Every tenth message is answered: right on even ones, wrong on odd ones, and scored so.
      if (ask % 10 === 0) expect(textOf((await user.press(buttons[right]!))[0]!)).toContain("Right");
      if (ask % 10 === 5) expect(textOf((await user.press(buttons[(right + 1) % 4]!))[0]!)).toContain("Not quite");
    }
    // 25 expected in each; fewer than 10 in one has a chance below one in ten thousand.
    expect(positions.every((count) => count >= 10)).toBe(true);
    expect(positions.reduce((sum, count) => sum + count, 0)).toBe(100);
  });

  it("counts answers into /progress: accuracy per concept and what to revisit", async () => {
    const user = as(bot, { userId: "learner", guildId: null });
    for (const right of [true, false]) {
      const { replies } = await user.command("quiz", { topic: "alpha", difficulty: 1 });
      const buttons = actionsOf(replies[0]!);
      const answer = shownAnswer(replies[0]!, questionOf(questionIdOf(buttons[0]!)));
      await user.press(buttons[right ? answer : (answer + 1) % buttons.length]!);
    }
    const [progress] = (await user.command("progress")).replies;
    expect(progress!.private).toBe(true);
    expect(textOf(progress!)).toContain("You answered **2** questions, **1** right (50%)");
    expect(textOf(progress!)).toContain("The alpha concept: 1/2 (50%)");
    expect(actionsOf(progress!)).toEqual(["explain:show:alpha"]);
  });

  it("answers an unknown topic, a bad difficulty and an empty filter politely", async () => {
    const user = as(bot);
    const unknown = (await user.command("quiz", { topic: "alpah", difficulty: 1 })).replies[0]!;
    expect(textOf(unknown)).toContain('Nothing is called "alpah". Did you mean one of these?');
    // The same "did you mean" buttons as /explain, asking a question of that concept at the difficulty chosen.
    expect(unknown.buttons![0]![0]).toMatchObject({ label: "The alpha concept", action: "quiz:topic:alpha:1" });
    const [asked] = await user.press("quiz:topic:alpha:1");
    expect(asked!.cards![0]!.title).toMatch(/^Quiz: The alpha concept · beginner$/);
    expect(textOf((await user.command("quiz", { difficulty: 7 })).replies[0]!)).toContain("Difficulty is 1 (beginner)");
    expect(textOf((await user.command("quiz", { topic: "beta", difficulty: 1 })).replies[0]!)).toContain("no questions for that topic and difficulty");
  });

  it("a stale button is refused politely", async () => {
    const [reply] = await as(bot).press("quiz:answer:m1:gone-question:0");
    expect(textOf(reply!)).toContain("no longer in the quiz bank");
  });
});
