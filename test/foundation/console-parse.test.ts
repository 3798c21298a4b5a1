import { describe, expect, it } from "vitest";
import { commandDefinitions, loadCommands } from "../../src/commands.js";
import { parseCommandLine, problemSentences } from "../../src/console/parse.js";
import { completeLine } from "../../src/console/complete.js";

const definitions = commandDefinitions(await loadCommands());
const parse = (line: string) => parseCommandLine(line, definitions);

describe("the console's command line", () => {
  it("reads options as Discord delivers them", () => {
    expect(parse("/explain topic:event loop")).toEqual({ ok: true, name: "explain", options: { topic: "event loop" } });
    expect(parse("/explain event loop")).toEqual({ ok: true, name: "explain", options: { topic: "event loop" } });
    expect(parse("/run code:print('a:b')")).toEqual({ ok: true, name: "run", options: { code: "print('a:b')" } });
    expect(parse("/daily setup channel:#general time:09:00 timezone:UTC ping-role:@learners")).toEqual({
      ok: true,
      name: "daily",
      options: { subcommand: "setup", channel: "general", time: "09:00", timezone: "UTC", "ping-role": "learners" },
    });
  });

  it("takes a choice by the name Discord shows, or by its value", () => {
    expect(parse("/quiz difficulty:beginner")).toMatchObject({ ok: true, options: { difficulty: 1 } });
    expect(parse("/quiz difficulty:Advanced")).toMatchObject({ ok: true, options: { difficulty: 3 } });
    expect(parse("/quiz difficulty:2")).toMatchObject({ ok: true, options: { difficulty: 2 } });
    expect(parse("/leaderboard period:all time")).toMatchObject({ ok: true, options: { period: "all" } });
  });

  it("says what is wrong with a line it cannot read", () => {
    expect(parse("/")).toEqual({ ok: false, problem: "type a command such as /explain topic:gather" });
    expect(parse("/nonsense")).toMatchObject({ ok: false, problem: expect.stringMatching(/^there is no \/nonsense; try /) });
    expect(parse("/daily sometimes")).toEqual({ ok: false, problem: "/daily needs one of: setup, status, preview, post-now, pause, resume, off" });
  });

  it("names every missing option at once, with the command's usage", () => {
    expect(parse("/daily setup time:09:00")).toEqual({
      ok: false,
      problem: "/daily setup needs `channel` and `timezone`\nUsage: /daily setup channel:<#channel> time:<text> timezone:<text> [reveal-after:<text>] [ping-role:<@role>]",
    });
    expect(parse("/explain")).toEqual({ ok: false, problem: "/explain needs `topic`\nUsage: /explain topic:<text>" });
    expect(parse("/quiz gather")).toMatchObject({ ok: false, problem: expect.stringMatching(/\nUsage: \/quiz \[topic:<text>\] \[difficulty:<beginner\|intermediate\|advanced>\]$/) });
    expect(problemSentences("/explain needs `topic`\nUsage: /explain topic:<text>")).toBe("/explain needs `topic`.\nUsage: /explain topic:<text>");
  });
});

describe("Tab in the console", () => {
  const topics = ["gather", "gather-exceptions", "tasks", "task-group"];
  const tab = (line: string) => completeLine(line, definitions, topics)[0];

  it("completes commands, subcommands and the options not given yet", () => {
    expect(tab("/da")).toEqual(["/daily "]);
    expect(tab("/daily ")).toEqual(["/daily setup ", "/daily status ", "/daily preview ", "/daily post-now ", "/daily pause ", "/daily resume ", "/daily off "]);
    expect(tab("/daily p")).toEqual(["/daily preview ", "/daily post-now ", "/daily pause "]);
    expect(tab("/daily setup ti")).toEqual(["/daily setup time:", "/daily setup timezone:"]);
    expect(tab("/daily setup time:09:00 ")).toEqual(["channel:", "timezone:", "reveal-after:", "ping-role:"].map((option) => `/daily setup time:09:00 ${option}`));
    expect(tab("/run ")).toEqual(["/run code:", "/run python:"]);
  });

  it("completes values it knows: topics, and choices by the name Discord shows", () => {
    expect(tab("/explain gat")).toEqual(["/explain gather", "/explain gather-exceptions"]);
    expect(tab("/explain topic:task")).toEqual(["/explain topic:tasks", "/explain topic:task-group"]);
    expect(tab("/quiz topic:tasks difficulty:b")).toEqual(["/quiz topic:tasks difficulty:beginner"]);
    expect(tab("/leaderboard period:")).toEqual(["/leaderboard period:this week", "/leaderboard period:all time"]);
  });
});
